"""Issue 18, item 11, through the command line: dotfiles are named when skipped, a
deeply nested sidecar names its file, a URL with a password is refused by name, and
direction controls never reach an export's cells."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.reliability.conftest import SEEDS, run_geo

ARTICLE = "Des tirs ont visé la maison d'arrêt de Nîmes le 3 mars 2025."


def test_dotfiles_in_a_folder_are_reported_one_by_one(geo_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE, "utf-8")
    (folder / "._a.txt").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # macOS junk
    (folder / "sub" / ".draft.md").write_text(ARTICLE, "utf-8")
    result = run_geo(geo_env, "ingest", "-q", folder)
    assert result.returncode == 0, result.stderr  # hidden files are not failures
    lines = result.stderr.splitlines()
    for name in ("._a.txt", ".draft.md"):
        (line,) = [x for x in lines if name in x]
        assert line.startswith("skipped ") and "hidden file" in line
    assert "1 added" in result.stderr and "2 hidden" in result.stderr


def test_a_deeply_nested_sidecar_is_named_by_extract(geo_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, "utf-8")
    (tmp_path / "a.meta.json").write_text("[" * 20_000 + "]" * 20_000, "utf-8")
    result = run_geo(geo_env, "extract", tmp_path / "a.txt")
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith(
        "a.meta.json: JSON nested too deeply to read")


def test_a_url_with_a_password_is_refused(geo_env: dict[str, str]) -> None:
    env = {**geo_env, "GEO_OFFLINE": "0", "GEO_WEB_ALLOW": "127.0.0.1"}
    result = run_geo(env, "ingest", "https://user:pass@127.0.0.1:9/article")
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert "URLs with a user name or password are refused" in result.stderr


def test_direction_controls_are_not_in_exported_cells(geo_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Des tirs ont visé la maison d'arrêt de N\u202eîmes\u202c "
                                  "le 3 mars 2025 à \u2066Nîmes\u2069.", "utf-8")
    (folder / "a.meta.json").write_text(json.dumps({"source": "Midi\u202e Libre",
                                                    "title": "\u200fTirs\u061c"}), "utf-8")
    assert run_geo(geo_env, "ingest", folder, SEEDS).returncode == 0
    for fmt in ("csv", "geojson"):
        result = run_geo(geo_env, "export", "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "Midi Libre" in result.stdout and "\\u202e" not in result.stdout.lower()
        assert not set(result.stdout) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                            "\u2068\u2069\u200e\u200f\u061c")
    rows = list(csv.DictReader(io.StringIO(run_geo(geo_env, "export").stdout.lstrip("\ufeff"))))
    assert any(r["sources"].startswith("Midi Libre") for r in rows)
