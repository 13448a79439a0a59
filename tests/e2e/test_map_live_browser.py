"""A filter change updates the map in place (issue 15), in headless Chromium: the same
frame and Leaflet map stay, and the incidents, department counts, prisons hit, legend
and overseas counts follow the new selection; a filter changed while the map's
scripts still load is not lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from e2e.conftest import Page, Server, chromium_path, run_dashboard
from e2e.sample_store import TYPE_COUNTS
from e2e.test_dashboard_browser import (
    MAP_FRAME,
    PRISONS_HIT,
    TIMEOUT_MS,
    choose_type,
    map_frame,
    map_incidents,
    metric,
    open_app,
    wait_metric,
)

pytestmark = pytest.mark.browser

#: More incidents than popups carry sources for (geo.mapview.DETAIL_LIMIT = 5,000).
LARGE = 6_500

#: Incidents pinned on the map with no filter (two of the 14 are not pinnable).
PINNED = 12


def dept_count(frame: Any, name: str) -> str | None:
    return frame.locator(f'path.geo-dept[data-dept="{name}"]').get_attribute("data-count")


def dept_fill(frame: Any, name: str) -> str | None:
    """A department's fill opacity: 0 without incidents (geo/mapassets/areas.js)."""
    return frame.locator(f'path.geo-dept[data-dept="{name}"]').get_attribute("fill-opacity")


def test_a_filter_change_updates_the_layers_without_reloading_the_map(
    page: Page, server: Server,
) -> None:
    open_app(page, server)
    frame = map_frame(page)
    box = frame.locator(".leaflet-container")
    box.evaluate("el => { window.__sameMap = el; }")
    frame.locator(".leaflet-container[data-departments]").wait_for(timeout=TIMEOUT_MS)
    assert dept_count(frame, "Var") == "1" and dept_count(frame, "Hauts-de-Seine") == "1"
    assert frame.locator(".prison-icon.prison-hit").count() == PRISONS_HIT
    legend = frame.locator(".map-legend-body").inner_text()
    frame.locator("details.geo-overseas summary").click()  # open: it must stay open

    choose_type(page, "Arson")
    wait_metric(page, TYPE_COUNTS["arson"])
    frame.locator(f'.leaflet-container[data-incidents="{TYPE_COUNTS["arson"]}"]').wait_for(
        timeout=TIMEOUT_MS)
    assert map_incidents(page, TYPE_COUNTS["arson"]) == TYPE_COUNTS["arson"]
    # The same frame, document and map element: nothing was reloaded.
    assert page.page.locator(MAP_FRAME).count() == 1
    assert box.evaluate("el => window.__sameMap === el")
    # Every layer followed the selection.
    assert dept_count(frame, "Var") == "0" and dept_count(frame, "Hauts-de-Seine") == "1"
    assert dept_fill(frame, "Var") == "0" and dept_fill(frame, "Hauts-de-Seine") == "0.6"
    hit = frame.locator(".prison-icon.prison-hit").count()
    assert 0 < hit < PRISONS_HIT
    assert frame.locator(".map-legend-body").inner_text() != legend
    assert frame.locator("details.geo-overseas").evaluate("el => el.open")
    assert frame.locator(".leaflet-container[data-fitted]").count() == 1

    # Back to everything: all of it again, still in the same map.
    page.page.get_by_test_id("stMultiSelect").filter(has_text="Incident type").get_by_role(
        "button", name=re.compile("^Clear all")).first.click()
    frame.locator(f'.leaflet-container[data-incidents="{PINNED}"]').wait_for(
        timeout=TIMEOUT_MS)
    assert box.evaluate("el => window.__sameMap === el")
    assert dept_count(frame, "Var") == "1" and dept_fill(frame, "Var") == "0.6"
    assert frame.locator(".prison-icon.prison-hit").count() == PRISONS_HIT
    assert not page.errors


