"""The filter state as the page keys its caches and compares URLs (geo.store.filters)."""

from __future__ import annotations

import datetime as dt

from geo.export import file_stem
from geo.mapview import parse_view
from geo.store import Filters
from geo.store.filters import canonical, from_state


def test_the_state_ignores_list_and_key_order() -> None:
    a = canonical({"type": ["gunfire", "arson"], "from": "2025-04-01"})
    b = canonical({"from": "2025-04-01", "type": ["arson", "gunfire"]})
    assert a == b
    assert canonical({"type": ["arson"]}) != a


def test_a_state_gives_its_filters_back() -> None:
    f = Filters(types=["arson", "gunfire"], date_from=dt.date(2025, 4, 1), text="Toulon")
    assert from_state(canonical(f.to_query_params())) == f


def test_a_download_is_named_by_what_it_holds() -> None:
    f = Filters(types=["gunfire"], departments=["Var"], date_from=dt.date(2025, 4, 1),
                date_to=dt.date(2025, 4, 30), text="../../etc/passwd")
    stem = file_stem(f)
    assert stem.startswith("incidents_gunfire_var_2025-04-01_2025-04-30")
    assert "/" not in stem and ".." not in stem.split("_")[-1][:2]
    assert file_stem(Filters()) == "incidents"


def test_a_shared_view_is_read_only_when_it_is_one() -> None:
    assert parse_view("43.1,5.9,9") == (43.1, 5.9, 9.0)
    for bad in (None, "", "43.1,5.9", "91,0,9", "43,5,40", "a,b,c"):
        assert parse_view(bad) is None
