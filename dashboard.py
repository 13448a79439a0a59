"""The dashboard: map of attacks and prisons, filters, table and filtered downloads.

Layout and widgets only. Data comes from `geo.store` (queries, facets, ingest),
the map from `geo.mapview`, the files from `geo.export`. The filter state lives in
the URL (`Filters.to_query_params`) so a view can be shared. Everything costly is
cached per (store version, filter state): the query, the map payload, the CSV.
Run with `streamlit run dashboard.py`.

Built to stay fast at 100,000 incidents (issue 7, `benchmarks/run.py`): the
caches are keyed by the store's data version (`Store.version`), so a new visitor
reuses them; the filtered frame and what is derived from it are kept per filter
state without copies (`get_view`); the map's incidents reach the browser as a
pre-compressed file the app serves (`geo.assets.publish`), not inside the page
script; the table, chart, off-map list and upload form are collapsed sections
made only once opened (`section`), so the first page shows the map without
loading their code; large downloads are generated when clicked, from the store's
ready-made CSV lines and GeoJSON features, instead of on every rerun.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import assets, config, export, mapview
from geo.errors import GeoError
from geo.model import INCIDENT_TYPES
from geo.prisons import load_prisons
from geo.store import Facets, Filters, Progress, Store

ALLOWED_UPLOADS = ("txt", "html", "htm", "md")
TABLE_COLUMNS = list(export.COLUMN_NAMES)
OFF_MAP_COLUMNS = ["event_date", "types", "place", "department", "region", "geo_precision",
                   "sources", "incident_id"]
#: Up to this many incidents, the downloads are made with the page (instant, and
#: what AppTest sees); above, when the button is clicked (a rerun then does not
#: pay for tens of megabytes of CSV and GeoJSON that may never be downloaded).
EAGER_DOWNLOAD_ROWS = 5000
#: Rows a table sends to the browser: every row is serialised, hashed, sent and
#: decoded on the page's main thread, which the map shares (100,000 incidents are
#: ~50 MB, and 10,000 still delay the first map by about half a second); the
#: downloads always hold every row.
TABLE_LIMIT = 1_000
#: Widget keys, in sidebar order (st.session_state).
K_DATES, K_TYPES, K_SOURCES, K_DEPTS, K_PRISONS, K_TEXT = (
    "f_dates", "f_types", "f_sources", "f_departments", "f_prisons", "f_text",
)
FILTER_KEYS = (K_DATES, K_TYPES, K_SOURCES, K_DEPTS, K_PRISONS, K_TEXT)
#: Keys of the collapsible sections (open or not, per visitor).
K_ADD, K_OFF_MAP, K_CHART, K_TABLE = "x_add", "x_off_map", "x_chart", "x_table"


# --- cached data (keyed by store file, its version stamp and the filter state) ---------


@st.cache_resource(show_spinner=False)
def get_store(db: str) -> Store:
    return Store(db)


def store_stamp(db: Path) -> str:
    """The store's data version (`Store.version`): the caches' key."""
    return get_store(str(db)).version()


@st.cache_data(show_spinner=False, max_entries=8)
def get_facets(db: str, stamp: str) -> Facets:
    return get_store(db).facets()


@st.cache_data(show_spinner=False)
def get_prisons() -> list[Any]:
    return load_prisons()


def state_filters(state: str) -> Filters:
    return Filters.from_query_params(json.loads(state))


@dataclass(frozen=True)
class View:
    """One filter state's incidents and what the page derives from them. Shared
    between reruns and sessions without copies: read-only."""

    frame: pd.DataFrame
    off_map: pd.DataFrame  # located only to a department, region or country


@st.cache_resource(show_spinner="Querying incidents…", max_entries=6)
def get_view(db: str, stamp: str, state: str) -> View:
    frame = get_store(db).query_frame(state_filters(state))
    off_map = frame.loc[~mapview.pinnable_mask(frame), OFF_MAP_COLUMNS]  # only what is shown
    return View(frame, off_map)


@st.cache_resource(show_spinner=False, max_entries=6)
def get_chart(db: str, stamp: str, state: str) -> pd.DataFrame:
    """Incidents per month and type (read-only, shared like `get_view`)."""
    return timeline(get_view(db, stamp, state).frame)


@st.cache_data(show_spinner="Drawing the map…", max_entries=16)
def get_map_data(db: str, stamp: str, state: str) -> mapview.MapData:
    return mapview.map_data(get_view(db, stamp, state).frame, get_prisons())


@st.cache_data(show_spinner=False, max_entries=16)
def get_export(db: str, stamp: str, state: str, fmt: str) -> bytes:
    """The filtered incidents as CSV or GeoJSON, from the store's ready-made lines."""
    return get_store(db).export(state_filters(state), fmt)[0].encode("utf-8")


