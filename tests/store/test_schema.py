"""Schema versions (geo.store.schema): a new store and an upgraded old one have the same
tables; an old read-only file is read as it is from READABLE_FROM on, and refused with a
message saying what to do below it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from geo.errors import StoreError
from geo.store import sqlite as backend
from geo.store.schema import READABLE_FROM, SCHEMA_VERSION, UPGRADES
from geo.store.sqlite import Store
from tests.test_store import make

LATER_TABLES = {"review_log", "web_seen", "web_feeds"}


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def version_1_store(path: Path) -> Path:
    """A store with two incidents, as version 1 left it (no audit log, no feed tables)."""
    with Store(path) as store:
        store.add_incidents([make(1), make(2)])
    conn = sqlite3.connect(path)
    for table in LATER_TABLES:
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return path


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_one_upgrade_step_per_version_and_version_1_reads_as_is() -> None:
    assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION))
    assert 1 <= READABLE_FROM <= SCHEMA_VERSION


def test_a_new_store_has_every_table_of_the_upgrades(tmp_path: Path) -> None:
    Store(tmp_path / "s.sqlite").close()
    assert tables(tmp_path / "s.sqlite") >= LATER_TABLES
    assert user_version(tmp_path / "s.sqlite") == SCHEMA_VERSION


def test_a_writable_version_1_store_is_upgraded_on_opening(tmp_path: Path) -> None:
    path = version_1_store(tmp_path / "s.sqlite")
    assert not LATER_TABLES & tables(path)
    with Store(path) as store:
        assert store.count() == 2 and store.get("inc-001") is not None
    assert tables(path) >= LATER_TABLES and user_version(path) == SCHEMA_VERSION


def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store opens as one on read-only media would (as root, modes do not hold)."""
    monkeypatch.setattr(backend, "read_only_uri",
                        lambda p: f"{p.resolve().as_uri()}?mode=ro" if p.exists() else None)


def test_a_read_only_version_1_store_is_read_and_left_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = version_1_store(tmp_path / "s.sqlite")
    read_only(monkeypatch)
    with Store(path) as store:
        assert store.read_only and store.count() == 2
        assert [i.incident_id for i in store.query()] == ["inc-002", "inc-001"]
    assert user_version(path) == 1 and not LATER_TABLES & tables(path)


def test_a_read_only_store_too_old_to_read_says_to_open_it_writable_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = version_1_store(tmp_path / "s.sqlite")
    read_only(monkeypatch)
    monkeypatch.setattr(backend, "READABLE_FROM", 2)  # as if version 1 could not be read
    with pytest.raises(StoreError) as caught:
        Store(path)
    message = str(caught.value)
    assert message.startswith(f"{path} has the store format of an older version (schema 1")
    assert "open it once where it can be written" in message and "geo ingest" in message
    assert user_version(path) == 1


def test_a_read_only_file_that_is_no_store_is_named(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    read_only(monkeypatch)
    with pytest.raises(StoreError, match=r"other\.sqlite is a SQLite file but not an incident"):
        Store(other)
    with pytest.raises(StoreError, match=r"empty\.sqlite is empty .* read-only"):
        Store(empty)
