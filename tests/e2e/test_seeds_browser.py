"""The real seeds, end to end: `python -m geo ingest seeds/`, then the dashboard in
Chromium shows their incidents and the prisons (screenshot: artifacts/seeds.png).

Seed 000 gives 7 incidents (six prisons and the guards' building in Marseille),
seed 004 two: the convoy ambush, placed approximately between Rouen and Évreux,
and the guards' protests around the country, which is known only to the country
and so listed under the map, not pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.conftest import ROOT, Page, Server, chromium_path, ingest_into, run_dashboard
from e2e.test_dashboard_browser import (
    TIMEOUT_MS,
    foreign_requests,
    map_frame,
    map_incidents,
    metric,
    open_app,
    open_section,
)
from geo.prisons import load_prisons

pytestmark = pytest.mark.browser

INCIDENTS = 9
PINNED = 8
#: Prisons seed 000 names as attacked.
PRISONS_HIT = 6


@pytest.fixture(scope="module")
def seeds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()
    tmp = tmp_path_factory.mktemp("seeds")
    db = tmp / "incidents.sqlite"
    ingest_into(db, ROOT / "seeds")
    with run_dashboard(db, tmp) as running:
        yield running


def test_the_seed_incidents_and_the_prisons_are_on_the_map(
    page: Page, seeds_server: Server, artifacts: Path,
) -> None:
    open_app(page, seeds_server)
    assert metric(page) == INCIDENTS
    assert metric(page, "On the map") == PINNED
    assert map_incidents(page, PINNED) == PINNED
    frame = map_frame(page)
    located = sum(1 for p in load_prisons() if p.lat is not None)
    assert frame.locator(".prison-icon").count() == located
    assert frame.locator(".prison-icon.prison-hit").count() == PRISONS_HIT
    assert frame.locator(".inc-uncertainty").count() == 1  # the ambush, approximate
    legend = frame.locator(".map-legend").inner_text()
    for label in ("Ambush", "Gunfire", "Arson"):
        assert label in legend, legend

    open_section(page, "Not on the map").get_by_text(
        "1 incident known only to a department, region or country").wait_for(timeout=TIMEOUT_MS)
    off_map = page.page.get_by_test_id("stDataFrame").filter(
        has_text="Location precision").first
    off_map.locator("[role=gridcell]", has_text="country").wait_for(state="attached",
                                                                     timeout=TIMEOUT_MS)
    assert "Protest / blockade" in off_map.locator("[role=gridcell]").all_inner_texts()

    page.page.wait_for_timeout(500)  # let the cluster animations settle
    page.page.screenshot(path=str(artifacts / "seeds.png"))
    assert not foreign_requests(page, seeds_server), foreign_requests(page, seeds_server)
    assert not page.errors and not page.dialogs
