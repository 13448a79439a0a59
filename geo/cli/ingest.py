"""`python -m geo ingest [PATH|URL...]`: add article files, folders and web pages to the store.

    python -m geo ingest                    # seeds/
    GEO_DB=/tmp/x.sqlite python -m geo ingest articles/ more/one.html
    python -m geo ingest https://example.org/article https://example.org/feed.xml

A URL is a news page (text and metadata read by trafilatura) or an RSS/Atom feed
whose new items are fetched; each fetched page is archived under GEO_WEB_ARCHIVE
(data/web/) and ingested from there, named by its URL in the lines below; with
GEO_OFFLINE=1 URLs are refused one by one and the files still go in.

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
import os
import sys

from geo import config
from geo.articles import HIDDEN_FOLDER_REASON, HIDDEN_REASON
from geo.cli import add_online_options, online_choice


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="add article files/folders to the incident store",
        description="Extract incidents from article files and folders into the store "
                    "(GEO_DB), merge reports of the same event across articles and "
                    "re-apply the analyst corrections (GEO_CORRECTIONS).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH|URL",
                   help=f"article files or folders (default: {config.SEEDS_DIR.name}/), "
                        "or http(s) URLs of news pages and RSS/Atom feeds")
    p.add_argument("--db", metavar="FILE", help="store file (default: GEO_DB or "
                   "data/incidents.sqlite)")
    p.add_argument("--corrections", metavar="FILE",
                   help="corrections file (default: GEO_CORRECTIONS or data/corrections.json)")
    p.add_argument("--meta", metavar="FILE.json",
                   help="metadata for the URLs given (a sidecar: title, source, url, "
                        "published, author, language); it overrides what the pages say")
    p.add_argument("--force", action="store_true",
                   help="re-extract unchanged files too (after a gazetteer or extractor update)")
    add_online_options(p)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no per-file lines, only skipped files and the summary")
    p.set_defaults(func=run)


def read_meta(path: str | None) -> dict[str, str | None] | None:
    """The --meta file's fields; GeoError naming the file when it is not a valid sidecar."""
    if path is None:
        return None
    import json
    from pathlib import Path

    from geo.errors import GeoError
    from geo.web.archive import validate_overrides

    try:
        data = json.loads(Path(path).read_bytes()[: 256 * 1024].decode("utf-8-sig"))
    except OSError as exc:
        raise GeoError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError
        raise GeoError(f"{path}: not UTF-8 JSON: {exc}") from None
    return validate_overrides(data, path)


def hidden_entries(items: list) -> tuple[list[str], list[str]]:
    """The dotfiles and the dot-folders in the folders given (not URLs), named under the
    folder as typed: (files, folders)."""
    from pathlib import Path

    from geo.articles import hidden_paths

    folders = [str(i) for i in items if not str(i).startswith(("http://", "https://"))
               and Path(str(i)).is_dir()]
    files, dirs = hidden_paths(folders)
    return [str(p) for p in files], [str(p) + os.sep for p in dirs]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def run(args: argparse.Namespace) -> int:
    from geo.store import Progress, Store
    from geo.web import intake

    paths = args.paths or [config.SEEDS_DIR]
    overrides = read_meta(args.meta)
    hidden, hidden_dirs = hidden_entries(paths)
    store = Store(args.db)
    try:
        store.check_writable()  # before any file is read, not after all are extracted
    except BaseException:
        store.close()
        raise
    geocoder = None
    online = online_choice(args)
    if online is not None:
        from geo.geocoder import Geocoder

        geocoder = Geocoder(online=online)

    def progress(p: Progress) -> None:
        if p.status == "failed" or not args.quiet:
            print(p, file=sys.stderr, flush=True)

    def say(line: str) -> None:
        if line.startswith("skipped ") or not args.quiet:
            print(line, file=sys.stderr, flush=True)

    for path in hidden_dirs:
        say(f"skipped {path}: {HIDDEN_FOLDER_REASON}")
    for path in hidden:
        say(f"skipped {path}: {HIDDEN_REASON}")
    try:
        report, _ = intake.ingest(store, paths, progress=progress, overrides=overrides, say=say,
                                  geocoder=geocoder, force=args.force,
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
    if hidden:
        parts.append(_count(len(hidden), "hidden file"))
    if hidden_dirs:
        parts.append(_count(len(hidden_dirs), "hidden folder"))
    parts.append(f"{len(report.failed)} failed")
    print(f"ingest: {', '.join(parts)}; {report.incidents} incidents in {store.path}",
          file=sys.stderr)
    if not (report.added or report.updated or report.skipped or report.failed or hidden
            or hidden_dirs):
        print("ingest: no article file found (.txt, .html, .htm, .md)", file=sys.stderr)
    return 1 if report.failed else 0
