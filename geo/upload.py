"""An article added from the dashboard: checked, saved under the store's `uploads/`,
ingested, and described (incidents created, or merged into which).

Why here and not in dashboard.py: the rules (what is accepted, where it is kept,
that an identical file changes nothing, that a failed file is not kept, that only an
editor may add one) are the project's, tested without a browser; the page only shows
the outcome.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import auth, mapview
from geo.articles import SIDECAR_SUFFIX, UPLOAD_EXTENSIONS, max_article_bytes
from geo.errors import GeoError
from geo.export import safe_stem
from geo.i18n import Texts
from geo.store import Filters, Progress, Store


def problem(name: str, size: int, t: Texts | None = None) -> str | None:
    """Why an upload is refused, or None."""
    t = t or Texts("en")
    limit = max_article_bytes()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in UPLOAD_EXTENSIONS:
        return t("upload_not_article", name=name)
    if size > limit:
        return t("upload_too_large", name=name, size=t.size(size), limit=t.size(limit))
    if size == 0:
        return t("upload_empty", name=name)
    return None


def field_problem(url: str, published: str, t: Texts) -> str | None:
    """Why the form's URL or date is refused, or None."""
    if url and not mapview.safe_url(url):
        return t("upload_bad_url")
    if published:
        try:
            dt.date.fromisoformat(published)
        except ValueError:
            return t("upload_bad_date", value=published)
    return None


@dataclass
class Outcome:
    """What an upload did. `kind`: added, merged, none (no incident found), already
    (identical content in the store), skipped, failed."""

    kind: str
    created: list[str] = field(default_factory=list)
    merged_into: list[str] = field(default_factory=list)
    found: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    total: int = 0


def add(store: Store, identity: auth.Identity | None, name: str, data: bytes,
        meta: dict[str, str | None], progress: Callable[[Progress], None] | None = None,
        ) -> Outcome:
    """Save `data` as `uploads/NAME_HASH.EXT` beside the store with its sidecar, ingest
    it, and keep the files only when the ingest took them. Identical content already
    in the store changes nothing (its sidecar is not rewritten)."""
    auth.require_editor(identity, "upload")
    folder = store.path.parent / "uploads"
    digest = hashlib.sha256(data).hexdigest()[:12]
    ext = name.rsplit(".", 1)[-1].lower()
    stored = {Path(a["path"]).name for a in store.articles()}
    if any(n.endswith(f"_{digest}.{ext}") for n in stored):
        return Outcome("already", total=store.count())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_stem(name)}_{digest}.{ext}"
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    path.write_bytes(data)
    sidecar.write_text(json.dumps({k: v for k, v in meta.items() if v}, ensure_ascii=False),
                       "utf-8")
    try:
        report = store.ingest([path], progress=progress)
    except GeoError as exc:
        _remove(path, sidecar)
        return Outcome("failed", message=str(exc))
    out = Outcome("added", warnings=list(report.warnings), total=report.incidents)
    if report.failed:
        out.kind, out.message = "failed", report.failed[0][1]
    elif report.skipped:
        reason = report.skipped[0][1]
        out.kind, out.message = ("already", reason) if reason.startswith("same text") or \
            reason == "unchanged" else ("skipped", reason)
    if out.kind != "added":
        _remove(path, sidecar)
        return out
    article = next((a for a in store.articles() if Path(a["path"]).name == path.name), None)
    out.found = int(article["n_incidents"]) if article else 0
    if not out.found:
        out.kind = "none"
        return out
    mine = [i for i in store.query(Filters(include_rejected=True))
            if article and any(s.article_id == article["article_id"] for s in i.sources)]
    # Merged: the incident also has other articles' reports (its id may be either's).
    shared = {i.incident_id for i in mine if len({s.article_id for s in i.sources}) > 1}
    out.created = [i.incident_id for i in mine if i.incident_id not in shared]
    out.merged_into = [i.incident_id for i in mine if i.incident_id in shared]
    if not out.created:
        out.kind = "merged"
    return out


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def describe(out: Outcome, name: str, store: Store, t: Texts) -> tuple[str, str]:
    """(level, text) for the page: success, info, warning or error."""
    if out.kind == "failed":
        return "error", t("upload_failed", name=name, error=out.message)
    if out.kind == "already":
        return "info", t("upload_unchanged", name=name)
    if out.kind == "skipped":
        return "info", t("upload_skipped", name=name, reason=out.message)
    if out.kind == "none":
        return "warning", t("upload_added_none", name=name)
    into = ", ".join(_label(store.get(i), i) for i in out.merged_into)
    if out.kind == "merged":
        return "info", t("upload_merged_into", name=name, found=t.count(out.found),
                         into=into)
    text = t("upload_added", name=name, new=t.count(len(out.created)),
             total=t.count(out.total))
    if into:
        text += " " + t("upload_also_merged", into=into)
    return "success", text


def _label(inc: Any, fallback: str) -> str:
    """An incident as a reader recognises it: date, place (id)."""
    if inc is None:
        return fallback
    return f"{inc.event_date or '?'} {inc.place or ''} ({inc.incident_id})".strip()
