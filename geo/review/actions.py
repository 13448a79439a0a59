"""What an editor does to an incident: verify, reject (with a reason), restore, edit
fields, merge two into one, split one back into its articles' incidents.

Why one place for the dashboard and the CLI: each action checks the role
(`geo.auth.require_editor`), is written to the corrections file (so `geo ingest
--force` or a new machine re-applies it), re-applies the file to the store, and is
recorded in the audit log with the values before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import auth, config
from geo.corrections import EDITABLE_FIELDS, append_correction
from geo.errors import GeoError
from geo.model import Incident
from geo.review import log
from geo.store import Filters, Store

VERIFY, REJECT, RESTORE, EDIT, MERGE, SPLIT = (
    "verify", "reject", "restore", "edit", "merge", "split")
ACTIONS = (VERIFY, REJECT, RESTORE, EDIT, MERGE, SPLIT)
#: Fields of a place: changed together when an editor picks a prison or a commune.
PLACE_FIELDS = ("place", "commune", "insee", "department", "region", "lat", "lon",
                "geo_precision", "radius_km", "prison_id")


@dataclass
class Outcome:
    """What an action left: the incident(s) it produced and the ingest's warnings."""

    incident_ids: list[str]
    warnings: list[str] = field(default_factory=list)


def queue(store: Store, *, include_reviewed: bool = True) -> list[Incident]:
    """Incidents to check: not yet reviewed first, then least confident, newest first."""
    incidents = store.query(Filters(include_rejected=True))
    if not include_reviewed:
        incidents = [i for i in incidents if i.status == "auto"]
    return sorted(incidents, key=lambda i: (
        i.status != "auto", i.confidence, -(i.event_date or dt.date.min).toordinal(),
        i.incident_id))


def place_from_prison(prison: Any) -> dict[str, Any]:
    """The place fields of an incident at `prison` (a `geo.prisons.Prison`)."""
    return {"place": prison.name, "commune": prison.commune, "insee": prison.insee or None,
            "department": prison.department, "region": prison.region, "lat": prison.lat,
            "lon": prison.lon, "geo_precision": prison.location_precision,
            "radius_km": None, "prison_id": prison.id}


class Reviewer:
    """One editor's actions on one store (and its corrections file)."""

    def __init__(self, store: Store, identity: auth.Identity | None,
                 corrections_path: str | Path | None = None) -> None:
        self.store = store
        self.identity = identity
        self.path = Path(corrections_path) if corrections_path else config.corrections_path()

    def _incident(self, incident_id: str) -> Incident:
        found = self.store.get(incident_id)
        if found is None:
            raise GeoError(f"no incident {incident_id!r} in the store")
        return found

    def _save(self, action: str, incident_id: str, entry: dict[str, Any], before: Any,
              reason: str | None, parts_of: Incident | None = None) -> Outcome:
        who = auth.require_editor(self.identity, action)
        entry = {"incident_id": incident_id, **entry, "author": who,
                 "date": dt.date.today().isoformat()}
        if reason:
            entry["note"] = reason
        ids_before = self._ids() if parts_of is not None else set()
        append_correction(entry, self.path)
        warnings = self.store.apply_corrections(self.path)
        if parts_of is not None:  # the incidents the split made, and the one it left
            results = [i for i in self.store.query(Filters(include_rejected=True))
                       if i.incident_id not in ids_before
                       or i.incident_id == parts_of.incident_id]
        else:  # an article-level id finds the incident it is now part of
            results = [r] if (r := self.store.get(incident_id)) else []
        after = [r.to_dict() for r in results]
        log.record(self.store.path, who, action, incident_id, before,
                   after[0] if len(after) == 1 else after, reason)
        return Outcome([r.incident_id for r in results], warnings)

    def _ids(self) -> set[str]:
        return {i.incident_id for i in self.store.query(Filters(include_rejected=True))}

    def verify(self, incident_id: str, reason: str | None = None) -> Outcome:
        auth.require_editor(self.identity, VERIFY)
        inc = self._incident(incident_id)
        return self._save(VERIFY, inc.incident_id, {"status": "verified"}, inc.to_dict(),
                          reason)

    def reject(self, incident_id: str, reason: str) -> Outcome:
        auth.require_editor(self.identity, REJECT)
        if not (reason or "").strip():
            raise GeoError("reject: give the reason (it is kept in the audit log)")
        inc = self._incident(incident_id)
        return self._save(REJECT, inc.incident_id, {"status": "rejected"}, inc.to_dict(),
                          reason.strip())

    def restore(self, incident_id: str, reason: str | None = None) -> Outcome:
        """Back to unreviewed (a rejection undone: on the map again)."""
        auth.require_editor(self.identity, RESTORE)
        inc = self._incident(incident_id)
        return self._save(RESTORE, inc.incident_id, {"status": "auto"}, inc.to_dict(), reason)

    def edit(self, incident_id: str, changes: dict[str, Any],
             reason: str | None = None) -> Outcome:
        """Override fields (`geo.corrections.EDITABLE_FIELDS`, values as in the JSON file);
        fields whose value does not change are left out."""
        auth.require_editor(self.identity, EDIT)
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise GeoError(f"edit: field(s) {', '.join(unknown)} cannot be edited; "
                           f"editable: {', '.join(EDITABLE_FIELDS)}")
        inc = self._incident(incident_id)
        now = inc.to_dict()
        changed = {k: v for k, v in changes.items() if now.get(k) != v}
        if not changed:
            raise GeoError(f"edit: nothing changes on {inc.incident_id}")
        return self._save(EDIT, inc.incident_id, {"set": changed}, now, reason)

    def merge(self, incident_id: str, others: list[str], reason: str | None = None) -> Outcome:
        """`incident_id` and `others` are one event: one incident with all their sources."""
        auth.require_editor(self.identity, MERGE)
        incs = [self._incident(i) for i in (incident_id, *others)]
        ids = list(dict.fromkeys(i.incident_id for i in incs))
        if len(ids) < 2:
            raise GeoError("merge: give two different incidents")
        return self._save(MERGE, ids[0], {"merge": ids[1:]}, [i.to_dict() for i in incs],
                          reason)

    def split(self, incident_id: str, reason: str | None = None) -> Outcome:
        """Back into one incident per reporting article."""
        auth.require_editor(self.identity, SPLIT)
        inc = self._incident(incident_id)
        if len({s.article_id for s in inc.sources}) < 2:
            raise GeoError(f"split: {inc.incident_id} comes from one article only")
        return self._save(SPLIT, inc.incident_id, {"split": True}, inc.to_dict(), reason,
                          parts_of=inc)
