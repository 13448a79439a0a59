"""Articles added from the dashboard (geo.upload): editors only, identical content
changes nothing, a file is kept only when its ingest took it, and the outcome names
the incidents created or merged into."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import auth, upload
from geo.errors import PermissionDenied
from geo.i18n import Texts
from geo.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_3bca5d6d07408c2f.txt"
EDITOR = auth.Identity("ana", auth.EDITOR, auth.PASSWORD)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CORRECTIONS", str(tmp_path / "corrections.json"))
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "cache.sqlite"))
    with Store(tmp_path / "store.sqlite") as s:
        yield s


def test_a_viewer_cannot_upload(store: Store) -> None:
    viewer = auth.Identity(None, auth.VIEWER, auth.ANONYMOUS)
    with pytest.raises(PermissionDenied):
        upload.add(store, viewer, "a.txt", SEED.read_bytes(), {})
    assert not (store.path.parent / "uploads").exists()


def test_identical_upload_changes_nothing(store: Store) -> None:
    data = SEED.read_bytes()
    first = upload.add(store, EDITOR, "convoy.txt", data, {"source": "Le Monde"})
    assert first.kind == "added" and len(first.created) == first.found == 2
    version, files = store.version(), sorted((store.path.parent / "uploads").iterdir())
    again = upload.add(store, EDITOR, "convoy.txt", data, {"source": "Evil",
                                                           "url": "https://evil.example/"})
    renamed = upload.add(store, EDITOR, "other name.txt", data, {"source": "Evil"})
    assert again.kind == renamed.kind == "already"
    assert store.version() == version
    assert sorted((store.path.parent / "uploads").iterdir()) == files
    assert {s.source for i in store.query() for s in i.sources} == {"Le Monde"}
    level, text = upload.describe(again, "convoy.txt", store, Texts("en"))
    assert level == "info" and "already in the store" in text


def test_failed_or_empty_uploads_are_not_kept(store: Store) -> None:
    out = upload.add(store, EDITOR, "weather.txt", b"Demain, il fera beau.\n", {})
    assert out.kind == "none"
    bad = upload.add(store, EDITOR, "bin.txt", b"\x00\x01\x02" * 100, {})
    assert bad.kind == "failed"
    assert [p.name for p in (store.path.parent / "uploads").iterdir()] == [
        p.name for p in (store.path.parent / "uploads").iterdir() if p.name.startswith("weather")]


def test_a_second_report_says_which_incidents_it_merged_into(store: Store) -> None:
    text = SEED.read_text("utf-8")
    upload.add(store, EDITOR, "a.txt", text.encode(), {"source": "A",
                                                        "published": "2024-05-15"})
    known = {i.incident_id for i in store.query()}
    # the same story told again, a little differently: the same events
    retold = "Les enquêteurs poursuivent leurs recherches dans la région.\n\n" + text
    out = upload.add(store, EDITOR, "b.txt", retold.encode(),
                     {"source": "B", "published": "2024-05-15"})
    assert out.kind in {"merged", "added"} and out.merged_into
    assert len(out.created) + len(out.merged_into) == out.found
    assert store.count() == len(known) + len(out.created)
    _level, message = upload.describe(out, "b.txt", store, Texts("fr"))
    assert out.merged_into[0] in message


def test_problems_are_named(store: Store) -> None:
    t = Texts("en")
    assert "not an article file" in upload.problem("x.pdf", 10, t)
    assert upload.problem("x.markdown", 10, t) is None  # the loader's own list
    assert "http" in upload.field_problem("javascript:alert(1)", "", t)
    assert "2025-04-15" in upload.field_problem("", "15/04/2025", t)
