"""The cross-article merge rules as pure functions: no SQLite, no files."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
from typing import Any

import pytest

from geo.model import Evidence, Incident, Source, primary_type
from geo.store import merge
from geo.store.merge import (
    GENERIC_TYPES,
    MERGE_DAYS,
    MERGE_KM,
    compatible_types,
    merge_incidents,
    same_place,
)

D = dt.date


def inc(article: str = "a", key: str = "1", **fields: Any) -> Incident:
    types = fields.pop("types", ["gunfire"])
    published = fields.pop("published", D(2025, 4, 15))
    fields.setdefault("event_date", D(2025, 4, 14))
    fields.setdefault("date_precision", "day")
    return Incident(
        incident_id=f"{article}-{key}", types=types, primary_type=primary_type(types),
        first_reported=published,
        sources=[Source(f"Source {article}", published=published, article=article,
                        article_id=article)],
        evidence=[Evidence("types", f"Quote from {article}.", article)], **fields)


def test_the_merge_module_needs_no_database() -> None:
    tree = ast.parse(inspect.getsource(merge))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in (node.names if isinstance(node, ast.Import) else
                              [ast.alias(node.module or "")])}
    assert "sqlite3" not in imported and "pandas" not in imported


@pytest.mark.parametrize(("a", "b", "same"), [
    ({"prison_id": "cp-a", "insee": "1"}, {"prison_id": "cp-b", "insee": "1"}, False),
    ({"prison_id": "cp-a"}, {"prison_id": "cp-a", "insee": "2"}, True),
    ({"insee": "30189", "commune": "Nîmes"}, {"insee": "30190", "commune": "Nîmes"}, False),
    ({"commune": "Sainte-Maxime"}, {"commune": "Ste Maxime"}, True),
    ({"commune": "L'Isle-d'Abeau", "department": "Isère"},
     {"commune": "l isle d abeau", "department": "ISERE"}, True),
    ({"commune": "Valence", "department": "Drôme"},
     {"commune": "Valence", "department": "Tarn-et-Garonne"}, False),
    ({"commune": "Valence", "department": "Drôme"}, {"commune": "Valence"}, True),
    ({"geo_precision": "approximate", "lat": 43.0, "lon": 5.0},
     {"geo_precision": "approximate", "lat": 43.0, "lon": 5.06}, True),  # ~4.9 km
    ({"geo_precision": "approximate", "lat": 43.0, "lon": 5.0},
     {"geo_precision": "approximate", "lat": 43.0, "lon": 5.07}, False),  # ~5.7 km
    ({"geo_precision": "approximate", "lat": 43.0, "lon": 5.0},
     {"geo_precision": "commune", "lat": 43.0, "lon": 5.0}, False),
    ({"geo_precision": "country"}, {"geo_precision": "country"}, False),
])
def test_same_place(a: dict, b: dict, same: bool) -> None:
    assert MERGE_KM == 5.0
    assert same_place(inc(**a), inc(**b)) is same
    assert same_place(inc(**b), inc(**a)) is same  # symmetric


@pytest.mark.parametrize(("a", "b", "ok"), [
    (["gunfire"], ["gunfire", "arson"], True),
    (["arson"], ["protest"], False),
    (["attack"], ["protest"], True),
    (["other"], ["riot"], True),
    ([], ["riot"], True),
    (["attack", "arson"], ["riot"], False),
])
def test_compatible_types(a: list[str], b: list[str], ok: bool) -> None:
    assert {"attack", "other"} == GENERIC_TYPES
    assert compatible_types(a, b) is ok and compatible_types(b, a) is ok


def test_merging_does_not_depend_on_input_order() -> None:
    members = [(a, inc(a, commune="Toulon", insee="83137", killed=k, published=D(2025, 4, p)))
               for a, k, p in (("b", 1, 16), ("a", None, 15), ("c", 2, 14))]
    forward = merge_incidents(members)
    backward = merge_incidents(list(reversed(members)))
    assert forward == backward
    (one, keys), = forward
    assert keys == [("a", "a-1"), ("b", "b-1"), ("c", "c-1")]
    assert one.incident_id == "c-1" and one.killed == 2 and one.n_sources == 3


def test_a_generic_type_gives_way_to_a_specific_one_and_the_most_precise_place_wins() -> None:
    out = merge_incidents([
        ("a", inc("a", types=["attack"], commune="Toulon", insee="83137",
                  geo_precision="commune", lat=43.12, lon=5.93)),
        ("b", inc("b", types=["arson"], commune="Toulon", insee="83137", prison_id="ma-t",
                  geo_precision="facility", lat=43.1, lon=5.9, published=D(2025, 4, 16))),
    ])
    (one, _), = out
    assert one.types == ["arson"] and one.primary_type == "arson"
    assert (one.geo_precision, one.prison_id, one.lat) == ("facility", "ma-t", 43.1)


def test_dates_more_than_merge_days_apart_or_not_day_precise_stay_apart() -> None:
    late = D(2025, 4, 14) + dt.timedelta(days=MERGE_DAYS + 1)
    assert len(merge_incidents([("a", inc("a", insee="1")),
                                ("b", inc("b", insee="1", event_date=late))])) == 2
    assert len(merge_incidents([("a", inc("a", insee="1", date_precision="month")),
                                ("b", inc("b", insee="1", date_precision="month"))])) == 2
