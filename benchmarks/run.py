"""Performance at scale (issue 7): ingest, dashboard reruns, first render, memory, CSV.

    .venv/bin/python -m benchmarks.run           # the README figures (about 15 minutes)
    .venv/bin/python -m benchmarks.run --quick   # 20,000 incidents, 3 runs: a smoke test

Everything synthetic (benchmarks/synth.py) goes to a temporary folder, never to
data/; offline (GEO_OFFLINE=1); figures are medians of `--runs` runs (5). The
table is printed and written to artifacts/benchmarks.{json,md}.

What is measured, and how:

- ingest: `Store.ingest` of N synthetic 3,000-character articles (1,000) into a
  fresh store with a fresh geocoding cache, in a fresh process (timed from the
  call, after imports), offline; articles per second.
- rerun: the real app script under `streamlit.testing.v1.AppTest` (in-process,
  as the server runs it, element serialisation included; no browser): first run,
  then the "Incident type" filter set to a new single type each run (a state
  never seen before, so every cache keyed by it misses); time of `at.run()`.
  AppTest recompiles the script on every run, which a server does not: the
  runner shares one ScriptCache between runs, as a server does. Also: the same
  state again, back to everything, and revisiting a state.
- render: `streamlit run` on 127.0.0.1 and Debian's headless Chromium
  (Playwright, no browser download): from `page.goto` in a fresh browser context
  until the first incident marker or cluster is visible in the map's frame (ours:
  `.inc-icon, .inc-cluster`; naive: `.leaflet-marker-icon`). "warm": server
  already running (the usual case); "cold": first page after a server start;
  "browser cache warm": new pages in one browser context (a returning visitor).
  The first cold start follows the deletion of the store's frame file (a data
  change), so it builds it; the next ones load it.
- filter change in the browser (ours): choosing a type in the sidebar until the
  map shows exactly that selection's markers (`data-incidents`). The floor:
  the same change on benchmarks/floor_app.py (the dashboard's sidebar, no map)
  until its page shows the new state: what Streamlit alone costs.
- memory: peak resident memory (VmHWM) of the server process over its cold
  load, the warm loads and the filter changes.
- CSV: `Store.export_csv` of every incident (what the dashboard's download
  runs), fresh process.
- naive: benchmarks/naive_app.py (one folium.Marker per incident, no caching)
  measured the same way at 1,000 and 10,000 incidents, and ours at the same
  sizes; ratios = naive / ours.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DASHBOARD = ROOT / "dashboard.py"
NAIVE = ROOT / "benchmarks" / "naive_app.py"
FLOOR = ROOT / "benchmarks" / "floor_app.py"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Single types chosen in turn, each a filter state not seen before.
TYPE_CYCLE = ("gunfire", "arson", "riot", "assault", "escape", "protest", "vandalism",
              "ambush", "attack", "other")
TYPE_LABELS = {"gunfire": "Gunfire", "arson": "Arson", "riot": "Riot", "assault": "Assault",
               "escape": "Escape", "protest": "Protest / blockade", "vandalism": "Vandalism",
               "ambush": "Ambush (convoy)", "attack": "Attack (unspecified)", "other": "Other"}
TARGETS = {"ingest": 200.0, "rerun_ms": 300.0, "render_s": 2.6, "change_s": 0.4,
           "memory_mb": 1024.0, "csv_s": 1.0}
TIMEOUT_MS = 120_000


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def base_env(work: Path) -> dict[str, str]:
    """Offline, and every file the app may write inside `work`."""
    return {
        **os.environ, "GEO_OFFLINE": "1", "GEO_CACHE": str(work / "geocache.sqlite"),
        "GEO_INDEX_DIR": str(work / "index"), "GEO_CORRECTIONS": str(work / "none.json"),
        "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
    }


def worker(args: list[str], env: dict[str, str], timeout: float = 3600) -> Any:
    """Run `python -m benchmarks.run _WORKER ...` and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- data ---------------------------------------------------------------------------


