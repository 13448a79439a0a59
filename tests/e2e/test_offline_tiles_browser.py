"""The offline OpenStreetMap tiles (issue 15), in headless Chromium with GEO_OFFLINE=1:
the plain map opens, and choosing "OpenStreetMap (offline, zoom ≤ 6)" in the layer
control loads tile images from the app's own /app/static/, and from no other host,
still shown (upscaled) beyond zoom 6."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Page, Server
from e2e.test_dashboard_browser import TIMEOUT_MS, foreign_requests, map_frame, metric
from geo.i18n import en

pytestmark = pytest.mark.browser

LABEL = en.TEXTS["layer_osm_offline"]
#: A tile image of the app's own layer that has loaded (Leaflet marks it so).
OWN_TILE = 'img.leaflet-tile-loaded[src*="/app/static/vendor/osm-tiles/"]'
ZOOM_JS = ("el => { for (const k in window) { const v = window[k];"
           " if (v && v._container === el && v.getZoom) { return v.getZoom(); } } return null; }")


def tile_requests(p: Page) -> list[str]:
    return [u for u in p.requests if "/osm-tiles/" in u]


def loaded_tiles(frame: Any) -> list[list[Any]]:
    """[src, naturalWidth] of each of our tiles that loaded."""
    return frame.locator(OWN_TILE).evaluate_all(
        "els => els.map(e => [e.getAttribute('src'), e.naturalWidth])")


def test_offline_the_osm_layer_loads_tiles_from_the_app_alone(
    page: Page, server: Server, artifacts: Path,
) -> None:
    page.page.goto(server.url + "/", timeout=TIMEOUT_MS)
    metric(page)
    frame = map_frame(page)
    box = frame.locator(".leaflet-container[data-incidents][data-land]")
    box.wait_for(timeout=TIMEOUT_MS)
    # Offline, the plain map is the default: no tile is asked for until one chooses them.
    assert box.get_attribute("data-basemap") == "plain"
    assert not tile_requests(page)
    control = frame.locator(".leaflet-control-layers")
    assert LABEL in control.inner_text() and "France (offline map)" in control.inner_text()

    control.locator("label").filter(has_text=LABEL).locator("input").check()
    frame.locator(OWN_TILE).first.wait_for(timeout=TIMEOUT_MS)
    page.page.wait_for_timeout(1000)  # the rest of the view's tiles
    assert box.get_attribute("data-basemap") == "tiles"
    tiles = loaded_tiles(frame)
    assert len(tiles) >= 4 and all(width == 256 for _src, width in tiles), tiles
    own = f"{server.url}/app/static/vendor/osm-tiles/"
    asked = tile_requests(page)
    assert asked and all(u.startswith(own) for u in asked), asked
    assert any(re.search(r"/osm-tiles/6/32/22\.png$", u) for u in asked), "Paris's tile"
    assert "OpenStreetMap contributors" in frame.locator(
        ".leaflet-control-attribution").inner_text()
    page.page.screenshot(path=str(artifacts / "offline-osm-tiles.png"))

    # Zoomed in beyond 6, the zoom-6 tiles are still what is shown, upscaled.
    for _ in range(3):
        frame.locator("a.leaflet-control-zoom-in").click()
        page.page.wait_for_timeout(400)
    assert box.evaluate(ZOOM_JS) >= 8
    page.page.wait_for_timeout(800)
    deep = loaded_tiles(frame)
    assert deep and all("/osm-tiles/6/" in src for src, _w in deep), deep
    zooms = {int(u.removeprefix(own).split("/", 1)[0]) for u in tile_requests(page)}
    assert max(zooms) == 6, zooms  # never a tile deeper than the file holds
    page.page.screenshot(path=str(artifacts / "offline-osm-tiles-zoom8.png"))
    assert not foreign_requests(page, server), foreign_requests(page, server)
    assert not page.errors
