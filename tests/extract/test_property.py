"""Arbitrary text never makes the extractor raise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.articles import article_from_bytes
from geo.errors import ArticleError
from geo.extract import extract_incidents

WORDS = st.sampled_from([
    "Toulon", "prison", "fired", "at", "in", "near", "between", "and", "Rouen", "Évreux",
    "85", "miles", "northwest", "of", "Paris", "on", "Tuesday", "killing", "two", "guards",
    "la", "prison", "de", "Nîmes", "tirs", "nuit", "lundi", "à", "mardi", ",", ".", "—",
    "PARIS", "Credit…", "Luynes", "Aix-en-Provence", "no", "one", "was", "injured", "blocked",
    "(26)", "Drôme", "a", "day", "earlier", "last", "May", "Italy's", "visit", "entre", "et",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400),
                 st.lists(WORDS, max_size=80).map(" ".join)),
       st.sampled_from([None, "2024-05-15", "2025-01-01"]))
def test_never_raises(geocoder: Any, text: str, published: str | None) -> None:
    meta = {"published": published} if published else {}
    try:
        article = article_from_bytes(text.encode("utf-8", "surrogatepass"),
                                     Path("h.txt"), meta)
    except (ArticleError, UnicodeEncodeError):
        return
    for inc in extract_incidents(article, geocoder):
        assert 0 <= inc.confidence <= 1
        for e in inc.evidence:
            assert article.text[e.start : e.end] == e.quote
