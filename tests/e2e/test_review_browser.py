"""Issue 17's acceptance in Chromium: a server started as for a team (users file,
listening on 0.0.0.0), a visitor who cannot write, an editor who signs in through the
real form and reviews (reject, move to a prison, merge then split), decisions that
survive a restart and `geo ingest --force`, and an audit log naming who, when, why."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from e2e.conftest import ROOT, Page, Server, chromium_path, ingest_into, run_dashboard
from e2e.test_dashboard_browser import (
    TIMEOUT_MS,
    download,
    download_csv,
    map_frame,
    map_incidents,
    metric,
    wait_metric,
)
from e2e.test_new_user_browser import choose
from geo import auth
from geo.store import Filters, Store

pytestmark = pytest.mark.browser

ARTICLES = ROOT / "tests" / "fixtures" / "articles"
PASSWORD = "correct horse battery"
TEAM = "0.0.0.0"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A store from two real articles (4 incidents) and a users file with one editor."""
    chromium_path()
    tmp = tmp_path_factory.mktemp("team")
    folder = tmp / "articles"
    folder.mkdir()
    for name in ("fr_toulon_tirs", "fr_fresnes_greve"):
        for f in ARTICLES.glob(f"{name}.*"):
            shutil.copy(f, folder)
    db = tmp / "incidents.sqlite"
    ingest_into(db, folder)
    auth.add_user("ana", PASSWORD, tmp / "users.json")
    yield db, {"GEO_USERS": str(tmp / "users.json"),
               "GEO_CORRECTIONS": str(tmp / "corrections.json")}


def idle(p: Page) -> None:
    p.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=TIMEOUT_MS)


def open_map(p: Page, server: Server, query: str = "") -> None:
    p.page.goto(server.url + "/" + query, timeout=TIMEOUT_MS)
    metric(p)
    map_frame(p).locator(".leaflet-container[data-incidents]").wait_for(timeout=TIMEOUT_MS)


def sign_in(p: Page, password: str = PASSWORD) -> None:
    box = p.page.get_by_test_id("stExpander").filter(has_text="Editor sign-in")
    box.locator("summary").click()
    box.get_by_label("User name").fill("ana")
    box.locator("input[type=password]").fill(password)
    box.get_by_role("button", name="Sign in").click()
    idle(p)


def go_to(p: Page, name: str) -> None:
    """Another page of the same session (a reload would be a new, signed-out session)."""
    p.page.get_by_test_id("stSidebarNavLink").filter(has_text=name).click()
    idle(p)


def go_review(p: Page) -> None:
    go_to(p, "Review")
    p.page.get_by_role("heading", name="Review incidents").wait_for(timeout=TIMEOUT_MS)
    idle(p)


def pick(p: Page, label: str, text: str) -> None:
    """Choose the option of a selectbox whose label contains `text` (typed to find it);
    tried again when a rerun replaced the list while it opened."""
    for attempt in range(3):
        idle(p)
        box = p.page.get_by_test_id("stSelectbox").filter(has_text=label)
        for _ in range(50):  # the previous incident's form may linger for a moment
            if box.count() == 1:
                break
            p.page.wait_for_timeout(200)
            idle(p)
        box.locator("input").click()
        box.locator("input").fill(text)
        option = p.page.get_by_role("option", name=re.compile(re.escape(text))).first
        try:
            option.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            p.page.keyboard.press("Escape")
            if attempt == 2:
                raise
    idle(p)


def done(p: Page, what: str) -> None:
    p.page.get_by_test_id("stAlertContentSuccess").filter(has_text=what).wait_for(
        timeout=TIMEOUT_MS)
    idle(p)


def ids(db: Path, word: str) -> str:
    with Store(db) as store:
        return next(i.incident_id for i in store.query(Filters(include_rejected=True))
                    if word in (i.place or "") and (word != "Fresnes" or "assault" in i.types))


def test_a_visitor_sees_nothing_to_write_with(page: Page, team: tuple[Path, dict[str, str]],
                                              tmp_path: Path) -> None:
    db, env = team
    with run_dashboard(db, tmp_path, address=TEAM, env=env) as server:
        open_map(page, server)
        assert metric(page) == 4
        text = page.page.get_by_test_id("stSidebar").inner_text()
        assert "Editor sign-in" in text and "Add an article" not in text
        assert page.page.get_by_test_id("stSidebarNav").count() == 0  # no Review page
        assert page.page.get_by_test_id("stFileUploader").count() == 0
        page.page.goto(server.url + "/review", timeout=TIMEOUT_MS)
        idle(page)
        assert page.page.get_by_role("heading", name="Review incidents").count() == 0
        open_map(page, server)
        sign_in(page, "wrong password!")
        page.page.get_by_test_id("stAlertContentError").filter(
            has_text="Wrong user name or password").wait_for(timeout=TIMEOUT_MS)
        assert page.page.get_by_test_id("stSidebarNav").count() == 0


