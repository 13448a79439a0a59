"""geo.mapview and geo.assets: what the map draws, what it escapes, where it loads from."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import re
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pytest

from geo import assets, mapview
from geo.i18n import en
from geo.i18n import fr as fr_texts
from geo.model import Evidence, Incident, Source

XSS = "<img src=x onerror=alert(1)>"


def incident(n: int, precision: str = "facility", *, types: tuple[str, ...] = ("gunfire",),
             lat: float | None = 43.3, lon: float | None = 5.4, **kw) -> Incident:
    values = dict(
        incident_id=f"i{n}", event_date=dt.date(2025, 4, 14), date_precision="day",
        types=list(types), primary_type=types[0], place="Marseille", commune="Marseille",
        department="Bouches-du-Rhône", lat=lat, lon=lon, geo_precision=precision,
        sources=[Source(source="AFP", title="Tirs", url="https://www.afp.com/x?a=1&b=2")],
        evidence=[Evidence(field="types", quote="Des tirs ont visé la prison.")],
    )
    values.update(kw)
    return Incident(**values)


PRISONS = [
    {"id": "cp-marseille", "name": f"CP Marseille {XSS}", "type": "CP",
     "type_label": "Centre pénitentiaire", "commune": "Marseille",
     "department": "Bouches-du-Rhône", "lat": 43.29695, "lon": 5.38107},
    {"id": "ma-nimes", "name": "Maison d'arrêt de Nîmes", "type": "MA",
     "type_label": "Maison d'arrêt", "commune": "Nîmes", "department": "Gard",
     "lat": 43.83665, "lon": 4.35788},
]


def payload(md: mapview.MapData) -> dict:
    return json.loads(md.incidents_json)


def page(data, prisons=PRISONS, **kw) -> str:
    return mapview.render_html(mapview.build_map(data, prisons, **kw))


# --- escaping and links ------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x",
    "vbscript:msgbox", "/relative/path", "http://", "ftp://example.org/a", "https://ex ample.org",
    None, 42,
])
def test_safe_url_refuses_anything_but_absolute_http(url) -> None:
    assert mapview.safe_url(url) is None


@pytest.mark.parametrize("url", ["http://example.org", "https://www.lemonde.fr/a?b=1&c=2#x"])
def test_safe_url_keeps_http_and_https(url) -> None:
    assert mapview.safe_url(url) == url


def test_link_html_links_only_http_urls_and_escapes_the_label() -> None:
    good = mapview.link_html(f"Titre {XSS}", "https://example.org/?a=1&b=2")
    assert good.startswith('<a href="https://example.org/?a=1&amp;b=2"')
    assert 'rel="noopener noreferrer nofollow"' in good
    assert XSS not in good and "&lt;img src=x onerror=alert(1)&gt;" in good
    bad = mapview.link_html("Titre", "javascript:alert(1)")
    assert "<a" not in bad and "javascript:alert(1)" in bad


def test_script_json_cannot_close_the_script_element() -> None:
    text = mapview.script_json({"q": "</script><script>alert(1)</script>", "l": "\u2028"})
    assert "</script" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"q": "</script><script>alert(1)</script>", "l": "\u2028"}


def test_hostile_text_reaches_the_page_escaped_everywhere() -> None:
    evil = incident(
        1, place=f"Toulon {XSS}",
        sources=[Source(source=f"Blog {XSS}", title=f"Titre {XSS}", url="javascript:alert(1)")],
        evidence=[Evidence(field="types", quote=f"Texte {XSS} <script>alert(2)</script>")],
    )
    html = page([evil])
    assert XSS not in html
    assert "<script>alert(2)" not in html
    assert 'href="javascript:' not in html and "href=\\\"javascript:" not in html
    # Present, as text, in the popup data (escaped, then made script-safe).
    data = json.loads(mapview.map_data([evil], PRISONS).incidents_json)
    popup = " ".join(data["strings"]) + " ".join(data["details"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in popup
    assert "<a" not in data["details"][0]  # the javascript: URL is shown as text only
    prisons = json.loads(mapview.map_data([evil], PRISONS).prisons_json)
    assert prisons[0][3] == "CP Marseille &lt;img src=x onerror=alert(1)&gt;"


def test_legend_is_escaped_and_counts_shown_types() -> None:
    md = mapview.map_data([incident(1), incident(2, types=("arson",)), incident(3)], PRISONS)
    assert "Gunfire" in md.legend and '<span class="lg-n">2</span>' in md.legend
    assert "Arson" in md.legend and "Riot" not in md.legend
    assert XSS not in md.legend
    assert "Centre pénitentiaire" in md.legend and "Maison d&#x27;arrêt" in md.legend


# --- what is drawn ------------------------------------------------------------------


def test_only_pinnable_precisions_are_drawn_and_the_rest_is_listed() -> None:
    incs = [
        incident(1, "facility"), incident(2, "commune"),
        incident(3, "approximate", radius_km=15.0),
        incident(4, "department"), incident(5, "region"),
        incident(6, "country", lat=None, lon=None),
        incident(7, "commune", lat=None, lon=None),
    ]
    md = mapview.map_data(incs, [])
    rows = payload(md)["rows"]
    strings = payload(md)["strings"]
    assert md.n_pinned == 3
    assert sorted(strings[r[11]] for r in rows) == ["i1", "i2", "i3"]
    assert sorted(mapview.unpinned(incs)["incident_id"]) == ["i4", "i5", "i6", "i7"]


def test_approximate_locations_carry_their_uncertainty_radius() -> None:
    md = mapview.map_data([incident(1, "approximate", radius_km=15.0), incident(2)], [])
    rows = {payload(md)["strings"][r[11]]: r for r in payload(md)["rows"]}
    assert rows["i1"][3:5] == [1, 15000]
    assert rows["i2"][3:5] == [0, 0]
    assert "(approximate, ±15 km)" in payload(md)["strings"][rows["i1"][7]]


def test_popup_data_has_date_precision_types_place_prison_casualties_sources_evidence() -> None:
    inc = incident(1, types=("gunfire", "arson"), prison_id="cp-marseille", killed=0,
                   injured=2, date_precision="month")
    data = payload(mapview.map_data([inc], PRISONS))
    r, s = data["rows"][0], data["strings"]
    assert s[r[5]] == "2025-04 (month only)"
    assert s[r[6]] == "Gunfire, Arson"
    assert s[r[7]].startswith("Marseille")
    assert s[r[8]].startswith("CP Marseille")
    assert r[9:11] == [0, 2]
    assert data["types"][r[2]][0] == "gunfire"
    detail = data["details"][0]
    assert '<a href="https://www.afp.com/x?a=1&amp;b=2"' in detail
    assert "Des tirs ont visé la prison." in detail


def test_unknown_casualties_are_not_shown_as_zero() -> None:
    row = payload(mapview.map_data([incident(1)], []))["rows"][0]
    assert row[9:11] == [-1, -1]


def test_popups_drop_sources_and_evidence_above_the_detail_limit() -> None:
    incs = [incident(i, lat=43 + i / 100) for i in range(5)]
    small = payload(mapview.map_data(incs, [], detail_limit=5))
    big = payload(mapview.map_data(incs, [], detail_limit=4))
    assert len(small["details"]) == 5
    assert big["details"] is None and "table below" in big["note"]


def test_prisons_with_incidents_are_counted_for_highlighting() -> None:
    incs = [incident(1, prison_id="cp-marseille"), incident(2, prison_id="cp-marseille")]
    md = mapview.map_data(incs, PRISONS)
    prisons = json.loads(md.prisons_json)
    rows = {p[6]: str(i) for i, p in enumerate(prisons)}  # by id
    assert md.prison_hits == {rows["cp-marseille"]: 2}  # Nîmes, not hit, is left out
    assert prisons[int(rows["ma-nimes"])][3] == "Maison d&#x27;arrêt de Nîmes"
    assert prisons[0][2] == mapview.prison_color("CP") != prisons[1][2]
    # The prisons themselves are the same whatever the selection: only the hits change.
    assert mapview.map_data([], PRISONS).prisons_json == md.prisons_json


def test_many_incidents_make_no_folium_marker_each() -> None:
    incs = [incident(i, lat=42 + (i % 80) / 10, lon=-1 + (i // 80) / 10) for i in range(3000)]
    m = mapview.build_map(incs, PRISONS, tiles="none", asset_base="/app/static")

    def walk(el):
        yield el
        for child in el._children.values():
            yield from walk(child)

    kinds = {type(el).__name__ for el in walk(m)}
    assert not kinds & {"Marker", "CircleMarker", "Circle", "Popup", "Tooltip"}
    html = mapview.render_html(m)
    # Markers are made by geo/mapassets/incidents.js and prisons.js, not in the page.
    assert "L.marker(" not in html and html.count("GeoIncidents.layer(") == 1
    selection = next(el for el in walk(m) if isinstance(el, mapview.Selection))
    assert len(json.loads(selection.payload)["rows"]) == 3000


def test_dates_say_their_precision() -> None:
    assert mapview.date_label("2025-04-14", "day") == "2025-04-14 (exact day)"
    assert mapview.date_label("2025-04-14", "week") == "week of 2025-04-14"
    assert mapview.date_label("2025-04-01", "month") == "2025-04 (month only)"
    assert mapview.date_label("2019-01-01", "year") == "2019 (year only)"
    assert mapview.date_label("2019-01-01", "year", lang="fr") == "2019 (année seulement)"
    assert mapview.date_label(None, "unknown", "2025-04-15") == (
        "date unknown (first reported 2025-04-15)")


def test_a_frame_and_incidents_give_the_same_map_data() -> None:
    from geo.export import incidents_frame

    incs = [incident(1), incident(2, "approximate", radius_km=5.0), incident(3, "department")]
    assert mapview.map_data(incidents_frame(incs), PRISONS) == mapview.map_data(incs, PRISONS)


# --- assets, tiles, offline ---------------------------------------------------------


def asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"', html)


def test_page_loads_leaflet_and_plugins_only_from_the_app(tmp_path: Path) -> None:
    vendor = assets.install(tmp_path)
    html = page([incident(1)], tiles="none", asset_base="/app/static")
    urls = asset_urls(html)
    assert "/app/static/vendor/leaflet/leaflet.js" in urls
    # markercluster: loaded by incidents.js when a selection is small enough for it.
    lazy = re.findall(r'"(/app/static/vendor/markercluster/[^"]+)"', html)
    assert "/app/static/vendor/markercluster/leaflet.markercluster.js" in lazy
    assert "/app/static/vendor/markercluster/MarkerCluster.css" in lazy
    for u in [*urls, *lazy]:
        assert u.startswith("/app/static/vendor/"), u
        path = u.partition("#")[0]  # preload.js carries its list after "#"
        assert (vendor / path.removeprefix("/app/static/vendor/")).is_file(), u
    assert not re.search(r"https?://(?!www\.afp\.com)", html.replace("\\/", "/")), (
        "no URL to another host (the only one is the source link in the popup data)")


def test_st_folium_gets_local_links_too() -> None:
    """streamlit-folium loads every element's default_js/css itself: all must be local."""
    m = mapview.build_map([incident(1)], PRISONS, tiles="none", asset_base="/base/app/static")

    def walk(el):
        yield el
        for child in el._children.values():
            yield from walk(child)

    links = [url for el in walk(m) for attr in ("default_js", "default_css")
             for _, url in getattr(el, attr, [])]
    assert links and all(u.startswith("/base/app/static/vendor/") for u in links), links


