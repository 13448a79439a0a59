"""The prisons layer: the shipped data/prisons.csv, its loader's validation, its builder."""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path
from typing import ClassVar

import pytest

from geo import config
from geo.errors import DataError
from geo.model import Place
from geo.normalize import fold
from geo.prisons import (
    COLUMNS,
    DEPARTMENTS,
    PRISON_TYPES,
    alias_index,
    clear_cache,
    department_code,
    in_territory,
    load_prisons,
    match_commune,
    prisons_by_id,
    prisons_in_commune,
    territory,
)
from geo.prisons_build import (
    CHECKLIST,
    CURATED,
    build_rows,
    locate,
    press_forms,
    prison_id,
    render,
)

PRISONS = config.DATA_DIR / "prisons.csv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def prisons():
    return load_prisons(PRISONS)


@pytest.fixture(scope="module")
def by_id():
    return prisons_by_id(PRISONS)


# ------------------------------------------------------------------ the shipped file


def test_every_checklist_row_is_present_joined_on_insee_and_name(prisons):
    """All 186 checklist establishments, joined on INSEE code + official name.

    Where the checklist's name is a compiler's note or its INSEE code a known error,
    the curated file says so row by row; the join applies exactly those corrections.
    """
    checklist = _read(CHECKLIST)
    curated = {r["ministry_label"]: r for r in _read(CURATED)}
    assert len(checklist) == 186
    keyed = Counter((p.insee, p.name) for p in prisons)
    for ref in checklist:
        cur = curated[ref["ministry_label"]]
        key = (cur["insee"] or ref["insee_commune"], cur["name"] or ref["official_name"])
        assert keyed[key] == 1, f"{ref['ministry_label']}: {key} not found exactly once"
    assert len(prisons) == len(checklist)
    # The corrections stay few and each is explained.
    renamed = [c for c in curated.values() if c["name"]]
    moved = {c["ministry_label"]: c["insee"] for c in curated.values() if c["insee"]}
    assert len(renamed) <= 20 and all(c["note"] for c in renamed)
    assert moved == {"CP RENNES": "35238"}


def test_ministry_labels_round_trip(prisons):
    labels = {r["ministry_label"] for r in _read(CHECKLIST)}
    assert {p.ministry_label for p in prisons} == labels


def test_ids_are_unique_stable_slugs(prisons):
    ids = [p.id for p in prisons]
    assert len(set(ids)) == len(ids)
    for p in prisons:
        assert p.id == prison_id(p.ministry_label, p.type)
        assert p.id.startswith(p.type.lower() + "-")
    # Ids other modules and analysts' corrections will refer to: never renamed.
    for pinned in ("cp-fleury-merogis", "cp-aix-luynes", "cp-toulon-la-farlede",
                   "cp-marseille", "cp-paris-la-sante", "cp-sud-francilien", "ma-nimes",
                   "cp-saint-denis", "csl-fresnes-villejuif", "epm-rhone", "mc-saint-maur"):
        assert pinned in ids


def test_types_and_labels(prisons):
    counts = Counter(p.type for p in prisons)
    assert set(counts) == set(PRISON_TYPES)
    assert counts == {"MA": 73, "CP": 66, "CD": 26, "CSL": 10, "EPM": 6, "MC": 5}
    for p in prisons:
        assert p.type_label == PRISON_TYPES[p.type]


def test_department_and_region_follow_the_insee_code(prisons):
    for p in prisons:
        assert (p.department, p.region) == DEPARTMENTS[department_code(p.insee)]
    assert {department_code(p.insee) for p in prisons} >= {
        "2A", "2B", "971", "972", "973", "974", "975", "976", "986", "987", "988"}


def test_every_row_lies_in_its_territory(prisons):
    seen = Counter()
    for p in prisons:
        assert in_territory(p.department_code, p.lat, p.lon), p.id
        seen[territory(p.department_code)] += 1
    assert seen["France métropolitaine"] == 170
    assert seen["Polynésie française"] == 4 and seen["La Réunion"] == 3


def test_precision_is_honest(prisons):
    counts = Counter(p.location_precision for p in prisons)
    assert set(counts) <= {"facility", "commune", "approximate"}
    # every commune is in the COG table now: no prison is placed from its neighbours
    approximate = {p.id for p in prisons if p.location_precision == "approximate"}
    assert approximate == set()


