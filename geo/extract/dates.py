"""Event dates from a sentence, relative to the publication date (English and French).

News gives dates relative to the day it is published: "overnight", "on Tuesday",
"a day earlier", "last May", "dans la nuit de lundi à mardi". Each expression
becomes a date and a precision (day, week, month). Regular expressions find and
read the spans directly: no date-search library scans the text, which keeps
ingest fast and the rules predictable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from geo.extract.gate import gate, has_digit, prefixes
from geo.extract.numbers import NUMBER, parse_number

_F = re.IGNORECASE | re.UNICODE

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("january", "jan", "janvier", "janv"),
        ("february", "feb", "février", "fevrier", "févr", "fevr"),
        ("march", "mar", "mars"),
        ("april", "apr", "avril", "avr"),
        ("may", "mai"),
        ("june", "jun", "juin"),
        ("july", "jul", "juillet", "juil"),
        ("august", "aug", "août", "aout"),
        ("september", "sep", "sept", "septembre"),
        ("october", "oct", "octobre"),
        ("november", "nov", "novembre"),
        ("december", "dec", "décembre", "decembre", "déc"),
    ),
    start=1,
):
    for _n in _names:
        MONTHS[_n] = _i

WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4,
    "samedi": 5, "dimanche": 6,
}

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|"
          r"december|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|"
          r"octobre|novembre|décembre|decembre|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|"
          r"janv|févr|fevr|avr|juil|déc)\.?")
_WEEKDAY = (r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|"
            r"mercredi|jeudi|vendredi|samedi|dimanche)")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|e)?"
_YEAR = r"(?:19|20)\d{2}"
_PART = (r"(?:\s+(?:morning|night|evening|afternoon|matin|soir|soirée|après-midi|"
         r"apres-midi|nuit))?")


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", _F)


#: (kind, pattern) in priority order: a span taken by one is not read again.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", _rx(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")),
    ("numeric", _rx(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")),
    ("night_range", _rx(
        rf"(?:(?:dans\s+)?la\s+nuit\s+du|(?:in\s+|during\s+)?the\s+night\s+of)\s+(?P<d>{_DAY})"
        rf"\s+(?:au|to|-|–)\s+{_DAY}\s+(?P<mon>{_MONTH})(?:\s+(?P<y>{_YEAR}))?")),
    ("night_weekdays", _rx(
        rf"(?:(?:dans\s+)?la\s+nuit\s+de|(?:in\s+|during\s+)?the\s+night\s+(?:of|from)|"
        rf"overnight\s+from)\s+(?P<wd>{_WEEKDAY})\s+(?:à|a|to|into)\s+{_WEEKDAY}")),
    ("day_month", _rx(
        rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?(?P<d>{_DAY})\s+(?:of\s+)?(?P<mon>{_MONTH})"
        rf"(?:,?\s+(?P<y>{_YEAR}))?")),
    ("month_day", _rx(
        rf"(?:{_WEEKDAY},?\s+)?(?P<mon>{_MONTH})\s+(?P<d>{_DAY})(?:,?\s+(?P<y>{_YEAR}))?")),
    ("month_year", _rx(rf"(?P<mon>{_MONTH})\s+(?P<y>{_YEAR})")),
    ("month", _rx(
        rf"(?P<pre>in|on|since|last|early|late|mid-|until|en|depuis|début|debut|fin|mi-|"
        rf"courant|le\s+mois\s+de|au\s+mois\s+de)\s*(?P<mon>{_MONTH})(?P<last>\s+dernier)?")),
    ("weekday", _rx(
        rf"(?P<pre>(?:on|last|early|late|this|since|ce|depuis|dès)\s+)?(?P<wd>{_WEEKDAY})"
        rf"{_PART}(?P<last>\s+dernier)?")),
    ("night", _rx(
        r"overnight|last\s+night|(?:in\s+|during\s+)?the\s+night|cette\s+nuit|"
        r"la\s+nuit\s+dernière|dans\s+la\s+nuit")),
    ("yesterday", _rx(r"yesterday|hier(?:\s+(?:soir|matin|après-midi))?")),
    ("day_before_yesterday", _rx(r"the\s+day\s+before\s+yesterday|avant-hier")),
    ("today", _rx(r"today|this\s+(?:morning|afternoon|evening)|earlier\s+today|"
                  r"aujourd'hui|aujourd’hui|ce\s+matin|cet\s+après-midi|ce\s+soir")),
    ("days_ago", _rx(rf"(?P<n>{NUMBER})\s+days?\s+ago|il\s+y\s+a\s+(?P<n2>{NUMBER})\s+jours")),
    ("weeks_ago", _rx(
        rf"(?P<n>{NUMBER})\s+weeks?\s+ago|il\s+y\s+a\s+(?P<n2>{NUMBER})\s+semaines?")),
    ("days_earlier", _rx(
        rf"(?P<n>{NUMBER})\s+days?\s+(?:earlier|before|previously)|"
        rf"(?P<n2>{NUMBER})\s+jours?\s+plus\s+tôt|la\s+veille|the\s+(?:day|night)\s+before|"
        r"the\s+previous\s+(?:day|night)")),
    ("week", _rx(r"(?P<w>last\s+week|earlier\s+this\s+week|this\s+week|la\s+semaine\s+"
                 r"dernière|cette\s+semaine|en\s+début\s+de\s+semaine)")),
    ("last_month", _rx(r"last\s+month|le\s+mois\s+dernier|earlier\s+this\s+month|"
                       r"ce\s+mois-ci|en\s+début\s+de\s+mois")),
)


_MONTH_WORDS = gate(*MONTHS)
_WEEKDAY_WORDS = gate(*WEEKDAYS)
#: Words each rule needs (see `geo.extract.gate`); "digit" means a digit is needed too.
_NEEDS: dict[str, tuple[frozenset[str], bool]] = {
    "iso": (frozenset(), True),
    "numeric": (frozenset(), True),
    "night_range": (gate("nuit", "night"), True),
    "night_weekdays": (gate("nuit", "night", "overnight"), False),
    "day_month": (_MONTH_WORDS, True),
    "month_day": (_MONTH_WORDS, True),
    "month_year": (_MONTH_WORDS, True),
    "month": (_MONTH_WORDS, False),
    "weekday": (_WEEKDAY_WORDS, False),
    "night": (gate("overnight", "night", "nuit"), False),
    "yesterday": (gate("yesterday", "hier"), False),
    "day_before_yesterday": (gate("yesterday", "hier"), False),
    "today": (gate("today", "morning", "afternoon", "evening", "aujourd", "matin", "soir"),
              False),
    "days_ago": (gate("ago", "jours", "jour"), False),
    "weeks_ago": (gate("ago", "semaine", "semaines"), False),
    "days_earlier": (gate("earlier", "before", "previously", "previous", "tôt", "veille"),
                     False),
    "week": (gate("week", "semaine"), False),
    "last_month": (gate("month", "mois"), False),
}


@dataclass(frozen=True)
class DateHit:
    """A date read from the text: offsets in the article, value and precision."""

    start: int
    end: int
    date: dt.date
    precision: str
    text: str


def find_dates(text: str, published: dt.date | None, base: int = 0,
               words: frozenset[str] | None = None) -> list[DateHit]:
    """Dates stated in one sentence, in text order, offsets shifted by `base`.

    Relative expressions need `published`; without it only absolute dates are read.
    "A day earlier" counts back from the last date read before it in the sentence,
    else from the publication date.
    """
    raw: list[tuple[int, int, str, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    words = prefixes(text) if words is None else words
    digit = has_digit(text)
    for kind, rx in _RULES:
        needs, needs_digit = _NEEDS[kind]
        if (needs_digit and not digit) or (needs and needs.isdisjoint(words)):
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if any(a < e and s < b for a, b in taken):
                continue
            taken.append((s, e))
            raw.append((s, e, kind, m))
    raw.sort(key=lambda r: r[0])
    hits: list[DateHit] = []
    for s, e, kind, m in raw:
        anchor = next((h.date for h in reversed(hits) if h.precision == "day"), published)
        value = _read(kind, m, published, anchor)
        if value is not None:
            hits.append(DateHit(base + s, base + e, value[0], value[1], m.group(0)))
    return hits


def _read(kind: str, m: re.Match[str], published: dt.date | None,
          anchor: dt.date | None) -> tuple[dt.date, str] | None:
    g = m.groupdict()
    try:
        if kind in ("iso", "numeric"):
            return dt.date(int(g["y"]), int(g["m"]), int(g["d"])), "day"
        if kind in ("night_range", "day_month", "month_day"):
            month = MONTHS[g["mon"].lower().rstrip(".")]
            day = int(re.match(r"\d+", g["d"]).group())  # type: ignore[union-attr]
            if g.get("y"):
                return dt.date(int(g["y"]), month, day), "day"
            if published is None:
                return None
            return _latest_day(month, day, published), "day"
        if kind == "month_year":
            return dt.date(int(g["y"]), MONTHS[g["mon"].lower().rstrip(".")], 1), "month"
    except (ValueError, KeyError, AttributeError):
        return None
    if published is None:
        return None
    if kind == "month":
        month = MONTHS.get(g["mon"].lower().rstrip("."))
        if month is None or (g["mon"].lower() in ("may", "march") and g["mon"][0].islower()):
            return None  # the verbs "may" and "march"
        strict = g["pre"].lower() == "last" or bool(g.get("last"))
        year = published.year if (month < published.month or
                                  (month == published.month and not strict)) else published.year - 1
        return dt.date(year, month, 1), "month"
    if kind in ("weekday", "night_weekdays"):
        wd = WEEKDAYS[g["wd"].lower()]
        back = (published.weekday() - wd) % 7
        pre = (g.get("pre") or "").strip().lower()
        if kind == "night_weekdays" and back == 0:
            back = 7  # the night from Monday to Tuesday, told on a Monday, was a week ago
        if back == 0 and (pre == "last" or g.get("last")):
            back = 7
        return published - dt.timedelta(days=back), "day"
    if kind in ("night", "yesterday"):
        return published - dt.timedelta(days=1), "day"
    if kind == "day_before_yesterday":
        return published - dt.timedelta(days=2), "day"
    if kind == "today":
        return published, "day"
    if kind == "days_ago":
        n = parse_number(g.get("n") or g.get("n2") or "")
        return (published - dt.timedelta(days=int(n)), "day") if n is not None else None
    if kind == "weeks_ago":
        n = parse_number(g.get("n") or g.get("n2") or "")
        if n is None:
            return None
        ref = published - dt.timedelta(weeks=int(n))
        return ref - dt.timedelta(days=ref.weekday()), "week"
    if kind == "days_earlier":
        n = parse_number(g.get("n") or g.get("n2") or "") if (g.get("n") or g.get("n2")) else 1
        if n is None or anchor is None:
            return None
        return anchor - dt.timedelta(days=int(n)), "day"
    if kind == "week":
        w = g["w"].lower()
        ref = published - dt.timedelta(days=7) if ("last" in w or "dernière" in w) else published
        return ref - dt.timedelta(days=ref.weekday()), "week"
    if kind == "last_month":
        text = m.group(0).lower()
        if "last" in text or "dernier" in text:
            first = published.replace(day=1) - dt.timedelta(days=1)
            return first.replace(day=1), "month"
        return published.replace(day=1), "month"
    return None


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
