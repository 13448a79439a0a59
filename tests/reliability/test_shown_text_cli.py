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


def test_hidden_folders_are_not_read_and_each_is_named(geo_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    """`.git/`, `.obsidian/`, a nested `.cache/`: never walked into (an article inside
    is not read), each named once with its trailing slash and counted; a folder given
    by name is read even when its own name starts with a dot."""
    folder = tmp_path / "in"
    for sub in (".git/objects/ab", ".obsidian", "2025/.cache/deep", "2025/mars"):
        (folder / sub).mkdir(parents=True)
    (folder / "a.txt").write_text(ARTICLE, "utf-8")
    (folder / "2025" / "mars" / "b.md").write_text(
        "Un surveillant a été agressé à la prison de Fresnes le 4 mars 2025.", "utf-8")
    (folder / ".git" / "objects" / "ab" / "note.txt").write_text(ARTICLE.replace("3", "5"))
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", "utf-8")
    (folder / ".obsidian" / "workspace.md").write_text(ARTICLE.replace("3", "6"), "utf-8")
    (folder / ".obsidian" / ".draft.md").write_text(ARTICLE.replace("3", "7"), "utf-8")
    (folder / "2025" / ".cache" / "deep" / "c.txt").write_text(ARTICLE.replace("3", "8"))
    result = run_geo(geo_env, "ingest", "-q", folder)
    assert result.returncode == 0, result.stderr  # hidden folders are not failures
    skipped = [x for x in result.stderr.splitlines() if x.startswith("skipped ")]
    assert skipped == [
        f"skipped {folder / name}/: hidden folder (its name starts with a dot): not read"
        for name in (".git", ".obsidian", "2025/.cache")]
    assert "2 added" in result.stderr and "3 hidden folders" in result.stderr
    assert "hidden file" not in result.stderr  # .obsidian/.draft.md: inside, not listed
    export = run_geo(geo_env, "export")
    assert export.returncode == 0
    assert "Nîmes" in export.stdout and "Fresnes" in export.stdout
    for day in ("5 mars", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08"):
        assert day not in export.stdout  # nothing from the hidden folders

    again = run_geo(geo_env, "ingest", folder / ".obsidian")  # given by name: read
    assert again.returncode == 0, again.stderr
    assert "1 added" in again.stderr and "1 hidden file" in again.stderr


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
