"""The dashboard under Streamlit's AppTest: filters, the URL state, the metric, the CSV.

Runs `dashboard.py` for real against a temporary store of known incidents
(tests/e2e/sample_store.py); only the browser is missing (the browser tests in
tests/e2e cover the map itself).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.sample_store import FORMULA, PINNED, TYPE_COUNTS, XSS, make_store, sample_incidents
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.export import COLUMN_NAMES
from geo.i18n.en import TEXTS as EN
from geo.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_3bca5d6d07408c2f.txt"
TOTAL = len(sample_incidents())


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = make_store(tmp_path / "store" / "incidents.sqlite")
    monkeypatch.setenv("GEO_DB", str(db))
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "geocache.sqlite"))
    return db


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """What each download button would send, by file name (AppTest keeps no media)."""
    seen: dict[str, bytes] = {}
    original = MediaFileManager.add

    def spy(self, path_or_data, mimetype, coordinates, file_name=None, **kw):
        if file_name and isinstance(path_or_data, bytes):
            seen[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", spy)
    yield seen


def run(at: AppTest) -> AppTest:
    at.run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    return at


#: The collapsible sections' keys (dashboard.K_*): the table, the list of incidents
#: not on the map, the chart, the upload form.
SECTIONS = ("x_table", "x_off_map", "x_chart", "x_add")


def app(query: dict[str, list[str] | str] | None = None,
        opened: tuple[str, ...] = SECTIONS) -> AppTest:
    """The dashboard's first run (from a URL with `query`), the `opened` sections
    open as if the visitor had clicked them."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key in opened:
        at.session_state[key] = True
    return run(at)


def url(at: AppTest, key: str) -> list[str]:
    """A URL parameter's values (AppTest gives a str for one value, a list for several)."""
    value = at.query_params.get(key)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def shown(at: AppTest) -> int:
    metric = next(m for m in at.metric if m.label == "Incidents shown")
    return int(metric.value)


def widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


#: The table's English column labels back to the CSV keys (geo/i18n/en.py).
KEYS = {v: k.removeprefix("col.") for k, v in EN.items() if k.startswith("col.")}


def keyed(frame):
    return frame.rename(columns=KEYS)


def table(at: AppTest):
    """The incidents table: the one with every export column (labelled for people)."""
    return next(keyed(d.value) for d in at.dataframe
                if set(keyed(d.value).columns) == set(COLUMN_NAMES))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for spreadsheets"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_opens_with_everything_shown(store: Path, downloads: dict[str, bytes]) -> None:
    at = app()
    assert shown(at) == TOTAL
    assert len(table(at)) == TOTAL
    assert int(next(m for m in at.metric if m.label == "On the map").value) == PINNED
    side = {w.label for kind in ("date_input", "multiselect", "text_input", "button")
            for w in getattr(at.sidebar, kind)}
    assert {"Date range", "Incident type", "Source", "Department", "Prison", "Search",
            "Reset filters"} <= side
    rows = csv_rows(downloads["incidents.csv"])
    assert len(rows) == TOTAL and list(rows[0]) == list(COLUMN_NAMES)
    geo = json.loads(downloads["incidents.geojson"])
    assert len(geo["features"]) == TOTAL
    assert sum(f["geometry"] is None for f in geo["features"]) == TOTAL - PINNED


def test_the_heap_alive_at_the_first_page_is_kept_out_of_each_run_s_collection(
        store: Path) -> None:
    """Streamlit collects garbage in full after every run; what the first page leaves
    alive (modules, Streamlit, the store's frame) is frozen so as not to be walked again
    on each filter change (dashboard.freeze_startup_heap)."""
    import gc

    app()
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # the modules and Streamlit at least
    app({"type": "arson"})
    assert gc.get_freeze_count() == frozen  # once per process, not once per run


def test_choosing_a_type_filters_metric_table_csv_and_url(
    store: Path, downloads: dict[str, bytes],
) -> None:
    at = app()
    widget(at, "multiselect", "Incident type").set_value(["gunfire"])
    run(at)
    assert shown(at) == TYPE_COUNTS["gunfire"]
    assert set(table(at)["incident_id"]) == {"t001", "t002", "t004", "t006", "t011"}
    rows = csv_rows(downloads["incidents_gunfire.csv"])
    assert len(rows) == TYPE_COUNTS["gunfire"]
    assert all("gunfire" in r["types"].split(";") for r in rows)
    assert [r["incident_id"] for r in rows] == list(table(at)["incident_id"])
    assert url(at, "type") == ["gunfire"]


def test_csv_has_every_field_joined_sources_and_is_spreadsheet_safe(
    store: Path, downloads: dict[str, bytes],
) -> None:
    at = app({"prison": ["cp-valence", "ma-valenciennes"]})
    assert shown(at) == 2
    data = downloads["incidents_cp-valence_ma-valenciennes.csv"]  # named after its filter
    rows = {r["incident_id"]: r for r in csv_rows(data)}
    assert set(rows) == {"t004", "t012"}
    assert rows["t004"]["sources"] == f"Blog {XSS} (2025-04-16)"
    assert rows["t004"]["source_urls"] == "javascript:alert(1)"
    assert rows["t004"]["prison_id"] == "cp-valence" and rows["t004"]["lat"] == "44.9256"
    assert rows["t004"]["evidence"].startswith("types: Évidence")
    assert rows["t012"]["source_titles"] == "'" + FORMULA  # not a formula in a spreadsheet


