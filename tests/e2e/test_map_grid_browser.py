"""The map's grid clustering (more than FAST_CLUSTER_LIMIT incidents) in headless Chromium.

A standalone page (`mapview.render_html`, assets from a temporary folder): every
incident in view is counted once, a group zooms in when clicked, incidents at one
spot list themselves and open their own popup, a single marker has its tooltip,
markers sit on their place without a 3D transform each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo import assets, mapview, prisons
from geo.model import Evidence, Incident, Source

pytestmark = pytest.mark.browser

SPREAD = 2400  # over France, on a grid of distinct points
SAME_SPOT = 30  # at one prison
SPOT = (43.29695, 5.38107)
#: Incidents a reader counts: single markers plus the numbers on the groups.
COUNT = """() => {
  let n = document.querySelectorAll('.inc-icon').length;
  for (const e of document.querySelectorAll('.inc-cluster span')) n += Number(e.textContent);
  return n; }"""
MAP = "() => Object.values(window).find((v) => v && v._container && v.getZoom)"


def incident(n: int, lat: float, lon: float, precision: str = "commune") -> Incident:
    return Incident(
        incident_id=f"g{n:05d}", event_date=dt.date(2020, 1, 1) + dt.timedelta(days=n % 900),
        date_precision="day", types=["arson" if n % 3 else "gunfire"],
        primary_type="arson" if n % 3 else "gunfire", place=f"Place {n}", commune=f"Place {n}",
        department="Var", lat=lat, lon=lon, geo_precision=precision,
        radius_km=5.0 if precision == "approximate" else None,
        sources=[Source(source="AFP")], evidence=[Evidence(field="types", quote=f"Q{n}.")],
    )


@pytest.fixture(scope="module")
def grid_page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The page, in the session's Chromium (conftest.browser)."""
    tmp = tmp_path_factory.mktemp("grid")
    assets.install(tmp)
    incs = [incident(i, 43.0 + (i % 60) * 0.12, -0.5 + (i // 60) * 0.2,
                     "approximate" if i % 50 == 0 else "commune") for i in range(SPREAD)]
    incs += [incident(SPREAD + i, *SPOT, "facility") for i in range(SAME_SPOT)]
    assert len(incs) > mapview.FAST_CLUSTER_LIMIT
    html = mapview.render_html(mapview.build_map(incs, prisons.load_prisons(), tiles="none",
                                                 asset_base=f"file://{tmp}"))
    page_file = tmp / "map.html"
    page_file.write_text(html, "utf-8")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.locator(f'.leaflet-container[data-incidents="{len(incs)}"]').wait_for(
            timeout=60_000)
        page.errors = errors  # type: ignore[attr-defined]
        yield page
    finally:
        context.close()


def test_every_incident_in_view_is_counted_once(grid_page: Any) -> None:
    grid_page.evaluate(f"() => ({MAP})().fitBounds([[42.5, -1.5], [51.5, 9.5]])")
    grid_page.wait_for_timeout(500)
    assert grid_page.evaluate(COUNT) == SPREAD + SAME_SPOT
    assert 0 < grid_page.locator(".inc-cluster").count() < 300  # grouped, not 2,430 pins
    assert not grid_page.errors


def test_a_group_zooms_in_when_clicked(grid_page: Any) -> None:
    grid_page.evaluate(f"() => ({MAP})().setView([46.6, 2.4], 6)")
    grid_page.wait_for_timeout(500)
    before = grid_page.evaluate(f"() => ({MAP})().getZoom()")
    grid_page.locator(".inc-cluster").first.click()
    grid_page.wait_for_timeout(800)
    assert grid_page.evaluate(f"() => ({MAP})().getZoom()") > before


def test_incidents_at_one_spot_are_listed_and_each_opens(grid_page: Any) -> None:
    grid_page.evaluate(f"() => ({MAP})().setView({list(SPOT)}, 16)")
    grid_page.wait_for_timeout(500)
    group = grid_page.locator(".inc-cluster", has_text=str(SAME_SPOT))
    group.click()
    popup = grid_page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert f"{SAME_SPOT} incidents here" in popup.inner_text()
    assert popup.locator(".inc-pick").count() == SAME_SPOT
    popup.locator(".inc-pick").first.click()
    grid_page.locator(".leaflet-popup-content .inc-id").wait_for(timeout=10_000)
    assert grid_page.locator(".leaflet-popup-content .inc-id").inner_text().startswith("g0")
    assert not grid_page.errors


def test_a_single_marker_has_its_tooltip_and_popup(grid_page: Any) -> None:
    grid_page.evaluate(f"() => ({MAP})().setView([43.0, -0.5], 12)")
    grid_page.wait_for_timeout(500)
    marker = grid_page.locator(".inc-icon").first
    marker.hover()
    grid_page.locator(".leaflet-tooltip").wait_for(timeout=10_000)
    marker.click()
    # One popup (the one opened before fades out over 200 ms), the marker's.
    grid_page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-popup-content .inc-id').length === 1",
        timeout=10_000)
    # The approximate one's dashed circle, drawn on a canvas (thousands stay cheap).
    assert grid_page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert not grid_page.errors


