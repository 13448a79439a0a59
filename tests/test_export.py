"""CSV (spreadsheet-safe, UTF-8 with BOM) and GeoJSON exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import export
from geo.display import plain
from geo.model import Evidence, Incident, Source


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def sample(**fields: object) -> Incident:
    base: dict = dict(
        incident_id="a1", event_date=dt.date(2025, 4, 14), date_precision="day",
        first_reported=dt.date(2025, 4, 15), types=["gunfire", "arson"], primary_type="gunfire",
        place="Centre pénitentiaire de Toulon-La Farlède", commune="La Farlède",
        insee="83054", department="Var", region="Provence-Alpes-Côte d'Azur",
        lat=43.16866, lon=6.04323, geo_precision="facility", prison_id="cp-toulon",
        target="prison", killed=0, injured=2,
        sources=[Source("Le Monde", title="Tirs, « rafales » à Toulon",
                        url="https://example.org/a", published=dt.date(2025, 4, 15)),
                 Source("AFP", published=None)],
        evidence=[Evidence("place", "The prison in Toulon was hit."),
                  Evidence("types", "The prison in Toulon was hit."),
                  Evidence("killed", 'Nobody died, "officials" said.')],
        confidence=0.85,
    )
    base.update(fields)
    return Incident(**base)


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-cmd", "@SUM(A1)", "\tx", "\rx",
                                  "=HYPERLINK(\"http://evil\")"])
def test_formula_cells_are_neutralised(text: str) -> None:
    assert export.neutralise(text) == "'" + text
    inc = sample(place=text, sources=[Source(text, title=text)], evidence=[])
    [row] = parse(export.to_csv([inc]))
    assert row["place"] == row["sources"] == row["source_titles"] == "'" + text
    props = export.to_geojson([inc])["features"][0]["properties"]
    assert props["place"] == "'" + text


@pytest.mark.parametrize("hidden", ["\ufeff", "\u200b", "\xa0", " ", "'", '"', "\n",
                                    "\u202e", " \u200b\ufeff"])
@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://evil\")", "+1", "-1+2", "@SUM(A1)"])
def test_formulas_behind_invisible_characters_are_neutralised(hidden: str, formula: str) -> None:
    """Attack of issue 18: U+FEFF, U+200B, NBSP, a space, a quote or a newline before
    the formula character. Direction controls are removed from cells (geo.display)."""
    text = hidden + formula
    inc = sample(place=text, sources=[Source(text, title=text)], evidence=[])
    csv_text = export.to_csv([inc])
    [row] = parse(csv_text)
    cell = "'" + plain(text)
    assert row["place"] == row["sources"] == row["source_titles"] == cell
    assert export.to_geojson([inc])["features"][0]["properties"]["place"] == cell
    assert export.frame_to_csv(export.incidents_frame([inc])) == csv_text  # vectorised too


@pytest.mark.parametrize("text", ["Toulon", "1+1", "a=b", "", "'quoted", " spaced", "\ufeffToulon"])
def test_harmless_cells_are_unchanged(text: str) -> None:
    assert export.neutralise(text) == text


def test_numbers_stay_numbers_even_negative() -> None:
    [row] = parse(export.to_csv([sample(lat=-21.1151, lon=-1.5, radius_km=0.0,
                                        killed=None, confidence=1.0)]))
    assert (row["lat"], row["lon"], row["radius_km"], row["killed"], row["injured"]) == (
        "-21.1151", "-1.5", "0.0", "", "2")
    assert row["confidence"] == "1.0" and row["n_sources"] == "2"


def test_every_field_with_lists_joined() -> None:
    text = export.to_csv([sample()])
    assert text.splitlines()[0] == "\ufeff" + ",".join(export.COLUMN_NAMES)
    assert "\r\n" in text
    [row] = parse(text)
    assert list(row) == list(export.COLUMN_NAMES)
    assert row["types"] == "gunfire;arson"
    assert row["sources"] == "Le Monde (2025-04-15) | AFP"
    assert row["source_titles"] == "Tirs, « rafales » à Toulon | "
    assert row["source_urls"] == "https://example.org/a | "
    assert row["evidence"] == ('place, types: The prison in Toulon was hit. | '
                               'killed: Nobody died, "officials" said.')
    assert row["place"] == "Centre pénitentiaire de Toulon-La Farlède"  # accents kept
    assert row["event_date"] == "2025-04-14" and row["first_reported"] == "2025-04-15"
    # UTF-8 bytes with a BOM, as Excel wants them
    data = text.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") and "Farlède".encode() in data
    assert export.to_csv([], bom=False) == ",".join(export.COLUMN_NAMES) + "\r\n"


def test_geojson_pins_only_pinnable_precisions() -> None:
    doc = export.to_geojson([sample(), sample(incident_id="d", geo_precision="department"),
                             sample(incident_id="n", lat=None, lon=None)])
    json.dumps(doc)  # serialisable as is
    assert doc["type"] == "FeatureCollection"
    point, dept, none = doc["features"]
    assert point["geometry"] == {"type": "Point", "coordinates": [6.04323, 43.16866]}
    assert dept["geometry"] is None and none["geometry"] is None
    assert point["id"] == "a1" and point["properties"]["killed"] == 0
    assert set(point["properties"]) == set(export.COLUMN_NAMES)
    assert none["properties"]["lat"] is None


def test_frame_paths_match_incident_paths() -> None:
    incs = [sample(), sample(incident_id="b", killed=None, lat=None, lon=None, sources=[],
                             evidence=[], types=[], event_date=None)]
    frame = export.incidents_frame(incs)
    assert frame.columns.tolist() == list(export.COLUMN_NAMES)
    assert str(frame["killed"].dtype) == "Int64" and frame["lat"].dtype == "float64"
    assert frame["place"].dtype == "str"
    assert export.frame_to_csv(frame) == export.to_csv(incs)
    assert export.frame_to_geojson(frame) == export.to_geojson(incs)
    # extra display columns are ignored; missing export columns are an error
    assert export.frame_to_csv(frame.assign(extra=1)) == export.to_csv(incs)
    with pytest.raises(ValueError, match="lacks export columns: evidence"):
        export.frame_to_csv(frame.drop(columns=["evidence"]))
    empty = export.incidents_frame([])
    assert len(empty) == 0 and export.frame_to_csv(empty) == export.to_csv([])


text_st = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",;|' aé€\u2028x0\ufeff\u200b\xa0")),
                  max_size=8)


@settings(max_examples=150, deadline=None)
@given(place=st.one_of(st.none(), text_st), source=text_st, quote=text_st,
       lat=st.one_of(st.none(), st.floats(-90, 90)), killed=st.one_of(st.none(),
                                                                      st.integers(0, 10**6)))
def test_no_cell_is_ever_a_formula_and_values_survive(place: str | None, source: str,
                                                      quote: str, lat: float | None,
                                                      killed: int | None) -> None:
    inc = sample(place=place, sources=[Source(source or "s")], lat=lat, killed=killed,
                 evidence=[Evidence("types", quote)] if quote else [])
    text = export.to_csv([inc])
    [row] = parse(text)
    for name, kind in export.CSV_COLUMNS:
        if kind == "text":
            assert not row[name].startswith(export.FORMULA_PREFIXES), (name, row[name])
            assert not export.is_formula(row[name]) or row[name].startswith("'"), row[name]
    assert row["place"] == export.neutralise(place or "")
    assert row["killed"] == ("" if killed is None else str(killed))
    assert (float(row["lat"]) == lat) if lat is not None else row["lat"] == ""
    frame = export.incidents_frame([inc])
    assert export.frame_to_csv(frame) == text
    assert pd.DataFrame(export.frame_to_geojson(frame)["features"]).shape[0] == 1
