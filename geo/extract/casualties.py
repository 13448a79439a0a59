"""Killed and injured counts: "two guards dead", "killing two guards and injuring
three others", "No one was injured" (0), "deux agents tués", "aucun blessé".

A count stays None when the text says nothing and is 0 only when it says nobody,
so the patterns below are anchored on casualty words, never on bare numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.extract.gate import gate, prefixes
from geo.extract.numbers import NUMBER, parse_number

_F = re.IGNORECASE | re.UNICODE

_WHO = (
    r"(?:people|persons|others|guards?|officers?|warders?|wardens?|inmates?|prisoners?|"
    r"detainees?|agents?|staff(?:\s+members?)?|employees?|civilians?|bystanders?|passers-by|"
    r"policemen|police\s+officers?|gendarmes?|men|women|personnes?|surveillant(?:e|s|es)?|"
    r"détenus?|policiers?|fonctionnaires?|gardiens?|membres?|autres|victimes?)"
)
_ADJ = r"(?:[\w'’-]+\s+){0,2}?"
_N = rf"(?:at\s+least\s+|au\s+moins\s+|some\s+|about\s+)?(?P<n>{NUMBER})"
_BE = (r"(?:(?:were|was|have\s+been|had\s+been|has\s+been|are|is|ont\s+été|a\s+été|avaient\s+été|"
       r"avait\s+été|sont|est|sont\s+morts|est\s+mort)\s+)?")
_HOW = r"(?:(?:seriously|slightly|critically|badly|fatally|mortally|grièvement|légèrement|"
_HOW += r"gravement|mortellement)\s+)?"

_KILL_WORD = r"(?:killed|dead|died|slain|shot\s+dead|tuée?s?|morts?|mortes?|décédée?s?)"
_HURT_WORD = r"(?:injured|wounded|hurt|blessée?s?)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (field, re.compile(rf"(?<![\w-]){p}(?![\w-])", _F))
    for field, p in (
        ("killed", rf"(?:killing|killed|kills|tuant|tué|a\s+tué|ont\s+tué)\s+{_N}\s+{_ADJ}{_WHO}"),
        ("killed", rf"(?:left|leaving|faisant|fait)\s+{_N}\s+{_ADJ}(?:{_WHO}\s+)?(?:dead|morts?)"),
        ("killed", rf"{_N}\s+(?:{_ADJ}{_WHO}\s+)?{_BE}{_HOW}{_KILL_WORD}"),
        ("injured", rf"(?:injuring|injured|wounding|wounded|hurting|blessant|blessé|a\s+blessé|"
                    rf"ont\s+blessé)\s+{_N}\s+{_ADJ}{_WHO}"),
        ("injured", rf"(?:left|leaving|faisant|fait)\s+{_N}\s+{_ADJ}(?:{_WHO}\s+)?"
                    r"(?:injured|wounded|blessée?s?)"),
        ("injured", rf"{_N}\s+(?:{_ADJ}{_WHO}\s+)?{_BE}{_HOW}{_HURT_WORD}"),
    )
)

_NONE_HURT = re.compile(
    r"\b(?:no\s*one|nobody|no-one|none)\s+(?:else\s+)?(?:was|were|has\s+been|had\s+been|is)\s+"
    r"(?:\w+ly\s+)?(?P<w>injured|hurt|wounded|killed)|"
    r"\bno\s+(?P<w2>injuries|injured|casualties|victims|deaths|fatalities|one\s+was\s+hurt)\b|"
    r"\bwithout\s+(?:causing\s+|making\s+)?(?:any\s+)?(?P<w3>injuries|injury|casualties|victims)\b|"
    r"\b(?:aucun|pas\s+de|sans\s+faire\s+de|sans)\s+(?P<w4>blessée?s?|victimes?|morts?)\b|"
    r"\baucune\s+(?P<w5>victime|personne\s+n'a\s+été\s+blessée)\b|"
    r"\bpersonne\s+n'a\s+été\s+(?P<w6>blessée?|tuée?)",
    _F,
)


#: Every pattern above needs one of these words (see `geo.extract.gate`).
_NEEDS = gate(
    "killed", "killing", "kills", "dead", "died", "deaths", "slain", "tuant", "tué", "tués",
    "tuée", "tuées", "morts", "mort", "mortes", "décédé", "decede", "injured", "injuring",
    "injuries", "injury", "wounded", "wounding", "hurt", "hurting", "blessé", "blessant",
    "casualties", "victims", "victime", "fatalities",
)


@dataclass(frozen=True)
class CasualtyHit:
    """One count: `field` is "killed" or "injured"; offsets are in the article text."""

    field: str
    value: int
    start: int
    end: int


def find_casualties(text: str, base: int = 0,
                    words: frozenset[str] | None = None) -> list[CasualtyHit]:
    """Counts stated in one sentence, offsets shifted by `base`."""
    hits: list[CasualtyHit] = []
    if _NEEDS.isdisjoint(prefixes(text) if words is None else words):
        return hits
    zeros: list[tuple[int, int]] = []
    for m in _NONE_HURT.finditer(text):
        word = next(g for g in m.groups() if g).lower()
        fields: tuple[str, ...]
        if word.startswith(("killed", "death", "fatal", "mort", "tué")):
            fields = ("killed",)
        elif word.startswith(("casualt", "victim")):
            fields = ("killed", "injured")
        else:
            fields = ("injured",)
        zeros.append((m.start(), m.end()))
        for field in fields:
            hits.append(CasualtyHit(field, 0, base + m.start(), base + m.end()))
    taken: list[tuple[str, int, int]] = []
    # The patterns are run only around casualty words: whole sentences cost too much.
    windows: list[list[int]] = []
    for w in _CASUALTY_WORD.finditer(text):
        a, b = max(0, w.start() - 90), min(len(text), w.end() + 90)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = b
        else:
            windows.append([a, b])
    matches = [m for field, rx in _PATTERNS for a, b in windows
               for m in _finditer(rx, text, a, b, field)]
    for field, m in matches:
        value = parse_number(m.group("n"))
        if value is None or not float(value).is_integer() or value > 10_000:
            continue
        if _NEGATED.search(text, max(0, m.start("n") - 12), m.start("n")) or any(
            s < m.end() and m.start() < e for s, e in zeros
        ):
            continue  # "no one was injured" is a zero, handled above
        if any(f == field and s < m.end() and m.start() < e for f, s, e in taken):
            continue
        taken.append((field, m.start(), m.end()))
        hits.append(CasualtyHit(field, int(value), base + m.start(), base + m.end()))
    return hits


def _finditer(rx: re.Pattern[str], text: str, a: int, b: int,
              field: str) -> list[tuple[str, re.Match[str]]]:
    return [(field, m) for m in rx.finditer(text, a, b)]


_CASUALTY_WORD = re.compile(
    r"kill|dead|died|death|slain|tu[ée]|tuant|mort|d[ée]c[ée]d|injur|wound|hurt|bless",
    _F,
)
_NEGATED = re.compile(r"(?:no|not|none|aucun|aucune|pas)\s*$", _F)
