"""Build `data/prisons.csv`: `python -m geo.prisons_build [--check] [--out PATH]`.

Three inputs, each holding one kind of fact, so that no coordinate is typed by hand:

- `data/reference/prisons_fr.csv`, the ministry checklist (label, official name,
  INSEE code of the commune): which establishments exist;
- `data/prisons_curated.csv`, the human facts keyed by ministry label: type, clean
  name where the checklist holds a note, short name, commune name, press aliases,
  how to locate a commune the gazetteer lacks, and facility positions (with their
  source) where one is known as a fact;
- the gazetteer (`geo.gazetteer`), for every commune-level coordinate. It is built
  here without prisons (in a temporary index directory), so the result never
  depends on a previous prisons.csv.

`--check` rebuilds in memory and fails if the file on disk differs (stale or
hand-edited). The output is validated by `geo.prisons.load_prisons` before it
replaces the old file.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Protocol

from geo import config
from geo.errors import DataError, GeoError
from geo.model import Place
from geo.normalize import fold
from geo.prisons import (
    COLUMNS,
    DEPARTMENTS,
    LOCATION_PRECISIONS,
    PRISON_TYPES,
    department_code,
    load_prisons,
)

CHECKLIST = config.DATA_DIR / "reference" / "prisons_fr.csv"
CURATED = config.DATA_DIR / "prisons_curated.csv"
OUTPUT_COLUMNS: tuple[str, ...] = (*COLUMNS, "ministry_label")

CURATED_COLUMNS: tuple[str, ...] = (
    "ministry_label", "checklist_insee", "insee", "type", "name", "short_name", "commune",
    "aliases", "locate_as", "locate_precision", "facility_lat", "facility_lon",
    "facility_source", "note",
)
#: Words an official name starts with; anything else in the checklist is a note.
_NAME_STARTS = ("centre ", "maison ", "etablissement ", "quartier ")


class CommuneSource(Protocol):
    """What the builder needs from the gazetteer (tests pass a small fake)."""

    def candidates(self, name: str) -> list[Place]: ...

    def commune_by_insee(self, code: str) -> Place | None: ...


@dataclass(frozen=True)
class Located:
    """Where a prison was put and how: the audit trail printed by the builder."""

    lat: float
    lon: float
    precision: str
    how: str


def prison_id(ministry_label: str, kind: str) -> str:
    """Stable slug: the type, then the ministry label without its type word.

    'CP AIX LUYNES' -> 'cp-aix-luynes'; 'CP ST DENIS' -> 'cp-saint-denis';
    'CP FRESNES - Villejuif' typed CSL -> 'csl-fresnes-villejuif'.
    """
    rest = ministry_label.split(" ", 1)[1] if " " in ministry_label else ministry_label
    return f"{kind.lower()}-{fold(rest).replace(' ', '-')}"


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV, values stripped; DataError when a column is missing."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path}: missing column(s): {', '.join(missing)}")
            rows = []
            for row in reader:
                if None in row:
                    raise DataError(f"{path}: row {reader.line_num}: more fields than columns")
                rows.append({k: (v or "").strip() for k, v in row.items()})
            return rows
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def commune_gazetteer() -> CommuneSource:
    """The gazetteer's commune index, compiled without any prisons file."""
    from geo.gazetteer import Gazetteer

    directory = Path(tempfile.mkdtemp(prefix="prisons-build-"))
    return Gazetteer.load(index_dir=directory, prisons_csv=directory / "no-prisons.csv")


def _is_commune(gz: CommuneSource, name: str, dept: str) -> bool:
    """Whether a commune of this name lies in this department."""
    return any(p.kind == "commune" and p.department_code == dept
               and fold(p.name or "") == fold(name) for p in gz.candidates(name))


def _commune(gz: CommuneSource, name: str, dept: str) -> tuple[float, float] | None:
    """The point of the one gazetteer commune of this name in this department, if any."""
    cands = [p for p in gz.candidates(name)
             if p.kind == "commune" and p.department_code == dept and p.resolved]
    exact = [p for p in cands if fold(p.name or "") == fold(name)]
    chosen = exact if len(exact) == 1 else cands
    if len(chosen) != 1:
        return None
    lat, lon = chosen[0].lat, chosen[0].lon
    assert lat is not None and lon is not None  # p.resolved
    return lat, lon


