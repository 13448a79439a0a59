"""`python -m geo extract [--json] FILE...`: the incidents of some articles, not stored.

For checking what the extractor makes of an article before ingesting it. A file that
cannot be read is named on stderr; the others are still processed, and the exit code
is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from geo.errors import GeoError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="print the incidents found in article files (nothing is stored)",
        description="Print the incidents found in article files, without storing them.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="article files (.txt, .html, .md)")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array of incidents (Incident.to_dict() plus 'article')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.articles import load_article
    from geo.geocoder import Geocoder
    from geo.pipeline import extract

    geocoder = Geocoder()
    out: list[dict[str, Any]] = []
    failed = 0
    try:
        for name in args.files:
            if Path(name).is_dir():
                print(f"error: {name} is a folder: extract reads article files; to add a "
                      f"folder's articles to the store, run: python -m geo ingest {name}",
                      file=sys.stderr)
                failed += 1
                continue
            try:
                article = load_article(name)
                incidents = extract(article, geocoder)
            except GeoError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed += 1
                continue
            except (ValueError, TypeError, KeyError, IndexError) as exc:  # a bug, named
                print(f"error: {name}: extraction failed ({type(exc).__name__}: {exc})",
                      file=sys.stderr)
                failed += 1
                continue
            for inc in incidents:
                d = inc.to_dict()
                d["article"] = article.stem
                out.append(d)
                if not args.json:
                    print(_line(article.stem, d))
    finally:
        geocoder.close()
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif not out and not failed:
        print("no incident found", file=sys.stderr)
    return 1 if failed else 0


def _line(stem: str, d: dict[str, Any]) -> str:
    """One incident on one line, for reading in a terminal."""
    where = d["place"] or "?"
    if d["lat"] is not None:
        where += f" ({d['lat']:.4f}, {d['lon']:.4f}"
        where += f" ±{d['radius_km']:.0f} km)" if d.get("radius_km") else ")"
    counts = "".join(
        f" {k}={d[k]}" for k in ("killed", "injured") if d[k] is not None
    )
    return (f"{stem}  {d['event_date'] or '?'} [{d['date_precision']}]  "
            f"{'+'.join(d['types'])}  {where} [{d['geo_precision']}]"
            f"{' target=' + d['target'] if d['target'] else ''}{counts}"
            f"  conf={d['confidence']}")
