"""Incident extraction: an article in, the incidents it reports out, each field quoted.

    from geo.extract import extract_incidents
    incidents = extract_incidents(load_article(path), Geocoder())

The work is split by job: `types` (attack vocabulary and targets), `places`
(place mentions and their roles), `relative` (relative places and their geometry),
`dates`, `casualties`, and `assemble`, which links them into `Incident`s.
`docs/extraction.md` states the rules.
"""

from __future__ import annotations

import weakref
from typing import Any

from geo.extract.assemble import Assembler
from geo.model import Incident, Place

__all__ = ["extract_incidents"]

#: Resolutions per geocoder, shared across articles (a news corpus repeats its places).
_MEMO: weakref.WeakKeyDictionary[Any, dict[Any, Place]] = weakref.WeakKeyDictionary()


def warm_up() -> None:
    """Compile the rules of every language pack (and of all of them together) now: a
    parent process does it once before forking its extraction workers."""
    from geo.extract import casualties, dates, lang, places, relative, types
    from geo.extract.assemble import clause_rules

    codes = tuple(sorted(lang.available()))
    for chosen in [*((c,) for c in codes), codes]:
        for rules in (types.rules, places.rules, dates.rules, casualties.rules,
                      relative.rules, clause_rules):
            rules(chosen)
        types._combined(types.rules(chosen), types.rules(chosen).order)


def extract_incidents(article: Any, geocoder: Any) -> list[Incident]:
    """The incidents an article reports, with evidence for every filled field.

    `article` is a `geo.articles.Article` (anything with `id`, `text`, `source` and
    `sentences`); `geocoder` a `geo.geocoder.Geocoder` (its gazetteer finds place names,
    its `geocode` resolves them). Deterministic: the same text gives the same incidents
    and the same incident ids.
    """
    from geo.geocoder import GeoContext

    gazetteer = getattr(geocoder, "gazetteer", None)
    if gazetteer is None:
        from geo.gazetteer import Gazetteer

        gazetteer = Gazetteer.load()
    memo = _MEMO.get(geocoder)
    if memo is None or len(memo) > 20_000:
        memo = _MEMO[geocoder] = {}

    def resolve(name: str, qualifier: str | None, facility: bool,
                near: tuple[tuple[float, float], ...] = ()) -> Place:
        """A place for a name; with `facility`, the prison it designates if there is one;
        `near`: the article's other places, which decide between homonyms."""
        key = (name, qualifier, facility, near)
        if key not in memo:
            context = (GeoContext(department=qualifier, near=list(near))
                       if qualifier or near else None)
            place = None
            if facility:
                place = geocoder.geocode(f"prison de {name}", context)
                if place.kind != "facility":
                    place = None
            memo[key] = place or geocoder.geocode(name, context)
        return memo[key]

    def locate(name: str) -> tuple[float, float] | None:
        place = resolve(name, None, False, ())
        if place.resolved and place.kind in ("commune", "facility"):
            return (place.lat, place.lon)  # type: ignore[return-value]
        return None

    return Assembler(article, gazetteer, resolve, locate).build()
