"""Cheap gates in front of the expensive patterns, derived from the patterns themselves.

Scanning every sentence with every pattern costs more than the rest of extraction
together. Almost every match of a pattern contains some fixed word (the "tir" of
"tirs?", the "bles" of "blessée?s?"), so a sentence's set of 4-letter word prefixes
(built once) tells which pattern families can match at all.

The gate of a pattern is computed from its regular expression (`derive`), never
written by hand: a word added to a language pack is gated the moment it is added,
and a pattern whose matches share no fixed word is simply never skipped.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")
#: Prefix length of the sentence keys: long enough to be selective, short enough
#: that one key covers a word's inflections ("bless" of blessé, blessés, blessure).
KEY = 4


def prefixes(text: str) -> frozenset[str]:
    """The lower-cased 4-letter prefixes (whole word when shorter) of a text's words."""
    return frozenset(w[:KEY] for w in _WORD.findall(text.lower()))


_LAST_LOWER: list[str] = ["", ""]


def _lower(text: str) -> str:
    """`text.lower()`, remembered for the sentence every gate of a scan asks about."""
    if _LAST_LOWER[0] is not text:
        _LAST_LOWER[0], _LAST_LOWER[1] = text, text.lower()
    return _LAST_LOWER[1]


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


@dataclass(frozen=True)
class Gate:
    """A necessary condition for a pattern family to match a sentence.

    The sentence must hold a word with one of `keys` as its prefix, or one of
    `substrings` (lower-cased) anywhere; `always` when no such condition exists.
    """

    keys: frozenset[str] = frozenset()
    substrings: tuple[str, ...] = ()
    always: bool = False

    def allows(self, text: str, words: frozenset[str]) -> bool:
        if self.always or not self.keys.isdisjoint(words):
            return True
        if self.substrings:
            low = _lower(text)
            for s in self.substrings:
                if s in low:
                    return True
        return False

    def __or__(self, other: Gate) -> Gate:
        return Gate(self.keys | other.keys,
                    tuple(dict.fromkeys(self.substrings + other.substrings)),
                    self.always or other.always)


NEVER = Gate()
ALWAYS = Gate(always=True)


# --- Derivation ----------------------------------------------------------------------

_Req = tuple[frozenset[str], frozenset[str], float]  # keys, substrings, quality


def derive(pattern: str, flags: int = re.IGNORECASE, bounded: bool = True,
           bounded_end: bool | None = None) -> Gate:
    """The gate of a regular expression: what every one of its matches must contain.

    `bounded`: the pattern is used between "no letter before" and "no letter after"
    boundaries, so a literal at its very start begins a word (and one at its very
    end ends one, unless `bounded_end` says otherwise). Returns ALWAYS when nothing can be required
    (a pattern of digits only, say); never a condition some match would fail.
    """
    tree = sre_parse.parse(pattern, flags)
    req = _sequence(list(tree), bounded, bounded if bounded_end is None else bounded_end)
    if req is None:
        return ALWAYS
    keys, subs, _ = req
    return Gate(frozenset(keys), tuple(sorted(subs)))


def derive_all(patterns: Iterable[str], bounded: bool = True,
               bounded_end: bool | None = None) -> Gate:
    """The gate of a family of patterns: a sentence passes if any of them may match."""
    g = NEVER
    for p in patterns:
        g = g | derive(p, bounded=bounded, bounded_end=bounded_end)
    return g


def _is_word(ch: str) -> bool:
    return ch.isalpha()


def _class_nonword(items: list) -> bool:
    """Whether a character class holds no letter (\\s, digits, punctuation)."""
    for op, av in items:
        if op is sre_c.LITERAL:
            if _is_word(chr(av)):
                return False
        elif op is sre_c.CATEGORY:
            if av not in (sre_c.CATEGORY_SPACE, sre_c.CATEGORY_DIGIT,
                          sre_c.CATEGORY_NOT_WORD):
                return False
        elif op is sre_c.NEGATE:
            return False
        else:
            return False
    return True


