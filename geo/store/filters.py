"""What the dashboard and `export` filter on, and its URL form; bounded against crafted
input. A value, not a query: each backend turns it into its own WHERE clause."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from geo.store.records import _fold


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if str(v)]


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass
class Filters:
    """What the dashboard and `export` filter on. Empty list/None = no filter.

    Lists are OR'ed within a field (any of these types) and fields are AND'ed.
    A date bound applies to `event_date` and so excludes undated incidents.
    `text` matches every word, accent- and case-insensitively, in the place,
    department, types, sources, titles, evidence and ids.
    """

    types: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    departments: list[str] = field(default_factory=list)
    prisons: list[str] = field(default_factory=list)
    text: str | None = None
    include_rejected: bool = False

    #: URL parameter names: short, stable, readable in a shared link.
    PARAMS: ClassVar[dict[str, str]] = {
        "types": "type", "sources": "source", "departments": "department", "prisons": "prison",
    }

    def to_query_params(self) -> dict[str, str | list[str]]:
        """The filter state as URL query parameters (lists for multi-valued keys)."""
        params: dict[str, str | list[str]] = {}
        for attr, key in self.PARAMS.items():
            values = getattr(self, attr)
            if values:
                params[key] = list(values)
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        if self.text:
            params["q"] = self.text
        if self.include_rejected:
            params["rejected"] = "1"
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any], *,
                          max_date: dt.date | None = None) -> Filters:
        """Inverse of `to_query_params`; lenient, since users edit URLs.

        A value may be a string or a list of strings. With Streamlit, pass
        `{k: st.query_params.get_all(k) for k in st.query_params}`: `to_dict()`
        keeps only the last value of a repeated key. An unreadable date is
        ignored rather than raised; dates are clamped to [MIN_DATE, max_date
        (default today)] (an inverted range stays: it selects nothing); the
        search text and the lists are cut to bounds a page can show (a crafted
        URL must not crash it).
        """
        values = {attr: _as_list(params.get(key))[:MAX_FILTER_VALUES]
                  for attr, key in cls.PARAMS.items()}
        text = params.get("q")
        if isinstance(text, list | tuple):
            text = text[-1] if text else None
        rejected = params.get("rejected")
        if isinstance(rejected, list | tuple):
            rejected = rejected[-1] if rejected else None
        high = max(max_date or dt.date.today(), MIN_DATE)
        date_from = _clamp(_as_date(_last(params.get("from"))), MIN_DATE, high)
        date_to = _clamp(_as_date(_last(params.get("to"))), MIN_DATE, high)
        return cls(
            **values,
            date_from=date_from,
            date_to=date_to,
            text=(str(text)[:MAX_SEARCH_CHARS].strip() or None) if text else None,
            include_rejected=str(rejected or "").lower() in {"1", "true", "yes", "on"},
        )


#: Bounds on what a visitor can send (a crafted URL or search box): SQLite refuses
#: an expression of ~1,000 LIKE terms ("Expression tree is too large") and a LIKE
#: pattern over 50,000 bytes, so a search keeps its first words, each cut short.
MAX_SEARCH_WORDS = 20
MAX_WORD_CHARS = 100
MAX_SEARCH_CHARS = 1000
MAX_FILTER_VALUES = 500
#: Dates a URL may ask for (the dashboard's date picker refuses earlier ones).
MIN_DATE = dt.date(1970, 1, 1)


def canonical(params: Mapping[str, Any]) -> str:
    """A filter state (URL parameters) as a stable string: list order and key order do
    not matter. The page's cache key, and how it tells whether the URL changed."""
    norm = {k: sorted(v) if isinstance(v, list) else v for k, v in params.items()}
    return json.dumps(norm, sort_keys=True, ensure_ascii=False)


def from_state(state: str) -> Filters:
    """The Filters of a `canonical` string (cached functions take strings)."""
    return Filters.from_query_params(json.loads(state))


def search_words(text: str | None) -> list[str]:
    """The folded words a search matches on, bounded (see MAX_SEARCH_WORDS)."""
    words = _fold((text or "")[:MAX_SEARCH_CHARS * 4]).split()
    return list(dict.fromkeys(w[:MAX_WORD_CHARS] for w in words))[:MAX_SEARCH_WORDS]


def _clamp(day: dt.date | None, low: dt.date, high: dt.date) -> dt.date | None:
    return None if day is None else min(max(day, low), high)


def _last(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value

