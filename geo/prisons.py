"""Load and validate `data/prisons.csv`: every French prison establishment, one row each.

The file is built by `python -m geo.prisons_build` from the ministry checklist
(`data/reference/prisons_fr.csv`), the human facts in `data/prisons_curated.csv`
and the gazetteer's commune coordinates; `data/README.md` gives sources and
licences. Readers (the gazetteer, the extractor, the dashboard) go through
`load_prisons()` so that a broken file fails loudly, naming the row, instead of
putting a prison in the sea.

Validation covers what the rest of the pipeline relies on: unique slug ids, a
known type with its label, an INSEE code whose department matches the department
and region columns, coordinates inside metropolitan France or inside the right
overseas territory, a known location precision, and press aliases that never
point at two establishments.
"""

from __future__ import annotations

import csv
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from geo import config
from geo.errors import DataError
from geo.normalize import fold

#: Establishment types (codes of the ministry's labels) and their labels.
PRISON_TYPES: dict[str, str] = {
    "MA": "Maison d'arrêt",
    "CP": "Centre pénitentiaire",
    "CD": "Centre de détention",
    "MC": "Maison centrale",
    "CSL": "Centre de semi-liberté",
    "EPM": "Établissement pénitentiaire pour mineurs",
}

#: Types that hold people in closed custody; a bare commune name after "prison de"
#: means one of these, never a semi-liberty centre (see `match_commune`).
CLOSED_TYPES: frozenset[str] = frozenset({"MA", "CP", "CD", "MC", "EPM"})

#: `facility`: the site's own position, known as a fact; `commune`: the commune's
#: gazetteer point; `approximate`: derived from neighbouring communes because the
#: gazetteer lacks the commune; `department`: the department's point (last resort).
LOCATION_PRECISIONS: tuple[str, ...] = ("facility", "commune", "approximate", "department")

#: Columns the file must have, in the order the builder writes them.
COLUMNS: tuple[str, ...] = (
    "id", "name", "short_name", "type", "type_label", "commune", "insee", "department",
    "region", "lat", "lon", "location_precision", "aliases",
)
#: Written by the builder but not required from other writers (test fixtures).
OPTIONAL_COLUMNS: tuple[str, ...] = ("ministry_label",)

_METRO = "France métropolitaine"

