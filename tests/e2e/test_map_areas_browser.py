"""France drawn by the app (issue 15), in headless Chromium: the land and the
departments offline, the department view and its click, the overseas control, the
fit to a filtered selection, the plain map when tiles fail, and a phone's layout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import expect

from e2e.conftest import ROOT, START_TIMEOUT_S, Page, Server, chromium_path, run_dashboard
from e2e.sample_store import _inc, sample_incidents
from e2e.test_dashboard_browser import (
    MAP_FRAME,
    TIMEOUT_MS,
    foreign_requests,
    map_frame,
    metric,
    wait_metric,
)
from e2e.test_new_user_browser import browsing, idle
from geo.devserver import free_port, running_app
from geo.mapareas import OVERSEAS
from geo.store import Store

pytestmark = pytest.mark.browser

#: The sample incidents plus an assault at the Le Port prison (La Réunion).
TOTAL = 15
LE_PORT = _inc(15, "2025-03-20", ["assault"], "Le Port", "La Réunion", -20.93588, 55.29011,
               "facility", prison="cd-le-port")
#: The map object of the frame's Leaflet container (folium names it map_<hash>).
MAP_JS = ("el => { for (const k in window) { const v = window[k];"
          " if (v && v._container === el && v.getCenter) {"
          " const c = v.getCenter(); return [c.lat, c.lng, v.getZoom()]; } } return null; }")


def make_store(path: Path) -> Path:
    with Store(path) as store:
        store.add_incidents([*sample_incidents(), LE_PORT])
    return path


@pytest.fixture(scope="module")
def areas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    tmp = tmp_path_factory.mktemp("areas")
    with run_dashboard(make_store(tmp / "incidents.sqlite"), tmp) as running:
        yield running


def open_map(p: Page, server: Server, query: str = "") -> Any:
    p.page.goto(server.url + "/" + query, timeout=TIMEOUT_MS)
    metric(p)
    frame = map_frame(p)
    frame.locator(".leaflet-container[data-incidents][data-departments][data-land]").wait_for(
        timeout=TIMEOUT_MS)
    return frame


def center(frame: Any) -> list[float]:
    return frame.locator(".leaflet-container").evaluate(MAP_JS)


def wait_center(p: Page, frame: Any, bounds: tuple[float, float, float, float]) -> None:
    """Until the map's centre is inside (south, west, north, east)."""
    s, w, n, e = bounds
    for _ in range(40):
        lat, lon, _zoom = center(frame)
        if s <= lat <= n and w <= lon <= e:
            return
        p.page.wait_for_timeout(250)
    raise AssertionError(f"map centre {lat}, {lon} not in {bounds}")


def hover_department(p: Page, frame: Any, name: str) -> str:
    """Move the mouse to the middle of a department's shape; the tooltip's text."""
    frame_box = p.page.locator(MAP_FRAME).bounding_box()
    box = frame.locator(f'path.geo-dept[data-dept="{name}"]').bounding_box()
    p.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = frame.locator(".geo-dept-tip").filter(has_text=name)
    tip.wait_for(timeout=TIMEOUT_MS)
    assert frame_box["y"] <= box["y"] + box["height"] / 2 <= frame_box["y"] + frame_box["height"]
    return tip.inner_text()


def test_offline_the_map_draws_france_and_its_departments_from_the_app_alone(
    page: Page, areas_server: Server, artifacts: Path,
) -> None:
    frame = open_map(page, areas_server)
    box = frame.locator(".leaflet-container")
    assert box.get_attribute("data-basemap") == "plain"
    assert "geo-plain" in (box.get_attribute("class") or "")
    assert frame.locator("path.geo-land").count() >= 1, "the country's outline"
    shapes = frame.locator("path.geo-dept")
    names = set(shapes.evaluate_all("els => els.map(e => e.getAttribute('data-dept'))"))
    assert shapes.count() >= 96 and {"Haute-Corse", "Corse-du-Sud", "Finistère"} <= names
    assert frame.locator(".prison-icon").count() > 150, "the prisons on top"
    assert frame.locator(".inc-icon, .inc-cluster").count() > 0, "the incidents on top"
    # The layer control names every layer, the plain base map included.
    control = frame.locator(".leaflet-control-layers").inner_text()
    for label in ("France (offline map)", "Departments", "Prisons", "Incidents"):
        assert label in control
    assert not foreign_requests(page, areas_server), foreign_requests(page, areas_server)
    assert any(u.endswith("/vendor/geo/departments.geojson") for u in page.requests)
    page.page.wait_for_timeout(300)
    page.page.screenshot(path=str(artifacts / "offline-france.png"))
    assert not page.errors


