"""The dashboard as a new user meets it (issue 16), in headless Chromium: what only
a real browser shows (widget state after a reset, focus and scrolling on a click,
a phone's viewport, the uploader's own checks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import ROOT, Page, Server, chromium_path, run_dashboard
from e2e.sample_store import TYPE_COUNTS, make_store
from e2e.test_dashboard_browser import (
    MAP_FRAME,
    TIMEOUT_MS,
    choose_type,
    download,
    map_frame,
    map_incidents,
    metric,
    open_app,
    wait_metric,
)
from geo.store import Store

pytestmark = pytest.mark.browser

TOTAL = 14
SEED = ROOT / "seeds" / "004_3bca5d6d07408c2f.txt"


def idle(p: Page) -> None:
    p.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)


def open_in(p: Page, server: Server, query: str = "", shown: str = "Incidents affichés") -> None:
    """`open_app` for a page in another language (its metric has another label)."""
    p.page.goto(server.url + "/" + query, timeout=TIMEOUT_MS)
    metric(p, shown)
    map_frame(p).locator(".leaflet-container[data-incidents]").wait_for(timeout=TIMEOUT_MS)


ZOOM_JS = ("el => { for (const k in window) { const v = window[k];"
           " if (v && v._container === el && v.getZoom) return v.getZoom(); } return null; }")
CENTER_LAT_JS = ZOOM_JS.replace("v.getZoom()", "v.getCenter().lat")


def map_zoom(p: Page) -> float:
    return map_frame(p).locator(".leaflet-container").evaluate(ZOOM_JS)


def chips(p: Page, label: str) -> str:
    return p.page.get_by_test_id("stMultiSelect").filter(has_text=label).inner_text()


def choose(p: Page, label: str, option: str) -> None:
    box = p.page.get_by_test_id("stMultiSelect").filter(has_text=label)
    box.locator("input").click()
    box.locator("input").fill(option)  # the list is virtualised: type to reach it
    p.page.get_by_role("option", name=re.compile(rf"^{re.escape(option)}\b")).first.click()
    p.page.keyboard.press("Escape")
    idle(p)


def test_reset_clears_every_widget_and_the_url(page: Page, server: Server) -> None:
    open_app(page, server)
    choose_type(page, "Gunfire")
    wait_metric(page, TYPE_COUNTS["gunfire"])
    choose(page, "Department", "Var")
    wait_metric(page, 1)
    search = page.page.get_by_test_id("stTextInput").filter(has_text="Search").locator("input")
    search.fill("prison")
    search.press("Enter")
    idle(page)
    page.page.get_by_role("button", name="Reset filters").click()
    wait_metric(page, TOTAL)
    idle(page)
    page.page.wait_for_timeout(500)
    assert "Gunfire" not in chips(page, "Incident type")
    assert search.input_value() == ""
    assert "Var" not in chips(page, "Department")
    assert "type=" not in page.page.url and "q=" not in page.page.url
    choose_type(page, "Arson")
    wait_metric(page, TYPE_COUNTS["arson"])
    page.page.wait_for_timeout(300)
    assert "type=arson" in page.page.url and "gunfire" not in page.page.url
    assert "Gunfire" not in chips(page, "Incident type")


@contextmanager
def browsing(browser: Any, **options: Any) -> Iterator[Page]:
    """A page in a fresh browser context with these options, its errors recorded."""
    context = browser.new_context(**options)
    p = Page(context.new_page())
    p.page.on("pageerror", lambda e: p.errors.append(str(e)))
    try:
        yield p
    finally:
        context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Page]:
    """The new user's desktop: 1440x900."""
    with browsing(browser, viewport={"width": 1440, "height": 900}) as p:
        yield p


def test_the_first_click_on_a_marker_opens_its_popup_without_scrolling(
    desktop: Page, server: Server, artifacts: Path,
) -> None:
    open_app(desktop, server)
    frame = map_frame(desktop)
    map_incidents(desktop)
    desktop.page.screenshot(path=str(artifacts / "desktop.png"))
    scroller = desktop.page.get_by_test_id("stMain")
    before = scroller.evaluate("e => e.scrollTop")
    marker = frame.locator(".inc-icon").first
    box = marker.bounding_box()
    desktop.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    frame.locator(".leaflet-popup-content").wait_for(timeout=5000)
    assert scroller.evaluate("e => e.scrollTop") == before
    assert desktop.page.evaluate("window.scrollY") == 0
    desktop.page.wait_for_timeout(400)
    desktop.page.screenshot(path=str(artifacts / "desktop-popup.png"))


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    """The new user's phone: 390x844, touch."""
    with browsing(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                  has_touch=True, device_scale_factor=2) as p:
        yield p


