"""`geo extract` files incidents under the department their point lies in."""

from __future__ import annotations

import json
from pathlib import Path

from geo.cli import main

SEED = Path(__file__).resolve().parents[2] / "seeds" / "004_3bca5d6d07408c2f.txt"


def test_the_seed_ambush_is_in_the_eure(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "geocache.sqlite"))
    assert main(["extract", "--json", str(SEED)]) == 0
    (ambush,) = [d for d in json.loads(capsys.readouterr().out) if "ambush" in d["types"]]
    assert (ambush["geo_precision"], ambush["department"], ambush["region"]) == (
        "approximate", "Eure", "Normandie")
