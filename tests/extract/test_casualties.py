"""Killed and injured: numbers in words and digits, zero only when the text says nobody."""

from __future__ import annotations

import pytest

from geo.extract.casualties import find_casualties


def counts(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for h in find_casualties(text):
        out[h.field] = max(out.get(h.field, h.value), h.value)
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("an attack that left two guards dead", {"killed": 2}),
        ("killing two guards and injuring three others", {"killed": 2, "injured": 3}),
        ("No one was injured.", {"injured": 0}),
        ("Nobody was hurt.", {"injured": 0}),
        ("There were no casualties.", {"killed": 0, "injured": 0}),
        ("Deux agents ont été tués et trois autres blessés.", {"killed": 2, "injured": 3}),
        ("faisant deux morts et trois blessés", {"killed": 2, "injured": 3}),
        ("Aucun blessé n'est à déplorer.", {"injured": 0}),
        ("un surveillant a été grièvement blessé", {"injured": 1}),
        ("a guard was slightly injured", {"injured": 1}),
        ("the gunmen killed 2 officers", {"killed": 2}),
        ("twenty-one people were injured", {"injured": 21}),
        ("He has been convicted 13 times", {}),
        ("Over 450 officers have searched the area", {}),
        ("The prison holds 1,200 inmates.", {}),
    ],
)
def test_counts(text: str, expected: dict[str, int]) -> None:
    assert counts(text) == expected


def test_no_one_is_not_one() -> None:
    assert [h.value for h in find_casualties("No one was injured")] == [0]