def test_on_a_phone_the_map_fits_the_popup_fits_and_the_legend_folds(
    phone: Page, server: Server, artifacts: Path,
) -> None:
    open_app(phone, server)
    frame = map_frame(phone)
    map_incidents(phone)
    box = phone.page.locator(MAP_FRAME).bounding_box()
    assert box["y"] < 844 - 200, "the map starts within the first screen"
    assert phone.page.get_by_text("tap » at the top left").is_visible()
    phone.page.screenshot(path=str(artifacts / "phone.png"))  # the first screen
    legend = frame.locator("details.map-legend")
    assert legend.get_attribute("open") is None, "folded on a phone"
    legend.locator("summary").click()
    assert legend.get_attribute("open") is not None
    legend.locator("summary").click()
    box = phone.page.locator(MAP_FRAME).bounding_box()  # the click may have scrolled
    frame.locator(".inc-icon").first.tap()
    content = frame.locator(".leaflet-popup")
    content.wait_for(timeout=TIMEOUT_MS)
    phone.page.wait_for_timeout(400)  # the popup's pan into view
    pop = content.bounding_box()
    assert pop["width"] <= box["width"] - 20
    assert pop["x"] >= box["x"] and pop["x"] + pop["width"] <= box["x"] + box["width"]
    assert pop["y"] >= box["y"] and pop["y"] + pop["height"] <= box["y"] + box["height"]
    assert not frame.locator(".leaflet-control-zoom").is_visible(), "no button on the popup"
    phone.page.screenshot(path=str(artifacts / "phone-popup.png"))
    assert not phone.errors


def test_nothing_matching_says_so_and_offers_to_reset(page: Page, server: Server) -> None:
    open_app(page, server, "?type=riot&department=Var")
    wait_metric(page, 0)
    note = page.page.get_by_text("No incident matches these filters.")
    note.wait_for(timeout=TIMEOUT_MS)
    frame = map_frame(page)
    legend = frame.locator(".map-legend")
    assert "No incident in this view" in legend.inner_text()
    assert "Gunfire" not in legend.inner_text(), "not every type listed"
    page.page.get_by_role("button", name="Show all incidents").click()
    wait_metric(page, TOTAL)
    assert "type=" not in page.page.url
    assert not note.is_visible()


def test_the_type_counts_say_what_they_count(page: Page, server: Server) -> None:
    open_app(page, server)
    frame = map_frame(page)
    assert "by main type" in frame.locator(".map-legend").inner_text()
    box = page.page.get_by_test_id("stMultiSelect").filter(has_text="Incident type")
    box.get_by_test_id("stTooltipIcon").hover()
    page.page.get_by_text("among theirs").wait_for(timeout=TIMEOUT_MS)


# --- uploads: on a server of their own (they change its store) ------------------------


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    tmp = tmp_path_factory.mktemp("uploads")
    with run_dashboard(make_store(tmp / "incidents.sqlite"), tmp) as running:
        yield running


def send(p: Page, name: str, data: bytes, mime: str = "text/plain") -> Any:
    """Open "Add an article", choose a file, submit; return the section."""
    box = p.page.get_by_test_id("stExpander").filter(has_text="Add an article")
    if not box.get_by_test_id("stFileUploader").count():
        box.locator("summary").click()
        box.get_by_test_id("stFileUploader").wait_for(timeout=TIMEOUT_MS)
    box.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    box.get_by_test_id("stFileChipName").wait_for(timeout=TIMEOUT_MS)
    box.get_by_test_id("stFileChipIconSpinner").wait_for(state="detached", timeout=TIMEOUT_MS)
    assert box.get_by_test_id("stFileChipIconError").count() == 0, "the uploader let it in"
    box.get_by_role("button", name="Extract and add").click()
    idle(p)
    return box


