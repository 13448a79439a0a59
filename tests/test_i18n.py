"""The interface's catalogues (geo/i18n): one per language, the same keys and the same
placeholders, and how a language is picked."""

from __future__ import annotations

import re
import string

import pytest

from geo import i18n
from geo.i18n import Texts, en, fr
from geo.model import DATE_PRECISIONS, GEO_PRECISIONS, INCIDENT_TYPES

FIELDS = string.Formatter()


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(text) if name}


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(en.TEXTS) == set(fr.TEXTS)
    for key, text in en.TEXTS.items():
        assert fields(text) == fields(fr.TEXTS[key]), key


def test_every_type_and_precision_has_a_label_in_each_language() -> None:
    for texts in i18n.CATALOGUES.values():
        for key in INCIDENT_TYPES:
            assert texts[f"type.{key}"].strip()
        for key in GEO_PRECISIONS + DATE_PRECISIONS:
            assert texts[f"prec.{key}"].strip()


def test_french_is_french() -> None:
    """A catalogue copied from English by mistake would pass the key test."""
    same = [k for k, v in fr.TEXTS.items() if v == en.TEXTS[k] and re.search("[a-z]{4}", v)]
    allowed = {"n_incidents", "n_incidents_1", "col.event_date", "col.types", "col.commune",
               "col.lat", "col.lon", "col.sources", "col.article", "prec.commune",
               "layer_incidents", "map.date", "map.sources", "source", "chart_y",
               "upload_skipped", "wait_minutes"}
    assert set(same) <= allowed, set(same) - allowed


@pytest.mark.parametrize(("header", "lang"), [
    ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
    ("en-GB,en;q=0.9,fr;q=0.8", "en"),
    ("de-DE,fr;q=0.5", "fr"),
    ("de-DE", "en"),
    ("", "en"),
    (None, "en"),
    ("en;q=0.2,fr;q=0.7", "fr"),
])
def test_the_browsers_language_picks_french_or_english(header: str | None, lang: str) -> None:
    assert i18n.from_accept_language(header) == lang


def test_the_url_wins_and_an_unknown_value_is_ignored() -> None:
    assert i18n.pick("en", "fr-FR") == "en"
    assert i18n.pick("FR", None) == "fr"
    assert i18n.pick("klingon", "fr-FR") == "fr"
    assert i18n.pick("<script>", None) == "en"


def test_the_page_s_own_language_comes_before_the_handshake_s_header() -> None:
    assert i18n.pick(None, "en-US,en;q=0.9", "fr-FR") == "fr"
    assert i18n.pick(None, "fr-FR,fr;q=0.9", "en-GB") == "en"
    assert i18n.pick("en", "fr", "fr-FR") == "en"  # the URL still wins
    # a locale we do not have: the header's first language we have
    assert i18n.pick(None, "de-DE,fr;q=0.5", "de-DE") == "fr"
    assert i18n.pick(None, None, "de") == "en"
    assert i18n.pick(None, "fr", "") == "fr"


def test_counts_and_sizes_are_written_once_per_language() -> None:
    assert Texts("en").count(1) == "1 incident"
    assert Texts("en").count(12345) == "12,345 incidents"
    assert Texts("fr").count(12345) == "12\u202f345 incidents"
    assert Texts("en").size(5 * 1024 * 1024) == "5 MB"
    assert Texts("fr").size(6_291_456) == "6 Mo"
    assert Texts("en").size(5_500_000) == "5.2 MB"


def test_the_map_speaks_the_readers_language_and_stays_escaped() -> None:
    import json

    from e2e.sample_store import XSS, sample_incidents

    from geo import mapview

    md = mapview.map_data(sample_incidents(), lang="fr")
    payload = json.loads(md.incidents_json)
    assert payload["labels"]["place"] == "Lieu"
    assert any("jour exact" in s for s in payload["strings"])
    assert [t[1] for t in payload["types"] if t[0] == "gunfire"] == ["Tirs"]
    assert "Incidents par type principal" in md.legend and "Tirs" in md.legend
    assert XSS not in md.incidents_json  # still escaped
    english = mapview.map_data(sample_incidents())
    assert "Incidents by main type" in english.legend
    assert mapview.map_data([], lang="fr").legend.count("Aucun incident dans cette vue") == 1