def test_the_first_script_preloads_every_other_file_of_the_map(tmp_path: Path) -> None:
    """streamlit-folium loads the scripts one after another: preload.js, first, asks for
    all the others, the style sheets and the boundaries at once (issue 15)."""
    from urllib.parse import unquote

    vendor = assets.install(tmp_path)
    m = mapview.build_map([incident(1)], PRISONS, tiles="none", asset_base="/app/static")
    walk = mapview._elements
    scripts = list(dict.fromkeys(u for el in walk(m) for _, u in getattr(el, "default_js", [])))
    sheets = list(dict.fromkeys(u for el in walk(m) for _, u in getattr(el, "default_css", [])))
    first, _, listed = scripts[0].partition("#")
    assert first == "/app/static/vendor/geo/preload.js"
    files = json.loads(unquote(listed))
    assert [u for u, kind in files if kind == "script"] == scripts[1:]
    assert [u for u, kind in files if kind == "style"] == sheets
    assert [u for u, kind in files if kind == "fetch"] == [
        "/app/static/vendor/geo/country.geojson", "/app/static/vendor/geo/departments.geojson"]
    for u in [first, *(u for u, _ in files)]:
        assert (vendor / u.removeprefix("/app/static/vendor/")).is_file(), u
    # The whole store's incidents with them (their gzip copy, what browsers fetch).
    with_payload = mapview.base_map(mapview.map_data([incident(1)], PRISONS), tiles="none",
                                    asset_base="/app/static",
                                    payload_url="/app/static/mapdata/abc.json")
    listed = json.loads(unquote(with_payload.default_js[0][1].partition("#")[2]))
    assert ["/app/static/mapdata/abc.json.gz", "fetch"] in listed


