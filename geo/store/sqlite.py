"""The SQLite incident store: atomic ingest, cross-article merge, corrections, filters.

Design, and why:

- One file (GEO_DB, default data/incidents.sqlite) in WAL mode: the dashboard
  keeps reading while an ingest writes, and a reader never sees half an ingest.
- One ingest = one `BEGIN IMMEDIATE` transaction, committed at the end. Reading,
  extraction and geocoding happen *before* it, so a writer holds the lock for
  the time of a few inserts; a second ingest waits (busy timeout + retry) rather
  than failing with "database is locked". A crash or `kill -9` before COMMIT
  leaves the previous store, which SQLite's journal guarantees.
- Articles and the incidents extracted from each (`article_incidents`) are the
  source of truth. The merged view (`incidents`) is rebuilt from them and the
  corrections file in the same transaction, deterministically, so ingesting
  the same files in any order, any number of times, gives the same incidents.
- The merged view keeps the export row as narrow columns (see geo.export) with
  covering indexes, `incident_types`/`incident_sources` for indexed multi-value
  filters, `incident_search` (folded text) for the search box, and
  `incident_docs` with the ready-made CSV line, GeoJSON Feature and full record.
  So filters are SQL; `query_frame` takes the selected rows out of a frame built
  once per data version (meta 'version', bumped by every write) and kept on disk
  beside the store (`frame_file`) for the next process; the filter facets are
  stored with every write; exports are a join of ready-made lines.
- Incidents added with `add_incidents` (synthetic benchmarks, imports) have
  origin 'direct' and are left alone by the rebuild.
- Schema changes bump SCHEMA_VERSION (PRAGMA user_version) with an upgrade step
  (geo.store.schema): an older file is upgraded on opening, or, read-only, read as it
  is when it can be; a file from a newer version is refused with a clear message
  rather than misread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo import config, export, pipeline
from geo.corrections import Correction, apply_correction, load_corrections, regroup
from geo.corrections import fingerprint as corrections_fingerprint
from geo.errors import StoreError
from geo.ingest import IngestReport, Pending, Progress, ProgressFn, read_files, shown
from geo.model import Incident, Source
from geo.review import log as review_log
from geo.store import facets as _facets
from geo.store import frames
from geo.store.facets import Facets
from geo.store.filters import Filters, _as_date, search_words
from geo.store.merge import MERGE_VERSION, _combine, merge_incidents
from geo.store.records import _dumps, _record, _search_text
from geo.store.schema import (
    INSERT_INCIDENT,
    ORDER,
    READABLE_FROM,
    SCHEMA,
    SCHEMA_VERSION,
    UPGRADES,
)

log = logging.getLogger(__name__)

#: How long a writer waits for another writer before giving up.
LOCK_TIMEOUT_S = 120.0


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text




def read_only_uri(path: Path) -> str | None:
    """The SQLite URI of an existing store that cannot be written, or None. A file that
    cannot be written opens read-only (`mode=ro`); on read-only media (the folder, where
    SQLite keeps the WAL's -wal and -shm files, cannot be written) also `immutable=1`:
    no locks and no -shm, which a WAL reader otherwise needs to create."""
    if not path.exists():
        return None
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    if folder_ok and os.access(path, os.W_OK):
        return None
    return f"{path.resolve().as_uri()}?mode=ro" + ("" if folder_ok else "&immutable=1")


def _has_tables(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             ).fetchone()[0])


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced: a thread's connection then closes
    when the thread ends, while `Store.close` can still reach the live ones."""


class Store:
    """The incident store. Safe to share between threads (one connection each).

    `create=False` refuses to create a missing file (readers such as `export`
    should not leave an empty store behind a typo in GEO_DB).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True):
        self.path = Path(path) if path is not None else config.db_path()
        if not self.path.exists():
            if not create:
                raise StoreError(
                    f"no incident store at {self.path} (run `python -m geo ingest` first)"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create its folder: {exc}") from exc
        self._ro_uri = read_only_uri(self.path)
        self.read_only = self._ro_uri is not None
        self._local = threading.local()
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        try:
            with self._errors():
                self._init_schema()
        except BaseException:
            self.close()
            raise

    # -- connections and transactions --

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._ro_uri or self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None,
                check_same_thread=False, factory=_Connection, uri=self.read_only,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            self._local.conn = conn
            with self._lock:
                self._connections.add(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._lock:
            for conn in list(self._connections):
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite errors become StoreError naming the file: the CLI shows one line."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def check_writable(self) -> None:
        """StoreError naming the store when it was opened read-only: said before an
        ingest extracts anything, and by every write."""
        if self.read_only:
            raise StoreError(f"{self.path}: the store is read-only (its file or folder "
                             "cannot be written): it can be read and exported, not changed")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, retried while another writer holds the lock."""
        self.check_writable()
        conn = self._conn()
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.05
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: {exc} (another ingest is running?)") from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """A read, retried on the rare SQLITE_BUSY a WAL reader can meet (recovery)."""
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        with self._errors():
            while True:
                try:
                    return self._conn().execute(sql, params).fetchall()
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def _init_schema(self) -> None:
        conn = self._conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer version of this program (schema "
                f"{version}; this one reads up to {SCHEMA_VERSION}). Upgrade, or point "
                f"GEO_DB at another file."
            )
        if self.read_only:
            return self._check_read_only(conn, version)
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        if version == SCHEMA_VERSION:
            return review_log.init_schema(conn)
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                if _has_tables(conn):
                    raise StoreError(f"{self.path} is a SQLite file but not an incident store")
                for statement in SCHEMA:
                    conn.execute(statement)
                conn.execute("INSERT INTO meta (key, value) VALUES ('uuid', ?)",
                             (uuid.uuid4().hex,))
                version = 1
            for step in range(version, SCHEMA_VERSION):
                for statement in UPGRADES[step]:
                    conn.execute(statement)
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            review_log.init_schema(conn)

    def _check_read_only(self, conn: sqlite3.Connection, version: int) -> None:
        """A read-only store is read as it is, from READABLE_FROM on; anything older, or
        no store at all, is one line naming the file and what to do."""
        if version == 0:
            if _has_tables(conn):
                raise StoreError(f"{self.path} is a SQLite file but not an incident store")
            raise StoreError(f"{self.path} is empty (no incident store in it yet) and "
                             "read-only: make it where it can be written (`python -m geo "
                             "ingest`), then copy it here")
        if version < READABLE_FROM:
            raise StoreError(
                f"{self.path} has the store format of an older version (schema {version}; "
                f"this one reads {READABLE_FROM} to {SCHEMA_VERSION} as they are) and is "
                "read-only, so it cannot be upgraded here: open it once where it can be "
                "written (`python -m geo export --db FILE > /dev/null` upgrades it, as "
                "does `python -m geo ingest`), then put it back")

    def _retry(self, fn: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # -- ingest --

    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        progress: ProgressFn | None = None,
        *,
        geocoder: Any = None,
        force: bool = False,
        corrections_path: str | os.PathLike[str] | None = None,
    ) -> IngestReport:
        """Ingest article files and folders, then rebuild merges and apply corrections.

        Unchanged files (same bytes and sidecar) and files whose text is already
        stored under another name are skipped; a changed file replaces its
        article's incidents; a bad file is reported in `failed` and the others
        go on. Everything is committed at once at the end, or not at all.
        `force` re-extracts unchanged files (after a gazetteer update).
        """
        report = IngestReport()
        # Validate corrections first: a typo there should cost nothing.
        corrections = load_corrections(corrections_path)
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        files, missing = pipeline.expand_paths(paths)
        report.failed.extend((shown(exc.path), exc.cause) for exc in missing)
        total = len(files) + len(missing)
        if progress is not None:
            for done, exc in enumerate(missing, 1):
                progress(Progress(done, total, shown(exc.path), "failed", exc.cause))
        with self._errors():
            known = {
                key: (article_id, file_hash)
                for key, article_id, file_hash in self._read(
                    "SELECT path_key, article_id, file_hash FROM articles"
                )
            }
        pending = read_files(
            files, known, report, self._find_other, geocoder=geocoder, force=force,
            progress=progress, first=len(missing) + 1, total=total,
        )
        build_key = f"{MERGE_VERSION}:{corrections_fingerprint(corrections)}"
        if pending or force or self._meta("build_key") != build_key:
            with self._errors(), self._write() as conn:
                self._commit_articles(conn, pending, report, force)
                row = conn.execute("SELECT value FROM meta WHERE key = 'build_key'").fetchone()
                if report.changed or force or row is None or row[0] != build_key:
                    self._rebuild_and_mark(conn, corrections, build_key)
                    report.rebuilt = True
        # Stale corrections are reported on every ingest, not only when they go stale.
        report.warnings.extend(json.loads(self._meta("correction_warnings") or "[]"))
        report.incidents = self.count()
        return report

    def _meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def _rebuild_and_mark(
        self, conn: sqlite3.Connection, corrections: list[Correction], build_key: str
    ) -> None:
        warnings = self._rebuild(conn, corrections)
        conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [("build_key", build_key), ("correction_warnings", json.dumps(warnings))],
        )
        self._bump(conn)

    def _find_other(self, article_id: str, key: str) -> str | None:
        """The path key of another stored article with this text (a duplicate), or None."""
        rows = self._read(
            "SELECT path_key FROM articles WHERE article_id = ? AND path_key != ?",
            (article_id, key),
        )
        return rows[0][0] if rows else None

    def _commit_articles(
        self, conn: sqlite3.Connection, pending: list[Pending], report: IngestReport,
        force: bool,
    ) -> None:
        """Inside the write transaction: re-check (another ingest may have won) and write."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for item in pending:
            old = conn.execute(
                "SELECT article_id, file_hash FROM articles WHERE path_key = ?", (item.key,)
            ).fetchone()
            if old is not None and tuple(old) == (item.article.id, item.file_hash) and not force:
                report.skipped.append((shown(item.path), "unchanged"))
                continue
            if old is not None:
                conn.execute("DELETE FROM articles WHERE path_key = ?", (item.key,))
            other = conn.execute(
                "SELECT path_key FROM articles WHERE article_id = ?", (item.article.id,)
            ).fetchone()
            if other is not None:
                report.skipped.append((shown(item.path), f"same text as {shown(other[0])}"))
                if old is not None:
                    report.updated.append(shown(item.path))
                continue
            source: Source = item.article.source
            conn.execute(
                "INSERT INTO articles (article_id, path, path_key, stem, file_hash, source, "
                "title, url, published, author, language, n_incidents, ingested_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.article.id, str(item.path), item.key, item.article.stem,
                    item.file_hash, source.source, source.title, source.url,
                    source.published.isoformat() if source.published else None,
                    source.author, source.language, len(item.incidents), now,
                ),
            )
            seen: set[str] = set()
            for position, inc in enumerate(item.incidents):
                if inc.incident_id in seen:
                    log.warning("%s: duplicate incident id %s dropped", item.path,
                                inc.incident_id)
                    continue
                seen.add(inc.incident_id)
                conn.execute(
                    "INSERT INTO article_incidents (article_id, incident_id, position, record)"
                    " VALUES (?, ?, ?, ?)",
                    (item.article.id, inc.incident_id, position, _dumps(inc.to_dict())),
                )
            (report.updated if old is not None else report.added).append(shown(item.path))

    def _rebuild(self, conn: sqlite3.Connection, corrections: list[Correction]) -> list[str]:
        """Recompute the merged view from the stored articles, then apply corrections."""
        members = [
            (article_id, Incident.from_dict(json.loads(record)))
            for article_id, record in conn.execute(
                "SELECT article_id, record FROM article_incidents "
                "ORDER BY article_id, position"
            )
        ]
        merged, warnings = regroup(members, merge_incidents(members), corrections, _combine)
        by_id = {inc.incident_id: i for i, (inc, _) in enumerate(merged)}
        by_member = {
            member_id: i for i, (_, keys) in enumerate(merged) for _, member_id in keys
        }
        direct: dict[str, Incident] = {}
        for corr in corrections:
            index = by_id.get(corr.incident_id, by_member.get(corr.incident_id))
            if index is not None:
                inc, keys = merged[index]
                merged[index] = (apply_correction(inc, corr), keys)
                continue
            target = direct.get(corr.incident_id)
            if target is None:
                row = conn.execute(
                    "SELECT d.record FROM incidents i JOIN incident_docs d USING (rid) "
                    "WHERE i.incident_id = ? AND i.origin = 'direct'", (corr.incident_id,),
                ).fetchone()
                target = Incident.from_dict(json.loads(row[0])) if row else None
            if target is None:
                warnings.append(
                    f"correction {corr.index} ({corr.incident_id}): no such incident in the "
                    f"store; ignored"
                )
                continue
            direct[corr.incident_id] = apply_correction(target, corr)
        conn.execute("DELETE FROM incidents WHERE origin = 'ingest'")
        if direct:
            conn.executemany("DELETE FROM incidents WHERE incident_id = ?",
                             [(i,) for i in direct])
            self._insert(conn, direct.values(), "direct")
        taken = {r[0] for r in conn.execute("SELECT incident_id FROM incidents")}
        final: list[Incident] = []
        links: dict[str, list[tuple[str, str]]] = {}
        for inc, keys in merged:
            if inc.incident_id in taken:  # only if an id clashes with a 'direct' one
                base, n = inc.incident_id, 2
                while f"{base}-{n}" in taken:
                    n += 1
                inc = dataclasses.replace(inc, incident_id=f"{base}-{n}")
            taken.add(inc.incident_id)
            final.append(inc)
            links[inc.incident_id] = keys
        self._insert(conn, final, "ingest", links)
        return warnings

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        incidents: Iterable[Incident],
        origin: str,
        members: dict[str, list[tuple[str, str]]] | None = None,
    ) -> int:
        """Insert merged incidents with their child rows; row ids are assigned here so
        that child rows can be written in bulk."""
        rid = conn.execute("SELECT coalesce(max(rid), 0) FROM incidents").fetchone()[0]
        rows, search, docs, types, sources, links = [], [], [], [], [], []
        for inc in incidents:
            rid += 1
            row = export.incident_row(inc)
            rows.append((rid, *row, origin))
            search.append((rid, _search_text(inc)))
            docs.append((rid, export.csv_line(row), export.feature_json(row),
                         _dumps(_record(inc))))
            types.extend((t, rid) for t in dict.fromkeys(inc.types))
            sources.extend((s.source, rid, i, s.article_id) for i, s in enumerate(inc.sources))
            links.extend(
                (member_id, article_id, rid)
                for article_id, member_id in (members or {}).get(inc.incident_id, [])
            )
        conn.executemany(INSERT_INCIDENT, rows)
        conn.executemany("INSERT INTO incident_search (rid, search) VALUES (?, ?)", search)
        conn.executemany(
            "INSERT INTO incident_docs (rid, csv, feature, record) VALUES (?, ?, ?, ?)", docs
        )
        conn.executemany("INSERT INTO incident_types (type, rid) VALUES (?, ?)", types)
        conn.executemany(
            "INSERT INTO incident_sources (source, rid, position, article_id) "
            "VALUES (?, ?, ?, ?)", sources,
        )
        conn.executemany(
            "INSERT OR REPLACE INTO incident_members (member_id, article_id, rid) "
            "VALUES (?, ?, ?)", links,
        )
        return len(rows)

    def _bump(self, conn: sqlite3.Connection) -> None:
        """Mark a data change: caches keyed on the version are then rebuilt. The
        facets are computed here, once per change, so that a dashboard starting on
        a large store reads them instead of scanning it (0.7 s at 100,000)."""
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('version', '1') ON CONFLICT (key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        stored = {"version": ":".join(self._token()),
                  "facets": dataclasses.asdict(self._compute_facets())}
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('facets', ?)",
                     (json.dumps(stored, default=str),))

    def apply_corrections(
        self, corrections_path: str | os.PathLike[str] | None = None
    ) -> list[str]:
        """Re-apply the corrections file now (an ingest does it too); returns warnings."""
        corrections = load_corrections(corrections_path)
        with self._errors(), self._write() as conn:
            self._rebuild_and_mark(
                conn, corrections, f"{MERGE_VERSION}:{corrections_fingerprint(corrections)}"
            )
        return json.loads(self._meta("correction_warnings") or "[]")

    def add_incidents(self, incidents: Iterable[Incident], *, batch: int = 2000) -> int:
        """Bulk-insert finished incidents (origin 'direct'), replacing same ids.

        For synthetic benchmarks and imports: no merging, one transaction, written
        in batches so that memory stays flat (100,000 incidents need no more than
        the caller's own list). The next ingest re-applies the corrections to them.
        """
        seen: set[str] = set()
        count = 0
        with self._errors(), self._write() as conn:
            chunk: list[Incident] = []
            for inc in itertools.chain(incidents, [None]):
                if inc is not None:
                    if not isinstance(inc.incident_id, str) or not inc.incident_id:
                        raise StoreError("add_incidents: every incident needs an incident_id")
                    if inc.incident_id in seen:
                        raise StoreError(f"add_incidents: {inc.incident_id} appears twice")
                    seen.add(inc.incident_id)
                    chunk.append(inc)
                if chunk and (inc is None or len(chunk) >= batch):
                    conn.executemany("DELETE FROM incidents WHERE incident_id = ?",
                                     [(i.incident_id,) for i in chunk])
                    count += self._insert(conn, chunk, "direct")
                    chunk = []
            conn.execute("DELETE FROM meta WHERE key = 'build_key'")
            self._bump(conn)
        with self._errors():
            self._conn().execute("PRAGMA optimize")
        return count

    # -- queries --

    @staticmethod
    def _conditions(filters: Filters | None) -> tuple[list[tuple[str, list[Any]]],
                                                      list[tuple[str, list[Any]]]]:
        """The filters as SQL with their parameters (user values only ever go in
        parameters), in two kinds: the row ids of side tables that match (types,
        sources, search words), and conditions on the incidents' own columns."""
        f = filters or Filters()
        rid_sets: list[tuple[str, list[Any]]] = []
        row: list[tuple[str, list[Any]]] = []

        def marks(values: list[str]) -> str:
            return ", ".join("?" * len(values))

        if not f.include_rejected:
            row.append(("i.status != 'rejected'", []))
        if f.types:
            rid_sets.append((f"SELECT rid FROM incident_types WHERE type IN ({marks(f.types)})",
                             list(f.types)))
        if f.sources:
            rid_sets.append((f"SELECT rid FROM incident_sources WHERE source IN "
                             f"({marks(f.sources)})", list(f.sources)))
        if f.departments:
            row.append((f"i.department IN ({marks(f.departments)})", list(f.departments)))
        if f.prisons:
            row.append((f"i.prison_id IN ({marks(f.prisons)})", list(f.prisons)))
        for bound, op in ((_as_date(f.date_from), ">="), (_as_date(f.date_to), "<=")):
            if bound is not None:
                row.append((f"i.event_date {op} ?", [bound.isoformat()]))
        for word in search_words(f.text):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rid_sets.append(("SELECT rid FROM incident_search WHERE search LIKE ? ESCAPE '\\'",
                             [f"%{escaped}%"]))
        return rid_sets, row

    @classmethod
    def _where(cls, filters: Filters | None) -> tuple[str, list[Any]]:
        """The WHERE clause over `incidents i` and its parameters."""
        rid_sets, row = cls._conditions(filters)
        clauses = [sql for sql, _ in row] + [f"i.rid IN ({sql})" for sql, _ in rid_sets]
        params = [v for _, values in row for v in values]
        params += [v for _, values in rid_sets for v in values]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _select(self, what: str, filters: Filters | None, limit: int | None,
                order: bool = True) -> list[tuple]:
        where, params = self._where(filters)
        sql = f"SELECT {what} FROM incidents i{where}"
        if order:
            sql += f" {ORDER}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return self._read(sql, params)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see the same committed state (WAL read transaction)."""
        conn = self._conn()
        with self._errors():
            self._retry(lambda: conn.execute("BEGIN"))
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _token(self) -> tuple[str, str]:
        rows = dict(self._read("SELECT key, value FROM meta WHERE key IN ('uuid', 'version')"))
        return rows.get("uuid", ""), rows.get("version", "0")

    def version(self) -> str:
        """Changes exactly when the stored data changes (every write bumps it): the key
        for caches of what is derived from the store. File times would not do: a reader
        opening the WAL file touches it, and every Streamlit session reads from its own
        thread, so each new visitor would rebuild the map."""
        return ":".join(self._token())

    def query(self, filters: Filters | None = None, *, limit: int | None = None
              ) -> list[Incident]:
        """Full incident records, newest event first (undated last), then by id."""
        rows = self._select("(SELECT record FROM incident_docs d WHERE d.rid = i.rid)",
                            filters, limit)
        return [Incident.from_dict(json.loads(r[0])) for r in rows]

    def query_frame(self, filters: Filters | None = None, *, limit: int | None = None
                    ) -> pd.DataFrame:
        """One row per incident, the export columns (geo.export.COLUMN_NAMES), in the
        order of `query`. Dates are ISO strings, text is object (None when missing),
        counts are nullable Int64."""
        return self.query_rows(filters).frame(limit=limit)

    def query_rows(self, filters: Filters | None = None) -> frames.Rows:
        """The incidents `query_frame` returns, as positions into a frame of the whole
        store built once per data change (`frames.Rows`), for callers that read a few
        columns. SQL (indexed) selects the row ids; whether a row is rejected is read
        from the frame, not looked up in the wide incidents table row by row (~15 ms
        at 100,000), and no filter at all needs no SQL."""
        key = str(self.path.resolve())
        with self._snapshot():
            token = self._token()
            with frames.FRAME_LOCK:
                whole = frames.FRAME_CACHE.get(key)
            if whole is None or whole.token != token:
                loaded = self._load_frame_file(token)
                if loaded is None:
                    columns = ", ".join(f"i.{c}" for c in export.COLUMN_NAMES)
                    rows = self._read(f"SELECT i.rid, {columns} FROM incidents i {ORDER}")
                    rids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                    full = export.rows_frame(r[1:] for r in rows)
                    self._save_frame_file(token, full, rids)
                else:
                    full, rids = loaded
                whole = frames.WholeFrame.of(token, full, rids)
                with frames.FRAME_LOCK:
                    frames.FRAME_CACHE.clear()  # one store at a time is the common case
                    frames.FRAME_CACHE[key] = whole
            f = filters or Filters()
            selected = self._selected_rids(dataclasses.replace(f, include_rejected=True))
        if selected is None:
            picks = np.arange(len(whole.frame))
        else:
            rids = np.fromiter((r[0] for r in selected), dtype=np.int64, count=len(selected))
            found = whole.position[rids[rids < len(whole.position)]]
            picks = np.unique(found[found >= 0])  # sorted; a source twice counts once
        if not f.include_rejected:
            picks = picks[whole.live[picks]]
        return frames.Rows(whole.frame, picks, ":".join(whole.token))

    def _selected_rids(self, filters: Filters) -> list[tuple] | None:
        """The rids `filters` select, in no order; None when they select everything.
        With only side-table conditions (types, sources, words), their rid sets are
        intersected without reading the incidents table (~4 ms instead of ~20 for a
        type at 100,000: no lookup of each row in the wide table)."""
        rid_sets, row = self._conditions(filters)
        if not rid_sets and not row:
            return None
        if row:
            return self._select("i.rid", filters, None, order=False)
        sql = " INTERSECT ".join(s for s, _ in rid_sets)
        return self._read(sql, [v for _, values in rid_sets for v in values])

    @property
    def frame_file(self) -> Path:
        """Where `query_frame` keeps its whole-store frame between processes (beside
        the store; data/*.sqlite-* is git-ignored)."""
        return frames.frame_path(self.path)

    def _load_frame_file(self, token: tuple[str, str]) -> tuple[pd.DataFrame, np.ndarray] | None:
        return frames.load_frame_file(self.frame_file, token)

    def _save_frame_file(self, token: tuple[str, str], frame: pd.DataFrame,
                         rids: np.ndarray) -> None:
        frames.save_frame_file(self.frame_file, token, frame, rids)

    def export(self, filters: Filters | None = None, fmt: str = "csv", *, bom: bool = True
               ) -> tuple[str, int]:
        """(text, number of incidents) of the filtered incidents as "csv" or "geojson",
        rows in `query_frame` order, from ready-made lines (100,000 rows in well under
        a second). The text equals `geo.export.to_csv`/`to_geojson` of `query(filters)`.
        """
        if fmt not in ("csv", "geojson"):
            raise ValueError(f"unknown export format {fmt!r} (csv or geojson)")
        column = "csv" if fmt == "csv" else "feature"
        rows = self._select(f"(SELECT {column} FROM incident_docs d WHERE d.rid = i.rid)",
                            filters, None)
        if fmt == "csv":
            return export.csv_header(bom=bom) + "".join(r[0] for r in rows), len(rows)
        return export.geojson_text(r[0] for r in rows), len(rows)

    def export_csv(self, filters: Filters | None = None, *, bom: bool = True) -> str:
        """Spreadsheet-safe CSV (UTF-8 BOM first) of the filtered incidents."""
        return self.export(filters, "csv", bom=bom)[0]

    def export_geojson(self, filters: Filters | None = None) -> str:
        """GeoJSON FeatureCollection text of the filtered incidents."""
        return self.export(filters, "geojson")[0]

    def count(self, filters: Filters | None = None) -> int:
        where, params = self._where(filters)
        return self._read(f"SELECT count(*) FROM incidents i{where}", params)[0][0]

    def get(self, incident_id: str) -> Incident | None:
        """An incident by id, rejected ones included; an article-level id finds the
        incident it was merged into."""
        rows = self._read(
            "SELECT d.record FROM incidents i JOIN incident_docs d USING (rid) "
            "WHERE i.incident_id = ?", (incident_id,),
        )
        if not rows:
            rows = self._read(
                "SELECT d.record FROM incident_members m JOIN incidents i USING (rid) "
                "JOIN incident_docs d USING (rid) WHERE m.member_id = ? "
                "ORDER BY i.incident_id LIMIT 1", (incident_id,),
            )
        return Incident.from_dict(json.loads(rows[0][0])) if rows else None

    def facets(self) -> Facets:
        """Distinct values and counts for the filter widgets (rejected excluded).

        Cached per data version, like `query_frame`'s frame."""
        key = str(self.path.resolve())
        with self._snapshot():
            token = self._token()
            with _facets.FACETS_LOCK:
                cached = _facets.FACETS_CACHE.get(key)
            if cached is not None and cached[0] == token:
                return dataclasses.replace(cached[1])
            facets = self._stored_facets(token) or self._compute_facets()
        with _facets.FACETS_LOCK:
            _facets.FACETS_CACHE.clear()
            _facets.FACETS_CACHE[key] = (token, facets)
        return dataclasses.replace(facets)

    def _stored_facets(self, token: tuple[str, str]) -> Facets | None:
        """The facets `_bump` stored for this data version (None for a store written
        before they were stored)."""
        return _facets.stored_facets(self._meta("facets"), token)

    def _compute_facets(self) -> Facets:
        return _facets.compute_facets(self._read)

    def articles(self) -> list[dict[str, Any]]:
        """The stored articles (path, source, published, incidents), by path."""
        rows = self._read(
            "SELECT article_id, path, stem, source, title, url, published, n_incidents, "
            "ingested_at FROM articles ORDER BY path"
        )
        keys = ("article_id", "path", "stem", "source", "title", "url", "published",
                "n_incidents", "ingested_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

