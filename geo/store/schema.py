"""The SQLite schema of the incident store (PRAGMA user_version = SCHEMA_VERSION), and
how a file of an older version is read or upgraded.

A new store is made at version 1 (`SCHEMA`) and taken through every step of `UPGRADES`,
so the path an old file follows is the one every new store follows too. A writable
store of an older version is upgraded when it is opened; a read-only one cannot be, and
is read as it is when its version is at least `READABLE_FROM` (the oldest whose files
this code reads without change), else refused with a message saying to open it once
where it can be written.

Versions: 1, the incident tables (the audit log and the feed tables were added later
by their own modules, on first use, so a version-1 file may lack them); 2, those three
tables made with the store. Every reader copes with their absence, so version 1 is
read as is.
"""

from __future__ import annotations

from geo import export
from geo.review import log as review_log
from geo.web import seen

#: PRAGMA user_version of the files this code writes.
SCHEMA_VERSION = 2
#: The oldest version a read-only file may have to be read as it is.
READABLE_FROM = 1

ROW_COLUMNS = ", ".join(
    f"{name} {'REAL' if kind == 'float' else 'INTEGER' if kind == 'int' else 'TEXT'}"
    for name, kind in export.CSV_COLUMNS
    if name != "incident_id"
)

SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE articles (
        article_id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        path_key TEXT NOT NULL UNIQUE,
        stem TEXT NOT NULL,
        file_hash TEXT NOT NULL,
        source TEXT, title TEXT, url TEXT, published TEXT, author TEXT, language TEXT,
        n_incidents INTEGER NOT NULL,
        ingested_at TEXT NOT NULL)""",
    """CREATE TABLE article_incidents (
        article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
        incident_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (article_id, incident_id))""",
    # The merged view: the export row as columns (narrow, for scans and the frame)...
    f"""CREATE TABLE incidents (
        rid INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL UNIQUE,
        {ROW_COLUMNS},
        origin TEXT NOT NULL CHECK (origin IN ('ingest', 'direct')))""",
    # Covering (value, status) indexes: a filter never has to read the table rows.
    "CREATE INDEX incidents_date ON incidents (event_date, status)",
    "CREATE INDEX incidents_department ON incidents (department, status)",
    "CREATE INDEX incidents_prison ON incidents (prison_id, status)",
    "CREATE INDEX incidents_status ON incidents (status)",
    "CREATE INDEX incidents_origin ON incidents (origin)",
    # ...the folded search text, alone so that a text search scans little...
    """CREATE TABLE incident_search (
        rid INTEGER PRIMARY KEY REFERENCES incidents(rid) ON DELETE CASCADE,
        search TEXT NOT NULL)""",
    # ...and the wide, ready-made texts: CSV line, GeoJSON Feature, full record.
    """CREATE TABLE incident_docs (
        rid INTEGER PRIMARY KEY REFERENCES incidents(rid) ON DELETE CASCADE,
        csv TEXT NOT NULL,
        feature TEXT NOT NULL,
        record TEXT NOT NULL)""",
    """CREATE TABLE incident_types (
        type TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        PRIMARY KEY (type, rid)) WITHOUT ROWID""",
    "CREATE INDEX incident_types_rid ON incident_types (rid)",
    """CREATE TABLE incident_sources (
        source TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        article_id TEXT,
        PRIMARY KEY (source, rid, position)) WITHOUT ROWID""",
    "CREATE INDEX incident_sources_rid ON incident_sources (rid)",
    """CREATE TABLE incident_members (
        member_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        rid INTEGER NOT NULL REFERENCES incidents(rid) ON DELETE CASCADE,
        PRIMARY KEY (member_id, article_id)) WITHOUT ROWID""",
    "CREATE INDEX incident_members_rid ON incident_members (rid)",
]

#: The one order of every listing: newest event first, undated last, then by id.
ORDER = "ORDER BY i.event_date IS NULL, i.event_date DESC, i.incident_id"
INSERT_INCIDENT = (
    f"INSERT INTO incidents (rid, {', '.join(export.COLUMN_NAMES)}, origin) "
    f"VALUES ({', '.join('?' * (len(export.COLUMN_NAMES) + 2))})"
)


#: The statements taking a file from version N (the key) to N + 1, run in the same
#: transaction as the version's change; none may need data this code no longer reads.
UPGRADES: dict[int, tuple[str, ...]] = {
    1: (review_log.SCHEMA, *seen.SCHEMA),  # CREATE TABLE IF NOT EXISTS: a v1 file may have them
}
assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION)), "one step per version"
