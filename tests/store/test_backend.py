"""The SQLite store implements the interface a second backend would implement."""

from __future__ import annotations

import inspect
from pathlib import Path

from geo.store import IncidentStore, Store


def test_the_sqlite_store_is_an_incident_store(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        assert isinstance(store, IncidentStore)


def test_every_public_method_of_the_store_is_in_the_interface_with_its_signature() -> None:
    public = {n for n, v in vars(Store).items() if callable(v) and not n.startswith("_")}
    declared = {n for n in vars(IncidentStore) if not n.startswith("_") and
                callable(getattr(IncidentStore, n))}
    assert public - {"export_csv", "export_geojson"} == declared
    for name in declared:
        ours = inspect.signature(getattr(Store, name))
        theirs = inspect.signature(getattr(IncidentStore, name))
        assert list(ours.parameters) == list(theirs.parameters), name
