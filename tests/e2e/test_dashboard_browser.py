"""The dashboard as a person uses it: in headless Chromium, against `streamlit run`.

Offline (GEO_OFFLINE=1): every request must go to the app itself. Screenshots are
saved under artifacts/ for people to look at.
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Download, Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.conftest import Page, Server
from e2e.sample_store import PINNED, TYPE_COUNTS, XSS
from geo.prisons import load_prisons

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
MAP_FRAME = 'iframe[src*="streamlit_folium"]'
#: Prisons of the sample store with at least one incident.
PRISONS_HIT = 10


def open_app(p: Page, server: Server, query: str = "") -> None:
    p.page.goto(server.url + "/" + query, timeout=TIMEOUT_MS)
    metric(p)  # the script has run once
    map_frame(p).locator(".leaflet-container[data-incidents]").wait_for(timeout=TIMEOUT_MS)


def map_frame(p: Page):
    """The map's iframe, once the rerun is over: while Streamlit reruns, the stale
    map element and its replacement can briefly both be in the page."""
    p.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)
    p.page.wait_for_function(
        f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=TIMEOUT_MS)
    return p.page.frame_locator(MAP_FRAME)


def metric_box(p: Page, label: str) -> Any:
    """The metric whose label is exactly `label` ("On the map", not "Not on the map")."""
    return p.page.get_by_test_id("stMetric").filter(
        has=p.page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def metric(p: Page, label: str = "Incidents shown") -> int:
    box = metric_box(p, label)
    text = box.get_by_test_id("stMetricValue").inner_text(timeout=TIMEOUT_MS)
    return int(text.strip())


def wait_metric(p: Page, expected: int, label: str = "Incidents shown") -> None:
    box = metric_box(p, label)
    box.get_by_test_id("stMetricValue").filter(
        has_text=re.compile(rf"^\s*{expected}\s*$")).wait_for(timeout=TIMEOUT_MS)


def map_incidents(p: Page, expected: int | None = None) -> int:
    """Incidents on the map as a reader counts them: single markers plus cluster counts."""
    frame = map_frame(p)
    if expected is not None:
        frame.locator(f'.leaflet-container[data-incidents="{expected}"]').wait_for(
            timeout=TIMEOUT_MS)
    frame.locator(".inc-icon, .inc-cluster").first.wait_for(timeout=TIMEOUT_MS)

    def count() -> int:
        singles = frame.locator(".inc-icon").count()
        return singles + sum(int(t) for t in
                             frame.locator(".inc-cluster span").all_inner_texts())

    # After a filter change the map fits the selection; while markercluster animates
    # the new zoom, old cluster icons and the markers leaving them are both drawn.
    # Count once the map is still: no animation, and the same count twice running.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    last = -1
    while time.monotonic() < deadline:
        frame.locator(".leaflet-cluster-anim").wait_for(state="detached", timeout=TIMEOUT_MS)
        now = count()
        if now == last:
            return now
        last = now
        p.page.wait_for_timeout(300)
    return last


def foreign_requests(p: Page, server: Server) -> list[str]:
    return [u for u in p.requests
            if urlsplit(u).scheme in {"http", "https", "ws", "wss"}
            and urlsplit(u).netloc != server.host]


def choose_type(p: Page, label: str) -> None:
    box = p.page.get_by_test_id("stMultiSelect").filter(has_text="Incident type")
    box.locator("input").click()
    p.page.get_by_role("option", name=re.compile(rf"^{label} \(")).click()
    p.page.keyboard.press("Escape")


def open_section(p: Page, label: str) -> Any:
    """Click a collapsed section open (its content is made on the rerun that follows)."""
    box = p.page.get_by_test_id("stExpander").filter(has_text=label)
    box.locator("summary").click()
    p.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)
    return box


def download(p: Page, button: Locator) -> Download:
    """What a download button gives. Clicked once the script is idle, and again if nothing
    came: a button clicked while a rerun replaces it points at the old file, which the
    server has dropped (seen in full runs on a loaded machine, never alone)."""
    idle = p.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for attempt in range(3):
        idle.wait_for(timeout=TIMEOUT_MS)
        try:
            with p.page.expect_download(timeout=20_000) as info:
                button.click()
            return info.value
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def download_csv(p: Page, tmp_path: Path) -> list[dict[str, str]]:
    """The rows of the CSV the page's button downloads."""
    target = tmp_path / "download.csv"
    download(p, p.page.get_by_role("button", name="Download CSV")).save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_map_renders_offline_with_incident_and_prison_markers(
    page: Page, server: Server, artifacts: Path,
) -> None:
    open_app(page, server)
    frame = map_frame(page)
    assert metric(page) == 14
    assert map_incidents(page, PINNED) == PINNED
    located = sum(1 for pr in load_prisons() if pr.lat is not None)
    assert frame.locator(".prison-icon").count() == located
    assert frame.locator(".prison-icon.prison-hit").count() == PRISONS_HIT
    assert frame.locator(".map-legend").inner_text().count("Gunfire") == 1
    assert frame.locator(".leaflet-tile").count() == 0  # offline: no tiles at all
    assert frame.locator(".inc-uncertainty").count() == 1  # the approximate one
    page.page.get_by_test_id("stExpander").filter(has_text="Not on the map").wait_for()
    page.page.screenshot(path=str(artifacts / "dashboard.png"))
    assert not foreign_requests(page, server), foreign_requests(page, server)
    assert any("/app/static/vendor/leaflet/leaflet.js" in u for u in page.requests)
    assert not page.errors and not page.dialogs