def test_install_is_idempotent_and_repairs_a_changed_file(tmp_path: Path) -> None:
    vendor = assets.install(tmp_path)
    js = vendor / "leaflet" / "leaflet.js"
    size = js.stat().st_size
    js.write_text("truncated")
    assets.install(tmp_path)
    assert js.stat().st_size == size
    assert (vendor / "leaflet" / "images" / "layers.png").is_file()
    assert not list(vendor.rglob(".*"))  # no temporary files left behind


def tile_urls(html: str) -> list[str]:
    """The URL template of every Leaflet tile layer in a page."""
    return re.findall(r'L\.tileLayer\(\s*"([^"]*)"', html)


def test_offline_means_only_the_apps_own_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_TILES", "https://tiles.example.org/{z}/{x}/{y}.png")
    html = page([incident(1)])
    assert "tiles.example.org" not in html and "tile.openstreetmap.org" not in html
    assert tile_urls(html) == ["/app/static/vendor/osm-tiles/{z}/{x}/{y}.png"]
    # France drawn by the app: the land and the departments, from its own static folder.
    assert "GeoAreas.land(" in html and "GeoAreas.departments(" in html
    assert "/vendor/geo/country.geojson" in html and "/vendor/geo/departments.geojson" in html
    assert "GeoAreas.fallback(" not in html  # no tiles to fall back from