def test_vendor_folder_is_where_the_page_loads_from(grid_page: Any) -> None:
    assert Path(grid_page.url.removeprefix("file://")).with_name("vendor").is_dir()


#: Per marker on the map: where its icon's centre is drawn, where the map puts its
#: place (page pixels), and its transform (a translate3d gives it a compositing layer).
PLACED = f"""() => {{
  const map = ({MAP})(), box = map.getContainer().getBoundingClientRect(), out = [];
  map.eachLayer((l) => {{
    if (!l._icon || !l.getLatLng) return;
    const r = l._icon.getBoundingClientRect(), p = map.latLngToContainerPoint(l.getLatLng());
    out.push({{x: r.left + r.width / 2, y: r.top + r.height / 2, px: box.left + p.x,
              py: box.top + p.y, transform: getComputedStyle(l._icon).transform,
              prison: l._icon.classList.contains("prison-icon")}});
  }});
  return out; }}"""


@pytest.mark.parametrize("move", ["setView([43.5, 1.5], 7)", "panBy([120, -80], {animate: false})",
                                  "setZoom(9, {animate: false})"])
def test_markers_sit_on_their_place_without_a_3d_layer_each(grid_page: Any, move: str) -> None:
    grid_page.evaluate(f"() => ({MAP})().setView([43.5, 1.5], 7, {{animate: false}})")
    grid_page.evaluate(f"() => ({MAP})().{move}")
    grid_page.wait_for_timeout(500)
    placed = grid_page.evaluate(PLACED)
    assert any(m["prison"] for m in placed) and any(not m["prison"] for m in placed)
    for m in placed:
        assert m["transform"] == "none", m
        assert abs(m["x"] - m["px"]) < 1.5 and abs(m["y"] - m["py"]) < 1.5, m
    assert not grid_page.errors


#: A new selection handed to the map as the dashboard's Selection does (GeoMapUi.select),
#: drawn from the incidents of `window.__rows` (indices into the page's whole payload).
SELECT = f"""([fit, hits]) => {{
  const map = ({MAP})(), st = map._geoUi;
  window.__whole = window.__whole || st.payload;
  const P = Object.assign({{}}, window.__whole);
  if (window.__rows) P.rows = window.__rows.map((i) => window.__whole.rows[i]);
  if (P.details && window.__rows) P.details = window.__rows.map((i) => window.__whole.details[i]);
  GeoMapUi.select(map, {{fit: fit, legend: "", departments: {{}}, territories: {{}},
                        prisonHits: hits}}, P);
}}"""
#: Moves (view changes) of the map since the last call.
MOVES = f"""() => {{
  const map = ({MAP})();
  if (!map.__moves) {{
    map.__moves = {{n: 0}};
    map.on("viewreset moveend", () => map.__moves.n++);
  }}
  const n = map.__moves.n; map.__moves.n = 0; return n; }}"""


def drawn(page: Any, n: int) -> None:
    page.locator(f'.leaflet-container[data-incidents="{n}"]').wait_for(timeout=10_000)


