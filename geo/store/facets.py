"""The filter facets (distinct values and counts), computed from any backend's reads and
cached per data version."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geo.model import TYPE_SEVERITY
from geo.store.filters import _as_date


@dataclass
class Facets:
    """What the filters can offer, over the non-rejected incidents."""

    total: int = 0
    rejected: int = 0
    undated: int = 0
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    types: dict[str, int] = field(default_factory=dict)  # type -> incidents, by severity
    sources: dict[str, int] = field(default_factory=dict)  # source name -> incidents
    departments: dict[str, int] = field(default_factory=dict)
    prisons: dict[str, str] = field(default_factory=dict)  # prison_id -> name, by name
    prison_counts: dict[str, int] = field(default_factory=dict)


#: Facets by store path, with the (uuid, version) token they were computed for.
FACETS_CACHE: dict[str, tuple[tuple[str, str], Facets]] = {}
FACETS_LOCK = threading.Lock()


def stored_facets(text: str | None, token: tuple[str, str]) -> Facets | None:
    """The facets stored (JSON `text`) for this data version, None if stale or missing."""
    try:
        stored = json.loads(text or "{}")
    except ValueError:
        return None
    if stored.get("version") != ":".join(token):
        return None
    data = stored["facets"]
    return Facets(**{**data, "date_min": _as_date(data["date_min"]),
                     "date_max": _as_date(data["date_max"])})


def compute_facets(read: Callable[[str], Sequence[tuple[Any, ...]]]) -> Facets:
    """The facets from SQL over the merged view (`read(sql)` returns rows)."""
    live = "i.status != 'rejected'"
    total, undated, dmin, dmax = read(
        f"SELECT count(*), count(*) - count(i.event_date), min(i.event_date), "
        f"max(i.event_date) FROM incidents i WHERE {live}"
    )[0]
    rejected = read("SELECT count(*) FROM incidents WHERE status = 'rejected'")[0][0]
    types = dict(read(
        f"SELECT t.type, count(*) FROM incident_types t JOIN incidents i USING (rid) "
        f"WHERE {live} GROUP BY t.type"
    ))
    severity = {t: n for n, t in enumerate(TYPE_SEVERITY)}
    sources = read(
        f"SELECT s.source, count(DISTINCT s.rid) FROM incident_sources s "
        f"JOIN incidents i USING (rid) WHERE {live} GROUP BY s.source ORDER BY s.source"
    )
    departments = read(
        f"SELECT i.department, count(*) FROM incidents i WHERE {live} "
        f"AND i.department IS NOT NULL GROUP BY i.department ORDER BY i.department"
    )
    names: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    for prison_id, place, n in read(
        f"SELECT i.prison_id, i.place, count(*) FROM incidents i WHERE {live} "
        f"AND i.prison_id IS NOT NULL GROUP BY i.prison_id, i.place"
    ):
        counts[prison_id] += n
        if place:
            names.setdefault(prison_id, Counter())[place] += n
    prisons = {
        pid: (max(names[pid].items(), key=lambda kv: (kv[1], kv[0]))[0]
              if pid in names else pid)
        for pid in counts
    }
    return Facets(
        total=total, rejected=rejected, undated=undated,
        date_min=_as_date(dmin), date_max=_as_date(dmax),
        types=dict(sorted(types.items(), key=lambda kv: (severity.get(kv[0], 99), kv[0]))),
        sources=dict(sources), departments=dict(departments),
        prisons=dict(sorted(prisons.items(), key=lambda kv: (kv[1], kv[0]))),
        prison_counts=dict(sorted(counts.items())),
    )
