"""Names on the command line as people type them (issue 16): case and accents ignored,
prisons by name or alias, a warning with the closest values for an unknown one, the
subcommand's own usage for a wrong option, `extract` on a folder pointing to `ingest`."""

from __future__ import annotations

import csv
import datetime as dt
import io
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
        types=["gunfire"], primary_type="gunfire", place=f"Prison {n}", lat=43.1, lon=5.5,
        geo_precision="commune", sources=[Source("Le Monde", published=dt.date(2025, 4, n))],
        evidence=[Evidence("types", f"Des tirs ont visé la prison numéro {n}.")],
    )
    base.update(fields)
    return Incident(**base)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "store.sqlite"
    with Store(db) as store:
        store.add_incidents([
            incident(1, department="Bouches-du-Rhône", prison_id="cp-marseille",
                     place="Marseille"),
            incident(2, types=["arson"], primary_type="arson", department="Var",
                     prison_id="cp-toulon-la-farlede"),
        ])
    return {**os.environ, "GEO_DB": str(db), "GEO_OFFLINE": "1",
            "GEO_CACHE": str(tmp_path / "geocache.sqlite")}


def geo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize(("args", "expected"), [
    (["--department", "var"], ["i2"]),
    (["--department", "Bouches-du-Rhone"], ["i1"]),
    (["--department", "bouches du rhône"], ["i1"]),
    (["--source", "le monde"], ["i2", "i1"]),
    (["--type", "Gunfire"], ["i1"]),
    (["--type", "ARSON"], ["i2"]),
    (["--type", "incendie"], ["i2"]),  # the French label
    (["--prison", "Centre pénitentiaire de Marseille-Baumettes"], ["i1"]),
    (["--prison", "les baumettes"], ["i1"]),  # a press alias
    (["--prison", "CP-TOULON-LA-FARLEDE"], ["i2"]),
])
def test_names_match_whatever_their_case_and_accents(
    env: dict[str, str], args: list[str], expected: list[str],
) -> None:
    result = geo(env, "export", *args)
    assert result.returncode == 0, result.stderr
    assert [r["incident_id"] for r in rows(result.stdout)] == expected
    assert b"warning" not in result.stderr


@pytest.mark.parametrize(("args", "closest"), [
    (["--department", "Atlantis"], "Loire-Atlantique"),
    (["--prison", "nonexistent"], "closest:"),
    (["--source", "le parisien"], "Le Monde"),
])
def test_a_value_matching_nothing_known_warns_with_the_closest(
    env: dict[str, str], args: list[str], closest: str,
) -> None:
    result = geo(env, "export", *args)
    assert result.returncode == 0
    assert rows(result.stdout) == []
    err = result.stderr.decode()
    assert f"warning: {args[0]} {args[1]!r} matches no known" in err and closest in err


def test_an_unknown_type_is_refused_with_the_closest(env: dict[str, str]) -> None:
    result = geo(env, "export", "--type", "gunfir")
    assert result.returncode == 2
    assert b"invalid choice: 'gunfir'" in result.stderr and b"closest: gunfire" in result.stderr


def test_one_incident_is_singular(env: dict[str, str], tmp_path: Path) -> None:
    result = geo(env, "export", "--type", "arson", "-o", str(tmp_path / "a.csv"))
    assert b"export: 1 incident to" in result.stderr


def test_a_wrong_option_after_a_subcommand_shows_that_subcommands_usage(
    env: dict[str, str],
) -> None:
    result = geo(env, "export", "--bogus")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "usage: python -m geo export" in err and "unrecognized arguments: --bogus" in err


def test_geocode_warns_about_an_unknown_department(env: dict[str, str]) -> None:
    result = geo(env, "geocode", "--department", "Atlantis", "Nimes")
    assert result.returncode == 0
    assert b"--department 'Atlantis' matches no known department" in result.stderr
    assert b"Loire-Atlantique" in result.stderr


def test_extract_on_a_folder_points_to_ingest(env: dict[str, str]) -> None:
    result = geo(env, "extract", "seeds")
    assert result.returncode == 1
    assert b"python -m geo ingest seeds" in result.stderr
