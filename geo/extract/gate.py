"""Cheap gates in front of the expensive patterns.

Scanning every sentence with every pattern costs more than the rest of extraction
together. Each pattern family needs at least one of a few words, so a sentence's set
of 4-letter word prefixes (built once) tells which families can match at all.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")


def prefixes(text: str) -> frozenset[str]:
    """The lower-cased 4-letter prefixes (whole word when shorter) of a text's words."""
    return frozenset(w[:4] for w in _WORD.findall(text.lower()))


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def gate(*words: str) -> frozenset[str]:
    """The prefixes of the words a pattern family needs."""
    return frozenset(w.lower()[:4] for w in words)
