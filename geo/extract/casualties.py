"""Killed and injured counts: "two guards dead", "killing two guards and injuring
three others", "No one was injured" (0), "deux agents tués", "aucun blessé".

A count stays None when the text says nothing and is 0 only when it says nobody,
so the patterns below are anchored on casualty words, never on bare numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from geo.extract import lang
from geo.extract.gate import Gate, derive_all, prefixes
from geo.extract.numbers import number_pattern, parse_number

_F = re.IGNORECASE | re.UNICODE
#: Up to two words between a number and who it counts ("two prison guards").
_ADJ = r"(?:[\w'’-]+\s+){0,2}?"
#: A short aside between who and what befell them ("Two of the guards, who carried
#: pistols, died").
_PAREN = r"(?:\s*,[^,.;]{1,60},)?"


@dataclass(frozen=True, eq=False)
class _Rules:
    """The casualty rules of a set of language packs, compiled once."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    zeros: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]
    window: re.Pattern[str]
    negated: re.Pattern[str]
    additional: re.Pattern[str] | None
    past_crime: re.Pattern[str] | None
    gate: Gate
    codes: tuple[str, ...]


_ZERO_FIELDS = {"injured": ("injured",), "killed": ("killed",), "both": ("killed", "injured")}


@lru_cache(maxsize=32)
def _rules_for(key: tuple[tuple[str, ...], tuple]) -> _Rules:
    patterns: list[tuple[str, str]] = []
    zeros: list[tuple[tuple[str, ...], str]] = []
    window: list[str] = []
    negations: list[str] = []
    additional: list[str] = []
    past_crime: list[str] = []
    for p in lang.packs(key[0]):
        if not p.data["casualties"]["fragments"]:
            continue
        n = f"(?:{{approx}}\\s+)?(?P<n>{number_pattern((p.code,))})"
        forms = {
            "killed": (r"{killing_verbs}\s+N\s+ADJ{who}",
                       r"{leaving_verbs}\s+N\s+ADJ(?:{who}\s+)?{dead_after}",
                       r"N\s+(?:ADJ{who}PAREN\s+)?(?:{be}\s+)?(?:{how}\s+)?{kill_words}"),
            "injured": (r"{injuring_verbs}\s+N\s+ADJ{who}",
                        r"{leaving_verbs}\s+N\s+ADJ(?:{who}\s+)?{hurt_after}",
                        r"N\s+(?:ADJ{who}PAREN\s+)?(?:{be}\s+)?(?:{how}\s+)?{hurt_words}"),
        }
        for field, templates in forms.items():
            for t in templates:
                patterns.append((field, p.expand(
                    "casualties",
                    t.replace("ADJ", _ADJ).replace("PAREN", _PAREN).replace("N", n))))
        if {"one", "pronoun", "obliged"} <= set(p.data["casualties"]["fragments"]):
            patterns.append(("injured", p.expand("casualties", (
                r"(?P<n>{one})\s+ADJ{who}\b[^.;]{0,80}?\b{pronoun}\s+(?:{be}|{obliged})\s+"
                r"(?:{how}\s+)?{hurt_words}").replace("ADJ", _ADJ))))
        for kind, pats in p.get("casualties", "zero").items():
            zeros.extend((_ZERO_FIELDS[kind], p.expand("casualties", z)) for z in pats)
        window.extend(p.fragment("casualties", f) for f in (
            "kill_words", "hurt_words", "killing_verbs", "injuring_verbs"))
        negations.extend(p.get("casualties", "words.negations"))
        additional.extend(p.get("casualties", "words.additional"))
        past_crime.extend(p.get("casualties", "past_crime"))
    gate = (derive_all(pat for _, pat in patterns)
            | derive_all((pat for _, pat in zeros), bounded_end=False))
    return _Rules(
        patterns=tuple((f, re.compile(rf"(?<![\w-]){pat}(?![\w-])", _F)) for f, pat in patterns),
        zeros=tuple((f, re.compile(rf"\b{pat}", _F)) for f, pat in zeros),
        window=re.compile(lang.patterns_alternation(window), _F),
        negated=re.compile(rf"\b{lang.words_alternation(negations)}\s*$", _F),
        additional=(re.compile(rf"\b{lang.words_alternation(additional)}\b", _F)
                    if additional else None),
        past_crime=(re.compile(lang.patterns_alternation(past_crime), _F)
                    if past_crime else None),
        gate=gate,
        codes=key[0],
    )


