"""The incident store: schema, filters, facets, ingest (idempotent, atomic, concurrent),
the cross-article merge and the corrections it re-applies.

Ingest tests use a fake pipeline (`install_fake_pipeline`): an "article" is a JSON
file that spells out its source and incidents, so each test states exactly what
the extractor would have found. The real pipeline is covered by test_pipeline.py
and tests/cli/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import export, pipeline
from geo.errors import ArticleError, DataError, StoreError
from geo.model import Evidence, Incident, Source, primary_type
from geo.store import (
    MERGE_KM,
    SCHEMA_VERSION,
    Filters,
    Progress,
    Store,
    _fold,
    _record,
    merge_incidents,
)

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


# --- fake pipeline --------------------------------------------------------------------------


def _fake_load(path: Path) -> SimpleNamespace:
    path = Path(path)
    text = path.read_text("utf-8")
    if not text.strip():
        raise ArticleError(path, "empty file")
    spec = json.loads(text)
    if spec.get("error"):
        raise ArticleError(path, spec["error"])
    meta_path = path.with_name(path.stem + ".meta.json")
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    article_id = hashlib.sha256(text.encode()).hexdigest()[:16]
    published = meta.get("published", spec.get("published"))
    source = Source(
        source=meta.get("source", spec.get("source", path.name)),
        title=spec.get("title"),
        published=D.fromisoformat(published) if published else None,
        article=path.stem,
        article_id=article_id,
    )
    return SimpleNamespace(id=article_id, path=path, text=text, source=source,
                           stem=path.stem, spec=spec, warnings=spec.get("warnings", []))


def _fake_extract(article: Any, geocoder: Any) -> list[Incident]:
    delay = float(os.environ.get("FAKE_EXTRACT_DELAY", "0"))
    if delay:
        time.sleep(delay)
    if article.spec.get("crash"):
        raise ValueError("extractor bug")
    out = []
    for n, item in enumerate(article.spec.get("incidents", [])):
        item = dict(item)
        key = item.pop("key", str(n))
        types = item.pop("types", ["attack"])
        for name in ("event_date", "first_reported"):
            if item.get(name):
                item[name] = D.fromisoformat(item[name])
        quote = item.pop("quote", f"Quote {key} of {article.stem}.")
        out.append(Incident(
            incident_id=f"{article.id}-{key}",
            types=types,
            primary_type=primary_type(types),
            date_precision=item.pop("date_precision", "day" if item.get("event_date")
                                    else "unknown"),
            first_reported=article.source.published,
            sources=[article.source],
            evidence=[Evidence("types", quote, article.id, 0, len(quote))],
            **item,
        ))
    return [pipeline.stamp(inc, article) for inc in out]


def install_fake_pipeline(setattr_: Any = setattr) -> None:
    """Replace the pipeline's load/extract/geocoder stages (also used in child processes)."""
    setattr_(pipeline, "load", _fake_load)
    setattr_(pipeline, "extract", _fake_extract)
    setattr_(pipeline, "make_geocoder", lambda: SimpleNamespace(close=lambda: None))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    install_fake_pipeline(monkeypatch.setattr)
    corrections = tmp_path / "corrections.json"
    monkeypatch.setenv("GEO_CORRECTIONS", str(corrections))
    return corrections