#: INSEE department code -> (department name, region name), COG 2025 spellings.
#: Overseas collectivities (975, 977, 978, 986-988) are their own "region".
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "01": ("Ain", "Auvergne-Rhône-Alpes"),
    "02": ("Aisne", "Hauts-de-France"),
    "03": ("Allier", "Auvergne-Rhône-Alpes"),
    "04": ("Alpes-de-Haute-Provence", "Provence-Alpes-Côte d'Azur"),
    "05": ("Hautes-Alpes", "Provence-Alpes-Côte d'Azur"),
    "06": ("Alpes-Maritimes", "Provence-Alpes-Côte d'Azur"),
    "07": ("Ardèche", "Auvergne-Rhône-Alpes"),
    "08": ("Ardennes", "Grand Est"),
    "09": ("Ariège", "Occitanie"),
    "10": ("Aube", "Grand Est"),
    "11": ("Aude", "Occitanie"),
    "12": ("Aveyron", "Occitanie"),
    "13": ("Bouches-du-Rhône", "Provence-Alpes-Côte d'Azur"),
    "14": ("Calvados", "Normandie"),
    "15": ("Cantal", "Auvergne-Rhône-Alpes"),
    "16": ("Charente", "Nouvelle-Aquitaine"),
    "17": ("Charente-Maritime", "Nouvelle-Aquitaine"),
    "18": ("Cher", "Centre-Val de Loire"),
    "19": ("Corrèze", "Nouvelle-Aquitaine"),
    "21": ("Côte-d'Or", "Bourgogne-Franche-Comté"),
    "22": ("Côtes-d'Armor", "Bretagne"),
    "23": ("Creuse", "Nouvelle-Aquitaine"),
    "24": ("Dordogne", "Nouvelle-Aquitaine"),
    "25": ("Doubs", "Bourgogne-Franche-Comté"),
    "26": ("Drôme", "Auvergne-Rhône-Alpes"),
    "27": ("Eure", "Normandie"),
    "28": ("Eure-et-Loir", "Centre-Val de Loire"),
    "29": ("Finistère", "Bretagne"),
    "2A": ("Corse-du-Sud", "Corse"),
    "2B": ("Haute-Corse", "Corse"),
    "30": ("Gard", "Occitanie"),
    "31": ("Haute-Garonne", "Occitanie"),
    "32": ("Gers", "Occitanie"),
    "33": ("Gironde", "Nouvelle-Aquitaine"),
    "34": ("Hérault", "Occitanie"),
    "35": ("Ille-et-Vilaine", "Bretagne"),
    "36": ("Indre", "Centre-Val de Loire"),
    "37": ("Indre-et-Loire", "Centre-Val de Loire"),
    "38": ("Isère", "Auvergne-Rhône-Alpes"),
    "39": ("Jura", "Bourgogne-Franche-Comté"),
    "40": ("Landes", "Nouvelle-Aquitaine"),
    "41": ("Loir-et-Cher", "Centre-Val de Loire"),
    "42": ("Loire", "Auvergne-Rhône-Alpes"),
    "43": ("Haute-Loire", "Auvergne-Rhône-Alpes"),
    "44": ("Loire-Atlantique", "Pays de la Loire"),
    "45": ("Loiret", "Centre-Val de Loire"),
    "46": ("Lot", "Occitanie"),
    "47": ("Lot-et-Garonne", "Nouvelle-Aquitaine"),
    "48": ("Lozère", "Occitanie"),
    "49": ("Maine-et-Loire", "Pays de la Loire"),
    "50": ("Manche", "Normandie"),
    "51": ("Marne", "Grand Est"),
    "52": ("Haute-Marne", "Grand Est"),
    "53": ("Mayenne", "Pays de la Loire"),
    "54": ("Meurthe-et-Moselle", "Grand Est"),
    "55": ("Meuse", "Grand Est"),
    "56": ("Morbihan", "Bretagne"),
    "57": ("Moselle", "Grand Est"),
    "58": ("Nièvre", "Bourgogne-Franche-Comté"),
    "59": ("Nord", "Hauts-de-France"),
    "60": ("Oise", "Hauts-de-France"),
    "61": ("Orne", "Normandie"),
    "62": ("Pas-de-Calais", "Hauts-de-France"),
    "63": ("Puy-de-Dôme", "Auvergne-Rhône-Alpes"),
    "64": ("Pyrénées-Atlantiques", "Nouvelle-Aquitaine"),
    "65": ("Hautes-Pyrénées", "Occitanie"),
    "66": ("Pyrénées-Orientales", "Occitanie"),
    "67": ("Bas-Rhin", "Grand Est"),
    "68": ("Haut-Rhin", "Grand Est"),
    "69": ("Rhône", "Auvergne-Rhône-Alpes"),
    "70": ("Haute-Saône", "Bourgogne-Franche-Comté"),
    "71": ("Saône-et-Loire", "Bourgogne-Franche-Comté"),
    "72": ("Sarthe", "Pays de la Loire"),
    "73": ("Savoie", "Auvergne-Rhône-Alpes"),
    "74": ("Haute-Savoie", "Auvergne-Rhône-Alpes"),
    "75": ("Paris", "Île-de-France"),
    "76": ("Seine-Maritime", "Normandie"),
    "77": ("Seine-et-Marne", "Île-de-France"),
    "78": ("Yvelines", "Île-de-France"),
    "79": ("Deux-Sèvres", "Nouvelle-Aquitaine"),
    "80": ("Somme", "Hauts-de-France"),
    "81": ("Tarn", "Occitanie"),
    "82": ("Tarn-et-Garonne", "Occitanie"),
    "83": ("Var", "Provence-Alpes-Côte d'Azur"),
    "84": ("Vaucluse", "Provence-Alpes-Côte d'Azur"),
    "85": ("Vendée", "Pays de la Loire"),
    "86": ("Vienne", "Nouvelle-Aquitaine"),
    "87": ("Haute-Vienne", "Nouvelle-Aquitaine"),
    "88": ("Vosges", "Grand Est"),
    "89": ("Yonne", "Bourgogne-Franche-Comté"),
    "90": ("Territoire de Belfort", "Bourgogne-Franche-Comté"),
    "91": ("Essonne", "Île-de-France"),
    "92": ("Hauts-de-Seine", "Île-de-France"),
    "93": ("Seine-Saint-Denis", "Île-de-France"),
    "94": ("Val-de-Marne", "Île-de-France"),
    "95": ("Val-d'Oise", "Île-de-France"),
    "971": ("Guadeloupe", "Guadeloupe"),
    "972": ("Martinique", "Martinique"),
    "973": ("Guyane", "Guyane"),
    "974": ("La Réunion", "La Réunion"),
    "975": ("Saint-Pierre-et-Miquelon", "Saint-Pierre-et-Miquelon"),
    "976": ("Mayotte", "Mayotte"),
    "977": ("Saint-Barthélemy", "Saint-Barthélemy"),
    "978": ("Saint-Martin", "Saint-Martin"),
    "986": ("Wallis-et-Futuna", "Wallis-et-Futuna"),
    "987": ("Polynésie française", "Polynésie française"),
    "988": ("Nouvelle-Calédonie", "Nouvelle-Calédonie"),
}

