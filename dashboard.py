"""The dashboard: map of attacks and prisons, filters, table and filtered downloads.

Layout and widgets only. Data comes from `geo.store` (queries, facets, ingest),
the map from `geo.mapview`, the files from `geo.export`. The filter state lives in
the URL (`Filters.to_query_params`) so a view can be shared. Everything costly is
cached per (store version, filter state): the query, the map payload, the CSV.
Run with `streamlit run dashboard.py`.

Built to stay fast at 100,000 incidents (issue 7, `benchmarks/run.py`): the
caches are keyed by the store's data version (`Store.version`), so a new visitor
reuses them; a filter state's incidents are positions into the store's frame,
of which a rerun copies only the few columns the map's counts read (`get_view`,
`Store.query_rows`), and the map draws them from the rows it already has (a
bitmask, `get_row_mask`); the map's incidents reach the browser as a
pre-compressed file the app serves (`geo.assets.publish`), not inside the page
script; the table, chart, off-map list and upload form are collapsed sections
made only once opened (`section`), so the first page shows the map without
loading their code; large downloads are generated when clicked, from the store's
ready-made CSV lines and GeoJSON features, instead of on every rerun.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import assets, auth, config, display, export, i18n, mapview, upload
from geo.articles import max_article_bytes
from geo.display import markdown_text as md
from geo.errors import GeoError
from geo.i18n import Texts
from geo.model import INCIDENT_TYPES
from geo.prisons import load_prisons
from geo.review import actions
from geo.review import page as review_page
from geo.store import Facets, Filters, Progress, Rows, Store
from geo.store.filters import canonical, from_state
from geo.timeline import monthly

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
#: The language switch, and URL parameters that are not filters: the language, the
#: map's view ("lat,lon,zoom", written by the map's script) and one incident to show.
K_LANG = "ui_lang"
P_LANG, P_VIEW, P_INCIDENT = "lang", "view", "incident"
#: Table columns in reading order (the CSV keeps `export.COLUMN_NAMES`, its keys).
TABLE_ORDER = ["event_date", "types", "place", "department", "prison_id", "killed",
               "injured", "sources", "geo_precision", "date_precision", "evidence",
               "source_titles", "source_urls", "commune", "region", "insee", "lat", "lon",
               "radius_km", "target", "n_sources", "first_reported", "primary_type",
               "confidence", "status", "article", "incident_id"]
#: The style sheet of the page around the map (phone layout, the hint).
PAGE_CSS = Path(__file__).resolve().parent / "geo" / "web" / "page.css"
#: Keys of the collapsible sections (open or not, per visitor).
K_ADD, K_OFF_MAP, K_CHART, K_TABLE = "x_add", "x_off_map", "x_chart", "x_table"
#: The signed-in editor's name (set only after the password was checked) and the
#: editors' "show rejected incidents" switch.
K_EDITOR, K_REJECTED = "_editor", "f_rejected"


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


@st.cache_resource(show_spinner=False)
def get_prisons() -> list[Any]:
    """The prisons (frozen records in a shared list: read-only; a rerun reads them
    several times, and a copy each time was ~1 ms)."""
    return load_prisons()


@dataclass(frozen=True)
class View:
    """One filter state's incidents and what the page derives from them. Shared
    between reruns and sessions without copies: read-only. The rows stay positions
    into the store's frame (`Store.query_rows`): a filter change copies only the few
    columns the map's counts read, and the table, chart and a payload take theirs."""

    rows: Rows
    counted: pd.DataFrame  # mapview.SELECTION_COLUMNS of the rows
    pinned: np.ndarray  # mapview.pinnable_mask of the rows
    off_map: pd.DataFrame  # located only to a department, region or country

    def __len__(self) -> int:
        return len(self.rows)


@st.cache_resource(show_spinner="Querying incidents…", max_entries=6)
def get_view(db: str, stamp: str, state: str) -> View:
    rows = get_store(db).query_rows(from_state(state))
    counted = rows.frame(mapview.SELECTION_COLUMNS)
    pinned = mapview.pinnable_mask(counted).to_numpy(dtype=bool)
    return View(rows, counted, pinned, rows.frame(OFF_MAP_COLUMNS, where=~pinned))


@st.cache_resource(show_spinner=False, max_entries=6)
def get_chart(db: str, stamp: str, state: str) -> pd.DataFrame:
    """Incidents per month and type (read-only, shared like `get_view`)."""
    return monthly(get_view(db, stamp, state).rows.frame(["event_date", "primary_type"]))