@pytest.mark.parametrize(("params", "expected"), [
    ({"type": ["arson"]}, {"t002", "t003", "t005", "t007"}),
    ({"type": ["arson", "ambush"]}, {"t002", "t003", "t005", "t007", "t008"}),
    ({"source": ["AFP"]}, {"t001"}),
    ({"department": ["Bouches-du-Rhône"]}, {"t002", "t007"}),
    ({"prison": ["cp-marseille"]}, {"t002"}),
    ({"from": "2025-04-14", "to": "2025-04-15"}, {"t001", "t002", "t003", "t004", "t005"}),
    ({"q": "Incarville"}, {"t008"}),
    ({"type": ["gunfire"], "department": ["Var"]}, {"t001"}),
])
def test_a_shared_url_restores_the_filters(
    store: Path, params: dict[str, list[str] | str], expected: set[str],
) -> None:
    at = app(params)
    assert shown(at) == len(expected)
    assert set(table(at)["incident_id"]) == expected
    if "type" in params:
        assert widget(at, "multiselect", "Incident type").value == params["type"]
    if "from" in params:
        assert widget(at, "date_input", "Date range").value == (
            dt.date(2025, 4, 14), dt.date(2025, 4, 15))
    for key, value in params.items():  # and the URL keeps them
        assert url(at, key) == (value if isinstance(value, list) else [value])


def test_widgets_drive_each_filter(store: Path) -> None:
    at = app()
    widget(at, "date_input", "Date range").set_value((dt.date(2025, 4, 14), dt.date(2025, 4, 15)))
    run(at)
    assert shown(at) == 5
    assert url(at, "from") == ["2025-04-14"] and url(at, "to") == ["2025-04-15"]
    widget(at, "multiselect", "Department").set_value(["Bouches-du-Rhône"])
    run(at)
    assert set(table(at)["incident_id"]) == {"t002"}
    widget(at, "multiselect", "Department").set_value([])
    widget(at, "multiselect", "Source").set_value(["AFP"])
    run(at)
    assert set(table(at)["incident_id"]) == {"t001"}
    widget(at, "multiselect", "Source").set_value([])
    widget(at, "multiselect", "Prison").set_value(["cp-seine-saint-denis"])
    run(at)
    assert set(table(at)["incident_id"]) == {"t005"}
    widget(at, "multiselect", "Prison").set_value([])
    widget(at, "text_input", "Search").set_value("nanterre")  # within the date range
    run(at)
    assert set(table(at)["incident_id"]) == {"t003"}


def test_reset_clears_filters_and_url(store: Path) -> None:
    at = app({"type": ["riot"], "q": "Valenciennes"})
    assert shown(at) == 1
    widget(at, "button", "Reset filters").click()
    run(at)
    assert shown(at) == TOTAL
    assert widget(at, "multiselect", "Incident type").value == []
    assert widget(at, "text_input", "Search").value == ""
    assert dict(at.query_params) == {}


def test_hostile_source_name_is_plain_text_in_widgets(store: Path) -> None:
    at = app()
    sources = widget(at, "multiselect", "Source")
    assert f"Blog {XSS}" in sources.options  # shown as text by Streamlit, not as HTML
    assert not any(XSS in md.value for md in at.markdown)


def test_sections_below_the_map_are_made_only_when_opened(
    store: Path, downloads: dict[str, bytes],
) -> None:
    """A first visit gets the map, metrics and downloads; the table, chart, list and
    upload form are collapsed and not even sent until opened (issue 7: the map shows
    a second sooner)."""
    at = app(opened=())
    labels = [e.label for e in at.expander]
    assert labels == ["Not on the map", "Incidents over time", "Table of incidents",
                      "Add an article"]
    assert not at.dataframe and not at.file_uploader
    assert not at.get("vega_lite_chart")
    assert len(csv_rows(downloads["incidents.csv"])) == TOTAL  # downloads stay at hand
    at.session_state["x_table"] = True  # what clicking the section does
    run(at)
    assert len(table(at)) == TOTAL
    at.session_state["x_chart"] = True
    widget(at, "multiselect", "Incident type").set_value(["gunfire"])
    run(at)
    assert len(table(at)) == TYPE_COUNTS["gunfire"]  # still open after a filter change
    assert f"{TYPE_COUNTS['gunfire']} incidents, newest first." in [c.value for c in at.caption]
    assert len(at.get("vega_lite_chart")) == 1


