"""The folium map of incidents and prisons, built to stay fast and safe.

Why it looks the way it does:

* Speed. There is no folium Marker per incident: the incidents travel to the
  browser as one compact JSON table (coordinates, type index, indices into a
  string table), built column-wise, and a small script clusters them and builds
  each popup and tooltip only when it opens. Up to FAST_CLUSTER_LIMIT incidents,
  Leaflet.markercluster does (animated, spiderfied); above, a grid over the
  current view, redrawn after each move, with no Leaflet object per incident
  (100,000 draw in a few milliseconds). The expensive part (`map_data`) returns
  plain strings that the dashboard caches per filter state and serves as a file
  (`data_url`, `geo.assets.publish`), so the page script stays small.
* Honesty about location. Only pinnable precisions (facility, commune,
  approximate) get a marker; an approximate one is drawn hollow with a dashed
  circle of its uncertainty radius. Department/region/country-level incidents are
  returned by `unpinned()` for the dashboard to list under the map.
* Safety. Article text, titles, sources and URLs are untrusted: every string is
  `html.escape`d in Python before it reaches the page (folium popups, tooltips
  and Leaflet's layer names are HTML), the JSON is made safe inside `<script>`,
  and a source becomes a link only for an http(s) URL.
* Offline. Leaflet, markercluster and our scripts (`geo/mapassets/`) come from
  `geo.assets` (served by the app); with no tiles (`geo.config.tiles()` says
  "none") or when tiles fail to load, France is drawn from the boundaries the app
  serves: land over a plain sea, with the departments on top. OpenStreetMap's
  tiles of zoom 0-6 around France, served by the app (`geo.basemap`), are a
  base-map choice too; the fallback stays the drawn map, sharp at every zoom.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import folium
import numpy as np
import pandas as pd
import xyzservices
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

from geo import assets, basemap, config, export, mapareas
from geo.display import plain, plain_series
from geo.i18n import Texts, en
from geo.model import PINNABLE_PRECISIONS, TYPE_RECORDS, TYPE_SEVERITY, Incident


def parse_view(text: str | None) -> tuple[float, float, float] | None:
    """"lat,lon,zoom" from a shared URL, or None when it is not one (users edit URLs)."""
    try:
        lat, lon, zoom = (float(x) for x in str(text).split(","))
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 3 <= zoom <= 18):
        return None
    return lat, lon, zoom


# --- Styles -----------------------------------------------------------------

#: Metropolitan France and Corsica: what the map shows on open.
FRANCE_BOUNDS = mapareas.MAINLAND_BOUNDS
#: The margin (px) around what the map fits: France on open and a filtered selection,
#: the same so that a selection spread over France is already in view and not refitted.
FIT_PADDING_PX = 40
FRANCE_CENTER: tuple[float, float] = (46.6, 2.4)

#: Above this many incidents, popups leave out sources and evidence (they would
#: make the page tens of megabytes); the table below the map still has them.
DETAIL_LIMIT = 5000
#: Above this many approximate incidents, uncertainty circles appear only from zoom 8.
CIRCLE_LIMIT = 1000
#: Up to this many incidents on the map, Leaflet.markercluster groups them (animated,
#: spiderfied); above, a grid of GRID_CELL_PX-pixel cells over the current view does,
#: redrawn after each move: markercluster needs about 0.1 ms per marker in a plain
#: browser (100,000: over ten seconds), the grid a few milliseconds in all.
FAST_CLUSTER_LIMIT = 2000
GRID_CELL_PX = 60
#: From this zoom on, only incidents at the very same spot are grouped.
CLUSTER_OFF_ZOOM = 12
#: Uncertainty circles drawn at most in one view of the grid.
CIRCLE_VIEW_LIMIT = 2000
#: Incidents listed in the popup of a group at one spot (the table has them all).
LIST_LIMIT = 50
#: Newest incidents of the selection listed beside the map (bounded: it is a list to
#: read, the table has the rest).
RECENT_LIMIT = 12
#: Evidence quotes shown per popup, and the characters kept of each.
MAX_QUOTES = 6
MAX_QUOTE_CHARS = 400

#: URL parameter a click on a department sets (`geo.store.Filters.PARAMS`).
DEPARTMENT_PARAM = "department"
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
#: The same credit for the tiles the app serves: plain text, as an offline page holds
#: no address of another host (and a link there would not open offline anyway).
OSM_OFFLINE_ATTRIBUTION = "&copy; OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class TypeStyle:
    """Colour, English label (`geo/i18n/en.py`) and white-line SVG glyph (20x20 box)
    of one incident type; `Texts.type_label` gives the label in another language."""

    color: str
    label: str
    glyph: str


def _svg(body: str) -> str:
    return (
        '<svg viewBox="0 0 20 20" width="14" height="14" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' + body + "</svg>"
    )


#: Map style per incident type, from its record (geo.model.INCIDENT_TYPE_RECORDS).
TYPE_STYLES: dict[str, TypeStyle] = {
    key: TypeStyle(t.color, en.TEXTS[t.label_key], _svg(t.glyph))
    for key, t in ((k, TYPE_RECORDS[k]) for k in TYPE_SEVERITY)
}
#: Legend and index order: most severe first, as `primary_type` is chosen.
TYPE_ORDER: tuple[str, ...] = tuple(TYPE_SEVERITY)

#: Prison colours by establishment type (codes of the prisons list); others grey.
PRISON_COLORS: dict[str, str] = {
    "MA": "#5c6bc0",  # maison d'arrêt
    "CP": "#283593",  # centre pénitentiaire
    "CD": "#00897b",  # centre de détention
    "MC": "#4a148c",  # maison centrale
    "CSL": "#8d6e63",  # centre de semi-liberté
    "CPA": "#8d6e63",  # centre pour peines aménagées
    "SAS": "#8d6e63",  # structure d'accompagnement vers la sortie
    "EPM": "#2e7d32",  # établissement pour mineurs
    "EPSNF": "#0277bd",  # établissement public de santé national de Fresnes
    "ENAP": "#f9a825",  # École nationale d'administration pénitentiaire
}
PRISON_DEFAULT_COLOR = "#616161"
PRISON_HIT_COLOR = "#b00020"


def type_style(key: str | None) -> TypeStyle:
    return TYPE_STYLES.get(key or "other", TYPE_STYLES["other"])


def prison_color(kind: str | None) -> str:
    return PRISON_COLORS.get((kind or "").upper(), PRISON_DEFAULT_COLOR)


# --- Escaping -----------------------------------------------------------------


def esc(value: Any) -> str:
    """HTML-escaped text of any value; empty for None/NaN (everything shown is untrusted)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(plain(str(value)), quote=True)


