"""Dates relative to the publication date, with their precision."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.extract.dates import find_dates

WED = dt.date(2024, 5, 15)  # a Wednesday
TUE = dt.date(2025, 4, 15)  # a Tuesday


def one(text: str, published: dt.date = WED) -> tuple[str, str]:
    hits = find_dates(text, published)
    assert len(hits) == 1, hits
    return hits[0].date.isoformat(), hits[0].precision


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Overnight, eight prisons came under attack", TUE, ("2025-04-14", "day")),
        ("the prison was hit on Tuesday", WED, ("2024-05-14", "day")),
        ("On Wednesday morning, guards blocked prisons", WED, ("2024-05-15", "day")),
        ("last Wednesday, guards blocked prisons", WED, ("2024-05-08", "day")),
        ("early Monday", WED, ("2024-05-13", "day")),
        ("on strike since Sunday", WED, ("2024-05-12", "day")),
        ("last May, a guard was assaulted", dt.date(2024, 6, 2), ("2024-05-01", "month")),
        ("last May, a guard was assaulted", WED, ("2023-05-01", "month")),
        ("in March, the prison", WED, ("2024-03-01", "month")),
        ("dans la nuit de lundi à mardi", TUE, ("2025-04-14", "day")),
        ("dans la nuit du 14 au 15 avril", TUE, ("2025-04-14", "day")),
        ("mardi 15 avril 2025", TUE, ("2025-04-15", "day")),
        ("le 3 mars", TUE, ("2025-03-03", "day")),
        ("On December 28, gunmen", dt.date(2025, 1, 3), ("2024-12-28", "day")),
        ("hier soir", TUE, ("2025-04-14", "day")),
        ("yesterday", TUE, ("2025-04-14", "day")),
        ("il y a trois jours", TUE, ("2025-04-12", "day")),
        ("two weeks ago", dt.date(2025, 1, 20), ("2025-01-06", "week")),
        ("la semaine dernière", TUE, ("2025-04-07", "week")),
        ("en mai dernier", dt.date(2025, 3, 12), ("2024-05-01", "month")),
        ("May 2023", WED, ("2023-05-01", "month")),
        ("2024-02-29", WED, ("2024-02-29", "day")),
        ("le 14/04/2025", TUE, ("2025-04-14", "day")),
    ],
)
def test_expressions(text: str, published: dt.date, expected: tuple[str, str]) -> None:
    assert one(text, published) == expected


def test_a_day_earlier_counts_back_from_the_date_before_it() -> None:
    hits = find_dates("searching on Thursday for the men who attacked it a day earlier", WED)
    assert [(h.date.isoformat(), h.text) for h in hits] == [
        ("2024-05-09", "on Thursday"), ("2024-05-08", "a day earlier"),
    ]


def test_a_day_earlier_alone_counts_back_from_publication() -> None:
    assert one("an ambush a day earlier") == ("2024-05-14", "day")


def test_relative_dates_need_a_publication_date() -> None:
    assert find_dates("on Tuesday, overnight, last May", None) == []
    assert [h.date for h in find_dates("on 14 April 2025", None)] == [dt.date(2025, 4, 14)]


def test_verbs_may_and_march_are_not_months() -> None:
    assert find_dates("guards may march on the ministry", WED) == []


def test_offsets_are_shifted_into_the_article() -> None:
    (hit,) = find_dates("x on Tuesday", WED, base=100)
    assert (hit.start, hit.end) == (102, 112)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a guard was stabbed in 2019", ("2019-01-01", "year")),
        ("un surveillant a été agressé en 2019", ("2019-01-01", "year")),
        ("back in 2019, inmates rioted", ("2019-01-01", "year")),
        ("fin 2019, des détenus se sont mutinés", ("2019-01-01", "year")),
        ("a guard was stabbed last year", ("2024-01-01", "year")),
        ("un surveillant a été agressé l'an dernier", ("2024-01-01", "year")),
        ("un surveillant a été agressé l'année dernière", ("2024-01-01", "year")),
        ("earlier this year, inmates rioted", ("2025-01-01", "year")),
        ("plus tôt cette année, des détenus se sont mutinés", ("2025-01-01", "year")),
        # a month named with its year keeps the month
        ("un surveillant a été agressé en mars 2019", ("2019-03-01", "month")),
    ],
)
def test_a_year_alone_is_a_year(text: str, expected: tuple[str, str]) -> None:
    assert one(text, TUE) == expected


@pytest.mark.parametrize("text", [
    "the prison, opened in 2021, was hit",
    "la prison, ouverte en 2021, a été visée",
    "la prison, construite en 2021, a été visée",
    "a new jail is due in 2027",  # after publication: a plan
    "la prison ouvrira en 2027",
])
def test_an_opening_or_a_future_year_dates_nothing(text: str) -> None:
    assert find_dates(text, TUE) == []


def test_a_year_alone_needs_no_publication_date() -> None:
    (hit,) = find_dates("un surveillant a été agressé en 2019", None)
    assert (hit.date, hit.precision) == (dt.date(2019, 1, 1), "year")
