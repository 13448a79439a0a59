"""Place mentions and their roles: incident places versus context places."""

from __future__ import annotations

from typing import Any

import pytest

from geo.extract.places import assign_roles, country_wide, dateline_end, find_mentions, is_caption
from geo.normalize import fold


class FakeGazetteer:
    """A few names, so that role rules are tested apart from the real index."""

    def __init__(self, names: dict[str, str]) -> None:
        self.records = [(kind, name) for name, kind in names.items()]
        self.keys = {fold(name): i for i, name in enumerate(names)}

    def lookup(self, name: str) -> list[tuple[int, int]]:
        i = self.keys.get(fold(name))
        return [(i, 0)] if i is not None else []


FAKE = FakeGazetteer({
    "Toulon": "commune", "Marseille": "commune", "Nîmes": "commune", "Rouen": "commune",
    "Drôme": "department", "Valence": "commune", "France": "country", "Paris": "commune",
    "Baumettes": "facility", "Aix-en-Provence": "commune", "Le Havre": "commune",
})


def roles(text: str, gaz: Any = FAKE) -> list[tuple[str, str]]:
    ms = find_mentions(text, gaz)
    assign_roles(text, ms, 0, dateline_end(text))
    return [(m.text, m.role) for m in ms]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shots were fired at the prison in Toulon.", [("Toulon", "incident")]),
        ("He announced plans to visit Toulon to support the officers.", [("Toulon", "context")]),
        ("a courthouse in Rouen", [("Rouen", "context")]),
        ("he was under investigation in Marseille", [("Marseille", "context")]),
        ("according to the top Paris prosecutor", [("Paris", "context")]),
        ("measures inspired by Italy's system", [("Italy", "context")]),
        ("he told France 2 television", [("France", "context")]),
        ("Le ministre se rendra à Toulon mardi.", [("Toulon", "context")]),
        ("une enquête a été ouverte par le parquet de Marseille", [("Marseille", "context")]),
        ("la prison de Nîmes a été visée", [("Nîmes", "incident")]),
        ("the Baumettes were hit", [("Baumettes", "incident")]),
        ("Toulon is a port", [("Toulon", "neutral")]),
        ("In Marseille, attackers targeted a building.", [("Marseille", "incident")]),
        ("the prison where he works in Paris", [("Paris", "context")]),
        ("a Paris-based lawyer", [("Paris", "context")]),
    ],
)
def test_roles(text: str, expected: list[tuple[str, str]]) -> None:
    assert roles(text) == expected


def test_a_list_shares_the_role_of_its_first_member() -> None:
    text = "facilities in cities including Toulon, Marseille, Nîmes, and Aix-en-Provence."
    assert [r for _, r in roles(text)] == ["incident"] * 4
    ms = find_mentions(text, FAKE)
    assign_roles(text, ms)
    assert len({m.unit for m in ms}) == 1


def test_a_department_after_a_name_qualifies_it() -> None:
    text = "Shots were fired at Valence, in the Drôme."
    ms = find_mentions(text, FAKE)
    assign_roles(text, ms)
    assert [(m.text, m.role) for m in ms] == [("Valence", "incident"), ("Drôme", "qualifier")]
    assert ms[0].qualifier == "Drôme"


def test_department_code_in_brackets_qualifies() -> None:
    text = "à Valence (26), des tirs"
    ms = find_mentions(text, FAKE)
    assign_roles(text, ms)
    assert ms[0].qualifier == "26"


def test_dateline_and_captions() -> None:
    assert roles("PARIS — Shots were fired at the prison in Toulon.") == [
        ("PARIS", "context"), ("Toulon", "incident")]
    assert dateline_end("TOULON (AFP) — La prison") > 0
    assert dateline_end("Toulon was hit") == 0
    assert is_caption("Mohamed Amra, the inmate freed.Credit…Agence France-Presse")
    assert is_caption("By Claire Martin")
    assert not is_caption("Shots were fired at the prison in Toulon.")


def test_multiword_names_match_longest_first(gazetteer: Any) -> None:
    text = "la prison de Toulon-La Farlède a été la cible de tirs au Havre et à Le Havre"
    names = [m.text for m in find_mentions(text, gazetteer)]
    assert names[0] == "Toulon-La Farlède"
    assert "Le Havre" in names


def test_sentence_initial_alternate_names_are_words(gazetteer: Any) -> None:
    # GeoNames lists "Over" as a name of Auvers; a sentence opening is not a place.
    assert find_mentions("Over 450 officers searched the area.", gazetteer) == []


def test_country_wide_phrases() -> None:
    text = "guards blocked prisons around the country; grève partout en France"
    assert len(country_wide(text)) == 2