def test_incidents_located_only_to_a_region_are_listed_not_pinned(store: Path) -> None:
    at = app()
    assert "2 incidents known only to a department, region or country: listed, not " \
        "pinned." in [c.value for c in at.caption]
    listed = next(keyed(d.value) for d in at.dataframe
                  if "geo_precision" in keyed(d.value).columns
                  and len(d.value.columns) < len(COLUMN_NAMES))
    assert set(listed["incident_id"]) == {"t013", "t014"}


# --- adding an article ------------------------------------------------------------


def shown_text(elements) -> list[str]:
    """Message texts as a reader sees them: Markdown backslash escapes removed."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def upload(at: AppTest, name: str, data: bytes, **fields: str) -> AppTest:
    at.file_uploader[0].upload(name, data, "text/plain")
    for label, value in fields.items():
        widget(at, "text_input", label).set_value(value)
    next(b for b in at.button if b.label == "Extract and add").click()
    return run(at)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("evil.exe", b"MZ...", "not an article file"),
    ("big.txt", b"x" * (5 * 1024 * 1024 + 1), "the limit is 5 MB"),
    ("empty.md", b"", "is empty"),
    ("empty.markdown", b"", "is empty"),  # a Markdown file the CLI ingests is not refused
])
def test_uploads_of_the_wrong_kind_or_size_are_refused_clearly(
    store: Path, name: str, data: bytes, message: str,
) -> None:
    at = app()
    try:
        upload(at, name, data)
    except Exception as exc:  # AppTest itself may enforce the allowed types
        assert name.endswith(".exe"), exc
        return
    assert any(message in t for t in shown_text(at.error)), shown_text(at.error)
    assert shown(at) == TOTAL
    assert Store(store).count() == TOTAL


def test_a_javascript_url_in_upload_metadata_is_refused(store: Path) -> None:
    at = upload(app(), "a.txt", SEED.read_bytes(), **{"URL (optional)": "javascript:alert(1)"})
    assert any("http://" in t for t in shown_text(at.error))
    assert Store(store).count() == TOTAL


def test_an_upload_name_cannot_inject_markdown(store: Path) -> None:
    """A file name is shown as text: no image or link the browser would fetch."""
    name = "![x](http://evil.example/p.png).txt"
    at = upload(app(), name, b"")
    assert shown_text(at.error) == [f"“{name}” is empty."]
    assert all("![" not in e.value and "](" not in e.value for e in at.error)


@pytest.mark.slow
def test_an_uploaded_article_is_extracted_shown_and_persisted(store: Path) -> None:
    at = app()
    at = upload(at, "convoy.txt", SEED.read_bytes(), **{
        "Source (optional)": "Test upload", "URL (optional)": "https://example.org/convoy",
        "Published (optional, YYYY-MM-DD)": "2024-05-15",
    })
    assert any("Added convoy.txt" in t for t in shown_text(at.success)), shown_text(at.error)
    after = Store(store).query()
    new = [i for i in after if i.incident_id not in {f"t{n:03d}" for n in range(1, 15)}]
    assert new and all(i.status == "auto" for i in new)
    assert any(s.source == "Test upload" for i in new for s in i.sources)
    assert shown(at) == len(after)  # the new incidents are on screen
    assert list((store.parent / "uploads").glob("convoy_*.txt"))


def test_an_empty_store_gives_an_empty_dashboard_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: dict[str, bytes],
) -> None:
    monkeypatch.setenv("GEO_DB", str(tmp_path / "new" / "incidents.sqlite"))
    monkeypatch.setenv("GEO_OFFLINE", "1")
    at = app()
    assert shown(at) == 0
    assert any("No dated incident" in i.value for i in at.info)
    assert csv_rows(downloads["incidents.csv"]) == []


def test_the_table_speaks_the_readers_language(store: Path) -> None:
    """Labelled columns, dates first and the id last, names for types and prisons, and
    blanks (not "None") where the text says nothing (issue 16)."""
    at = app()
    shown_table = max((d.value for d in at.dataframe), key=lambda f: len(f.columns))
    assert shown_table.columns[0] == "Date" and shown_table.columns[-1] == "Incident id"
    row = shown_table.set_index("Incident id").loc["t004"]
    assert row["Types"] == "Gunfire" and row["Prison"] == "Centre pénitentiaire de Valence"
    assert row["Killed"] == "" and row["Commune"] == "Valence"
    assert row["Location precision"] == "facility"
    french = app({"lang": "fr"})
    assert any("Identifiant" in d.value.columns and "Tués" in d.value.columns
               for d in french.dataframe)


@pytest.mark.parametrize("params", [
    {"from": "1900-01-01"},
    {"to": "2999-12-31"},
    {"from": "2999-01-01", "to": "1900-01-01"},
    {"q": " ".join(f"w{i}" for i in range(1200))},  # "Expression tree is too large"
    {"q": "x" * 60_000},  # "LIKE or GLOB pattern too complex"
])
def test_crafted_urls_do_not_crash_the_page(store: Path, params: dict[str, str]) -> None:
    """Attacks of issue 18, item 9: each used to end in a traceback with server paths."""
    at = app(params)
    assert shown(at) >= 0


def test_visitors_get_no_tracebacks_and_no_table_toolbar_download() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True
