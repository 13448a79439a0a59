"""Online geocoders enabled but failing: the ingest finishes on offline answers.

`python -m geo ingest seeds/` runs with GEO_ONLINE=nominatim,ban pointed at the
local fake server (tests/fakes/geoserver.py) in each fault mode, or at a port
where nothing listens. It must exit 0 with exactly the incidents of an offline
ingest, say in one log line which provider failed and how, cache no failure, ask
a failed provider nothing more in the run, and leave a store the dashboard shows.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.geoserver import FakeGeocodingServer, refused_url
from streamlit.testing.v1 import AppTest

from reliability.conftest import ROOT, SEEDS, export_rows, offline_env, run_geo

#: Seconds the providers wait (GEO_ONLINE_TIMEOUT); the fake server's slow answers
#: take SLOW_S, so every request in "timeout" mode times out.
TIMEOUT_S = 0.5
SLOW_S = 3.0
SEED_INCIDENTS = 9

#: fault -> what the log line says about it, for Nominatim (asked first).
FAULTS = {
    "refused": "unreachable ([Errno 111] Connection refused)",
    "timeout": f"timed out after {TIMEOUT_S:g} s",
    "429": "rate-limited (HTTP 429), retry after 30 s",
    "500": "service error (HTTP Error 500",
    "malformed": "unreadable answer",
    "close": "unreachable",
    # issue 18: each of these used to fail every article ("internal error", 0 added)
    # or to be cached as a place or as "no such place"
    "nan": "unexpected answer",
    "abroad": "answer outside France",
    "error_json": "answer is not a list of places",
    "drip": f"timed out after {TIMEOUT_S:g} s",
    "redirect": "redirect to another host (example.org) refused",
}


@pytest.fixture
def server() -> Iterator[FakeGeocodingServer]:
    with FakeGeocodingServer() as s:
        yield s


def online_env(tmp: Path, server: FakeGeocodingServer, fault: str | None) -> dict[str, str]:
    """Both providers on, at the fake server playing `fault` (None: none) on every request."""
    tmp.mkdir(parents=True, exist_ok=True)
    if fault == "refused":
        nominatim = ban = refused_url()
    else:
        nominatim, ban = server.nominatim_url, server.ban_url
        server.always(fault, retry_after="30", delay=SLOW_S)
    env = offline_env(tmp)
    del env["GEO_OFFLINE"]
    env.update(GEO_ONLINE="nominatim,ban", GEO_NOMINATIM_URL=nominatim, GEO_BAN_URL=ban,
               GEO_ONLINE_TIMEOUT=str(TIMEOUT_S))
    return env


def cached_answers(env: dict[str, str]) -> int:
    path = Path(env["GEO_CACHE"])
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM answers").fetchone()[0]


@pytest.fixture(scope="module")
def offline_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seeds' export after an offline ingest: what a failing service must not change."""
    env = offline_env(tmp_path_factory.mktemp("offline"))
    result = run_geo(env, "ingest", SEEDS)
    assert result.returncode == 0, result.stderr
    return run_geo(env, "export").stdout


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_ingest_finishes_offline_when_the_geocoders_fail(
    tmp_path: Path, server: FakeGeocodingServer, offline_csv: str, fault: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = online_env(tmp_path, server, fault)
    result = run_geo(env, "ingest", SEEDS, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"; {SEED_INCIDENTS} incidents in " in result.stderr

    # Which provider failed, how, and that the offline answer stands.
    lines = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert any(f"nominatim: {FAULTS[fault]}" in line and "offline answer" in line
               and "nominatim is not asked again in this run" in line for line in lines), lines
    assert any("ban: " in line and "ban is not asked again" in line for line in lines), lines

    assert run_geo(env, "export").stdout == offline_csv  # the same incidents, to the byte
    assert cached_answers(env) == 0  # a failure is never cached as an answer
    for service in ("nominatim", "ban"):  # a failed provider is not asked again
        assert len(server.requests_to(service)) <= 1

    # The dashboard shows that store.
    monkeypatch.setenv("GEO_DB", env["GEO_DB"])
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", env["GEO_CACHE"])
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    shown = next(m for m in at.metric if m.label == "Incidents shown")
    assert int(shown.value) == SEED_INCIDENTS


def test_a_slow_provider_costs_one_timeout_per_run_not_one_per_place(
    tmp_path: Path, server: FakeGeocodingServer,
) -> None:
    """An article whose places the gazetteer knows only to the department sends each
    name online; once a provider has timed out, it is not asked again in this run."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "departments.txt").write_text(
        "Shots were fired at a prison in the Var on Monday. Cars were set ablaze outside a "
        "prison in the Gard on Tuesday. A guard was assaulted in a prison in the Eure on "
        "Wednesday. Graffiti covered a prison wall in the Cantal on Thursday.", "utf-8")
    expected_env = offline_env(tmp_path / "offline")
    assert run_geo(expected_env, "ingest", folder).returncode == 0
    # A working service is asked every department name: the run has several to ask.
    working = run_geo(online_env(tmp_path / "working", server, None), "ingest", folder)
    assert working.returncode == 0, working.stderr
    assert len(server.requests_to("nominatim")) >= 4, server.requests
    asked = len(server.requests)

    env = online_env(tmp_path / "slow", server, "timeout")
    result = run_geo(env, "ingest", folder, timeout=120)
    assert result.returncode == 0, result.stderr
    slow = server.requests[asked:]
    assert [r.path.split("/")[1] for r in slow] == ["nominatim", "ban"], slow
    assert sum("timed out" in line for line in result.stderr.splitlines()) == 2
    assert export_rows(env) == export_rows(expected_env)
