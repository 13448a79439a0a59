"""The audit log: who did what to which incident, when, the values before and after,
and why. A table of the store file (its own CREATE TABLE IF NOT EXISTS, so a store
written before it gets it on opening), kept apart from the incidents so that a rebuild
of the merged view never touches it."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

from geo.errors import StoreError
from geo.export import neutralise

TABLE = "review_log"
SCHEMA = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    reason TEXT)"""
COLUMNS = ("at", "who", "action", "incident_id", "reason", "before", "after")


def init_schema(conn: sqlite3.Connection) -> None:
    """Create the table when it is missing (the store calls this on opening). A
    read-only store without it is left alone: reading the log then finds nothing."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone():
        return
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute(SCHEMA)


def _connect(db: Path, *, read: bool = False) -> sqlite3.Connection:
    """A connection for a write, or for a read that also works on read-only media (the
    store's own rule: `mode=ro`, `immutable=1` where no -shm can be made)."""
    uri = None
    if read:
        from geo.store.sqlite import read_only_uri

        uri = read_only_uri(Path(db))
    conn = sqlite3.connect(uri or db, timeout=120, isolation_level=None, uri=uri is not None)
    conn.execute("PRAGMA busy_timeout = 120000")
    return conn


def record(db: Path, who: str, action: str, incident_id: str, before: Any, after: Any,
           reason: str | None, at: dt.datetime | None = None) -> None:
    """Append one entry; before/after are stored as JSON (records or lists of them)."""
    when = (at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    dump = lambda v: None if v is None else json.dumps(v, ensure_ascii=False,  # noqa: E731
                                                       sort_keys=True, default=str)
    try:
        conn = _connect(db)
        try:
            init_schema(conn)
            conn.execute(
                f"INSERT INTO {TABLE} (at, who, action, incident_id, before, after, reason) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?)",
                (when, who, action, incident_id, dump(before), dump(after), reason),
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{db.name}: cannot write the audit log: {exc}") from exc


def entries(db: Path, incident_id: str | None = None) -> list[dict[str, Any]]:
    """The log, newest first (one incident's when `incident_id` is given)."""
    try:
        conn = _connect(db, read=True)
        try:
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                (TABLE,)).fetchone():
                return []
            where, params = ("WHERE incident_id = ?", [incident_id]) if incident_id else ("", [])
            rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} {where} "
                                f"ORDER BY id DESC", params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{db.name}: cannot read the audit log: {exc}") from exc
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The log as spreadsheet-safe CSV (UTF-8 BOM, formula-like cells neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(str(row[c])) if row[c] is not None else ""
                         for c in COLUMNS])
    return "\ufeff" + out.getvalue()
