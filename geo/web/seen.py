"""Feed items already taken, and each feed's validators, kept in the incident store.

Two tables beside the store's own (created if missing, so any store file can
have them): `web_seen` (an item's URL and GUID: either one marks it seen, in
any feed) and `web_feeds` (ETag / Last-Modified for conditional GET). They live
in the store so that `watch` on another machine with a copy of the store, or
after a restart, fetches only what is new. Items are marked seen only after the
ingest that stored them committed: an interrupted run retakes them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from geo.errors import StoreError

#: The two tables (also created with every store: geo.store.schema, version 2).
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS web_seen (
        kind TEXT NOT NULL CHECK (kind IN ('url', 'guid')),
        value TEXT NOT NULL,
        feed TEXT,
        article TEXT,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (kind, value)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS web_feeds (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT NOT NULL)""",
)


class SeenItems:
    """The seen-items tables of one store file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._conn = sqlite3.connect(self.path, timeout=120, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout = 120000")
            for statement in SCHEMA:
                self._conn.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def is_seen(self, url: str, guid: str | None) -> bool:
        rows = self._conn.execute(
            "SELECT 1 FROM web_seen WHERE (kind = 'url' AND value = ?) "
            "OR (kind = 'guid' AND value = ?) LIMIT 1", (url, guid or "")).fetchall()
        return bool(rows)

    def mark(self, items: Iterable[tuple[str, str | None, str | None, str | None]]) -> None:
        """Mark (url, guid, feed, article path) items seen, in one transaction."""
        now = _now()
        rows = []
        for url, guid, feed, article in items:
            rows.append(("url", url, feed, article, now))
            if guid:
                rows.append(("guid", guid, feed, article, now))
        if not rows:
            return
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT OR IGNORE INTO web_seen (kind, value, feed, article, seen_at) "
                    "VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def validators(self, feed: str) -> tuple[str | None, str | None]:
        row = self._conn.execute(
            "SELECT etag, last_modified FROM web_feeds WHERE url = ?", (feed,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, feed: str, etag: str | None, last_modified: str | None) -> None:
        try:
            self._conn.execute(
                "INSERT OR REPLACE INTO web_feeds (url, etag, last_modified, checked_at) "
                "VALUES (?, ?, ?, ?)", (feed, etag, last_modified, _now()))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
