"""The incident store, one module per job:

- `sqlite`: the SQLite backend (`Store`): schema, transactions, queries;
- `backend`: `IncidentStore`, the interface a second backend (PostgreSQL) implements;
- `schema`: the SQLite tables; `records`: what is written per incident;
- `merge`: the cross-article merge rules, pure functions;
- `filters`: the filter value and its URL form; `facets`: the filter facets;
- `frames`: the whole-store frame cache (Feather file beside the store) and `Rows`,
  a selection as positions into it.

Ingest orchestration (reading, extraction ahead in workers) is `geo.ingest`.
Names are re-exported here: `from geo.store import Store, Filters` is the public API.
"""

from geo.ingest import IngestReport, Progress, ProgressFn, path_key
from geo.store.backend import IncidentStore
from geo.store.facets import Facets
from geo.store.filters import (
    MAX_FILTER_VALUES,
    MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS,
    MAX_WORD_CHARS,
    MIN_DATE,
    Filters,
    search_words,
)
from geo.store.frames import FRAME_CACHE as _FRAME_CACHE
from geo.store.frames import FRAME_FILE_SUFFIX, Rows
from geo.store.merge import (
    GENERIC_TYPES,
    MERGE_DAYS,
    MERGE_KM,
    MERGE_VERSION,
    compatible_types,
    merge_incidents,
    same_place,
)
from geo.store.records import _fold, _record
from geo.store.schema import SCHEMA_VERSION
from geo.store.sqlite import LOCK_TIMEOUT_S, Store

__all__ = [
    "FRAME_FILE_SUFFIX",
    "GENERIC_TYPES",
    "LOCK_TIMEOUT_S",
    "MAX_FILTER_VALUES",
    "MAX_SEARCH_CHARS",
    "MAX_SEARCH_WORDS",
    "MAX_WORD_CHARS",
    "MERGE_DAYS",
    "MERGE_KM",
    "MERGE_VERSION",
    "MIN_DATE",
    "SCHEMA_VERSION",
    "_FRAME_CACHE",
    "Facets",
    "Filters",
    "IncidentStore",
    "IngestReport",
    "Progress",
    "ProgressFn",
    "Rows",
    "Store",
    "_fold",
    "_record",
    "compatible_types",
    "merge_incidents",
    "path_key",
    "same_place",
    "search_words",
]
