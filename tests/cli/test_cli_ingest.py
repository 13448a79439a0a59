"""`python -m geo ingest`, run as a user would: a subprocess with GEO_DB in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GEO_DB": str(tmp_path / "store.sqlite"),
        "GEO_CACHE": str(tmp_path / "geocache.sqlite"),
        "GEO_CORRECTIONS": str(tmp_path / "corrections.json"),
        "GEO_OFFLINE": "1",
    }


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    return folder


def geo(env: dict[str, str], *args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def dump(db: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def incident_count(db: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    finally:
        conn.close()


def test_ingest_shows_progress_and_a_second_run_changes_nothing(env: dict[str, str],
                                                                seeds: Path) -> None:
    first = geo(env, "ingest", "articles", cwd=seeds.parent)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    names = sorted(p.name for p in seeds.glob("*.txt"))
    n = len(names)
    for i, name in enumerate(names, 1):
        assert any(line.startswith(f"[{i}/{n}] articles/{name}: ") and "incident" in line
                   for line in lines), first.stderr
    assert f"ingest: {n} added, 0 updated, 0 unchanged, 0 failed;" in first.stderr
    count = incident_count(env["GEO_DB"])
    assert count > 0 and f"; {count} incidents in " in first.stderr
    before = dump(env["GEO_DB"])

    second = geo(env, "ingest", seeds)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count(": unchanged") == n
    assert f"0 added, 0 updated, {n} unchanged, 0 failed" in second.stderr
    assert dump(env["GEO_DB"]) == before


def test_a_bad_file_is_skipped_named_and_the_others_are_committed(env: dict[str, str],
                                                                  seeds: Path) -> None:
    (seeds / "0_empty.txt").write_text("", "utf-8")
    (seeds / "0_broken.txt").write_text("Des tirs ont visé la prison.", "utf-8")
    (seeds / "0_broken.meta.json").write_text("{not json", "utf-8")
    result = geo(env, "ingest", seeds, seeds.parent / "missing")
    assert result.returncode == 1
    err = result.stderr
    assert "skipped " in err and "0_empty.txt: " in err
    assert "0_broken.txt" in err and "missing: no such file or folder" in err
    assert "Traceback" not in err
    good = len(list((ROOT / "seeds").glob("*.txt")))
    assert f"ingest: {good} added, 0 updated, 0 unchanged, 3 failed;" in err
    assert incident_count(env["GEO_DB"]) > 0


def test_default_folder_is_seeds(env: dict[str, str]) -> None:
    result = geo(env, "ingest", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "[1/" not in result.stderr  # --quiet: no per-file lines
    good = len(list((ROOT / "seeds").glob("*.txt")))
    assert f"ingest: {good} added" in result.stderr and env["GEO_DB"] in result.stderr


def test_corrections_file_errors_and_warnings(env: dict[str, str], seeds: Path) -> None:
    corrections = Path(env["GEO_CORRECTIONS"])
    corrections.write_text('[{"incident_id": "x", "set": {"killed": "two"}}]', "utf-8")
    bad = geo(env, "ingest", seeds)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith(f"error: {corrections}: entry 0")
    assert "'killed'" in bad.stderr and "Traceback" not in bad.stderr

    corrections.write_text(json.dumps([{"incident_id": "no-such-id", "status": "rejected"}]),
                           "utf-8")
    ok = geo(env, "ingest", seeds)
    assert ok.returncode == 0, ok.stderr
    assert "warning: correction 0 (no-such-id): no such incident in the store" in ok.stderr


def test_unusable_store_is_one_clear_line(env: dict[str, str], seeds: Path,
                                          tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 200)
    result = geo({**env, "GEO_DB": str(junk)}, "ingest", seeds)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {junk}") and "Traceback" not in result.stderr
