"""The interface every incident store offers the views (dashboard, CLI, exports).

`geo.store.sqlite.Store` implements it over one SQLite file; a PostgreSQL store
for teams would implement the same methods, reusing what is backend-neutral:
`geo.ingest` (reading and extraction before any write), `geo.store.merge` (the
merge rules), `geo.store.records` (stored records, search text),
`geo.store.filters` (the filter value), `geo.store.frames` and
`geo.store.facets` (derived data keyed by `version()`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from geo.ingest import IngestReport, ProgressFn
from geo.model import Incident
from geo.store.facets import Facets
from geo.store.filters import Filters
from geo.store.frames import Rows


@runtime_checkable
class IncidentStore(Protocol):
    """What views and intake call; nothing else of a backend is public."""

    #: True when the store can be read but not written (read-only media or file).
    read_only: bool

    def check_writable(self) -> None:
        """StoreError naming the store when it is read-only (before any write)."""
        ...

    def ingest(self, paths: Iterable[str | os.PathLike[str]],
               progress: ProgressFn | None = None, *, geocoder: Any = None,
               force: bool = False,
               corrections_path: str | os.PathLike[str] | None = None) -> IngestReport:
        """Articles in, merged and corrected, in one transaction."""
        ...

    def add_incidents(self, incidents: Iterable[Incident], *, batch: int = 2000) -> int:
        """Finished incidents in, unmerged (benchmarks, imports)."""
        ...

    def apply_corrections(
        self, corrections_path: str | os.PathLike[str] | None = None
    ) -> list[str]:
        """Re-apply the corrections file now; returns warnings."""
        ...

    def version(self) -> str:
        """Changes exactly when the stored data changes: the key of every cache."""
        ...

    def query(self, filters: Filters | None = None, *, limit: int | None = None
              ) -> list[Incident]:
        """Full records, newest event first."""
        ...

    def query_frame(self, filters: Filters | None = None, *, limit: int | None = None
                    ) -> pd.DataFrame:
        """One row per incident, the export columns, in `query` order."""
        ...

    def query_rows(self, filters: Filters | None = None) -> Rows:
        """The rows of `query_frame` as positions into a frame of the whole store."""
        ...

    def count(self, filters: Filters | None = None) -> int:
        """How many incidents the filters select."""
        ...

    def get(self, incident_id: str) -> Incident | None:
        """One incident by id (or by the id of an article-level member)."""
        ...

    def facets(self) -> Facets:
        """What the filter widgets can offer."""
        ...

    def export(self, filters: Filters | None = None, fmt: str = "csv", *, bom: bool = True
               ) -> tuple[str, int]:
        """CSV or GeoJSON text of the filtered incidents, and their number."""
        ...

    def articles(self) -> list[dict[str, Any]]:
        """The stored articles, by path."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
