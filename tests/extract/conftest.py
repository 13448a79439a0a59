"""Shared fixtures: the offline geocoder (real gazetteer, no network) and article helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from geo.articles import article_from_bytes, load_article
from geo.extract import extract_incidents
from geo.model import Incident

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "articles"


@pytest.fixture(scope="session")
def geocoder() -> Any:
    from geo.geocoder import Geocoder

    g = Geocoder(online=[])
    yield g
    g.close()


@pytest.fixture(scope="session")
def gazetteer(geocoder: Any) -> Any:
    return geocoder.gazetteer


@pytest.fixture
def extract(geocoder: Any):
    """extract(text, published="2025-04-15") -> incidents of an in-memory article."""

    def run(text: str, published: str | None = "2025-04-15",
            name: str = "inline.txt") -> list[Incident]:
        meta = {"published": published, "source": "test"} if published else {}
        article = article_from_bytes(text.encode(), Path(name), meta,
                                     today=dt.date(2030, 1, 1))
        return extract_incidents(article, geocoder)

    return run


@pytest.fixture
def extract_file(geocoder: Any):
    def run(path: Path) -> list[Incident]:
        return extract_incidents(load_article(path), geocoder)

    return run