def safe_url(url: Any) -> str | None:
    """`url` when it is an absolute http(s) URL, else None (javascript:, data:, ...).

    A URL with user information (`https://user:pass@host/`) is refused too: its link
    reads as one host and leads to another (`https://lemonde.fr@evil.example/`), and
    it would publish a password.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if any(ch in url for ch in "\x00\r\n\t "):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    if "@" in parts.netloc:
        return None
    return url


def link_html(label: Any, url: Any) -> str:
    """An escaped link for an http(s) URL; for any other URL, escaped text only."""
    text = esc(label) or esc(url)
    good = safe_url(url)
    if good:
        return (
            f'<a href="{esc(good)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{text or esc(good)}</a>"
        )
    if url and isinstance(url, str) and url.strip() and esc(url) != text:
        return f'{text} <span class="inc-badurl">({esc(url)})</span>'
    return text


def script_json(obj: Any) -> str:
    """JSON that is safe inside an HTML `<script>` element and inside JS source."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


# --- Incident rows ------------------------------------------------------------

LIST_SEP = export.LIST_SEP  # how the frame joins sources, titles, URLs, evidence
TYPE_SEP = export.TYPE_SEP


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _int(value: Any) -> int | None:
    value = _clean(value)
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    value = _clean(value)
    try:
        f = None if value is None else float(value)
    except (TypeError, ValueError):
        return None
    return None if f is None or math.isnan(f) else f


def _split(value: Any, sep: str = LIST_SEP) -> list[str]:
    value = _clean(value)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(sep)]


def as_frame(data: pd.DataFrame | Iterable[Incident]) -> pd.DataFrame:
    """The export-column frame (`Store.query_frame`'s shape) of incidents or a frame."""
    if isinstance(data, pd.DataFrame):
        return data
    from geo.export import incidents_frame

    return incidents_frame(list(data))


def is_pinnable(lat: Any, lon: Any, precision: Any) -> bool:
    return _float(lat) is not None and _float(lon) is not None and precision in PINNABLE_PRECISIONS


def pinnable_mask(frame: pd.DataFrame) -> pd.Series:
    """True for rows drawn as a point: coordinates and a facility/commune/approximate precision."""
    if frame.empty:
        return pd.Series([], dtype=bool, index=frame.index)
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    return lat.notna() & lon.notna() & frame["geo_precision"].isin(PINNABLE_PRECISIONS)


def unpinned(data: pd.DataFrame | Iterable[Incident]) -> pd.DataFrame:
    """Incidents known only to a department, region or country: listed, never pinned."""
    frame = as_frame(data)
    return frame[~pinnable_mask(frame)]


def date_label(event_date: Any, precision: Any, first_reported: Any = None,
               lang: str = "en") -> str:
    """The date as a reader should take it: its precision said, never implied."""
    t = Texts(lang)
    day = _clean(event_date)
    precision = _clean(precision) or "unknown"
    if day is None:
        reported = _clean(first_reported)
        return (t("date.unknown_reported", day=str(reported)[:10]) if reported
                else t("date.unknown"))
    day = str(day)[:10]
    if precision == "day":
        return t("date.day", day=day)
    if precision == "week":
        return t("date.week", day=day)
    if precision == "month":
        return t("date.month", month=day[:7])
    if precision == "year":
        return t("date.year", year=day[:4])
    return t("date.unknown_precision", day=day)


def place_label(row: Mapping[str, Any], lang: str = "en") -> str:
    """Place name with the precision it is known to, e.g. "Toulon (approximate, ±15 km)"."""
    name = (
        _clean(row.get("place")) or _clean(row.get("commune"))
        or _clean(row.get("department")) or _clean(row.get("region")) or "France"
    )
    precision = _clean(row.get("geo_precision")) or "unknown"
    extra = []
    commune = _clean(row.get("commune"))
    if commune and commune != name:
        extra.append(str(commune))
    dept = _clean(row.get("department"))
    if dept and dept != name:
        extra.append(str(dept))
    where = f"{name}, {', '.join(extra)}" if extra else str(name)
    radius = _float(row.get("radius_km"))
    t = Texts(lang)
    if precision == "approximate" and radius:
        return f"{where} ({t('approx_radius', km=f'{radius:g}')})"
    return f"{where} ({t.texts.get('prec.' + str(precision), str(precision))})"


def _types_label(row: Mapping[str, Any], lang: str = "en") -> str:
    types = _split(row.get("types"), TYPE_SEP) or [str(_clean(row.get("primary_type")) or "other")]
    texts = Texts(lang)
    return ", ".join(texts.type_label(t) if t in TYPE_STYLES else t for t in types)


def _sources_html(row: Mapping[str, Any], lang: str = "en") -> str:
    """Escaped list of sources, each a link when it has an http(s) URL."""
    n = _int(row.get("n_sources")) or 0
    names = _split(row.get("sources"))
    titles = _split(row.get("source_titles"))
    urls = _split(row.get("source_urls"))
    items: list[str] = []
    if n and len(names) == n and len(titles) in (0, n) and len(urls) in (0, n):
        for i, name in enumerate(names):
            title = titles[i] if titles else ""
            url = urls[i] if urls else ""
            label = f"{title} — {name}" if title else name
            items.append(link_html(label, url or None))
    else:  # a title holding the separator: fall back to names and bare URLs
        items = [esc(name) for name in names]
        items += [link_html(urlsplit(u).netloc if safe_url(u) else u, u) for u in urls if u]
    if not items:
        return ""
    head = esc(Texts(lang)("map.sources"))
    return f"<div><b>{head}:</b><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>"


