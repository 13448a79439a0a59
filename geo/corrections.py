"""Analyst corrections: override a field, reject or verify, merge or split incidents.

They live in a versioned JSON file (`data/corrections.json`, or GEO_CORRECTIONS)
rather than in the store, so that they survive a rebuilt store, are reviewed like
code, and are re-applied after every ingest's merge. The format is documented in
docs/corrections.md. Validation is strict (unknown keys, wrong types, unknown
vocabulary) because a silently ignored typo would look like an applied fix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import config
from geo.errors import DataError
from geo.model import (
    DATE_PRECISIONS,
    GEO_PRECISIONS,
    INCIDENT_TYPES,
    STATUSES,
    TARGETS,
    Incident,
    primary_type,
)

ENTRY_KEYS = ("incident_id", "set", "status", "merge", "split", "note", "author", "date")


@dataclass(frozen=True)
class Correction:
    """One validated entry of the corrections file."""

    incident_id: str
    set: dict[str, Any] = field(default_factory=dict)  # values already converted
    status: str | None = None
    note: str | None = None
    author: str | None = None
    date: dt.date | None = None
    index: int = 0  # position in the file, for messages
    merge: tuple[str, ...] = ()  # other incidents that are the same event as this one
    split: bool = False  # back into one incident per reporting article


# --- field validators: JSON value -> model value, ValueError with the reason ---------------


def _opt_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string or null")
    return value.strip()


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be an ISO date string (YYYY-MM-DD) or null")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _choice(options: tuple[str, ...] | dict[str, str], nullable: bool = False) -> Callable:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}" + (" or null" if nullable
                                                                       else ""))
        return value

    return check


def _number(low: float | None, high: float | None) -> Callable:
    def check(value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value
        ):
            raise ValueError("must be a number or null")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"must be between {low} and {high}")
        return float(value)

    return check


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a non-negative integer or null")
    return value


def _types(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of incident types")
    unknown = [t for t in value if t not in INCIDENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown type(s) {', '.join(map(repr, unknown))}; known: {', '.join(INCIDENT_TYPES)}"
        )
    return list(dict.fromkeys(value))


def _confidence(value: Any) -> float:
    if value is None:
        raise ValueError("must be a number between 0 and 1")
    return _number(0, 1)(value)


#: Fields an analyst may override, and how each value is checked.
EDITABLE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "event_date": _date,
    "date_precision": _choice(DATE_PRECISIONS),
    "first_reported": _date,
    "types": _types,
    "primary_type": _choice(INCIDENT_TYPES),
    "place": _opt_text,
    "commune": _opt_text,
    "insee": _opt_text,
    "department": _opt_text,
    "region": _opt_text,
    "lat": _number(-90, 90),
    "lon": _number(-180, 180),
    "geo_precision": _choice(GEO_PRECISIONS),
    "radius_km": _number(0, None),
    "prison_id": _opt_text,
    "target": _choice(TARGETS, nullable=True),
    "killed": _count,
    "injured": _count,
    "confidence": _confidence,
}


# --- loading ------------------------------------------------------------------------------


def parse_corrections(data: Any, where: str | Path = "corrections") -> list[Correction]:
    """Validate decoded JSON; DataError naming the file, the entry and the field."""
    if not isinstance(data, list):
        raise DataError(f"{where}: must be a JSON list of corrections, not {type(data).__name__}")
    out: list[Correction] = []
    for index, entry in enumerate(data):
        label = f"{where}: entry {index}"
        if not isinstance(entry, dict):
            raise DataError(f"{label}: must be an object, not {type(entry).__name__}")
        incident_id = entry.get("incident_id")
        if not isinstance(incident_id, str) or not incident_id.strip():
            raise DataError(f"{label}: 'incident_id' must be a non-empty string")
        label = f"{label} (incident {incident_id})"
        unknown = sorted(set(entry) - set(ENTRY_KEYS))
        if unknown:
            raise DataError(
                f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(ENTRY_KEYS)}"
            )
        changes = entry.get("set", {})
        if not isinstance(changes, dict):
            raise DataError(f"{label}: 'set' must be an object of field: value")
        values: dict[str, Any] = {}
        for name, raw in changes.items():
            check = EDITABLE_FIELDS.get(name)
            if check is None:
                raise DataError(
                    f"{label}: field {name!r} cannot be corrected; "
                    f"editable: {', '.join(EDITABLE_FIELDS)}"
                )
            try:
                values[name] = check(raw)
            except ValueError as exc:
                raise DataError(f"{label}: field {name!r} {exc}") from None
        status = entry.get("status")
        if status is not None and status not in STATUSES:
            raise DataError(f"{label}: 'status' must be one of {', '.join(STATUSES)}")
        merge = entry.get("merge", [])
        if not isinstance(merge, list) or not all(isinstance(m, str) and m.strip()
                                                  for m in merge):
            raise DataError(f"{label}: 'merge' must be a list of incident ids")
        split = entry.get("split", False)
        if not isinstance(split, bool):
            raise DataError(f"{label}: 'split' must be true or false")
        if not values and status is None and not merge and not split:
            raise DataError(f"{label}: has neither 'set' nor 'status' (nor 'merge', "
                            f"'split'); it would change nothing")
        try:
            note = _opt_text(entry.get("note"))
            author = _opt_text(entry.get("author"))
        except ValueError as exc:
            raise DataError(f"{label}: 'note' and 'author' {exc}") from None
        try:
            date = _date(entry.get("date"))
        except ValueError as exc:
            raise DataError(f"{label}: 'date' {exc}") from None
        out.append(
            Correction(incident_id.strip(), values, status, note, author, date, index,
                       tuple(m.strip() for m in merge), split)
        )
    return out


def load_corrections(path: str | Path | None = None) -> list[Correction]:
    """The corrections file's entries; no file means no corrections."""
    path = Path(path) if path is not None else config.corrections_path()
    if not path.exists():
        return []
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise DataError(f"{path}: JSON nested too deeply") from None
    return parse_corrections(data, path)


