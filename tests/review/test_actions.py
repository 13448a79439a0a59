"""Review actions on a store filled from real articles: each decision is in the
corrections file, survives `ingest --force`, and is in the audit log."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from geo import auth
from geo.errors import GeoError, PermissionDenied
from geo.prisons import load_prisons
from geo.review import actions, log
from geo.store import Filters, Store

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"
EDITOR = auth.Identity("ana", auth.EDITOR, auth.PASSWORD)
VIEWER = auth.Identity(None, auth.VIEWER, auth.ANONYMOUS)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, Path, Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("fr_toulon_tirs", "fr_fresnes_greve"):
        for f in ARTICLES.glob(f"{name}.*"):
            shutil.copy(f, folder)
    corrections = tmp_path / "corrections.json"
    monkeypatch.setenv("GEO_CORRECTIONS", str(corrections))
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "cache.sqlite"))
    store = Store(tmp_path / "store.sqlite")
    store.ingest([folder])
    yield store, folder, corrections
    store.close()


def by_place(store: Store, word: str) -> str:
    return next(i.incident_id for i in store.query(Filters(include_rejected=True))
                if word in (i.place or "") and (word != "Fresnes" or "assault" in i.types))


def test_viewer_is_refused_server_side(env: tuple[Store, Path, Path]) -> None:
    store, _, corrections = env
    target = by_place(store, "Toulon")
    for call in (lambda r: r.verify(target), lambda r: r.reject(target, "x"),
                 lambda r: r.edit(target, {"killed": 1}), lambda r: r.split(target)):
        with pytest.raises(PermissionDenied):
            call(actions.Reviewer(store, VIEWER, corrections))
    assert not corrections.exists() and log.entries(store.path) == []


def test_reject_persists_through_ingest_force_and_is_logged(
        env: tuple[Store, Path, Path]) -> None:
    store, folder, corrections = env
    target = by_place(store, "Toulon")
    reviewer = actions.Reviewer(store, EDITOR, corrections)
    with pytest.raises(GeoError, match="reason"):
        reviewer.reject(target, "  ")
    reviewer.reject(target, "Not an attack: a drill")
    assert target not in store.export_csv()
    assert store.count() == 3 and store.get(target).status == "rejected"
    entry = json.loads(corrections.read_text())[-1]
    assert entry | {"date": "?"} == {"incident_id": target, "status": "rejected",
                                     "note": "Not an attack: a drill", "author": "ana",
                                     "date": "?"}
    store.ingest([folder], force=True)
    assert store.get(target).status == "rejected" and store.count() == 3
    [row] = log.entries(store.path)
    assert (row["who"], row["action"], row["incident_id"], row["reason"]) == (
        "ana", "reject", target, "Not an attack: a drill")
    assert json.loads(row["before"])["status"] == "auto"
    assert json.loads(row["after"])["status"] == "rejected"
    assert row["at"][:4] >= "2025"
    reviewer.restore(target)
    assert store.get(target).status == "auto" and store.count() == 4


def test_verify_and_edit_place_by_prison(env: tuple[Store, Path, Path]) -> None:
    store, folder, corrections = env
    target = by_place(store, "Toulon")
    reviewer = actions.Reviewer(store, EDITOR, corrections)
    reviewer.verify(target)
    nice = next(p for p in load_prisons() if p.id == "ma-nice")
    reviewer.edit(target, actions.place_from_prison(nice), "wrong prison")
    inc = store.get(target)
    assert (inc.prison_id, inc.department, inc.lat, inc.status) == (
        "ma-nice", nice.department, nice.lat, "verified")
    store.ingest([folder], force=True)
    assert store.get(target).prison_id == "ma-nice"
    with pytest.raises(GeoError, match="nothing changes"):
        reviewer.edit(target, {"prison_id": "ma-nice"})
    with pytest.raises(GeoError, match="cannot be edited"):
        reviewer.edit(target, {"sources": []})
    assert [r["action"] for r in log.entries(store.path)] == ["edit", "verify"]


def test_merge_then_split_gives_the_store_back(env: tuple[Store, Path, Path]) -> None:
    store, folder, corrections = env
    before = store.export_csv(Filters(include_rejected=True))
    a, b = by_place(store, "Valence"), by_place(store, "Fresnes")
    reviewer = actions.Reviewer(store, EDITOR, corrections)
    merged = reviewer.merge(a, [b], "one event").incident_ids
    assert len(merged) == 1 and store.count() == 3
    inc = store.get(merged[0])
    assert len({s.article_id for s in inc.sources}) == 2
    assert store.get(a).incident_id == store.get(b).incident_id == merged[0]
    store.ingest([folder], force=True)
    assert store.count() == 3
    parts = reviewer.split(merged[0]).incident_ids
    assert sorted(parts) == sorted([a, b])
    assert store.export_csv(Filters(include_rejected=True)) == before
    store.ingest([folder], force=True)
    assert store.export_csv(Filters(include_rejected=True)) == before
    with pytest.raises(GeoError, match="one article"):
        reviewer.split(a)


def test_queue_and_log_csv(env: tuple[Store, Path, Path]) -> None:
    store, _, corrections = env
    queue = actions.queue(store)
    assert [i.confidence for i in queue] == sorted(i.confidence for i in queue)
    reviewer = actions.Reviewer(store, EDITOR, corrections)
    reviewer.verify(queue[0].incident_id, "=HYPERLINK(\"http://evil\")")
    assert actions.queue(store)[-1].incident_id == queue[0].incident_id  # reviewed last
    rows = list(csv.DictReader(io.StringIO(log.to_csv(log.entries(store.path)).lstrip("\ufeff"))))
    assert rows[0]["who"] == "ana" and rows[0]["reason"].startswith("'=")
