"""Name folding shared by the gazetteer and the extractor, so that both agree.

"Saint-Étienne", "St Etienne" and "SAINT ETIENNE" fold to the same key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile("[\u0300-\u036f]+")
_SAINT = re.compile(r"\b(ste?)\b")


def fold_text(text: str) -> str:
    """Lower-case ASCII key: accents, case, hyphens, apostrophes and St/Ste folded.

    Fast on long texts (the store's search text): NFKD strips most accents, and
    unidecode is only needed for what it cannot (œ, ß, ’, other scripts)."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():
            text = unidecode(text)
    key = _NON_ALNUM.sub(" ", text.lower().replace("'", " ")).strip()
    return _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", key)


@lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    """`fold_text` of a name, cached: names repeat across articles and the gazetteer."""
    return fold_text(name)