def test_tiles_are_openstreetmap_by_default_and_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GEO_OFFLINE", raising=False)
    monkeypatch.delenv("GEO_TILES", raising=False)
    assert "tile.openstreetmap.org" in page([incident(1)])
    monkeypatch.setenv("GEO_TILES", "https://tiles.example.org/{z}/{x}/{y}.png")
    html = page([incident(1)])
    assert "tiles.example.org/{z}/{x}/{y}.png" in html and "openstreetmap.org/{z}" not in html
    monkeypatch.setenv("GEO_TILES", "none")
    assert tile_urls(page([incident(1)])) == ["/app/static/vendor/osm-tiles/{z}/{x}/{y}.png"]


def test_the_offline_osm_tiles_are_a_base_map_choice_upscaled_beyond_zoom_6() -> None:
    for tiles, plain_first in (("none", True), ("OpenStreetMap", False)):
        m = mapview.build_map([incident(1)], PRISONS, tiles=tiles)
        own = next(el for el in m._children.values() if isinstance(el, folium.TileLayer)
                   and el.tiles.startswith("/app/static/"))
        assert own.options["max_native_zoom"] == 6 and own.options["max_zoom"] == 18
        assert "OpenStreetMap contributors" in own.options["attribution"]
        html = mapview.render_html(m)
        assert f"{own.get_name()}.addTo(" not in html  # a choice, never the default
        control = re.search(r"base_layers : \{(.*?)\}", html, re.S)
        assert control and json.dumps(en.TEXTS["layer_osm_offline"]) in control.group(1)
        assert ("GeoAreas.fallback(" in html) is not plain_first
    fr = mapview.render_html(mapview.build_map(
        mapview.map_data([incident(1)], PRISONS, lang="fr"), PRISONS, tiles="none"))
    assert json.dumps(fr_texts.TEXTS["layer_osm_offline"]) in fr


