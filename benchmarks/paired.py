"""Two versions of the dashboard timed in turn, for a comparison the machine's drift
does not decide: `benchmarks/run.py`'s filter change or first render, each tree
served against the same synthetic store and browser, rounds alternated.

    git worktree add /tmp/before <commit>
    .venv/bin/python -m benchmarks.paired /tmp/before . --what change --rounds 3 --runs 6

Each tree is served from its own folder (its `geo` package first on the path, its
own `static/`), with this checkout's Python environment. Prints every round and the
median of all of a tree's figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks import run as bench
from geo.devserver import _wait_healthy, free_port

#: What the first render waits for (as benchmarks/run.py measures it).
DRAWN = (".leaflet-container[data-departments] .inc-icon, "
         ".leaflet-container[data-departments] .inc-cluster")


@contextlib.contextmanager
def serve(tree: Path, db: Path, work: Path) -> Iterator[str]:
    """`streamlit run TREE/dashboard.py` with TREE's code; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**bench.base_env(work), "GEO_DB": str(db), "PYTHONPATH": str(tree)}
    log = work / f"paired-{tree.name}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(tree / "dashboard.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(url, proc, log, 120)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def measure(browser: object, url: str, what: str, runs: int, counts: dict[str, int]
            ) -> list[float]:
    if what == "render":
        bench.first_render(browser, url, DRAWN)  # the server's first page: not timed
        return [bench.first_render(browser, url, DRAWN) for _ in range(runs)]

    def shown(page: object, chosen: str) -> None:
        page.wait_for_function(bench.MAP_SHOWS, arg=counts[chosen],  # type: ignore[attr-defined]
                               timeout=bench.TIMEOUT_MS)

    return bench.browser_filter_changes(browser, url, shown, runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, type=Path, help="two checkouts of the project")
    parser.add_argument("--what", choices=("change", "render"), default="change")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=6, help="figures per tree and round")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/geo-paired"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.workdir.mkdir(parents=True, exist_ok=True)
    db = bench.make_store(args.workdir / f"store-{args.incidents}.sqlite", args.incidents)
    counts = bench.pinned_counts(db)
    trees = [t.resolve() for t in args.trees]
    figures: dict[Path, list[float]] = {t: [] for t in trees}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=bench.chromium(),
                                     args=bench.CHROMIUM_ARGS)
        try:
            for round_ in range(args.rounds):
                for tree in trees:
                    with serve(tree, db, args.workdir) as url:
                        got = measure(browser, url, args.what, args.runs, counts)
                    figures[tree] += got
                    print(f"round {round_}  {tree}: {' '.join(f'{x:.3f}' for x in got)}"
                          f"  (median {statistics.median(got):.3f} s)", flush=True)
        finally:
            browser.close()
    for tree in trees:
        print(f"{args.what} {tree}: median {statistics.median(figures[tree]):.3f} s "
              f"over {len(figures[tree])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
