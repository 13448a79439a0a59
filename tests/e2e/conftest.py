"""Browser tests: a real `streamlit run dashboard.py` on 127.0.0.1 and headless Chromium.

The `server` gets a temporary store of known incidents (sample_store.py); other
tests start `run_dashboard` on a store they fill with `ingest_into`. Always with
GEO_OFFLINE=1, so the page must work with no host but the app's own. Chromium is
Debian's (/usr/bin/chromium, or $CHROMIUM): Playwright never downloads a browser.
Without one the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from e2e.sample_store import make_store
from geo.devserver import running_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
START_TIMEOUT_S = 90


def chromium_path() -> str:
    """Debian's Chromium, or $CHROMIUM; skip (fail under CI=true) when there is none."""
    path = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if Path(path).is_file() or shutil.which(path):
        return path
    message = f"no Chromium at {path} (apt-get install chromium, or set CHROMIUM)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class Server:
    """The running app: its URL, store and log."""

    def __init__(self, url: str, db: Path, log: Path) -> None:
        self.url, self.db, self.log = url, db, log
        self.host = url.split("//", 1)[1]


@contextmanager
def run_dashboard(db: Path, tmp: Path, *, address: str = "127.0.0.1",
                  env: dict[str, str] | None = None,
                  prefix: tuple[str, ...] = ()) -> Iterator[Server]:
    """`streamlit run dashboard.py` on a free port over the store `db`, offline;
    stopped (its whole process group) on exit. Its log is `tmp/streamlit.log`.
    `address`: what it listens on; `env`: more variables (GEO_USERS...)."""
    full = {
        **os.environ, "GEO_DB": str(db), "GEO_OFFLINE": "1",
        "GEO_CACHE": str(tmp / "geocache.sqlite"), "PYTHONUNBUFFERED": "1",
        # never the repository's files: a test's review decisions and users stay in tmp
        "GEO_USERS": str(tmp / "users.json"), "GEO_CORRECTIONS": str(tmp / "corrections.json"),
        **(env or {}),
    }
    log = tmp / "streamlit.log"
    with running_app(ROOT / "dashboard.py", full, log, start_timeout=START_TIMEOUT_S,
                     address=address, prefix=prefix) as (url, _proc):
        yield Server(url, db, log)


def ingest_into(db: Path, folder: Path) -> None:
    """`python -m geo ingest FOLDER` into `db`, offline, as a user fills a store."""
    env = {**os.environ, "GEO_DB": str(db), "GEO_OFFLINE": "1",
           "GEO_CACHE": str(db.with_name("geocache.sqlite")),
           "GEO_CORRECTIONS": str(db.with_name("corrections.json"))}
    result = subprocess.run([sys.executable, "-m", "geo", "ingest", str(folder)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard over the sample store (sample_store.py)."""
    chromium_path()  # no browser: skip before starting anything
    tmp = tmp_path_factory.mktemp("dashboard")
    with run_dashboard(make_store(tmp / "incidents.sqlite"), tmp) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()  # no browser: skip before starting anything
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A browser page plus everything it asked for and every page error."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.ws_sent: list[int] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Each phase's report on the test item, so `page` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page; when the test fails, what it showed last is saved to
    artifacts/failed/TEST.png (a flaky run on a loaded machine is seen, not guessed)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True, service_workers="block")
    p = Page(context.new_page())
    p.page.on("request", lambda r: p.requests.append(r.url))
    p.page.on("pageerror", lambda e: p.errors.append(str(e)))

    def on_dialog(dialog: Any) -> None:
        p.dialogs.append(dialog.message)
        dialog.dismiss()

    p.page.on("dialog", on_dialog)
    p.page.on("websocket", lambda ws: ws.on("framesent", lambda _f: p.ws_sent.append(1)))
    try:
        yield p
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            shot = ARTIFACTS / "failed" / f"{request.node.name}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            with suppress(Exception):  # a page that crashed has nothing to show
                p.page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