#: The map frame's own files as fetched: their names, in the order they were asked for.
FRAME_FILES_JS = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/app/static/vendor/'))
  .map((e) => new URL(e.name).pathname.split('/').pop())"""
#: The files the frame was told to fetch ahead (preload.js's links).
FRAME_PRELOADS_JS = """() => [...document.querySelectorAll('link[rel=preload]')]
  .map((l) => new URL(l.href).pathname.split('/').pop() + ' ' + l.as)"""


def test_the_map_s_files_are_asked_for_at_once(page: Page, server: Server) -> None:
    """preload.js, the first file the frame fetches, asks for the scripts, style sheets
    and boundaries together, which streamlit-folium would load one after another."""
    open_app(page, server)
    map_frame(page).locator(".leaflet-container[data-departments]").wait_for(
        timeout=TIMEOUT_MS)
    frame = next(f for f in page.page.frames if "streamlit_folium" in f.url)
    assert set(frame.evaluate(FRAME_PRELOADS_JS)) >= {
        "leaflet.js script", "areas.js script", "prisons.js script", "incidents.js script",
        "map_ui.js script", "leaflet.css style", "map.css style", "map_ui.css style",
        "country.geojson fetch", "departments.geojson fetch"}
    # And the incidents, whose fetch waited for the scripts before.
    assert any(p.endswith(".json.gz fetch") for p in frame.evaluate(FRAME_PRELOADS_JS))
    names = frame.evaluate(FRAME_FILES_JS)
    assert names[0] == "preload.js", names  # first, before the chain it speeds up
    # Not asserted: that none is fetched twice. Alone or under a CPU burner each file
    # came once; in one full CI run the scripts came twice (the preloads unused).
    assert not page.errors


def test_the_map_payload_comes_compressed_or_plain_for_older_browsers(
    page: Page, server: Server,
) -> None:
    open_app(page, server)
    assert map_incidents(page, PINNED) == PINNED
    fetched = [u for u in page.requests if "/app/static/mapdata/" in u]
    assert fetched and all(u.endswith(".json.gz") for u in fetched)
    # A browser without DecompressionStream (before 2023) gets the plain JSON.
    page.page.add_init_script("delete window.DecompressionStream;")
    page.requests.clear()
    open_app(page, server)
    assert map_incidents(page, PINNED) == PINNED
    fetched = [u for u in page.requests if "/app/static/mapdata/" in u]
    assert fetched and all(u.endswith(".json") for u in fetched)
    assert not page.errors


def test_one_incident_type_changes_metric_map_csv_and_url(
    page: Page, server: Server, artifacts: Path, tmp_path: Path,
) -> None:
    open_app(page, server)
    choose_type(page, "Gunfire")
    wait_metric(page, TYPE_COUNTS["gunfire"])
    assert map_incidents(page, TYPE_COUNTS["gunfire"]) == TYPE_COUNTS["gunfire"]
    assert "type=gunfire" in page.page.url
    rows = download_csv(page, tmp_path)
    assert len(rows) == metric(page) == TYPE_COUNTS["gunfire"]
    assert all("gunfire" in r["types"].split(";") for r in rows)
    page.page.screenshot(path=str(artifacts / "dashboard-gunfire.png"))
    assert not foreign_requests(page, server) and not page.errors


def test_sections_open_on_click_and_stay_open_across_filter_changes(
    page: Page, server: Server, artifacts: Path,
) -> None:
    open_app(page, server)
    assert page.page.get_by_test_id("stExpander").count() == 4  # 3 below the map, upload
    assert page.page.get_by_test_id("stDataFrame").count() == 0  # nothing sent yet
    table = open_section(page, "Table of incidents")
    table.get_by_text("14 incidents, newest first.").wait_for(timeout=TIMEOUT_MS)
    table.get_by_test_id("stDataFrame").wait_for(timeout=TIMEOUT_MS)
    chart = open_section(page, "Incidents over time")
    chart.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    choose_type(page, "Gunfire")
    wait_metric(page, TYPE_COUNTS["gunfire"])
    table.get_by_text(f"{TYPE_COUNTS['gunfire']} incidents, newest first.").wait_for(
        timeout=TIMEOUT_MS)  # still open, now with the filtered rows
    chart.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    page.page.screenshot(path=str(artifacts / "dashboard-sections.png"), full_page=True)
    assert not page.errors


def test_a_shared_url_restores_the_filters(page: Page, server: Server, tmp_path: Path) -> None:
    open_app(page, server, "?type=arson&department=" + quote("Bouches-du-Rhône"))
    wait_metric(page, 2)
    assert map_incidents(page, 2) == 2
    chips = page.page.get_by_test_id("stMultiSelect").filter(has_text="Incident type")
    assert "Arson" in chips.inner_text()
    assert "Bouches-du-Rhône" in page.page.get_by_test_id("stMultiSelect").filter(
        has_text="Department").inner_text()
    assert {r["incident_id"] for r in download_csv(page, tmp_path)} == {"t002", "t007"}


def test_panning_and_zooming_do_not_rerun_the_app(page: Page, server: Server) -> None:
    open_app(page, server)
    frame_el = page.page.locator(MAP_FRAME)
    before_box = map_frame(page).locator(".prison-icon.prison-hit").first.bounding_box()
    page.page.wait_for_timeout(1000)  # let the first run's messages settle
    sent = len(page.ws_sent)
    box = frame_el.bounding_box()
    x, y = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5
    page.page.mouse.move(x, y)
    page.page.mouse.down()
    page.page.mouse.move(x - 150, y - 80, steps=8)
    page.page.mouse.up()
    page.page.mouse.wheel(0, -400)
    page.page.wait_for_timeout(1500)
    after_box = map_frame(page).locator(".prison-icon.prison-hit").first.bounding_box()
    assert before_box != after_box, "the map did move"
    assert len(page.ws_sent) == sent, "no message to the server: no rerun"


def test_popups_show_hostile_text_as_text_and_the_prisons_layer_toggles(
    page: Page, server: Server, artifacts: Path,
) -> None:
    open_app(page, server, "?prison=cp-valence")
    wait_metric(page, 1)
    frame = map_frame(page)
    frame.locator(".inc-icon").first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    text = popup.inner_text()
    assert f"Blog {XSS}" in text and "<script>alert(2)</script>" in text
    assert "(exact day)" in text and "Centre pénitentiaire de Valence" in text
    assert popup.locator("img, script").count() == 0
    assert popup.locator('a[href^="javascript"]').count() == 0
    page.page.wait_for_timeout(500)  # the popup's fade-in
    page.page.screenshot(path=str(artifacts / "dashboard-popup.png"))
    assert not page.dialogs, "no script from the data ran"
    frame.get_by_label("Prisons").uncheck()
    assert frame.locator(".prison-icon").count() == 0
    frame.get_by_label("Prisons").check()
    assert frame.locator(".prison-icon").count() > 0
