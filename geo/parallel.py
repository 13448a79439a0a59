"""Article extraction in worker processes, for `Store.ingest` of many files.

Reading, cleaning and extracting an article is pure CPU work (about 5 ms for
3,000 characters), so an ingest of a folder spreads it over the machine's
cores; everything else (what to skip, duplicates, the one write transaction,
the merge) stays in the calling process, in file order, so the store ends up
exactly as with a serial ingest. Small batches, a caller's own geocoder and
substituted pipeline stages (tests) stay serial.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from geo import config, pipeline

#: Fewer files than this are extracted in the calling process: starting workers
#: (about half a second) would cost more than it saves.
MIN_FILES = 48
#: Worker processes at most (and never more than the CPUs this process may use).
MAX_WORKERS = 8

#: The stages as shipped: a test that substitutes one wants it called in-process.
_STAGES = (pipeline.load, pipeline.extract, pipeline.make_geocoder)

_geocoder: Any = None  # one per worker process, made on its first article


def workers(n_files: int) -> int:
    """How many processes to use for `n_files` files (1 = serial)."""
    wanted = config.ingest_workers()
    if n_files < MIN_FILES or wanted == 1:
        return 1
    if (pipeline.load, pipeline.extract, pipeline.make_geocoder) != _STAGES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = wanted or MAX_WORKERS
    return max(1, min(cpus, limit, n_files // (MIN_FILES // 2)))


def _extract(path: str) -> tuple[str, str, Any, Any]:
    """In a worker: (path, "ok", article, incidents) or (path, "failed", message, None),
    with the messages `Store.ingest` gives for the same failures in-process."""
    global _geocoder
    from geo.errors import ArticleError, GeoError

    try:
        article = pipeline.load(Path(path))
        if _geocoder is None:
            _geocoder = pipeline.make_geocoder()
        return path, "ok", article, pipeline.extract(article, _geocoder)
    except GeoError as exc:
        return path, "failed", exc.cause if isinstance(exc, ArticleError) else str(exc), None
    except RecursionError:  # e.g. a sidecar of 100,000 nested arrays
        return path, "failed", "nested too deeply to read (its sidecar's JSON?)", None
    except Exception as exc:  # a bug on one article must not lose the others
        return path, "failed", f"internal error: {type(exc).__name__}: {exc}", None


#: Seconds between a worker's checks that the ingesting process still lives.
PARENT_POLL_S = 0.5


def watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the ingesting process is gone (`kill -9` of an
    ingest must not leave its workers running); a daemon thread polls the parent id."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def extract_all(paths: Iterable[Path], n_workers: int
                ) -> Iterator[tuple[str, str, Any, Any]]:
    """`_extract` of each path in worker processes, results in the order of `paths`.

    Forked workers start fastest; a process running threads (the dashboard) spawns
    them instead, since forking a threaded process is unsafe.
    """
    paths = [str(p) for p in paths]
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    if method == "fork":  # load once here, shared by every worker (copy-on-write)
        from geo.gazetteer import Gazetteer

        for module in ("geo.articles", "geo.extract", "geo.geocoder"):
            importlib.import_module(module)
        Gazetteer.load()
        importlib.import_module("geo.extract").warm_up()  # compiled rules, shared too
    context = multiprocessing.get_context(method)
    chunk = max(1, min(16, len(paths) // (n_workers * 4) or 1))
    with ProcessPoolExecutor(n_workers, mp_context=context, initializer=watch_parent,
                             initargs=(os.getpid(),)) as pool:
        yield from pool.map(_extract, paths, chunksize=chunk)
