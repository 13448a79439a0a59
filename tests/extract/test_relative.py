"""Relative places: clue parsing and the geometry that combines clues."""

from __future__ import annotations

import pytest

from geo.extract.relative import combine, destination, find_clues, haversine

POINTS = {
    "Paris": (48.8534, 2.3488), "Rouen": (49.4431, 1.0993), "Évreux": (49.0241, 1.1508),
    "Lyon": (45.7485, 4.8467), "Val-de-Reuil": (49.2739, 1.2102),
}


def locate(name: str) -> tuple[float, float] | None:
    return POINTS.get(name)


@pytest.mark.parametrize(
    ("text", "kind", "anchors", "km", "bearing"),
    [
        ("about 85 miles northwest of Paris", "distance", ("Paris",), 136.8, 315),
        ("85 miles (137 kilometers) northwest of Paris", "distance", ("Paris",), 136.8, 315),
        ("à une trentaine de kilomètres au nord de Lyon", "distance", ("Lyon",), 30, 0),
        ("à 20 km de Rouen", "distance", ("Rouen",), 20, None),
        ("between a courthouse in Rouen and a prison in Évreux", "between",
         ("Rouen", "Évreux"), None, None),
        ("entre le tribunal de Rouen et la prison d'Évreux", "between",
         ("Rouen", "Évreux"), None, None),
        ("near Val-de-Reuil", "near", ("Val-de-Reuil",), None, None),
        ("près d'Évreux", "near", ("Évreux",), None, None),
        ("south of Paris", "direction", ("Paris",), None, 180),
        ("au sud-est de Lyon", "direction", ("Lyon",), None, 135),
    ],
)
def test_find_clues(text: str, kind: str, anchors: tuple[str, ...], km: float | None,
                    bearing: float | None) -> None:
    (clue,) = find_clues(text)
    assert clue.kind == kind and clue.anchors == anchors and clue.bearing == bearing
    assert clue.km == pytest.approx(km, abs=0.1) if km else clue.km is None


@pytest.mark.parametrize("text", ["in southern France", "between 2 and 4 guards",
                                  "near the end of the road", "outside prisons"])
def test_not_clues(text: str) -> None:
    assert find_clues(text) == []


def test_route_constrained_by_direction_seed_004() -> None:
    clues = find_clues("a tollbooth about 85 miles northwest of Paris") + find_clues(
        "his transfer between a courthouse in Rouen and a prison in Évreux", 500)
    approx = combine(clues, locate)
    assert approx is not None
    incarville = (49.252, 1.152)
    assert haversine((approx.lat, approx.lon), incarville) < 15
    assert 3 <= approx.radius_km <= 25


def test_distance_and_bearing_use_geodesic_destination() -> None:
    (clue,) = find_clues("50 km south of Paris")
    approx = combine([clue], locate)
    assert approx is not None
    assert haversine((approx.lat, approx.lon), destination(POINTS["Paris"], 180, 50)) < 0.1
    assert approx.radius_km == pytest.approx(10)


def test_smallest_clue_wins_without_a_route() -> None:
    clues = find_clues("near Val-de-Reuil, about 25 kilometres south of Rouen")
    approx = combine(clues, locate)
    assert approx is not None and approx.radius_km == pytest.approx(5)


def test_unknown_anchor_gives_nothing() -> None:
    assert combine(find_clues("near Nowhereville"), locate) is None
