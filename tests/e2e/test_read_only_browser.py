"""Issue 18 in Chromium: a dashboard over a store on read-only media, one whose map
folder (GEO_STATIC_DIR) cannot be written, shown text without direction controls, a
URL with a password that is no link, and an "Add" clicked with no file or too early.

As root, chmod does not stop writes: the server then runs under `setpriv` without
capabilities (the folder's mode holds for it as for anyone else).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.readonly import read_only_media, unprivileged

from e2e.conftest import Page, Server, chromium_path, ingest_into, run_dashboard
from e2e.sample_store import make_store
from e2e.test_dashboard_browser import (
    TIMEOUT_MS,
    map_frame,
    map_incidents,
    metric,
    open_app,
    wait_metric,
)
from geo.display import BIDI_CONTROLS

pytestmark = pytest.mark.browser

TEXT = "Shots were fired at the prison of Fresnes overnight \u202egnp.exe\u202c, no one was hurt."
META = {"title": "Tirs \u2066à\u2069 Fresnes\u200f", "source": "Le \u202eBlog\u061c",
        "url": "https://user:secret@example.org/article", "published": "2025-04-15"}


@pytest.fixture(scope="module")
def ro_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard over a store in a folder of mode 0555, the file 0444, no -wal/-shm."""
    chromium_path()
    prefix = unprivileged()
    tmp = tmp_path_factory.mktemp("readonly")
    articles = tmp / "articles"
    articles.mkdir()
    (articles / "spoof.txt").write_text(TEXT, "utf-8")
    (articles / "spoof.meta.json").write_text(json.dumps(META), "utf-8")
    media = tmp / "media"
    media.mkdir()
    db = media / "incidents.sqlite"
    ingest_into(db, articles)
    with read_only_media(db), run_dashboard(db, tmp, prefix=prefix) as running:
        yield running
    assert sorted(p.name for p in media.iterdir()) == ["incidents.sqlite"]  # nothing written


def test_a_store_on_read_only_media_is_shown_and_says_it_cannot_be_changed(
    page: Page, ro_server: Server,
) -> None:
    open_app(page, ro_server)
    assert map_incidents(page, 1) == 1
    frame = map_frame(page)
    frame.locator(".inc-icon").first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=TIMEOUT_MS)
    text, markup = popup.inner_text(), popup.inner_html()
    assert "Le Blog" in text and "gnp.exe" in text
    assert not set(text + markup) & BIDI_CONTROLS, "direction controls reached the popup"
    assert "secret@" in text  # the URL with a password is shown as text...
    assert popup.locator('a[href*="example.org"]').count() == 0  # ...and is no link

    box = page.page.get_by_test_id("stExpander").filter(has_text="Add an article")
    box.locator("summary").click()
    box.get_by_test_id("stFileUploader").wait_for(timeout=TIMEOUT_MS)
    box.get_by_role("button", name="Extract and add").click()
    error = box.get_by_test_id("stAlertContentError")
    error.wait_for(timeout=TIMEOUT_MS)
    assert "The store incidents.sqlite is read-only here" in error.inner_text()
    assert str(ro_server.db.parent) not in page.page.content()
    assert "Traceback" not in page.page.content()


@pytest.fixture(scope="module")
def static_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """GEO_STATIC_DIR under a regular file: no folder can be made there (ENOTDIR)."""
    chromium_path()
    tmp = tmp_path_factory.mktemp("static")
    (tmp / "plain-file").write_text("not a folder", "utf-8")
    env = {"GEO_STATIC_DIR": str(tmp / "plain-file" / "static")}
    with run_dashboard(make_store(tmp / "incidents.sqlite"), tmp, env=env) as running:
        yield running


def test_an_unwritable_map_folder_is_one_clear_line(page: Page, static_server: Server) -> None:
    page.page.goto(static_server.url + "/", timeout=TIMEOUT_MS)
    error = page.page.get_by_test_id("stAlertContentError")
    error.wait_for(timeout=TIMEOUT_MS)
    text = error.inner_text()
    assert "the map's files cannot be written to the folder" in text
    assert "GEO_STATIC_DIR" in text
    content = page.page.content()
    assert "Traceback" not in content and "plain-file" not in content
    assert str(static_server.db.parent) not in content


# --- "Add" clicked with no file, or before the file is uploaded ------------------------


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    tmp = tmp_path_factory.mktemp("early")
    with run_dashboard(make_store(tmp / "incidents.sqlite"), tmp) as running:
        yield running


def add_box(p: Page) -> Any:
    box = p.page.get_by_test_id("stExpander").filter(has_text="Add an article")
    box.locator("summary").click()
    box.get_by_test_id("stFileUploader").wait_for(timeout=TIMEOUT_MS)
    return box


def test_add_without_a_file_says_so_and_a_slow_upload_is_then_added(
    page: Page, upload_server: Server,
) -> None:
    open_app(page, upload_server)
    before = metric(page)
    box = add_box(page)
    box.get_by_role("button", name="Extract and add").click()
    error = box.get_by_test_id("stAlertContentError")
    error.wait_for(timeout=TIMEOUT_MS)
    assert "Choose a file to add." in error.inner_text()

    # A slow upload (the server or the line busy): the file reaches the app 3 s late.
    def slow(route: Any) -> None:
        page.page.wait_for_timeout(3000)
        route.continue_()

    page.page.route("**/_stcore/upload_file/**", slow)
    box.locator('input[type="file"]').set_input_files(
        files=[{"name": "late.txt", "mimeType": "text/plain", "buffer": TEXT.encode()}])
    button = box.get_by_role("button", name="Extract and add")
    box.get_by_test_id("stFileChipName").wait_for(timeout=TIMEOUT_MS)
    assert button.is_disabled(), "Add can be clicked before the file has arrived"
    button.click(timeout=TIMEOUT_MS)  # as soon as the button lets itself be clicked
    success = box.get_by_test_id("stAlertContentSuccess")
    success.wait_for(timeout=TIMEOUT_MS)
    assert "Added late.txt" in success.inner_text()
    page.page.unroute("**/_stcore/upload_file/**")
    wait_metric(page, before + 1)
