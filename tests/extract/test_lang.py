"""Language packs: complete, valid, gated from their own patterns, chosen by language,
and a new language is a folder of data."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import DataError
from geo.extract import casualties, dates, extract_incidents, lang, places, relative, types
from geo.extract.gate import derive, prefixes
from geo.extract.lang.schema import SCHEMA

SHIPPED = ("en", "fr")


def _raw(code: str, file: str) -> dict:
    return tomllib.loads((lang.BUILTIN_DIR / code / f"{file}.toml").read_text("utf-8"))


@pytest.mark.parametrize("code", SHIPPED)
@pytest.mark.parametrize("file", sorted(SCHEMA))
def test_every_shipped_pack_writes_every_key(code: str, file: str) -> None:
    raw = _raw(code, file)
    for key in SCHEMA[file]:
        value = raw
        for part in key.split("."):
            assert isinstance(value, dict) and part in value, f"{code}/{file}.toml lacks {key}"
            value = value[part]


def _all_patterns(pack: lang.Pack) -> list[tuple[str, str]]:
    """(where, expanded pattern) for every pattern of a pack, as the engines build them."""
    out = []
    extra = {"cap": "X", "number": "1", "unit": "km", "month": "may", "weekday": "monday",
             "day": "1", "year": "2024", "part": ""}
    for file, keys in SCHEMA.items():
        for key, kind in keys.items():
            value = pack.get(file, key)
            if kind == "patterns":
                out += [(f"{file}.{key}", pack.expand(file, v, extra)) for v in value]
            elif kind == "pattern_table":
                out += [(f"{file}.{key}.{k}", pack.expand(file, v, extra))
                        for k, vs in value.items() for v in vs]
            elif kind == "fragments":
                out += [(f"{file}.{key}.{k}", pack.expand(file, v, extra))
                        for k, v in value.items()]
    return out


@pytest.mark.parametrize("code", SHIPPED)
def test_every_pattern_compiles(code: str) -> None:
    for where, pattern in _all_patterns(lang.load(code)):
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as e:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{code}: {where}: {e}: {pattern}")


@pytest.mark.parametrize("codes", [("en",), ("fr",), ("en", "fr")])
def test_every_rule_set_builds(codes: tuple[str, ...]) -> None:
    assert types.rules(codes).triggers
    assert places.rules(codes).locative.pattern
    assert dates.rules(codes).rules
    assert casualties.rules(codes).patterns
    assert relative.rules(codes).clues


def _gated_families(codes: tuple[str, ...]) -> list[tuple[str, str, object]]:
    """(name, pattern, gate) of every gated family the engines run."""
    out: list[tuple[str, str, object]] = []
    for t in types.rules(codes).triggers:
        out += [(f"trigger {t.type}", rf"(?<![\w-])(?:{t.pattern})(?![\w])", t.gate)]
    for kind, rx, g in dates.rules(codes).rules:
        if not g.always:
            out.append((f"date {kind}", rx.pattern, g))
    for kind, rx, g in relative.rules(codes).clues:
        out.append((f"clue {kind}", rx.pattern, g))
    c = casualties.rules(codes)
    out += [(f"casualty {f}", rx.pattern, c.gate) for f, rx in c.patterns]
    out += [(f"zero {f}", rx.pattern, c.gate) for f, rx in c.zeros]
    return out


_ALPHABET = st.characters(codec="latin-1", exclude_characters="\x00") | st.sampled_from(
    list("’œŒ—–\u202f"))


@pytest.mark.parametrize("code", SHIPPED)
def test_no_gate_is_always_open(code: str) -> None:
    """Every family has a word it needs: the gates are derived, not given up."""
    for name, _, gate in _gated_families((code,)):
        assert not gate.always, name  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", SHIPPED)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_derived_gates_let_every_match_through(code: str, data: st.DataObject) -> None:
    """A text the pattern matches always passes its gate (gates only save time)."""
    families = _gated_families((code,))
    name, pattern, gate = data.draw(st.sampled_from(families))
    rx = re.compile(pattern, re.IGNORECASE)
    text = data.draw(st.from_regex(rx, fullmatch=False, alphabet=_ALPHABET))
    if rx.search(text):
        assert gate.allows(text, prefixes(text)), (name, text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("pattern, text", [
    (r"(?<![\w-])(?:tirs?|coups?\s+de\s+feu)(?![\w])", "des tirs ont visé"),
    (r"blessée?s?", "Trois BLESSÉS"),
    (r"la\s+veille|the\s+(?:day|night)\s+before", "the night before"),
    (r"(?:a|ont|avaient)\s+(?:été\s+)?tiré", "ils ont tiré"),
])
def test_derived_gate_examples(pattern: str, text: str) -> None:
    g = derive(pattern)
    assert g.allows(text, prefixes(text))
    assert not g.allows("rien à voir", prefixes("rien à voir"))


def test_language_chooses_the_pack() -> None:
    assert lang.codes_for("fr") == ("fr",)
    assert lang.codes_for("en-GB") == ("en",)
    assert lang.codes_for("und") == ("en", "fr")
    assert lang.codes_for(None) == ("en", "fr")


def test_words_of_the_other_language_do_not_trigger() -> None:
    french = "Des tirs ont visé la prison, un surveillant a été agressé."
    english = "Shots were fired at the prison and a guard was stabbed."
    assert types.find_triggers(french, codes=("fr",))
    assert types.find_triggers(french, codes=("en",)) == []
    assert types.find_triggers(english, codes=("en",))
    assert types.find_triggers(english, codes=("fr",)) == []
    # "Lundi" and "mai" are dates only in French.
    assert dates.find_dates("lundi 12 mai", dt.date(2025, 5, 20), codes=("en",)) == []
    assert dates.find_dates("lundi 12 mai", dt.date(2025, 5, 20), codes=("fr",))


def test_an_article_is_read_with_its_language(tmp_path: Path, geocoder) -> None:
    from geo.articles import load_article

    text = "Des tirs ont visé la prison de Toulon dans la nuit de lundi à mardi."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"language": "en"}), encoding="utf-8")
    assert extract_incidents(load_article(tmp_path / "a.txt"), geocoder) == []
    (tmp_path / "a.meta.json").write_text(json.dumps({"language": "fr"}), encoding="utf-8")
    (inc,) = extract_incidents(load_article(tmp_path / "a.txt"), geocoder)
    assert inc.primary_type == "gunfire"


def test_detected_language_ignores_place_name_articles() -> None:
    assert lang.detect("Guards protested in La Rochelle, Le Havre and Les Mureaux.") == "en"
    assert lang.detect("Des tirs visent la prison de Valence.") == "fr"
    assert lang.detect("Toulon, Marseille") == "und"


def test_a_third_language_is_a_folder_of_data(tmp_path: Path, monkeypatch, geocoder) -> None:
    """Spanish, written here in three small files, reads an incident end to end."""
    from geo.articles import load_article

    es = tmp_path / "packs" / "es"
    es.mkdir(parents=True)
    (es / "triggers.toml").write_text(
        "[strong]\ngunfire = ['disparos?', 'tiroteos?']\narson = ['incendios?']\n",
        encoding="utf-8")
    (es / "places.toml").write_text("locatives = ['en', 'cerca\\s+de']\n", encoding="utf-8")
    (es / "dates.toml").write_text(
        '[months]\nabril = 4\n[rules]\n'
        "day_month = ['''(?P<d>{day})\\s+de\\s+(?P<mon>{month})(?:\\s+de\\s+(?P<y>{year}))?''']\n",
        encoding="utf-8")
    monkeypatch.setenv("GEO_LANG_PACKS", str(tmp_path / "packs"))
    assert "es" in lang.available()
    art = tmp_path / "art.txt"
    art.write_text("Hubo disparos en Toulon el 14 de abril de 2025.", encoding="utf-8")
    (tmp_path / "art.meta.json").write_text(json.dumps({"language": "es"}), encoding="utf-8")
    (inc,) = extract_incidents(load_article(art), geocoder)
    assert inc.primary_type == "gunfire"
    assert inc.commune == "Toulon"
    assert inc.event_date == dt.date(2025, 4, 14)
    # Without the folder, the language is unknown and the sentence reads as nothing.
    monkeypatch.delenv("GEO_LANG_PACKS")
    assert "es" not in lang.available()


def test_a_broken_pack_names_file_and_key(tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "xx"
    bad.mkdir()
    (bad / "triggers.toml").write_text("[strong]\ngunfire = 'not a list'\n", encoding="utf-8")
    monkeypatch.setenv("GEO_LANG_PACKS", str(tmp_path))
    with pytest.raises(DataError, match=r"'xx'.*triggers.toml.*strong.gunfire"):
        lang.load("xx")
    (bad / "triggers.toml").write_text("[strong]\nkidnapping = ['x']\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown entries kidnapping"):
        lang.load("xx")
    (bad / "triggers.toml").write_text("[strong\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"triggers\.toml"):
        lang.load("xx")