#: First words of a compound commune that are no short form of it ("Saint-Aubin-Routot"
#: is never "Saint").
_NO_HEAD = frozenset({"saint", "sainte", "le", "la", "les", "val", "mont", "bois", "port"})
#: What an official name starts with before its place part ("Centre pénitentiaire de ").
_NAME_HEAD = re.compile(r"^.*?\b(?:de\s+la|de\s+l['’]|d['’]|de|du|des)\s*", re.IGNORECASE)


def _head(commune: str) -> str | None:
    """The press short form of a compound commune ("Vezin" for Vezin-le-Coquet)."""
    first = commune.split("-")[0].strip()
    if "-" not in commune or len(first) < 4 or fold(first) in _NO_HEAD:
        return None
    return first


def _pieces(name: str, known: Callable[[str], bool]) -> list[str] | None:
    """A hyphenated name cut into the fewest known places ("Lille-Loos-Sequedin" ->
    Lille, Loos, Sequedin), or None when some part is no known place."""
    tokens = [t.strip() for t in name.split("-")]
    best: list[list[str] | None] = [[]] + [None] * len(tokens)
    for end in range(1, len(tokens) + 1):
        for start in range(end):
            before = best[start]
            piece = "-".join(tokens[start:end])
            if before is not None and piece and known(piece) and (
                    best[end] is None or len(before) + 1 < len(best[end] or [])):
                best[end] = [*before, piece]
    return best[-1]


def press_forms(names: list[str], commune: str, known: Callable[[str], bool]) -> list[str]:
    """The short forms the press gives a prison named after several communes: each pair
    of its places in order ("Lille-Sequedin" for Lille-Loos-Sequedin), and its commune
    in full or by its first word ("Rennes-Vezin-le-Coquet", "Meaux-Chauconin")."""
    head = _head(commune)

    def is_place(piece: str) -> bool:
        return fold(piece) in {fold(commune), fold(head or commune)} or known(piece)

    forms: list[str] = []
    for name in names:
        pieces = _pieces(_NAME_HEAD.sub("", name, count=1) if " " in name else name,
                         is_place)
        if not pieces or len(pieces) < 2:
            continue
        variants = []
        for piece in pieces:
            same = fold(piece) in {fold(commune), fold(head or commune)}
            variants.append([commune, head] if same and head else [piece])
        for i, j in combinations(range(len(pieces)), 2):
            for a in variants[i]:
                for b in variants[j]:
                    if a and b:
                        forms.append(f"{a}-{b}")
    return forms


def locate(gz: CommuneSource, cur: dict[str, str], insee: str, commune: str) -> Located:
    """Coordinates for one establishment, from the facts in its curated row and the gazetteer."""
    label = cur["ministry_label"]
    if cur["facility_lat"] or cur["facility_lon"]:
        if not cur["facility_source"]:
            raise DataError(f"{CURATED}: {label}: a facility position needs its facility_source")
        try:
            lat, lon = float(cur["facility_lat"]), float(cur["facility_lon"])
        except ValueError as exc:
            raise DataError(f"{CURATED}: {label}: facility_lat/lon are not numbers") from exc
        return Located(lat, lon, "facility", f"facility ({cur['facility_source']})")
    dept = department_code(insee)
    if not cur["locate_as"]:
        place = gz.commune_by_insee(insee)
        if place is not None and place.kind == "commune" and place.lat is not None \
                and place.lon is not None:
            return Located(place.lat, place.lon, "commune", f"INSEE {insee} ({place.name})")
        point = _commune(gz, commune, dept)
        if point is None:
            raise DataError(
                f"{CURATED}: {label}: commune {commune!r} ({insee}) is not (or not uniquely) "
                f"in the gazetteer for department {dept}; set locate_as")
        return Located(*point, "commune", f"commune {commune}")
    precision = cur["locate_precision"] or "commune"
    if precision not in LOCATION_PRECISIONS or precision == "facility":
        raise DataError(f"{CURATED}: {label}: bad locate_precision {precision!r}")
    names = [n.strip() for n in cur["locate_as"].split("+") if n.strip()]
    points = []
    for name in names:
        point = _commune(gz, name, dept)
        if point is None:
            raise DataError(f"{CURATED}: {label}: locate_as {name!r} is not (or not uniquely) "
                            f"a commune of department {dept} in the gazetteer")
        points.append(point)
    lat = round(sum(p[0] for p in points) / len(points), 5)
    lon = round(sum(p[1] for p in points) / len(points), 5)
    how = ("mean of " if len(names) > 1 else "") + " + ".join(names)
    return Located(lat, lon, precision, how)


