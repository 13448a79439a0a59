"""Assembly rules on short articles: one rule per test, in English and French."""

from __future__ import annotations

import datetime as dt
from typing import Any


def test_no_trigger_no_incident(extract: Any) -> None:
    assert extract("The minister visited the prison in Toulon on Monday.") == []


def test_empty_and_placeless_vague_text(extract: Any) -> None:
    assert extract("Something happened.") == []
    assert extract("Unions condemned the attack.") == []


def test_clear_incident_without_place_is_kept_at_country_level(extract: Any) -> None:
    (inc,) = extract("Gunmen fired at a prison van on Monday. Two guards were injured.")
    assert inc.geo_precision == "country" and inc.lat is None
    assert inc.injured == 2 and inc.event_date == dt.date(2025, 4, 14)


def test_region_only_is_kept_with_region_precision(extract: Any) -> None:
    (inc,) = extract("A prison officer's car was set on fire in Normandy on Sunday.")
    assert inc.geo_precision == "region" and inc.region == "Normandie"


def test_french_sentence_rules(extract: Any) -> None:
    (inc,) = extract(
        "La prison de Toulon-La Farlède a été la cible de tirs dans la nuit de lundi à mardi. "
        "Deux agents ont été tués.")
    assert inc.prison_id == "cp-toulon-la-farlede"
    assert inc.event_date == dt.date(2025, 4, 14) and inc.killed == 2


def test_prison_names_and_communes_resolve_to_one_facility(extract: Any) -> None:
    incidents = extract("Shots were fired at prisons in Aix-en-Provence and at Luynes overnight.")
    assert [i.prison_id for i in incidents] == ["cp-aix-luynes"]


def test_details_elsewhere_enrich_the_list_incident(extract: Any) -> None:
    incidents = extract(
        "Attacks targeted prisons in Nîmes and Valence overnight. "
        "In Nîmes, a guard's car was torched.")
    nimes = next(i for i in incidents if i.department == "Gard")
    assert "arson" in nimes.types
    assert len(incidents) == 2


def test_repeated_mentions_make_one_incident(extract: Any) -> None:
    text = "Shots were fired at the prison in Nîmes on Monday. "
    assert len(extract(text * 3)) == 1


def test_context_places_are_not_incidents(extract: Any) -> None:
    incidents = extract(
        "Shots were fired at the prison in Nîmes. The minister will visit Toulon, and an "
        "investigation was opened in Marseille, by analogy with Italy's prisons.")
    assert [i.department for i in incidents] == ["Gard"]


def test_foreign_incident_is_not_pinned_in_france(extract: Any) -> None:
    assert extract("Gunmen fired at a prison in Belgium on Monday.") == []


def test_protest_is_separate_from_the_attack(extract: Any) -> None:
    incidents = extract(
        "Shots were fired at the prison in Nîmes on Monday. "
        "On Tuesday, guards blocked the prison in Nîmes in protest.")
    assert sorted(i.primary_type for i in incidents) == ["gunfire", "protest"]


def test_confidence_in_range_and_evidence_quotes(extract: Any) -> None:
    for inc in extract("Shots were fired at the prison in Nîmes on Monday. Nobody was hurt."):
        assert 0 <= inc.confidence <= 1
        assert {"place", "types", "event_date", "injured", "prison_id"} <= {
            e.field for e in inc.evidence}
        assert inc.to_dict()["sources"][0]["source"] == "test"


def test_dateline_date_is_the_dispatch_not_the_event(extract: Any) -> None:
    (inc,) = extract("MARSEILLE, 15 avril (AFP) — Le domicile d'un surveillant a été incendié "
                     "à Aubagne.")
    assert inc.commune == "Aubagne" and inc.target == "staff_home"
    assert inc.event_date is None and inc.date_precision == "unknown"


def test_a_relative_clue_places_an_otherwise_vague_attack(extract: Any) -> None:
    from geo.boundaries import assign_departments

    (inc,) = extract("The attack happened at a prison about 30 km east of Lyon.")
    assert inc.geo_precision == "approximate" and inc.radius_km == 6.0
    # The point lies 2 km from the Ain: its department is the polygon's (what the
    # pipeline applies to every extraction), not the nearest commune's.
    assign_departments([inc])
    assert inc.department == "Isère"


def test_department_level_incident(extract: Any) -> None:
    (inc,) = extract("Dans le Var, un surveillant a été agressé par un détenu samedi.")
    assert (inc.geo_precision, inc.department, inc.types) == ("department", "Var", ["assault"])
    assert inc.event_date == dt.date(2025, 4, 12)


def test_riot_with_fire_and_week(extract: Any) -> None:
    (inc,) = extract("Inmates rioted at the Moulins-Yzeure prison last week, setting fire to "
                     "mattresses. Two guards were slightly injured.")
    assert inc.prison_id == "cp-moulins-yzeure" and set(inc.types) == {"riot", "arson"}
    assert (inc.date_precision, inc.injured) == ("week", 2)


def test_a_sentence_naming_dozens_of_places_is_one_country_level_incident(
        extract: Any, gazetteer: Any) -> None:
    """Up to MAX_PLACES_PER_SENTENCE places, one incident each; above, the sentence is a
    summary (or a scraped index): one incident at country level, not a pin per name."""
    from geo.extract.assemble import MAX_PLACES_PER_SENTENCE as limit
    from geo.gazetteer import NAME, POP

    names = []
    for i in sorted(gazetteer.communes(), key=lambda i: -gazetteer.records[i][POP]):
        name = gazetteer.records[i][NAME]
        if not any(c.isdigit() for c in name) and name not in names:
            names.append(name)
        if len(names) > limit:
            break
    text = "Guards protested outside prisons in {} on Tuesday."
    listed = extract(text.format(", ".join(names[:limit - 1]) + " and " + names[limit - 1]))
    assert len(listed) == limit and all(i.lat is not None for i in listed)
    (summary,) = extract(text.format(", ".join(names[:limit]) + " and " + names[limit]))
    assert (summary.types, summary.geo_precision, summary.lat) == (["protest"], "country", None)
    assert summary.evidence[0].quote.startswith("Guards protested outside prisons in")


def test_a_story_told_many_times_keeps_a_few_quotes_per_field(extract: Any) -> None:
    from geo.extract.assemble import MAX_EVIDENCE_PER_FIELD as cap

    names = [f"{a}{b}" for a in "BCDFGHJKLM" for b in "aeiou"]
    text = "".join(f"Shots were fired at the prison in Nîmes on Monday, witness {n} said. "
                   for n in names[: 3 * cap])
    (inc,) = extract(text)
    fields = [e.field for e in inc.evidence]
    assert fields.count("types") == fields.count("place") == cap
    assert [e.start for e in inc.evidence if e.field == "types"] == sorted(
        e.start for e in inc.evidence if e.field == "types")  # the first ones, in order
