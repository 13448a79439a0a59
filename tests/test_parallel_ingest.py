"""geo.parallel: an ingest of many files in worker processes gives exactly the serial store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from benchmarks.synth import write_articles
from geo import parallel, pipeline
from geo.store import Progress, Store


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table of the store but the times it was written at."""
    conn = sqlite3.connect(db)
    try:
        return {
            "articles": conn.execute(
                "SELECT article_id, path, file_hash, source, title, n_incidents FROM articles "
                "ORDER BY article_id").fetchall(),
            "article_incidents": conn.execute(
                "SELECT * FROM article_incidents ORDER BY article_id, position").fetchall(),
            "incidents": conn.execute("SELECT * FROM incidents ORDER BY rid").fetchall(),
            "docs": conn.execute("SELECT * FROM incident_docs ORDER BY rid").fetchall(),
        }
    finally:
        conn.close()


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "geocache.sqlite"))
    monkeypatch.setenv("GEO_CORRECTIONS", str(tmp_path / "none.json"))
    folder = tmp_path / "articles"
    write_articles(folder, 24)
    (folder / "broken.meta.json").write_text("{not json", "utf-8")  # one failure
    (folder / "broken.txt").write_text("Shots were fired at the prison of Fresnes.", "utf-8")
    (folder / "copy.txt").write_text((folder / "synth_000003.txt").read_text("utf-8"), "utf-8")
    return folder


def ingest(db: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, workers: str
           ) -> tuple[object, list[Progress]]:
    monkeypatch.setenv("GEO_INGEST_WORKERS", workers)
    monkeypatch.setattr(parallel, "MIN_FILES", 4)
    seen: list[Progress] = []
    with Store(db) as store:
        report = store.ingest([folder], progress=seen.append)
    return report, seen


@pytest.mark.slow
def test_parallel_ingest_equals_serial(tmp_path: Path, corpus: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES", 4)
    monkeypatch.setenv("GEO_INGEST_WORKERS", "2")
    assert parallel.workers(27) == 2
    serial, serial_progress = ingest(tmp_path / "serial.sqlite", corpus, monkeypatch, "1")
    para, para_progress = ingest(tmp_path / "parallel.sqlite", corpus, monkeypatch, "2")
    assert snapshot(tmp_path / "serial.sqlite") == snapshot(tmp_path / "parallel.sqlite")
    for attr in ("added", "skipped", "failed", "incidents"):
        assert getattr(para, attr) == getattr(serial, attr), attr
    assert [(p.path, p.status, p.message) for p in para_progress] == [
        (p.path, p.status, p.message) for p in serial_progress]
    assert [p.done for p in para_progress] == list(range(1, len(para_progress) + 1))
    assert any(p.status == "failed" and p.path.endswith("broken.txt") for p in para_progress)
    assert any("same text as" in reason for _, reason in para.skipped)  # copy.txt
    # A second parallel ingest finds everything unchanged and extracts nothing.
    again, _ = ingest(tmp_path / "parallel.sqlite", corpus, monkeypatch, "2")
    assert not again.changed and len(again.skipped) == len(serial.skipped) + len(serial.added)


def test_small_batches_and_substituted_stages_stay_serial(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv("GEO_INGEST_WORKERS", raising=False)
    assert parallel.workers(parallel.MIN_FILES - 1) == 1
    monkeypatch.setattr(pipeline, "extract", lambda article, geocoder: [])
    assert parallel.workers(10_000) == 1  # a test's fake stage must run in-process
    monkeypatch.undo()
    monkeypatch.setenv("GEO_INGEST_WORKERS", "1")
    assert parallel.workers(10_000) == 1


def test_a_worker_failure_is_reported_like_a_serial_one(tmp_path: Path) -> None:
    bad = tmp_path / "a.txt"
    bad.write_text("text", "utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"published": "not a date"}), "utf-8")
    path, status, message, incidents = parallel._extract(str(bad))
    assert (path, status, incidents) == (str(bad), "failed", None)
    assert "date" in message


def _orphan_maker(queue) -> None:  # runs in a child that starts a watched grandchild, then dies
    import multiprocessing as mp
    import os

    ctx = mp.get_context("fork")
    child = ctx.Process(target=_watched, args=(os.getpid(),))
    child.start()
    queue.send(child.pid)  # a pipe: sent before the exit below, unlike a queue's feeder
    os._exit(0)  # like kill -9: no clean-up of the worker


def _watched(parent: int) -> None:
    import time

    from geo.parallel import watch_parent

    watch_parent(parent)
    time.sleep(120)  # a worker busy with an article


def test_workers_exit_when_the_ingest_is_killed() -> None:
    """Issue 18, item 11: `kill -9` of an ingest left its worker processes running."""
    import multiprocessing as mp
    import os
    import time

    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    maker = ctx.Process(target=_orphan_maker, args=(sender,))
    maker.start()
    assert receiver.poll(30)
    pid = receiver.recv()
    maker.join(timeout=30)
    deadline = time.monotonic() + 30  # generous: the worker polls every 0.5 s
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            state = stat.rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            break
        if state in ("Z", "X"):  # exited; its new parent has not reaped it yet
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        raise AssertionError("the orphaned worker kept running")
