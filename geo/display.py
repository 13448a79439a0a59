"""Untrusted text as it may be shown: the one place that says which characters never are.

Article text, sidecar fields, file names and geocoder answers are untrusted. Besides
HTML escaping (`geo.mapview.esc`) and Markdown escaping (`markdown_text`), shown text
loses the Unicode direction controls: an embedded U+202E (right-to-left override) makes
"gnp.exe" read as "exe.png", and a quote or a source name can be made to read as
something it does not say (visual spoofing). Stored text keeps them (evidence quotes
the article exactly); every view (popups, table, messages, CSV and GeoJSON cells)
removes them through this module.
"""

from __future__ import annotations

import re

import pandas as pd

#: Direction controls: LRM, RLM, ALM, the embeddings and overrides (U+202A-U+202E)
#: and the isolates (U+2066-U+2069).
BIDI_CONTROLS: frozenset[str] = frozenset(
    chr(c) for c in (0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
#: A character class of BIDI_CONTROLS, for Python's and Arrow's regex engines alike.
BIDI_PATTERN = "[" + "".join(sorted(BIDI_CONTROLS)) + "]"
_BIDI = re.compile(BIDI_PATTERN)
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def plain(text: str) -> str:
    """`text` without direction controls (unchanged, and fast, when it has none)."""
    return _BIDI.sub("", text) if not text.isascii() and _BIDI.search(text) else text


def plain_series(series: pd.Series) -> pd.Series:
    """`plain` of a text column, vectorised (no function call per value)."""
    text = series.astype("str")
    if not text.str.contains(BIDI_PATTERN, regex=True).fillna(False).any():
        return text
    return text.str.replace(BIDI_PATTERN, "", regex=True)


def markdown_text(text: object) -> str:
    """Plain text for Streamlit's Markdown-rendering messages: file names and error
    texts are untrusted, and `![x](http://host/p.png)` would make the browser fetch."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", plain(str(text)))
