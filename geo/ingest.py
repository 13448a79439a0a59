"""Ingest orchestration: which files of an ingest to read and extract, in which order,
ahead in worker processes or one by one, before any write transaction.

The store (`geo.store`) commits what this returns; reading, extraction and
geocoding never happen while it holds its write lock. Stages are looked up on
`geo.pipeline` at call time (tests substitute them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import pipeline
from geo.errors import ArticleError, GeoError, StoreError
from geo.model import Incident

log = logging.getLogger(__name__)


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
class Pending:
    path: Path
    key: str
    file_hash: str
    article: Any
    incidents: list[Incident]



def path_key(path: str | os.PathLike[str]) -> str:
    """The identity of a file across runs and working directories."""
    return str(Path(path).resolve())


def shown(path: str | os.PathLike[str]) -> str:
    """A path as people read it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


#: `(article_id, path_key) -> path_key` of another stored article with that text, or None.
FindOther = Callable[[str, str], str | None]


def read_files(
    files: Sequence[Path],
    known: dict[str, tuple[str, str]],
    report: IngestReport,
    find_other: FindOther,
    *,
    geocoder: Any = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    first: int = 1,
    total: int | None = None,
) -> list[Pending]:
    """Read and extract the files that changed (`known`: path_key -> (article id, file
    hash) of the stored ones), outside any transaction; report every file."""
    pending: list[Pending] = []
    total = len(files) if total is None else total
    geo_holder = [geocoder]  # created on the first file that needs extraction
    # Many files: extracted ahead by worker processes (geo.parallel), taken in order.
    ahead = Ahead.start(files, known, force) if geocoder is None else None
    try:
        for done, path in enumerate(files, first):
            status, message = _process(path, known, pending, report, geo_holder, force,
                                       ahead, find_other)
            if progress is not None:
                progress(Progress(done, total, shown(path), status, message))
    finally:
        if ahead is not None:
            ahead.close()
        if geocoder is None and geo_holder[0] is not None:
            close = getattr(geo_holder[0], "close", None)
            if close is not None:
                close()
    return pending


def _process(
    path: Path,
    known: dict[str, tuple[str, str]],
    pending: list[Pending],
    report: IngestReport,
    geo_holder: list[Any],
    force: bool,
    ahead: Ahead | None,
    find_other: FindOther,
) -> tuple[str, str]:
    """Read and extract one file outside any transaction; return (status, message)."""
    key = path_key(path)
    done = ahead.take(path) if ahead is not None else None
    try:
        file_hash = done[0] if done else pipeline.fingerprint(path)
        if not force and key in known and known[key][1] == file_hash:
            report.skipped.append((shown(path), "unchanged"))
            return "unchanged", "unchanged"
        if done and done[1] == "failed":
            report.failed.append((shown(path), done[2]))
            return "failed", done[2]
        article = done[2] if done else pipeline.load(path)
        report.warnings.extend(getattr(article, "warnings", []) or [])
        other = find_other(article.id, key)
        if other is not None:
            reason = f"same text as {shown(other)}"
            report.skipped.append((shown(path), reason))
            return "duplicate", reason
        if done:
            incidents = done[3]
        else:
            if geo_holder[0] is None:
                geo_holder[0] = pipeline.make_geocoder()
            incidents = pipeline.extract(article, geo_holder[0])
    except GeoError as exc:
        message = exc.cause if isinstance(exc, ArticleError) else str(exc)
        report.failed.append((shown(path), message))
        return "failed", message
    except RecursionError:  # e.g. a sidecar of 100,000 nested arrays
        message = "nested too deeply to read (its sidecar's JSON?)"
        report.failed.append((shown(path), message))
        return "failed", message
    except Exception as exc:  # a bug on one article must not lose the others
        log.debug("extraction failed on %s", path, exc_info=True)
        message = f"internal error: {type(exc).__name__}: {exc}"
        report.failed.append((shown(path), message))
        return "failed", message
    pending.append(Pending(path, key, file_hash, article, incidents))
    return "extracted", f"{len(incidents)} incident{'s' if len(incidents) != 1 else ''}"


class Ahead:
    """Files of an ingest extracted ahead in worker processes (`geo.parallel`): the same
    decisions as `_process` (skip unchanged files unless forced), results taken
    in file order, so the ingest gives exactly what a serial one gives."""

    def __init__(self, hashes: dict[Path, str], results: Iterator[tuple[str, str, Any, Any]]):
        self.hashes = hashes
        self._results = results

    @classmethod
    def start(cls, files: Sequence[Path], known: Mapping[str, tuple[str, str]],
              force: bool) -> Ahead | None:
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

