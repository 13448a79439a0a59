"""The persistent cache: round trips, negative expiry, concurrent writers, corruption."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from geo.cache import MISS, GeoCache

PLACE = [{"name": "Bey", "lat": 46.22, "lon": 4.85, "department_code": "01"}]


def test_round_trip_survives_a_restart(tmp_path):
    path = tmp_path / "c.sqlite"
    with GeoCache(path) as cache:
        assert cache.get("bey", "dept=01", "ban") is MISS
        cache.put("bey", "dept=01", "ban", PLACE)
        assert cache.get("bey", "dept=01", "ban") == PLACE
    with GeoCache(path) as cache:  # a new process: from SQLite, not memory
        assert cache.get("bey", "dept=01", "ban") == PLACE
        assert len(cache) == 1


def test_key_includes_context_and_provider(tmp_path):
    with GeoCache(tmp_path / "c.sqlite") as cache:
        cache.put("bey", "dept=01", "ban", PLACE)
        assert cache.get("bey", "dept=71", "ban") is MISS
        assert cache.get("bey", "dept=01", "nominatim") is MISS
        assert cache.get("bey", "dept=01", "ban") == PLACE


def test_wal_journal(tmp_path):
    path = tmp_path / "c.sqlite"
    GeoCache(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_negative_answers_expire(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    with GeoCache(path, negative_ttl=60) as cache:
        cache.put("nowhere", "", "ban", None)
        assert cache.get("nowhere", "", "ban") is None  # a cached "no such place"
        later = time.time() + 61
        monkeypatch.setattr(time, "time", lambda: later)
        assert cache.get("nowhere", "", "ban") is MISS
        assert cache.purge_expired() == 1
        assert len(cache) == 0


def test_positive_answers_expire_too(tmp_path, monkeypatch):
    """A wrong answer once cached must not be trusted for ever (GEO_CACHE_DAYS)."""
    monkeypatch.setenv("GEO_CACHE_DAYS", "2")
    with GeoCache(tmp_path / "c.sqlite", negative_ttl=1) as cache:
        cache.put("bey", "", "ban", PLACE)
        soon, later = time.time() + 86400, time.time() + 3 * 86400
        monkeypatch.setattr(time, "time", lambda: soon)
        cache.clear_memory()
        assert cache.get("bey", "", "ban") == PLACE
        monkeypatch.setattr(time, "time", lambda: later)
        cache.clear_memory()
        assert cache.get("bey", "", "ban") is MISS


@pytest.mark.parametrize("stored", ["not json", "[1, 2, 3]", '{"error": 1}', "[" * 100000])
def test_a_bad_row_is_a_miss_and_deleted(tmp_path, stored):
    path = tmp_path / "c.sqlite"
    with GeoCache(path) as cache:
        cache.put("bey", "", "ban", PLACE)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE answers SET result = ?", (stored,))
    with GeoCache(path) as cache:
        assert cache.get("bey", "", "ban") is MISS
        assert len(cache) == 0


def test_a_cache_with_the_wrong_schema_is_set_aside(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE answers (key TEXT PRIMARY KEY, blob BLOB)")
    with caplog.at_level(logging.WARNING, logger="geo.cache"):
        cache = GeoCache(path)
    assert "set aside" in caplog.text
    cache.put("bey", "", "ban", PLACE)
    assert cache.get("bey", "", "ban") == PLACE
    cache.close()


def test_list_purge_and_clear(tmp_path):
    with GeoCache(tmp_path / "c.sqlite") as cache:
        cache.put("bey", "dept=01", "ban", PLACE)
        cache.put("bey", "", "nominatim", PLACE)
        cache.put("nowhere", "", "ban", None)
        assert {e["query"] for e in cache.entries()} == {"bey", "nowhere"}
        assert cache.purge("bey", "ban") == 1
        assert cache.get("bey", "dept=01", "ban") is MISS
        assert cache.get("bey", "", "nominatim") == PLACE
        assert cache.clear() == 2
        assert len(cache) == 0


def _writer(path: str, worker: int, n: int, ready, go, spans) -> None:
    cache = GeoCache(Path(path))
    ready.release()
    go.wait(60)
    start = time.monotonic()
    for i in range(n):
        cache.put(f"name-{worker}-{i}", "", "ban", [{"i": i, "worker": worker}])
        cache.put("shared", "", "ban", [{"worker": worker}])  # both write the same row too
    spans[worker] = (start, time.monotonic())
    cache.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "c.sqlite"
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    spans = ctx.Manager().dict()
    n = 1500
    procs = [ctx.Process(target=_writer, args=(str(path), w, n, ready, go, spans))
             for w in range(2)]
    for p in procs:
        p.start()
    for _ in procs:
        assert ready.acquire(timeout=60)
    go.set()  # both start writing at the same moment
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    (a0, a1), (b0, b1) = spans[0], spans[1]
    assert a0 < b1 and b0 < a1  # the writes did overlap in time
    with GeoCache(path) as cache:
        assert len(cache) == 2 * n + 1
        assert cache.get(f"name-1-{n - 1}", "", "ban") == [{"i": n - 1, "worker": 1}]
        assert cache.get("name-0-0", "", "ban") == [{"i": 0, "worker": 0}]


def test_corrupt_file_is_set_aside_and_rebuilt(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with caplog.at_level(logging.WARNING, logger="geo.cache"):
        cache = GeoCache(path)
    assert "set aside" in caplog.text
    aside = list(tmp_path.glob("c.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    cache.put("bey", "", "ban", PLACE)
    assert cache.get("bey", "", "ban") == PLACE
    cache.close()


def test_damage_found_mid_use_is_recovered(tmp_path, caplog):
    path = tmp_path / "c.sqlite"
    cache = GeoCache(path)
    cache.put("bey", "", "ban", PLACE)
    cache.close()
    data = bytearray(path.read_bytes())
    data[:16] = b"garbage garbage!"  # wreck the header of the file
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="geo.cache"):
        cache = GeoCache(path)
        assert cache.get("bey", "", "ban") is MISS  # lost, but the cache works again
    cache.put("bey", "", "ban", PLACE)
    assert cache.get("bey", "", "ban") == PLACE
    assert list(tmp_path.glob("c.sqlite.corrupt-*"))


def test_unwritable_location_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="geo.cache"):
        cache = GeoCache(blocker / "sub" / "c.sqlite")  # parent is a file
    assert "memory only" in caplog.text
    cache.put("bey", "", "ban", PLACE)
    assert cache.get("bey", "", "ban") == PLACE


def test_default_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "env.sqlite"))
    with GeoCache() as cache:
        assert cache.path == tmp_path / "env.sqlite"
    assert (tmp_path / "env.sqlite").exists()


@pytest.mark.parametrize("size", [3])
def test_memory_layer_is_bounded(tmp_path, size):
    with GeoCache(tmp_path / "c.sqlite", memory_size=size) as cache:
        for i in range(10):
            cache.put(f"n{i}", "", "ban", PLACE)
        assert len(cache._memory) <= size
        assert cache.get("n0", "", "ban") == PLACE  # still in SQLite
