"""Numbers written in words or digits, in the languages of the packs.

Casualty counts ("two guards", "deux agents") and distances ("about 85 miles",
"une trentaine de kilomètres") share these words, so they live in one place: the
`numbers.toml` of each language pack. The digit forms are the same in every
language and are written here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from geo.extract import lang

_DIGIT_FORMS = r"\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+|\d+(?:[.,]\d+)?"
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"^\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+$")


@lru_cache(maxsize=32)
def _tables(key: tuple[tuple[str, ...], tuple]) -> tuple[str, dict[str, int | float]]:
    """The NUMBER pattern and the word -> value table of some packs."""
    words: dict[str, int | float] = {}
    compounds: list[str] = []
    for p in lang.packs(key[0]):
        for w, v in p.get("numbers", "words").items():
            words.setdefault(w.lower(), v)
        tens, units = p.get("numbers", "compounds.tens"), p.get("numbers", "compounds.units")
        if tens and units:
            compounds.append(
                f"{lang.words_alternation(tens)}(?:[- ]{lang.words_alternation(units)})?")
    alternatives = [_DIGIT_FORMS, *compounds, lang.words_alternation(list(words))]
    return "(?:" + "|".join(alternatives) + ")", words


def number_pattern(codes: tuple[str, ...] | None = None) -> str:
    """A number as news prose writes it (digits with separators, or words)."""
    return _tables(lang.cache_key(codes or lang.codes_for(None)))[0]


def parse_number(text: str, codes: tuple[str, ...] | None = None) -> int | float | None:
    """The value of a number matched by `number_pattern`; None when it is not one."""
    words = _tables(lang.cache_key(codes or lang.codes_for(None)))[1]
    t = _SPACE.sub(" ", text.strip().lower())
    if not t:
        return None
    if t[0].isdigit():
        if _DIGITS.match(t):
            return int(re.sub(r"\D", "", t))
        try:
            value = float(t.replace(",", "."))
        except ValueError:
            return None
        return int(value) if value.is_integer() else value
    if t in words:
        return words[t]
    parts = re.split(r"[- ]", t)
    if len(parts) >= 2 and parts[0] in words and " ".join(parts[1:]) in words:
        head, tail = words[parts[0]], words[" ".join(parts[1:])]
        return head + tail if head >= 20 and tail < 10 else tail
    return None
