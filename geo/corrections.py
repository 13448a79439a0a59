"""Analyst corrections: override a field, reject or verify an incident, by id.

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

ENTRY_KEYS = ("incident_id", "set", "status", "note", "author", "date")


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
        if not values and status is None:
            raise DataError(f"{label}: has neither 'set' nor 'status'; it would change nothing")
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
            Correction(incident_id.strip(), values, status, note, author, date, index)
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
