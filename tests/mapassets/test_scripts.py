"""The map's own scripts (geo/mapassets/*.js) run under node, outside a browser: the
parts that are plain functions (URLs, column names, the department scale). Every
behaviour on the page also has a browser test in tests/e2e/. Skipped without node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import numpy as np
import pytest

from geo import mapview

ASSETS = Path(mapview.__file__).resolve().parent / "mapassets"

#: Loads the scripts with a page URL and a Leaflet stand-in, then runs
#: the expression given and prints its value as JSON.
HARNESS = r"""
const vm = require("vm"), fs = require("fs");
const [dir, search, expr] = process.argv.slice(1);
const window = {top: {location: {origin: "http://app", pathname: "/", search: search}}};
window.L = {Map: {}};
const ctx = vm.createContext({window: window, L: window.L, URLSearchParams: URLSearchParams,
                               atob: atob});
for (const f of ["preload.js", "map_ui.js", "areas.js", "incidents.js", "prisons.js"]) {
  vm.runInContext(fs.readFileSync(dir + "/" + f, "utf8"), ctx, {filename: f});
}
ctx.GeoMapUi = window.GeoMapUi; ctx.GeoAreas = window.GeoAreas;
ctx.GeoIncidents = window.GeoIncidents; ctx.GeoPrisons = window.GeoPrisons;
ctx.GeoPreload = window.GeoPreload;
console.log(JSON.stringify(vm.runInContext(expr, ctx)));
"""


def run(expr: str, search: str = "") -> Any:
    node = shutil.which("node")
    if not node:
        pytest.skip("no node on this machine")
    out = subprocess.run([node, "-e", HARNESS, str(ASSETS), search, expr],
                         capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def test_a_department_link_keeps_the_other_filters_and_drops_the_view() -> None:
    href = run('GeoMapUi.filterHref("department", "Isère")',
               "?type=arson&department=Var&view=45,5,8&incident=t001&lang=fr")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "app", "/")
    assert parse_qs(parts.query) == {"type": ["arson"], "department": ["Isère"],
                                     "lang": ["fr"]}


def test_rows_are_read_by_the_payload_s_own_column_names() -> None:
    columns = run(f"GeoMapUi.columns({json.dumps({'columns': list(mapview.ROW_COLUMNS)})})")
    assert columns == {name: i for i, name in enumerate(mapview.ROW_COLUMNS)}
    payload = mapview.incidents_payload(mapview.as_frame([]))
    assert payload["columns"] == list(mapview.ROW_COLUMNS)


def test_the_department_scale_darkens_with_the_count_and_leaves_zero_blank() -> None:
    shades = run("[0, 1, 2, 3, 4, 5].map(function (n) { return GeoAreas.colour(n, 5); })")
    assert shades[0] is None
    assert len(set(shades[1:])) == 5, "five steps up to the largest count"
    assert run("GeoAreas.colour(1, 1000)") == shades[1], "a single incident still shows"


def test_every_script_loads_and_defines_its_entry_points() -> None:
    assert run("[typeof GeoIncidents.layer, typeof GeoAreas.departments,"
               " typeof GeoMapUi.init, typeof GeoMapUi.select, typeof GeoPrisons.layer]"
               ) == ["function"] * 5


def test_a_selection_s_bitmask_picks_its_rows_and_details_from_the_whole_payload() -> None:
    """geo.mapview.row_mask in Python, GeoIncidents.subset in the page: the same bits."""
    from geo.export import incidents_frame
    from tests.test_mapview import incident

    incs = [incident(i, lat=43 + i / 100) for i in range(11)]
    whole = incidents_frame(incs)
    md = mapview.map_data(whole, [])
    picked = {incs[0].incident_id, incs[7].incident_id, incs[8].incident_id,
              incs[10].incident_id}
    rows_of = mapview.payload_rows(np.arange(len(whole)),
                                   mapview.pinnable_mask(whole).to_numpy(), len(whole))
    mask = mapview.row_mask(rows_of, np.flatnonzero(whole["incident_id"].isin(picked)))
    got = run(f"(function () {{ var P = {md.incidents_json};"
              f" var Q = GeoIncidents.subset(P, {json.dumps(mask)}), C = GeoMapUi.columns(Q);"
              " return {ids: Q.rows.map(function (r) { return Q.strings[r[C.id]]; }),"
              " details: Q.details.length, strings: Q.strings.length === P.strings.length,"
              " whole: P.rows.length}; })()")
    assert got["ids"] == [i.incident_id for i in incs if i.incident_id in picked]
    assert got["details"] == 4 and got["strings"] and got["whole"] == 11


def test_the_preload_list_is_read_from_the_script_s_own_url() -> None:
    listed = json.dumps([["/a/leaflet.js", "script"], ["/a/map.css", "style"]])
    src = "http://app/static/vendor/geo/preload.js#" + quote(listed, safe="")
    assert run(f"GeoPreload.files({json.dumps(src)})") == json.loads(listed)
    # no list, a list that does not parse, or not a list: nothing to preload
    for bad in ("http://app/preload.js", "http://app/preload.js#%5B%22x",
                "http://app/preload.js#" + quote('{"a": 1}')):
        assert run(f"GeoPreload.files({json.dumps(bad)})") == []
