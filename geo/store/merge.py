"""The cross-article merge rules: which article-level incidents report one event, and
the one incident they become.

Pure functions over `Incident` values (no database): every backend rebuilds its
merged view with them, and they are tested without SQLite.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from geo.distance import haversine_km
from geo.model import TYPE_SEVERITY, Incident, Source, precision_rank, primary_type
from geo.store.records import _fold

#: Part of the rebuild key: bump it when the merge rules change, so the next
#: ingest rebuilds the merged view even if no article changed.
MERGE_VERSION = 2  # 2: formula cells behind invisible characters neutralised
#: Reports of the same place at most this many days apart are one event.
MERGE_DAYS = 1
#: Two approximate points closer than this are the same place.
MERGE_KM = 5.0
#: Types that say nothing about the form of the attack: compatible with any.
GENERIC_TYPES = frozenset({"attack", "other"})


def _km(a: Incident, b: Incident) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def same_place(a: Incident, b: Incident) -> bool:
    """Same facility, else same commune (INSEE code, else name and department), else
    two approximate points within MERGE_KM."""
    if a.prison_id and b.prison_id:
        return a.prison_id == b.prison_id
    if a.insee and b.insee:
        return a.insee == b.insee
    if a.commune and b.commune and _fold(a.commune) == _fold(b.commune):
        return not (a.department and b.department) or _fold(a.department) == _fold(b.department)
    if (a.geo_precision == b.geo_precision == "approximate"
            and None not in (a.lat, a.lon, b.lat, b.lon)):
        return _km(a, b) <= MERGE_KM
    return False


def compatible_types(a: Iterable[str], b: Iterable[str]) -> bool:
    """Share a type, or one side is only generic (attack/other) or untyped."""
    sa, sb = set(a), set(b)
    return bool(sa & sb) or sa <= GENERIC_TYPES or sb <= GENERIC_TYPES


def _mergeable(inc: Incident) -> bool:
    # Only day-precise dates can be "within a day"; an undated report is never
    # merged with another article's, since nothing says it is the same event.
    return inc.event_date is not None and inc.date_precision == "day"


class _Cluster:
    def __init__(self, article_id: str, inc: Incident) -> None:
        self.members = [(article_id, inc)]
        self.articles = {article_id}
        self.types = set(inc.types)
        self.first_date = inc.event_date

    def accepts(self, article_id: str, inc: Incident) -> bool:
        if article_id in self.articles:  # one article's incidents are distinct events
            return False
        if (inc.event_date - self.first_date).days > MERGE_DAYS:
            return False
        if not compatible_types(self.types, inc.types):
            return False
        if inc.prison_id and any(
            m.prison_id and m.prison_id != inc.prison_id for _, m in self.members
        ):
            return False
        return any(same_place(m, inc) for _, m in self.members)

    def add(self, article_id: str, inc: Incident) -> None:
        self.members.append((article_id, inc))
        self.articles.add(article_id)
        self.types |= set(inc.types)


def merge_incidents(
    members: Sequence[tuple[str, Incident]],
) -> list[tuple[Incident, list[tuple[str, str]]]]:
    """Group article-level incidents reporting the same event; one Incident per group.

    Same event = different articles, same place (`same_place`), compatible types,
    day-precise event dates at most MERGE_DAYS apart (all pairwise). Members are
    visited in (date, id) order, so the result does not depend on ingest order.
    Returns each merged incident with its (article_id, member incident_id) keys.
    """
    dated = sorted(
        (m for m in members if _mergeable(m[1])),
        key=lambda m: (m[1].event_date, m[1].incident_id, m[0]),
    )
    clusters: list[_Cluster] = []
    active: list[_Cluster] = []
    for article_id, inc in dated:
        active = [c for c in active if (inc.event_date - c.first_date).days <= MERGE_DAYS]
        for cluster in active:
            if cluster.accepts(article_id, inc):
                cluster.add(article_id, inc)
                break
        else:
            cluster = _Cluster(article_id, inc)
            clusters.append(cluster)
            active.append(cluster)
    clusters += [_Cluster(a, inc) for a, inc in members if not _mergeable(inc)]
    out = [(_combine(c.members), sorted((a, m.incident_id) for a, m in c.members))
           for c in clusters]
    out.sort(key=lambda pair: pair[0].incident_id)
    return out


def _reported(inc: Incident) -> dt.date:
    dates = [s.published for s in inc.sources if s.published]
    return min(dates) if dates else dt.date.max


def _combine(members: list[tuple[str, Incident]]) -> Incident:
    """One incident from the reports of one event (see docs in `merge_incidents`)."""
    ordered = [m for _, m in sorted(members, key=lambda m: (_reported(m[1]),
                                                            m[1].incident_id, m[0]))]
    first = ordered[0]
    where = min(ordered, key=lambda m: precision_rank(m.geo_precision))

    sources: dict[str, Source] = {}  # one per article: n_sources counts articles
    for article_id, inc in members:
        for s in inc.sources:
            sources.setdefault(s.article_id or article_id, s)
    source_list = sorted(
        sources.values(),
        key=lambda s: (s.published or dt.date.max, s.source, s.article or "", s.url or ""),
    )
    rank = {s.article_id: n for n, s in enumerate(source_list)}
    evidence = []
    for inc in sorted(ordered, key=lambda m: (rank.get(m.sources[0].article_id, 0)
                                              if m.sources else 0, m.incident_id)):
        for e in inc.evidence:
            if e not in evidence:
                evidence.append(e)

    specific = {t for m in ordered for t in m.types} - GENERIC_TYPES
    all_types = {t for m in ordered for t in m.types}
    kept = specific or all_types
    types = [t for t in TYPE_SEVERITY if t in kept] + sorted(kept - set(TYPE_SEVERITY))

    days = Counter(m.event_date for m in ordered)
    event_date = min(days, key=lambda d: (-days[d], d or dt.date.max))
    published = [s.published for s in source_list if s.published]

    def most(attr: str) -> int | None:
        values = [getattr(m, attr) for m in ordered if getattr(m, attr) is not None]
        return max(values) if values else None

    if len(ordered) == 1:
        return dataclasses.replace(first, sources=source_list, evidence=evidence)
    return dataclasses.replace(
        first,
        event_date=event_date,
        date_precision=first.date_precision,
        first_reported=min(published) if published else first.first_reported,
        types=types,
        primary_type=primary_type(types),
        place=where.place, commune=where.commune, insee=where.insee,
        department=where.department, region=where.region, lat=where.lat, lon=where.lon,
        geo_precision=where.geo_precision, radius_km=where.radius_km,
        prison_id=where.prison_id or next((m.prison_id for m in ordered if m.prison_id), None),
        target=where.target or next((m.target for m in ordered if m.target), None),
        killed=most("killed"),
        injured=most("injured"),
        sources=source_list,
        evidence=evidence,
        confidence=max(m.confidence for m in ordered),
        status="auto",
        article=first.article,
    )