#: Territory -> (lat_min, lat_max, lon_min, lon_max). Generous boxes around each
#: territory's land (islands included) that still never overlap one another.
TERRITORY_BOXES: dict[str, tuple[float, float, float, float]] = {
    _METRO: (41.3, 51.2, -5.3, 9.7),  # Corsica and Ouessant included
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.35, 14.95, -61.3, -60.75),
    "Guyane": (2.0, 5.9, -54.7, -51.5),
    "La Réunion": (-21.45, -20.8, 55.15, 55.9),
    "Saint-Pierre-et-Miquelon": (46.7, 47.2, -56.5, -56.1),
    "Mayotte": (-13.1, -12.55, 44.9, 45.35),
    "Saint-Barthélemy": (17.85, 17.98, -62.95, -62.75),
    "Saint-Martin": (18.0, 18.15, -63.2, -62.95),
    "Wallis-et-Futuna": (-14.4, -13.1, -178.3, -176.0),
    "Polynésie française": (-28.0, -7.5, -155.0, -134.0),
    "Nouvelle-Calédonie": (-23.0, -19.0, 163.0, 168.5),
}

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def department_code(insee: str) -> str:
    """The department part of a commune code: 2 characters, 3 for 97x/98x ('97411' -> '974')."""
    return insee[:3] if insee[:2] in {"97", "98"} else insee[:2]


def territory(dept_code: str) -> str:
    """Name of the territory whose box a department's coordinates must fall in."""
    return _METRO if len(dept_code) == 2 else DEPARTMENTS[dept_code][0]


def in_territory(dept_code: str, lat: float, lon: float) -> bool:
    """Whether a point lies in the box of the department's territory."""
    lat_min, lat_max, lon_min, lon_max = TERRITORY_BOXES[territory(dept_code)]
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


@dataclass(frozen=True)
class Prison:
    """One establishment, as in `data/prisons.csv` (coordinates as floats, aliases a tuple)."""

    id: str
    name: str
    short_name: str
    type: str
    type_label: str
    commune: str
    insee: str
    department: str
    region: str
    lat: float
    lon: float
    location_precision: str
    aliases: tuple[str, ...]
    ministry_label: str = ""

    @property
    def department_code(self) -> str:
        return department_code(self.insee)

    @property
    def names(self) -> tuple[str, ...]:
        """Official name then aliases: every string that designates this prison alone."""
        return (self.name, *self.aliases)


# ---------------------------------------------------------------------- loading

_cache: dict[str, tuple[tuple[int, int], tuple[Prison, ...]]] = {}
_lock = threading.Lock()


def load_prisons(path: Path | str | None = None) -> list[Prison]:
    """Every prison of the file, validated; raises DataError naming the file, row and problem.

    Cached per file and re-read when its size or mtime changes, so callers may call
    it freely (the gazetteer does, at each index build).
    """
    p = Path(path) if path is not None else config.prisons_path()
    try:
        st = p.stat()
    except OSError as exc:
        raise DataError(f"{p}: cannot read the prisons file ({exc.strerror or exc})") from exc
    stamp = (st.st_size, st.st_mtime_ns)
    key = str(p.resolve())
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return list(hit[1])
    prisons = tuple(_parse(p))
    with _lock:
        _cache[key] = (stamp, prisons)
    return list(prisons)


def clear_cache() -> None:
    """Forget loaded files (a test that rewrites a file within one mtime tick uses it)."""
    with _lock:
        _cache.clear()


def prisons_by_id(path: Path | str | None = None) -> dict[str, Prison]:
    """Prisons keyed by their stable id."""
    return {p.id: p for p in load_prisons(path)}


def alias_index(path: Path | str | None = None) -> dict[str, Prison]:
    """Folded official name or alias -> the one prison it designates (see `fold`)."""
    return {fold(n): p for p in load_prisons(path) for n in p.names}


def prisons_in_commune(insee: str, path: Path | str | None = None) -> list[Prison]:
    """Establishments standing in a commune, by INSEE code (Marseille is 13055)."""
    code = insee.strip().upper()
    return [p for p in load_prisons(path) if p.insee == code]