def test_without_any_editor_a_team_server_says_sign_in_is_needed(
        page: Page, team: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, _ = team
    with run_dashboard(db, tmp_path, address=TEAM) as server:  # no users file
        open_map(page, server)
        text = page.page.get_by_test_id("stSidebar").inner_text()
        assert "need an editor's sign-in" in text and "Add an article" not in text


def test_an_editor_reviews_and_the_decisions_last(
        page: Page, team: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    db, env = team
    with Store(db) as store:
        before = store.export_csv(Filters(include_rejected=True))
    toulon, valence, fresnes = ids(db, "Toulon"), ids(db, "Valence"), ids(db, "Fresnes")
    with run_dashboard(db, tmp_path, address=TEAM, env=env) as server:
        open_map(page, server)
        sign_in(page)
        page.page.get_by_test_id("stSidebar").get_by_text("Signed in as ana").wait_for(
            timeout=TIMEOUT_MS)
        assert "Add an article" in page.page.get_by_test_id("stSidebar").inner_text()
        go_review(page)

        # merge two incidents, then split them: the store is as before
        pick(page, "Incident to review", valence)
        pick(page, "Same event as", fresnes)
        page.page.get_by_role("button", name="Merge").click()
        done(page, "Saved: merge")
        with Store(db) as store:
            assert store.count() == 3
            merged = store.get(valence).incident_id
        pick(page, "Incident to review", merged)
        page.page.get_by_role("button", name="Split into one incident per article").click()
        done(page, "Saved: split")
        with Store(db) as store:
            assert store.export_csv(Filters(include_rejected=True)) == before

        # move the Valence incident to the prison of Nice: marker and department follow
        pick(page, "Incident to review", valence)
        pick(page, "Prison (moves the incident there)", "Maison d'arrêt de Nice")
        page.page.get_by_role("button", name="Save changes").click()
        done(page, "Saved: edit")

        # reject the Toulon incident with a reason
        pick(page, "Incident to review", toulon)
        page.page.get_by_test_id("stForm").filter(has_text="Verify").get_by_label(
            "Reason").fill("A drill, not an attack")
        page.page.get_by_role("button", name="Reject").click()
        done(page, "Saved: rejection")

        go_to(page, "Map")
        choose(page, "Department", "Alpes-Maritimes")
        wait_metric(page, 1)
        assert map_incidents(page, 1) == 1  # its marker, now at Nice
        go_review(page)
        go_to(page, "Map")  # the filters stay for the session, with the language
        wait_metric(page, 1)
        assert "Alpes-Maritimes" in page.page.get_by_test_id("stMultiSelect").filter(
            has_text="Department").inner_text()
        page.page.get_by_role("button", name="Reset filters").click()
        wait_metric(page, 3)
        rows = download_csv(page, tmp_path)
        assert toulon not in {r["incident_id"] for r in rows}
        moved = next(r for r in rows if r["incident_id"] == valence)
        assert (moved["prison_id"], moved["department"]) == ("ma-nice", "Alpes-Maritimes")

        # the audit log, as an editor downloads it
        go_review(page)
        box = page.page.get_by_test_id("stExpander").filter(has_text="Audit log")
        box.locator("summary").click()
        target = tmp_path / "log.csv"
        download(page, box.get_by_role("button", name="Download the audit log (CSV)")
                 ).save_as(target)
        log = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
        assert [(r["who"], r["action"]) for r in log] == [
            ("ana", "reject"), ("ana", "edit"), ("ana", "split"), ("ana", "merge")]
        assert log[0]["reason"] == "A drill, not an attack" and log[0]["incident_id"] == toulon
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", log[0]["at"])

    # a rebuild from the articles keeps every decision; so does a new server
    run = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(db.parent / "articles"), "--force"],
        cwd=ROOT, env={**os.environ, **env, "GEO_DB": str(db), "GEO_OFFLINE": "1",
                       "GEO_CACHE": str(tmp_path / "cache.sqlite")},
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    with Store(db) as store:
        assert store.get(toulon).status == "rejected"
        assert store.get(valence).prison_id == "ma-nice"
    with run_dashboard(db, tmp_path, address=TEAM, env=env) as server:
        open_map(page, server)  # a visitor again, after the restart
        wait_metric(page, 3)
        assert toulon not in {r["incident_id"] for r in download_csv(page, tmp_path)}


def test_a_verified_incident_carries_its_mark_on_the_map(page: Page, tmp_path: Path) -> None:
    """Verified with `geo review verify` (CLI parity); a visitor sees the check on its
    marker and "Verified" in its popup, and the CSV's status column says so."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for f in ARTICLES.glob("fr_toulon_tirs.*"):
        shutil.copy(f, folder)
    db = tmp_path / "incidents.sqlite"
    ingest_into(db, folder)
    env = {"GEO_USERS": str(tmp_path / "users.json"),
           "GEO_CORRECTIONS": str(tmp_path / "corrections.json")}
    toulon = ids(db, "Toulon")
    run = subprocess.run(
        [sys.executable, "-m", "geo", "review", "verify", toulon, "--by", "ana"],
        cwd=ROOT, env={**os.environ, **env, "GEO_DB": str(db), "GEO_OFFLINE": "1",
                       "GEO_CACHE": str(tmp_path / "cache.sqlite")},
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    with run_dashboard(db, tmp_path, env=env) as server:
        open_map(page, server)
        frame = map_frame(page)
        marks = frame.locator(".inc-icon.inc-verified")
        marks.first.wait_for(timeout=TIMEOUT_MS)
        assert marks.count() == 1
        marks.first.click()
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=TIMEOUT_MS)
        assert "✓ Verified" in popup.inner_text()
        page.page.wait_for_timeout(400)  # the popup fades in
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.page.screenshot(path=str(ROOT / "artifacts" / "verified-mark.png"))
        rows = {r["incident_id"]: r for r in download_csv(page, tmp_path)}
        assert rows[toulon]["status"] == "verified"
