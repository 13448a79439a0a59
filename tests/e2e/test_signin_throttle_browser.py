"""Sign-in throttling in Chromium, through the real form of a team server: five wrong
passwords, then the right one is refused with a message saying when to retry; once that
time has passed (GEO_SIGNIN_DELAY shortened for the test) the right one signs in."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from e2e.conftest import ROOT, Page, Server, chromium_path, ingest_into, run_dashboard
from e2e.test_dashboard_browser import TIMEOUT_MS
from e2e.test_review_browser import idle, open_map
from geo import auth
from geo.i18n import Texts

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
DELAY_S = 6
THROTTLED = re.compile(r"Too many failed sign-ins\. Try again after (\d\d:\d\d:\d\d) UTC "
                       r"\(in (\d+) seconds\)\.")
THROTTLED_FR = re.compile(r"Trop de connexions échouées\. Réessayez après \d\d:\d\d:\d\d UTC "
                          r"\(dans \d+ secondes\)\.")

WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__stateChanges = 0;
  if (window.__runWatcher) window.__runWatcher.disconnect();
  window.__runWatcher = new MutationObserver((records) => {
    window.__stateChanges += records.length;
  });
  window.__runWatcher.observe(app, {attributes: true,
                                    attributeFilter: ["data-test-script-state"]});
}"""


@contextmanager
def team_server(tmp_path: Path) -> Iterator[Server]:
    """A team server (0.0.0.0, sign-in required) over one article, with user "ana"
    and the lock shortened to DELAY_S."""
    chromium_path()
    folder = tmp_path / "articles"
    folder.mkdir()
    for f in (ROOT / "tests" / "fixtures" / "articles").glob("fr_toulon_tirs.*"):
        shutil.copy(f, folder)
    db = tmp_path / "incidents.sqlite"
    ingest_into(db, folder)
    auth.add_user("ana", PASSWORD, tmp_path / "users.json")
    env = {"GEO_USERS": str(tmp_path / "users.json"), "GEO_SIGNIN_DELAY": str(DELAY_S)}
    with run_dashboard(db, tmp_path, address="0.0.0.0", env=env) as server:
        yield server


def submit(p: Page, password: str, name: str = "ana", lang: str = "en") -> None:
    """Type `name` and `password` into the sign-in form (labels in `lang`), send it, and
    wait for the run it starts to end."""
    t = Texts(lang)
    box = p.page.get_by_test_id("stExpander").filter(has_text=t("signin_section"))
    if not box.get_by_label(t("signin_name")).is_visible():
        box.locator("summary").click()
    box.get_by_label(t("signin_name")).fill(name)
    box.locator("input[type=password]").fill(password)
    # Counts the app's script-state changes, so the answer read is this run's and not
    # the previous message still on the page (the run can be over before a poll sees it).
    p.page.evaluate(WATCH_RUNS)
    box.get_by_role("button", name=t("signin_submit")).click()
    p.page.wait_for_function("window.__stateChanges >= 2", timeout=TIMEOUT_MS)
    idle(p)


def error(p: Page, text: str | re.Pattern[str]) -> str:
    """The sidebar's error message holding `text`, once drawn in full."""
    found = p.page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentError").filter(
        has_text=text)
    found.wait_for(timeout=TIMEOUT_MS)
    return found.inner_text()


def test_five_wrong_passwords_make_the_right_one_wait(page: Page, tmp_path: Path) -> None:
    with team_server(tmp_path) as server:
        open_map(page, server)
        for _ in range(4):
            submit(page, "wrong password!")
            error(page, "Wrong user name or password.")
        submit(page, "wrong password!")
        error(page, THROTTLED)  # the fifth locks
        before = time.monotonic()
        submit(page, PASSWORD)
        found = THROTTLED.search(error(page, THROTTLED))
        assert found
        wait = int(found[2])
        assert 0 < wait <= DELAY_S
        assert time.monotonic() - before < wait, "the lock must still hold when checked"
        sidebar = page.page.get_by_test_id("stSidebar")
        assert "Signed in as" not in sidebar.inner_text()
        assert page.page.get_by_test_id("stSidebarNav").count() == 0  # no Review page
        assert "Traceback" not in page.page.content()

        time.sleep(wait + 0.5)  # the time the message gave has passed
        submit(page, PASSWORD)
        sidebar.get_by_text("Signed in as ana").wait_for(timeout=TIMEOUT_MS)
        assert "Add an article" in sidebar.inner_text()
        assert "Too many failed" not in sidebar.inner_text()


def test_an_unknown_name_is_throttled_alike_in_french(page: Page, tmp_path: Path) -> None:
    """Nothing tells a name that exists from one that does not: the same five failures,
    the same wait, here in the French page."""
    with team_server(tmp_path) as server:
        page.page.goto(server.url + "/?lang=fr", timeout=TIMEOUT_MS)
        page.page.get_by_test_id("stExpander").filter(
            has_text=Texts("fr")("signin_section")).wait_for(timeout=TIMEOUT_MS)
        idle(page)
        for _ in range(4):
            submit(page, "wrong password!", name="bruno", lang="fr")
            error(page, Texts("fr")("signin_failed"))
        submit(page, "wrong password!", name="bruno", lang="fr")
        error(page, THROTTLED_FR)
        submit(page, PASSWORD, lang="fr")  # another name is not held up
        page.page.get_by_test_id("stSidebar").get_by_text("Connecté").wait_for(
            timeout=TIMEOUT_MS)