@pytest.mark.parametrize(("name", "size", "message"), [
    ("report.pdf", 2000,
     "“report.pdf” is not an article file: use .txt, .html, .htm, .md or .markdown."),
    ("huge.txt", 6 * 1024 * 1024, "“huge.txt” is 6 MB; the limit is 5 MB."),
])
def test_a_bad_upload_says_what_is_wrong_next_to_the_button(
    page: Page, upload_server: Server, name: str, size: int, message: str,
) -> None:
    open_app(page, upload_server)
    box = send(page, name, b"x" * size)
    error = box.get_by_test_id("stAlertContentError")
    error.wait_for(timeout=TIMEOUT_MS)
    assert message in error.inner_text()
    assert "Choose a file" not in box.inner_text()
    button = box.get_by_role("button", name="Extract and add").bounding_box()
    shown = error.bounding_box()
    assert 0 < shown["y"] - button["y"] < 200, "right under the button"


def test_an_article_without_incident_is_not_reported_as_added(
    page: Page, upload_server: Server,
) -> None:
    open_app(page, upload_server)
    before = metric(page)
    box = send(page, "weather.txt", b"Demain, il fera beau sur la Bretagne.\n")
    warning = box.get_by_test_id("stAlertContentWarning")
    warning.wait_for(timeout=TIMEOUT_MS)
    assert "no incident was found" in warning.inner_text()
    assert box.get_by_test_id("stAlertContentSuccess").count() == 0
    assert metric(page) == before


def test_an_upload_without_source_is_credited_to_its_file_name(
    page: Page, upload_server: Server,
) -> None:
    open_app(page, upload_server)
    before = metric(page)
    box = send(page, "convoy report.txt", SEED.read_bytes())
    success = box.get_by_test_id("stAlertContentSuccess")
    success.wait_for(timeout=TIMEOUT_MS)
    assert "Added convoy report.txt: 2 incidents." in success.inner_text()
    wait_metric(page, before + 2)
    with Store(upload_server.db) as store:
        sources = {s.source for i in store.query() for s in i.sources}
    assert "convoy report" in sources
    assert not any(re.search(r"_[0-9a-f]{12}$", s) for s in sources), sources


# --- French and English ----------------------------------------------------------------


@pytest.fixture
def french(browser: Any) -> Iterator[Page]:
    """A browser that asks for French (Accept-Language: fr-FR)."""
    with browsing(browser, viewport={"width": 1440, "height": 900}, locale="fr-FR") as p:
        yield p


def test_a_french_browser_gets_french_and_can_switch_to_english(
    french: Page, server: Server, artifacts: Path,
) -> None:
    open_in(french, server, "?type=gunfire")
    frame = map_frame(french)
    french.page.get_by_text("Attaques contre les prisons").first.wait_for(timeout=TIMEOUT_MS)
    assert metric(french, "Incidents affichés") == TYPE_COUNTS["gunfire"]
    # The metrics' French labels are whole, not cut with "…" (Streamlit keeps one line).
    labels = french.page.get_by_test_id("stMetricLabel")
    assert labels.count() == 3
    for label in labels.all():
        assert label.evaluate("e => [...e.querySelectorAll('*')].concat([e]).every("
                              "x => x.scrollWidth <= x.clientWidth + 1)"), label.inner_text()
    assert "Tirs" in chips(french, "Type d’incident")
    legend = frame.locator(".map-legend").inner_text()
    assert "Incidents par type principal" in legend and "Tirs" in legend
    assert "Gunfire" not in legend
    assert french.page.get_by_role("button", name="Réinitialiser les filtres").is_visible()
    frame.locator(".geo-recent li").first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    assert "Lieu :" in popup.inner_text() or "Lieu:" in popup.inner_text()
    assert "jour exact" in popup.inner_text()
    french.page.wait_for_timeout(400)
    french.page.screenshot(path=str(artifacts / "desktop-fr.png"))
    french.page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    french.page.get_by_text("Attacks on French prisons").first.wait_for(timeout=TIMEOUT_MS)
    french.page.wait_for_function("location.search.includes('lang=en')", timeout=TIMEOUT_MS)
    assert "by main type" in map_frame(french).locator(".map-legend").inner_text()
    assert metric(french) == TYPE_COUNTS["gunfire"], "the filters stay"
    assert "Gunfire" in chips(french, "Incident type")
    assert not french.errors


def test_lang_in_the_url_wins_over_the_browser(page: Page, server: Server) -> None:
    open_in(page, server, "?lang=fr&type=arson")
    wait_metric(page, TYPE_COUNTS["arson"], "Incidents affichés")
    assert "Incendie" in chips(page, "Type d’incident")


# --- links, the list beside the map, the prison popup, the view ----------------------