def write_article(folder: Path, name: str, incidents: list[dict], *, source: str = "Le Monde",
                  published: str | None = "2025-04-15", **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    spec = {"source": source, "published": published, "incidents": incidents, **extra}
    path.write_text(json.dumps(spec), "utf-8")
    return path


TOULON = {"place": "Centre pénitentiaire de Toulon-La Farlède", "commune": "La Farlède",
          "insee": "83054", "department": "Var", "region": "Provence-Alpes-Côte d'Azur",
          "lat": 43.16866, "lon": 6.04323, "geo_precision": "facility",
          "prison_id": "cp-toulon-la-farlede"}
NIMES = {"place": "Maison d'arrêt de Nîmes", "commune": "Nîmes", "insee": "30189",
         "department": "Gard", "lat": 43.83665, "lon": 4.35788, "geo_precision": "facility",
         "prison_id": "ma-nimes"}


def dump(store: Store) -> list[str]:
    """Every row of the store, as SQL text: equal dumps = nothing changed."""
    conn = sqlite3.connect(store.path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def ids(incidents: list[Incident]) -> list[str]:
    return [i.incident_id for i in incidents]


# --- opening ---------------------------------------------------------------------------------


def test_new_store_is_wal_with_schema_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "s.sqlite")
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.count() == 0 and store.query() == [] and store.facets().total == 0
    assert store.query_frame().columns.tolist() == list(export.COLUMN_NAMES)


def test_geo_db_points_the_store_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("GEO_DB", str(tmp_path / "elsewhere.sqlite"))
    assert Store().path == tmp_path / "elsewhere.sqlite"
    assert (tmp_path / "elsewhere.sqlite").exists()


def test_store_from_a_newer_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        Store(path)


def test_non_database_and_foreign_database_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite"):
        Store(junk)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an incident store"):
        Store(other)


def test_missing_store_is_not_created_for_readers(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no incident store"):
        Store(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


# --- bulk incidents, queries, filters ----------------------------------------------------------


def make(n: int, **fields: Any) -> Incident:
    base = dict(
        incident_id=f"inc-{n:03d}", event_date=D(2025, 1, 1) + dt.timedelta(days=n % 40),
        date_precision="day", types=["gunfire"], primary_type="gunfire",
        place=f"Prison {n}", commune="Toulon", department="Var", lat=43.1, lon=5.9,
        geo_precision="commune", prison_id=f"p{n % 3}", killed=None, injured=n % 2,
        sources=[Source("Le Monde", title=f"Titre {n}", published=D(2025, 2, 1),
                        article=f"a{n}", article_id=f"h{n}")],
        evidence=[Evidence("types", f"Des tirs ont visé la prison {n}.", f"h{n}", 0, 10)],
    )
    base.update(fields)
    return Incident(**base)


def test_add_get_query_roundtrip_every_field(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    incs = [make(1), make(2, event_date=None, date_precision="unknown"),
            make(3, sources=[], evidence=[], lat=None, lon=None, geo_precision="country")]
    assert store.add_incidents(incs) == 3
    for inc in incs:
        assert store.get(inc.incident_id) == inc
    assert store.get("nope") is None
    # newest first, undated last
    assert ids(store.query()) == ["inc-003", "inc-001", "inc-002"]
    assert store.query(limit=1) == [incs[2]]
    # same ids replace
    store.add_incidents([make(1, place="Renamed")])
    assert store.get("inc-001").place == "Renamed" and store.count() == 3
    with pytest.raises(StoreError):
        store.add_incidents([make(4), make(4)])


def test_version_changes_with_the_data_not_with_readers(tmp_path: Path) -> None:
    """The dashboard keys its caches on it: a reader on a new thread (a new visitor's
    session) opens a connection and touches the WAL file, but must not change it."""
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(1)])
    before = store.version()
    seen: list[str] = []
    reader = threading.Thread(target=lambda: (store.query_frame(), seen.append(store.version())))
    reader.start()
    reader.join()
    assert seen == [before] and Store(tmp_path / "s.sqlite").version() == before
    store.add_incidents([make(2)])
    after = store.version()
    assert after != before
    assert Store(tmp_path / "t.sqlite").version().split(":")[0] != after.split(":")[0]


def test_facets_are_stored_with_each_change_and_read_back_equal(tmp_path: Path) -> None:
    """A dashboard starting on a large store reads the facets instead of scanning."""
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(1), make(2, event_date=None, date_precision="unknown"),
                         make(3, status="rejected")])
    stored = store._stored_facets(store._token())
    assert stored is not None and stored == store._compute_facets()
    assert stored.total == 2 and stored.undated == 1 and stored.rejected == 1
    assert isinstance(stored.date_min, dt.date)
    store.add_incidents([make(4, place="Ailleurs")])
    assert store._stored_facets(store._token()).total == 3  # refreshed with the data
    with store._write() as conn:  # a store written before facets were stored
        conn.execute("DELETE FROM meta WHERE key = 'facets'")
    assert store._stored_facets(store._token()) is None
    assert Store(tmp_path / "s.sqlite").facets().total == 3  # computed instead


def test_the_whole_store_frame_is_kept_on_disk_per_data_version(tmp_path: Path) -> None:
    """A dashboard restarting on a large store loads the frame (0.1 s at 100,000
    incidents) instead of rebuilding it from SQL (2.4 s); a stale or broken file is
    never used."""
    from geo import store as store_module

    def fresh_process_frame(store: Store, filters: Filters | None = None) -> pd.DataFrame:
        store_module._FRAME_CACHE.clear()  # what a new process starts with
        return store.query_frame(filters)

    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(1), make(2, event_date=None, date_precision="unknown",
                                         killed=None, lat=None, lon=None,
                                         geo_precision="country"), make(3, injured=4)])
    built = store.query_frame()
    assert store.frame_file.is_file()
    assert store.frame_file.name == "s.sqlite-frame.arrow"  # git-ignored like the WAL
    loaded = fresh_process_frame(store)
    pd.testing.assert_frame_equal(loaded, built, check_exact=True)
    assert list(fresh_process_frame(store, Filters(types=["gunfire"]))["incident_id"]) == \
        list(store.query_frame(Filters(types=["gunfire"]))["incident_id"])

    stale = store.frame_file.read_bytes()
    store.add_incidents([make(4)])
    store.frame_file.write_bytes(stale)  # a file from before the change
    assert len(fresh_process_frame(store)) == 4
    store.frame_file.write_bytes(b"not an arrow file")
    assert len(fresh_process_frame(store)) == 4
    pd.testing.assert_frame_equal(fresh_process_frame(store), store.query_frame())


