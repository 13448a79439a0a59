"""geo.web.intake with a real store: pages and feeds from the fake news server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fakes.newsserver import FakeNewsServer, rss, short_story

from geo.store import Store
from geo.web import intake
from geo.web.archive import Archive

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
FR = (PAGES / "fr_voitures_incendiees.html").read_text("utf-8")
EN = (PAGES / "en_gunfire_toulon.html").read_text("utf-8")


@pytest.fixture
def env(tmp_path, monkeypatch):
    for var, value in {"GEO_DB": tmp_path / "store.sqlite", "GEO_CACHE": tmp_path / "c.sqlite",
                       "GEO_CORRECTIONS": tmp_path / "corrections.json",
                       "GEO_WEB_ARCHIVE": tmp_path / "web", "GEO_WEB_ALLOW": "127.0.0.1",
                       "GEO_WEB_DELAY": "0", "GEO_WEB_TIMEOUT": "5"}.items():
        monkeypatch.setenv(var, str(value))
    for var in ("GEO_OFFLINE", "GEO_ONLINE", "GEO_WEB_MAX_ITEMS", "GEO_WEB_MAX_BYTES"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def server():
    with FakeNewsServer() as s:
        yield s


def run(items, **kwargs):
    with Store() as store:
        report, web = intake.ingest(store, items, **kwargs)
        return report, web, store.query()


def test_pages_give_incidents_metadata_and_evidence_without_boilerplate(env, server):
    fr = server.page("/faits-divers/valence", FR)
    en = server.page("/world/toulon", EN)
    report, _, incidents = run([fr, en])
    assert sorted(report.added) == sorted([fr, en]) and not report.failed
    by_prison = {inc.prison_id: inc for inc in incidents}
    valence, toulon = by_prison["cp-valence"], by_prison["cp-toulon-la-farlede"]
    assert "arson" in valence.types and "gunfire" in toulon.types
    assert str(valence.event_date) == "2025-04-14" and valence.injured == 0
    source = valence.sources[0]
    assert (source.source, source.title, source.published.isoformat(), source.language,
            source.author) == ("Le Courrier du Rhône", "Des voitures de surveillants incendiées "
                               "devant la prison de Valence", "2025-04-15", "fr", "Claire Vasseur")
    assert source.url.startswith("https://www.courrier-du-rhone.example/")
    assert toulon.sources[0].source == "Riviera Post" and toulon.sources[0].language == "en"
    quotes = " ".join(e.quote for inc in incidents for e in inc.evidence)
    for word in ("cookie", "Rugby", "Jeannot26", "PeterB", "partners", "Partager", "Share"):
        assert word not in quotes
    # The comments name other prisons: no incident comes from them.
    assert set(by_prison) == {"cp-valence", "cp-toulon-la-farlede"}
    # Archived: the page as fetched, the text used, the sidecar with the fetch.
    archive = Archive()
    assert archive.html_path(fr).exists() and archive.text_path(fr).exists()
    assert archive.previous(fr)["fetched"]["status"] == 200


def test_a_second_ingest_of_the_same_url_is_unchanged_and_reingest_works_offline(
        env, server, monkeypatch):
    fr = server.page("/a", FR)
    run([fr])
    report, _, incidents = run([fr])
    assert report.skipped == [(fr, "unchanged")] and not report.added
    monkeypatch.setenv("GEO_OFFLINE", "1")
    again, _, after = run([env / "web"])
    assert [why for _, why in again.skipped] == ["unchanged"] and not again.failed
    assert [i.incident_id for i in after] == [i.incident_id for i in incidents]


def test_overrides_win_over_the_page_and_are_kept(env, server):
    fr = server.page("/a", FR)
    run([fr], overrides={"source": "Agence Test", "published": "2025-04-16"})
    _, _, incidents = run([fr])  # a later fetch without overrides keeps them
    source = incidents[0].sources[0]
    assert source.source == "Agence Test" and source.published.isoformat() == "2025-04-16"
    assert source.title.startswith("Des voitures de surveillants")  # the page's own


def test_offline_refuses_urls_and_ingests_the_files(env, server, monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_OFFLINE", "1")
    url = server.page("/a", FR)
    article = tmp_path / "local.txt"
    article.write_text("La prison de Toulon-La Farlède a été la cible de tirs à l'arme "
                       "automatique dans la nuit de lundi à mardi.", "utf-8")
    report, _, incidents = run([url, article])
    assert report.failed == [(url, report.failed[0][1])] and "GEO_OFFLINE=1" in report.failed[0][1]
    assert len(report.added) == 1 and incidents
    assert not server.hits()


def test_every_failure_names_its_url_and_the_run_goes_on_without_losing_anything(
        env, server, monkeypatch):
    good = server.page("/good", FR)
    run([good])
    with sqlite3.connect(env / "store.sqlite") as conn:
        before = conn.execute("SELECT incident_id FROM incidents").fetchall()
    server.redirect("/loop-a", "/loop-b")
    server.redirect("/loop-b", "/loop-a")
    bad = {
        server.route("/e404", status=404): "HTTP 404",
        server.route("/e500", status=500, body=b"oops"): "HTTP 500",
        server.page("/slow", FR, delay=3): "no complete answer within 1 s",
        server.url + "/loop-a": "redirect loop",
        server.route("/pdf", body=b"%PDF-1.4", content_type="application/pdf"):
            "neither an HTML page nor a news feed (Content-Type: application/pdf)",
        server.huge("/huge", 20_000_000): "too large",
        server.feed("/broken.xml", '<?xml version="1.0"?><rss><channel><title>x</ti'):
            "malformed feed",
    }
    en = server.page("/en", EN)
    monkeypatch.setenv("GEO_WEB_TIMEOUT", "1")
    report, _, incidents = run([*bad, en])
    failed = dict(report.failed)
    assert set(failed) == set(bad)
    for url, cause in bad.items():
        assert cause in failed[url], (url, failed[url])
    assert report.added == [en]
    ids = {i.incident_id for i in incidents}
    assert {row[0] for row in before} <= ids and len(ids) > len(before)


def test_a_feed_fetches_only_new_items_and_remembers_them(env, server):
    for n in range(4):
        server.page(f"/item{n}", short_story(n))
    feed = server.feed("/feed.xml", rss(server.url, ["/item0", "/item1"]))
    first, web, _ = run([feed])
    assert sorted(first.added) == [f"{server.url}/item0", f"{server.url}/item1"]
    assert web.notes == [f"feed {feed}: 2 items, 2 new"]
    # Unchanged feed: a conditional GET, answered 304; no item fetched again.
    _, web, _ = run([feed])
    assert web.notes == [f"feed {feed}: not modified since the last check"]
    assert len(server.hits("/item0")) == 1
    # Two new items, two seen: only the new ones are fetched.
    server.feed("/feed.xml", rss(server.url, ["/item3", "/item2", "/item1", "/item0"]))
    third, web, _ = run([feed])
    assert sorted(third.added) == [f"{server.url}/item2", f"{server.url}/item3"]
    assert web.notes == [f"feed {feed}: 4 items, 2 new"]
    assert [len(server.hits(f"/item{n}")) for n in range(4)] == [1, 1, 1, 1]


def test_a_feed_of_a_thousand_items_is_taken_a_batch_per_run(env, server):
    paths = [f"/n{n}" for n in range(1000)]
    for path in paths[:60]:
        server.page(path, short_story(int(path[2:])))
    feed = server.feed("/big.xml", rss(server.url, paths))
    first, web, _ = run([feed], max_items=30)
    assert len(first.added) == 30 and not first.failed
    assert "1000 items, 1000 new; 30 fetched now, 970 left for the next run" in web.notes[0]
    second, web, _ = run([feed], max_items=30)  # not a 304: the feed was not complete
    assert len(second.added) == 30 and "1000 items, 970 new" in web.notes[0]
    assert not set(first.added) & set(second.added)
    assert len(server.hits("/big.xml")) == 2 and len(server.hits()) == 62


def test_a_failed_item_is_retried_on_the_next_run(env, server):
    server.page("/ok", short_story(1))
    server.route("/later", status=503)
    feed = server.feed("/feed.xml", rss(server.url, ["/ok", "/later"]))
    first, _, _ = run([feed])
    assert first.added == [f"{server.url}/ok"] and first.failed[0][0] == f"{server.url}/later"
    server.page("/later", short_story(2))
    second, _, _ = run([feed])  # no 304: validators were not kept for an incomplete feed
    assert second.added == [f"{server.url}/later"]


def test_robots_txt_is_honoured_when_asked(env, server):
    server.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n",
                 content_type="text/plain")
    server.page("/private/a", short_story(1))
    server.page("/public/b", short_story(2))
    feed = server.feed("/feed.xml", rss(server.url, ["/private/a", "/public/b"]))
    report, _, _ = run([feed], robots=True)
    assert report.added == [f"{server.url}/public/b"]
    assert "robots.txt disallows it" in dict(report.failed)[f"{server.url}/private/a"]
    assert not server.hits("/private/a")
