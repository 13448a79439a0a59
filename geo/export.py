"""CSV (spreadsheet-safe) and GeoJSON exports of incidents.

One flat row per incident (`incident_row`) is the single definition of "every
field, sources joined": the store keeps these columns so that
`Store.query_frame` returns exactly the rows exported here, and the dashboard's
table and its downloads cannot disagree.

Spreadsheet safety: a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is read as a formula by Excel/LibreOffice (CSV injection),
so it is prefixed with ``'``. So is a cell where such a character follows only
invisible or blank characters (U+FEFF, zero-width spaces, NBSP, spaces, quotes,
newlines, bidi controls): spreadsheets trim some of them before evaluating, and
people cannot see them. Numeric columns (lat, lon, counts) are written as
plain numbers, so ``-1.5`` stays a number. The same neutralisation is applied to
GeoJSON string properties, because GIS tools export those to spreadsheets too.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.display import plain, plain_series
from geo.model import PINNABLE_PRECISIONS, Incident

#: Characters that make a spreadsheet cell a formula (OWASP CSV injection list).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: What may hide before a formula character: blanks, invisible and bidi characters,
#: quotes (literal characters, so that Python's and Arrow's regex engines agree).
_HIDERS = ("".join(chr(c) for c in (*range(0x09, 0x0E), 0x20, 0x22, 0x27, 0x60, 0x85, 0xA0,
                                     0x1680, *range(0x2000, 0x2010), 0x2028, 0x2029,
                                     *range(0x202A, 0x2030), 0x205F, 0x2060,
                                     *range(0x2066, 0x206A), 0x3000, 0xFEFF)))
HIDDEN_FORMULA = "^[" + re.escape(_HIDERS) + "]+[=+@-]"
_HIDDEN = re.compile(HIDDEN_FORMULA)
_HIDER_SET = frozenset(_HIDERS)


def is_formula(value: str) -> bool:
    """Whether a spreadsheet may evaluate this cell text (see the module doc)."""
    return value.startswith(FORMULA_PREFIXES) or (
        value[:1] in _HIDER_SET and _HIDDEN.match(value) is not None)
#: Separator of the joined list cells (sources, titles, URLs, evidence). The evidence
#: cell lists each quoted sentence once, after the fields it supports:
#: "place, types: The prison in Toulon was hit... | event_date: Overnight, ...".
LIST_SEP = " | "
#: Separator of the joined `types` cell.
TYPE_SEP = ";"

#: Export columns, in order, with their kind: "text", "int" or "float".
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("incident_id", "text"),
    ("event_date", "text"),
    ("date_precision", "text"),
    ("first_reported", "text"),
    ("primary_type", "text"),
    ("types", "text"),
    ("place", "text"),
    ("commune", "text"),
    ("insee", "text"),
    ("department", "text"),
    ("region", "text"),
    ("lat", "float"),
    ("lon", "float"),
    ("geo_precision", "text"),
    ("radius_km", "float"),
    ("prison_id", "text"),
    ("target", "text"),
    ("killed", "int"),
    ("injured", "int"),
    ("n_sources", "int"),
    ("sources", "text"),
    ("source_titles", "text"),
    ("source_urls", "text"),
    ("evidence", "text"),
    ("confidence", "float"),
    ("status", "text"),
    ("article", "text"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in CSV_COLUMNS)


def neutralise(value: str) -> str:
    """The cell text a spreadsheet will not evaluate as a formula."""
    return "'" + value if is_formula(value) else value


def _joined(values: Iterable[str | None]) -> str | None:
    """Aligned list cell: missing entries stay empty so positions match `sources`."""
    items = [v or "" for v in values]
    return LIST_SEP.join(items) if any(items) else None


def incident_row(inc: Incident) -> tuple[Any, ...]:
    """The flat export row of an incident, in `COLUMN_NAMES` order (None = empty)."""
    sources = [
        f"{s.source} ({s.published.isoformat()})" if s.published else s.source
        for s in inc.sources
    ]
    fields_by_quote: dict[str, list[str]] = {}  # one quote often supports several fields
    for e in inc.evidence:
        names = fields_by_quote.setdefault(e.quote, [])
        if e.field not in names:
            names.append(e.field)
    evidence = [f"{', '.join(names)}: {quote}" for quote, names in fields_by_quote.items()]
    return (
        inc.incident_id,
        inc.event_date.isoformat() if inc.event_date else None,
        inc.date_precision,
        inc.first_reported.isoformat() if inc.first_reported else None,
        inc.primary_type,
        TYPE_SEP.join(inc.types) or None,
        inc.place,
        inc.commune,
        inc.insee,
        inc.department,
        inc.region,
        inc.lat,
        inc.lon,
        inc.geo_precision,
        inc.radius_km,
        inc.prison_id,
        inc.target,
        inc.killed,
        inc.injured,
        inc.n_sources,
        LIST_SEP.join(sources) or None,
        _joined(s.title for s in inc.sources),
        _joined(s.url for s in inc.sources),
        LIST_SEP.join(evidence) or None,
        inc.confidence,
        inc.status,
        inc.article,
    )


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any, kind: str) -> str:
    """One CSV cell: empty for missing, plain numbers, neutralised text."""
    if value is None:
        return ""
    if kind == "text" and isinstance(value, str):  # the common case first
        value = plain(value)
        return "'" + value if is_formula(value) else value
    if _missing(value):
        return ""
    if kind == "text":
        return neutralise(plain(str(value)))
    return str(int(value)) if kind == "int" else repr(float(value))


_KINDS: tuple[str, ...] = tuple(kind for _, kind in CSV_COLUMNS)


def csv_line(row: Sequence[Any]) -> str:
    """One CSV record (with its CRLF) of an export row; the store keeps it ready-made."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(
        [_cell(v, k) for v, k in zip(row, _KINDS, strict=True)]
    )
    return out.getvalue()


