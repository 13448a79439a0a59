"""The offline gazetteer: homonyms, folding, exonyms, departments, prisons, the index file."""

from __future__ import annotations

import logging
import marshal
from pathlib import Path

import pytest
from fakes.sample import SAMPLE_PRISONS, sample_gazetteer, sample_index_dir

from geo import gazetteer as gazetteer_module
from geo.gazetteer import KIND, LAT, LON, Gazetteer, haversine_km


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return sample_gazetteer()


def depts(places) -> set[str | None]:
    return {p.department_code for p in places}


def communes(gaz: Gazetteer, name: str):
    return [p for p in gaz.candidates(name) if p.kind == "commune" and p.name == name]


# ----------------------------------------------------------------- homonyms


@pytest.mark.parametrize(("name", "expected"), [
    ("Valence", {"26", "82", "16"}),  # Valence (Charente): 500 people, COG only
    ("Villepinte", {"93", "11"}),
    ("Bey", {"01", "71"}),  # Bey (Ain) is not in GeoNames cities500: COG only
])
def test_candidates_return_every_homonym_with_its_department(gaz, name, expected):
    found = communes(gaz, name)
    assert depts(found) == expected
    for p in found:
        assert p.department and p.region and p.lat is not None
        assert p.precision == "commune" and p.provider == "gazetteer"


def test_homonyms_carry_what_ranking_needs(gaz):
    by_dept = {p.department_code: p for p in communes(gaz, "Valence")}
    assert by_dept["26"].department == "Drôme"
    assert by_dept["82"].department == "Tarn-et-Garonne"
    assert by_dept["26"].region == "Auvergne-Rhône-Alpes"
    assert by_dept["82"].region == "Occitanie"
    pop = {i: gaz.records[i][gazetteer_module.POP] for i, _ in gaz.lookup("Valence")}
    assert max(pop.values()) > 50_000 > min(pop.values())


def test_luynes_means_the_aix_prison_or_the_indre_et_loire_commune(gaz):
    found = gaz.candidates("Luynes")
    kinds = {(p.kind, p.department_code) for p in found}
    assert ("facility", "13") in kinds
    assert ("commune", "37") in kinds
    facility = next(p for p in found if p.kind == "facility")
    assert facility.prison_id == "cp-aix-luynes"


# ------------------------------------------------------------------ folding


@pytest.mark.parametrize("variant", ["Nimes", "Nîmes", "NÎMES", "nimes"])
def test_accent_and_case_insensitive(gaz, variant):
    assert depts(communes(gaz, "Nîmes")) == {"30"}
    assert any(p.name == "Nîmes" for p in gaz.candidates(variant))


@pytest.mark.parametrize("variant", ["Saint-Étienne", "St Etienne", "St-Étienne", "saint etienne"])
def test_saint_forms_and_hyphens(gaz, variant):
    assert any(p.name == "Saint-Étienne" and p.department_code == "42"
               for p in gaz.candidates(variant))


@pytest.mark.parametrize(("exonym", "name", "dept"), [
    ("Marseilles", "Marseille", "13"),
    ("Lyons", "Lyon", "69"),
    ("Dunkirk", "Dunkerque", "59"),  # renamed after the sample prisons file's COG spelling
])
def test_english_exonyms(gaz, exonym, name, dept):
    assert any(p.name == name and p.department_code == dept for p in gaz.candidates(exonym))


def test_unknown_name_has_no_candidates(gaz):
    assert gaz.candidates("Xyzzyville-sur-Rien") == []
    assert not gaz.is_name("Xyzzyville-sur-Rien")


def test_is_name_and_names_for_the_extractor(gaz):
    assert gaz.is_name("Villepinte") and gaz.is_name("seine saint denis")
    assert not gaz.is_name("prison guards")
    names = set(gaz.names())
    assert "aix en provence" in names
    assert gaz.max_words >= 4  # "saint pierre et miquelon", "provence alpes cote d azur"
    assert all(k.count(" ") < gaz.max_words for k in names)


# ------------------------------------------------------ departments, regions


@pytest.mark.parametrize(("query", "code", "name"), [
    ("Drôme", "26", "Drôme"),
    ("the Drôme", "26", "Drôme"),
    ("la Drôme", "26", "Drôme"),
    ("Seine-Saint-Denis", "93", "Seine-Saint-Denis"),
    ("Eure", "27", "Eure"),
    ("2a", "2A", "Corse-du-Sud"),
    ("FR-83", "83", "Var"),
    ("974", "974", "La Réunion"),
    ("Département du Var", "83", "Var"),
])
def test_department_lookup(gaz, query, code, name):
    p = gaz.department(query)
    assert p is not None
    assert (p.department_code, p.name, p.kind, p.precision) == (code, name, "department",
                                                                  "department")


