"""Repository-level guarantees: lint clean, the README's commands, CI wiring."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fenced_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(re.escape(marker) + r"\s*```\w*\n(.*?)\n```", text, re.S)
    assert match, f"README.md has no command after {marker}"
    return match.group(1).strip()


def test_ruff_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_commands_create_or_reuse_the_root_venv() -> None:
    for marker in ("<!-- dashboard-command -->", "<!-- test-command -->"):
        command = _fenced_after(marker)
        assert "\n" not in command, "each README command is one line"
        assert command.startswith("python3 -m venv .venv && ")
    assert "streamlit run dashboard.py" in _fenced_after("<!-- dashboard-command -->")
    assert "pytest" in _fenced_after("<!-- test-command -->")


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "<!-- test-command -->" in script and 'bash -c "$cmd"' in script
