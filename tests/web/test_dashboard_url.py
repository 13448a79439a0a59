"""The dashboard's "Add an article" with a URL and no file, against the fake news server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes.newsserver import FakeNewsServer
from streamlit.testing.v1 import AppTest

from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
FR = (ROOT / "tests" / "fixtures" / "web" / "fr_voitures_incendiees.html").read_text("utf-8")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store" / "incidents.sqlite"
    monkeypatch.setenv("GEO_DB", str(path))
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "geocache.sqlite"))
    monkeypatch.setenv("GEO_CORRECTIONS", str(tmp_path / "corrections.json"))
    monkeypatch.setenv("GEO_WEB_ALLOW", "127.0.0.1")
    monkeypatch.setenv("GEO_WEB_DELAY", "0")
    for var in ("GEO_OFFLINE", "GEO_ONLINE", "GEO_WEB_ARCHIVE"):
        monkeypatch.delenv(var, raising=False)
    return path


def submit(fields: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["x_add"] = True  # the "Add an article" section, opened
    at.run(timeout=120)
    for label, value in fields.items():
        next(w for w in at.text_input if w.label == label).set_value(value)
    next(b for b in at.button if b.label == "Extract and add").click()
    at.run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


@pytest.mark.slow
def test_a_url_without_a_file_is_fetched_and_added_with_the_form_overriding(db):
    with FakeNewsServer() as server:
        url = server.page("/fr/valence", FR)
        at = submit({"URL (optional)": url, "Source (optional)": "Relu par l'équipe"})
    assert any(f"from {url}" in t for t in texts(at.success)), texts(at.error)
    incidents = Store(db).query()
    assert [i.prison_id for i in incidents] == ["cp-valence"]
    source = incidents[0].sources[0]
    assert source.source == "Relu par l'équipe" and source.author == "Claire Vasseur"
    assert list((db.parent / "web").glob("*.html.gz"))


@pytest.mark.slow
def test_a_url_that_fails_is_named_and_nothing_is_added(db):
    with FakeNewsServer() as server:
        url = server.route("/gone", status=404)
        at = submit({"URL (optional)": url})
    assert texts(at.error) == [f"Could not add {url}: HTTP 404 Not Found"]
    assert Store(db).count() == 0