def make_store(path: Path, count: int) -> Path:
    """A store of `count` synthetic incidents (the first `count` of the same sequence)."""
    if not path.exists():
        from benchmarks.synth import synthetic_incidents
        from geo.store import Store

        t = time.perf_counter()
        tmp = path.with_name(path.name + ".part")
        for p in tmp.parent.glob(tmp.name + "*"):
            p.unlink()
        with Store(tmp) as store:
            store.add_incidents(synthetic_incidents(count))
        os.replace(tmp, path)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        print(f"  store of {count:,} incidents made in {time.perf_counter() - t:.0f} s",
              flush=True)
    return path


def pinned_counts(db: Path) -> dict[str, int]:
    """Incidents on the map per single-type filter (what `data-incidents` will say)."""
    from geo import mapview
    from geo.store import Filters, Store

    out = {}
    with Store(db, create=False) as store:
        for t in ("", *TYPE_CYCLE):
            frame = store.query_frame(Filters(types=[t] if t else []))
            out[t] = int(mapview.pinnable_mask(frame).sum()) if len(frame) else 0
    return out


# --- ingest -------------------------------------------------------------------------


def _ingest_worker(folder: str, db: str) -> dict[str, Any]:
    from geo.store import Store

    store = Store(db)
    t = time.perf_counter()
    report = store.ingest([folder])
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "articles": len(report.added), "failed": len(report.failed),
            "incidents": report.incidents}


def bench_ingest(work: Path, count: int, runs: int) -> dict[str, Any]:
    from benchmarks.synth import write_articles

    folder = work / "articles"
    if not folder.exists():
        write_articles(folder, count)
    chars = [len(p.read_text("utf-8")) for p in sorted(folder.glob("*.txt"))]
    warm = work / "articles-warm-up"
    if not warm.exists():  # builds the gazetteer index (work/index) untimed
        write_articles(warm, 10, seed=2)
    worker(["_ingest", str(warm), str(work / "warm-up.sqlite")], base_env(work))
    rates, last = [], {}
    for i in range(runs):
        run_dir = work / f"ingest-{i}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir()
        env = {**base_env(work), "GEO_CACHE": str(run_dir / "geocache.sqlite")}
        last = worker(["_ingest", str(folder), str(run_dir / "store.sqlite")], env)
        rates.append(last["articles"] / last["seconds"])
        shutil.rmtree(run_dir, ignore_errors=True)
    return {"articles": count, "mean_chars": round(statistics.mean(chars)),
            "rate": median(rates), "rates": rates, "incidents": last.get("incidents"),
            "failed": last.get("failed")}


# --- reruns (AppTest) ----------------------------------------------------------------


def _apptest_worker(app: str, runs: int) -> dict[str, Any]:
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    shared = ScriptCache()  # a server compiles the script once, AppTest on every run
    app_test.ScriptCache = local_runner.ScriptCache = lambda: shared  # type: ignore[misc]

    at = AppTest.from_file(app, default_timeout=900)

    def run() -> float:
        t = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t
        if at.exception:
            raise RuntimeError([e.value for e in at.exception])
        return elapsed * 1000

    def choose(types: list[str]) -> float:
        next(w for w in at.multiselect if w.label == "Incident type").set_value(types)
        return run()

    first = run()
    same = [run() for _ in range(runs)]
    changes = [choose([TYPE_CYCLE[i % len(TYPE_CYCLE)]]) for i in range(runs)]
    back_to_all = choose([])
    revisit = choose([TYPE_CYCLE[0]])
    return {"first_ms": first, "same_ms": median(same), "change_ms": median(changes),
            "changes_ms": changes, "back_to_all_ms": back_to_all, "revisit_ms": revisit}


def bench_rerun(work: Path, app: Path, db: Path, runs: int) -> dict[str, Any]:
    env = {**base_env(work), "GEO_DB": str(db)}
    return worker(["_apptest", str(app), str(runs)], env)