def test_a_department_shows_its_name_and_count_and_a_click_filters_to_it(
    page: Page, areas_server: Server, artifacts: Path,
) -> None:
    frame = open_map(page, areas_server)
    # The department view: the incidents of the selection per department.
    assert frame.locator('path.geo-dept[data-dept="Bouches-du-Rhône"]').get_attribute(
        "data-count") == "2"
    assert frame.locator('path.geo-dept[data-dept="Cantal"]').get_attribute(
        "data-count") == "0"
    assert "Cantal" in hover_department(page, frame, "Cantal")
    tip = hover_department(page, frame, "Isère")  # known only to its department
    assert "Isère" in tip and "1 incident shown" in tip
    page.page.screenshot(path=str(artifacts / "department-hover.png"))
    page.page.mouse.click(*_middle(page, frame, "Isère"))
    page.page.wait_for_url(lambda u: "department=" in u, timeout=TIMEOUT_MS)
    idle(page)
    wait_metric(page, 1)
    assert "department=" + quote("Isère") in page.page.url or "Isère" in unquote(
        page.page.url)
    chips = page.page.get_by_test_id("stMultiSelect").filter(has_text="Department")
    assert "Isère" in chips.inner_text()
    assert not page.errors


def _middle(p: Page, frame: Any, name: str) -> tuple[float, float]:
    box = frame.locator(f'path.geo-dept[data-dept="{name}"]').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_filter_to_an_overseas_incident_shows_it_and_the_control_reaches_every_territory(
    page: Page, areas_server: Server, artifacts: Path,
) -> None:
    frame = open_map(page, areas_server, "?department=" + quote("La Réunion"))
    wait_metric(page, 1)
    frame.locator(".leaflet-container[data-fitted]").wait_for(timeout=TIMEOUT_MS)
    wait_center(page, frame, (-21.5, 55, -20.5, 56))
    marker = frame.locator(".inc-icon").first.bounding_box()
    box = page.page.locator(MAP_FRAME).bounding_box()
    assert box["x"] <= marker["x"] <= box["x"] + box["width"] - marker["width"]
    assert box["y"] <= marker["y"] <= box["y"] + box["height"] - marker["height"]
    page.page.screenshot(path=str(artifacts / "overseas-le-port.png"))
    # Every territory, from the control, with its incidents counted.
    page.page.goto(areas_server.url + "/", timeout=TIMEOUT_MS)
    frame = open_map(page, areas_server)
    control = frame.locator("details.geo-overseas")
    control.locator("summary").click()
    assert "La Réunion 1" in control.inner_text()
    for territory in OVERSEAS:
        control.locator(f'[data-territory="{territory.key}"]').click()
        wait_center(page, frame, territory.bounds)
    control.locator('[data-territory="fr"]').click()
    wait_center(page, frame, (41, -5, 52, 10))
    assert not page.errors


def test_on_a_phone_the_legend_overseas_and_layers_fold_and_stay_inside_the_map(
    browser: Any, areas_server: Server, artifacts: Path,
) -> None:
    with browsing(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                  has_touch=True, device_scale_factor=2) as phone:
        frame = open_map(phone, areas_server)
        legend = frame.locator("details.map-legend")
        assert legend.get_attribute("open") is None
        assert frame.locator("details.geo-overseas").get_attribute("open") is None
        # The layer switch is Leaflet's button: a tap opens it, a tap on the sea folds it.
        choices = frame.locator(".leaflet-control-layers-list")
        assert not choices.is_visible(), "the layer switch folded on a phone"
        frame.locator(".leaflet-control-layers-toggle").tap()
        expect(choices.get_by_text("Departments")).to_be_visible()
        frame.locator(".leaflet-container").tap(position={"x": 12, "y": 300})  # Atlantic
        expect(choices).to_be_hidden()
        legend.locator("summary").click()
        box = phone.page.locator(MAP_FRAME).bounding_box()
        for element in (legend, frame.locator("details.geo-overseas"),
                        frame.locator(".leaflet-control-layers")):
            b = element.bounding_box()
            assert box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"]
            assert box["y"] <= b["y"] and b["y"] + b["height"] <= box["y"] + box["height"]
        phone.page.screenshot(path=str(artifacts / "phone-areas.png"))
        assert not phone.errors


def test_when_tiles_fail_to_load_the_plain_map_takes_over(
    browser: Any, tmp_path: Path, artifacts: Path,
) -> None:
    """Online settings, but the tile server does not answer (a closed local port)."""
    chromium_path()
    port = free_port()  # nothing listens there
    db = make_store(tmp_path / "incidents.sqlite")
    env = {**os.environ, "GEO_DB": str(db), "GEO_CACHE": str(tmp_path / "geocache.sqlite"),
           "GEO_TILES": f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png",
           "PYTHONUNBUFFERED": "1"}
    env.pop("GEO_OFFLINE", None)
    with running_app(ROOT / "dashboard.py", env, tmp_path / "streamlit.log",
                     start_timeout=START_TIMEOUT_S) as (url, _proc), browsing(
            browser, viewport={"width": 1400, "height": 1000}) as p:
        frame = open_map(p, Server(url, db, tmp_path / "streamlit.log"))
        frame.locator(".leaflet-container[data-tiles-failed]").wait_for(timeout=TIMEOUT_MS)
        box = frame.locator(".leaflet-container")
        assert box.get_attribute("data-basemap") == "plain"
        assert "offline map" in frame.locator(".geo-tiles-note").inner_text()
        control = frame.locator(".leaflet-control-layers").inner_text()
        assert "127.0.0.1" in control and "France (offline map)" in control
        assert frame.locator("path.geo-dept").count() >= 96
        p.page.screenshot(path=str(artifacts / "tiles-failed-fallback.png"))
        assert not p.errors
