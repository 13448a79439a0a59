"""Configuration in one place: every environment variable is read in geo/config.py and
listed in its table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo import config, parallel
from geo.errors import GeoError
from geo.providers import PROVIDERS, make_provider, url_variable

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\s*\[|from os import .*environ")


def sources() -> list[Path]:
    return [*sorted((ROOT / "geo").rglob("*.py")), ROOT / "dashboard.py"]


def test_no_module_but_config_reads_the_environment() -> None:
    readers = [str(p.relative_to(ROOT)) for p in sources()
               if p != ROOT / "geo" / "config.py" and ENV_READ.search(p.read_text("utf-8"))]
    assert readers == []


def test_the_search_finds_an_environment_read() -> None:
    assert ENV_READ.search('x = os.environ.get("GEO_X")')
    assert ENV_READ.search("from os import environ")
    assert ENV_READ.search('os.getenv("GEO_X")')


def test_every_variable_config_reads_is_in_its_table() -> None:
    text = (ROOT / "geo" / "config.py").read_text("utf-8")
    table = config.__doc__ or ""
    read = set(re.findall(r'"(GEO_[A-Z_]+)"', text))
    read |= {url_variable(name) for name in PROVIDERS}
    assert read, "the pattern finds the variables"
    listed = set(re.findall(r"GEO_[A-Z_]+", table))
    assert read - listed == set()
    for name in ("GEO_MAX_ARTICLE_BYTES", "GEO_INGEST_WORKERS", "GEO_PRISONS"):
        assert name in read and name in listed


def test_max_article_bytes_is_read_in_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo import articles

    monkeypatch.setenv("GEO_MAX_ARTICLE_BYTES", "1234")
    assert articles.max_article_bytes() == config.max_article_bytes() == 1234
    monkeypatch.setenv("GEO_MAX_ARTICLE_BYTES", "lots")
    with pytest.raises(GeoError, match="GEO_MAX_ARTICLE_BYTES='lots'"):
        config.max_article_bytes()
    monkeypatch.delenv("GEO_MAX_ARTICLE_BYTES")
    assert config.max_article_bytes() == 5 * 1024 * 1024


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("1", 1), ("3", 3), ("0", None),
                                               ("-2", None), ("many", None)])
def test_ingest_workers(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int | None) -> None:
    monkeypatch.setenv("GEO_INGEST_WORKERS", raw)
    assert config.ingest_workers() == expected
    if expected == 1:
        assert parallel.workers(10_000) == 1


def test_the_providers_registry_drives_urls_and_the_cli_help(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    assert PROVIDERS == ("nominatim", "ban")
    for name in PROVIDERS:
        monkeypatch.setenv(url_variable(name), f"http://127.0.0.1:9/{name}")
        assert make_provider(name).url == f"http://127.0.0.1:9/{name}"
        monkeypatch.delenv(url_variable(name))
        assert make_provider(name).url.startswith("https://")
    with pytest.raises(GeoError, match="known: nominatim, ban"):
        make_provider("google")
    shown = subprocess.run([sys.executable, "-m", "geo", "geocode", "--help"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    assert "(nominatim, ban)" in " ".join(shown.split())