def test_fast_record_equals_to_dict() -> None:
    inc = make(5, event_date=None, killed=2)
    assert _record(inc) == inc.to_dict()


def reference(incidents: list[Incident], f: Filters) -> list[str]:
    """What the filters mean, written plainly in Python."""
    out = []
    for inc in incidents:
        if inc.status == "rejected" and not f.include_rejected:
            continue
        if f.types and not set(f.types) & set(inc.types):
            continue
        if f.sources and not {s.source for s in inc.sources} & set(f.sources):
            continue
        if f.departments and inc.department not in f.departments:
            continue
        if f.prisons and inc.prison_id not in f.prisons:
            continue
        if f.date_from and (inc.event_date is None or inc.event_date < f.date_from):
            continue
        if f.date_to and (inc.event_date is None or inc.event_date > f.date_to):
            continue
        if f.text:
            fields = [inc.incident_id, inc.place, inc.commune, inc.insee, inc.department,
                      inc.region, inc.prison_id, inc.target, *inc.types,
                      *[x for s in inc.sources for x in (s.source, s.title, s.author)],
                      *[e.quote for e in inc.evidence]]
            hay = _fold(" ".join(x for x in fields if x))
            if not all(w in hay for w in _fold(f.text).split()):
                continue
        out.append(inc)
    out.sort(key=lambda i: i.incident_id)
    out.sort(key=lambda i: i.event_date or D.min, reverse=True)
    out.sort(key=lambda i: i.event_date is None)
    return ids(out)


TYPES = ["gunfire", "arson", "attack", "protest"]
SOURCES = ["Le Monde", "Ouest-France", "=cmd|' /C calc'!A0"]
DEPTS = ["Var", "Gard", "Bouches-du-Rhône"]

incident_st = st.builds(
    lambda n, types, src, dept, prison, day, status: make(
        n, types=types, primary_type=primary_type(types), department=dept, prison_id=prison,
        event_date=None if day is None else D(2025, 1, 1) + dt.timedelta(days=day),
        date_precision="unknown" if day is None else "day", status=status,
        place="Évry" if n % 2 else "Nîmes",
        sources=[Source(s, published=D(2025, 2, 1), article_id=f"h{n}{s}") for s in src],
    ),
    n=st.integers(0, 999),
    types=st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True),
    src=st.lists(st.sampled_from(SOURCES), max_size=2, unique=True),
    dept=st.sampled_from([*DEPTS, None]),
    prison=st.sampled_from(["p0", "p1", None]),
    day=st.one_of(st.none(), st.integers(0, 20)),
    status=st.sampled_from(["auto", "auto", "verified", "rejected"]),
)
filters_st = st.builds(
    Filters,
    types=st.lists(st.sampled_from(TYPES), max_size=2, unique=True),
    sources=st.lists(st.sampled_from(SOURCES), max_size=2, unique=True),
    date_from=st.one_of(st.none(), st.integers(0, 20).map(lambda d: D(2025, 1, 1)
                                                          + dt.timedelta(days=d))),
    date_to=st.one_of(st.none(), st.integers(0, 20).map(lambda d: D(2025, 1, 1)
                                                        + dt.timedelta(days=d))),
    departments=st.lists(st.sampled_from(DEPTS), max_size=2, unique=True),
    prisons=st.lists(st.sampled_from(["p0", "p1", "p9"]), max_size=2, unique=True),
    text=st.sampled_from([None, "", "evry", "NÎMES", "prison 1", "monde", "%", "_"]),
    include_rejected=st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(incident_st, max_size=25, unique_by=lambda i: i.incident_id),
       filters=st.lists(filters_st, min_size=1, max_size=4))
def test_filters_match_their_plain_meaning(tmp_path_factory: pytest.TempPathFactory,
                                           incidents: list[Incident],
                                           filters: list[Filters]) -> None:
    store = Store(tmp_path_factory.mktemp("f") / "s.sqlite")
    store.add_incidents(incidents)
    for f in filters:
        expected = reference(incidents, f)
        assert ids(store.query(f)) == expected
        frame = store.query_frame(f)
        assert frame["incident_id"].tolist() == expected
        assert store.count(f) == len(expected)
        text, count = store.export(f, "csv")
        assert text == export.to_csv(store.query(f)) and count == len(expected)
    store.close()