def prison_layer(m: folium.Map) -> mapview.PrisonLayer:
    return next(el for el in m._children.values() if isinstance(el, mapview.PrisonLayer))


def test_map_opens_on_france_with_the_prisons_layer_on_and_toggleable() -> None:
    m = mapview.build_map([incident(1)], PRISONS, tiles="none")
    html = mapview.render_html(m)
    assert '"Prisons"' in html and '"Incidents"' in html  # LayerControl overlays
    bounds = re.search(r"fitBounds\(\s*(\[\[.*?\]\]),\s*(\{.*?\})", html, re.S)
    assert bounds and json.loads(bounds.group(1)) == [list(b) for b in mapview.FRANCE_BOUNDS]
    # Not animated: a selection's fit within that animation was undone when it ended.
    # With the selections' margin: one spread over France is then in view as it is.
    assert json.loads(bounds.group(2)) == {"animate": False, "padding": [40, 40]}
    assert mapview.FIT_PADDING_PX == 40 and '"fitPadding": 40' in html
    assert f"{prison_layer(m).get_name()}.addTo(" in html
    off = mapview.build_map([incident(1)], PRISONS, tiles="none", show_prisons=False)
    off_html = mapview.render_html(off)
    assert f"{prison_layer(off).get_name()}.addTo(" not in off_html
    assert '"Prisons"' in off_html


def test_every_type_has_a_distinct_colour() -> None:
    colours = [s.color for s in mapview.TYPE_STYLES.values()]
    assert len(set(colours)) == len(colours)


# --- scale (issue 7) ----------------------------------------------------------------


def test_vectorised_date_labels_say_what_date_label_says() -> None:
    import itertools

    import pandas as pd

    combos = list(itertools.product(
        [None, "", " ", "2025-04-14", "2025-04-14T10:00", "<b>&"],
        [None, "", "day", "week", "month", "year", "unknown", " day"],
        [None, "", "2025-04-15", "2025-04-15T08:00:00"],
    ))
    frame = pd.DataFrame({name: pd.array([c[i] for c in combos], dtype="str") for i, name in
                          enumerate(("event_date", "date_precision", "first_reported"))})
    strings = mapview._Strings()
    got = [strings.items[i] for i in mapview._date_labels(strings, frame)]
    assert got == [mapview.esc(mapview.date_label(*c)) for c in combos]


def test_a_published_payload_is_fetched_not_inlined(tmp_path: Path) -> None:
    md = mapview.map_data([incident(i, lat=43 + i / 100) for i in range(50)], PRISONS)
    url = assets.publish(md.incidents_json, md.incidents_name, root=tmp_path, base="/app/static")
    assert url == f"/app/static/mapdata/{md.incidents_name}"
    assert (tmp_path / "mapdata" / md.incidents_name).read_text("utf-8") == md.incidents_json
    html = mapview.render_html(mapview.build_map(md, tiles="none", data_url=url))
    assert f'"payloadUrl": "{url}"' in html and '"gzipSuffix": ".gz"' in html
    copy = tmp_path / "mapdata" / (md.incidents_name + assets.GZIP_SUFFIX)
    assert gzip.decompress(copy.read_bytes()).decode("utf-8") == md.incidents_json
    assert md.incidents_json not in html and '"i49"' not in html  # the page stays small
    assert assets.publish(md.incidents_json, md.incidents_name, root=tmp_path) == (
        f"{assets.STATIC_URL}/mapdata/{md.incidents_name}")  # again: same file, same name


