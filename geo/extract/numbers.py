"""Numbers written in words or digits, in English and French.

Casualty counts ("two guards", "deux agents") and distances ("about 85 miles",
"une trentaine de kilomètres") share these words, so they live in one place.
"""

from __future__ import annotations

import re

_WORDS: dict[str, int] = {
    # English
    "no": 0, "zero": 0, "none": 0, "a": 1, "an": 1, "one": 1, "single": 1,
    "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "dozen": 12, "a dozen": 12, "a couple of": 2, "a couple": 2, "both": 2,
    # French
    "aucun": 0, "aucune": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
    "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100,
    "une dizaine": 10, "une douzaine": 12, "une quinzaine": 15, "une vingtaine": 20,
    "une trentaine": 30, "une quarantaine": 40, "une cinquantaine": 50,
    "une soixantaine": 60, "une centaine": 100,
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}
# "six" is both English and French.
_WORDS["six"] = 6

#: A number as it appears in news prose (digits with separators, or words).
NUMBER = (
    r"(?:\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+|\d+(?:[.,]\d+)?|"
    r"(?:une\s+|a\s+)?(?:dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|"
    r"cinquantaine|soixantaine|centaine|dozen)|a\s+couple(?:\s+of)?|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|"
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|hundred|"
    r"aucune?|une?|deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
    r"quinze|seize|vingt|trente|quarante|cinquante|soixante|cent|an?|single|both)"
)

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"^\d{1,3}(?:[ ,.\u202f\u00a0]\d{3})+$")


def parse_number(text: str) -> int | float | None:
    """The value of a number matched by NUMBER; None when it is not one."""
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
    if t in _WORDS:
        return _WORDS[t]
    parts = re.split(r"[- ]", t)
    if len(parts) == 2 and parts[0] in _WORDS and parts[1] in _WORDS:
        return _WORDS[parts[0]] + _WORDS[parts[1]]
    if parts and parts[-1] in _WORDS and parts[0] in ("a", "une", "un"):
        return _WORDS[parts[-1]]
    return None
