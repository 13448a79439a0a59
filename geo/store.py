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
- Schema changes bump SCHEMA_VERSION (PRAGMA user_version); a file from a newer
  version is refused with a clear message rather than misread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import math
import os
import re
import sqlite3
import threading
import time
import unicodedata
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import feather

from geo import config, export, pipeline
from geo.corrections import Correction, apply_correction, load_corrections, regroup
from geo.corrections import fingerprint as corrections_fingerprint
from geo.errors import ArticleError, GeoError, StoreError
from geo.model import GEO_PRECISIONS, TYPE_SEVERITY, Evidence, Incident, Source, primary_type
from geo.review import log as review_log

log = logging.getLogger(__name__)

#: PRAGMA user_version of the files this code writes.
SCHEMA_VERSION = 1
#: Part of the rebuild key: bump it when the merge rules change, so the next
#: ingest rebuilds the merged view even if no article changed.
MERGE_VERSION = 2  # 2: formula cells behind invisible characters neutralised
#: Reports of the same place at most this many days apart are one event.
MERGE_DAYS = 1
#: Two approximate points closer than this are the same place.
MERGE_KM = 5.0
#: Types that say nothing about the form of the attack: compatible with any.
GENERIC_TYPES = frozenset({"attack", "other"})
#: How long a writer waits for another writer before giving up.
LOCK_TIMEOUT_S = 120.0

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile("[\u0300-\u036f]+")
_SAINT = re.compile(r"\b(ste?)\b")


def _fold(text: str) -> str:
    """Accent/case/punctuation-insensitive key, like geo.normalize.fold but fast on
    long texts (unidecode is only needed for what NFKD cannot strip)."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():
            from unidecode import unidecode

            text = unidecode(text)
    text = _NON_ALNUM.sub(" ", text.lower().replace("'", " ")).strip()
    return _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", text)


@dataclass(frozen=True)
class Progress:
    """One processed file, for a progress bar or a log line (`str(progress)`)."""

    done: int
    total: int
    path: str
    status: str  # "extracted", "unchanged", "duplicate" or "failed"
    message: str  # "2 incidents", "unchanged", "same text as ...", or the failure reason

    def __str__(self) -> str:
        head = f"[{self.done}/{self.total}]"
        if self.status == "failed":
            return f"{head} skipped {self.path}: {self.message}"
        if self.status == "duplicate":
            return f"{head} {self.path}: skipped, {self.message}"
        return f"{head} {self.path}: {self.message}"


ProgressFn = Callable[[Progress], None]


# --- Filters, facets, reports -------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if str(v)]


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass
class Filters:
    """What the dashboard and `export` filter on. Empty list/None = no filter.

    Lists are OR'ed within a field (any of these types) and fields are AND'ed.
    A date bound applies to `event_date` and so excludes undated incidents.
    `text` matches every word, accent- and case-insensitively, in the place,
    department, types, sources, titles, evidence and ids.
    """

    types: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    departments: list[str] = field(default_factory=list)
    prisons: list[str] = field(default_factory=list)
    text: str | None = None
    include_rejected: bool = False

    #: URL parameter names: short, stable, readable in a shared link.
    PARAMS: ClassVar[dict[str, str]] = {
        "types": "type", "sources": "source", "departments": "department", "prisons": "prison",
    }

    def to_query_params(self) -> dict[str, str | list[str]]:
        """The filter state as URL query parameters (lists for multi-valued keys)."""
        params: dict[str, str | list[str]] = {}
        for attr, key in self.PARAMS.items():
            values = getattr(self, attr)
            if values:
                params[key] = list(values)
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        if self.text:
            params["q"] = self.text
        if self.include_rejected:
            params["rejected"] = "1"
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any], *,
                          max_date: dt.date | None = None) -> Filters:
        """Inverse of `to_query_params`; lenient, since users edit URLs.

        A value may be a string or a list of strings. With Streamlit, pass
        `{k: st.query_params.get_all(k) for k in st.query_params}`: `to_dict()`
        keeps only the last value of a repeated key. An unreadable date is
        ignored rather than raised; dates are clamped to [MIN_DATE, max_date
        (default today)] (an inverted range stays: it selects nothing); the
        search text and the lists are cut to bounds a page can show (a crafted
        URL must not crash it).
        """
        values = {attr: _as_list(params.get(key))[:MAX_FILTER_VALUES]
                  for attr, key in cls.PARAMS.items()}
        text = params.get("q")
        if isinstance(text, list | tuple):
            text = text[-1] if text else None
        rejected = params.get("rejected")
        if isinstance(rejected, list | tuple):
            rejected = rejected[-1] if rejected else None
        high = max(max_date or dt.date.today(), MIN_DATE)
        date_from = _clamp(_as_date(_last(params.get("from"))), MIN_DATE, high)
        date_to = _clamp(_as_date(_last(params.get("to"))), MIN_DATE, high)
        return cls(
            **values,
            date_from=date_from,
            date_to=date_to,
            text=(str(text)[:MAX_SEARCH_CHARS].strip() or None) if text else None,
            include_rejected=str(rejected or "").lower() in {"1", "true", "yes", "on"},
        )


#: Bounds on what a visitor can send (a crafted URL or search box): SQLite refuses
#: an expression of ~1,000 LIKE terms ("Expression tree is too large") and a LIKE
#: pattern over 50,000 bytes, so a search keeps its first words, each cut short.
MAX_SEARCH_WORDS = 20
MAX_WORD_CHARS = 100
MAX_SEARCH_CHARS = 1000
MAX_FILTER_VALUES = 500
#: Dates a URL may ask for (the dashboard's date picker refuses earlier ones).
MIN_DATE = dt.date(1970, 1, 1)


def search_words(text: str | None) -> list[str]:
    """The folded words a search matches on, bounded (see MAX_SEARCH_WORDS)."""
    words = _fold((text or "")[:MAX_SEARCH_CHARS * 4]).split()
    return list(dict.fromkeys(w[:MAX_WORD_CHARS] for w in words))[:MAX_SEARCH_WORDS]


def _clamp(day: dt.date | None, low: dt.date, high: dt.date) -> dt.date | None:
    return None if day is None else min(max(day, low), high)


def _last(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


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


@dataclass
class IngestReport:
    """What an ingest did. Paths are as given; messages say why."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # unchanged, duplicate
    failed: list[tuple[str, str]] = field(default_factory=list)  # unreadable, errors
    warnings: list[str] = field(default_factory=list)
    incidents: int = 0  # non-rejected incidents in the store afterwards
    rebuilt: bool = False  # whether the merged view was recomputed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


