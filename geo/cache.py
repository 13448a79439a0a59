"""Persistent SQLite cache of online geocoding answers.

Why a cache: online providers are slow (Nominatim allows one request a second)
and may be unreachable next time, so every answer they gave is kept: keyed by
the folded query, the context that shaped the request, and the provider.

- WAL journal and a busy timeout, each write its own short transaction: two
  processes writing at once both land (SQLite serialises them).
- A file that is not a readable database is renamed `NAME.corrupt-TIMESTAMP`
  and a fresh one is created, with a warning; the cache is a convenience, so it
  never stops geocoding (it falls back to memory only if the disk fails).
- Every answer expires: a place found after `positive_ttl` (GEO_CACHE_DAYS,
  90 days), "no such place" after `negative_ttl` (GEO_CACHE_NEGATIVE_DAYS, 30
  days), since the provider's data improves and a wrong answer must not stay for
  ever; a failure (timeout, 429, 500, a malformed answer) is never stored.
  `python -m geo cache` lists, purges one query, or clears.
- A row that cannot be read back (not JSON, not a list of places) is deleted and
  counts as a miss; a file whose tables are not this cache's is set aside.
- Hits are served from an in-process dictionary in front of SQLite, filled on
  read and write; another process's later write for the same key is seen after
  a restart (answers for a key do not change in practice).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Final

from geo import config

log = logging.getLogger(__name__)

#: Default lifetime of a negative answer: 30 days (GEO_CACHE_NEGATIVE_DAYS).
NEGATIVE_TTL: Final = 30 * 24 * 3600.0
#: Default lifetime of a place found: 90 days (GEO_CACHE_DAYS).
POSITIVE_TTL: Final = 90 * 24 * 3600.0
_DAY: Final = 24 * 3600.0
_COLUMNS: Final = ("key", "provider", "query", "context", "result", "created", "expires")
SCHEMA_VERSION: Final = 1

#: Returned by `get` for "not in the cache" (None is a cached negative answer).
MISS: Final = object()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key      TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    query    TEXT NOT NULL,
    context  TEXT NOT NULL,
    result   TEXT,           -- JSON list of place dicts; NULL for a negative answer
    created  REAL NOT NULL,
    expires  REAL            -- NULL: never
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def cache_key(query: str, context: str, provider: str) -> str:
    """The row key: folded query, context signature and provider."""
    return f"{provider}\x1f{query}\x1f{context}"


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """A damaged file, as opposed to a busy database or a full disk."""
    text = str(exc).lower()
    return type(exc) is sqlite3.DatabaseError or any(
        s in text for s in ("malformed", "not a database", "file is encrypted", "corrupt")
    )


class GeoCache:
    """The persistent cache; thread-safe, one connection per instance."""

    def __init__(self, path: Path | str | None = None, *, negative_ttl: float | None = None,
                 positive_ttl: float | None = None, memory_size: int = 50_000) -> None:
        self.path = Path(path) if path else config.cache_path()
        self.negative_ttl = (config.cache_negative_days() * _DAY if negative_ttl is None
                             else negative_ttl)
        self.positive_ttl = config.cache_days() * _DAY if positive_ttl is None else positive_ttl
        self.memory_size = memory_size
        self._memory: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._open()

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                log.warning("geocoding cache %s unavailable (%s); caching in memory only",
                            self.path, exc)
                self._conn = None
                return
            self._set_aside(exc)
            try:
                self._conn = self._connect()
            except (sqlite3.DatabaseError, OSError) as exc2:
                log.warning("geocoding cache %s cannot be rebuilt (%s); caching in memory only",
                            self.path, exc2)
                self._conn = None
        except OSError as exc:
            log.warning("geocoding cache %s unavailable (%s); caching in memory only",
                        self.path, exc)
            self._conn = None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            # Switching to WAL takes a lock another opener may hold: retry briefly.
            for attempt in range(50):
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == 49:
                        raise
                    time.sleep(0.05)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(_SCHEMA)
            columns = tuple(r[1] for r in conn.execute("PRAGMA table_info(answers)"))
            if columns != _COLUMNS:
                raise sqlite3.DatabaseError(
                    f"not this program's cache (answers columns: {', '.join(columns)})")
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            check = conn.execute("PRAGMA quick_check(1)").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_aside(self, exc: BaseException) -> None:
        """Rename a damaged file out of the way so a fresh cache can be created."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        try:
            os.replace(self.path, target)
        except FileNotFoundError:
            pass  # another process set it aside first
        except OSError as err:
            log.warning("cannot set aside the damaged cache %s (%s)", self.path, err)
            return
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.remove(f"{self.path}{suffix}")
        log.warning("geocoding cache %s was damaged (%s): set aside as %s and rebuilt",
                    self.path, exc, target.name)

    def _recover(self, exc: sqlite3.DatabaseError) -> bool:
        """After an error mid-use: rebuild if the file is damaged. True when retry makes sense."""
        if not _is_corruption(exc):
            log.warning("geocoding cache %s: %s", self.path, exc)
            return False
        self._set_aside(exc)
        self._open()
        return self._conn is not None

    # --------------------------------------------------------------- operations

    def get(self, query: str, context: str, provider: str) -> Any:
        """The cached answer (a list of place dicts, or None for a negative one), or MISS."""
        key = cache_key(query, context, provider)
        hit = self._memory.get(key)
        if hit is not None:
            value, expires = hit
            if expires is None or expires > time.time():
                return value
            self._memory.pop(key, None)
        with self._lock:
            row = self._fetch(key)
        if row is None:
            return MISS
        result, expires = row
        if expires is not None and expires <= time.time():
            return MISS
        value = _decode(result)
        if value is MISS:
            log.warning("geocoding cache %s: unreadable answer for %r (%s) deleted", self.path,
                        query, provider)
            self._delete(key)
            return MISS
        self._remember(key, value, expires)
        return value

    def _delete(self, key: str) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("DELETE FROM answers WHERE key = ?", (key,))

    def _fetch(self, key: str) -> tuple[str | None, float | None] | None:
        for _ in range(2):
            if self._conn is None:
                return None
            try:
                return self._conn.execute(
                    "SELECT result, expires FROM answers WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                if not self._recover(exc):
                    return None
        return None

    def put(self, query: str, context: str, provider: str, result: list[dict[str, Any]] | None,
            *, ttl: float | None = None) -> None:
        """Store an answer: a list of place dicts, or None (negative); either expires
        after `ttl` seconds (default: `positive_ttl` or `negative_ttl`)."""
        now = time.time()
        if ttl is None:
            ttl = self.negative_ttl if result is None else self.positive_ttl
        expires: float | None = now + ttl
        key = cache_key(query, context, provider)
        payload = json.dumps(result, ensure_ascii=False) if result is not None else None
        self._remember(key, result, expires)
        with self._lock:
            for _ in range(2):
                if self._conn is None:
                    return
                try:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (key, provider, query, context, payload, now, expires),
                    )
                    return
                except sqlite3.DatabaseError as exc:
                    if not self._recover(exc):
                        return

    def _remember(self, key: str, value: Any, expires: float | None) -> None:
        """Keep an answer in the in-process layer (bounded: the oldest tenth goes)."""
        memory = self._memory
        if len(memory) >= self.memory_size:
            for old in list(memory)[: max(1, self.memory_size // 10)]:
                memory.pop(old, None)
        memory[key] = (value, expires)

    def entries(self, query: str | None = None, provider: str | None = None
                ) -> list[dict[str, Any]]:
        """Rows as dicts (query, context, provider, places, created, expires), for
        `python -m geo cache list`; `query` is matched on its folded form."""
        sql = "SELECT provider, query, context, result, created, expires FROM answers"
        where, params = [], []
        if query:
            where.append("query = ?")
            params.append(query)
        if provider:
            where.append("provider = ?")
            params.append(provider)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            if self._conn is None:
                return []
            rows = self._conn.execute(sql + " ORDER BY query, provider, context",
                                      params).fetchall()
        out = []
        for prov, q, context, result, created, expires in rows:
            value = _decode(result)
            out.append({"query": q, "context": context, "provider": prov,
                        "places": None if value is MISS else value,
                        "readable": value is not MISS,
                        "created": created, "expires": expires})
        return out

    def purge(self, query: str, provider: str | None = None) -> int:
        """Delete every cached answer for a folded query (of one provider); the count."""
        with self._lock:
            self._memory = {k: v for k, v in self._memory.items()
                            if k.split("\x1f")[1] != query}
            if self._conn is None:
                return 0
            sql, params = "DELETE FROM answers WHERE query = ?", [query]
            if provider:
                sql += " AND provider = ?"
                params.append(provider)
            return self._conn.execute(sql, params).rowcount

    def clear(self) -> int:
        """Delete every cached answer; the count."""
        with self._lock:
            self._memory.clear()
            if self._conn is None:
                return 0
            return self._conn.execute("DELETE FROM answers").rowcount

    def purge_expired(self) -> int:
        """Delete expired answers; the number deleted."""
        with self._lock:
            if self._conn is None:
                return 0
            cur = self._conn.execute(
                "DELETE FROM answers WHERE expires IS NOT NULL AND expires <= ?", (time.time(),)
            )
            return cur.rowcount

    def __len__(self) -> int:
        with self._lock:
            if self._conn is None:
                return len(self._memory)
            return self._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def clear_memory(self) -> None:
        """Drop the in-process layer (benchmarks of the SQLite path use it)."""
        self._memory.clear()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> GeoCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decode(result: str | None) -> Any:
    """A stored answer: None (negative), a list of place dicts, or MISS if damaged."""
    if result is None:
        return None
    try:
        value = json.loads(result)
    except (ValueError, TypeError, RecursionError):
        return MISS
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return MISS
    return value