def test_spot_checks(by_id):
    # the four INSEE codes the checklist corrected in 2026-12, each the commune it stands in
    assert {i: by_id[i].insee for i in ("cp-moulins-yzeure", "cp-majicavo", "cp-remire-montjoly",
                                        "ma-sarreguemines")} == {
        "cp-moulins-yzeure": "03321", "cp-majicavo": "97610", "cp-remire-montjoly": "97309",
        "ma-sarreguemines": "57631"}
    assert by_id["cp-moulins-yzeure"].commune == "Yzeure"
    aix = by_id["cp-aix-luynes"]
    assert (aix.insee, aix.commune, aix.department) == ("13001", "Aix-en-Provence",
                                                        "Bouches-du-Rhône")
    assert {"Aix-Luynes", "Luynes"} <= set(aix.aliases)
    toulon = by_id["cp-toulon-la-farlede"]
    assert (toulon.insee, toulon.commune) == ("83054", "La Farlède")
    assert "Toulon-La Farlède" in toulon.aliases
    fleury = by_id["cp-fleury-merogis"]
    assert (fleury.insee, fleury.department, fleury.region) == ("91235", "Essonne",
                                                                "Île-de-France")
    assert abs(fleury.lat - 48.64) < 0.05 and abs(fleury.lon - 2.36) < 0.05
    assert by_id["cp-sud-francilien"].commune == "Réau"
    assert by_id["cp-seine-saint-denis"].short_name == "Villepinte"
    majicavo = by_id["cp-majicavo"]
    assert majicavo.department == "Mayotte" and majicavo.lat < 0
    assert by_id["csl-fresnes-villejuif"].insee == "94076"


def test_press_aliases_name_one_prison_each(prisons):
    index = alias_index(PRISONS)
    assert len(index) == sum(len({fold(n) for n in p.names}) for p in prisons)
    for alias, want in {
        "Baumettes": "cp-marseille", "les baumettes": "cp-marseille",
        "La Santé": "cp-paris-la-sante", "Fleury-Mérogis": "cp-fleury-merogis",
        "Aix-Luynes": "cp-aix-luynes", "Luynes": "cp-aix-luynes",
        "Sud Francilien": "cp-sud-francilien", "Toulon-La Farlède": "cp-toulon-la-farlede",
        "La Farlède": "cp-toulon-la-farlede", "Fresnes": "cp-fresnes",
        "Villepinte": "cp-seine-saint-denis", "Nanterre": "cp-nanterre",
        "Valence": "cp-valence", "Nîmes": "ma-nimes", "Réau": "cp-sud-francilien",
        "Seysses": "cp-toulouse-seysses", "Camp-Est": "cp-noumea",
    }.items():
        assert index[fold(alias)].id == want, alias


@pytest.mark.parametrize("alias, want", [
    ("Lille-Sequedin", "cp-lille-loos-sequedin"), ("Lille-Loos", "cp-lille-loos-sequedin"),
    ("Alençon-Condé", "cp-alencon-conde-sur-sarthe"),
    ("Rennes-Vezin-le-Coquet", "cp-rennes-vezin"),
    ("Grenoble-Varces-Allières-et-Risset", "cp-grenoble-varces"),
])
def test_press_short_forms_of_compound_names_are_aliases(alias, want):
    assert alias_index(PRISONS)[fold(alias)].id == want


def test_press_forms_pair_the_places_of_a_compound_name():
    communes = {"lille", "loos", "sequedin", "meaux", "chauconin neufmontiers", "toulon",
                "la farlede", "saint etienne", "la talaudiere"}

    def known(name: str) -> bool:
        return fold(name) in communes

    assert set(press_forms(["Lille-Loos-Sequedin"], "Sequedin", known)) == {
        "Lille-Loos", "Lille-Sequedin", "Loos-Sequedin"}
    # the commune in full and by its first word; an official name's type words dropped
    assert set(press_forms(["Centre pénitentiaire de Meaux-Chauconin-Neufmontiers"],
                           "Chauconin-Neufmontiers", known)) == {
        "Meaux-Chauconin-Neufmontiers", "Meaux-Chauconin"}
    # two places: the name itself; "Saint" is no short form of Saint-Étienne
    assert press_forms(["Saint-Étienne-La Talaudière"], "La Talaudière", known) == [
        "Saint-Étienne-La Talaudière"]
    # a part that is no known place: no forms at all
    assert press_forms(["Le Mans-Les Croisettes"], "Coulaines", known) == []


def test_shared_communes_never_give_the_bare_name_twice(prisons):
    """Two establishments in one commune: at most one (the closed one) has its name."""
    by_commune: dict[str, list] = {}
    for p in prisons:
        by_commune.setdefault(p.insee, []).append(p)
    shared = {k: v for k, v in by_commune.items() if len(v) > 1}
    assert set(shared) == {"13055", "25056", "54357", "77288"}
    for group in shared.values():
        holders = [p for p in group if fold(p.commune) in {fold(a) for a in p.aliases}]
        assert len(holders) <= 1
        assert all(p.type != "CSL" for p in holders)
    for p in shared["13055"]:  # Marseille: two closed establishments, neither is "Marseille"
        assert "marseille" not in {fold(a) for a in p.aliases}


