"""The data model shared by every stage: places, sources, evidence and incidents.

One module so that extraction, the store, the exports and the dashboard agree on
field names and vocabularies. The written definitions here are the project's
taxonomy; `docs/data-model.md` repeats them for readers of the CSV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# --- Vocabularies -----------------------------------------------------------

@dataclass(frozen=True)
class IncidentType:
    """One incident type: everything the stages and views say about it, in one record.

    `severity` orders `primary_type` (0 = most severe); `group` separates events
    (protests are not the attacks they answer); `color` and `glyph` (the body of a
    white-line SVG in a 20x20 box) are its map style; its label is the catalogue
    key `type.<key>` in geo/i18n/en.py and fr.py."""

    key: str
    definition: str
    severity: int
    group: str
    color: str
    glyph: str

    @property
    def label_key(self) -> str:
        return f"type.{self.key}"


#: The incident types (ACLED/GTD-inspired, prison-specific), in listing order.
INCIDENT_TYPE_RECORDS: tuple[IncidentType, ...] = (
    IncidentType("gunfire", "Shots fired at a prison, its staff, their homes or vehicles.",
                 1, "attack", "#c62828",
                 '<circle cx="10" cy="10" r="5"/><path d="M10 1v5M10 14v5M1 10h5M14 10h5"/>'),
    IncidentType("arson",
                 "Fire set or attempted, including incendiary devices and vehicles set ablaze.",
                 2, "attack", "#ef6c00",
                 '<path d="M10 2c3 4 5 6 5 10a5 5 0 0 1-10 0c0-3 2-4 3-7 1 2 2 3 2 3z"/>'),
    IncidentType("ambush", "An armed attack on a prisoner transfer or convoy.",
                 0, "attack", "#7b1fa2", '<path d="M11 2 5 11h5l-1 7 6-9h-5z"/>'),
    IncidentType("escape", "An inmate escapes or is freed from custody.",
                 5, "attack", "#00838f", '<path d="M9 3H4v14h5M8 10h9M14 7l3 3-3 3"/>'),
    IncidentType("vandalism", "Graffiti, tags or damage to property without fire or gunfire.",
                 7, "attack", "#5d4037", '<path d="M3 14l3.5-8 3.5 8 3.5-8 3.5 8"/>'),
    IncidentType("assault", "Physical violence against a person (staff, inmate, relative).",
                 3, "attack", "#ad1457",
                 '<path d="M10 2l2 5 5 .5-4 3.5 1.5 5-4.5-3-4.5 3 1.5-5-4-3.5 5-.5z"/>'),
    IncidentType("attack", "An attack whose form the text does not give.",
                 6, "attack", "#d81b60",
                 '<path d="M10 3v9"/><circle cx="10" cy="16" r="1" fill="currentColor"/>'),
    IncidentType("protest", "Staff or inmate protest, blockade or strike.",
                 8, "protest", "#1565c0", '<path d="M5 18V3M5 4h10l-3 3 3 3H5"/>'),
    IncidentType("riot", "Collective violence or mutiny by inmates inside a facility.",
                 4, "attack", "#4e342e", '<path d="M4 4l12 12M16 4 4 16"/>'),
    IncidentType("other", "A prison-related incident that fits none of the types above.",
                 9, "attack", "#546e7a", '<circle cx="10" cy="10" r="3" fill="currentColor"/>'),
)
#: Type key -> its record.
TYPE_RECORDS: dict[str, IncidentType] = {t.key: t for t in INCIDENT_TYPE_RECORDS}
#: Incident types and their definitions (the taxonomy), derived from the records.
INCIDENT_TYPES: dict[str, str] = {t.key: t.definition for t in INCIDENT_TYPE_RECORDS}
#: Order used to pick `primary_type` when several types apply: most severe first.
TYPE_SEVERITY: tuple[str, ...] = tuple(
    t.key for t in sorted(INCIDENT_TYPE_RECORDS, key=lambda t: t.severity))

TARGETS: dict[str, str] = {
    "prison": "A prison establishment: walls, gate, car park, buildings.",
    "staff_vehicle": "A vehicle belonging to prison staff.",
    "staff_home": "The home or residential building of prison staff.",
    "convoy": "A prisoner transfer, escort or convoy.",
    "training_school": "A prison-staff training school (ENAP).",
    "other": "Any other target.",
}

#: From most to least precise. `approximate` is a point derived from a relative
#: clue ("85 miles northwest of Paris"), drawn with its uncertainty radius.
GEO_PRECISIONS: tuple[str, ...] = (
    "facility", "commune", "approximate", "department", "region", "country",
)
#: Rank of each precision, 0 the most precise: the one order every comparison uses.
PRECISION_RANK: dict[str, int] = {p: n for n, p in enumerate(GEO_PRECISIONS)}


def precision_rank(precision: str | None) -> int:
    """Smaller is more precise; an unknown precision ranks after every known one."""
    return PRECISION_RANK.get(precision or "", len(GEO_PRECISIONS))


#: Precisions that may be pinned on a map as a point.
PINNABLE_PRECISIONS: frozenset[str] = frozenset({"facility", "commune", "approximate"})

DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year", "unknown")

STATUSES: tuple[str, ...] = ("auto", "verified", "rejected")

PLACE_KINDS: tuple[str, ...] = (
    "facility", "commune", "department", "region", "country", "landmark",
)


#: Event groups, from the records: protests are separate events from the attacks
#: they answer.
INCIDENT_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(t.group for t in INCIDENT_TYPE_RECORDS))


def group_of(incident_type: str) -> str:
    """The group of a type (its record's); an unknown type is an attack."""
    record = TYPE_RECORDS.get(incident_type)
    return record.group if record is not None else "attack"


def specific_types(types: Iterable[str]) -> list[str]:
    """Distinct types by severity, without `attack` when a more specific type is there
    ("an attack ... shots were fired" is gunfire)."""
    kept = sorted(set(types), key=TYPE_SEVERITY.index)
    if len(kept) > 1 and "attack" in kept:
        kept.remove("attack")
    return kept


def primary_type(types: list[str]) -> str:
    """The most severe type of a list, `other` for an empty one."""
    for t in TYPE_SEVERITY:
        if t in types:
            return t
    return "other"


# --- Records ---------------------------------------------------------------


@dataclass
class Place:
    """A resolved (or unresolved) place name.

    `lat`/`lon` are None when the name did not resolve; `reason` then says why.
    `department` and `region` are names ("Drôme"), `department_code` the INSEE
    department code ("26", "2A", "971"). `former_name` is set when the name was
    that of a former commune ("Chauconin"): `name` and `insee` are then those of
    the commune it now belongs to.
    """

    query: str
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    kind: str | None = None
    precision: str | None = None
    provider: str | None = None
    insee: str | None = None
    department: str | None = None
    department_code: str | None = None
    region: str | None = None
    country: str | None = "FR"
    prison_id: str | None = None
    radius_km: float | None = None
    former_name: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        return self.lat is not None and self.lon is not None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Source:
    """Where an article came from: its sidecar metadata, or the file name."""

    source: str
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    author: str | None = None
    language: str | None = None
    article: str | None = None  # file stem
    article_id: str | None = None  # content hash

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        published = data.get("published")
        if isinstance(published, str) and published:
            published = dt.date.fromisoformat(published[:10])
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["published"] = published or None
        return cls(**values)


@dataclass(frozen=True)
class Evidence:
    """A quoted sentence supporting one field of an incident."""

    field: str
    quote: str
    article_id: str | None = None
    start: int | None = None  # character offsets in the article's clean text
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Incident:
    """One event at one place, possibly reported by several sources."""

    incident_id: str
    event_date: dt.date | None = None
    date_precision: str = "unknown"
    first_reported: dt.date | None = None
    types: list[str] = field(default_factory=list)
    primary_type: str = "other"
    place: str | None = None
    commune: str | None = None
    insee: str | None = None
    department: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    geo_precision: str = "country"
    radius_km: float | None = None
    prison_id: str | None = None
    target: str | None = None
    killed: int | None = None
    injured: int | None = None
    sources: list[Source] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 0.5
    status: str = "auto"
    article: str | None = None  # stem of the first article (for `extract --json`)

    @property
    def n_sources(self) -> int:
        return len(self.sources)

    @property
    def pinnable(self) -> bool:
        return (
            self.lat is not None
            and self.lon is not None
            and self.geo_precision in PINNABLE_PRECISIONS
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, nested records as dicts."""
        d = dataclasses.asdict(self)
        for key in ("event_date", "first_reported"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        d["sources"] = [s.to_dict() for s in self.sources]
        d["evidence"] = [e.to_dict() for e in self.evidence]
        d["n_sources"] = self.n_sources
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Incident:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("event_date", "first_reported"):
            if isinstance(values.get(key), str):
                values[key] = dt.date.fromisoformat(values[key][:10])
        values["sources"] = [
            s if isinstance(s, Source) else Source.from_dict(s)
            for s in values.get("sources") or []
        ]
        values["evidence"] = [
            e if isinstance(e, Evidence) else Evidence(**e)
            for e in values.get("evidence") or []
        ]
        return cls(**values)