def test_published_payloads_are_pruned_but_recent_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import time

    monkeypatch.setattr(assets, "KEEP_FILES", 2)
    names = [assets.publish(f'{{"n":{i}}}', root=tmp_path).rsplit("/", 1)[1] for i in range(3)]
    folder = tmp_path / "mapdata"

    def published() -> set[str]:  # each payload with its gzip copy
        found = {p.name for p in folder.iterdir()}
        assert found == {n for name in found for n in (name.removesuffix(".gz"),
                                                        name.removesuffix(".gz") + ".gz")}
        return {name for name in found if not name.endswith(".gz")}

    assert published() == set(names)  # all recent: kept
    old = time.time() - assets.KEEP_SECONDS - 60
    for name in names[:2]:
        os.utime(folder / name, (old, old))
    newest = assets.publish('{"n":3}', root=tmp_path).rsplit("/", 1)[1]
    assert published() == {names[2], newest}  # the 2 newest


def test_a_payload_published_without_its_gzip_copy_gets_one(tmp_path: Path) -> None:
    """A payload left by an older version (no .gz beside it) would make browsers fail."""
    text = '{"n":1}'
    name = assets.content_name(text)
    (tmp_path / "mapdata").mkdir()
    (tmp_path / "mapdata" / name).write_text(text, "utf-8")
    assets.publish(text, root=tmp_path)
    copy = tmp_path / "mapdata" / (name + assets.GZIP_SUFFIX)
    assert gzip.decompress(copy.read_bytes()) == text.encode("utf-8")


# --- the map and its selection ------------------------------------------------------


def test_the_map_s_script_is_the_same_for_every_selection() -> None:
    """streamlit-folium reloads the map's frame when the map's script changes (it keys
    the component by a hash of it): a filter change must change the Selection only."""
    from streamlit_folium import _get_map_string, generate_js_hash

    few = mapview.map_data([incident(1, prison_id="cp-marseille")], PRISONS)
    many = mapview.map_data([incident(i, lat=43 + i / 100, types=("arson",))
                             for i in range(40)], PRISONS)
    hashes, selections = set(), set()
    for md, fit in ((few, False), (many, True)):
        m = mapview.base_map(md, tiles="none", asset_base="/app/static")
        m.get_root().render()
        hashes.add(generate_js_hash(_get_map_string(m), "incident_map"))
        selection = mapview.Selection(md, data_url=f"/app/static/mapdata/{md.incidents_name}",
                                      fit=fit)
        selection.add_to(m)
        selections.add(selection._template.module.script(selection))
    assert len(hashes) == 1
    assert len(selections) == 2


def test_a_selection_carries_what_changes_with_the_filters() -> None:
    md = mapview.map_data([incident(1, prison_id="cp-marseille"),
                           incident(2, lat=-20.93, lon=55.29)], PRISONS)
    selection = mapview.Selection(md, data_url="/app/static/mapdata/x.json", fit=True,
                                  focus="t001")
    o = selection.options
    assert (o["payloadUrl"], o["fit"], o["focus"]) == ("/app/static/mapdata/x.json", True,
                                                       "t001")
    assert selection.payload is None  # fetched from the file, not carried
    assert o["departments"] == dict(md.department_counts) and o["departments"]
    assert o["territories"] == dict(md.territory_counts) and o["territories"]
    assert o["prisonHits"] == {"0": 1}
    assert o["legend"] == md.legend and "lg-row" in o["legend"]
    inline = mapview.Selection(md)
    assert inline.payload == md.incidents_json and inline.options["payloadUrl"] is None