def _from_run(run: str, start_is_word_start: bool, complete_end: bool) -> _Req | None:
    """What a fixed run of characters requires: a word key, else the run itself.

    `complete_end`: a non-letter surely follows the run, so its last word is whole.
    """
    if not run:
        return None
    low = run.lower()
    best: tuple[str, float] | None = None
    word_start = start_is_word_start
    i = 0
    while i < len(low):
        if not _is_word(low[i]):
            word_start = True
            i += 1
            continue
        j = i
        while j < len(low) and _is_word(low[j]):
            j += 1
        seg = low[i:j]
        complete = j < len(low) or complete_end
        if word_start and (len(seg) >= KEY or complete):
            quality = 1.0 + min(len(seg), KEY) / KEY
            if best is None or quality > best[1]:
                best = (seg[:KEY], quality)
        word_start = False
        i = j
    if best is not None:
        return frozenset({best[0]}), frozenset(), best[1]
    return frozenset(), frozenset({low}), min(1.0, len(low) / KEY)


def _better(a: _Req | None, b: _Req | None) -> _Req | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a[2] >= b[2] else b


def _sequence(items: list, word_start: bool, bounded_end: bool = False) -> _Req | None:
    best: _Req | None = None
    run, run_ws = "", False
    boundary = word_start

    def flush(complete_end: bool) -> None:
        nonlocal run, best
        if run:
            best = _better(best, _from_run(run, run_ws, complete_end))
            run = ""

    for op, av in items:
        if op is sre_c.LITERAL:
            ch = chr(av)
            if not run:
                run_ws = boundary
            run += ch
            boundary = not _is_word(ch)
            continue
        if op is sre_c.AT:
            if av in (sre_c.AT_BOUNDARY, sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_STRING):
                boundary = True
                flush(av is sre_c.AT_BOUNDARY)
            continue
        if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            direction, sub = av
            if op is sre_c.ASSERT_NOT and _mentions_word_class(list(sub)):
                if direction < 0:
                    boundary = True
                else:
                    flush(True)
            continue
        flush(_starts_nonword(op, av))
        if op is sre_c.SUBPATTERN:
            sub = av[-1]
            best = _better(best, _sequence(list(sub), boundary))
            boundary = _ends_nonword(list(sub))
        elif op is sre_c.BRANCH:
            reqs = [_sequence(list(b), boundary) for b in av[1]]
            if all(r is not None for r in reqs):
                keys = frozenset().union(*(r[0] for r in reqs))  # type: ignore[index]
                subs = frozenset().union(*(r[1] for r in reqs))  # type: ignore[index]
                best = _better(best, (keys, subs, min(r[2] for r in reqs)))  # type: ignore[index]
            boundary = all(_ends_nonword(list(b)) for b in av[1])
        elif op in _REPEATS:
            lo, _hi, body = av
            body = list(body)
            if lo >= 1:
                best = _better(best, _sequence(body, boundary))
                boundary = _ends_nonword(body)
            else:
                boundary = boundary and _ends_nonword(body)
        elif op is sre_c.IN:
            boundary = _class_nonword(list(av))
        else:
            boundary = False
    flush(bounded_end)
    return best


_REPEATS = tuple(op for op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT,
                               getattr(sre_c, "POSSESSIVE_REPEAT", None)) if op is not None)


def _starts_nonword(op: object, av: object) -> bool:
    """Whether the item after a run surely begins with a non-letter (the run's word ends)."""
    if op is sre_c.IN:
        return _class_nonword(list(av))  # type: ignore[arg-type]
    if op in _REPEATS:
        lo, _hi, body = av  # type: ignore[misc]
        body = list(body)
        return lo >= 1 and bool(body) and _starts_nonword(*body[0])
    return False


def _mentions_word_class(items: list) -> bool:
    """Whether a look-behind excludes letters ("(?<![\\w-])", "(?<!\\w)")."""
    for op, av in items:
        if op is sre_c.IN:
            for o, a in av:
                if o is sre_c.CATEGORY and a is sre_c.CATEGORY_WORD:
                    return True
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_WORD:
            return True
    return False


def _ends_nonword(items: list) -> bool:
    """Whether a sub-pattern always ends on a non-letter (so a word starts after it)."""
    if not items:
        return False
    op, av = items[-1]
    if op is sre_c.LITERAL:
        return not _is_word(chr(av))
    if op is sre_c.IN:
        return _class_nonword(list(av))
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        lo, _hi, body = av
        return lo >= 1 and _ends_nonword(list(body))
    if op is sre_c.SUBPATTERN:
        return _ends_nonword(list(av[-1]))
    if op is sre_c.BRANCH:
        return all(_ends_nonword(list(b)) for b in av[1])
    if op is sre_c.AT:
        return av is sre_c.AT_BOUNDARY and len(items) > 1 and _ends_nonword(items[:-1])
    return False