def match_commune(insee: str, type_hint: str | None = None,
                  path: Path | str | None = None) -> Prison | None:
    """The prison meant by a bare commune name ("la prison de Melun"), or None when ambiguous.

    With a type ("centre de semi-liberté de Melun" -> CSL) the one establishment of
    that type in the commune; without one, the one closed establishment (a CSL is
    never "the prison"). Two closed establishments (Marseille, Rennes) -> None.
    """
    here = prisons_in_commune(insee, path)
    if type_hint:
        here = [p for p in here if p.type == type_hint.upper()]
    else:
        here = [p for p in here if p.type in CLOSED_TYPES]
    return here[0] if len(here) == 1 else None


# ------------------------------------------------------------------- validation


def _parse(path: Path) -> list[Prison]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise DataError(f"{path}: missing required column(s): {', '.join(missing)}")
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read the prisons file ({exc.strerror or exc})") from exc
    if not rows:
        raise DataError(f"{path}: no prison rows")

    prisons: list[Prison] = []
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, str] = {}
    for line, row in rows:
        prison = _row(path, line, row)
        where = f"{path}: row {line} (id {prison.id})"
        if prison.id in seen_ids:
            raise DataError(f"{where}: duplicate id, first used on row {seen_ids[prison.id]}")
        seen_ids[prison.id] = line
        own: set[str] = set()
        for n in prison.names:
            k = fold(n)
            if k in own:
                continue
            own.add(k)
            other = seen_names.get(k)
            if other is not None:
                raise DataError(f"{where}: alias or name {n!r} also designates {other}")
            seen_names[k] = prison.id
        prisons.append(prison)
    return prisons


def _row(path: Path, line: int, row: dict[str, str | None]) -> Prison:
    """One validated Prison from a CSV row."""
    values = {k: (v or "").strip() for k, v in row.items() if k is not None}
    ident = values.get("id", "")
    where = f"{path}: row {line} (id {ident or '?'})"

    def fail(problem: str) -> DataError:
        return DataError(f"{where}: {problem}")

    if None in row:
        raise fail("more fields than columns (an unquoted comma?)")
    for column in ("id", "name", "type", "type_label", "commune", "insee", "department",
                   "region", "lat", "lon", "location_precision"):
        if not values.get(column):
            raise fail(f"empty {column}")
    if not _ID.match(ident):
        raise fail("id must be a lower-case slug (letters, digits, single hyphens)")
    kind = values["type"]
    if kind not in PRISON_TYPES:
        raise fail(f"unknown type {kind!r} (expected one of {', '.join(PRISON_TYPES)})")
    if values["type_label"] != PRISON_TYPES[kind]:
        raise fail(f"type_label {values['type_label']!r} does not match type {kind} "
                   f"({PRISON_TYPES[kind]!r})")
    insee = values["insee"].upper()
    if not _INSEE.match(insee):
        raise fail(f"INSEE code {insee!r} is not a commune code (5 characters, 2A/2B for Corsica)")
    dept = department_code(insee)
    if dept not in DEPARTMENTS:
        raise fail(f"INSEE code {insee} is in no known department ({dept})")
    dept_name, region_name = DEPARTMENTS[dept]
    if values["department"] != dept_name:
        raise fail(f"INSEE code {insee} is in {dept_name} ({dept}), "
                   f"not in department {values['department']!r}")
    if values["region"] != region_name:
        raise fail(f"department {dept_name} is in region {region_name!r}, "
                   f"not {values['region']!r}")
    lat, lon = _coordinate(values["lat"]), _coordinate(values["lon"])
    if lat is None or lon is None:
        raise fail(f"lat/lon {values['lat']!r}, {values['lon']!r} are not finite numbers")
    if not in_territory(dept, lat, lon):
        raise fail(f"coordinates {lat}, {lon} are outside {territory(dept)} "
                   f"(department {dept})")
    precision = values["location_precision"]
    if precision not in LOCATION_PRECISIONS:
        raise fail(f"location_precision {precision!r} not one of {', '.join(LOCATION_PRECISIONS)}")
    aliases = tuple(a.strip() for a in values.get("aliases", "").split(";") if a.strip())
    return Prison(
        id=ident,
        name=values["name"],
        short_name=values.get("short_name") or values["name"],
        type=kind,
        type_label=values["type_label"],
        commune=values["commune"],
        insee=insee,
        department=dept_name,
        region=region_name,
        lat=lat,
        lon=lon,
        location_precision=precision,
        aliases=aliases,
        ministry_label=values.get("ministry_label", ""),
    )


def _coordinate(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