def fingerprint(corrections: list[Correction]) -> str:
    """A hash of what the corrections change (not of notes), to detect edits."""
    payload = [
        [c.incident_id, sorted((k, _jsonable(v)) for k, v in c.set.items()), c.status]
        + ([list(c.merge), c.split] if c.merge or c.split else [])
        for c in corrections
    ]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def apply_correction(incident: Incident, correction: Correction) -> Incident:
    """A corrected copy; `types` without `primary_type` recomputes the primary type."""
    changes = dict(correction.set)
    if "types" in changes and "primary_type" not in changes:
        changes["primary_type"] = primary_type(changes["types"])
    if correction.status is not None:
        changes["status"] = correction.status
    return dataclasses.replace(incident, **changes)


# --- merge and split: applied to the automatic merge's groups, before field changes -----

Member = tuple[str, Incident]  # (article_id, article-level incident)


def regroup(
    members: list[Member],
    merged: list[tuple[Incident, list[tuple[str, str]]]],
    corrections: list[Correction],
    combine: Callable[[list[Member]], Incident],
) -> tuple[list[tuple[Incident, list[tuple[str, str]]]], list[str]]:
    """The automatic groups (`merged`, from the store's merge rules) with the file's
    `merge` and `split` entries applied in order; returns them and warnings. `combine`
    is the store's rule that makes one incident of a group, so a merged or split group
    reads exactly as an automatic one would."""
    todo = [c for c in corrections if c.merge or c.split]
    if not todo:
        return merged, []
    by_key = {(a, inc.incident_id): inc for a, inc in members}
    groups = [[(a, by_key[(a, m)]) for a, m in keys] for _, keys in merged]
    made = [inc for inc, _ in merged]
    warnings: list[str] = []

    def find(incident_id: str) -> int | None:
        for i, inc in enumerate(made):
            if inc.incident_id == incident_id:
                return i
        for i, group in enumerate(groups):
            if any(m.incident_id == incident_id for _, m in group):
                return i
        return None

    for corr in todo:
        if corr.split:
            i = find(corr.incident_id)
            if i is None or len(groups[i]) < 2:
                warnings.append(f"correction {corr.index} ({corr.incident_id}): nothing to "
                                f"split" + ("" if i is not None else " (no such incident)"))
            else:
                parts = groups.pop(i)
                made.pop(i)
                groups += [[m] for m in parts]
                made += [combine([m]) for m in parts]
        if corr.merge:
            found = [find(x) for x in (corr.incident_id, *corr.merge)]
            if None in found:
                warnings.append(f"correction {corr.index} ({corr.incident_id}): cannot merge, "
                                f"an incident is not in the store (or not from articles)")
                continue
            picked = sorted({i for i in found if i is not None}, reverse=True)
            if len(picked) < 2:
                continue  # already one incident
            group = [m for i in picked for m in groups[i]]
            for i in picked:
                groups.pop(i)
                made.pop(i)
            groups.append(group)
            made.append(combine(group))
    out = [(inc, sorted((a, m.incident_id) for a, m in group))
           for inc, group in zip(made, groups, strict=True)]
    out.sort(key=lambda pair: pair[0].incident_id)
    return out, warnings


# --- writing: every review decision becomes an entry of the file -------------------------


def append_correction(entry: dict[str, Any], path: str | Path | None = None) -> Correction:
    """Validate `entry`, add it at the end of the corrections file (atomically, under a
    lock: two editors saving at once both land) and return it parsed."""
    import fcntl
    import os

    path = Path(path) if path is not None else config.corrections_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = load_corrections(path)  # a broken file is an error, not overwritten
        parsed = parse_corrections([entry], path)[0]
        raw = json.loads(path.read_text("utf-8-sig") or "[]") if existing else []
        raw.append(entry)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.replace(tmp, path)
    return dataclasses.replace(parsed, index=len(raw) - 1)