def test_a_filter_changed_while_the_map_loads_is_not_lost(
    page: Page, server: Server,
) -> None:
    """streamlit-folium drops a selection that arrives while the map's scripts load;
    the map asks for the latest once it is ready (GeoMapUi.init)."""
    held: list[Any] = []
    page.page.route("**/vendor/leaflet/leaflet.js", lambda route: held.append(route))
    page.page.goto(server.url + "/", timeout=TIMEOUT_MS)
    metric(page)
    frame_ready = page.page.locator(MAP_FRAME)
    frame_ready.wait_for(state="attached", timeout=TIMEOUT_MS)
    deadline = 0
    while not held and deadline < 100:  # the frame asks for Leaflet: the load is held
        page.page.wait_for_timeout(100)
        deadline += 1
    assert held, "the map's frame never asked for leaflet.js"
    choose_type(page, "Gunfire")
    page.page.wait_for_url(re.compile(r"type=gunfire"), timeout=TIMEOUT_MS)
    wait_metric(page, TYPE_COUNTS["gunfire"])
    page.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)
    page.page.wait_for_timeout(500)  # the new selection reaches the frame, still loading
    for route in held:
        route.continue_()
    page.page.unroute("**/vendor/leaflet/leaflet.js")
    frame = page.page.frame_locator(MAP_FRAME)
    frame.locator(f'.leaflet-container[data-incidents="{TYPE_COUNTS["gunfire"]}"]').wait_for(
        timeout=TIMEOUT_MS)
    page.page.wait_for_timeout(500)
    assert frame.locator(".leaflet-container").get_attribute("data-incidents") == str(
        TYPE_COUNTS["gunfire"])
    assert not page.errors


@pytest.fixture(scope="module")
def large_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from benchmarks.synth import synthetic_incidents
    from geo.store import Store

    chromium_path()
    tmp = tmp_path_factory.mktemp("large")
    with Store(tmp / "incidents.sqlite") as store:
        store.add_incidents(synthetic_incidents(LARGE))
    with run_dashboard(tmp / "incidents.sqlite", tmp) as running:
        yield running


def open_recent(frame: Any) -> str:
    """Open the newest incident's popup from the list beside the map; its text."""
    shown = frame.locator(".leaflet-popup")
    if shown.count():  # close the last one first: a closing popup fades out
        frame.locator(".leaflet-popup-close-button").first.click()
        shown.first.wait_for(state="detached", timeout=TIMEOUT_MS)
    frame.locator("details.geo-recent li[data-row]").first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    return popup.inner_text()


def test_a_small_selection_of_a_large_store_has_its_own_payload_with_sources(
    page: Page, large_server: Server,
) -> None:
    """The whole store's payload leaves sources out of popups above 5,000 incidents:
    a selection below that gets its own, with them; the map is still not reloaded."""
    open_app(page, large_server)
    frame = map_frame(page)
    pinned = metric(page, "On the map")
    assert pinned > 5_000
    frame.locator(f'.leaflet-container[data-incidents="{pinned}"]').wait_for(timeout=TIMEOUT_MS)
    box = frame.locator(".leaflet-container")
    box.evaluate("el => { window.__sameMap = el; }")
    assert "Sources and evidence are in the table below" in open_recent(frame)
    payloads = {u for u in page.requests if "/mapdata/" in u}

    choose_type(page, "Arson")
    page.page.wait_for_url(re.compile(r"type=arson"), timeout=TIMEOUT_MS)
    page.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)
    chosen = metric(page, "On the map")
    assert 0 < chosen < 5_000
    frame.locator(f'.leaflet-container[data-incidents="{chosen}"]').wait_for(timeout=TIMEOUT_MS)
    assert box.evaluate("el => window.__sameMap === el")
    assert {u for u in page.requests if "/mapdata/" in u} - payloads, "its own payload"
    text = open_recent(frame)
    assert "Sources:" in text and "table below" not in text
    assert not page.errors
