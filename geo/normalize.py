"""Name folding shared by the gazetteer and the extractor, so that both agree.

"Saint-Étienne", "St Etienne" and "SAINT ETIENNE" fold to the same key.
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SAINT = re.compile(r"\b(ste?)\b")


@lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    """Lower-case ASCII key: accents, case, hyphens, apostrophes and St/Ste folded."""
    key = unidecode(name).lower().replace("'", " ").replace("’", " ")
    key = _NON_ALNUM.sub(" ", key).strip()
    key = _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", key)
    return key