@dataclass
class _Pending:
    path: Path
    key: str
    file_hash: str
    article: Any
    incidents: list[Incident]


# --- Schema -------------------------------------------------------------------------------

_ROW_COLUMNS = ", ".join(
    f"{name} {'REAL' if kind == 'float' else 'INTEGER' if kind == 'int' else 'TEXT'}"
    for name, kind in export.CSV_COLUMNS
    if name != "incident_id"
)

_SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE articles (
        article_id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        path_key TEXT NOT NULL UNIQUE,
        stem TEXT NOT NULL,
        file_hash TEXT NOT NULL,
        source TEXT, title TEXT, url TEXT, published TEXT, author TEXT, language TEXT,
        n_incidents INTEGER NOT NULL,
        ingested_at TEXT NOT NULL)""",
    """CREATE TABLE article_incidents (
        article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
        incident_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (article_id, incident_id))""",
    # The merged view: the export row as columns (narrow, for scans and the frame)...
    f"""CREATE TABLE incidents (
        rid INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL UNIQUE,
        {_ROW_COLUMNS},
        origin TEXT NOT NULL CHECK (origin IN ('ingest', 'direct')))""",
    # Covering (value, status) indexes: a filter never has to read the table rows.
    "CREATE INDEX incidents_date ON incidents (event_date, status)",
    "CREATE INDEX incidents_department ON incidents (department, status)",
    "CREATE INDEX incidents_prison ON incidents (prison_id, status)",
    "CREATE INDEX incidents_status ON incidents (status)",
    "CREATE INDEX incidents_origin ON incidents (origin)",
    # ...the folded search text, alone so that a text search scans little...
    """CREATE TABLE incident_search (
        rid INTEGER PRIMARY KEY REFERENCES incidents(rid) ON DELETE CASCADE,
        search TEXT NOT NULL)""",
    # ...and the wide, ready-made texts: CSV line, GeoJSON Feature, full record.
    """CREATE TABLE incident_docs (
        rid INTEGER PRIMARY KEY REFERENCES incidents(rid) ON DELETE CASCADE,
        csv TEXT NOT NULL,
        feature TEXT NOT NULL,
        record TEXT NOT NULL)""",
    """CREATE TABLE incident_types (
        type TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        PRIMARY KEY (type, rid)) WITHOUT ROWID""",
    "CREATE INDEX incident_types_rid ON incident_types (rid)",
    """CREATE TABLE incident_sources (
        source TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        article_id TEXT,
        PRIMARY KEY (source, rid, position)) WITHOUT ROWID""",
    "CREATE INDEX incident_sources_rid ON incident_sources (rid)",
    """CREATE TABLE incident_members (
        member_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        PRIMARY KEY (member_id, article_id)) WITHOUT ROWID""",
    "CREATE INDEX incident_members_rid ON incident_members (rid)",
]

#: The one order of every listing: newest event first, undated last, then by id.
_ORDER = "ORDER BY i.event_date IS NULL, i.event_date DESC, i.incident_id"
_INSERT_INCIDENT = (
    f"INSERT INTO incidents (rid, {', '.join(export.COLUMN_NAMES)}, origin) "
    f"VALUES ({', '.join('?' * (len(export.COLUMN_NAMES) + 2))})"
)

#: Full frames by (store path, store uuid, data version): the dashboard reruns its
#: script on every widget change, so the big frame is built once per data change.
_FRAME_CACHE: dict[str, tuple[tuple[str, str], pd.DataFrame, np.ndarray]] = {}
#: `Store.frame_file`: the frame of the whole store as an Arrow (Feather) file,
#: tagged with the data version it was built from.
FRAME_FILE_SUFFIX = "-frame.arrow"
FRAME_TOKEN_KEY = b"geo-store-version"
FRAME_RID_COLUMN = "_rid"
#: Arrow text read back as pandas' `str` dtype (what `export.rows_frame` makes).
_ARROW_TYPES = {pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
                pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
                pa.int64(): pd.Int64Dtype()}
_FACETS_CACHE: dict[str, tuple[tuple[str, str], Facets]] = {}
_CACHE_LOCK = threading.Lock()


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def path_key(path: str | os.PathLike[str]) -> str:
    """The identity of a file across runs and working directories."""
    return str(Path(path).resolve())


def _shown(path: str | os.PathLike[str]) -> str:
    """A path as people read it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


