"""Names typed on the command line, matched to the store's values as people write them:
case, accents, hyphens and "St" folded (`geo.normalize.fold`), prisons by id, name or
press alias. A value that matches nothing known is kept (the filter then matches
nothing) with a warning naming the closest known values, instead of a silent
header-only file."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping

from geo.model import INCIDENT_TYPES
from geo.normalize import fold

#: Closest known values named in a warning.
SUGGESTIONS = 3


def index(values: Iterable[str]) -> dict[str, str]:
    """Folded key -> value as stored (the first of equal keys wins)."""
    out: dict[str, str] = {}
    for value in values:
        if value and value.strip():
            out.setdefault(fold(value), value)
    return out


def closest(text: str, known: Mapping[str, str], n: int = SUGGESTIONS) -> list[str]:
    """The known values nearest to `text` (folded spelling; also by first letters)."""
    key = fold(text)
    keys = difflib.get_close_matches(key, list(known), n=n, cutoff=0.5)
    if len(keys) < n:
        keys += [k for k in known if k.startswith(key[:3]) and k not in keys][: n - len(keys)]
    return list(dict.fromkeys(known[k] for k in keys))


def resolve(option: str, noun: str, given: Iterable[str], known: Mapping[str, str],
            warn: bool = True) -> list[str]:
    """Each given value as stored when it matches a known one, else as given (and a
    warning on stderr with the closest known values)."""
    out = []
    for text in given:
        value = known.get(fold(text))
        if value is None:
            if warn:
                near = closest(text, known)
                hint = f"; closest: {', '.join(near)}" if near else ""
                print(f"warning: {option} {text!r} matches no known {noun}{hint}",
                      file=sys.stderr)
            value = text
        out.append(value)
    return list(dict.fromkeys(out))


def incident_type(text: str) -> str:
    """An incident type key, case-insensitively, or its English or French label
    ("Gunfire", "tirs"); argparse's error names the closest ones."""
    from geo.i18n import CATALOGUES

    known = index(INCIDENT_TYPES)
    for texts in CATALOGUES.values():
        known.update({fold(texts[f"type.{k}"]): k for k in INCIDENT_TYPES})
    value = known.get(fold(text))
    if value is None:
        near = closest(text, index(INCIDENT_TYPES))
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(INCIDENT_TYPES)}"
            + (f"; closest: {', '.join(near)}" if near else "") + ")")
    return value


def prison_index(store_ids: Mapping[str, str] | None = None) -> dict[str, str]:
    """Folded id, official name and press alias of every prison -> its id; plus the
    ids the store holds (`Facets.prisons`: id -> name)."""
    from geo.prisons import load_prisons

    known: dict[str, str] = {}
    for pid, name in (store_ids or {}).items():
        known.setdefault(fold(pid), pid)
        if name:
            known.setdefault(fold(name), pid)
    for prison in load_prisons():
        for name in (prison.id, *prison.names):
            known.setdefault(fold(name), prison.id)
    return known


def department_index(extra: Iterable[str] = ()) -> dict[str, str]:
    """Every department name a prison is in (all of France's but a few) plus `extra`."""
    from geo.prisons import load_prisons

    return index([*extra, *(p.department for p in load_prisons() if p.department)])


def region_index() -> dict[str, str]:
    from geo.prisons import load_prisons

    return index(p.region for p in load_prisons() if getattr(p, "region", None))