@st.cache_resource(show_spinner=False, max_entries=16)
def get_map_data(db: str, stamp: str, state: str, lang: str = "en",
                 payload: bool = True) -> mapview.MapData:
    """The map's strings for a filter state (read-only, shared: every rerun reads the
    whole store's, whose payload, ~9 MB at 100,000 incidents, a copy per rerun cost
    ~5 ms)."""
    view = get_view(db, stamp, state)
    return mapview.map_data(view.rows.frame() if payload else view.counted, get_prisons(),
                            lang=lang, payload=payload)


@st.cache_resource(show_spinner=False, max_entries=4)
def get_payload_rows(db: str, stamp: str, whole: str) -> np.ndarray:
    """Each store frame row's row in the whole store's payload (read-only, shared)."""
    view = get_view(db, stamp, whole)
    return mapview.payload_rows(view.rows.picks, view.pinned, len(view.rows.whole))


@st.cache_data(show_spinner=False, max_entries=32)
def get_row_mask(db: str, stamp: str, state: str, whole: str) -> str:
    return mapview.row_mask(get_payload_rows(db, stamp, whole),
                            get_view(db, stamp, state).rows.picks)


def map_selection(db: str, stamp: str, state: str, whole: str,
                  lang: str) -> tuple[mapview.MapData, mapview.MapData, str | None]:
    """(the selection's counts and legend, the payload to serve, its row mask or None).
    A filter state is drawn from the rows of the whole store's payload, which the page
    keeps once fetched: the server computes counts and a bitmask, not a new payload.
    A small selection of a large store has its own payload (popups with sources)."""
    full = get_map_data(db, stamp, whole, lang)
    if state == whole:
        return full, full, None
    part = get_map_data(db, stamp, state, lang, payload=False)
    # Positions of one data version only (a write between the two queries: its own).
    same = get_view(db, stamp, state).rows.version == get_view(db, stamp, whole).rows.version
    if same and mapview.drawable_from(full, part):
        return part, full, get_row_mask(db, stamp, state, whole)
    own = get_map_data(db, stamp, state, lang)
    return own, own, None


@st.cache_resource(show_spinner=False, max_entries=12)
def get_table(db: str, stamp: str, state: str, lang: str) -> pd.DataFrame:
    """The table's rows as a reader sees them: labelled columns in reading order,
    type and prison names, blanks for unknowns (read-only, shared like `get_view`).
    Only the TABLE_LIMIT rows shown are relabelled."""
    t = Texts(lang)
    rows = get_view(db, stamp, state).rows.frame(limit=TABLE_LIMIT)
    return readable(rows, t, TABLE_ORDER)


def readable(rows: pd.DataFrame, t: Texts, columns: list[str]) -> pd.DataFrame:
    """`rows` with `columns` relabelled for people: names for types and prisons,
    blanks for unknowns, column headers from the catalogue."""
    out = rows[[c for c in columns if c in rows.columns]].copy()
    names = {p.id: p.name for p in get_prisons()}
    for col in ("types", "primary_type"):
        if col in out:
            out[col] = out[col].astype("object").map(
                lambda v: ", ".join(t.type_label(x) for x in str(v).split(export.TYPE_SEP))
                if isinstance(v, str) and v else "")
    if "prison_id" in out:
        out["prison_id"] = out["prison_id"].astype("object").map(
            lambda v: names.get(v, v) if isinstance(v, str) else "")
    for col in ("geo_precision", "date_precision"):
        if col in out:
            out[col] = out[col].astype("object").map(
                lambda v: t.texts.get(f"prec.{v}", v) if isinstance(v, str) else "")
    text_cols = [c for c in out.columns if out[c].dtype == object or str(out[c].dtype)
                 in {"string", "str"}]
    for col in text_cols:  # shown text loses direction controls (geo.display)
        out[col] = display.plain_series(out[col].astype("object").where(out[col].notna(), ""))
    # Unknown counts and radii: a blank, not "None" (numbers with gaps become text;
    # at most TABLE_LIMIT rows).
    for col in ("killed", "injured", "radius_km", "n_sources"):
        if col in out and out[col].isna().any():
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    return out.rename(columns={c: t(f"col.{c}") for c in out.columns})