def test_query_frame_is_the_export_rows_of_query(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(n, killed=n if n % 3 else None) for n in range(30)])
    f = Filters(prisons=["p1", "p2"])
    frame = store.query_frame(f)
    pd.testing.assert_frame_equal(frame, export.incidents_frame(store.query(f)))
    assert str(frame["killed"].dtype) == "Int64" and frame["lat"].dtype == "float64"
    assert store.query_frame(f, limit=3)["incident_id"].tolist() == ids(store.query(f))[:3]
    # the cached frame follows writes
    store.add_incidents([make(99, prison_id="p1", event_date=D(2030, 1, 1))])
    assert store.query_frame(f)["incident_id"].iloc[0] == "inc-099"
    assert export.frame_to_csv(store.query_frame(f)) == store.export_csv(f)
    geo = json.loads(store.export_geojson(f))
    assert geo == export.to_geojson(store.query(f))


def test_query_rows_are_positions_into_one_frame_read_a_few_columns_at_a_time(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    twice = [Source("Le Monde", title="Premier", article_id="h1"),
             Source("Le Monde", title="Suite", article_id="h2")]  # one source, two articles
    store.add_incidents([make(n, status="rejected" if n == 4 else "auto",
                              sources=twice if n == 2 else make(n).sources)
                         for n in range(8)])
    everything = store.query_rows()
    chosen = store.query_rows(Filters(sources=["Le Monde"]))
    assert chosen.whole is everything.whole and chosen.version == store.version()
    both = store.query_rows(Filters(sources=["Le Monde"], types=["gunfire", "arson"]))
    assert list(both.picks) == list(chosen.picks)
    # Each incident once (the one Le Monde cited twice too), the rejected one left out.
    assert chosen.frame()["incident_id"].tolist() == ids(store.query(
        Filters(sources=["Le Monde"]))) and "inc-004" not in ids(store.query())
    assert len(everything) == 7 and len(store.query_rows(Filters(include_rejected=True))) == 8
    narrow = chosen.frame(["incident_id", "lat"], limit=2)
    assert list(narrow.columns) == ["incident_id", "lat"] and len(narrow) == 2
    odd = chosen.frame(["incident_id"], where=np.arange(len(chosen)) % 2 == 1)
    assert odd["incident_id"].tolist() == chosen.frame()["incident_id"].tolist()[1::2]
    store.add_incidents([make(50)])  # a write: a new frame, a new version
    assert store.query_rows().version != everything.version


def test_user_values_are_data_not_sql(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(1), make(2)])
    evil = "x') OR 1=1 --"
    assert store.query(Filters(types=[evil], departments=[evil], text=evil)) == []
    # punctuation folds away: "%" or "_" is no search at all, never a LIKE wildcard
    assert store.query(Filters(text="%")) == store.query(Filters(text="_")) == store.query()
    assert store.query(Filters(text="tirs 1%")) == [store.get("inc-001")]
    assert store.count() == 2


def test_facets(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([
        make(1, types=["arson", "gunfire"], prison_id="p1", place="MA de Nîmes",
             department="Gard"),
        make(2, prison_id="p1", place="MA de Nîmes", event_date=D(2024, 5, 14)),
        make(3, prison_id="p2", place="CP de Toulon", event_date=None,
             sources=[Source("Ouest-France"), Source("Le Monde")]),
        make(4, status="rejected", types=["riot"], department="Nord"),
    ])
    f = store.facets()
    assert (f.total, f.rejected, f.undated) == (3, 1, 1)
    assert (f.date_min, f.date_max) == (D(2024, 5, 14), D(2025, 1, 2))
    assert f.types == {"gunfire": 3, "arson": 1}  # by severity; rejected riot left out
    assert f.sources == {"Le Monde": 3, "Ouest-France": 1}
    assert f.departments == {"Gard": 1, "Var": 2}
    assert f.prisons == {"p2": "CP de Toulon", "p1": "MA de Nîmes"}
    assert f.prison_counts == {"p1": 2, "p2": 1}
    store.add_incidents([make(5, department="Eure")])  # cache follows writes
    assert store.facets().departments["Eure"] == 1


@given(filters_st)
def test_filters_survive_the_url(f: Filters) -> None:
    params = f.to_query_params()
    assert all(isinstance(v, str) or all(isinstance(x, str) for x in v)
               for v in params.values())
    back = Filters.from_query_params(params)
    assert back == dataclasses.replace(f, text=(f.text or "").strip() or None)


def test_filters_from_hand_edited_urls() -> None:
    f = Filters.from_query_params({"type": "arson", "from": "yesterday", "to": ["2025-04-30"],
                                   "q": ["  toulon "], "rejected": "yes", "junk": "1"})
    assert f == Filters(types=["arson"], date_to=D(2025, 4, 30), text="toulon",
                        include_rejected=True)
    assert Filters.from_query_params({}) == Filters()


# --- ingest ------------------------------------------------------------------------------


def test_ingest_reports_progress_and_is_idempotent(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{"key": "t", **TOULON, "event_date": "2025-04-14",
                               "types": ["gunfire"]}])
    write_article(arts, "b", [{"key": "n", **NIMES, "event_date": "2025-04-14"},
                              {"key": "x", "place": "France", "geo_precision": "country"}])
    store = Store(tmp_path / "s.sqlite")
    seen: list[Progress] = []
    report = store.ingest([arts], progress=seen.append)
    assert [(p.done, p.total, p.status, p.message) for p in seen] == [
        (1, 2, "extracted", "1 incident"), (2, 2, "extracted", "2 incidents")]
    assert str(seen[0]).startswith("[1/2] ") and str(seen[0]).endswith("a.txt: 1 incident")
    assert len(report.added) == 2 and not report.failed and report.incidents == 3
    before = dump(store)
    frame = store.query_frame()

    again = store.ingest([arts], progress=seen.append)
    assert again.added == [] and again.updated == [] and not again.rebuilt
    assert [why for _, why in again.skipped] == ["unchanged", "unchanged"]
    assert dump(store) == before
    pd.testing.assert_frame_equal(store.query_frame(), frame)