def test_a_selection_in_view_keeps_the_view_and_a_smaller_one_is_fitted(grid_page: Any) -> None:
    """A fit that would change the view by less than a zoom level is skipped: each
    new view re-projects every department's shape and redraws the incidents."""
    grid_page.evaluate(f"() => ({MAP})().setView([46.6, 2.4], 5, {{animate: false}})")
    # A view the reader chose that shows a selection is kept anyway (test_new_user_browser):
    # here the app's own view, as after a fit.
    grid_page.evaluate(f"() => {{ ({MAP})()._geoUi.userMoved = false; window.__rows = null; }}")
    grid_page.evaluate(SELECT, [True, {}])
    drawn(grid_page, SPREAD + SAME_SPOT)
    grid_page.evaluate(MOVES)
    zoom = grid_page.evaluate(f"() => ({MAP})().getZoom()")
    for _ in range(2):  # the same spread again: the view stays, the markers are redrawn
        grid_page.evaluate(SELECT, [True, {}])
        grid_page.wait_for_timeout(300)
        assert grid_page.evaluate(MOVES) == 0
        assert grid_page.evaluate(f"() => ({MAP})().getZoom()") == zoom
    # The incidents at one spot: the map zooms in on them (at most zoom 11).
    grid_page.evaluate(f"() => {{ window.__rows = [...Array({SAME_SPOT}).keys()]"
                       f".map((i) => i + {SPREAD}); }}")
    grid_page.evaluate(SELECT, [True, {}])
    drawn(grid_page, SAME_SPOT)
    grid_page.wait_for_timeout(300)
    assert grid_page.evaluate(MOVES) > 0
    assert grid_page.evaluate(f"() => ({MAP})().getZoom()") == 11
    lat, lon = grid_page.evaluate(
        f"() => {{ const c = ({MAP})().getCenter(); return [c.lat, c.lng]; }}")
    assert abs(lat - SPOT[0]) < 0.01 and abs(lon - SPOT[1]) < 0.01
    # Back to the spread, out of this view: fitted again.
    grid_page.evaluate("() => { window.__rows = null; }")
    grid_page.evaluate(SELECT, [True, {}])
    drawn(grid_page, SPREAD + SAME_SPOT)
    grid_page.wait_for_timeout(300)
    assert grid_page.evaluate(MOVES) > 0 and grid_page.evaluate(f"() => ({MAP})().getZoom()") < 8
    assert not grid_page.errors


def test_a_selection_redraws_only_the_prisons_whose_count_changed(grid_page: Any) -> None:
    grid_page.evaluate(f"() => ({MAP})().setView([46.6, 2.4], 6, {{animate: false}})")
    grid_page.evaluate("() => { window.__rows = null; }")
    grid_page.evaluate(SELECT, [False, {}])
    drawn(grid_page, SPREAD + SAME_SPOT)
    located = grid_page.locator(".prison-icon").count()
    assert located > 150
    grid_page.evaluate("() => document.querySelectorAll('.prison-icon')"
                       ".forEach((el) => { el.__before = true; })")
    grid_page.evaluate(SELECT, [False, {"0": 3, "5": 1}])
    grid_page.wait_for_function("() => document.querySelectorAll('.prison-hit').length === 2",
                                timeout=10_000)
    fresh = grid_page.evaluate("() => [...document.querySelectorAll('.prison-icon')]"
                               ".filter((el) => !el.__before).length")
    assert fresh == 2 and grid_page.locator(".prison-icon").count() == located
    # A new count for a prison still hit: the same marker, its popup says the new one.
    grid_page.evaluate("() => document.querySelectorAll('.prison-icon')"
                       ".forEach((el) => { el.__before = true; })")
    grid_page.evaluate(SELECT, [False, {"0": 7, "5": 1}])
    grid_page.wait_for_timeout(300)
    assert grid_page.evaluate("() => [...document.querySelectorAll('.prison-icon')]"
                              ".filter((el) => !el.__before).length") == 0
    # Its popup, made when it opens: the prison's count and the link to its incidents.
    assert grid_page.evaluate(
        f"""() => {{ let found = false;
        ({MAP})().eachLayer((l) => {{ if (l.options.row === 0 && l.options.hits === 7) {{
          l._icon.setAttribute("data-test-prison", "0"); found = true; }} }});
        return found; }}""")
    icon = grid_page.locator('[data-test-prison="0"]')
    icon.dispatch_event("mouseover")
    grid_page.locator(".leaflet-tooltip").wait_for(timeout=10_000)
    icon.dispatch_event("click")
    popup = grid_page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "7 incidents" in popup.inner_text()
    assert "prison=" in popup.locator("a[data-geo-nav]").get_attribute("href")
    grid_page.evaluate(SELECT, [False, {"0": 2, "5": 1}])  # while it is open
    grid_page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content').innerText.includes('2 incid')",
        timeout=10_000)
    # Back to none hit: the two are redrawn plain, the others stay as they are.
    grid_page.evaluate(SELECT, [False, {}])
    grid_page.wait_for_function("() => document.querySelectorAll('.prison-hit').length === 0",
                                timeout=10_000)
    assert grid_page.evaluate("() => [...document.querySelectorAll('.prison-icon')]"
                              ".filter((el) => !el.__before).length") == 2
    grid_page.evaluate(f"() => ({MAP})().closePopup()")
    assert not grid_page.errors