def download_data(db: str, stamp: str, state: str, fmt: str,
                  rows: int) -> bytes | Callable[[], bytes]:
    """The file now for a small selection; for a large one, a function Streamlit
    calls when the button is clicked (on its own thread: no st.* caching there)."""
    if rows <= EAGER_DOWNLOAD_ROWS:
        return get_export(db, stamp, state, fmt)
    store, filters = get_store(db), state_filters(state)
    return lambda: store.export(filters, fmt)[0].encode("utf-8")


@st.cache_resource(show_spinner=False)
def install_assets() -> str:
    """Copy Leaflet and its plugin into ./static/vendor once per server process."""
    return str(assets.install())


# --- URL <-> widgets ------------------------------------------------------------


def url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def canonical(params: dict[str, Any]) -> str:
    """The filter state as a stable string: the cache key and what the URL holds."""
    norm = {k: sorted(v) if isinstance(v, list) else v for k, v in params.items()}
    return json.dumps(norm, sort_keys=True, ensure_ascii=False)


def init_widgets_from_url(facets: Facets) -> None:
    """On a session's first run, set the widgets from the URL (a shared view)."""
    if st.session_state.get("_from_url"):
        return
    lo, hi = facets.date_min, facets.date_max
    # Clamped to what the date picker accepts: a crafted URL must not crash the page.
    f = Filters.from_query_params(url_params(), max_date=max(hi or dt.date.today(),
                                                             dt.date.today()))
    if f.date_from or f.date_to:
        st.session_state[K_DATES] = tuple(sorted(
            (f.date_from or lo or f.date_to, f.date_to or hi or f.date_from)))
    st.session_state[K_TYPES] = [t for t in f.types if t in INCIDENT_TYPES]
    st.session_state[K_SOURCES] = list(f.sources)
    st.session_state[K_DEPTS] = list(f.departments)
    st.session_state[K_PRISONS] = list(f.prisons)
    st.session_state[K_TEXT] = f.text or ""
    st.session_state["_from_url"] = True


def reset_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)
    st.query_params.clear()


def options(facet_values: Any, key: str) -> list[str]:
    """Facet values plus any chosen value the store no longer has (kept, not dropped)."""
    chosen = st.session_state.get(key) or []
    return list(dict.fromkeys([*facet_values, *chosen]))


def sidebar_filters(facets: Facets) -> Filters:
    sb = st.sidebar
    sb.header("Filters")
    lo, hi = facets.date_min, facets.date_max
    date_from = date_to = None
    if lo and hi:
        # "All" is the store's whole range; when the store grows, a view that
        # showed everything keeps showing everything.
        if st.session_state.get(K_DATES) in (None, st.session_state.get("_dates_all")):
            st.session_state[K_DATES] = (lo, hi)
        st.session_state["_dates_all"] = (lo, hi)
        chosen = sb.date_input(
            "Date range", key=K_DATES, format="YYYY-MM-DD",
            min_value=dt.date(1970, 1, 1), max_value=max(hi, dt.date.today()),
            help="On the event date. While the whole range is selected, undated "
                 f"incidents ({facets.undated}) are shown too.",
        )
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2 and tuple(chosen) != (lo, hi):
            date_from, date_to = chosen
        elif isinstance(chosen, (tuple, list)) and len(chosen) == 1:
            date_from = chosen[0]
    type_labels = {t: mapview.type_style(t).label for t in INCIDENT_TYPES}
    types = sb.multiselect(
        "Incident type", list(INCIDENT_TYPES), key=K_TYPES,
        format_func=lambda t: f"{type_labels.get(t, t)} ({facets.types.get(t, 0)})",
    )
    sources = sb.multiselect("Source", options(facets.sources, K_SOURCES), key=K_SOURCES)
    departments = sb.multiselect(
        "Department", options(facets.departments, K_DEPTS), key=K_DEPTS,
    )
    names = facets.prisons | {p.id: p.name for p in get_prisons()}
    prisons = sb.multiselect(
        "Prison", options(facets.prisons, K_PRISONS), key=K_PRISONS,
        format_func=lambda pid: names.get(pid, pid),
    )
    text = sb.text_input("Search", key=K_TEXT, placeholder="words in place, sources, evidence…")
    sb.button("Reset filters", on_click=reset_filters, icon=":material/restart_alt:")
    return Filters(
        types=list(types), sources=list(sources), date_from=date_from, date_to=date_to,
        departments=list(departments), prisons=list(prisons), text=text.strip() or None,
    )


