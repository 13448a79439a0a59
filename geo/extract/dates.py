"""Event dates from a sentence, relative to the publication date (English and French).

News gives dates relative to the day it is published: "overnight", "on Tuesday",
"a day earlier", "last May", "dans la nuit de lundi à mardi". Each expression
becomes a date and a precision (day, week, month, year). Regular expressions find and
read the spans directly: no date-search library scans the text, which keeps
ingest fast and the rules predictable.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from geo.extract import lang
from geo.extract.gate import ALWAYS, Gate, derive, has_digit, prefixes
from geo.extract.numbers import number_pattern, parse_number

_F = re.IGNORECASE | re.UNICODE
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:19|20)\d{2}"

#: Rule kinds in priority order: a span taken by one is not read again. The first
#: two are the same in every language; the others come from the packs' `[rules]`.
KINDS: tuple[str, ...] = (
    "iso", "numeric", "night_range", "night_weekdays", "day_month", "month_day",
    "month_year", "month", "year", "weekday", "night", "yesterday", "day_before_yesterday",
    "today", "days_ago", "weeks_ago", "days_earlier", "week", "last_month", "last_year",
    "run_duration",
)
_NEUTRAL = {
    "iso": r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})",
    "numeric": r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})",
}
#: Kinds that cannot match without a digit in the sentence.
_NEEDS_DIGIT = frozenset({"iso", "numeric", "night_range", "day_month", "month_day",
                          "month_year", "year"})


@dataclass(frozen=True, eq=False)
class _Rules:
    """The date rules of a set of language packs, compiled once."""

    rules: tuple[tuple[str, re.Pattern[str], Gate], ...]
    months: dict[str, int]
    weekdays: dict[str, int]
    past: frozenset[str]
    month_verbs: frozenset[str]
    codes: tuple[str, ...]


def _fragments(p: lang.Pack) -> dict[str, str]:
    """The generated fragments of one pack: its month and weekday names and the rest."""
    months = p.get("dates", "months")
    weekdays = p.get("dates", "weekdays")
    suffixes = p.get("dates", "words.day_suffixes")
    parts = p.get("dates", "words.day_parts")
    return {
        "month": lang.words_alternation(list(months)) + r"\.?" if months else "(?!)",
        "weekday": lang.words_alternation(list(weekdays)) if weekdays else "(?!)",
        "day": _DAY + (f"(?:{lang.words_alternation(suffixes)})?" if suffixes else ""),
        "year": _YEAR,
        "part": (rf"(?:\s+{lang.words_alternation(parts)})?" if parts else ""),
        "number": number_pattern((p.code,)),
    }


@lru_cache(maxsize=32)
def _rules_for(key: tuple[tuple[str, ...], tuple]) -> _Rules:
    packs = lang.packs(key[0])
    by_kind: dict[str, list[str]] = {k: [] for k in KINDS}
    for k, pat in _NEUTRAL.items():
        by_kind[k].append(pat)
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    past: set[str] = set()
    verbs: set[str] = set()
    for p in packs:
        frags = _fragments(p)
        for kind, pats in p.get("dates", "rules").items():
            by_kind[kind].extend(p.expand("dates", q, frags) for q in pats)
        for name, num in p.get("dates", "months").items():
            months.setdefault(name.lower(), int(num))
        for name, num in p.get("dates", "weekdays").items():
            weekdays.setdefault(name.lower(), int(num))
        past.update(w.lower() for w in p.get("dates", "words.past_markers"))
        verbs.update(w.lower() for w in p.get("dates", "words.month_verbs"))
    rules = []
    for kind in KINDS:
        for q in by_kind[kind]:
            # One pattern each: packs reuse the group names (d, mon, y, n ...).
            gate = ALWAYS if kind in _NEUTRAL else derive(q)
            rules.append((kind, re.compile(rf"(?<![\w-])(?:{q})(?![\w-])", _F), gate))
    return _Rules(tuple(rules), months, weekdays, frozenset(past), frozenset(verbs), key[0])


def rules(codes: tuple[str, ...] | None = None) -> _Rules:
    """The compiled rules of these language packs (None: every pack)."""
    return _rules_for(lang.cache_key(codes or lang.codes_for(None)))


@dataclass(frozen=True)
class DateHit:
    """A date read from the text: offsets in the article, value and precision."""

    start: int
    end: int
    date: dt.date
    precision: str
    text: str


def find_dates(text: str, published: dt.date | None, base: int = 0,
               words: frozenset[str] | None = None,
               codes: tuple[str, ...] | None = None) -> list[DateHit]:
    """Dates stated in one sentence, in text order, offsets shifted by `base`.

    Relative expressions need `published`; without it only absolute dates are read.
    "A day earlier" counts back from the last date read before it in the sentence,
    else from the publication date.
    """
    r = rules(codes)
    raw: list[tuple[int, int, str, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    words = prefixes(text) if words is None else words
    digit = has_digit(text)
    for kind, rx, gate in r.rules:
        if (kind in _NEEDS_DIGIT and not digit) or not gate.allows(text, words):
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if any(a < e and s < b for a, b in taken):
                continue
            taken.append((s, e))
            raw.append((s, e, kind, m))
    raw.sort(key=lambda x: x[0])
    hits: list[DateHit] = []
    for s, e, kind, m in raw:
        anchor = next((h.date for h in reversed(hits) if h.precision == "day"), published)
        value = _read(r, kind, m, published, anchor)
        if value is not None:
            hits.append(DateHit(base + s, base + e, value[0], value[1], m.group(0)))
    return hits


def _past(r: _Rules, *texts: str | None) -> bool:
    """Whether a phrase says the previous one ("last", "dernier")."""
    return any(w in r.past for t in texts if t for w in re.findall(r"[^\W\d_]+", t.lower()))


def _number(r: _Rules, g: dict[str, str | None]) -> int | float | None:
    return parse_number(g.get("n") or "", r.codes)


def _read(r: _Rules, kind: str, m: re.Match[str], published: dt.date | None,
          anchor: dt.date | None) -> tuple[dt.date, str] | None:
    """The (date, precision) a match of `kind` says, through the kind's reader: an
    absolute one may need no publication date, a relative one always does."""
    g = m.groupdict()
    absolute = _READ_ABSOLUTE.get(kind)
    if absolute is not None:
        try:
            return absolute(r, g, published)
        except (ValueError, KeyError, AttributeError, TypeError):
            return None
    if published is None:
        return None
    return _READ_RELATIVE[kind](r, m, g, published, anchor)


def _read_numeric(r: _Rules, g: dict[str, str | None],
                  published: dt.date | None) -> tuple[dt.date, str] | None:
    return dt.date(int(g["y"]), int(g["m"]), int(g["d"])), "day"


def _read_day_month(r: _Rules, g: dict[str, str | None],
                    published: dt.date | None) -> tuple[dt.date, str] | None:
    month = r.months[g["mon"].lower().rstrip(".")]
    day = int(re.match(r"\d+", g["d"]).group())  # type: ignore[union-attr]
    if g.get("y"):
        value = dt.date(int(g["y"]), month, day)
    elif published is None:
        return None
    else:
        value = _latest_day(month, day, published)
    if g.get("wd") and r.weekdays.get(g["wd"].lower()) != value.weekday():
        return None  # "lundi 10 mars" when the 10th was a Friday: the text errs
    return value, "day"


def _read_month_year(r: _Rules, g: dict[str, str | None],
                     published: dt.date | None) -> tuple[dt.date, str] | None:
    return dt.date(int(g["y"]), r.months[g["mon"].lower().rstrip(".")], 1), "month"


def _read_year(r: _Rules, g: dict[str, str | None],
               published: dt.date | None) -> tuple[dt.date, str] | None:
    """"En 2019": that year, precision year (the date is its 1 January, no day is made
    up); a year after publication is a plan, not an event."""
    year = int(g["y"])  # type: ignore[arg-type]
    if published is not None and year > published.year:
        return None
    return dt.date(year, 1, 1), "year"


#: Kinds whose match holds the date (a year, or a day and month): a dispatch table.
_READ_ABSOLUTE: dict[str, Callable[..., tuple[dt.date, str] | None]] = {
    "iso": _read_numeric,
    "numeric": _read_numeric,
    "night_range": _read_day_month,
    "day_month": _read_day_month,
    "month_day": _read_day_month,
    "month_year": _read_month_year,
    "year": _read_year,
}


def _read_month(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    name = g["mon"].lower().rstrip(".")
    month = r.months.get(name)
    if month is None or (name in r.month_verbs and g["mon"][0].islower()):
        return None  # the verbs "may" and "march"
    strict = _past(r, g.get("pre"), g.get("last"))
    year = published.year if (month < published.month or
                              (month == published.month and not strict)) else published.year - 1
    return dt.date(year, month, 1), "month"


def _read_weekday_of(night: bool) -> Callable[..., tuple[dt.date, str] | None]:
    def read(r: _Rules, m: re.Match[str], g: dict[str, str | None], published: dt.date,
             anchor: dt.date | None) -> tuple[dt.date, str] | None:
        wd = r.weekdays[g["wd"].lower()]
        back = (published.weekday() - wd) % 7
        if night and back == 0:
            back = 7  # the night from Monday to Tuesday, told on a Monday, was a week ago
        if back == 0 and _past(r, g.get("pre"), g.get("last")):
            back = 7
        return published - dt.timedelta(days=back), "day"
    return read


def _read_days_back(days: int) -> Callable[..., tuple[dt.date, str] | None]:
    def read(r: _Rules, m: re.Match[str], g: dict[str, str | None], published: dt.date,
             anchor: dt.date | None) -> tuple[dt.date, str] | None:
        return published - dt.timedelta(days=days), "day"
    return read


def _read_days_ago(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                   published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    n = _number(r, g)
    return (published - dt.timedelta(days=int(n)), "day") if n is not None else None


def _read_weeks_ago(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                    published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    n = _number(r, g)
    if n is None:
        return None
    ref = published - dt.timedelta(weeks=int(n))
    return ref - dt.timedelta(days=ref.weekday()), "week"


def _read_days_earlier(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                       published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    n = _number(r, g) if g.get("n") else 1
    if n is None or anchor is None:
        return None
    return anchor - dt.timedelta(days=int(n)), "day"


def _read_week(r: _Rules, m: re.Match[str], g: dict[str, str | None],
               published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    ref = published - dt.timedelta(days=7) if _past(r, m.group(0)) else published
    return ref - dt.timedelta(days=ref.weekday()), "week"


def _read_last_month(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                     published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    if _past(r, m.group(0)):
        first = published.replace(day=1) - dt.timedelta(days=1)
        return first.replace(day=1), "month"
    return published.replace(day=1), "month"


def _read_last_year(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                    published: dt.date, anchor: dt.date | None) -> tuple[dt.date, str] | None:
    """"Last year", "l'an dernier": the year before publication; "this year": its own."""
    return dt.date(published.year - (1 if _past(r, m.group(0)) else 0), 1, 1), "year"


def _read_run_duration(r: _Rules, m: re.Match[str], g: dict[str, str | None],
                       published: dt.date,
                       anchor: dt.date | None) -> tuple[dt.date, str] | None:
    """"Repris au bout de deux semaines de cavale": the escape was that long before."""
    ref = anchor or published
    for key, precision in (("nd", "day"), ("nw", "week"), ("nm", "month")):
        if g.get(key):
            n = parse_number(g[key] or "", r.codes)
            if n is None:
                return None
            if precision == "day":
                return ref - dt.timedelta(days=int(n)), "day"
            if precision == "week":
                # A duration, not a calendar week: counted back exactly, to within a week.
                return ref - dt.timedelta(weeks=int(n)), "week"
            month = ref.month - int(n)
            year = ref.year + (month - 1) // 12
            return dt.date(year, (month - 1) % 12 + 1, 1), "month"
    return None


#: How each relative kind reads its match (a dispatch table, one function a rule).
_READ_RELATIVE: dict[str, Callable[..., tuple[dt.date, str] | None]] = {
    "month": _read_month,
    "weekday": _read_weekday_of(night=False),
    "night_weekdays": _read_weekday_of(night=True),
    "night": _read_days_back(1),
    "yesterday": _read_days_back(1),
    "day_before_yesterday": _read_days_back(2),
    "today": _read_days_back(0),
    "days_ago": _read_days_ago,
    "weeks_ago": _read_weeks_ago,
    "days_earlier": _read_days_earlier,
    "week": _read_week,
    "last_month": _read_last_month,
    "last_year": _read_last_year,
    "run_duration": _read_run_duration,
}


def _latest_day(month: int, day: int, published: dt.date) -> dt.date:
    """The latest date with this day and month on or before publication (+2 days of slack
    for time zones and late editions)."""
    for year in (published.year, published.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= published + dt.timedelta(days=2):
            return candidate
    return dt.date(published.year - 1, month, min(day, 28))