def test_a_popup_on_the_right_of_the_map_is_not_left_under_its_panels(grid_page: Any) -> None:
    """The layer switch and the latest incidents' list take the map's right side; a
    popup opened under them is moved clear of them (GeoMapUi.popupOptions)."""
    grid_page.evaluate(f"() => ({MAP})().setView([46.6, 2.4], 6, {{animate: false}})")
    grid_page.evaluate("() => { window.__rows = null; }")
    grid_page.evaluate(SELECT, [False, {}])
    drawn(grid_page, SPREAD + SAME_SPOT)
    panels = grid_page.locator(".leaflet-top.leaflet-right").bounding_box()
    assert panels and panels["width"] > 150
    # The prison drawn furthest under the panels: its popup opens there.
    assert grid_page.evaluate(
        f"""(left) => {{ let best = null, x = -1;
        ({MAP})().eachLayer((l) => {{
          if (!l._icon || !l._icon.classList.contains("prison-icon")) return;
          const r = l._icon.getBoundingClientRect();
          if (r.left > left && r.top > 80 && r.left > x) {{ x = r.left; best = l; }} }});
        if (best) best._icon.setAttribute("data-test-prison", "right");
        return !!best; }}""", panels["x"] + 20)
    grid_page.locator('[data-test-prison="right"]').dispatch_event("click")
    popup = grid_page.locator(".leaflet-popup")
    popup.wait_for(timeout=10_000)
    grid_page.wait_for_timeout(600)  # the map pans the popup into view
    box = popup.bounding_box()
    panels = grid_page.locator(".leaflet-top.leaflet-right").bounding_box()
    assert box["x"] + box["width"] <= panels["x"] + 1, (box, panels)
    grid_page.evaluate(f"() => ({MAP})().closePopup()")
    assert not grid_page.errors


def test_a_popup_on_the_left_of_the_map_is_not_left_under_the_legend(grid_page: Any) -> None:
    """The legend and the overseas list take the map's left side, the panels its right:
    a popup opened under the legend is moved into the band between them."""
    grid_page.evaluate(f"() => ({MAP})().setView([46.6, 2.4], 6, {{animate: false}})")
    grid_page.evaluate("() => { window.__rows = null; }")
    grid_page.evaluate(SELECT, [False, {}])
    drawn(grid_page, SPREAD + SAME_SPOT)
    # SELECT empties the legend: one as wide as the dashboard's, open.
    grid_page.evaluate("""() => { const d = document.querySelector('details.map-legend');
      d.open = true;
      d.querySelector('.map-legend-body').innerHTML = '<div style="width: 240px">x</div>'; }""")
    legend = grid_page.locator(".leaflet-bottom.leaflet-left").bounding_box()
    assert legend and legend["width"] > 150, "the legend open"
    # The prison drawn furthest left, level with the legend: its popup opens over it.
    assert grid_page.evaluate(
        f"""([right, top]) => {{ let best = null, x = 1e9;
        ({MAP})().eachLayer((l) => {{
          if (!l._icon || !l._icon.classList.contains("prison-icon")) return;
          const r = l._icon.getBoundingClientRect();
          if (r.right < right && r.top > top && r.left < x) {{ x = r.left; best = l; }} }});
        if (best) best._icon.setAttribute("data-test-prison", "left");
        return !!best; }}""", [legend["x"] + legend["width"] - 20, legend["y"]])
    grid_page.locator('[data-test-prison="left"]').dispatch_event("click")
    popup = grid_page.locator(".leaflet-popup")
    popup.wait_for(timeout=10_000)
    grid_page.wait_for_timeout(600)  # the map pans the popup into view
    box = popup.bounding_box()
    left = max(grid_page.locator(f".leaflet-{corner}.leaflet-left").bounding_box()["x"]
               + grid_page.locator(f".leaflet-{corner}.leaflet-left").bounding_box()["width"]
               for corner in ("top", "bottom"))
    panels = grid_page.locator(".leaflet-top.leaflet-right").bounding_box()
    assert box["x"] >= left - 1, (box, left)
    assert box["x"] + box["width"] <= panels["x"] + 1, (box, panels)
    grid_page.evaluate(f"() => ({MAP})().closePopup()")
    assert not grid_page.errors