def sync_url(filters: Filters) -> str:
    """Write the filter state into the URL (only when it changed); return its key."""
    params = filters.to_query_params()
    state = canonical(params)
    if canonical(url_params()) != state:
        st.query_params.from_dict(params)
    return state


# --- adding an article ------------------------------------------------------------


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def md(text: object) -> str:
    """Plain text for Streamlit's Markdown-rendering messages: file names and error
    texts are untrusted, and `![x](http://host/p.png)` would make the browser fetch."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def upload_problem(name: str, size: int) -> str | None:
    """Why an upload is refused, or None. Streamlit checks too; this says it clearly."""
    limit_mb = int(st.get_option("server.maxUploadSize") or 5)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_UPLOADS:
        return f"“{name}” is not an article file: use .txt, .html, .htm or .md."
    if size > limit_mb * 1024 * 1024:
        return f"“{name}” is {size / 1048576:.1f} MB; the limit is {limit_mb} MB."
    if size == 0:
        return f"“{name}” is empty."
    return None


def safe_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or "article"
    return stem[:60]


def add_article(db: Path) -> None:
    box = section("Add an article", K_ADD, ":material/upload_file:", st.sidebar)
    if not box:
        return
    with box, st.form("add_article", clear_on_submit=True):
        upload = st.file_uploader(
            "Article file", type=list(ALLOWED_UPLOADS),
            help="A news article saved as .txt, .html, .htm or .md "
                 f"(at most {st.get_option('server.maxUploadSize')} MB).",
        )
        title = st.text_input("Title (optional)")
        source = st.text_input("Source (optional)", placeholder="e.g. Le Monde")
        url = st.text_input("URL (optional)", placeholder="https://…")
        published = st.text_input("Published (optional, YYYY-MM-DD)")
        submitted = st.form_submit_button("Extract and add")
    if not submitted:
        return
    if upload is None:
        st.sidebar.error("Choose a file to add.")
        return
    data = upload.getvalue()
    problem = upload_problem(upload.name, len(data))
    if not problem and url.strip() and not mapview.safe_url(url.strip()):
        problem = "The URL must start with http:// or https://."
    if not problem and published.strip():
        try:
            dt.date.fromisoformat(published.strip())
        except ValueError:
            problem = f"“{published.strip()}” is not a date like 2025-04-15."
    if problem:
        st.sidebar.error(md(problem), icon=":material/block:")
        return
    folder = db.parent / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    ext = upload.name.rsplit(".", 1)[-1].lower()
    path = folder / f"{safe_stem(upload.name)}_{digest}.{ext}"
    path.write_bytes(data)
    meta = {"title": title.strip() or None, "source": source.strip() or None,
            "url": url.strip() or None, "published": published.strip() or None}
    if any(meta.values()):
        path.with_name(path.stem + ".meta.json").write_text(
            json.dumps({k: v for k, v in meta.items() if v}, ensure_ascii=False), "utf-8"
        )
    bar = st.sidebar.progress(0.0, text=md(f"Extracting incidents from {upload.name}…"))

    def progress(p: Progress) -> None:
        bar.progress(p.done / max(p.total, 1), text=md(f"{upload.name}: {p.message}"))

    try:
        report = get_store(str(db)).ingest([path], progress=progress)
    except GeoError as exc:
        st.sidebar.error(md(f"Could not add {upload.name}: {exc}"))
        return
    if report.failed:
        st.sidebar.error(md(f"Could not add {upload.name}: {report.failed[0][1]}"))
    elif report.skipped:
        st.sidebar.info(md(f"{upload.name}: {report.skipped[0][1]}"))
    else:
        st.sidebar.success(
            md(f"Added {upload.name}: the store now holds {report.incidents} incidents.")
        )
    for warning in report.warnings:
        st.sidebar.warning(md(warning))


# --- main layout -------------------------------------------------------------------


def section(label: str, key: str, icon: str, parent: Any = st) -> Any:
    """A collapsed section whose content is made and sent only while it is open
    (None when closed): the first page shows the map without waiting for the
    table's and chart's code, which costs a GPU-less browser a second (issue 7)."""
    box = parent.expander(label, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def count(n: int, noun: str = "incident") -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def limit_note(rows: int) -> str:
    """What a table leaves out above TABLE_LIMIT rows (empty when nothing)."""
    if rows <= TABLE_LIMIT:
        return ""
    return (f" The table lists the {TABLE_LIMIT:,} most recent of these {rows:,} incidents; "
            "narrow the filters to see the others, or download them all below.")


def timeline(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per month and main type (dated incidents only), every month in between
    present (zeros), indexed by "YYYY-MM" so the bars are as wide as the months."""
    dated = frame.loc[frame["event_date"].notna(), ["event_date", "primary_type"]]
    if dated.empty:
        return pd.DataFrame()
    # Group on the "YYYY-MM" text (parsing 100,000 dates into periods is slow).
    month = dated["event_date"].astype("str").str.slice(0, 7).rename("month")
    table = dated.groupby([month, dated["primary_type"]]).size().unstack(
        "primary_type", fill_value=0)
    months = pd.period_range(table.index.min(), table.index.max(), freq="M").strftime("%Y-%m")
    table = table.reindex(months, fill_value=0)
    table.index.name = None
    return table[[t for t in mapview.TYPE_ORDER if t in table.columns]]


