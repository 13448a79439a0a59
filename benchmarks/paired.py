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
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import run as bench
from geo.devserver import running_app


@contextlib.contextmanager
def serve(tree: Path, db: Path, work: Path) -> Iterator[str]:
    """`streamlit run TREE/dashboard.py` with TREE's code; yields its URL."""
    env = {**bench.base_env(work), "GEO_DB": str(db), "PYTHONPATH": str(tree)}
    log = work / f"paired-{tree.name}-{time.monotonic_ns()}.log"
    with running_app(tree / "dashboard.py", env, log, cwd=tree) as (url, _proc):
        yield url


def measure(browser: object, url: str, what: str, runs: int, counts: dict[str, int]
            ) -> list[float]:
    if what == "render":
        bench.first_render(browser, url, bench.DRAWN)  # the server's first page: not timed
        return [bench.first_render(browser, url, bench.DRAWN) for _ in range(runs)]
    return bench.browser_filter_changes(browser, url, bench.map_shown(counts), runs)


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