def _evidence_html(row: Mapping[str, Any], lang: str = "en") -> str:
    quotes = _split(row.get("evidence"))
    if not quotes:
        return ""
    shown = []
    for q in quotes[:MAX_QUOTES]:
        q = q if len(q) <= MAX_QUOTE_CHARS else q[: MAX_QUOTE_CHARS - 1] + "…"
        shown.append(f"<blockquote>{esc(q)}</blockquote>")
    more = len(quotes) - len(shown)
    t = Texts(lang)
    tail = (f'<div class="inc-note">{esc(t("map.more_quotes", n=more))}</div>'
            if more > 0 else "")
    return f"<div><b>{esc(t('map.evidence'))}:</b>" + "".join(shown) + tail + "</div>"


# --- Payloads -----------------------------------------------------------------


class _Strings:
    """A de-duplicated string table: repeated places and dates cost one index each."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self.items)
            self.items.append(text)
        return i


def _prison_fields(prison: Any) -> dict[str, Any]:
    get = prison.get if isinstance(prison, Mapping) else (lambda k: getattr(prison, k, None))
    return {k: get(k) for k in ("id", "name", "short_name", "type", "type_label", "commune",
                                "department", "lat", "lon")}


def _codes(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Group number per row of the distinct combinations of columns `names` (missing
    values form a group of their own); column by column, without Python loops."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for name in names:
        col, _ = pd.factorize(frame[name], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * (int(col.max(initial=0)) + 1) + col)
    return codes


def _labelled(
    strings: _Strings, frame: pd.DataFrame, names: Sequence[str], label: Any,
) -> np.ndarray:
    """String-table index of `label(values)` per row, with `label` called once per
    distinct combination of the columns `names` (dates, places and types repeat a
    lot: 100,000 rows have a few thousand)."""
    codes = _codes(frame, names)
    _, first = np.unique(codes, return_index=True)
    values = [frame[name].iloc[first].to_numpy(dtype=object, na_value=None) for name in names]
    table = np.array([label(*row) for row in zip(*values, strict=True)] or [0],
                     dtype=np.int64)
    return table[codes]


_ESCAPED = r"[&<>\"']"


def _text(series: pd.Series) -> pd.Series:
    """A column as Arrow text, missing and blank values as NA (as `_clean` sees them)."""
    text = series.astype("str")
    return text.where(text.str.strip() != "")


def _around(template: str, value: pd.Series, field: str) -> pd.Series:
    """`template.format(field=value)` for a text column, vectorised (a prefix and a
    suffix around the value)."""
    before, _, after = template.partition("{" + field + "}")
    return before + value + after


def _date_labels(strings: _Strings, frame: pd.DataFrame, lang: str = "en") -> np.ndarray:
    """String-table index of `date_label` per row, vectorised (dates hardly repeat)."""
    t = Texts(lang).texts
    day = _text(frame["event_date"]).str.slice(0, 10)
    precision = _text(frame["date_precision"])
    reported = _text(frame["first_reported"]).str.slice(0, 10)
    label = _around(t["date.unknown_precision"], day, "day")
    label = label.mask(precision == "day", _around(t["date.day"], day, "day"))
    label = label.mask(precision == "week", _around(t["date.week"], day, "day"))
    label = label.mask(precision == "month",
                       _around(t["date.month"], day.str.slice(0, 7), "month"))
    label = label.mask(precision == "year",
                       _around(t["date.year"], day.str.slice(0, 4), "year"))
    unknown = _around(t["date.unknown_reported"], reported, "day").fillna(t["date.unknown"])
    label = label.mask(day.isna(), unknown)
    codes, uniques = pd.factorize(_escaped(label))
    table = np.array([strings(u) for u in uniques.tolist()] or [0], dtype=np.int64)
    return table[codes]


def _escaped(series: pd.Series) -> pd.Series:
    """`esc` of a text column, vectorised (no function call per value)."""
    text = plain_series(series.astype("str").fillna(""))
    if not text.str.contains(_ESCAPED, regex=True).any():
        return text
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                         ("'", "&#x27;")):
        text = text.str.replace(char, entity, regex=False)
    return text


def _counts(series: pd.Series) -> np.ndarray:
    """Casualty counts as integers, -1 for unknown."""
    values = pd.to_numeric(series, errors="coerce")
    return values.fillna(-1).to_numpy(dtype="float64").astype(np.int64)


def incidents_payload(
    frame: pd.DataFrame,
    prison_names: Mapping[str, str] | None = None,
    detail_limit: int = DETAIL_LIMIT,
    lang: str = "en",
) -> dict[str, Any]:
    """The compact, pre-escaped JSON table the browser turns into markers.

    rows: [lat, lon, type, approx, radius_m, date, types, place, prison, killed,
    injured, id, source, prison_id]; the last nine are indices into `strings`
    (-1 = none) or counts (-1 = unknown); rows come in the frame's order (newest
    first). `details` holds each row's sources-and-evidence HTML, or is None above
    `detail_limit` rows. `labels` are the page script's words in `lang`.

    Column-wise: labels are made once per distinct value and everything else is
    vectorised, so 100,000 rows take a fraction of a second.
    """
    prison_names = prison_names or {}
    pinned = frame[pinnable_mask(frame)] if not frame.empty else frame
    pinned = pinned.reindex(columns=list(dict.fromkeys([*pinned.columns, *_PAYLOAD_COLUMNS])))
    strings = _Strings()
    type_index = {t: i for i, t in enumerate(TYPE_ORDER)}
    with_details = len(pinned) <= detail_limit
    rows: list[list[Any]] = []
    details: list[str] | None = None
    if len(pinned):
        # numpy's rounding gives Python's round(x, 5) for coordinates (checked on
        # 100,000 synthetic points), a hundred times faster.
        lat = np.round(pd.to_numeric(pinned["lat"], errors="coerce").to_numpy(float), 5).tolist()
        lon = np.round(pd.to_numeric(pinned["lon"], errors="coerce").to_numpy(float), 5).tolist()
        kinds = (pinned["primary_type"].astype("str").map(type_index)
                 .fillna(type_index["other"]).astype(np.int64).to_numpy())
        approx = (pinned["geo_precision"] == "approximate").fillna(False).to_numpy(dtype=bool)
        km = pd.to_numeric(pinned["radius_km"], errors="coerce").fillna(0.0).to_numpy()
        radius = np.where(approx & (km != 0), np.rint(km * 1000), 0).astype(np.int64)
        dates = _date_labels(strings, pinned, lang)
        types = _labelled(
            strings, pinned, ("types", "primary_type"),
            lambda t, p: strings(esc(_types_label({"types": t, "primary_type": p}, lang))),
        )
        places = _labelled(
            strings, pinned, _PLACE_COLUMNS,
            lambda *v: strings(esc(place_label(dict(zip(_PLACE_COLUMNS, v, strict=True)),
                                               lang))),
        )
        # The first source of each row, for the list beside the map: vectorised, since
        # source lists hardly repeat (one per incident at 100,000 rows).
        first = _text(pinned["sources"]).str.split(LIST_SEP, n=1, regex=False).str[0]
        first = _escaped(first.str.strip()).where(first.notna())
        codes, uniques = pd.factorize(first)
        table = np.array([strings(u) for u in uniques.tolist()] + [-1], dtype=np.int64)
        first_source = table[codes]  # code -1 (no source) picks the trailing -1

        def prison_label(pid: Any) -> int:
            pid = _clean(pid)
            return strings(esc(prison_names.get(pid, pid))) if pid else -1

        prisons = _labelled(strings, pinned, ("prison_id",), prison_label)
        prison_ids = _labelled(
            strings, pinned, ("prison_id",),
            lambda pid: strings(esc(_clean(pid))) if _clean(pid) else -1,
        )
        start = len(strings.items)
        strings.items.extend(_escaped(pinned["incident_id"]).tolist())  # one id per row
        ids = np.arange(start, len(strings.items), dtype=np.int64)
        rows = list(map(list, zip(
            lat, lon, kinds.tolist(),
            approx.astype(np.int64).tolist(), radius.tolist(), dates.tolist(),
            types.tolist(), places.tolist(), prisons.tolist(),
            _counts(pinned["killed"]).tolist(), _counts(pinned["injured"]).tolist(),
            ids.tolist(), first_source.tolist(), prison_ids.tolist(),
            (pinned["status"] == "verified").fillna(False).astype(np.int64).tolist(),
            strict=True,
        )))
    if with_details:
        fields = ("n_sources", "sources", "source_titles", "source_urls", "evidence")
        columns = [pinned[c].to_numpy(dtype=object, na_value=None) for c in fields]
        details = [
            _sources_html(dict(zip(fields, values, strict=True)), lang) +
            _evidence_html({"evidence": values[-1]}, lang)
            for values in zip(*columns, strict=True)
        ]
    texts = Texts(lang)
    return {
        "columns": list(ROW_COLUMNS),
        "types": [[t, esc(texts.type_label(t)), TYPE_STYLES[t].color] for t in TYPE_ORDER],
        "strings": strings.items,
        "rows": rows,
        "details": details,
        "note": esc(texts("map.details_note", limit=texts.number(detail_limit))),
        "labels": {key.removeprefix("map."): esc(texts(key)) for key in MAP_LABELS},
    }


#: The fields of a payload row, in order: the script reads them by name (`r[C.date]`).
ROW_COLUMNS = ("lat", "lon", "type", "approx", "radius", "date", "types", "place", "prison",
               "killed", "injured", "id", "source", "prison_id", "verified")


#: The words the map's script shows, from the catalogue (`labels` in the payload).
MAP_LABELS = ("map.date", "map.place", "map.prison", "map.killed", "map.injured",
              "map.unknown", "map.here", "map.more_here", "map.load_error",
              "map.show_prison", "map.link", "map.verified")


_PLACE_COLUMNS = ("place", "commune", "department", "region", "geo_precision", "radius_km")
_PAYLOAD_COLUMNS = (
    "incident_id", "event_date", "date_precision", "first_reported", "primary_type", "types",
    *_PLACE_COLUMNS, "lat", "lon", "prison_id", "killed", "injured", "n_sources", "sources",
    "source_titles", "source_urls", "evidence", "status",
)


def prisons_payload(prisons: Iterable[Any], lang: str = "en") -> list[list[Any]]:
    """[lat, lon, colour, name, type label, commune, id] per located prison, escaped:
    the same for every selection (the map's script holds it once)."""
    out = []
    for p in _located(map(_prison_fields, prisons)):
        lat, lon = _float(p["lat"]), _float(p["lon"])
        commune = ", ".join(str(x) for x in (p["commune"], p["department"]) if _clean(x))
        out.append([
            round(lat, 5), round(lon, 5), prison_color(p["type"]),
            esc(p["name"] or p["short_name"] or p["id"]),
            esc(p["type_label"] or p["type"] or Texts(lang)("prison_default")),
            esc(commune),
            esc(p["id"]),
        ])
    return out


def _hits(located_ids: Sequence[str], counts: Mapping[str, int]) -> dict[str, int]:
    """{row of `prisons_payload`: incidents of the selection} for the prisons hit."""
    return {str(i): int(counts[pid]) for i, pid in enumerate(located_ids) if counts.get(pid)}


def _located(fields: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields of the prisons with a position: the rows of `prisons_payload`."""
    return [p for p in fields if _float(p["lat"]) is not None and _float(p["lon"]) is not None]


@dataclass(frozen=True)
class _PrisonParts:
    """What the map takes from the prisons, the same for every selection."""

    located_ids: tuple[str, ...]  # the rows of `prisons_payload`, in order
    names: Mapping[str, str]  # every prison's name by id, for the incidents' popups
    payload_json: str  # `prisons_payload`
    legend: str  # the legend's prison rows


def _prison_parts(prisons: Iterable[Any], lang: str = "en") -> _PrisonParts:
    """`_prison_parts_of` for any prisons (records or mappings); each filter change
    recomputed these for the 186 prisons (~15 ms of a rerun)."""
    return _prison_parts_of(tuple(tuple(_prison_fields(p).items()) for p in prisons), lang)


@functools.lru_cache(maxsize=8)
def _prison_parts_of(fields: tuple[tuple[tuple[str, Any], ...], ...],
                     lang: str) -> _PrisonParts:
    rows = [dict(f) for f in fields]
    located = _located(rows)
    t_ = Texts(lang)
    kinds: dict[str, str] = {}
    for p in located:
        kinds.setdefault(prison_color(p["type"]),
                         str(p["type_label"] or p["type"] or t_("prison_default")))
    legend = []
    if kinds:
        legend.append(f'<div class="lg-title">{esc(t_("legend_prisons"))}</div>')
        for color, label in sorted(kinds.items(), key=lambda kv: kv[1]):
            legend.append(
                f'<div class="lg-row"><span class="prison-pin" style="--c:{color}"></span> '
                f"{esc(label)}</div>"
            )
        legend.append(
            f'<div class="lg-row prison-hit"><span class="prison-pin" style="--c:'
            f'{PRISON_DEFAULT_COLOR}"></span> {esc(t_("legend_prison_hit"))}</div>'
        )
    return _PrisonParts(
        located_ids=tuple(str(p["id"]) for p in located),
        names={str(p["id"]): str(p["name"] or p["short_name"] or p["id"]) for p in rows},
        payload_json=script_json(prisons_payload(rows, lang)),
        legend="".join(legend),
    )


def _type_legend(frame: pd.DataFrame, pinned: pd.Series | None, lang: str) -> str:
    """The legend's rows for a selection, above the prisons' (`MapData.legend`):
    incident types shown (with counts by main type, as the icons are coloured) and
    location precision; with nothing shown it says so, instead of listing every type.
    `pinned`: pinnable_mask."""
    t_ = Texts(lang)
    # Only the type column of the pinned rows (not a copy of the whole frame).
    kinds_shown = (frame.loc[pinned, "primary_type"] if pinned is not None
                   else pd.Series([], dtype=object))
    counts = Counter(kinds_shown.astype(str).value_counts().to_dict())
    parts = [f'<div class="lg-title">{esc(t_("legend_types"))}</div>']
    shown = [t for t in TYPE_ORDER if counts.get(t)]
    if not shown:
        parts.append(f'<div class="lg-row lg-none">{esc(t_("legend_none"))}</div>')
    for t in shown:
        style = TYPE_STYLES[t]
        parts.append(
            f'<div class="lg-row"><span class="inc-pin" style="--c:{style.color}">{style.glyph}'
            f"</span> {esc(t_.type_label(t))}"
            + (f' <span class="lg-n">{counts[t]}</span>' if counts.get(t) else "")
            + "</div>"
        )
    parts.append(
        '<div class="lg-row inc-approx"><span class="inc-pin" style="--c:#455a64">'
        f'{TYPE_STYLES["other"].glyph}</span> {esc(t_("legend_approx"))}</div>'
        '<div class="lg-row"><span class="inc-pin" style="--c:#c62828;background:#263238;'
        'border-width:3px;font-size:9px;font-weight:700">3</span> '
        f'{esc(t_("legend_group"))}</div>'
    )
    return "".join(parts)


@dataclass(frozen=True)
class MapData:
    """Everything costly about a map, as strings: cache it per filter state."""

    incidents_json: str
    #: The located prisons (`prisons_payload`): the same for every selection.
    prisons_json: str
    legend: str
    n_pinned: int
    n_prisons: int
    #: File name under which `geo.assets.publish` serves `incidents_json`.
    incidents_name: str = ""
    lang: str = "en"
    #: Incidents per department name, and pinned ones per overseas territory (mapareas).
    department_counts: Mapping[str, int] = field(default_factory=dict)
    territory_counts: Mapping[str, int] = field(default_factory=dict)
    #: Incidents per row of `prisons_json`, for the prisons the selection hits.
    prison_hits: Mapping[str, int] = field(default_factory=dict)


#: The columns `map_data(..., payload=False)` reads (counts, legend, territories): a
#: filter change takes only these out of the store's frame (`geo.store.Rows`).
SELECTION_COLUMNS = ("lat", "lon", "geo_precision", "primary_type", "department", "prison_id")


def map_data(
    data: pd.DataFrame | Iterable[Incident],
    prisons: Sequence[Any] = (),
    detail_limit: int = DETAIL_LIMIT,
    lang: str = "en",
    payload: bool = True,
) -> MapData:
    """Compute the map's payloads from incidents (a `query_frame` frame or Incidents).
    With `payload=False`, everything but the incidents' own table (left empty): the
    counts and legend of a selection drawn from a larger payload's rows (`row_mask`)."""
    frame = as_frame(data)
    own = _prison_parts(prisons, lang)
    table = incidents_payload(frame, own.names, detail_limit, lang) if payload else None
    counts: Counter[str] = Counter()
    if not frame.empty:
        ids = frame["prison_id"].dropna().astype(str)
        counts.update(ids[ids.str.strip() != ""].value_counts().to_dict())
    incidents_json = script_json(table) if table is not None else ""
    pinned = pinnable_mask(frame) if not frame.empty else None
    return MapData(
        incidents_json=incidents_json,
        prisons_json=own.payload_json,
        prison_hits=_hits(own.located_ids, counts),
        legend=_type_legend(frame, pinned, lang) + own.legend,
        n_pinned=len(table["rows"]) if table is not None else int(
            pinned.sum() if pinned is not None else 0),
        n_prisons=len(own.located_ids),
        incidents_name=assets.content_name(incidents_json) if incidents_json else "",
        lang=lang,
        department_counts=mapareas.department_counts(frame),
        territory_counts=mapareas.territory_counts(frame, pinned),
    )


def payload_rows(positions: np.ndarray, pinned: np.ndarray, size: int) -> np.ndarray:
    """For each of `size` rows of a frame, its row in the payload drawn from the rows at
    `positions` (`pinned`: their `pinnable_mask`; `incidents_payload` keeps those, in
    order), or -1 when it has none."""
    out = np.full(size, -1, np.int64)
    drawn = np.asarray(positions)[np.asarray(pinned, dtype=bool)]
    out[drawn] = np.arange(len(drawn))
    return out


def row_mask(rows_of: np.ndarray, positions: np.ndarray) -> str:
    """The rows at `positions` of a frame as a bitmask over the rows of a larger
    payload (`rows_of`: `payload_rows` of it): base64 of one bit per payload row, the
    first row in the high bit of the first byte. 100,000 rows: 17 kB, against
    re-sending the rows. Positions, not incident ids: no text is compared."""
    bits = np.zeros(int(rows_of.max()) + 1 if len(rows_of) else 0, dtype=bool)
    at = rows_of[np.asarray(positions, dtype=np.int64)]
    bits[at[at >= 0]] = True
    return base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")


def drawable_from(full: MapData, part: MapData, detail_limit: int = DETAIL_LIMIT) -> bool:
    """Whether a selection (`part`) can be drawn from the rows of the whole store's
    payload (`full`) without losing anything its own would show: the full payload has
    each row's details (sources, evidence), or the selection is too large for them."""
    return full.n_pinned <= detail_limit or part.n_pinned > detail_limit


# --- folium elements ------------------------------------------------------------



class _Text(Element):
    """Text that goes into the page as it is (see `Verbatim`)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class Verbatim(MacroElement):
    """Mixed in last by the map's elements: their macros' output goes into the page as
    it is. branca's `MacroElement.render` wraps each output in `Element(text)`, which
    compiles the text as a Jinja template: ~20 ms of every rerun on the prisons' payload
    and a selection's row mask, and braces in the data read as Jinja (a `{#` in an
    article's quote made a standalone map fail to render)."""

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            if (macro := macros.get(part)) is not None:
                getattr(figure, part).add_child(_Text(macro(self, kwargs)),
                                                name=self.get_name())
        for element in self._children.values():
            if isinstance(element, ElementAddToElement):  # folium's "layer.addTo(map)"
                Verbatim.render(element, **kwargs)
            else:
                element.render(**kwargs)


# folium's own elements, the same way: each compiled its output again on every
# rerun (the map, its tile layers, layer control and opening fit: ~9 ms of 12 in
# streamlit-folium's call, which renders the map twice).
class GeoMap(folium.Map, Verbatim):
    """`folium.Map` whose output goes into the page as it is (`Verbatim`)."""


class _TileLayer(folium.TileLayer, Verbatim):
    pass


class _LayerControl(folium.LayerControl, Verbatim):
    pass


class _FitBounds(folium.FitBounds, Verbatim):
    pass


class PlainBasemap(JSCSSMixin, Layer, Verbatim):
    """The base map drawn by the app: France's land (`country.geojson`) over a plain
    sea. The only base map offline, and what takes over when tiles fail to load."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        GeoAreas.land({{ this._parent.get_name() }}, {{ this.get_name() }},
                      {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, asset_base: str, name: str, show: bool) -> None:
        super().__init__(name=name, overlay=False, control=True, show=show)
        self._name = "PlainBasemap"
        self.options = {"url": assets.url(assets.OWN_BUNDLE, assets.COUNTRY_GEOJSON.name,
                                          asset_base)}
        self.default_js = [assets.resource(assets.AREAS_JS, asset_base)]
        self.default_css = [assets.resource(assets.AREAS_CSS, asset_base)]


class DepartmentLayer(JSCSSMixin, Layer, Verbatim):
    """Department boundaries as a choropleth of the incidents shown: name and count on
    hover; a click sets the Department filter in the page's URL. The counts come
    with each `Selection`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        GeoAreas.departments({{ this._parent.get_name() }}, {{ this.get_name() }},
                             {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, asset_base: str, name: str, lang: str = "en") -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "DepartmentLayer"
        t = Texts(lang)
        self.options = {
            "url": assets.url(assets.OWN_BUNDLE, assets.DEPARTMENTS_GEOJSON.name, asset_base),
            "param": DEPARTMENT_PARAM,
            "labels": {"one": esc(t("area.count_1")), "many": esc(t("area.count", n="{n}")),
                       "hint": esc(t("area.hint"))},
        }
        self.default_js = [assets.resource(assets.AREAS_JS, asset_base)]
        self.default_css = [assets.resource(assets.AREAS_CSS, asset_base)]


class OverseasControl(Verbatim):
    """Buttons that jump to the mainland and to each overseas territory, with the
    counts of each `Selection`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoAreas.overseas({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self._name = "OverseasControl"
        t = Texts(lang)
        self.options = {"title": esc(t("overseas_title")),
                        "places": territory_options(t("overseas_mainland"))}


def territory_options(mainland: str) -> list[dict[str, Any]]:
    """[{key, name, bounds: [s, w, n, e]}] for the mainland and each territory."""
    (s, w), (n, e) = mapareas.MAINLAND_BOUNDS
    places = [("fr", mainland, (s, w, n, e)),
              *((t.key, t.name, t.bounds) for t in mapareas.OVERSEAS)]
    return [{"key": k, "name": name, "bounds": list(b)} for k, name, b in places]


class TileFallback(Verbatim):
    """Switches to the plain base map when the tiles keep failing to load."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoAreas.fallback({{ this._parent.get_name() }}, {{ this.tiles }}, {{ this.plain }},
                          {{ this.note|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, tiles: folium.TileLayer, plain: PlainBasemap, note: str) -> None:
        super().__init__()
        self._name = "TileFallback"
        self.tiles = tiles.get_name()
        self.plain = plain.get_name()
        self.note = note


class IncidentLayer(JSCSSMixin, Layer, Verbatim):
    """Clustered incident markers and uncertainty circles, made in the browser from
    each `Selection`'s payload (geo/mapassets/incidents.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = GeoIncidents.layer({{ this._parent.get_name() }},
            {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, asset_base: str, name: str = "Incidents", lang: str = "en") -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "IncidentLayer"
        self.options = {
            "gzipSuffix": assets.GZIP_SUFFIX,
            "loadError": Texts(lang)("map.load_error"),
            "glyphs": [TYPE_STYLES[t].glyph for t in TYPE_ORDER],
            "circleLimit": CIRCLE_LIMIT, "fastLimit": FAST_CLUSTER_LIMIT,
            "gridCell": GRID_CELL_PX, "disableAt": CLUSTER_OFF_ZOOM,
            "circleViewLimit": CIRCLE_VIEW_LIMIT, "listLimit": LIST_LIMIT,
            "clusterOptions": {
                "chunkedLoading": True, "maxClusterRadius": 40, "showCoverageOnHover": False,
                "spiderfyOnMaxZoom": True, "disableClusteringAtZoom": CLUSTER_OFF_ZOOM,
            },
        }
        # markercluster is loaded by the script when a selection is small enough for it
        # (the grid draws larger ones): a first render of a large store skips it.
        self.options["clusterJs"] = assets.resource(assets.CLUSTER_JS, asset_base)[1]
        self.options["clusterCss"] = [assets.resource(assets.CLUSTER_CSS, asset_base)[1],
                                      assets.resource(assets.CLUSTER_DEFAULT_CSS, asset_base)[1]]
        self.default_js = [assets.resource(assets.INCIDENTS_JS, asset_base)]


class PrisonLayer(JSCSSMixin, Layer, Verbatim):
    """Prisons as small diamonds coloured by type; those with incidents in the
    selection ringed in red (geo/mapassets/prisons.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = GeoPrisons.layer({{ this._parent.get_name() }},
            {{ this.payload }}, {{ this.labels }});
        {% endmacro %}
        """
    )

    def __init__(self, payload_json: str, asset_base: str, name: str = "Prisons",
                 show: bool = True, lang: str = "en") -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PrisonLayer"
        self.payload = payload_json
        t = Texts(lang)
        self.labels = script_json({"one": esc(t("map.prison_incidents_1")),
                                   "many": esc(t("map.prison_incidents")),
                                   "show": esc(t("map.show_prison"))})
        self.default_js = [assets.resource(assets.PRISONS_JS, asset_base)]


class Legend(Verbatim):
    """The folding legend panel (open or folded across selections); each `Selection`
    fills its rows (`MapData.legend`)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoMapUi.legend({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self._name = "Legend"
        self.options = {"title": esc(Texts(lang)("legend"))}


class MapUi(JSCSSMixin, Verbatim):
    """The map's own script and style sheets (`geo/mapassets/`, served by the app):
    focus without scrolling, popups that fit a phone, a folding legend, the fit to
    each selection. Added after the layers, so the legend and layers exist when it
    starts."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoMapUi.init({{ this._parent.get_name() }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, asset_base: str, options: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self._name = "MapUi"
        self.options = dict(options or {})
        self.default_js = [assets.resource(assets.MAP_UI_JS, asset_base)]
        self.default_css = [assets.resource(assets.MAP_CSS, asset_base),
                            assets.resource(assets.MAP_UI_CSS, asset_base)]


class Selection(folium.FeatureGroup, Verbatim):
    """What changes with the filters: the incidents (their file, or inline), counts
    per department, territory and prison, the legend's rows, whether to fit and which
    incident to open. Its script hands them to the map's layers, which update in
    place (`GeoMapUi.select`). The dashboard passes it to streamlit-folium as
    `feature_group_to_add`: the map's own script then stays the same across filter
    changes, so its frame is not reloaded, and only this small script is sent."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        GeoMapUi.select({{ this._parent.get_name() }}, {{ this.options|tojson }}
            {%- if this.payload %}, {{ this.payload }}{% endif %});
        {% endmacro %}
        """
    )

    def __init__(self, md: MapData, *, data_url: str | None = None, fit: bool = False,
                 focus: str | None = None, rows: str | None = None) -> None:
        """`rows` (`row_mask`) draws the selection from the rows of the payload at
        `data_url` (the whole store's, which the page keeps once fetched); without it
        the payload at `data_url` (or `md`'s, inline) is the selection."""
        # Named as a FeatureGroup: streamlit-folium adds `feature_group_<id>` to the map.
        super().__init__(name="selection", control=False, show=False)
        self.payload = None if data_url else md.incidents_json
        self.options = {
            "payloadUrl": data_url, "rows": rows, "fit": fit, "focus": focus,
            "legend": md.legend,
            "departments": dict(md.department_counts),
            "territories": dict(md.territory_counts),
            "prisonHits": dict(md.prison_hits),
        }


def _tile_layer(tiles: str) -> folium.TileLayer | None:
    if not tiles or tiles.strip().lower() in {"none", "off", ""}:
        return None
    if tiles == "OpenStreetMap":
        return _TileLayer("OpenStreetMap", attr=OSM_ATTRIBUTION, name="OpenStreetMap")
    host = urlsplit(tiles).netloc or "custom tiles"
    return _TileLayer(tiles, attr=f"Tiles: {esc(host)}", name=esc(host))


def _offline_tile_layer(asset_base: str, name: str) -> folium.TileLayer:
    """OpenStreetMap tiles of zoom 0-6 served by the app itself (`geo.basemap`, exported
    by `geo.assets.install`): a base-map choice, upscaled beyond zoom 6."""
    # As a TileProvider: given a string, folium first looks it up among xyzservices'
    # hundreds of providers by name (~10 ms of every rerun).
    tiles = xyzservices.TileProvider(name=name, attribution=OSM_OFFLINE_ATTRIBUTION,
                                     url=assets.url(basemap.BUNDLE, basemap.TILE_PATH, asset_base))
    return _TileLayer(tiles, attr=OSM_OFFLINE_ATTRIBUTION, name=name, max_zoom=18,
                      max_native_zoom=basemap.MAX_ZOOM, show=False)


def base_map(
    md: MapData,
    *,
    tiles: str | None = None,
    asset_base: str | None = None,
    show_prisons: bool = True,
    view: tuple[float, float, float] | None = None,
    recent: int = RECENT_LIMIT,
    payload_url: str | None = None,
) -> folium.Map:
    """The map without a selection: base layers, departments, prisons, an empty
    incident layer, legend panel and controls. It depends on the language, the
    tiles and the prisons, not on the filters: a `Selection` fills it.

    `view` (lat, lon, zoom) opens the map there instead of on France; `recent` rows
    of the newest incidents are listed beside the map (0: no list). `payload_url`:
    the whole store's incidents (`geo.assets.publish`), which most selections are
    drawn from; the frame asks for them with its own files rather than once its
    scripts have run (~0.13 s later). It changes with the data only."""
    tiles = config.tiles() if tiles is None else tiles
    base = asset_base or assets.static_base_url()
    layer = _tile_layer(tiles)
    m = GeoMap(
        location=[view[0], view[1]] if view else list(FRANCE_CENTER),
        zoom_start=view[2] if view else 6, tiles=None, zoom_snap=0.25,
        control_scale=True, prefer_canvas=False,
    )
    # markercluster needs a maxZoom on the map itself (there may be no tile layer).
    m.options["max_zoom"] = 18
    m.options["min_zoom"] = 3
    # Instance attributes: only Leaflet itself, from the app (no jQuery, Bootstrap,
    # Font Awesome or awesome-markers from CDNs: nothing here uses them).
    m.default_js = [assets.resource(assets.LEAFLET_JS, base)]
    m.default_css = [assets.resource(assets.LEAFLET_CSS, base)]
    t = Texts(md.lang)
    if layer is not None:
        layer.add_to(m)
    plain = PlainBasemap(base, t("layer_plain"), show=layer is None).add_to(m)
    _offline_tile_layer(base, t("layer_osm_offline")).add_to(m)
    if layer is not None:
        TileFallback(layer, plain, t("tiles_failed")).add_to(m)
    DepartmentLayer(base, t("layer_departments"), md.lang).add_to(m)
    PrisonLayer(md.prisons_json, base, name=t("layer_prisons"), show=show_prisons,
                lang=md.lang).add_to(m)
    IncidentLayer(base, name=t("layer_incidents"), lang=md.lang).add_to(m)
    Legend(md.lang).add_to(m)
    OverseasControl(md.lang).add_to(m)
    _LayerControl(position="topright", collapsed=False).add_to(m)
    (s, w), (n, e) = FRANCE_BOUNDS
    MapUi(base, {"view": list(view) if view else None, "home": [[s, w], [n, e]],
                 "fitPadding": FIT_PADDING_PX,
                 "areas": [{"key": p["key"], "bounds": p["bounds"]}
                           for p in territory_options("")],
                 "recent": recent, "recentTitle": t("recent_title"),
                 "recentNone": t("recent_none")}).add_to(m)
    if not view:
        # Not animated: a selection's fit made during the animation's quarter second
        # was undone when it ended (Leaflet then sets the animation's own target), and
        # a link to La Réunion opened on France one time in two.
        opening = _FitBounds([list(FRANCE_BOUNDS[0]), list(FRANCE_BOUNDS[1])],
                             padding=(FIT_PADDING_PX, FIT_PADDING_PX))
        opening.options["animate"] = False
        opening.add_to(m)
    _preload_first(m, base, [payload_url + assets.GZIP_SUFFIX] if payload_url else [])
    return m


def _preload_first(m: folium.Map, base: str, fetches: Sequence[str] = ()) -> None:
    """Put geo/mapassets/preload.js first among the map's scripts, with the URL of
    every other script, style sheet and boundary file (and of `fetches`) after its
    "#": the browser then fetches them in parallel instead of one after another (see
    preload.js)."""
    scripts: dict[str, str] = {}
    sheets: dict[str, str] = {}
    for element in _elements(m):
        if isinstance(element, JSCSSMixin):
            scripts.update((url, "script") for _, url in element.default_js)
            sheets.update((url, "style") for _, url in element.default_css)
    boundaries = {assets.url(assets.OWN_BUNDLE, f.name, base): "fetch"
                  for f in assets.BOUNDARY_FILES} | dict.fromkeys(fetches, "fetch")
    files = [[url, kind] for url, kind in {**scripts, **sheets, **boundaries}.items()]
    name, url = assets.resource(assets.PRELOAD_JS, base)
    listed = quote(json.dumps(files, separators=(",", ":")), safe="")
    m.default_js = [(name, f"{url}#{listed}"), *m.default_js]


def _elements(element: Any) -> Iterable[Any]:
    """An element and all its descendants, as folium renders them."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def build_map(
    data: MapData | pd.DataFrame | Iterable[Incident],
    prisons: Sequence[Any] = (),
    *,
    tiles: str | None = None,
    asset_base: str | None = None,
    show_prisons: bool = True,
    data_url: str | None = None,
    view: tuple[float, float, float] | None = None,
    focus: str | None = None,
    recent: int = RECENT_LIMIT,
    fit: bool = False,
) -> folium.Map:
    """A folium map of incidents and prisons whose assets load only from the app:
    `base_map` with its `Selection` inside (a standalone page, a small map).

    `data` may be precomputed `MapData` (cheap: the dashboard caches it), a
    `query_frame` DataFrame or Incidents. `tiles` defaults to `config.tiles()`;
    `asset_base` to where Streamlit serves `static/` (see `geo.assets`). With
    `data_url` (`geo.assets.publish` of `md.incidents_json`) the page fetches the
    incidents from the app instead of carrying them inline. `focus` is an incident
    id whose popup opens once the incidents are loaded. With `fit` (a filtered
    selection) the map fits the selected incidents once they are loaded, unless
    the view it was opened with already shows them all.
    """
    md = data if isinstance(data, MapData) else map_data(data, prisons)
    m = base_map(md, tiles=tiles, asset_base=asset_base, show_prisons=show_prisons,
                 view=view, recent=recent)
    Selection(md, data_url=data_url, fit=fit, focus=focus).add_to(m)
    return m


def render_html(m: folium.Map) -> str:
    """The map as a standalone HTML page (asset URLs as built: absolute app paths)."""
    return m.get_root().render()