# --- browser --------------------------------------------------------------------------


def chromium() -> str | None:
    path = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    return path if Path(path).is_file() or shutil.which(path) else None


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def serve(app: Path, db: Path, work: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run APP` on 127.0.0.1 against store `db`; yields (url, process)."""
    from geo.devserver import running_app

    env = {**base_env(work), "GEO_DB": str(db)}
    log = work / f"streamlit-{app.stem}-{time.monotonic_ns()}.log"
    with running_app(app, env, log) as (url, proc):
        yield url, proc


#: What our first render waits for: incidents drawn over the department boundaries.
DRAWN = (".leaflet-container[data-departments] .inc-icon, "
         ".leaflet-container[data-departments] .inc-cluster")

#: True once a map frame holds an element matching the selector, laid out (a box).
FRAME_SHOWS = """(selector) => [...document.querySelectorAll('iframe[src*="streamlit_folium"]')]
  .some((f) => {
    const d = f.contentDocument, e = d && d.querySelector(selector);
    if (!e) { return false; }
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  })"""


def first_render(browser: Any, url: str, selector: str, context: Any = None,
                 shows: str = FRAME_SHOWS) -> float:
    """Seconds from navigation until an incident marker or cluster is visible, in a
    fresh browser context (a first visit: nothing cached) unless one is given.
    `shows(selector)`: what the page must show (the floor app: its line of text).

    Checked on every animation frame of the page. Not with a Playwright locator's
    wait: it looks again after 0, 20, 50, 100 and 100 ms, then every 500 ms, so a
    render of 2.6 s could be timed at up to 3.1 s."""
    own = context is None
    if own:
        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      service_workers="block")
    page = context.new_page()
    try:
        t = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_function(shows, arg=selector, polling="raf", timeout=TIMEOUT_MS)
        return time.perf_counter() - t
    finally:
        page.close()
        if own:
            context.close()


def cached_renders(browser: Any, url: str, selector: str, runs: int) -> list[float]:
    """First renders of new pages in one browser context: a returning visitor, whose
    browser has the app's scripts cached."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        first_render(browser, url, selector, context)
        return [first_render(browser, url, selector, context) for _ in range(runs)]
    finally:
        context.close()


#: True once some map frame shows exactly N incidents and has drawn them (after a
#: filter change the old map's frame lingers until the rerun ends); notes when, on
#: the page's clock (`window.__shownAt`).
MAP_SHOWS = """(n) => {
  const ok = [...document.querySelectorAll('iframe[src*="streamlit_folium"]')].some((f) => {
    const d = f.contentDocument;
    return !!(d && d.querySelector('.leaflet-container[data-incidents="' + n + '"]')
              && (n === 0 || d.querySelector('.inc-icon, .inc-cluster')));
  });
  if (ok) { window.__shownAt = performance.now(); }
  return ok;
}"""


def map_shown(counts: dict[str, int]) -> Any:
    """`shown(page, type)` for browser_filter_changes: the map shows exactly the
    type's incidents (`counts`: pinned_counts of the store)."""
    def shown(page: Any, chosen: str) -> None:
        page.wait_for_function(MAP_SHOWS, arg=counts[chosen], timeout=TIMEOUT_MS)
    return shown


#: True once the floor app's page shows type N chosen ("" = none, i.e. everything);
#: notes when, as MAP_SHOWS does.
FLOOR_SHOWS = """(n) => {
  const p = document.querySelector('[data-floor-types]');
  const ok = !!p && p.dataset.floorTypes === n;
  if (ok) { window.__shownAt = performance.now(); }
  return ok;
}"""

#: Notes on the page's clock when the next press (pointerdown) reaches it.
NOTE_PRESS = """() => {
  window.__pressedAt = null;
  document.addEventListener('pointerdown', () => { window.__pressedAt = performance.now(); },
                            {capture: true, once: true});
}"""


def browser_filter_changes(browser: Any, url: str, shown: Any, runs: int,
                           outer: list[float] | None = None) -> list[float]:
    """Seconds from choosing a type until the page shows it: `shown(page, type)` waits
    for that ("" = everything; ours: the map shows exactly the type's markers).

    Timed on the page's own clock, from the press on the option (pointerdown) to the
    animation frame where it shows: what the user waits. Timed from Python around
    Playwright's click (into `outer`), a change also holds the click's own checks that
    the option is visible and still, ~60-80 ms here."""
    import re

    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  service_workers="block")
    out = []
    try:
        page = context.new_page()
        page.goto(url, timeout=TIMEOUT_MS)
        shown(page, "")
        box = page.get_by_test_id("stMultiSelect").filter(has_text="Incident type")
        for i in range(runs):
            chosen = TYPE_CYCLE[i % len(TYPE_CYCLE)]
            if i:  # back to everything first (untimed): one type at a time
                for attempt in range(3):
                    # Out of the box first: focused, a long chip ("Protest / blockade")
                    # wraps the box to two lines and a click on Clear all opens the list.
                    page.evaluate("document.activeElement && document.activeElement.blur()")
                    box.get_by_role("button", name=re.compile("^Clear all")).first.click()
                    try:
                        page.wait_for_url(lambda u: "type=" not in u, timeout=20_000)
                        break
                    except Exception:
                        if attempt == 2:
                            raise
                        page.keyboard.press("Escape")
                shown(page, "")
            page.wait_for_timeout(500)  # let the page (or the last rerun) settle, each time
            for attempt in range(3):  # a rerun ending may close the list under the click
                box.locator("input").click()
                # The label then its count: "Riot (12,345)". A substring, not a regular
                # expression: Playwright's selector cannot hold the "/" of "Protest /
                # blockade" in one.
                option = page.get_by_role("option", name=f"{TYPE_LABELS[chosen]} (")
                option.wait_for(timeout=TIMEOUT_MS)
                page.evaluate(NOTE_PRESS)
                t = time.perf_counter()
                option.click()
                try:
                    page.wait_for_url(lambda u, c=chosen: f"type={c}" in u, timeout=20_000)
                    break
                except Exception:
                    if attempt == 2:
                        raise
                    page.keyboard.press("Escape")
            shown(page, chosen)
            if outer is not None:
                outer.append(time.perf_counter() - t)
            waited = page.evaluate("(window.__shownAt - window.__pressedAt) / 1000")
            if not isinstance(waited, int | float) or not 0 < waited < TIMEOUT_MS / 1000:
                raise RuntimeError(f"the press on {chosen!r} was not seen by the page")
            out.append(waited)
            page.keyboard.press("Escape")
    finally:
        context.close()
    return out


def bench_floor(work: Path, db: Path, runs: int) -> dict[str, Any]:
    """First renders and filter changes on benchmarks/floor_app.py: the dashboard's
    sidebar, no map."""
    from playwright.sync_api import sync_playwright

    def shown(page: Any, chosen: str) -> None:
        page.wait_for_function(FLOOR_SHOWS, arg=chosen, timeout=TIMEOUT_MS)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            with serve(FLOOR, db, work) as (url, _proc):
                first_render(browser, url, "", shows=FLOOR_SHOWS)  # the server's first
                renders = [first_render(browser, url, "", shows=FLOOR_SHOWS)
                           for _ in range(runs)]
                outer: list[float] = []
                changes = browser_filter_changes(browser, url, shown, runs, outer)
        finally:
            browser.close()
    return {"change_s": median(changes), "changes_s": changes,
            "change_outer_s": median(outer), "changes_outer_s": outer,
            "warm_s": median(renders), "warms_s": renders}


def bench_browser(work: Path, app: Path, db: Path, runs: int, cold_runs: int,
                  ours: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    selector = DRAWN if ours else ".leaflet-marker-icon"
    result: dict[str, Any] = {}
    counts = pinned_counts(db) if ours else {}
    if ours:  # the first start builds the store's frame file, the next ones load it
        from geo.store import FRAME_FILE_SUFFIX

        Path(str(db) + FRAME_FILE_SUFFIX).unlink(missing_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            cold = []
            for _ in range(max(cold_runs - 1, 0)):
                with serve(app, db, work) as (url, _proc):
                    cold.append(first_render(browser, url, selector))
            with serve(app, db, work) as (url, proc):
                cold.append(first_render(browser, url, selector))
                warm = [first_render(browser, url, selector) for _ in range(runs)]
                cached = cached_renders(browser, url, selector, runs)
                changes: list[float] = []
                outer: list[float] = []
                if ours:
                    try:
                        changes = browser_filter_changes(browser, url, map_shown(counts),
                                                         runs, outer)
                    except Exception as exc:  # report the rest rather than nothing
                        result["browser_change_error"] = str(exc)[:500]
                result["memory_mb"] = vm_hwm_mb(proc.pid)
        finally:
            browser.close()
    result.update(cold_s=median(cold), colds_s=cold, warm_s=median(warm), warms_s=warm,
                  cached_s=median(cached), cacheds_s=cached)
    if changes:
        result.update(browser_change_s=median(changes), browser_changes_s=changes,
                      browser_change_outer_s=median(outer), browser_changes_outer_s=outer)
    return result


# --- export ---------------------------------------------------------------------------


def _export_worker(db: str, runs: int) -> dict[str, Any]:
    from geo.store import Store

    store = Store(db, create=False)
    csv_times, geo_times, rows = [], [], 0
    for _ in range(runs):
        t = time.perf_counter()
        text = store.export_csv()
        csv_times.append(time.perf_counter() - t)
        rows = text.count("\r\n") - 1
        t = time.perf_counter()
        store.export_geojson()
        geo_times.append(time.perf_counter() - t)
    return {"csv_s": median(csv_times), "csvs_s": csv_times, "rows": rows,
            "geojson_s": median(geo_times)}


# --- report ---------------------------------------------------------------------------


def fmt(value: Any, unit: str = "", digits: int = 0) -> str:
    if not isinstance(value, int | float) or value != value:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def ratio(naive: Any, ours: Any) -> str:
    if not all(isinstance(v, int | float) and v == v and v > 0 for v in (naive, ours)):
        return "n/a"
    return f"{naive / ours:,.1f}×"


def report(results: dict[str, Any]) -> str:
    n = results["config"]["incidents"]
    lines = ["| figure | ours | target |", "| --- | --- | --- |"]
    ing = results.get("ingest")
    if ing:
        lines.append(f"| ingest, {ing['articles']:,} articles of ~{ing['mean_chars']:,} chars "
                     f"| {fmt(ing['rate'])} articles/s | > {TARGETS['ingest']:.0f}/s |")
    big = results.get("ours", {}).get(str(n), {})
    rr, br, fl = big.get("rerun", {}), big.get("browser", {}), big.get("floor", {})
    if rr:
        lines += [
            f"| rerun after a filter change (new state), {n:,} incidents "
            f"| {fmt(rr['change_ms'], ' ms')} | < {TARGETS['rerun_ms']:.0f} ms |",
            f"| rerun, same state / back to everything / revisited state "
            f"| {fmt(rr['same_ms'], ' ms')} / {fmt(rr['back_to_all_ms'], ' ms')} / "
            f"{fmt(rr['revisit_ms'], ' ms')} | |",
            f"| first script run in a fresh server process (caches cold) "
            f"| {fmt(rr['first_ms'], ' ms')} | |",
        ]
    if br:
        lines += [
            f"| first render in Chromium, fresh page, server running "
            f"| {fmt(br['warm_s'], ' s', 2)} | < {TARGETS['render_s']} s |",
            f"| first render, same but browser cache warm (returning visitor) "
            f"| {fmt(br.get('cached_s'), ' s', 2)} | |",
            f"| first render, first page after a server start "
            f"| {fmt(br['cold_s'], ' s', 2)} | |",
            f"| the same, first start after a data change (frame file built) "
            f"| {fmt(br['colds_s'][0], ' s', 2)} | |",
        ]
        if "warm_s" in fl:
            lines.append(f"| the same on the dashboard's sidebar with no map "
                         f"(`floor_app.py`: Streamlit's own page) "
                         f"| {fmt(fl['warm_s'], ' s', 2)} | |")
        if "browser_change_s" in br:
            lines.append(f"| filter change in Chromium, from the press on a type until "
                         f"the map shows it (timed around Playwright's click: "
                         f"{fmt(br.get('browser_change_outer_s'), ' s', 2)}) "
                         f"| {fmt(br['browser_change_s'], ' s', 2)} "
                         f"| < {TARGETS['change_s']} s |")
        if "change_s" in fl:
            lines.append(f"| the same on the dashboard's sidebar with no map "
                         f"(`floor_app.py`: Streamlit's own round trip; around the click: "
                         f"{fmt(fl.get('change_outer_s'), ' s', 2)}) "
                         f"| {fmt(fl['change_s'], ' s', 2)} | |")
        lines.append(f"| server peak memory (VmHWM) | {fmt(br['memory_mb'], ' MB')} "
                     f"| < {TARGETS['memory_mb']:,.0f} MB |")
    ex = results.get("export")
    if ex:
        lines.append(f"| CSV export of {ex['rows']:,} rows (`Store.export_csv`) "
                     f"| {fmt(ex['csv_s'] * 1000, ' ms')} | < {TARGETS['csv_s'] * 1000:,.0f} ms |")
        lines.append(f"| GeoJSON export of {ex['rows']:,} rows | "
                     f"{fmt(ex['geojson_s'] * 1000, ' ms')} | |")
    sizes = results["config"]["naive_sizes"]
    if results.get("naive"):
        lines += ["", "| same measure | " + " | ".join(
            f"naive {s:,} | ours {s:,} | naive/ours" for s in sizes) + f" | ours {n:,} |",
            "| --- |" + " --- | --- | --- |" * len(sizes) + " --- |"]
        rows = [
            ("rerun after a filter change", "rerun", "change_ms", " ms", 0, 1),
            ("rerun, same state", "rerun", "same_ms", " ms", 0, 1),
            ("first render, fresh page", "browser", "warm_s", " s", 2, 1),
            ("first render, browser cache warm", "browser", "cached_s", " s", 2, 1),
            ("server peak memory", "browser", "memory_mb", " MB", 0, 1),
        ]
        for label, part, key, unit, digits, _ in rows:
            cells = []
            for s in sizes:
                nv = results["naive"].get(str(s), {}).get(part, {}).get(key)
                ov = results["ours"].get(str(s), {}).get(part, {}).get(key)
                cells += [fmt(nv, unit, digits), fmt(ov, unit, digits), ratio(nv, ov)]
            bv = big.get(part, {}).get(key)
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {fmt(bv, unit, digits)} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "load_avg_start": os.getloadavg()}
    try:
        import streamlit

        info["streamlit"] = streamlit.__version__
    except ImportError:
        pass
    path = chromium()
    if path:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            info["chromium"] = subprocess.run([path, "--version"], capture_output=True,
                                              text=True, timeout=30).stdout.strip()
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_ingest":
        print(json.dumps(_ingest_worker(argv[1], argv[2])))
        return 0
    if argv and argv[0] == "_apptest":
        print(json.dumps(_apptest_worker(argv[1], int(argv[2]))))
        return 0
    if argv and argv[0] == "_export":
        print(json.dumps(_export_worker(argv[1], int(argv[2]))))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="20,000 incidents, 300 articles, 3 runs, one cold start")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; quick 3)")
    parser.add_argument("--incidents", type=int, help="incidents in the big store (100,000)")
    parser.add_argument("--articles", type=int, help="articles to ingest (1,000)")
    parser.add_argument("--naive-sizes", default="1000,10000",
                        help="store sizes for the naive baseline (and ours beside it)")
    parser.add_argument("--cold-runs", type=int, help="server starts for the cold render (5)")
    parser.add_argument("--only", default="ingest,rerun,browser,export,naive",
                        help="comma-separated subset of: ingest,rerun,browser,export,naive")
    parser.add_argument("--workdir", type=Path,
                        help="keep the synthetic data here (reused next time) instead of "
                             "a temporary folder")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    n = args.incidents or (20_000 if args.quick else 100_000)
    articles = args.articles or (300 if args.quick else 1000)
    cold_runs = args.cold_runs or (1 if args.quick else 5)
    sizes = [int(s) for s in args.naive_sizes.split(",") if s]
    only = set(args.only.split(","))
    if not chromium():
        print("no Chromium (/usr/bin/chromium or $CHROMIUM): browser figures skipped")
        only -= {"browser"}

    work = args.workdir or Path(tempfile.mkdtemp(prefix="geo-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.update({k: v for k, v in base_env(work).items() if k.startswith("GEO_")})
    results: dict[str, Any] = {
        "config": {"incidents": n, "articles": articles, "runs": runs, "cold_runs": cold_runs,
                   "naive_sizes": sizes},
        "machine": machine(), "ours": {}, "naive": {},
    }
    started = time.perf_counter()
    try:
        print(f"work folder: {work}", flush=True)
        if "ingest" in only:
            print(f"ingest: {articles} articles x {runs} runs", flush=True)
            results["ingest"] = bench_ingest(work, articles, runs)
        stores = {s: make_store(work / f"store-{s}.sqlite", s)
                  for s in sorted({n, *(sizes if "naive" in only else [])})}
        for size, db in stores.items():
            entry = results["ours"].setdefault(str(size), {})
            if "rerun" in only and (size == n or "naive" in only):
                print(f"ours, {size:,} incidents: reruns", flush=True)
                entry["rerun"] = bench_rerun(work, DASHBOARD, db, runs)
            if "browser" in only and (size == n or "naive" in only):
                print(f"ours, {size:,} incidents: browser", flush=True)
                entry["browser"] = bench_browser(
                    work, DASHBOARD, db, runs, cold_runs if size == n else 1, ours=True)
                if size == n:
                    print(f"floor, {size:,} incidents: filter changes", flush=True)
                    try:
                        entry["floor"] = bench_floor(work, db, runs)
                    except Exception as exc:  # report the rest rather than nothing
                        entry["floor"] = {"error": str(exc)[:500]}
        if "export" in only:
            print(f"export: {n:,} rows", flush=True)
            results["export"] = worker(["_export", str(stores[n]), str(runs)],
                                       {**base_env(work), "GEO_DB": str(stores[n])})
        if "naive" in only:
            for size in sizes:
                entry = results["naive"].setdefault(str(size), {})
                print(f"naive, {size:,} incidents: reruns", flush=True)
                entry["rerun"] = bench_rerun(work, NAIVE, stores[size], runs)
                if "browser" in only:
                    print(f"naive, {size:,} incidents: browser", flush=True)
                    entry["browser"] = bench_browser(work, NAIVE, stores[size], runs, 1,
                                                     ours=False)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started)
    table = report(results)
    print()
    print(table)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "benchmarks.json").write_text(json.dumps(results, indent=1), "utf-8")
    (ARTIFACTS / "benchmarks.md").write_text(
        f"# Benchmarks\n\n`{' '.join(['python -m benchmarks.run', *argv])}`, "
        f"{results['machine']}\n\n{table}\n", "utf-8")
    print(f"\nwritten to {ARTIFACTS / 'benchmarks.md'} and benchmarks.json "
          f"({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