def test_match_commune_resolves_bare_commune_names():
    assert match_commune("77288", path=PRISONS).id == "cd-melun"
    assert match_commune("77288", "CSL", path=PRISONS).id == "csl-melun"
    assert match_commune("13055", path=PRISONS) is None
    assert match_commune("13055", "EPM", path=PRISONS).id == "epm-marseille"
    assert match_commune("91235", path=PRISONS).id == "cp-fleury-merogis"
    assert match_commune("94076", path=PRISONS) is None  # only a semi-liberty quarter
    assert match_commune("33063", path=PRISONS) is None  # no prison in Bordeaux itself
    assert [p.id for p in prisons_in_commune("25056", PRISONS)] == ["csl-besancon",
                                                                   "ma-besancon"]


def test_loading_is_cached_and_follows_file_changes(tmp_path):
    path = tmp_path / "prisons.csv"
    path.write_bytes(PRISONS.read_bytes())
    first = load_prisons(path)
    assert load_prisons(path) == first
    rows = _read(path)
    rows = [r for r in rows if r["id"] != "cp-fresnes"]
    _write(path, rows)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert len(load_prisons(path)) == len(first) - 1


# ------------------------------------------------------------------------ validation


def _write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] | None = None) -> None:
    fields = list(columns or rows[0].keys())
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _crafted(tmp_path: Path, change) -> Path:
    """The shipped file with one edit, written under tmp_path."""
    rows = _read(PRISONS)
    change(rows)
    path = tmp_path / "bad.csv"
    _write(path, rows)
    clear_cache()
    return path


def _row(rows: list[dict[str, str]], ident: str) -> dict[str, str]:
    return next(r for r in rows if r["id"] == ident)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda rows: rows.append(dict(_row(rows, "cp-fresnes"))), "duplicate id"),
    (lambda rows: _row(rows, "cp-fresnes").update(insee="13055"),
     "INSEE code 13055 is in Bouches-du-Rhône"),
    (lambda rows: _row(rows, "cp-fresnes").update(department="Essonne"),
     "not in department 'Essonne'"),
    (lambda rows: _row(rows, "cp-fresnes").update(region="Normandie"), "in region"),
    (lambda rows: _row(rows, "cp-fresnes").update(lat="55.0"), "outside France métropolitaine"),
    (lambda rows: _row(rows, "cp-saint-denis").update(lat="48.8", lon="2.35"),
     "outside La Réunion"),
    (lambda rows: _row(rows, "cp-majicavo").update(lat="-20.9", lon="55.45"),
     "outside Mayotte"),
    (lambda rows: _row(rows, "cp-noumea").update(lat="-17.5", lon="-149.5"),
     "outside Nouvelle-Calédonie"),
    (lambda rows: _row(rows, "cp-fresnes").update(lat="north"), "not finite numbers"),
    (lambda rows: _row(rows, "cp-fresnes").update(lon="nan"), "not finite numbers"),
    (lambda rows: _row(rows, "cp-fresnes").update(type="QSL"), "unknown type 'QSL'"),
    (lambda rows: _row(rows, "cp-fresnes").update(type_label="Maison d'arrêt"),
     "does not match type CP"),
    (lambda rows: _row(rows, "cp-fresnes").update(location_precision="street"),
     "location_precision 'street'"),
    (lambda rows: _row(rows, "cp-fresnes").update(insee="9434"), "not a commune code"),
    (lambda rows: _row(rows, "cp-fresnes").update(id="CP Fresnes"), "lower-case slug"),
    (lambda rows: _row(rows, "cp-fresnes").update(name=""), "empty name"),
    (lambda rows: _row(rows, "cp-fresnes").update(aliases="Fresnes;Baumettes"),
     "'Baumettes' also designates cp-"),
])
def test_validation_rejects_crafted_files(tmp_path, change, expected):
    path = _crafted(tmp_path, change)
    with pytest.raises(DataError) as err:
        load_prisons(path)
    message = str(err.value)
    assert expected in message
    assert str(path) in message
    assert "row " in message


def test_validation_names_the_row_and_id(tmp_path):
    path = _crafted(tmp_path, lambda rows: _row(rows, "ma-nimes").update(lat="10"))
    with pytest.raises(DataError, match=r"bad\.csv: row \d+ \(id ma-nimes\): coordinates"):
        load_prisons(path)


@pytest.mark.parametrize("column", COLUMNS)
def test_validation_rejects_a_missing_column(tmp_path, column):
    rows = _read(PRISONS)
    path = tmp_path / "cut.csv"
    _write(path, rows, tuple(c for c in rows[0] if c != column))
    with pytest.raises(DataError, match=f"missing required column.*{column}"):
        load_prisons(path)


