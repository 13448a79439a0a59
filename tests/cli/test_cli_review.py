"""`python -m geo review ...` through main(): the same decisions as the Review page."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from geo import auth
from geo.cli import main

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for f in ARTICLES.glob("fr_toulon_tirs.*"):
        shutil.copy(f, folder)
    for var, name in (("GEO_DB", "store.sqlite"), ("GEO_CORRECTIONS", "corrections.json"),
                      ("GEO_CACHE", "cache.sqlite"), ("GEO_USERS", "users.json")):
        monkeypatch.setenv(var, str(tmp_path / name))
    monkeypatch.setenv("GEO_OFFLINE", "1")
    assert main(["ingest", str(folder)]) == 0
    return folder


def listed(capsys: pytest.CaptureFixture[str], *extra: str) -> list[list[str]]:
    capsys.readouterr()
    assert main(["review", "list", *extra]) == 0
    return [line.split("\t") for line in capsys.readouterr().out.splitlines()]


def test_reject_edit_log_and_ingest_force(store: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    rows = listed(capsys)
    assert len(rows) == 2 and float(rows[0][2]) <= float(rows[1][2])  # least confident first
    toulon = next(r[0] for r in rows if "Toulon" in r[5])
    valence = next(r[0] for r in rows if "Valence" in r[5])
    assert main(["review", "reject", toulon, "--by", "ana"]) == 2
    assert "reason" in capsys.readouterr().err
    assert main(["review", "reject", toulon, "--reason", "a drill"]) == 2
    assert "--by" in capsys.readouterr().err
    assert main(["review", "reject", toulon, "--reason", "a drill", "--by", "ana"]) == 0
    assert main(["review", "edit", valence, "--prison", "ma-nice", "--set", "killed=0",
                 "--by", "ana"]) == 0
    assert main(["review", "edit", valence, "--set", "killed=lots", "--by", "ana"]) == 2
    assert "killed" in capsys.readouterr().err
    assert main(["ingest", str(store), "--force"]) == 0
    assert [r[0] for r in listed(capsys)] == [valence]  # reviewed ones are left out
    assert {r[0]: r[1] for r in listed(capsys, "--all")} == {valence: "auto",
                                                             toulon: "rejected"}
    capsys.readouterr()
    assert main(["export", "--format", "csv"]) == 0
    exported = list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert [(r["incident_id"], r["prison_id"], r["department"], r["killed"])
            for r in exported] == [(valence, "ma-nice", "Alpes-Maritimes", "0")]
    out = tmp_path / "log.csv"
    assert main(["review", "log", "--csv", "-o", str(out)]) == 0
    log = list(csv.DictReader(io.StringIO(out.read_text("utf-8").lstrip("\ufeff"))))
    assert [(r["who"], r["action"], r["incident_id"], r["reason"]) for r in log] == [
        ("ana", "edit", valence, ""), ("ana", "reject", toulon, "a drill")]
    assert json.loads(log[0]["after"])["prison_id"] == "ma-nice"


def test_by_must_be_a_user_when_there_is_a_users_file(
        store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth.add_user("ana", "long enough")
    first = listed(capsys)[0][0]
    assert main(["review", "verify", first, "--by", "bob"]) == 2
    assert "not a user" in capsys.readouterr().err
    assert main(["review", "verify", first, "--by", "ana"]) == 0
    assert main(["review", "split", first, "--by", "ana"]) == 2
    assert "one article" in capsys.readouterr().err
    assert main(["review", "merge", first, "--by", "ana"]) == 2
    capsys.readouterr()
    assert main(["review", "log", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "verify"