def test_a_selection_s_rows_are_a_bitmask_over_the_whole_payload() -> None:
    from geo.export import incidents_frame

    incs = [incident(i, lat=43 + i / 100) for i in range(12)]
    incs.insert(3, incident(99, "department"))  # not pinned: no payload row
    frame = incidents_frame(incs)
    everything = np.arange(len(frame))
    rows_of = mapview.payload_rows(everything, mapview.pinnable_mask(frame).to_numpy(),
                                   len(frame))
    assert list(rows_of) == [0, 1, 2, -1, *range(3, 12)]
    payload = mapview.incidents_payload(frame, {})
    ids = [payload["strings"][r[mapview.ROW_COLUMNS.index("id")]] for r in payload["rows"]]
    assert [ids[r] for r in rows_of if r >= 0] == [i.incident_id for i in incs if i != incs[3]]
    chosen = [0, 3, 10, 12]  # i0, the unpinned i99, i9 and i11
    mask = base64.b64decode(mapview.row_mask(rows_of, np.array(chosen)))
    assert len(mask) == 2  # 12 rows: two bytes, the first row in the high bit
    bits = [(mask[i >> 3] >> (7 - (i & 7))) & 1 for i in range(12)]
    assert bits == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    assert mapview.row_mask(rows_of, np.array([], dtype=np.int64)) == \
        base64.b64encode(bytes(2)).decode()
    # A payload drawn from some rows only: the others have no row in it.
    some = mapview.payload_rows(np.array([1, 2, 3, 5]), np.array([True, True, False, True]),
                                len(frame))
    assert list(some[:6]) == [-1, 0, 1, -1, -1, 2]


def test_a_selection_is_drawn_from_the_whole_payload_unless_it_would_lose_details() -> None:
    small = mapview.map_data([incident(i, lat=43 + i / 100) for i in range(5)], [])
    counts = mapview.map_data([incident(1)], [], payload=False)
    assert counts.incidents_json == "" and counts.n_pinned == 1 and counts.legend
    assert mapview.drawable_from(small, counts)  # the whole payload has every detail
    big = mapview.map_data([incident(i, lat=43 + i / 1000) for i in range(8)], [],
                           detail_limit=4)
    assert not mapview.drawable_from(big, counts, detail_limit=4)  # would lose sources
    many = mapview.map_data([incident(i, lat=43 + i / 1000) for i in range(6)], [],
                            payload=False)
    assert mapview.drawable_from(big, many, detail_limit=4)  # too many for details anyway


@pytest.mark.parametrize("text", ["{#", "{{ 6*7 }}", "{% raw %}", "{%", "}}"])
def test_braces_in_article_text_reach_the_page_as_text(text: str) -> None:
    """branca compiles each element's output as a Jinja template; the map's elements
    put theirs in the page as it is (mapview.Verbatim): a quote may hold anything."""
    html = page([incident(1, place=f"Place {text}",
                          evidence=[Evidence(field="types", quote=f"Quote {text}")])],
                tiles="none")
    assert json.dumps(f"Quote {text}")[1:-1] in html
    assert "Quote 42" not in html  # {{ 6*7 }} was not evaluated


def test_no_part_of_the_map_is_compiled_as_a_template_when_it_is_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each rerun renders the map (twice, in streamlit-folium): compiling every part's
    output as Jinja was most of that time; only the page's own frame is a template."""
    import jinja2

    m = mapview.build_map([incident(1)], PRISONS, tiles="OpenStreetMap")
    compiled: list[str] = []
    real = jinja2.Environment.from_string

    def counted(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(source)[:80])
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "from_string", counted)
    html = mapview.render_html(m)
    assert "OpenStreetMap" in html and ".addTo(" in html and "fitBounds(" in html
    assert compiled == []


def test_the_prisons_part_is_computed_once_per_prison_list_and_language() -> None:
    mapview._prison_parts_of.cache_clear()
    first = mapview.map_data([incident(1)], PRISONS, lang="fr")
    again = mapview.map_data([incident(2)], PRISONS, lang="fr")
    assert first.prisons_json is again.prisons_json
    assert mapview._prison_parts_of.cache_info().hits >= 1
    english = mapview.map_data([incident(1)], PRISONS, lang="en")
    assert english.legend != first.legend  # the prison rows follow the language
