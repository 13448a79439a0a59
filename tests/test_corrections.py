"""The analyst corrections file: strict validation with clear messages, and applying."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from geo.corrections import (
    Correction,
    apply_correction,
    fingerprint,
    load_corrections,
    parse_corrections,
)
from geo.errors import DataError
from geo.model import Incident

ROOT = Path(__file__).resolve().parent.parent


def test_the_repository_file_is_valid_and_starts_empty() -> None:
    assert load_corrections(ROOT / "data" / "corrections.json") == []


def test_the_documented_example_is_valid() -> None:
    doc = (ROOT / "docs" / "corrections.md").read_text("utf-8")
    block = re.search(r"```json\n(.*?)\n```", doc, re.S)
    assert block, "docs/corrections.md has no JSON example"
    entries = parse_corrections(json.loads(block.group(1)), "docs/corrections.md")
    assert [c.status for c in entries] == ["verified", "rejected"]
    assert entries[0].set["event_date"] == dt.date(2025, 4, 14)


def test_missing_or_blank_file_means_no_corrections(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_CORRECTIONS", str(tmp_path / "none.json"))
    assert load_corrections() == []
    blank = tmp_path / "blank.json"
    blank.write_text("\n", "utf-8")
    assert load_corrections(blank) == []


def test_values_are_converted() -> None:
    [c] = parse_corrections([{
        "incident_id": " abc ", "set": {"event_date": "2025-04-14", "lat": 43, "killed": 0,
                                         "types": ["arson", "arson", "gunfire"],
                                         "target": None, "place": "Toulon"},
        "status": "verified", "note": "n", "author": "a", "date": "2025-05-01"}])
    assert c == Correction(
        "abc", {"event_date": dt.date(2025, 4, 14), "lat": 43.0, "killed": 0,
                "types": ["arson", "gunfire"], "target": None, "place": "Toulon"},
        "verified", "n", "a", dt.date(2025, 5, 1), 0)


@pytest.mark.parametrize(("data", "message"), [
    ({"incident_id": "x"}, r"must be a JSON list"),
    ([["x"]], r"entry 0: must be an object"),
    ([{"set": {"killed": 1}}], r"entry 0: 'incident_id' must be a non-empty string"),
    ([{"incident_id": "x", "status": "rejected"}, {"incident_id": "y", "staus": "rejected"}],
     r"entry 1 \(incident y\): unknown key\(s\) 'staus'"),
    ([{"incident_id": "x"}], r"neither 'set' nor 'status'"),
    ([{"incident_id": "x", "status": "deleted"}], r"'status' must be one of auto, verified"),
    ([{"incident_id": "x", "set": {"sources": []}}], r"field 'sources' cannot be corrected"),
    ([{"incident_id": "x", "set": {"event_date": "14/04/2025"}}], r"'event_date' .*ISO date"),
    ([{"incident_id": "x", "set": {"lat": 91}}], r"'lat' must be between -90 and 90"),
    ([{"incident_id": "x", "set": {"lon": "6.0"}}], r"'lon' must be a number"),
    ([{"incident_id": "x", "set": {"killed": -1}}], r"'killed' must be a non-negative"),
    ([{"incident_id": "x", "set": {"injured": True}}], r"'injured' must be a non-negative"),
    ([{"incident_id": "x", "set": {"types": ["bombing"]}}], r"unknown type\(s\) 'bombing'"),
    ([{"incident_id": "x", "set": {"types": []}}], r"non-empty list"),
    ([{"incident_id": "x", "set": {"geo_precision": "street"}}], r"must be one of facility"),
    ([{"incident_id": "x", "set": {"confidence": None}}], r"'confidence' must be a number"),
    ([{"incident_id": "x", "set": {"place": ""}}], r"'place' must be a non-empty string"),
    ([{"incident_id": "x", "status": "verified", "date": "soon"}], r"'date' .*ISO date"),
    ([{"incident_id": "x", "status": "verified", "note": 3}], r"'note' and 'author'"),
])
def test_invalid_entries_name_the_file_entry_and_field(tmp_path: Path, data: object,
                                                       message: str) -> None:
    path = tmp_path / "corrections.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(DataError, match=re.escape(str(path)) + r": .*" + message):
        load_corrections(path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('[\n  {"incident_id": "x",}\n]', "utf-8")
    with pytest.raises(DataError, match=r"c\.json: invalid JSON at line 2"):
        load_corrections(path)


def test_apply_sets_fields_status_and_recomputes_the_primary_type() -> None:
    inc = Incident("i", types=["gunfire"], primary_type="gunfire", killed=None)
    [c1, c2, c3] = parse_corrections([
        {"incident_id": "i", "set": {"types": ["protest", "arson"], "killed": 2},
         "status": "verified"},
        {"incident_id": "i", "set": {"types": ["protest"], "primary_type": "riot"}},
        {"incident_id": "i", "status": "rejected"},
    ])
    out = apply_correction(inc, c1)
    assert (out.types, out.primary_type, out.killed, out.status) == (
        ["protest", "arson"], "arson", 2, "verified")
    assert inc.killed is None  # a copy
    assert apply_correction(out, c2).primary_type == "riot"
    assert apply_correction(out, c3).status == "rejected"
    assert apply_correction(out, c3).killed == 2


def test_fingerprint_follows_changes_not_notes() -> None:
    base = {"incident_id": "i", "set": {"killed": 1}, "note": "first"}
    a = fingerprint(parse_corrections([base]))
    assert a == fingerprint(parse_corrections([{**base, "note": "reworded", "author": "x"}]))
    assert a != fingerprint(parse_corrections([{**base, "set": {"killed": 2}}]))
    assert a != fingerprint(parse_corrections([{**base, "status": "rejected"}]))
    assert fingerprint([]) != a
