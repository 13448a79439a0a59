"""An article carrying HTML, JavaScript, a javascript: URL and a spreadsheet formula,
ingested with `python -m geo ingest` and opened in the dashboard in Chromium.

Whatever the article says is data: no script from it runs (no dialog, the flag an
`onerror` would set stays unset, no element from it is in any frame's DOM), its
javascript: URL is never a link, and its formula is neutralised in the CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Page, Server, chromium_path, ingest_into, run_dashboard
from e2e.test_dashboard_browser import (
    TIMEOUT_MS,
    download_csv,
    foreign_requests,
    map_frame,
    map_incidents,
    open_app,
    open_section,
)

pytestmark = pytest.mark.browser

#: Sets a flag where a page error would hide it; an alert() would open a dialog.
FLAG_XSS = "<img src=x onerror=window.__xss=1>"
ALERT_XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
JS_URL = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://evil.example","clic")'
TEXT = (f"Shots were fired at the prison of Fresnes overnight {ALERT_XSS}. {SCRIPT} "
        f"No one was injured, the prosecutor said {FLAG_XSS}.")
META = {
    "title": f"{FORMULA} {FLAG_XSS}",
    "source": f"{ALERT_XSS} Le Blog {SCRIPT}",
    "url": JS_URL,
    "published": "2025-04-15",
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard over a store filled by `python -m geo ingest` with the article."""
    chromium_path()
    tmp = tmp_path_factory.mktemp("hostile")
    articles = tmp / "articles"
    articles.mkdir()
    (articles / "hostile.txt").write_text(TEXT, "utf-8")
    (articles / "hostile.meta.json").write_text(json.dumps(META), "utf-8")
    db = tmp / "incidents.sqlite"
    ingest_into(db, articles)
    with run_dashboard(db, tmp) as running:
        yield running


def injected(p: Page) -> list[str]:
    """What the payloads would leave in any frame: the flag, an <img src=x>, a script
    whose text calls alert, a javascript: link."""
    found: list[str] = []
    for frame in p.page.frames:
        state = frame.evaluate("""() => ({
            flag: window.__xss === 1,
            imgs: document.querySelectorAll('img[src="x"]').length,
            scripts: [...document.scripts].filter(s => s.text.includes("alert(1)")).length,
            links: document.querySelectorAll('a[href^="javascript" i]').length,
        })""")
        found += [f"{frame.url}: {k}={v}" for k, v in state.items() if v]
    return found


def open_popup(p: Page) -> Any:
    frame = map_frame(p)
    frame.locator(".inc-icon").first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    return popup


def last_table_cells(p: Page) -> list[str]:
    """The texts of the incidents table's columns around "Links" (sources, titles, URLs):
    the grid draws only the columns in view, so scroll until that one is drawn."""
    table = p.page.get_by_test_id("stDataFrame").last
    table.scroll_into_view_if_needed()
    scroller = table.locator(".dvn-scroller").first
    header = table.locator("[role=columnheader]", has_text="Links")
    width = scroller.evaluate("e => e.scrollWidth")
    for left in range(0, width + 200, 200):
        scroller.evaluate(f"e => {{ e.scrollLeft = {left}; }}")
        p.page.wait_for_timeout(250)
        if header.count():
            break
    header.wait_for(state="attached", timeout=TIMEOUT_MS)
    return table.locator("[role=gridcell]").all_inner_texts()


def test_hostile_text_is_shown_as_text_and_no_script_runs(
    page: Page, hostile_server: Server, tmp_path: Path, artifacts: Path,
) -> None:
    open_app(page, hostile_server)
    assert map_incidents(page, 1) == 1

    frame = map_frame(page)
    frame.locator(".inc-icon").first.hover()  # the tooltip
    frame.locator(".leaflet-tooltip").wait_for(timeout=TIMEOUT_MS)
    popup = open_popup(page)
    text = popup.inner_text()
    # The payloads are there, as the characters the article holds.
    assert ALERT_XSS in text and FLAG_XSS in text and SCRIPT in text
    assert f"{FORMULA} {FLAG_XSS}" in text and JS_URL in text  # title, and the URL as text
    # Not even a link from the article; the only links are the app's own, to this page.
    assert popup.locator("img, script, iframe, a:not([data-geo-nav])").count() == 0
    own = popup.locator("a[data-geo-nav]").evaluate_all("els => els.map(e => e.href)")
    assert own and all(h.startswith(hostile_server.url + "/?") for h in own), own
    legend = frame.locator(".map-legend")
    assert "Gunfire" in legend.inner_text()
    page.page.wait_for_timeout(500)  # the popup's fade-in, and time for any onerror to fire
    page.page.screenshot(path=str(artifacts / "hostile-popup.png"))

    # The table (a canvas grid; its accessible cells hold what it draws): the same
    # characters, the URL as text.
    open_section(page, "Table of incidents")
    cells = last_table_cells(page)
    assert f"{FORMULA} {FLAG_XSS}" in cells and JS_URL in cells
    assert any(ALERT_XSS in c for c in cells)

    assert not page.dialogs, page.dialogs
    assert not injected(page), injected(page)
    assert not foreign_requests(page, hostile_server)

    (row,) = download_csv(page, tmp_path)
    assert row["source_titles"] == f"'{FORMULA} {FLAG_XSS}"  # a spreadsheet shows, not runs
    assert row["source_urls"] == JS_URL and row["prison_id"] == "cp-fresnes"
    assert not page.dialogs and not injected(page)
