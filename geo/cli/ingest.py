"""`python -m geo ingest [PATH...]`: add article files and folders to the incident store.

    python -m geo ingest                    # seeds/
    GEO_DB=/tmp/x.sqlite python -m geo ingest articles/ more/one.html

One line per file on stderr ("[3/120] seeds/foo.txt: 2 incidents"); a file that
cannot be read or extracted is reported ("skipped seeds/x.txt: <reason>") and the
others go on. Everything is committed at the end in one transaction: an interrupted
ingest leaves the previous store. Running it again on the same files changes
nothing. Exit code: 0 if every file was ingested or unchanged, 1 if some file was
skipped for an error (the others are still committed), 2 if nothing could be done
(store or corrections file unusable).
"""

from __future__ import annotations

import argparse
import sys

from geo import config
from geo.cli import add_online_options, online_choice


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="add article files/folders to the incident store",
        description="Extract incidents from article files and folders into the store "
                    "(GEO_DB), merge reports of the same event across articles and "
                    "re-apply the analyst corrections (GEO_CORRECTIONS).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help=f"article files or folders (default: {config.SEEDS_DIR.name}/)")
    p.add_argument("--db", metavar="FILE", help="store file (default: GEO_DB or "
                   "data/incidents.sqlite)")
    p.add_argument("--corrections", metavar="FILE",
                   help="corrections file (default: GEO_CORRECTIONS or data/corrections.json)")
    p.add_argument("--force", action="store_true",
                   help="re-extract unchanged files too (after a gazetteer or extractor update)")
    add_online_options(p)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no per-file lines, only skipped files and the summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.store import Progress, Store

    paths = args.paths or [config.SEEDS_DIR]
    store = Store(args.db)
    geocoder = None
    online = online_choice(args)
    if online is not None:
        from geo.geocoder import Geocoder

        geocoder = Geocoder(online=online)

    def progress(p: Progress) -> None:
        if p.status == "failed" or not args.quiet:
            print(p, file=sys.stderr, flush=True)

    try:
        report = store.ingest(paths, progress=progress, geocoder=geocoder, force=args.force,
                              corrections_path=args.corrections)
    finally:
        if geocoder is not None:
            geocoder.close()
        store.close()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    unchanged = sum(1 for _, why in report.skipped if why == "unchanged")
    duplicates = len(report.skipped) - unchanged
    parts = [f"{len(report.added)} added", f"{len(report.updated)} updated",
             f"{unchanged} unchanged"]
    if duplicates:
        parts.append(f"{duplicates} duplicate{'s' if duplicates != 1 else ''}")
    parts.append(f"{len(report.failed)} failed")
    print(f"ingest: {', '.join(parts)}; {report.incidents} incidents in {store.path}",
          file=sys.stderr)
    if not (report.added or report.updated or report.skipped or report.failed):
        print("ingest: no article file found (.txt, .html, .htm, .md)", file=sys.stderr)
    return 1 if report.failed else 0