@st.cache_data(show_spinner=False, max_entries=16)
def get_export(db: str, stamp: str, state: str, fmt: str) -> bytes:
    """The filtered incidents as CSV or GeoJSON, from the store's ready-made lines."""
    return get_store(db).export(from_state(state), fmt)[0].encode("utf-8")


def download_data(db: str, stamp: str, state: str, fmt: str,
                  rows: int) -> bytes | Callable[[], bytes]:
    """The file now for a small selection; for a large one, a function Streamlit
    calls when the button is clicked (on its own thread: no st.* caching there)."""
    if rows <= EAGER_DOWNLOAD_ROWS:
        return get_export(db, stamp, state, fmt)
    store, filters = get_store(db), from_state(state)
    return lambda: store.export(filters, fmt)[0].encode("utf-8")


@st.cache_resource(show_spinner=False)
def freeze_startup_heap() -> int:
    """Once per server process, after its first page: what is alive then (modules,
    Streamlit, the store's frame and caches) is set aside from the garbage
    collector, which Streamlit runs in full after every script run
    (`runner.postScriptGC`). Over those ~135,000 objects that took 80-110 ms per
    filter change here, holding the interpreter lock while the page's last
    messages, the map's among them, waited to be sent; ~3 ms now. Reference
    counting still frees them; only cycles alive at that moment stay."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@st.cache_resource(show_spinner=False)
def install_assets() -> str:
    """Copy Leaflet and its plugin into ./static/vendor (GEO_STATIC_DIR) once per server
    process; GeoError when that folder cannot be written or is not the one served."""
    vendor = assets.install()
    assets.check_served()
    return str(vendor)


# --- URL <-> widgets ------------------------------------------------------------


def url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def init_widgets_from_url(facets: Facets) -> None:
    """On a session's first run, set the widgets from the URL (a shared view)."""
    if st.session_state.get("_from_url"):
        return
    params = url_params()
    st.session_state["_view0"] = mapview.parse_view((params.get(P_VIEW) or [None])[-1])
    st.session_state["_focus0"] = (params.get(P_INCIDENT) or [None])[-1]
    lo, hi = facets.date_min, facets.date_max
    # Clamped to what the date picker accepts: a crafted URL must not crash the page.
    f = Filters.from_query_params(params, max_date=max(hi or dt.date.today(),
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


def page_lang() -> str:
    """The reader's language: the switch, else the URL's `lang`, else the browser's."""
    if K_LANG not in st.session_state:
        url = (url_params().get(P_LANG) or [None])[-1]
        st.session_state["_lang_in_url"] = bool(url)
        st.session_state[K_LANG] = i18n.pick(url, st.context.headers.get("Accept-Language"),
                                             st.context.locale)
    return i18n.norm(st.session_state[K_LANG])


def lang_chosen() -> None:
    """The language switch: kept in the URL from now on; the chosen types are set again
    so the browser redraws their chips in the new language (a widget keeps the labels
    it was given otherwise)."""
    st.session_state["_lang_in_url"] = True
    st.session_state[K_TYPES] = list(st.session_state.get(K_TYPES) or [])


def reset_filters() -> None:
    """Every filter widget back to "everything", and the URL cleared. Values are set,
    not deleted: a deleted key leaves the browser's widget showing its old chips
    (same widget id), which then come back on the next change (issue 16)."""
    st.session_state[K_TYPES] = []
    st.session_state[K_SOURCES] = []
    st.session_state[K_DEPTS] = []
    st.session_state[K_PRISONS] = []
    st.session_state[K_TEXT] = ""
    if "_dates_all" in st.session_state:
        st.session_state[K_DATES] = st.session_state["_dates_all"]
    else:
        st.session_state.pop(K_DATES, None)
    st.session_state["_focus0"] = None
    lang = st.query_params.get(P_LANG)
    st.query_params.clear()
    if lang and st.session_state.get("_lang_in_url"):
        st.query_params[P_LANG] = lang


def options(facet_values: Any, key: str) -> list[str]:
    """Facet values plus any chosen value the store no longer has (kept, not dropped)."""
    chosen = st.session_state.get(key) or []
    return list(dict.fromkeys([*facet_values, *chosen]))


def sidebar_filters(facets: Facets, t: Texts) -> Filters:
    sb = st.sidebar
    sb.segmented_control(t("language"), i18n.LANGS, key=K_LANG, format_func=i18n.NAMES.get,
                         on_change=lang_chosen, required=True)
    sb.header(t("filters"))
    lo, hi = facets.date_min, facets.date_max
    date_from = date_to = None
    if lo and hi:
        # "All" is the store's whole range; when the store grows, a view that
        # showed everything keeps showing everything.
        if st.session_state.get(K_DATES) in (None, st.session_state.get("_dates_all")):
            st.session_state[K_DATES] = (lo, hi)
        st.session_state["_dates_all"] = (lo, hi)
        chosen = sb.date_input(
            t("date_range"), key=K_DATES, format="YYYY-MM-DD",
            min_value=dt.date(1970, 1, 1), max_value=max(hi, dt.date.today()),
            help=t("date_help", undated=facets.undated),
        )
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2 and tuple(chosen) != (lo, hi):
            date_from, date_to = chosen
        elif isinstance(chosen, (tuple, list)) and len(chosen) == 1:
            date_from = chosen[0]
    type_labels = {k: t.type_label(k) for k in INCIDENT_TYPES}
    types = sb.multiselect(
        t("incident_type"), list(INCIDENT_TYPES), placeholder=t("choose"), key=K_TYPES,
        help=t("type_help"),
        format_func=lambda k: f"{type_labels.get(k, k)} ({facets.types.get(k, 0)})",
    )
    sources = sb.multiselect(t("source"), options(facets.sources, K_SOURCES),
                             placeholder=t("choose"), key=K_SOURCES)
    departments = sb.multiselect(
        t("department"), options(facets.departments, K_DEPTS), placeholder=t("choose"),
        key=K_DEPTS,
    )
    names = facets.prisons | {p.id: p.name for p in get_prisons()}
    prisons = sb.multiselect(
        t("prison"), options(facets.prisons, K_PRISONS), placeholder=t("choose"),
        key=K_PRISONS,
        format_func=lambda pid: names.get(pid, pid),
    )
    text = sb.text_input(t("search"), key=K_TEXT, placeholder=t("search_placeholder"))
    sb.button(t("reset"), on_click=reset_filters, icon=":material/restart_alt:")
    return Filters(
        types=list(types), sources=list(sources), date_from=date_from, date_to=date_to,
        departments=list(departments), prisons=list(prisons), text=text.strip() or None,
    )


def sync_url(filters: Filters, lang: str) -> str:
    """Write the filter state into the URL (only when it changed); return its key.
    The language stays in the URL once it was there or chosen; the map's view and
    the incident link stay as they are (the map's script writes the view)."""
    params = filters.to_query_params()
    state = canonical(params)
    current = url_params()
    full: dict[str, Any] = dict(params)
    if st.session_state.get("_lang_in_url"):
        full[P_LANG] = lang
    for key in (P_VIEW, P_INCIDENT):
        if current.get(key):
            full[key] = current[key][-1]
    if canonical(current) != canonical(full):
        st.query_params.from_dict(full)
    return state


# --- adding an article ------------------------------------------------------------


#: What the uploader itself lets through (MB): above the article limit, so that a
#: too-large file reaches `upload.problem`; `server.maxUploadSize` matches it.
UPLOAD_CEILING_MB = 50


def add_article(db: Path, t: Texts, who: auth.Identity) -> None:
    """The upload form (editors only; `geo.upload.add` checks the role again)."""
    box = section(t("section_add"), K_ADD, ":material/upload_file:", st.sidebar)
    if not box:
        return
    with box, st.form("add_article", clear_on_submit=True):
        # No `type=`: the uploader would refuse a .pdf with only a red icon, and the
        # form would then say "choose a file"; `upload.problem` says what is wrong.
        file = st.file_uploader(
            t("upload_file"), max_upload_size=UPLOAD_CEILING_MB,
            help=t("upload_help", limit=t.size(max_article_bytes())),
        )
        title = st.text_input(t("upload_title"))
        source = st.text_input(t("upload_source"), placeholder=t("upload_source_placeholder"))
        url = st.text_input(t("upload_url"), placeholder="https://…", help=t("upload_url_help"))
        published = st.text_input(t("upload_published"))
        submitted = st.form_submit_button(t("upload_submit"))
    # Messages go right under the button, inside the section, not at the sidebar's foot.
    out = box.container()
    if not submitted:
        return
    if get_store(str(db)).read_only:  # nothing can be added: say so, name no path
        out.error(md(t("upload_read_only", name=db.name)))
        return
    if file is None and not url.strip():
        out.error(t("upload_choose"))
        return
    data = file.getvalue() if file is not None else b""
    problem = (upload.problem(file.name, len(data), t) if file is not None else None) \
        or upload.field_problem(url.strip(), published.strip(), t)
    if problem:
        out.error(md(problem), icon=":material/block:")
        return
    if file is None:
        fields = {"title": title.strip() or None, "source": source.strip() or None,
                  "published": published.strip() or None}
        add_from_url(db, url.strip(), {k: v for k, v in fields.items() if v} or None, t, out,
                     who)
        return
    # Without a Source, the article is credited to the name it was uploaded under,
    # not to the stored file's hashed name.
    meta = {"title": title.strip() or None,
            "source": source.strip() or Path(file.name).stem.strip() or None,
            "url": url.strip() or None, "published": published.strip() or None}
    store = get_store(str(db))
    bar = out.progress(0.0, text=md(t("upload_extracting", name=file.name)))

    def progress(p: Progress) -> None:
        bar.progress(p.done / max(p.total, 1), text=md(f"{file.name}: {p.message}"))

    try:
        outcome = upload.add(store, who, file.name, data, meta, progress)
    except GeoError as exc:
        bar.empty()
        out.error(md(t("upload_failed", name=file.name, error=exc)))
        return
    bar.empty()
    level, text = upload.describe(outcome, file.name, store, t)
    getattr(out, level)(md(text))
    for warning in outcome.warnings:
        out.warning(md(warning))


def add_from_url(db: Path, url: str, overrides: dict[str, str | None] | None, t: Texts,
                 out: Any, who: auth.Identity) -> None:
    """Fetch an article page (or a feed's new items) into the store, as `geo ingest URL`
    does; the form's fields override what the page says. Editors only."""
    from geo.web import intake

    auth.require_editor(who, "upload")
    bar = out.progress(0.0, text=md(t("url_fetching", url=url)))

    def progress(p: Progress) -> None:
        bar.progress(p.done / max(p.total, 1), text=md(f"{p.path}: {p.message}"))

    try:
        report, _ = intake.ingest(get_store(str(db)), [url], progress, overrides=overrides)
    except GeoError as exc:
        bar.empty()
        out.error(md(t("upload_failed", name=url, error=exc)))
        return
    bar.empty()
    for where, why in report.failed:
        out.error(md(t("upload_failed", name=where, error=why)))
    for where, why in report.skipped:
        out.info(md(t("upload_skipped", name=where, reason=why)))
    if report.added or report.updated:
        out.success(md(t("url_added", n=len(report.added) + len(report.updated), url=url,
                         total=t.count(report.incidents))))
    for warning in report.warnings:
        out.warning(md(warning))


# --- main layout -------------------------------------------------------------------


def section(label: str, key: str, icon: str, parent: Any = st) -> Any:
    """A collapsed section whose content is made and sent only while it is open
    (None when closed): the first page shows the map without waiting for the
    table's and chart's code, which costs a GPU-less browser a second (issue 7)."""
    box = parent.expander(label, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def limit_note(rows: int, t: Texts) -> str:
    """What a table leaves out above TABLE_LIMIT rows (empty when nothing)."""
    if rows <= TABLE_LIMIT:
        return ""
    return t("limit_note", limit=t.number(TABLE_LIMIT), rows=t.number(rows))


# --- who is using the page ------------------------------------------------------------


def oidc_configured() -> bool:
    """An `[auth]` section in .streamlit/secrets.toml: Streamlit's native `st.login`."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all (Streamlit raises its own error types)
        return False


def oidc_user() -> str | None:
    """The provider's name for a visitor logged in with `st.login`, else None."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or "") or None
    except Exception:  # Streamlit without auth support or an unconfigured provider
        return None
    return None


def identity() -> auth.Identity:
    """The visitor's role, from a password checked in this session (by `sign_in`), an
    OIDC login, or a localhost-only server with nothing configured."""
    name = st.session_state.get(K_EDITOR)
    if name and name not in auth.load_users():  # removed since: signed out
        st.session_state.pop(K_EDITOR, None)
        name = None
    oidc = oidc_configured()
    return auth.decide(address=st.get_option("server.address"),
                       users_configured=auth.users_configured(), oidc_configured=oidc,
                       oidc_user=oidc_user() if oidc else None, signed_in=name,
                       local_name=auth.local_user())


def sign_in(who: auth.Identity, t: Texts) -> None:
    """The sidebar's account block: who is signed in, or the ways to sign in."""
    sb = st.sidebar.container(key="account")
    if who.how == auth.LOCAL:
        sb.caption(md(t("local_editor", name=who.name)))
        return
    if who.editor:
        sb.caption(md(t("signed_in_as", name=who.name)))
        if sb.button(t("sign_out"), icon=":material/logout:", key="sign_out"):
            st.session_state.pop(K_EDITOR, None)
            if who.how == auth.OIDC:
                st.logout()
            st.rerun()
        return
    users, oidc = auth.users_configured(), oidc_configured()
    if not users and not oidc:
        sb.warning(t("signin_needed"), icon=":material/lock:")
        return
    sb.caption(t("viewer_note"))
    if oidc and sb.button(t("signin_oidc"), icon=":material/login:", key="sign_in_oidc"):
        st.login()
    if not users:
        return
    with sb.expander(t("signin_section"), icon=":material/login:"), st.form("sign_in"):
        name = st.text_input(t("signin_name"), key="signin_name")
        password = st.text_input(t("signin_password"), type="password", key="signin_pw")
        submitted = st.form_submit_button(t("signin_submit"))
    if submitted:
        # Too many failures of this name from this address: refused for a while, the
        # same way whether the name exists or not (geo.auth, geo.throttle).
        attempt = auth.attempt_sign_in(name, password, st.context.ip_address)
        if attempt.ok:
            st.session_state[K_EDITOR] = name.strip()
            st.rerun()
        if attempt.retry_after <= 0:
            sb.error(t("signin_failed"))
            return
        seconds = int(-(-attempt.retry_after // 1))  # rounded up: never "in 0 seconds"
        wait = (t("wait_seconds", n=seconds) if seconds < 120
                else t("wait_minutes", n=-(-seconds // 60)))
        at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        sb.error(t("signin_throttled", at=at.strftime("%H:%M:%S"), wait=wait),
                 icon=":material/timer:")


# --- pages ---------------------------------------------------------------------------


def keep_widget_state() -> None:
    """Streamlit forgets a widget's value on a run that does not draw it: the map page's
    language and filters would be lost by a visit to the Review page. Setting them
    again (Streamlit's documented way) keeps them for the whole session."""
    for key in (K_LANG, K_REJECTED, *FILTER_KEYS):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def main() -> None:
    db = config.db_path().resolve()
    keep_widget_state()
    lang = page_lang()
    t = Texts(lang)
    st.set_page_config(page_title=t("page_title"), page_icon="🗺️", layout="wide")
    try:
        install_assets()
    except GeoError as exc:  # e.g. a read-only code tree: one line, no server path
        st.error(md(exc))
        st.stop()
    # The page's style sheet: on a phone, the map within the first screen.
    st.html(f"<style>{PAGE_CSS.read_text('utf-8')}</style>")
    try:
        get_store(str(db))
    except GeoError as exc:
        # The file's name, not its path: visitors learn nothing of the server's folders.
        st.error(md(t("store_error", error=str(exc).replace(str(db), db.name))))
        st.stop()
    try:
        who = identity()
    except GeoError:  # an unreadable users file: nobody edits until it is fixed
        who = auth.Identity(None, auth.VIEWER, auth.ANONYMOUS)

    def map_page() -> None:
        show_map(db, lang, t, who)

    def review() -> None:
        reviewer = actions.Reviewer(get_store(str(db)), who)
        review_page.render(reviewer, get_prisons(), t, lang)

    pages = [st.Page(map_page, title=t("nav_map"), icon=":material/map:", default=True,
                     url_path="map")]
    if who.editor:  # visitors have no Review page at all (and the actions refuse them)
        pages.append(st.Page(review, title=t("nav_review"), icon=":material/rule:",
                             url_path="review"))
    st.navigation(pages).run()
    sign_in(who, t)
    freeze_startup_heap()


def show_map(db: Path, lang: str, t: Texts, who: auth.Identity) -> None:
    """The map page: filters, map, metrics, downloads, sections; upload for editors."""
    facets = get_facets(str(db), store_stamp(db))
    init_widgets_from_url(facets)
    filters = sidebar_filters(facets, t)
    if who.editor and st.sidebar.toggle(t("show_rejected"), key=K_REJECTED):
        filters = dataclasses.replace(filters, include_rejected=True)
    state = sync_url(filters, lang)
    if who.editor:
        add_article(db, t, who)

    stamp = store_stamp(db)
    facets = get_facets(str(db), stamp)
    view = get_view(str(db), stamp, state)
    shown, off_map = len(view), view.off_map
    whole = canonical(Filters(include_rejected=filters.include_rejected).to_query_params())
    map_data, served, rows = map_selection(str(db), stamp, state, whole, lang)
    base = assets.static_base_url()

    st.title(t("title"))
    st.caption(t("caption", total=t.count(facets.total)))
    st.container(key="phone_hint").caption(t("phone_hint"))
    with st.container(key="metrics"):
        c1, c2, c3 = st.columns(3)
        c1.metric(t("metric_shown"), shown)
        c2.metric(t("metric_pinned"), map_data.n_pinned)
        c3.metric(t("metric_off_map"), len(off_map), help=t("metric_off_map_help"))
    if not shown and facets.total:
        with st.container(key="nothing"):
            st.info(t("nothing_matches"), icon=":material/filter_alt_off:")
            st.button(t("nothing_matches_reset"), on_click=reset_filters,
                      icon=":material/restart_alt:", key="reset_empty")

    # The incident of a shared link opens while the page shows the state it came with.
    focus = st.session_state.get("_focus0") if not filters.to_query_params() else None
    full = get_map_data(str(db), stamp, whole, lang)  # what most selections are drawn from
    try:
        data_url = assets.publish(served.incidents_json, served.incidents_name, base=base)
        whole_url = (data_url if served is full else
                     assets.publish(full.incidents_json, full.incidents_name, base=base))
    except GeoError as exc:  # the map's folder became unwritable (StaticNotWritable)
        st.error(md(exc))
        st.stop()
    # The map itself is the same for every filter state (streamlit-folium keys its
    # frame by the map's script): a filter change sends only the new Selection, which
    # the layers apply in place, instead of reloading the frame.
    st_folium(
        mapview.base_map(map_data, tiles=config.tiles(), asset_base=base,
                         view=st.session_state.get("_view0"), payload_url=whole_url),
        feature_group_to_add=mapview.Selection(
            map_data, data_url=data_url, rows=rows, focus=focus,
            fit=bool(filters.to_query_params())),
        key="incident_map", height=560, use_container_width=True, returned_objects=[],
    )
    stem = export.file_stem(filters)
    d1, d2, _ = st.columns([1, 1, 1.6])
    d1.download_button(
        t("download_csv"), download_data(str(db), stamp, state, "csv", shown),
        file_name=f"{stem}.csv", mime="text/csv", on_click="ignore",
        icon=":material/download:",
    )
    d2.download_button(
        t("download_geojson"), download_data(str(db), stamp, state, "geojson", shown),
        file_name=f"{stem}.geojson", mime="application/geo+json", on_click="ignore",
        icon=":material/download:",
    )

    # Section labels stay the same whatever the filters: Streamlit tells an expander by
    # its label, and a new label would close it on every filter change.
    if not off_map.empty and (box := section(
        t("section_off_map"), K_OFF_MAP, ":material/location_off:",
    )):
        box.caption(t("off_map_caption", count=t.count(len(off_map)))
                    + limit_note(len(off_map), t))
        box.dataframe(readable(off_map.head(TABLE_LIMIT), t, OFF_MAP_COLUMNS),
                      hide_index=True, width="stretch")
    if box := section(t("section_chart"), K_CHART, ":material/bar_chart:"):
        chart = get_chart(str(db), stamp, state)
        if chart.empty:
            box.info(t("no_dated"))
        else:
            box.bar_chart(
                chart.rename(columns=t.type_label),
                color=[mapview.TYPE_STYLES[k].color for k in chart.columns],
                x_label=t("chart_x"), y_label=t("chart_y"),
            )
    if box := section(t("section_table"), K_TABLE, ":material/table:"):
        box.caption(t("table_caption", count=t.count(shown)) + limit_note(shown, t))
        box.dataframe(get_table(str(db), stamp, state, lang), hide_index=True,
                      width="stretch")


if __name__ == "__main__":  # as `streamlit run` runs it; benchmarks/floor_app.py imports it
    main()
