"""`python -m geo extract`: JSON output, bad files named, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from geo.cli import main

from .conftest import ROOT, SEEDS


def test_json_output(capsys, tmp_path: Path) -> None:
    rc = main(["extract", "--json", str(SEEDS / "004_3bca5d6d07408c2f.txt")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(out) == 2
    ambush = next(d for d in out if d["primary_type"] == "ambush")
    assert ambush["article"] == "004_3bca5d6d07408c2f"
    assert ambush["event_date"] == "2024-05-14"
    assert isinstance(ambush["lat"], float) and ambush["n_sources"] == 1


def test_bad_file_is_named_and_others_still_processed(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    rc = main(["extract", "--json", str(bad), str(SEEDS / "000_dc344a161f240007.txt")])
    captured = capsys.readouterr()
    assert rc == 1
    assert "empty.txt" in captured.err
    assert len(json.loads(captured.out)) == 7


def test_text_output_as_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "extract", str(SEEDS / "004_3bca5d6d07408c2f.txt")],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ambush" in proc.stdout and "approximate" in proc.stdout


def test_an_article_of_this_days_weak_cases_through_the_cli(capsys, tmp_path: Path) -> None:
    """A report the way a user adds one (file + sidecar): a short form of a prison's name,
    a visit and a planned prison as context, an attack recalled by its year."""
    article = tmp_path / "rapport.txt"
    article.write_text(
        "Des tirs ont visé la prison de Lille-Sequedin dans la nuit de lundi à mardi.\n\n"
        "Le ministre s'est rendu à la prison de Fresnes mardi, au lendemain de "
        "l'incendie de voitures devant la prison de Meaux.\n\n"
        "Le gouvernement a confirmé le projet de construction d'une prison à Nice après "
        "ces attaques. En 2019, la prison de Valence avait déjà été attaquée.\n",
        encoding="utf-8")
    (tmp_path / "rapport.meta.json").write_text(
        json.dumps({"published": "2025-04-15", "language": "fr"}), encoding="utf-8")
    rc = main(["extract", "--json", str(article)])
    out = {d["prison_id"]: d for d in json.loads(capsys.readouterr().out)}
    assert rc == 0
    assert set(out) == {"cp-lille-loos-sequedin", "cp-meaux-chauconin-neufmontiers",
                        "cp-valence"}
    assert out["cp-lille-loos-sequedin"]["event_date"] == "2025-04-14"
    assert (out["cp-valence"]["event_date"], out["cp-valence"]["date_precision"]) == (
        "2019-01-01", "year")
