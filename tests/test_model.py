"""One record per incident type: the severity order, the groups, the map styles and
the labels all come from it."""

from __future__ import annotations

from geo import mapview
from geo.i18n import en, fr
from geo.model import (
    INCIDENT_GROUPS,
    INCIDENT_TYPE_RECORDS,
    INCIDENT_TYPES,
    TYPE_SEVERITY,
    group_of,
    precision_rank,
    primary_type,
    specific_types,
)


def test_every_vocabulary_of_types_is_derived_from_the_records() -> None:
    keys = [t.key for t in INCIDENT_TYPE_RECORDS]
    assert list(INCIDENT_TYPES) == keys and len(set(keys)) == len(keys)
    assert sorted(t.severity for t in INCIDENT_TYPE_RECORDS) == list(range(len(keys)))
    assert TYPE_SEVERITY[0] == "ambush" and TYPE_SEVERITY[-1] == "other"
    assert INCIDENT_GROUPS == ("attack", "protest")
    for t in INCIDENT_TYPE_RECORDS:
        style = mapview.type_style(t.key)
        assert (style.color, style.label) == (t.color, en.TEXTS[t.label_key])
        assert t.glyph in style.glyph
        assert fr.TEXTS[t.label_key] and group_of(t.key) == t.group
    assert list(mapview.TYPE_STYLES) == list(TYPE_SEVERITY)  # the legend's order


def test_the_rules_the_stages_share() -> None:
    assert group_of("protest") == "protest" and group_of("gunfire") == "attack"
    assert group_of("unheard-of") == "attack"
    assert specific_types(["attack", "arson", "gunfire", "arson"]) == ["gunfire", "arson"]
    assert specific_types(["attack"]) == ["attack"]
    assert primary_type(specific_types(["protest", "attack"])) == "protest"
    ranks = [precision_rank(p) for p in
             ("facility", "commune", "approximate", "department", "region", "country")]
    assert ranks == sorted(ranks) == list(range(6))
    assert precision_rank(None) == precision_rank("nonsense") == 6
