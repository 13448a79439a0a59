"""`python -m geo users add|remove|list`: passwords from stdin, never argv or env."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo import auth
from geo.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_add_list_remove_through_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setenv("GEO_USERS", str(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-pass\n"))
    assert main(["users", "add", "ana", "--password-stdin"]) == 0
    assert auth.check_password("ana", "s3cret-pass", path)
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ana\tadded ") and "argon2" not in out
    assert main(["users", "remove", "ana"]) == 0
    assert auth.load_users(path) == {}
    assert main(["users", "remove", "ana"]) == 2
    assert "no user 'ana'" in capsys.readouterr().err


def test_no_password_option_and_short_password(tmp_path: Path) -> None:
    env = {**os.environ, "GEO_USERS": str(tmp_path / "users.json")}
    run = subprocess.run([sys.executable, "-m", "geo", "users", "add", "ana", "--password",
                          "x"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 2 and "unrecognized arguments" in run.stderr
    run = subprocess.run([sys.executable, "-m", "geo", "users", "add", "ana"], cwd=ROOT,
                         env=env, input="short\n", capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 2 and "too short" in run.stderr
    assert not (tmp_path / "users.json").exists()
