"""The SQLite schema of the incident store (PRAGMA user_version = SCHEMA_VERSION)."""

from __future__ import annotations

from geo import export

#: PRAGMA user_version of the files this code writes.
SCHEMA_VERSION = 1

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