# --- The store ----------------------------------------------------------------------------


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
                self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None,
                check_same_thread=False, factory=_Connection,
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

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, retried while another writer holds the lock."""
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
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        if version == SCHEMA_VERSION:
            return review_log.init_schema(conn)
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
                if tables:
                    raise StoreError(f"{self.path} is a SQLite file but not an incident store")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("INSERT INTO meta (key, value) VALUES ('uuid', ?)",
                             (uuid.uuid4().hex,))
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                review_log.init_schema(conn)

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
        report.failed.extend((_shown(exc.path), exc.cause) for exc in missing)
        total = len(files) + len(missing)
        if progress is not None:
            for done, exc in enumerate(missing, 1):
                progress(Progress(done, total, _shown(exc.path), "failed", exc.cause))
        with self._errors():
            known = {
                key: (article_id, file_hash)
                for key, article_id, file_hash in self._read(
                    "SELECT path_key, article_id, file_hash FROM articles"
                )
            }
        pending: list[_Pending] = []
        geo_holder = [geocoder]  # created on the first file that needs extraction
        # Many files: extracted ahead by worker processes (geo.parallel), taken in order.
        ahead = _Ahead.start(files, known, force) if geocoder is None else None
        try:
            for done, path in enumerate(files, len(missing) + 1):
                status, message = self._process(path, known, pending, report, geo_holder, force,
                                                ahead)
                if progress is not None:
                    progress(Progress(done, total, _shown(path), status, message))
        finally:
            if ahead is not None:
                ahead.close()
            if geocoder is None and geo_holder[0] is not None:
                close = getattr(geo_holder[0], "close", None)
                if close is not None:
                    close()
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

    def _process(
        self,
        path: Path,
        known: dict[str, tuple[str, str]],
        pending: list[_Pending],
        report: IngestReport,
        geo_holder: list[Any],
        force: bool,
        ahead: _Ahead | None = None,
    ) -> tuple[str, str]:
        """Read and extract one file outside any transaction; return (status, message)."""
        key = path_key(path)
        done = ahead.take(path) if ahead is not None else None
        try:
            file_hash = done[0] if done else pipeline.fingerprint(path)
            if not force and key in known and known[key][1] == file_hash:
                report.skipped.append((_shown(path), "unchanged"))
                return "unchanged", "unchanged"
            if done and done[1] == "failed":
                report.failed.append((_shown(path), done[2]))
                return "failed", done[2]
            article = done[2] if done else pipeline.load(path)
            report.warnings.extend(getattr(article, "warnings", []) or [])
            other = self._read(
                "SELECT path_key FROM articles WHERE article_id = ? AND path_key != ?",
                (article.id, key),
            )
            if other:
                reason = f"same text as {_shown(other[0][0])}"
                report.skipped.append((_shown(path), reason))
                return "duplicate", reason
            if done:
                incidents = done[3]
            else:
                if geo_holder[0] is None:
                    geo_holder[0] = pipeline.make_geocoder()
                incidents = pipeline.extract(article, geo_holder[0])
        except GeoError as exc:
            message = exc.cause if isinstance(exc, ArticleError) else str(exc)
            report.failed.append((_shown(path), message))
            return "failed", message
        except RecursionError:  # e.g. a sidecar of 100,000 nested arrays
            message = "nested too deeply to read (its sidecar's JSON?)"
            report.failed.append((_shown(path), message))
            return "failed", message
        except Exception as exc:  # a bug on one article must not lose the others
            log.debug("extraction failed on %s", path, exc_info=True)
            message = f"internal error: {type(exc).__name__}: {exc}"
            report.failed.append((_shown(path), message))
            return "failed", message
        pending.append(_Pending(path, key, file_hash, article, incidents))
        return "extracted", f"{len(incidents)} incident{'s' if len(incidents) != 1 else ''}"

    def _commit_articles(
        self, conn: sqlite3.Connection, pending: list[_Pending], report: IngestReport,
        force: bool,
    ) -> None:
        """Inside the write transaction: re-check (another ingest may have won) and write."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for item in pending:
            old = conn.execute(
                "SELECT article_id, file_hash FROM articles WHERE path_key = ?", (item.key,)
            ).fetchone()
            if old is not None and tuple(old) == (item.article.id, item.file_hash) and not force:
                report.skipped.append((_shown(item.path), "unchanged"))
                continue
            if old is not None:
                conn.execute("DELETE FROM articles WHERE path_key = ?", (item.key,))
            other = conn.execute(
                "SELECT path_key FROM articles WHERE article_id = ?", (item.article.id,)
            ).fetchone()
            if other is not None:
                report.skipped.append((_shown(item.path), f"same text as {_shown(other[0])}"))
                if old is not None:
                    report.updated.append(_shown(item.path))
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
            (report.updated if old is not None else report.added).append(_shown(item.path))

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
        conn.executemany(_INSERT_INCIDENT, rows)
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
    def _where(filters: Filters | None) -> tuple[str, list[Any]]:
        """The WHERE clause and its parameters; user values only ever go in parameters."""
        f = filters or Filters()
        clauses: list[str] = []
        params: list[Any] = []

        def any_of(template: str, values: list[str]) -> None:
            clauses.append(template.format(", ".join("?" * len(values))))
            params.extend(values)

        if not f.include_rejected:
            clauses.append("i.status != 'rejected'")
        if f.types:
            any_of("i.rid IN (SELECT rid FROM incident_types WHERE type IN ({}))",
                   list(f.types))
        if f.sources:
            any_of("i.rid IN (SELECT rid FROM incident_sources WHERE source IN ({}))",
                   list(f.sources))
        if f.departments:
            any_of("i.department IN ({})", list(f.departments))
        if f.prisons:
            any_of("i.prison_id IN ({})", list(f.prisons))
        for bound, op in ((_as_date(f.date_from), ">="), (_as_date(f.date_to), "<=")):
            if bound is not None:
                clauses.append(f"i.event_date {op} ?")
                params.append(bound.isoformat())
        for word in search_words(f.text):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("i.rid IN (SELECT rid FROM incident_search WHERE search LIKE ? "
                           "ESCAPE '\\')")
            params.append(f"%{escaped}%")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _select(self, what: str, filters: Filters | None, limit: int | None,
                order: bool = True) -> list[tuple]:
        where, params = self._where(filters)
        sql = f"SELECT {what} FROM incidents i{where}"
        if order:
            sql += f" {_ORDER}"
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
        counts are nullable Int64.

        Fast path for the dashboard: SQL (indexed) selects the row ids; the rows come
        from a frame of the whole store built once per data change, in the same order.
        """
        key = str(self.path.resolve())
        with self._snapshot():
            token = self._token()
            with _CACHE_LOCK:
                cached = _FRAME_CACHE.get(key)
            if cached is None or cached[0] != token:
                loaded = self._load_frame_file(token)
                if loaded is None:
                    columns = ", ".join(f"i.{c}" for c in export.COLUMN_NAMES)
                    rows = self._read(f"SELECT i.rid, {columns} FROM incidents i {_ORDER}")
                    rids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                    full = export.rows_frame(r[1:] for r in rows)
                    self._save_frame_file(token, full, rids)
                else:
                    full, rids = loaded
                position = np.full(int(rids.max()) + 1 if len(rids) else 1, -1, np.int64)
                position[rids] = np.arange(len(rids))
                cached = (token, full, position)
                with _CACHE_LOCK:
                    _FRAME_CACHE.clear()  # one store at a time is the common case
                    _FRAME_CACHE[key] = cached
            selected = self._select("i.rid", filters, None, order=False)
        _, full, position = cached
        rids = np.fromiter((r[0] for r in selected), dtype=np.int64, count=len(selected))
        picks = np.sort(position[rids])
        if limit is not None:
            picks = picks[: max(0, int(limit))]
        return full.take(picks).reset_index(drop=True)

    @property
    def frame_file(self) -> Path:
        """Where `query_frame` keeps its whole-store frame between processes (beside
        the store; data/*.sqlite-* is git-ignored)."""
        return self.path.with_name(self.path.name + FRAME_FILE_SUFFIX)

    def _load_frame_file(self, token: tuple[str, str]) -> tuple[pd.DataFrame, np.ndarray] | None:
        """The frame saved for this data version, or None (missing, stale, unreadable:
        then it is rebuilt from SQL, 2.4 s at 100,000 incidents instead of 0.1 s)."""
        try:
            table = feather.read_table(self.frame_file, memory_map=False)
            if (table.schema.metadata or {}).get(FRAME_TOKEN_KEY) != ":".join(token).encode():
                return None
            frame = table.to_pandas(types_mapper=_ARROW_TYPES.get)
            rids = frame.pop(FRAME_RID_COLUMN).to_numpy(np.int64)
            return export.typed_frame(frame), rids
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.info("%s: frame file not used (%s)", self.frame_file, exc)
            return None

    def _save_frame_file(self, token: tuple[str, str], frame: pd.DataFrame,
                         rids: np.ndarray) -> None:
        """Best effort: a read-only folder or a full disk only costs the next start."""
        target = self.frame_file
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            table = pa.Table.from_pandas(frame.assign(**{FRAME_RID_COLUMN: rids}),
                                         preserve_index=False)
            table = table.replace_schema_metadata(
                {FRAME_TOKEN_KEY: ":".join(token).encode()})
            feather.write_feather(table, tmp, compression="lz4")
            os.replace(tmp, target)
        except (OSError, ValueError, pa.ArrowException) as exc:
            log.info("%s: frame file not saved (%s)", target, exc)
            with suppress(OSError):
                tmp.unlink()

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
            with _CACHE_LOCK:
                cached = _FACETS_CACHE.get(key)
            if cached is not None and cached[0] == token:
                return dataclasses.replace(cached[1])
            facets = self._stored_facets(token) or self._compute_facets()
        with _CACHE_LOCK:
            _FACETS_CACHE.clear()
            _FACETS_CACHE[key] = (token, facets)
        return dataclasses.replace(facets)

    def _stored_facets(self, token: tuple[str, str]) -> Facets | None:
        """The facets `_bump` stored for this data version (None for a store written
        before they were stored)."""
        try:
            stored = json.loads(self._meta("facets") or "{}")
        except ValueError:
            return None
        if stored.get("version") != ":".join(token):
            return None
        data = stored["facets"]
        return Facets(**{**data, "date_min": _as_date(data["date_min"]),
                         "date_max": _as_date(data["date_max"])})

    def _compute_facets(self) -> Facets:
        live = "i.status != 'rejected'"
        total, undated, dmin, dmax = self._read(
            f"SELECT count(*), count(*) - count(i.event_date), min(i.event_date), "
            f"max(i.event_date) FROM incidents i WHERE {live}"
        )[0]
        rejected = self._read("SELECT count(*) FROM incidents WHERE status = 'rejected'")[0][0]
        types = dict(self._read(
            f"SELECT t.type, count(*) FROM incident_types t JOIN incidents i USING (rid) "
            f"WHERE {live} GROUP BY t.type"
        ))
        severity = {t: n for n, t in enumerate(TYPE_SEVERITY)}
        sources = self._read(
            f"SELECT s.source, count(DISTINCT s.rid) FROM incident_sources s "
            f"JOIN incidents i USING (rid) WHERE {live} GROUP BY s.source ORDER BY s.source"
        )
        departments = self._read(
            f"SELECT i.department, count(*) FROM incidents i WHERE {live} "
            f"AND i.department IS NOT NULL GROUP BY i.department ORDER BY i.department"
        )
        names: dict[str, Counter[str]] = {}
        counts: Counter[str] = Counter()
        for prison_id, place, n in self._read(
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

    def articles(self) -> list[dict[str, Any]]:
        """The stored articles (path, source, published, incidents), by path."""
        rows = self._read(
            "SELECT article_id, path, stem, source, title, url, published, n_incidents, "
            "ingested_at FROM articles ORDER BY path"
        )
        keys = ("article_id", "path", "stem", "source", "title", "url", "published",
                "n_incidents", "ingested_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]


class _Ahead:
    """Files of an ingest extracted ahead in worker processes (`geo.parallel`): the same
    decisions as `Store._process` (skip unchanged files unless forced), results taken
    in file order, so the ingest gives exactly what a serial one gives."""

    def __init__(self, hashes: dict[Path, str], results: Iterator[tuple[str, str, Any, Any]]):
        self.hashes = hashes
        self._results = results

    @classmethod
    def start(cls, files: Sequence[Path], known: Mapping[str, tuple[str, str]],
              force: bool) -> _Ahead | None:
        from geo import parallel

        if parallel.workers(len(files)) < 2:
            return None
        hashes: dict[Path, str] = {}
        for path in files:
            try:
                file_hash = pipeline.fingerprint(path)
            except Exception:  # reported when `_process` meets it again
                continue
            entry = known.get(path_key(path))
            if force or entry is None or entry[1] != file_hash:
                hashes[path] = file_hash
        n_workers = parallel.workers(len(hashes))
        if n_workers < 2:
            return None
        return cls(hashes, parallel.extract_all(list(hashes), n_workers))

    def take(self, path: Path) -> tuple[str, str, Any, Any] | None:
        """(file hash, "ok", article, incidents) or (file hash, "failed", message, None);
        None for a file not extracted ahead (unchanged, or unreadable)."""
        file_hash = self.hashes.get(path)
        if file_hash is None:
            return None
        for done, status, value, incidents in self._results:
            if done == str(path):
                return file_hash, status, value, incidents
        raise StoreError(f"{path}: no extraction result from the worker processes")

    def close(self) -> None:
        close = getattr(self._results, "close", None)
        if close is not None:
            close()


# --- Records and merging ------------------------------------------------------------------

_INCIDENT_FIELDS = tuple(f.name for f in dataclasses.fields(Incident))
_SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))
_EVIDENCE_FIELDS = tuple(f.name for f in dataclasses.fields(Evidence))


def _record(inc: Incident) -> dict[str, Any]:
    """`inc.to_dict()` without dataclasses.asdict's deep copies (10x faster in bulk)."""
    d = {name: getattr(inc, name) for name in _INCIDENT_FIELDS}
    for name in ("event_date", "first_reported"):
        d[name] = d[name].isoformat() if d[name] else None
    d["types"] = list(inc.types)
    d["sources"] = [
        {**{n: getattr(s, n) for n in _SOURCE_FIELDS},
         "published": s.published.isoformat() if s.published else None}
        for s in inc.sources
    ]
    d["evidence"] = [{n: getattr(e, n) for n in _EVIDENCE_FIELDS} for e in inc.evidence]
    d["n_sources"] = len(inc.sources)
    return d


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _search_text(inc: Incident) -> str:
    parts = [inc.incident_id, inc.place, inc.commune, inc.insee, inc.department, inc.region,
             inc.prison_id, inc.target, " ".join(inc.types)]
    for s in inc.sources:
        parts += [s.source, s.title, s.author]
    parts += [e.quote for e in inc.evidence]
    return _fold(" ".join(p for p in parts if p))


def _km(a: Incident, b: Incident) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def same_place(a: Incident, b: Incident) -> bool:
    """Same facility, else same commune (INSEE code, else name and department), else
    two approximate points within MERGE_KM."""
    if a.prison_id and b.prison_id:
        return a.prison_id == b.prison_id
    if a.insee and b.insee:
        return a.insee == b.insee
    if a.commune and b.commune and _fold(a.commune) == _fold(b.commune):
        return not (a.department and b.department) or _fold(a.department) == _fold(b.department)
    if (a.geo_precision == b.geo_precision == "approximate"
            and None not in (a.lat, a.lon, b.lat, b.lon)):
        return _km(a, b) <= MERGE_KM
    return False


def compatible_types(a: Iterable[str], b: Iterable[str]) -> bool:
    """Share a type, or one side is only generic (attack/other) or untyped."""
    sa, sb = set(a), set(b)
    return bool(sa & sb) or sa <= GENERIC_TYPES or sb <= GENERIC_TYPES


def _mergeable(inc: Incident) -> bool:
    # Only day-precise dates can be "within a day"; an undated report is never
    # merged with another article's, since nothing says it is the same event.
    return inc.event_date is not None and inc.date_precision == "day"


class _Cluster:
    def __init__(self, article_id: str, inc: Incident) -> None:
        self.members = [(article_id, inc)]
        self.articles = {article_id}
        self.types = set(inc.types)
        self.first_date = inc.event_date

    def accepts(self, article_id: str, inc: Incident) -> bool:
        if article_id in self.articles:  # one article's incidents are distinct events
            return False
        if (inc.event_date - self.first_date).days > MERGE_DAYS:
            return False
        if not compatible_types(self.types, inc.types):
            return False
        if inc.prison_id and any(
            m.prison_id and m.prison_id != inc.prison_id for _, m in self.members
        ):
            return False
        return any(same_place(m, inc) for _, m in self.members)

    def add(self, article_id: str, inc: Incident) -> None:
        self.members.append((article_id, inc))
        self.articles.add(article_id)
        self.types |= set(inc.types)


def merge_incidents(
    members: Sequence[tuple[str, Incident]],
) -> list[tuple[Incident, list[tuple[str, str]]]]:
    """Group article-level incidents reporting the same event; one Incident per group.

    Same event = different articles, same place (`same_place`), compatible types,
    day-precise event dates at most MERGE_DAYS apart (all pairwise). Members are
    visited in (date, id) order, so the result does not depend on ingest order.
    Returns each merged incident with its (article_id, member incident_id) keys.
    """
    dated = sorted(
        (m for m in members if _mergeable(m[1])),
        key=lambda m: (m[1].event_date, m[1].incident_id, m[0]),
    )
    clusters: list[_Cluster] = []
    active: list[_Cluster] = []
    for article_id, inc in dated:
        active = [c for c in active if (inc.event_date - c.first_date).days <= MERGE_DAYS]
        for cluster in active:
            if cluster.accepts(article_id, inc):
                cluster.add(article_id, inc)
                break
        else:
            cluster = _Cluster(article_id, inc)
            clusters.append(cluster)
            active.append(cluster)
    clusters += [_Cluster(a, inc) for a, inc in members if not _mergeable(inc)]
    out = [(_combine(c.members), sorted((a, m.incident_id) for a, m in c.members))
           for c in clusters]
    out.sort(key=lambda pair: pair[0].incident_id)
    return out


def _reported(inc: Incident) -> dt.date:
    dates = [s.published for s in inc.sources if s.published]
    return min(dates) if dates else dt.date.max


def _combine(members: list[tuple[str, Incident]]) -> Incident:
    """One incident from the reports of one event (see docs in `merge_incidents`)."""
    ordered = [m for _, m in sorted(members, key=lambda m: (_reported(m[1]),
                                                            m[1].incident_id, m[0]))]
    first = ordered[0]
    precision = {p: n for n, p in enumerate(GEO_PRECISIONS)}
    where = min(ordered, key=lambda m: precision.get(m.geo_precision, len(precision)))

    sources: dict[str, Source] = {}  # one per article: n_sources counts articles
    for article_id, inc in members:
        for s in inc.sources:
            sources.setdefault(s.article_id or article_id, s)
    source_list = sorted(
        sources.values(),
        key=lambda s: (s.published or dt.date.max, s.source, s.article or "", s.url or ""),
    )
    rank = {s.article_id: n for n, s in enumerate(source_list)}
    evidence = []
    for inc in sorted(ordered, key=lambda m: (rank.get(m.sources[0].article_id, 0)
                                              if m.sources else 0, m.incident_id)):
        for e in inc.evidence:
            if e not in evidence:
                evidence.append(e)

    specific = {t for m in ordered for t in m.types} - GENERIC_TYPES
    all_types = {t for m in ordered for t in m.types}
    kept = specific or all_types
    types = [t for t in TYPE_SEVERITY if t in kept] + sorted(kept - set(TYPE_SEVERITY))

    days = Counter(m.event_date for m in ordered)
    event_date = min(days, key=lambda d: (-days[d], d or dt.date.max))
    published = [s.published for s in source_list if s.published]

    def most(attr: str) -> int | None:
        values = [getattr(m, attr) for m in ordered if getattr(m, attr) is not None]
        return max(values) if values else None

    if len(ordered) == 1:
        return dataclasses.replace(first, sources=source_list, evidence=evidence)
    return dataclasses.replace(
        first,
        event_date=event_date,
        date_precision=first.date_precision,
        first_reported=min(published) if published else first.first_reported,
        types=types,
        primary_type=primary_type(types),
        place=where.place, commune=where.commune, insee=where.insee,
        department=where.department, region=where.region, lat=where.lat, lon=where.lon,
        geo_precision=where.geo_precision, radius_km=where.radius_km,
        prison_id=where.prison_id or next((m.prison_id for m in ordered if m.prison_id), None),
        target=where.target or next((m.target for m in ordered if m.target), None),
        killed=most("killed"),
        injured=most("injured"),
        sources=source_list,
        evidence=evidence,
        confidence=max(m.confidence for m in ordered),
        status="auto",
        article=first.article,
    )
