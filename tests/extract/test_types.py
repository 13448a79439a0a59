"""Attack vocabulary (English and French) and targets."""

from __future__ import annotations

import pytest

from geo.extract.types import best_target, find_targets, find_triggers, group_of


def types(text: str) -> set[str]:
    return {t.type for t in find_triggers(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("automatic weapons fired at its entrance", {"gunfire"}),
        ("la prison a été la cible de tirs", {"gunfire", "attack"}),
        ("vehicles were set ablaze in the parking lot", {"arson"}),
        ("torching cars and spray-painting messages", {"arson", "vandalism"}),
        ("une voiture a été incendiée", {"arson"}),
        ("des tags ont été découverts sur le mur", {"vandalism"}),
        ("a violent ambush of a prison convoy", {"ambush"}),
        ("le fourgon pénitentiaire a été attaqué", {"ambush"}),
        ("searching for an escaped inmate", {"escape"}),
        ("un détenu s'est évadé", {"escape"}),
        ("a guard was stabbed by an inmate", {"assault"}),
        ("un surveillant a été agressé", {"assault"}),
        ("inmates rioted for hours", {"riot"}),
        ("une mutinerie a éclaté", {"riot"}),
        ("guards symbolically blocked prisons around France", {"protest"}),
        ("les surveillants sont en grève", {"protest"}),
        ("the facilities came under coordinated attacks", {"attack"}),
        ("des tirs de mortiers d'artifice visaient la prison", {"attack"}),
    ],
)
def test_triggers(text: str, expected: set[str]) -> None:
    assert types(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "He has been convicted 13 times for offenses including extortion and assault.",
        "They could attack Villefranche tomorrow.",
        "Next time they will set fire to our homes.",
        "the assailants used two cars to block the prison convoy",
        "a worsening climate of violence in the country's prisons",
    ],
)
def test_not_incidents(text: str) -> None:
    assert types(text) == set()


def test_strong_trigger_hides_overlapping_weak_one() -> None:
    assert [t.type for t in find_triggers("an attack on a prison convoy")] == ["ambush"]


def test_groups() -> None:
    assert group_of("protest") == "protest"
    assert {group_of(t) for t in ("gunfire", "arson", "escape", "riot")} == {"attack"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a residential building housing prison guards, torching cars", "staff_home"),
        ("la voiture d'un surveillant a été incendiée", "staff_vehicle"),
        ("fired at the prison gate", "prison"),
        ("a prison convoy was ambushed", "convoy"),
        ("tags on the walls of the ENAP in Agen", "training_school"),
        ("cars were torched in the street", None),
    ],
)
def test_targets(text: str, expected: str | None) -> None:
    assert best_target([h.target for h in find_targets(text)]) == expected