def test_changed_file_or_sidecar_replaces_its_incidents(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    path = write_article(arts, "a", [{"key": "t", **TOULON, "event_date": "2025-04-14"}])
    store = Store(tmp_path / "s.sqlite")
    store.ingest([arts])
    old = ids(store.query())
    write_article(arts, "a", [{"key": "n", **NIMES, "event_date": "2025-04-14"}])
    report = store.ingest([arts])
    assert [Path(p).name for p in report.updated] == [path.name]
    new = store.query()
    assert ids(new) != old and [i.prison_id for i in new] == ["ma-nimes"]
    assert store.get(old[0]) is None
    # an edited sidecar is a change too (here: the source name)
    path.with_name("a.meta.json").write_text('{"source": "Ouest-France"}', "utf-8")
    assert store.ingest([arts]).updated
    assert [s.source for s in store.query()[0].sources] == ["Ouest-France"]
    assert len(store.articles()) == 1


def test_duplicate_text_under_another_name_is_skipped(fake: Path, tmp_path: Path) -> None:
    a = write_article(tmp_path / "x", "a", [{**TOULON, "event_date": "2025-04-14"}])
    b = tmp_path / "y" / "copy.txt"
    b.parent.mkdir()
    b.write_bytes(a.read_bytes())
    store = Store(tmp_path / "s.sqlite")
    report = store.ingest([a, b])
    assert len(report.added) == 1 and report.skipped[0][1].startswith("same text as")
    assert store.count() == 1 and store.query()[0].n_sources == 1
    assert store.ingest([b]).skipped[0][1].startswith("same text as")


def test_bad_files_are_skipped_with_a_reason_and_the_rest_goes_on(fake: Path,
                                                                 tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a_good", [{**TOULON, "event_date": "2025-04-14"}])
    write_article(arts, "b_broken", [], error="binary file")
    write_article(arts, "c_crash", [], crash=True)
    (arts / "d_empty.txt").write_text("", "utf-8")
    write_article(arts, "e_good", [{**NIMES, "event_date": "2025-04-14"}])
    seen: list[Progress] = []
    store = Store(tmp_path / "s.sqlite")
    report = store.ingest([arts, tmp_path / "missing"], progress=seen.append)
    failed = dict(report.failed)
    assert len(report.added) == 2 and store.count() == 2
    assert [Path(p).name for p in failed] == ["missing", "b_broken.txt", "c_crash.txt",
                                             "d_empty.txt"]
    messages = list(failed.values())
    assert messages[0] == "no such file or folder" and messages[1] == "binary file"
    assert "internal error: ValueError: extractor bug" in messages[2]
    assert [p.status for p in seen].count("failed") == 4
    assert any(str(p).startswith("[") and "skipped " in str(p) and "b_broken.txt: binary file"
               in str(p) for p in seen)
    assert [p.done for p in seen] == [1, 2, 3, 4, 5, 6]


def test_ingest_order_does_not_change_the_result(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    paths = [
        write_article(arts, "a", [{**TOULON, "event_date": "2025-04-14", "types": ["gunfire"]}],
                      published="2025-04-15"),
        write_article(arts, "b", [{**TOULON, "event_date": "2025-04-15", "types": ["attack"],
                                   "killed": 1}], source="AFP", published="2025-04-16"),
        write_article(arts, "c", [{**NIMES, "event_date": "2025-04-14", "types": ["arson"]},
                                  {**TOULON, "key": "t", "event_date": "2025-04-14",
                                   "types": ["arson"]}], source="BFM", published="2025-04-14"),
    ]
    one, two = Store(tmp_path / "1.sqlite"), Store(tmp_path / "2.sqlite")
    for p in paths:
        one.ingest([p])
    two.ingest(list(reversed(paths)))
    assert one.query() == two.query()
    assert one.export_csv() == two.export_csv()
    assert one.export_geojson() == two.export_geojson()


def test_a_failure_inside_the_transaction_leaves_the_previous_store(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{**TOULON, "event_date": "2025-04-14"}])
    store = Store(tmp_path / "s.sqlite")
    store.ingest([arts])
    before = dump(store)
    write_article(arts, "b", [{**NIMES, "event_date": "2025-04-14"}])
    write_article(arts, "a", [{**NIMES, "key": "z", "event_date": "2025-04-20"}])

    def boom(*args: Any) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(Store, "_rebuild", boom)
    with pytest.raises(OSError, match="simulated"):
        store.ingest([arts])
    assert dump(store) == before
    monkeypatch.undo()
    install_fake_pipeline(monkeypatch.setattr)
    assert len(store.ingest([arts]).added) == 1 and store.count() == 2


# --- crash and concurrency (child processes) ---------------------------------------------------

CHILD = """
import os, sys, time, pathlib
sys.path.insert(0, {tests!r})
from test_store import install_fake_pipeline
from geo.store import Store
install_fake_pipeline()
marker = os.environ.get("HANG_MARKER")
if marker:
    original = Store._rebuild
    def hang(self, conn, corrections):
        out = original(self, conn, corrections)  # the new state is written, not committed
        pathlib.Path(marker).write_text("in transaction")
        time.sleep(600)
        return out
    Store._rebuild = hang
store = Store(os.environ["GEO_DB"])
for path in sys.argv[1:]:
    report = store.ingest([path])
    assert not report.failed, report.failed
print("done")
"""


def child(args: list[Path], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD.format(tests=str(ROOT / "tests")), *map(str, args)],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_during_ingest_leaves_the_previous_store(fake: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    arts = tmp_path / "arts"
    write_article(arts, "a", [{**TOULON, "event_date": "2025-04-14"}])
    store = Store(db)
    store.ingest([arts])
    before, frame_before = dump(store), store.query_frame()
    for n in range(20):
        write_article(arts, f"n{n:02d}", [{**NIMES, "key": str(n), "event_date": "2025-04-14"}])
    marker = tmp_path / "marker"
    proc = child([arts], {"GEO_DB": str(db), "HANG_MARKER": str(marker),
                          "GEO_CORRECTIONS": str(fake)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the child never reached its transaction"
            time.sleep(0.02)
        # while the child holds the write lock, readers see the previous state
        assert dump(store) == before
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    reopened = Store(db)
    assert dump(reopened) == before
    pd.testing.assert_frame_equal(reopened.query_frame(), frame_before)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    report = reopened.ingest([arts])
    assert len(report.added) == 20 and not report.failed
    # the 20 reports of one event at Nîmes merge: Toulon + Nîmes
    assert sorted(i.n_sources for i in reopened.query()) == [1, 20]


def test_two_ingests_and_a_reader_at_once(fake: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).close()
    left, right = tmp_path / "left", tmp_path / "right"
    files_left, files_right = [], []
    for n in range(12):
        inc = [{"key": f"k{n}", "place": f"Commune {n}", "insee": f"{10000 + n}",
                "geo_precision": "commune", "event_date": f"2025-03-{n + 1:02d}"}]
        files_left.append(write_article(left, f"l{n:02d}", inc, source="Left"))
        # the same events reported by other articles: they must merge, whoever commits first
        files_right.append(write_article(right, f"r{n:02d}", inc, source="Right"))
    shared = write_article(left, "shared", [{**TOULON, "event_date": "2025-04-14"}])
    copy = right / "shared.txt"
    copy.write_bytes(shared.read_bytes())
    files_right.append(copy)
    env = {"GEO_DB": str(db), "FAKE_EXTRACT_DELAY": "0.02", "GEO_CORRECTIONS": str(fake)}

    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        store = Store(db)
        try:
            while not stop.is_set():
                frame = store.query_frame()
                assert frame["incident_id"].is_unique
                store.facets()
                store.export_csv(Filters(types=["attack"]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            store.close()

    reader = threading.Thread(target=read)
    reader.start()
    procs = [child([*files_left, *files_left], env), child(files_right, env)]
    try:
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        stop.set()
        reader.join()
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "database is locked" not in err and out.strip() == "done"
    assert not errors, errors
    store = Store(db)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    incidents = store.query()
    assert len(incidents) == 13  # 12 events reported twice + Toulon once
    assert sorted(i.n_sources for i in incidents) == [1] + [2] * 12
    assert len(store.articles()) == 25  # the copy of 'shared' is a duplicate


# --- merging ---------------------------------------------------------------------------------


APRIL_15 = D(2025, 4, 15)


def member(article: str, key: str, published: D | None = APRIL_15, **fields: Any
           ) -> tuple[str, Incident]:
    types = fields.pop("types", ["gunfire"])
    fields.setdefault("event_date", D(2025, 4, 14))
    fields.setdefault("date_precision", "day" if fields["event_date"] else "unknown")
    src = Source(f"Source {article}", published=published, article=article, article_id=article)
    return article, Incident(
        incident_id=f"{article}-{key}", types=types, primary_type=primary_type(types),
        first_reported=published, sources=[src],
        evidence=[Evidence("types", f"Quote from {article}.", article)], **fields)


def merged(*members: tuple[str, Incident]) -> list[Incident]:
    return [inc for inc, _ in merge_incidents(list(members))]


def test_same_facility_within_a_day_is_one_incident_with_every_source() -> None:
    out = merged(
        member("b", "1", published=D(2025, 4, 16), types=["attack"], killed=1, injured=None,
               event_date=D(2025, 4, 15), **{**TOULON, "geo_precision": "commune"}),
        member("a", "1", published=D(2025, 4, 15), types=["gunfire"], killed=0, injured=2,
               **TOULON),
        member("c", "1", published=D(2025, 4, 14), types=["arson", "gunfire"], **TOULON,
               confidence=0.9),
    )
    assert len(out) == 1
    inc = out[0]
    assert inc.n_sources == 3 and [s.article_id for s in inc.sources] == ["c", "a", "b"]
    assert inc.incident_id == "c-1"  # the earliest report's id
    assert inc.first_reported == D(2025, 4, 14)
    assert inc.types == ["gunfire", "arson"] and inc.primary_type == "gunfire"
    assert (inc.killed, inc.injured) == (1, 2)
    assert inc.event_date == D(2025, 4, 14) and inc.geo_precision == "facility"
    assert inc.confidence == 0.9
    assert [e.article_id for e in inc.evidence] == ["c", "a", "b"]


@pytest.mark.parametrize(("a", "b", "n"), [
    ({**TOULON}, {**TOULON, "event_date": D(2025, 4, 16)}, 2),  # two days apart
    ({**TOULON, "types": ["arson"]}, {**TOULON, "types": ["protest"]}, 2),  # incompatible
    ({**TOULON, "types": ["other"]}, {**TOULON, "types": ["protest"]}, 1),  # generic
    ({**TOULON}, {**TOULON, "prison_id": "cp-other"}, 2),  # two prisons of one commune
    ({"insee": "30189", "commune": "Nîmes"}, {"insee": "30189", "commune": "Nimes"}, 1),
    ({"commune": "Saint-Étienne", "department": "Loire"},
     {"commune": "St Etienne", "department": "Loire"}, 1),
    ({"commune": "Valence", "department": "Drôme"},
     {"commune": "Valence", "department": "Tarn-et-Garonne"}, 2),
    ({"commune": "Nîmes", "insee": "30189", "prison_id": "ma-nimes"},
     {"commune": "Nîmes", "insee": "30189"}, 1),  # facility report + commune report
    ({**TOULON, "event_date": None}, {**TOULON, "event_date": None}, 2),  # undated
    ({**TOULON, "date_precision": "month"}, {**TOULON, "date_precision": "month"}, 2),
    ({"geo_precision": "approximate", "lat": 49.0, "lon": 1.2},
     {"geo_precision": "approximate", "lat": 49.0 + 0.03, "lon": 1.2}, 1),  # ~3.3 km
    ({"geo_precision": "approximate", "lat": 49.0, "lon": 1.2},
     {"geo_precision": "approximate", "lat": 49.2, "lon": 1.2}, 2),  # ~22 km
    ({"place": "France", "geo_precision": "country"},
     {"place": "France", "geo_precision": "country"}, 2),  # no place in common
])
def test_merge_rules(a: dict, b: dict, n: int) -> None:
    assert MERGE_KM < 10
    assert len(merged(member("x", "1", **a), member("y", "1", **b))) == n


def test_one_article_never_merges_with_itself_and_chains_do_not_drift() -> None:
    assert len(merged(member("x", "1", **TOULON), member("x", "2", **TOULON))) == 2
    days = [member(a, "1", **{**TOULON, "event_date": D(2025, 4, d)})
            for a, d in (("a", 1), ("b", 2), ("c", 3), ("d", 4))]
    out = merged(*days)
    assert sorted(i.n_sources for i in out) == [2, 2]  # 1+2 and 3+4, never 1..4


def test_merged_incidents_from_articles_and_member_ids(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{"key": "t", **TOULON, "event_date": "2025-04-14",
                               "types": ["gunfire"]}], source="Le Monde",
                  published="2025-04-15")
    write_article(arts, "b", [{"key": "t", **TOULON, "event_date": "2025-04-15",
                               "types": ["attack"]}], source="AFP", published="2025-04-16")
    store = Store(tmp_path / "s.sqlite")
    store.ingest([arts])
    [inc] = store.query()
    assert inc.n_sources == 2 and [s.source for s in inc.sources] == ["Le Monde", "AFP"]
    member_b = next(a["article_id"] for a in store.articles() if a["stem"] == "b") + "-t"
    assert store.get(member_b) == inc
    row = store.query_frame().iloc[0]
    assert row["n_sources"] == 2
    assert row["sources"] == "Le Monde (2025-04-15) | AFP (2025-04-16)"


# --- corrections -----------------------------------------------------------------------------


def test_corrections_are_reapplied_on_every_ingest(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{"key": "t", **TOULON, "event_date": "2025-04-14",
                               "types": ["gunfire"]},
                              {"key": "n", **NIMES, "event_date": "2025-04-14"}])
    store = Store(tmp_path / "s.sqlite")
    store.ingest([arts])
    by_prison = {i.prison_id: i for i in store.query()}
    toulon, nimes = by_prison["cp-toulon-la-farlede"], by_prison["ma-nimes"]
    fake.write_text(json.dumps([
        {"incident_id": toulon.incident_id, "set": {"killed": 1, "types": ["arson"]},
         "status": "verified", "note": "checked", "author": "ana", "date": "2025-05-01"},
        {"incident_id": nimes.incident_id, "status": "rejected"},
        {"incident_id": "gone-123", "status": "rejected"},
    ]), "utf-8")
    report = store.ingest([arts])
    assert report.rebuilt and not report.added
    assert report.warnings == ["correction 2 (gone-123): no such incident in the store; ignored"]
    assert ids(store.query()) == [toulon.incident_id]
    fixed = store.get(toulon.incident_id)
    assert (fixed.killed, fixed.types, fixed.primary_type, fixed.status) == (
        1, ["arson"], "arson", "verified")
    assert store.get(nimes.incident_id).status == "rejected"
    assert len(store.query(Filters(include_rejected=True))) == 2
    assert store.facets().rejected == 1 and store.count() == 1
    assert "rejected" not in store.export_csv()
    # a no-op ingest repeats the warning and changes nothing
    before = dump(store)
    again = store.ingest([arts])
    assert again.warnings == report.warnings and dump(store) == before
    # deleting a correction undoes it: the view is rebuilt from the articles
    fake.write_text("[]", "utf-8")
    store.ingest([arts])
    assert store.get(toulon.incident_id) == toulon and store.count() == 2


def test_invalid_corrections_stop_the_ingest_before_any_write(fake: Path,
                                                             tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{**TOULON, "event_date": "2025-04-14"}])
    store = Store(tmp_path / "s.sqlite")
    before = dump(store)
    fake.write_text('[{"incident_id": "x", "staus": "rejected"}]', "utf-8")
    with pytest.raises(DataError, match=r"corrections.json: entry 0 .*'staus'"):
        store.ingest([arts])
    assert dump(store) == before


def test_corrections_by_member_id_and_on_direct_incidents(fake: Path, tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    write_article(arts, "a", [{"key": "t", **TOULON, "event_date": "2025-04-14"}],
                  published="2025-04-15")
    write_article(arts, "b", [{"key": "t", **TOULON, "event_date": "2025-04-14"}],
                  published="2025-04-16")
    store = Store(tmp_path / "s.sqlite")
    store.add_incidents([make(7)])
    store.ingest([arts])
    late = next(a["article_id"] for a in store.articles() if a["stem"] == "b") + "-t"
    fake.write_text(json.dumps([
        {"incident_id": late, "set": {"injured": 4}},
        {"incident_id": "inc-007", "status": "rejected"},
    ]), "utf-8")
    assert store.apply_corrections() == []
    [inc] = store.query()
    assert inc.incident_id != late and inc.injured == 4
    assert store.get("inc-007").status == "rejected"
    store.ingest([arts], force=True)  # a rebuild keeps the direct incident
    assert store.get("inc-007") is not None and store.count(Filters(include_rejected=True)) == 2


def test_url_filters_are_clamped_and_bounded() -> None:
    """A crafted URL gets dates the page accepts and a search SQLite can run."""
    from geo.store import MAX_SEARCH_WORDS, MAX_WORD_CHARS, MIN_DATE, search_words

    f = Filters.from_query_params({"from": "1900-01-01", "to": "2999-12-31"},
                                  max_date=dt.date(2030, 1, 1))
    assert (f.date_from, f.date_to) == (MIN_DATE, dt.date(2030, 1, 1))
    f = Filters.from_query_params({"from": "3000-01-01"}, max_date=dt.date(2030, 1, 1))
    assert f.date_from == dt.date(2030, 1, 1)
    words = search_words(" ".join(f"w{i}" for i in range(1200)) + " " + "y" * 60_000)
    assert len(words) == MAX_SEARCH_WORDS and max(map(len, words)) <= MAX_WORD_CHARS
    assert len(search_words("x" * 60_000)[0]) == MAX_WORD_CHARS


def test_huge_searches_run(tmp_path) -> None:
    store = Store(tmp_path / "s.sqlite")
    for text in (" ".join(f"w{i}" for i in range(1200)), "x" * 60_000):
        assert store.count(Filters(text=text)) == 0
    store.close()
