"""Resolve place names to coordinates: offline gazetteer first, online providers if allowed.

Order: the offline gazetteer answers at once; online providers (opt-in, with
their answers in the persistent cache) are asked only when the gazetteer cannot
place a name at commune or facility precision. A provider failure is logged in
one line and the offline answer stands; that provider is then skipped for the
rest of the Geocoder's life (one ingest), so an unreachable or slow service
costs one timeout per run, not one per place name.

Homonyms are ranked, never taken by first hit. Signals, strongest first:

1. an explicit department or region (in the name, "Bey (Saône-et-Loire)",
   "Villepinte, Seine-Saint-Denis", or in `GeoContext`): a constraint, places
   elsewhere are rejected; if none is left the answer is the department itself
   (precision department) with a reason - never a pin in the wrong place;
2. nearness to the article's other places (`GeoContext.near`);
3. a prison there (this is a map of attacks on prisons);
4. population; a match on the place's own name beats an alternate name.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from geo import config
from geo.bounds import bounds_of
from geo.cache import MISS, GeoCache
from geo.errors import GeocoderError, ProviderResponseError
from geo.gazetteer import (
    DEPT,
    KIND,
    LAT,
    LON,
    MATCH_ALIAS,
    MATCH_FACILITY,
    MATCH_FORMER,
    NAME,
    POP,
    REGION,
    Gazetteer,
    haversine_km,
)
from geo.model import Place, precision_rank
from geo.normalize import fold
from geo.providers import Provider, make_provider

log = logging.getLogger(__name__)

#: How many rejected candidates a Place lists in `alternatives`.
MAX_ALTERNATIVES = 5
#: At most this many context points are used for nearness.
MAX_NEAR = 20

_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def _facility_words() -> re.Pattern[str]:
    """A prison noun before or after a name, in folded form, from the language packs
    ("prison de X", "maison d arret de X", "X prison")."""
    from geo.extract import lang

    nouns = sorted({fold(n) for n in lang.facility_nouns()}, key=lambda n: (-len(n), n))
    links = sorted({fold(c) for c in lang.facility_connectors()} | {"at", "in"},
                   key=lambda c: (-len(c), c))
    noun = "|".join(re.escape(n) for n in nouns)
    link = "|".join(re.escape(c) for c in links)
    return re.compile(rf"^(?:(?:the\s+)?(?:{noun})(?:\s+(?:{link}))?\s+)|(?:\s+(?:{noun}))$")


_FACILITY_WORDS = _facility_words()
_LEADING_ARTICLE = re.compile(r"^(?:the|le|la|les|l)\s+")
_AREA_WORDS = re.compile(
    r"^(?:departement|department|region)\s+(?:of\s+|du\s+|de la\s+|de l\s+|des\s+|de\s+|d\s+)?"
    r"|\s+(?:department|departement|region)$"
)

# Score weights (see the module docstring for their order).
_W_ALIAS = -2.0  # an alternate name: 100x less likely than the place's own name
_W_FORMER = -0.5  # a former commune's or a quarter's name: a current commune comes first
_W_PRISON_THERE = 1.0
_W_FACILITY = 4.5  # a prison's own name or alias: as likely as a 30,000-people town
_W_DEPARTMENT = 4.3
_W_REGION = 4.6
_W_COUNTRY = 5.0
_W_CUE = 3.0  # "prison" in the name, or "the ..." before a department
_W_NEAR = 4.0  # per decade of closeness: 10 km from a context place +8, 100 km +4


@dataclass
class GeoContext:
    """What else the article says about where: a department, a region, other places.

    `department` and `region` (names or codes) are constraints; `near` (lat, lon)
    points favour the candidates close to them.
    """

    department: str | None = None
    region: str | None = None
    near: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class _Query:
    """A name split into the place name and what it says about where."""

    text: str
    name: str
    dept: str | None = None  # department code it must be in
    region: str | None = None  # region code it must be in
    near: list[tuple[float, float]] = field(default_factory=list)
    facility_cue: bool = False
    area_cue: bool = False
    notes: list[str] = field(default_factory=list)


class Geocoder:
    """Names to `Place`s. Cheap to create: the gazetteer is loaded once per process."""

    def __init__(self, online: list[str] | None = None, cache_path: Path | str | None = None,
                 *, gazetteer: Gazetteer | None = None,
                 providers: list[Provider] | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer.load()
        names = config.online_providers() if online is None else list(online)
        if config.offline() and names:
            log.info("GEO_OFFLINE is set: online providers %s stay off", ", ".join(names))
            names = []
        self.providers: list[Provider] = (
            list(providers) if providers is not None else [make_provider(n) for n in names]
        )
        self._cache_path = cache_path
        self._cache: GeoCache | None = None
        #: Providers that failed in this run, and why: not asked again.
        self._failed: dict[Provider, str] = {}

    @property
    def cache(self) -> GeoCache:
        """The persistent cache, opened on first online use."""
        if self._cache is None:
            self._cache = GeoCache(self._cache_path)
        return self._cache

    @property
    def failed_providers(self) -> dict[str, str]:
        """{provider name: the failure} for the providers skipped since then."""
        return {p.name: why for p, why in self._failed.items()}

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # -------------------------------------------------------------------- main

    def geocode(self, name: str, context: GeoContext | None = None) -> Place:
        """The best place for a name; never raises for a bad name (see `Place.reason`)."""
        text = " ".join(str(name or "").split())
        if not fold(text):
            return Place(query=str(name), reason="empty name")
        q = self._parse(text, context)
        offline = self._offline(q)
        if offline.resolved and offline.precision in ("facility", "commune"):
            return offline
        for provider in self.providers:
            if provider in self._failed:
                continue
            online = self._online(provider, q, offline)
            if online is not None:
                return online
        return offline

    def geocode_many(self, names: list[str], context: GeoContext | None = None) -> list[Place]:
        return [self.geocode(n, context) for n in names]

    # ----------------------------------------------------------------- parsing

    def _parse(self, text: str, context: GeoContext | None) -> _Query:
        name, qualifiers = text, []
        m = _PAREN.match(text)
        if m and m.group(1).strip():
            name, qualifiers = m.group(1).strip(), [m.group(2)]
        if "," in name:
            first, *rest = name.split(",")
            if first.strip():
                name, qualifiers = first.strip(), [*rest, *qualifiers]
        q = _Query(text=text, name=name)
        for qual in qualifiers:
            self._qualify(q, qual.strip(), explicit=True)
        if context is not None:
            if context.department and q.dept is None:
                self._qualify(q, context.department, explicit=False, kind="department")
            if context.region and q.region is None:
                self._qualify(q, context.region, explicit=False, kind="region")
            q.near.extend(
                (float(lat), float(lon)) for lat, lon in (context.near or [])[:MAX_NEAR]
                if lat is not None and lon is not None
            )
        return q

    def _qualify(self, q: _Query, qual: str, *, explicit: bool, kind: str | None = None) -> None:
        """Read one qualifier ("Drôme", "26", "Auvergne-Rhône-Alpes", "Aix-en-Provence")."""
        key = fold(qual)
        if not key or key in {"france", "fr"}:
            return
        gaz = self.gazetteer
        if kind in (None, "department"):
            dept = gaz.department(qual)
            if dept is not None:
                q.dept = dept.department_code
                return
        if kind in (None, "region"):
            region = gaz.region_code(qual)
            if region is not None:
                q.region = region
                return
        if kind is None:
            # A commune as qualifier ("Luynes, Aix-en-Provence"): a point to be near.
            best = max(
                (i for i, m in gaz.lookup(qual) if gaz.records[i][KIND] == "commune"),
                key=lambda i: gaz.records[i][POP], default=None,
            )
            if best is not None:
                q.near.insert(0, (gaz.records[best][LAT], gaz.records[best][LON]))
                return
        q.notes.append(f"{'qualifier' if explicit else 'context'} {qual!r} not recognised")

    # ----------------------------------------------------------------- offline

    def _offline(self, q: _Query) -> Place:
        gaz = self.gazetteer
        hits = gaz.lookup(q.name)
        key = fold(q.name)
        if not hits:
            stripped = _FACILITY_WORDS.sub("", key).strip()
            if stripped != key and stripped:
                q.facility_cue = True
                hits = gaz.lookup(stripped)
        if not hits:
            stripped = _AREA_WORDS.sub("", _LEADING_ARTICLE.sub("", key)).strip()
            if stripped != key and stripped:
                q.area_cue = True
                hits = gaz.lookup(stripped)
        elif _LEADING_ARTICLE.match(key) and fold(q.name) not in gaz.keys:
            q.area_cue = True  # "the Drôme": lookup() stripped the article
        if not hits:
            return self._fallback(q, [], f"{q.name!r} is not in the offline gazetteer")

        scored = []
        rejected = []
        for idx, match in hits:
            rec = gaz.records[idx]
            if not self._fits(q, rec):
                rejected.append((idx, None))
                continue
            scored.append((self._score(q, idx, rec, match), idx))
        scored.sort(key=lambda t: (-t[0], t[1]))
        if not scored:
            where = self._where(q)
            return self._fallback(
                q, [i for i, _ in rejected], f"no place named {q.name!r} in {where}"
                f" in the offline gazetteer"
            )
        best = scored[0][1]
        rec = gaz.records[best]
        if q.facility_cue and rec[KIND] == "commune":
            prisons = gaz.prisons_of.get(best, ())
            if len(prisons) == 1:
                best = prisons[0]
        place = gaz.place(best, q.text)
        place.alternatives = [
            self._alternative(i, s) for s, i in scored[1:MAX_ALTERNATIVES + 1]
        ] + [self._alternative(i, None) for i, _ in rejected[: max(0, MAX_ALTERNATIVES
                                                                   - len(scored) + 1)]]
        return place

    def _fits(self, q: _Query, rec: tuple[Any, ...]) -> bool:
        """Whether a record satisfies the query's department/region constraints."""
        if q.dept is not None and (rec[DEPT] != q.dept or rec[KIND] == "region"):
            return False
        return not (q.region is not None and rec[REGION] != q.region)

    def _score(self, q: _Query, idx: int, rec: tuple[Any, ...], match: int) -> float:
        kind = rec[KIND]
        if kind == "commune":
            score = math.log10(rec[POP] + 10)
            if idx in self.gazetteer.prisons_of:
                score += _W_PRISON_THERE + (_W_CUE if q.facility_cue else 0.0)
        elif kind == "facility":
            score = _W_FACILITY + (_W_CUE if q.facility_cue else 0.0)
        elif kind == "department":
            score = _W_DEPARTMENT + (_W_CUE if q.area_cue else 0.0)
        elif kind == "region":
            score = _W_REGION + (_W_CUE if q.area_cue else 0.0)
        else:
            score = _W_COUNTRY
        if match == MATCH_ALIAS or (match == MATCH_FACILITY and kind != "facility"):
            score += _W_ALIAS
        elif match == MATCH_FORMER:
            score += _W_FORMER
        if q.near:
            lat, lon = rec[LAT], rec[LON]
            d = min(haversine_km(lat, lon, a, b) for a, b in q.near)
            score += _W_NEAR * max(0.0, math.log10(1000.0 / max(d, 1.0)))
        return score

    def _alternative(self, idx: int, score: float | None) -> dict[str, Any]:
        gaz = self.gazetteer
        rec = gaz.records[idx]
        dept = rec[DEPT]
        return {
            "name": rec[NAME],
            "lat": rec[LAT],
            "lon": rec[LON],
            "kind": rec[KIND],
            "department": (gaz.records[gaz.departments[dept]][NAME]
                           if dept in gaz.departments else None),
            "department_code": dept,
            "score": round(score, 3) if score is not None else None,
        }

    def _where(self, q: _Query) -> str:
        gaz = self.gazetteer
        if q.dept is not None:
            return f"{gaz.records[gaz.departments[q.dept]][NAME]} ({q.dept})"
        if q.region is not None:
            return gaz.records[gaz.regions[q.region]][NAME]
        return "France"

    def _fallback(self, q: _Query, rejected: list[int], reason: str) -> Place:
        """No place fits: the constraining department/region if any, else unresolved."""
        gaz = self.gazetteer
        notes = "; ".join([reason, *q.notes])
        alternatives = [self._alternative(i, None) for i in rejected[:MAX_ALTERNATIVES]]
        area = None
        if q.dept is not None:
            area = gaz.place(gaz.departments[q.dept], q.text)
        elif q.region is not None:
            area = gaz.place(gaz.regions[q.region], q.text)
        if area is None:
            return Place(query=q.text, reason=notes, alternatives=alternatives, country=None)
        area.reason = f"{notes}; placed at {area.kind} level"
        area.alternatives = alternatives
        return area

    # ------------------------------------------------------------------ online

    def _online(self, provider: Provider, q: _Query, offline: Place) -> Place | None:
        """Ask one provider (through the cache); None when it has nothing better."""
        gaz = self.gazetteer
        bounds = bounds_of(gaz)
        qkey = fold(q.name)
        ckey = f"dept={q.dept or ''}|region={q.region or ''}"
        cached = self.cache.get(qkey, ckey, provider.name)
        if cached is MISS:
            try:
                found = provider.search(q.name, area=bounds.area(q.dept, q.region))
                abroad = [p for p in found if not bounds.in_france(p.lat, p.lon)]
                if abroad:  # the service asked for France answered elsewhere: broken
                    raise ProviderResponseError(
                        f"{provider.name}: answer outside France ({abroad[0].name!r} at "
                        f"{abroad[0].lat:g}, {abroad[0].lon:g})")
            except GeocoderError as exc:
                self._failed[provider] = str(exc)
                log.warning("geocode %r: %s; using the offline answer (%s); %s is not asked "
                            "again in this run", q.text, exc, _describe(offline), provider.name)
                return None
            cached = [p.to_dict() for p in found] or None
            self.cache.put(qkey, ckey, provider.name, cached)
        if not cached:
            log.info("geocode %r: %s knows no such place", q.text, provider.name)
            return None
        scored = []
        for rank, data in enumerate(cached):
            try:
                place = Place.from_dict(data)
            except (TypeError, ValueError, AttributeError):
                continue  # a damaged cache row is no answer
            if not place.resolved or not self._online_fits(q, place):
                continue
            score = 4.0 - 0.5 * rank
            if q.near:
                d = min(haversine_km(place.lat, place.lon, a, b) for a, b in q.near)
                score += _W_NEAR * max(0.0, math.log10(1000.0 / max(d, 1.0)))
            scored.append((score, rank, place))
        if not scored:
            log.info("geocode %r: %s answers do not match the name or the area", q.text,
                     provider.name)
            return None
        scored.sort(key=lambda t: (-t[0], t[1]))
        _, _, best = scored[0]
        if offline.resolved and _rank(best.precision) >= _rank(offline.precision):
            return None  # no better than what we already have
        best.query = q.text
        best.provider = provider.name
        best.alternatives = [
            {"name": p.name, "lat": p.lat, "lon": p.lon, "kind": p.kind,
             "department": p.department, "department_code": p.department_code,
             "score": round(s, 3)}
            for s, _, p in scored[1:MAX_ALTERNATIVES + 1]
        ] + offline.alternatives[:MAX_ALTERNATIVES]
        if best.department_code and best.department_code in gaz.departments:
            dept_rec = gaz.records[gaz.departments[best.department_code]]
            best.department = dept_rec[NAME]
            region_idx = gaz.regions.get(dept_rec[REGION])
            best.region = gaz.records[region_idx][NAME] if region_idx is not None else best.region
        return best

    def _online_fits(self, q: _Query, place: Place) -> bool:
        """An online answer must lie in France, in the department it claims and in the
        required area, and actually bear the name."""
        bounds = bounds_of(self.gazetteer)
        lat, lon = place.lat, place.lon
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return False
        if not bounds.in_france(lat, lon):
            return False
        if place.department_code and not bounds.in_department(place.department_code, lat, lon):
            return False
        if q.dept is not None and place.department_code != q.dept:
            return False
        if q.region is not None and not bounds.in_region(q.region, lat, lon):
            return False
        if q.region is not None and place.department_code:
            gaz = self.gazetteer
            idx = gaz.departments.get(place.department_code)
            if idx is None or gaz.records[idx][REGION] != q.region:
                return False
        want, got = fold(q.name), fold(place.name or "")
        return bool(got) and (want in got or fuzz.token_set_ratio(want, got) >= 85)


_rank = precision_rank  # smaller is more precise (geo.model: the one order)


def _describe(place: Place) -> str:
    if not place.resolved:
        return "unresolved"
    return f"{place.name}, {place.precision}"