@pytest.mark.parametrize(("query", "name"), [
    ("Brittany", "Bretagne"),
    ("Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
    ("Grand-Est", "Grand Est"),  # the package's spelling is an alias of the COG one
    ("93", "Provence-Alpes-Côte d'Azur"),
])
def test_region_lookup(gaz, query, name):
    p = gaz.region(query)
    assert p is not None and p.name == name and p.kind == "region" and p.precision == "region"


def test_department_point_is_the_mean_of_its_communes(gaz):
    drome = gaz.department("26")
    pts = [(r[LAT], r[LON]) for r in gaz.records
           if r[KIND] == "commune" and r[gazetteer_module.DEPT] == "26"
           and r[gazetteer_module.EXTRA] is None and r[gazetteer_module.INSEE]]
    assert len(pts) == 362  # the Drôme's communes in the COG 2025
    assert drome.lat == pytest.approx(sum(p[0] for p in pts) / len(pts), abs=1e-4)
    assert drome.lon == pytest.approx(sum(p[1] for p in pts) / len(pts), abs=1e-4)
    # and it lies inside the department, near Valence rather than in another one
    assert haversine_km(drome.lat, drome.lon, 44.93, 4.89) < 60


def test_every_department_of_the_cog_is_there(gaz):
    metro = {f"{i:02d}" for i in range(1, 96) if i != 20} | {"2A", "2B"}
    overseas = {"971", "972", "973", "974", "976"}
    assert metro | overseas <= set(gaz.departments)


# -------------------------------------------------------------- INSEE codes


def test_commune_by_insee(gaz):
    marseille = gaz.commune_by_insee("13055")
    assert marseille is not None and marseille.name == "Marseille"
    assert marseille.department_code == "13" and marseille.insee == "13055"
    noumea = gaz.commune_by_insee("98818")  # overseas: the GeoNames admin code
    assert noumea is not None and noumea.name == "Nouméa"
    assert gaz.commune_by_insee("26999") is None


def test_every_cog_commune_has_its_insee_code(gaz):
    nimes = communes(gaz, "Nîmes")[0]
    assert nimes.insee == "30189"  # no prison in the sample file there
    codes = {r[gazetteer_module.INSEE] for r in gaz.records if r[KIND] == "commune"}
    assert {"27351", "76351", "2A004", "97411"} <= codes  # Incarville, Le Havre, Ajaccio, ...
    assert gaz.sources["cog_places"] > 37_000


# ------------------------------------------------------------------ prisons


def test_prison_aliases_reach_the_facility(gaz):
    for alias in ("Baumettes", "the Baumettes", "Les Baumettes", "Marseille-Baumettes"):
        kinds = [(p.kind, p.prison_id) for p in gaz.candidates(alias)]
        assert ("facility", "cp-marseille") in kinds, alias


def test_a_prison_named_after_its_commune_is_reached_through_the_commune(gaz):
    assert all(p.kind != "facility" for p in gaz.candidates("Valence"))
    valence = next(p for p in communes(gaz, "Valence") if p.department_code == "26")
    idx = gaz.by_insee["26362"]
    assert valence.insee == "26362"
    assert [gaz.records[i][gazetteer_module.PRISON_ID] for i in gaz.prisons_of[idx]] == [
        "cp-valence"]


def test_overseas_prison_commune(gaz):
    ducos = gaz.commune_by_insee("97207")
    assert ducos is not None and ducos.department_code == "972" and ducos.region == "Martinique"


# --------------------------------------------------------------- index file


def test_missing_prisons_file_is_tolerated(tmp_path):
    g = Gazetteer.load(index_dir=tmp_path / "idx", prisons_csv=tmp_path / "absent.csv")
    assert g.sources["prisons"] == 0
    assert g.candidates("Baumettes") == []
    assert depts(communes(g, "Valence")) == {"26", "82", "16"}


def test_index_is_reused_and_rebuilt_when_prisons_change(tmp_path, monkeypatch, caplog):
    data = marshal.loads(next(sample_index_dir().glob("gazetteer-*.marshal")).read_bytes())
    calls: list[Path] = []

    def fake_build(prisons_csv: Path, fingerprint: str, communes_csv: Path):
        calls.append(prisons_csv)
        return {**data, "fingerprint": fingerprint}

    monkeypatch.setattr(gazetteer_module, "build_index", fake_build)
    prisons = tmp_path / "prisons.csv"
    prisons.write_bytes(SAMPLE_PRISONS.read_bytes())
    idx = tmp_path / "idx"
    Gazetteer.load(index_dir=idx, prisons_csv=prisons)
    assert len(calls) == 1
    files = list(idx.glob("gazetteer-*.marshal"))
    assert len(files) == 1

    Gazetteer.clear_memory()  # a new process: reads the file, does not build
    again = Gazetteer.load(index_dir=idx, prisons_csv=prisons)
    assert len(calls) == 1 and len(again) == len(data["records"])

    prisons.write_bytes(SAMPLE_PRISONS.read_bytes() + b"\n")  # prisons.csv changed
    Gazetteer.load(index_dir=idx, prisons_csv=prisons)
    assert len(calls) == 2
    newer = list(idx.glob("gazetteer-*.marshal"))
    assert len(newer) == 1 and newer != files  # the stale index is gone

    newer[0].write_bytes(b"\x00garbage")  # a damaged index is rebuilt, with a warning
    Gazetteer.clear_memory()
    with caplog.at_level(logging.WARNING, logger="geo.gazetteer"):
        Gazetteer.load(index_dir=idx, prisons_csv=prisons)
    assert len(calls) == 3
    assert "unreadable" in caplog.text or "another format" in caplog.text


def test_rejected_prisons_file_leaves_the_communes_working(tmp_path, caplog):
    bad = tmp_path / "prisons.csv"
    bad.write_text("id,name\nx,y\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="geo.gazetteer"):
        g = Gazetteer.load(index_dir=tmp_path / "idx", prisons_csv=bad)
    assert "prisons file rejected" in caplog.text
    assert g.candidates("Baumettes") == [] and communes(g, "Bey")


# ------------------------------------------------------------- the COG table


def test_a_village_of_a_few_dozen_people_is_known(gaz):
    (p,) = [p for p in gaz.candidates("Rochefourchat") if p.kind == "commune"]  # 1 inhabitant
    assert (p.insee, p.department_code) == ("26274", "26")


def test_former_communes_name_the_commune_they_are_part_of_now(gaz):
    (p,) = [p for p in gaz.candidates("Chauconin") if p.kind == "commune"]
    assert (p.name, p.insee, p.former_name) == ("Chauconin-Neufmontiers", "77335", "Chauconin")
    (v,) = [p for p in gaz.candidates("Bellegarde-sur-Valserine") if p.kind == "commune"]
    assert (v.name, v.insee, v.former_name) == ("Valserhône", "01033",
                                                  "Bellegarde-sur-Valserine")
    assert gaz.commune_by_insee("01033").former_name is None


@pytest.mark.parametrize(("query", "insee"), [
    ("Marseille 9e", "13209"), ("Marseille 9ème", "13209"), ("9e arrondissement de Marseille",
                                                               "13209"),
    ("Paris 14e", "75114"), ("Paris 1er", "75101"), ("Lyon 3e arrondissement", "69383"),
])
def test_arrondissements(gaz, query, insee):
    assert [p.insee for p in gaz.candidates(query) if p.kind == "commune"] == [insee]


def test_exonyms_and_names_with_articles_join_the_cog_commune(gaz):
    (d,) = [p for p in gaz.candidates("Dunkirk") if p.kind == "commune"]
    assert d.insee == "59183"
    assert [p.insee for p in gaz.candidates("le havre") if p.kind == "commune"] == ["76351"]


def test_a_prison_commune_column_does_not_rename_the_cog_commune(tmp_path):
    """MA Le Puy-en-Velay stands in Brives-Charensac (43041) and says "Le Puy-en-Velay":
    the COG names stay, so Le Puy-en-Velay is still 43157."""
    from geo import config

    g = Gazetteer.load(index_dir=tmp_path / "idx", prisons_csv=config.prisons_path())
    assert g.commune_by_insee("43041").name == "Brives-Charensac"
    assert [p.insee for p in g.candidates("Le Puy-en-Velay") if p.kind == "commune"] == [
        "43157"]


def test_the_index_fingerprint_is_the_same_in_every_process() -> None:
    """Built from sets of words, it must not follow Python's per-process hash seed, or
    every new process rebuilds the index (17 s) instead of loading it (0.2 s)."""
    import os
    import subprocess
    import sys

    code = ("from geo.gazetteer import _fingerprint; from geo import config; "
            "print(_fingerprint(config.prisons_path()))")
    prints = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)},
                             check=True).stdout for seed in (1, 2, 3)}
    assert len(prints) == 1