def csv_header(*, bom: bool = True) -> str:
    """The header line, preceded by a UTF-8 byte-order mark (U+FEFF) so that Excel
    reads accents correctly; lines end with CRLF (RFC 4180)."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerow(COLUMN_NAMES)
    return out.getvalue()


def _property(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "text" and isinstance(value, str):
        value = plain(value)
        return "'" + value if is_formula(value) else value
    if _missing(value):
        return None
    if kind == "text":
        return neutralise(plain(str(value)))
    return int(value) if kind == "int" else float(value)


def feature(row: Sequence[Any]) -> dict[str, Any]:
    """A GeoJSON Feature of an export row; properties are the export columns.

    The geometry is a Point only for pinnable precisions (facility, commune,
    approximate); a department- or country-level incident gets `null`, so no map
    pins it more precisely than its text allows.
    """
    props = {name: _property(v, k) for (name, k), v in zip(CSV_COLUMNS, row, strict=True)}
    pinnable = (
        props["lat"] is not None
        and props["lon"] is not None
        and props["geo_precision"] in PINNABLE_PRECISIONS
    )
    geometry = {"type": "Point", "coordinates": [props["lon"], props["lat"]]} if pinnable else None
    return {"type": "Feature", "id": props["incident_id"], "geometry": geometry,
            "properties": props}


def feature_json(row: Sequence[Any]) -> str:
    """The Feature as compact UTF-8 JSON text (the store keeps it ready-made)."""
    return json.dumps(feature(row), ensure_ascii=False, separators=(",", ":"))


def geojson_text(features_json: Iterable[str]) -> str:
    """A FeatureCollection document from ready-made Feature texts."""
    return '{"type":"FeatureCollection","features":[' + ",".join(features_json) + "]}\n"


def rows_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """A typed DataFrame of export rows: nullable Int64 counts, float64 coordinates,
    text as pandas' `str` dtype (Arrow-backed; missing is NaN).

    Shared by `incidents_frame` and `Store.query_frame` so both give the same
    dtypes (a count never turns into 2.0 because a neighbour is missing). Built
    column-wise without type inference. Arrow strings make the frame cheap to copy
    and pickle (Streamlit's cache does both on every rerun).
    """
    rows = list(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(CSV_COLUMNS)
    data: dict[str, pd.Series] = {}
    for (name, kind), values in zip(CSV_COLUMNS, columns, strict=True):
        if kind == "int":
            raw = np.array(values, dtype=object)
            mask = np.array([v is None for v in values], dtype=bool)
            ints = np.where(mask, 0, raw).astype(np.int64)
            data[name] = pd.Series(pd.arrays.IntegerArray(ints, mask), copy=False)
        elif kind == "float":
            data[name] = pd.Series(np.array(values, dtype="float64"), copy=False)
        else:
            data[name] = pd.Series(pd.array(values, dtype="str"), copy=False)
    return pd.DataFrame(data, columns=list(COLUMN_NAMES), copy=False)


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (the export columns, e.g. read back from a file) with `rows_frame`'s
    column order and dtypes."""
    dtypes = {name: "Int64" if kind == "int" else "float64" if kind == "float" else "str"
              for name, kind in CSV_COLUMNS}
    return frame[list(COLUMN_NAMES)].astype(dtypes)


def incidents_frame(incidents: Iterable[Incident]) -> pd.DataFrame:
    """One row per incident, the export columns."""
    return rows_frame(incident_row(inc) for inc in incidents)


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Export rows back from a frame with the export columns (extra columns ignored)."""
    missing = [c for c in COLUMN_NAMES if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks export columns: {', '.join(missing)}")
    return frame[list(COLUMN_NAMES)].itertuples(index=False, name=None)


def _text_column(series: pd.Series) -> list[str]:
    """Same text as `_cell` for a text column, vectorised (Arrow string kernels)."""
    text = plain_series(series.astype("str").fillna(""))
    danger = text.str.startswith(FORMULA_PREFIXES) | text.str.contains(HIDDEN_FORMULA,
                                                                        regex=True)
    return text.where(~danger, "'" + text).tolist()


def _number_column(series: pd.Series, kind: str) -> list[str]:
    """Same text as `_cell`, without a function call per value."""
    if kind == "int":
        values = series.astype("Int64").astype(object).tolist()
        return ["" if v is None or v is pd.NA else str(int(v)) for v in values]
    values = pd.to_numeric(series, errors="coerce").astype("float64").tolist()
    return ["" if v != v else repr(v) for v in values]  # v != v: NaN


def frame_to_csv(frame: pd.DataFrame, *, bom: bool = True) -> str:
    """Spreadsheet-safe CSV text of a frame with the export columns (extra columns are
    ignored); column-wise, so a 100,000-row frame takes about a second. Gives the
    same text as `to_csv` on the same incidents."""
    missing = [c for c in COLUMN_NAMES if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks export columns: {', '.join(missing)}")
    columns = [
        _text_column(frame[name]) if kind == "text" else _number_column(frame[name], kind)
        for name, kind in CSV_COLUMNS
    ]
    out = io.StringIO()
    out.write(csv_header(bom=bom))
    csv.writer(out, lineterminator="\r\n").writerows(zip(*columns, strict=True))
    return out.getvalue()


def to_csv(incidents: Iterable[Incident], *, bom: bool = True) -> str:
    """Spreadsheet-safe CSV of incidents, UTF-8 BOM first (see the module doc)."""
    return csv_header(bom=bom) + "".join(csv_line(incident_row(inc)) for inc in incidents)


def frame_to_geojson(frame: pd.DataFrame) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of a frame with the export columns."""
    return {"type": "FeatureCollection", "features": [feature(r) for r in frame_rows(frame)]}


def to_geojson(incidents: Iterable[Incident]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of incidents, one Feature each (see `feature`)."""
    return {"type": "FeatureCollection",
            "features": [feature(incident_row(inc)) for inc in incidents]}


def safe_stem(name: str) -> str:
    """A file name's stem reduced to characters safe in any file system and URL."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or "article"
    return stem[:60]


def file_stem(filters: Any) -> str:
    """A download's name from what it holds (a `geo.store.Filters`):
    incidents_gunfire_2025-04-01_2025-04-30."""
    parts = ["incidents", *sorted(filters.types)]
    for values in (filters.departments, filters.prisons, filters.sources):
        parts += [safe_stem(v).lower() for v in sorted(values)[:3]]
    if filters.date_from or filters.date_to:
        parts += [str(filters.date_from or "start"), str(filters.date_to or "end")]
    if filters.text:
        parts.append(safe_stem(filters.text).lower()[:30])
    return "_".join(p for p in parts if p)[:120]