def rules(codes: tuple[str, ...] | None = None) -> _Rules:
    """The compiled rules of these language packs (None: every pack)."""
    return _rules_for(lang.cache_key(codes or lang.codes_for(None)))


@dataclass(frozen=True)
class CasualtyHit:
    """One count: `field` is "killed" or "injured"; offsets are in the article text."""

    field: str
    value: int
    start: int
    end: int


def find_casualties(text: str, base: int = 0, words: frozenset[str] | None = None,
                    codes: tuple[str, ...] | None = None) -> list[CasualtyHit]:
    """Counts stated in one sentence, offsets shifted by `base`."""
    r = rules(codes)
    hits: list[CasualtyHit] = []
    if not r.gate.allows(text, prefixes(text) if words is None else words):
        return hits
    zeros: list[tuple[int, int]] = []
    for fields, rx in r.zeros:
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in zeros):
                continue
            zeros.append((m.start(), m.end()))
            for field in fields:
                hits.append(CasualtyHit(field, 0, base + m.start(), base + m.end()))
    taken: list[tuple[str, int, int]] = []
    # The patterns are run only around casualty words: whole sentences cost too much.
    windows: list[list[int]] = []
    for w in r.window.finditer(text):
        a, b = max(0, w.start() - 90), min(len(text), w.end() + 90)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = b
        else:
            windows.append([a, b])
    matches = [(field, m) for field, rx in r.patterns for a, b in windows
               for m in rx.finditer(text, a, b)]
    for field, m in matches:
        value = parse_number(m.group("n"), r.codes)
        if value is None or not float(value).is_integer() or value > 10_000:
            continue
        if r.negated.search(text, max(0, m.start("n") - 12), m.start("n")) or any(
            s < m.end() and m.start() < e for s, e in zeros
        ):
            continue  # "no one was injured" is a zero, handled above
        if any(f == field and s < m.end() and m.start() < e for f, s, e in taken):
            continue
        if _in_record(text, m.start(), r):
            continue  # "serving 25 years for killing a police officer": a past crime
        taken.append((field, m.start(), m.end()))
        hits.append(CasualtyHit(field, int(value), base + m.start(), base + m.end()))
    hits.sort(key=lambda h: h.start)
    return _add_up(text, base, hits, r)


def _in_record(text: str, pos: int, r: _Rules) -> bool:
    """Whether a count follows a sentence served or a conviction in its sentence ("serving
    25 years for killing a police officer"): a past crime. Charges ("accused of killing
    two guards") may be the reported event's, so they count."""
    return r.past_crime is not None and bool(r.past_crime.search(text, max(0, pos - 80), pos))


def _add_up(text: str, base: int, hits: list[CasualtyHit], r: _Rules) -> list[CasualtyHit]:
    """One count per field and sentence where the later counts are told as more of
    them ("two more were wounded and a fifth officer was slightly hurt": 3)."""
    if r.additional is None:
        return hits
    out: list[CasualtyHit] = []
    for field in ("killed", "injured"):
        same = [h for h in hits if h.field == field and h.value]
        if len(same) < 2 or not all(
                r.additional.search(text, h.start - base, h.end - base) for h in same[1:]):
            out.extend(h for h in hits if h.field == field)
            continue
        out.extend(h for h in hits if h.field == field and not h.value)
        out.append(CasualtyHit(field, sum(h.value for h in same), same[0].start, same[-1].end))
    out.sort(key=lambda h: h.start)
    return out
