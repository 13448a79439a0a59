"""Relative places: "about 85 miles northwest of Paris", "between Rouen and Évreux",
"near Val-de-Reuil", "south of Paris", "à 30 km au nord de Lyon".

Each clue names one or two anchor places and says where the incident is relative to
them. `combine` turns the clues of one incident into a single approximate point
with an uncertainty radius, using the most specific clue and letting the others
narrow it down when they agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from geopy.distance import distance as geo_distance

from geo.distance import haversine_km
from geo.extract import lang
from geo.extract.gate import Gate, derive, prefixes
from geo.extract.numbers import number_pattern, parse_number

_F = re.IGNORECASE | re.UNICODE
#: A capitalised place name as French toponymy writes it, in any article language.
_CAP = (r"(?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]*(?:\s+(?:(?:de|du|des|la|le|les|sur|en|lès)\s+)?"
        r"(?-i:[A-ZÀ-ÖØ-Þ])[\w'’-]*){0,3}")
KINDS = ("distance", "between", "near", "direction")


@dataclass(frozen=True, eq=False)
class _Rules:
    """The relative-place rules of a set of language packs, compiled once."""

    clues: tuple[tuple[str, re.Pattern[str], Gate], ...]
    bearings: dict[str, float]
    units: dict[str, float]
    codes: tuple[str, ...]


def _key(word: str) -> str:
    return re.sub(r"[\s-]+", "", word.lower())


@lru_cache(maxsize=32)
def _rules_for(key: tuple[tuple[str, ...], tuple]) -> _Rules:
    clues: list[tuple[str, re.Pattern[str], Gate]] = []
    bearings: dict[str, float] = {}
    units: dict[str, float] = {}
    packs = lang.packs(key[0])
    for kind in KINDS:
        for p in packs:
            unit_names = list(p.get("relative", "units"))
            extra = {"cap": _CAP, "number": number_pattern((p.code,)),
                     "unit": f"(?P<u>{lang.words_alternation(unit_names)})"
                     if unit_names else "(?!)"}
            for pat in p.get("relative", "clues").get(kind, []):
                full = p.expand("relative", pat, extra)
                clues.append((kind, re.compile(rf"\b{full}", _F), derive(full)))
    for p in packs:
        for k, v in p.get("relative", "bearings").items():
            bearings.setdefault(_key(k), float(v))
        for k, v in p.get("relative", "units").items():
            units.setdefault(k.lower(), float(v))
    return _Rules(tuple(clues), bearings, units, key[0])


def rules(codes: tuple[str, ...] | None = None) -> _Rules:
    """The compiled rules of these language packs (None: every pack)."""
    return _rules_for(lang.cache_key(codes or lang.codes_for(None)))


#: How far "south of Paris" puts the point, and its radius, in km.
DIRECTION_ONLY_KM = 25.0
#: Radius of "near X" in km.
NEAR_KM = 10.0
#: A stated distance is rounded and often a road distance: its radius is this share.
DISTANCE_SHARE = 0.2
#: Half-width of a compass direction's sector (8-wind rose), degrees.
SECTOR_DEG = 22.5


@dataclass(frozen=True)
class Clue:
    """A relative-place clue: its kind, anchor names and parameters, article offsets."""

    kind: str  # distance, between, near, direction
    anchors: tuple[str, ...]
    anchor_spans: tuple[tuple[int, int], ...]
    start: int
    end: int
    km: float | None = None
    bearing: float | None = None
    text: str = ""


def _bearing(r: _Rules, word: str | None) -> float | None:
    if not word:
        return None
    return r.bearings.get(_key(word))


def _clean_anchor(name: str, start: int) -> tuple[str, int, int]:
    """Drop a possessive and trailing punctuation from an anchor name."""
    name = re.sub(r"['’]s$", "", name.rstrip(".,;:"))
    return name, start, start + len(name)


def find_clues(text: str, base: int = 0, words: frozenset[str] | None = None,
               codes: tuple[str, ...] | None = None) -> list[Clue]:
    """Relative-place clues in one sentence, offsets shifted by `base`."""
    r = rules(codes)
    clues: list[Clue] = []
    taken: list[tuple[int, int]] = []
    words = prefixes(text) if words is None else words
    for kind, rx, gate in r.clues:
        if not gate.allows(text, words):
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if any(a < e and s < b for a, b in taken):
                continue
            groups = ("a", "b") if kind == "between" else ("place",)
            anchors, spans = [], []
            for g in groups:
                name, a, b = _clean_anchor(m.group(g), m.start(g))
                anchors.append(name)
                spans.append((base + a, base + b))
            km = None
            if kind == "distance":
                n = parse_number(m.group("n"), r.codes)
                if n is None or n <= 0:
                    continue
                km = float(n) * r.units.get(m.group("u").lower(), 1.0)
            bearing = _bearing(r, m.groupdict().get("dir"))
            if kind == "direction" and bearing is None:
                continue
            taken.append((s, e))
            clues.append(Clue(kind, tuple(anchors), tuple(spans), base + s, base + e, km,
                              bearing, m.group(0)))
    clues.sort(key=lambda c: c.start)
    return clues


# --- Geometry ------------------------------------------------------------------------

Point = tuple[float, float]


@dataclass(frozen=True)
class Approx:
    """An approximate incident point: where, how uncertain, from which clues."""

    lat: float
    lon: float
    radius_km: float
    clues: tuple[Clue, ...]
    description: str


def haversine(a: Point, b: Point) -> float:
    """`geo.distance.haversine_km` between two (lat, lon) points."""
    return haversine_km(a[0], a[1], b[0], b[1])


def initial_bearing(a: Point, b: Point) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def destination(a: Point, bearing: float, km: float) -> Point:
    d = geo_distance(kilometers=km).destination(a, bearing)
    return (d.latitude, d.longitude)


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


@dataclass(frozen=True)
class _Region:
    """One clue as geometry: a disc, or a segment (between A and B), plus its test."""

    center: Point
    radius: float
    clue: Clue
    segment: tuple[Point, Point] | None = None
    anchor: Point | None = None

    def admits(self, p: Point, strict: bool = True) -> bool:
        """Whether a point agrees with this clue (direction and, if strict, distance)."""
        c = self.clue
        if self.anchor is not None and c.bearing is not None:
            if _angle_diff(initial_bearing(self.anchor, p), c.bearing) > SECTOR_DEG:
                return False
            if strict and c.km is not None:
                d = haversine(self.anchor, p)
                return 0.5 * c.km <= d <= 1.5 * c.km
            return True
        if strict:
            return haversine(self.center, p) <= 2 * self.radius
        return True


def _region(clue: Clue, points: list[Point]) -> _Region | None:
    if clue.kind == "between":
        a, b = points
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        return _Region(mid, max(haversine(a, b) / 2, 2.0), clue, segment=(a, b))
    anchor = points[0]
    if clue.kind == "near":
        return _Region(anchor, NEAR_KM, clue)
    if clue.kind == "distance" and clue.km is not None:
        if clue.bearing is None:  # "20 km from X": a ring, drawn as a disc
            return _Region(anchor, clue.km, clue)
        point = destination(anchor, clue.bearing, clue.km)
        return _Region(point, max(clue.km * DISTANCE_SHARE, 3.0), clue, anchor=anchor)
    if clue.kind == "direction" and clue.bearing is not None:
        point = destination(anchor, clue.bearing, DIRECTION_ONLY_KM)
        return _Region(point, DIRECTION_ONLY_KM, clue, anchor=anchor)
    return None


def combine(clues: list[Clue], locate: Callable[[str], Point | None]) -> Approx | None:
    """One point for an incident from its clues; None when no anchor can be placed.

    The most specific clue (smallest radius) is the base. A route ("between A and B")
    is sampled along its length and the samples the other clues agree with are kept
    (direction sector, then distance within +-50 %, which news rounding and road
    distances need): their middle is the point. Discs keep the smallest.
    """
    regions: list[_Region] = []
    for clue in clues:
        pts = [locate(a) for a in clue.anchors]
        if any(p is None for p in pts):
            continue
        r = _region(clue, [p for p in pts if p is not None])
        if r is not None:
            regions.append(r)
    if not regions:
        return None
    regions.sort(key=lambda r: r.radius)
    route = next((r for r in regions if r.segment is not None), None)
    used = [regions[0]]
    if route is not None:
        (a, b), others = route.segment, [r for r in regions if r is not route]  # type: ignore[misc]
        samples = [(a[0] + (b[0] - a[0]) * t / 40, a[1] + (b[1] - a[1]) * t / 40)
                   for t in range(41)]
        kept = samples
        for strict in (True, False):
            cand = [p for p in samples if all(o.admits(p, strict) for o in others)]
            if cand:
                kept = cand
                used = [route, *(o for o in others)]
                break
        else:
            used = [route]
        lat = sum(p[0] for p in kept) / len(kept)
        lon = sum(p[1] for p in kept) / len(kept)
        extent = haversine(kept[0], kept[-1]) / 2
        radius = max(extent, 3.0)
    else:
        base = regions[0]
        lat, lon = base.center
        radius = base.radius
    description = "; ".join(r.clue.text for r in used)
    return Approx(round(lat, 5), round(lon, 5), round(radius, 1),
                  tuple(r.clue for r in used), description)
