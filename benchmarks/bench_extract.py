"""Extraction at the size limit: the largest article a user may add, read end to end.

    .venv/bin/python -m benchmarks.bench_extract [--runs 3] [--mb 5]

Three synthetic articles of `--mb` megabytes (the upload limit, GEO_MAX_ARTICLE_BYTES):
one sentence listing thousands of places, one story repeated sentence after
sentence, and tens of thousands of distinct incident sentences. Prints the median
time to load (decode, clean, split) and to extract, or the sentence at which the
extraction budget (GEO_EXTRACT_SECONDS) stopped it. Offline; writes nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.articles import article_from_bytes  # noqa: E402
from geo.errors import GeoError  # noqa: E402
from geo.extract import extract_incidents  # noqa: E402
from geo.gazetteer import KIND, NAME  # noqa: E402
from geo.geocoder import Geocoder  # noqa: E402


def articles(towns: list[str], size: int) -> dict[str, str]:
    """The three worst cases, each about `size` characters."""
    listed = ", ".join(towns)
    one_list = "Guards protested outside prisons in " + (
        (listed + ", ") * (size // len(listed) + 1))[:size] + " and Lyon on Tuesday."
    story = "Shots were fired at the prison of Toulon overnight, and cars burned in Nîmes. "
    repeated = story * (size // len(story))
    parts, i, total = [], 0, 0
    while total < size:
        s = (f"Shots were fired at the prison of {towns[i % len(towns)]} on night {i}, "
             f"and {i % 7} guards were hurt. ")
        parts.append(s)
        total += len(s)
        i += 1
    return {"one sentence listing places": one_list, "one story repeated": repeated,
            "distinct incident sentences": "".join(parts)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args(argv)
    geocoder = Geocoder(online=[])
    towns = [r[NAME] for r in geocoder.gazetteer.records if r[KIND] == "commune"][:3000]
    print(f"| article ({args.mb:.0f} MB) | load | extract | incidents or stop |")
    print("| --- | --- | --- | --- |")
    for name, text in articles(towns, int(args.mb * 1_000_000)).items():
        data = text.encode()
        loads, extracts, outcome = [], [], ""
        for _ in range(args.runs):
            t0 = time.perf_counter()
            article = article_from_bytes(data, Path("big.txt"), {"published": "2025-04-15"})
            t1 = time.perf_counter()
            try:
                outcome = f"{len(extract_incidents(article, geocoder))} incidents"
            except GeoError as e:
                outcome = "stopped: " + str(e).split(": ", 1)[-1][:60] + "..."
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            extracts.append(t2 - t1)
        print(f"| {name} | {statistics.median(loads):.1f} s | "
              f"{statistics.median(extracts):.1f} s | {outcome} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