def build_rows(gz: CommuneSource | None = None, checklist: Path = CHECKLIST,
               curated: Path = CURATED) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of prisons.csv (sorted by id) and an audit line for each non-trivial location."""
    reference = read_csv(checklist, ("ministry_label", "official_name", "insee_commune"))
    facts = {r["ministry_label"]: r for r in read_csv(curated, CURATED_COLUMNS)}
    labels = [r["ministry_label"] for r in reference]
    if len(set(labels)) != len(labels):
        raise DataError(f"{checklist}: duplicate ministry labels")
    extra = sorted(set(facts) - set(labels))
    missing = [lab for lab in labels if lab not in facts]
    if extra or missing:
        raise DataError(f"{curated}: out of step with {checklist}: missing {missing}, "
                        f"unknown {extra}")
    if gz is None:
        gz = commune_gazetteer()

    rows: list[dict[str, str]] = []
    audit: list[str] = []
    for ref in reference:
        label = ref["ministry_label"]
        cur = facts[label]
        if cur["checklist_insee"] != ref["insee_commune"]:
            raise DataError(f"{curated}: {label}: curated for INSEE {cur['checklist_insee']} but "
                            f"the checklist now says {ref['insee_commune']}; review the row")
        kind = cur["type"] or label.split(" ", 1)[0]
        if kind not in PRISON_TYPES:
            raise DataError(f"{curated}: {label}: type {kind!r} is not one of "
                            f"{', '.join(PRISON_TYPES)}; set the type column")
        name = cur["name"] or ref["official_name"]
        if not fold(name + " ").startswith(tuple(fold(s) + " " for s in _NAME_STARTS)) or \
                "annuaire" in fold(name):
            raise DataError(f"{curated}: {label}: the checklist's name {name!r} is a note, "
                            "not a name; give the clean name in the name column")
        insee = cur["insee"] or ref["insee_commune"]
        dept = department_code(insee)
        if dept not in DEPARTMENTS:
            raise DataError(f"{curated}: {label}: INSEE {insee} is in no known department")
        dept_name, region = DEPARTMENTS[dept]
        if not cur["commune"]:
            raise DataError(f"{curated}: {label}: empty commune")
        where = locate(gz, cur, insee, cur["commune"])
        if where.how != f"commune {cur['commune']}" and not where.how.startswith("INSEE"):
            audit.append(f"{label}: {where.precision} <- {where.how}")
        aliases: list[str] = []
        forms = press_forms([cur["short_name"] or name, name], cur["commune"],
                            lambda piece, d=dept: _is_commune(gz, piece, d))
        for alias in [*cur["aliases"].split(";"), *forms]:
            alias = alias.strip()
            if alias and fold(alias) not in {fold(a) for a in aliases} | {fold(name)}:
                aliases.append(alias)
        rows.append({
            "id": prison_id(label, kind),
            "name": name,
            "short_name": cur["short_name"] or name,
            "type": kind,
            "type_label": PRISON_TYPES[kind],
            "commune": cur["commune"],
            "insee": insee,
            "department": dept_name,
            "region": region,
            "lat": f"{where.lat:.5f}",
            "lon": f"{where.lon:.5f}",
            "location_precision": where.precision,
            "aliases": ";".join(aliases),
            "ministry_label": label,
        })
    rows.sort(key=lambda r: r["id"])
    return rows, audit


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text, byte-stable for identical rows (so --check can compare)."""
    return render_csv(rows, OUTPUT_COLUMNS)


def render_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    """Rows as CSV text with LF line ends: byte-stable, for the builders' --check."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write(text: str, out: Path) -> None:
    """Validate the new file with the loader, then atomically replace the old one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".prisons-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        load_prisons(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.prisons_build", description=__doc__
                                     and __doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="output file (default: GEO_PRISONS or data/prisons.csv)")
    parser.add_argument("--check", action="store_true",
                        help="fail if the file on disk differs from a fresh build")
    args = parser.parse_args(argv)
    out = args.out or config.prisons_path()
    try:
        rows, audit = build_rows()
        text = render(rows)
        if args.check:
            current = out.read_text(encoding="utf-8") if out.exists() else ""
            if current != text:
                print(f"{out} is stale or hand-edited: run python -m geo.prisons_build",
                      file=sys.stderr)
                return 1
            print(f"{out}: up to date ({len(rows)} establishments)")
            return 0
        write(text, out)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["location_precision"]] = counts.get(r["location_precision"], 0) + 1
    print(f"wrote {out}: {len(rows)} establishments; precision "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for line in audit:
        print(f"  located by hand-chosen name: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