def test_a_link_to_one_incident_opens_the_page_on_its_popup(page: Page, server: Server) -> None:
    open_app(page, server, "?incident=t004")
    popup = map_frame(page).locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    assert "t004" in popup.inner_text() and "Valence" in popup.inner_text()
    link = popup.get_by_role("link", name="Link to this incident")
    assert link.get_attribute("href").endswith("?incident=t004")


def test_the_list_beside_the_map_opens_an_incident(page: Page, server: Server) -> None:
    open_app(page, server)
    frame = map_frame(page)
    items = frame.locator(".geo-recent li")
    items.first.wait_for(timeout=TIMEOUT_MS)
    assert 0 < items.count() <= 12
    first = items.first.inner_text()
    assert "2025-04-16" in first and "Gunfire" in first and "Nîmes" in first
    assert "Le Parisien" in first
    items.first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    assert "t006" in popup.inner_text()


def test_a_prison_popup_shows_that_prisons_incidents(page: Page, server: Server) -> None:
    open_app(page, server)
    frame = map_frame(page)
    # Incident markers sit on top of their prison's: a click on the prison's own icon.
    frame.locator(".prison-icon.prison-hit").first.dispatch_event("click")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    popup.get_by_role("link", name="Show this prison’s incidents").click()
    page.page.wait_for_url(re.compile(r"prison="), timeout=TIMEOUT_MS)
    metric(page)
    shown = metric(page)
    assert 1 <= shown < TOTAL
    prison = page.page.get_by_test_id("stMultiSelect").filter(has_text="Prison")
    assert prison.get_by_role("button").count() or prison.inner_text().count("\n") > 1


def test_the_view_goes_into_the_url_and_a_shared_view_opens_there(
    page: Page, server: Server,
) -> None:
    open_app(page, server)
    start = map_zoom(page)
    frame = map_frame(page)
    in_url = ("start => { const m = location.search.match(/view=([^&]+)/); if (!m) return false;"
              " const v = decodeURIComponent(m[1]).split(','); return parseFloat(v[v.length - 1])"
              " < start; }")
    # The view is written as the map moves: zoomed out, every mainland incident is in it.
    frame.locator(".leaflet-control-zoom-out").click()
    page.page.wait_for_function(in_url, arg=start, timeout=TIMEOUT_MS)
    zoom = map_zoom(page)
    assert zoom < start
    choose_type(page, "Arson")  # the arson incidents are in view: the map stays put
    wait_metric(page, TYPE_COUNTS["arson"])
    frame.locator('.leaflet-container[data-incidents="4"]').wait_for(timeout=TIMEOUT_MS)
    page.page.wait_for_timeout(300)
    assert "view=" in page.page.url and "type=arson" in page.page.url  # a rerun keeps it
    assert map_zoom(page) == pytest.approx(zoom)
    shared = page.page.url
    page.page.goto(shared, timeout=TIMEOUT_MS)
    metric(page)
    frame = map_frame(page)
    frame.locator(".leaflet-container[data-incidents]").wait_for(timeout=TIMEOUT_MS)
    assert frame.locator(".leaflet-container").evaluate(ZOOM_JS) == pytest.approx(zoom)
    # Moved away from them (Guadeloupe), a new selection is fitted and the view leaves
    # the URL: the link then opens on the same fit.
    overseas = frame.locator("details.geo-overseas")
    overseas.locator("summary").click()
    overseas.locator('[data-territory="gp"]').click()
    page.page.wait_for_function("() => /view=1[0-9][.]/.test(location.search)",
                                timeout=TIMEOUT_MS)
    choose_type(page, "Gunfire")  # added to Arson: 8 incidents, all on the mainland
    frame.locator('.leaflet-container[data-fitted="8"]').wait_for(timeout=TIMEOUT_MS)
    page.page.wait_for_function("() => !location.search.includes('view=')",
                                timeout=TIMEOUT_MS)
    assert 42 < frame.locator(".leaflet-container").evaluate(CENTER_LAT_JS) < 51  # mainland


def test_downloads_are_named_after_what_they_hold(page: Page, server: Server) -> None:
    open_app(page, server, "?type=gunfire&from=2025-04-01&to=2025-04-30")
    wait_metric(page, 4)
    got = download(page, page.page.get_by_role("button", name="Download CSV"))
    assert got.suggested_filename == "incidents_gunfire_2025-04-01_2025-04-30.csv"
