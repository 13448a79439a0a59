"""Issue 18, item 10: a store on read-only media (its folder 0555, the file 0444, no
-wal/-shm) is read by `geo export`; `geo ingest` says in one line that it cannot be
changed, naming it. A read-only store of the previous schema version is read as it is;
an empty file says what to do. As root, chmod does not stop writes: the commands then run under
`setpriv` without capabilities, for which the modes hold as for anyone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.readonly import read_only_media, unprivileged

from geo.store import SCHEMA_VERSION
from tests.reliability.conftest import SEEDS, run_geo


@pytest.fixture
def read_only_store(geo_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(store, its CSV export while writable), then the store made read-only."""
    media = tmp_path / "media"
    media.mkdir()
    db = media / "incidents.sqlite"
    env = {**geo_env, "GEO_DB": str(db)}
    assert run_geo(env, "ingest", SEEDS).returncode == 0
    expected = run_geo(env, "export").stdout
    with read_only_media(db):
        yield db, expected


def run_as_user(env: dict[str, str], *args: str | Path) -> tuple[int, str, str]:
    import subprocess
    import sys

    cmd = [*unprivileged(), sys.executable, "-m", "geo", *map(str, args)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8",
                            timeout=300, check=False, cwd=Path(__file__).resolve().parents[2])
    return result.returncode, result.stdout, result.stderr


def test_export_reads_a_store_on_read_only_media(geo_env: dict[str, str],
                                                 read_only_store: tuple[Path, str]) -> None:
    db, expected = read_only_store
    env = {**geo_env, "GEO_DB": str(db)}
    code, out, err = run_as_user(env, "export")
    assert code == 0, err
    assert out == expected and out.count("\n") > 2
    code, out, err = run_as_user(env, "export", "--format", "geojson")
    assert code == 0 and '"FeatureCollection"' in out, err
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no -wal, no -shm


def test_ingest_into_a_read_only_store_is_one_line_naming_it(
    geo_env: dict[str, str], read_only_store: tuple[Path, str], tmp_path: Path,
) -> None:
    db, _ = read_only_store
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.txt").write_text("Des tirs ont visé la maison d'arrêt de Nîmes.", "utf-8")
    code, _, err = run_as_user({**geo_env, "GEO_DB": str(db)}, "ingest", new)
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        f"error: {db}: the store is read-only (its file or folder cannot be written): "
        "it can be read and exported, not changed"]


def as_version_1(db: Path) -> None:
    """Make `db` a file as the first schema wrote it: no audit log, no feed tables
    (their modules added them on first use), user_version 1."""
    conn = sqlite3.connect(db)
    for table in ("review_log", "web_seen", "web_feeds"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def user_version(db: Path) -> int:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_a_read_only_store_of_the_previous_schema_is_read_as_it_is(
        geo_env: dict[str, str], tmp_path: Path) -> None:
    assert SCHEMA_VERSION == 2, "a new schema: decide whether version 1 still reads as is"
    media = tmp_path / "media"
    media.mkdir()
    db = media / "incidents.sqlite"
    env = {**geo_env, "GEO_DB": str(db)}
    assert run_geo(env, "ingest", SEEDS).returncode == 0
    expected = run_geo(env, "export").stdout
    as_version_1(db)
    with read_only_media(db):
        code, out, err = run_as_user(env, "export")
        assert code == 0, err
        assert out == expected and out.count("\n") > 2
        code, out, err = run_as_user(env, "review", "log")
        assert code == 0 and "Traceback" not in err, err
        code, _, err = run_as_user(env, "ingest", SEEDS)
        assert code == 2 and "the store is read-only" in err
        assert user_version(db) == 1  # read as it is, not changed
    # Writable again: the first command that opens it upgrades it, data intact.
    assert run_geo(env, "export").stdout == expected
    assert user_version(db) == SCHEMA_VERSION
    assert run_geo(env, "review", "log").returncode == 0


def test_an_empty_read_only_file_says_what_to_do(geo_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    db = media / "incidents.sqlite"
    db.write_bytes(b"")
    with read_only_media(db):
        code, out, err = run_as_user({**geo_env, "GEO_DB": str(db)}, "export")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.strip().splitlines() == [
        f"error: {db} is empty (no incident store in it yet) and read-only: make it where "
        "it can be written (`python -m geo ingest`), then copy it here"]