def test_validation_rejects_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_prisons(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no prison rows"):
        load_prisons(empty)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(PRISONS.read_text(encoding="utf-8").encode("latin-1", "replace"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_prisons(latin1)


def test_a_minimal_file_without_the_optional_column_loads(tmp_path):
    path = tmp_path / "one.csv"
    _write(path, [_row(_read(PRISONS), "cp-valence")], COLUMNS)
    (only,) = load_prisons(path)
    assert only.id == "cp-valence" and only.ministry_label == ""
    assert isinstance(only.lat, float) and isinstance(only.aliases, tuple)


def test_env_variable_points_the_default_path(tmp_path, monkeypatch):
    path = tmp_path / "env.csv"
    _write(path, [_row(_read(PRISONS), "ma-nice")], COLUMNS)
    monkeypatch.setenv("GEO_PRISONS", str(path))
    assert [p.id for p in load_prisons()] == ["ma-nice"]


# --------------------------------------------------------------------------- builder


def test_prison_id_slugs():
    assert prison_id("CP AIX LUYNES", "CP") == "cp-aix-luynes"
    assert prison_id("MA ST MALO", "MA") == "ma-saint-malo"
    assert prison_id("CP FRESNES - Villejuif", "CSL") == "csl-fresnes-villejuif"


@pytest.mark.slow
def test_shipped_file_is_exactly_what_the_builder_makes_from_the_gazetteer():
    """Coordinates come from the gazetteer, never typed: a fresh build reproduces the file."""
    rows, audit = build_rows()
    assert render(rows) == PRISONS.read_text(encoding="utf-8")
    assert len(audit) == 3  # each documented in data/README.md (overseas collectivities)


def test_builder_refuses_a_checklist_it_was_not_curated_for(tmp_path):
    checklist = tmp_path / "checklist.csv"
    rows = _read(CHECKLIST)
    rows[0]["insee_commune"] = "61001"
    _write(checklist, rows)
    with pytest.raises(DataError, match="checklist now says 61001"):
        build_rows(gz=object(), checklist=checklist)
    _write(checklist, rows[1:])
    with pytest.raises(DataError, match="out of step"):
        build_rows(gz=object(), checklist=checklist)


class _FakeGazetteer:
    """Two communes of the Aube and one homonym elsewhere: enough to exercise `locate`."""

    places: ClassVar[list[Place]] = [
        Place(query="", name="Troyes", lat=48.30, lon=4.08, kind="commune",
              department_code="10"),
        Place(query="", name="Pont-Sainte-Marie", lat=48.32, lon=4.10, kind="commune",
              department_code="10"),
        Place(query="", name="Troyes", lat=0.0, lon=0.0, kind="facility",
              department_code="10"),
        Place(query="", name="Lavau", lat=47.30, lon=-1.97, kind="commune",
              department_code="44"),
    ]

    def candidates(self, name: str) -> list[Place]:
        return [p for p in self.places if fold(p.name or "") == fold(name)]

    def commune_by_insee(self, code: str) -> Place | None:
        return None


def _curated(**values: str) -> dict[str, str]:
    row = dict.fromkeys(("ministry_label", "locate_as", "locate_precision", "facility_lat",
                         "facility_lon", "facility_source"), "")
    row["ministry_label"] = "CP TEST"
    row.update(values)
    return row


def test_locate_uses_the_commune_of_the_right_department():
    where = locate(_FakeGazetteer(), _curated(), "10387", "Troyes")
    assert (where.lat, where.lon, where.precision) == (48.30, 4.08, "commune")
    with pytest.raises(DataError, match=r"'Lavau'.*not.*in the gazetteer.*set locate_as"):
        locate(_FakeGazetteer(), _curated(), "10191", "Lavau")  # the only Lavau is in 44


def test_locate_fallbacks_are_labelled():
    where = locate(_FakeGazetteer(), _curated(locate_as="Troyes+Pont-Sainte-Marie",
                                              locate_precision="approximate"),
                   "10191", "Lavau")
    assert where.precision == "approximate"
    assert (where.lat, where.lon) == (48.31, 4.09)
    assert where.how == "mean of Troyes + Pont-Sainte-Marie"
    with pytest.raises(DataError, match="bad locate_precision 'facility'"):
        locate(_FakeGazetteer(), _curated(locate_as="Troyes", locate_precision="facility"),
               "10191", "Lavau")


def test_a_facility_position_needs_its_source():
    with pytest.raises(DataError, match="needs its facility_source"):
        locate(_FakeGazetteer(), _curated(facility_lat="48.3", facility_lon="4.1"),
               "10191", "Lavau")
    where = locate(_FakeGazetteer(), _curated(facility_lat="48.3", facility_lon="4.1",
                                              facility_source="site plan"), "10191", "Lavau")
    assert (where.lat, where.lon, where.precision) == (48.3, 4.1, "facility")
