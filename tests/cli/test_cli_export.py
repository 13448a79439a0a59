"""`python -m geo export`, run as a user would, on a store filled in the test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo.model import Evidence, Incident, Source
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]


def incident(n: int, **fields: object) -> Incident:
    base: dict = dict(
        incident_id=f"i{n}", event_date=dt.date(2025, 4, n), date_precision="day",
        types=["gunfire"], primary_type="gunfire", place=f"Prison {n}", department="Var",
        lat=43.1, lon=-0.5, geo_precision="commune", prison_id=f"p{n}",
        sources=[Source("Le Monde", published=dt.date(2025, 4, n + 1))],
        evidence=[Evidence("types", f"Des tirs ont visé la prison numéro {n}.")],
    )
    base.update(fields)
    return Incident(**base)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "store.sqlite"
    with Store(db) as store:
        store.add_incidents([
            incident(1),
            incident(2, types=["arson"], primary_type="arson", department="Gard",
                     sources=[Source("=HYPERLINK(\"http://x\")"), Source("AFP")]),
            incident(3, event_date=None, place="Nîmes", geo_precision="department"),
            incident(4, status="rejected"),
        ])
    return {**os.environ, "GEO_DB": str(db)}


def geo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", "export", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, check=False)


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_to_stdout_is_safe_and_leaves_rejected_out(env: dict[str, str]) -> None:
    result = geo(env, "--format", "csv")
    assert result.returncode == 0, result.stderr
    out = rows(result.stdout)
    assert [r["incident_id"] for r in out] == ["i2", "i1", "i3"]
    assert out[0]["sources"] == "'=HYPERLINK(\"http://x\") | AFP"
    assert out[0]["lon"] == "-0.5"
    assert out[1]["evidence"] == "types: Des tirs ont visé la prison numéro 1."
    with_rejected = rows(geo(env, "--include-rejected").stdout)
    assert [r["incident_id"] for r in with_rejected] == ["i4", "i2", "i1", "i3"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--type", "arson"], ["i2"]),
    (["--type", "arson", "--type", "gunfire"], ["i2", "i1", "i3"]),
    (["--type", "arson", "gunfire", "--department", "Var"], ["i1", "i3"]),
    (["--source", "AFP"], ["i2"]),
    (["--from", "2025-04-02"], ["i2"]),
    (["--to", "2025-04-01"], ["i1"]),
    (["--prison", "p1", "p3"], ["i1", "i3"]),
    (["--search", "NUMERO 3"], ["i3"]),
    (["--search", "nimes"], ["i3"]),
    (["--department", "Nord"], []),
])
def test_filters_are_the_dashboards(env: dict[str, str], args: list[str],
                                    expected: list[str]) -> None:
    result = geo(env, *args)
    assert result.returncode == 0, result.stderr
    assert [r["incident_id"] for r in rows(result.stdout)] == expected


def test_geojson_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out.geojson"
    result = geo(env, "--format", "geojson", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and b"export: 3 incidents to" in result.stderr
    doc = json.loads(target.read_text("utf-8"))
    assert doc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in doc["features"]}
    assert by_id["i1"]["geometry"] == {"type": "Point", "coordinates": [-0.5, 43.1]}
    assert by_id["i3"]["geometry"] is None  # department precision is not pinned
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--type", "bombing"], b"invalid choice: 'bombing'"),
    (["--from", "last week"], b"not a date (YYYY-MM-DD): 'last week'"),
    (["--from", "2025-05-01", "--to", "2025-04-01"], b"is after --to"),
    (["--format", "xlsx"], b"invalid choice: 'xlsx'"),
])
def test_bad_arguments_exit_2_with_a_message(env: dict[str, str], args: list[str],
                                             message: bytes) -> None:
    result = geo(env, *args)
    assert result.returncode == 2 and message in result.stderr
    assert b"Traceback" not in result.stderr


def test_missing_store_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite"
    result = geo({**os.environ, "GEO_DB": str(db)})
    assert result.returncode == 2 and b"no incident store" in result.stderr
    assert not db.exists()
