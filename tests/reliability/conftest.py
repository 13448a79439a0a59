"""Reliability tests run the tool as a user does: `python -m geo ...` in a subprocess,
with the store, cache and corrections in tmp_path (the compiled gazetteer index is
the real, read-only one, for speed)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def offline_env(tmp: Path) -> dict[str, str]:
    """An offline environment whose every writable file is in `tmp`."""
    env = {
        **os.environ,
        "GEO_DB": str(tmp / "store.sqlite"),
        "GEO_CACHE": str(tmp / "geocache.sqlite"),
        "GEO_CORRECTIONS": str(tmp / "corrections.json"),
        "GEO_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("GEO_ONLINE", None)
    return env


@pytest.fixture
def geo_env(tmp_path: Path) -> dict[str, str]:
    return offline_env(tmp_path)


def run_geo(env: dict[str, str], *args: str | Path, cwd: Path = ROOT,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m geo ARGS` as a user runs it; never raises on a non-zero exit."""
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          check=False)


def export_rows(env: dict[str, str]) -> list[dict[str, str]]:
    """The store's incidents as `python -m geo export` writes them (CSV rows)."""
    result = run_geo(env, "export")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