def main() -> None:
    st.set_page_config(page_title="Attacks on French prisons", page_icon="🗺️", layout="wide")
    install_assets()
    db = config.db_path().resolve()
    try:
        get_store(str(db))
    except GeoError as exc:
        # The file's name, not its path: visitors learn nothing of the server's folders.
        st.error(md(f"Cannot open the incident store: {str(exc).replace(str(db), db.name)}"))
        st.stop()
    facets = get_facets(str(db), store_stamp(db))
    init_widgets_from_url(facets)
    filters = sidebar_filters(facets)
    state = sync_url(filters)
    add_article(db)

    stamp = store_stamp(db)
    facets = get_facets(str(db), stamp)
    view = get_view(str(db), stamp, state)
    frame, off_map = view.frame, view.off_map
    map_data = get_map_data(str(db), stamp, state)
    base = assets.static_base_url()

    st.title("Attacks on French prisons, staff and convoys")
    st.caption(
        f"{count(facets.total)} in the store · every field traced to a quoted sentence. "
        "Approximate places are drawn hollow with a dashed circle of uncertainty."
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("Incidents shown", len(frame))
    c2.metric("On the map", map_data.n_pinned)
    c3.metric("Located only to a department, region or country", len(off_map))

    st_folium(
        mapview.build_map(
            map_data, tiles=config.tiles(), asset_base=base,
            data_url=assets.publish(map_data.incidents_json, map_data.incidents_name,
                                    base=base),
        ),
        key="incident_map", height=620, use_container_width=True, returned_objects=[],
    )
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button(
        "Download CSV", download_data(str(db), stamp, state, "csv", len(frame)),
        file_name="incidents.csv", mime="text/csv", on_click="ignore",
        icon=":material/download:",
    )
    d2.download_button(
        "Download GeoJSON", download_data(str(db), stamp, state, "geojson", len(frame)),
        file_name="incidents.geojson", mime="application/geo+json", on_click="ignore",
        icon=":material/download:",
    )

    # Section labels stay the same whatever the filters: Streamlit tells an expander by
    # its label, and a new label would close it on every filter change.
    if not off_map.empty and (box := section(
        "Not on the map", K_OFF_MAP, ":material/location_off:",
    )):
        box.caption(f"{count(len(off_map))} known only to a department, region or country: "
                    "listed, not pinned." + limit_note(len(off_map)))
        box.dataframe(off_map.head(TABLE_LIMIT), hide_index=True, width="stretch")
    if box := section("Incidents over time", K_CHART, ":material/bar_chart:"):
        chart = get_chart(str(db), stamp, state)
        if chart.empty:
            box.info("No dated incident in this selection.")
        else:
            box.bar_chart(
                chart, color=[mapview.TYPE_STYLES[t].color for t in chart.columns],
                x_label="month", y_label="incidents",
            )
    if box := section("Table of incidents", K_TABLE, ":material/table:"):
        box.caption(f"{count(len(frame))}, newest first." + limit_note(len(frame)))
        box.dataframe(frame[TABLE_COLUMNS].head(TABLE_LIMIT), hide_index=True,
                      width="stretch")

main()
