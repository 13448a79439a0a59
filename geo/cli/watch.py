"""`python -m geo watch FEEDS_FILE --every MINUTES`: poll news feeds, ingest new items.

    python -m geo watch feeds.txt --every 30
    python -m geo watch feeds.txt --once          # one poll, e.g. from cron

FEEDS_FILE lists one feed URL per line (blank lines and `#` comments ignored);
it is read again at every poll, so it can be edited while `watch` runs. Each
poll fetches every feed (conditional GET, robots.txt honoured), fetches the
items not seen before (remembered in the store by URL and GUID), archives them
and ingests them in one transaction, then prints one line per new article on
standard output ("new: TITLE <URL>: 2 incidents"). Errors name their URL on
standard error and the poll goes on. Ctrl-C stops it cleanly: an interrupted
poll leaves the store as it was and its items are taken again next time.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo import config
from geo.cli import add_online_options, online_choice
from geo.errors import GeoError
from geo.web import is_url

if TYPE_CHECKING:
    from geo.store import Store
    from geo.web.fetch import Fetcher

#: A feeds file is a short list of URLs; a larger file is a mistake.
MAX_FEEDS_FILE_BYTES = 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="poll RSS/Atom feeds and ingest their new items",
        description="Poll the feeds listed in FEEDS_FILE (one URL per line) every MINUTES, "
                    "ingest new items only, print one line per new article. Ctrl-C stops.",
    )
    p.add_argument("feeds_file", metavar="FEEDS_FILE", help="file with one feed URL per line")
    p.add_argument("--every", metavar="MINUTES", type=float, default=30.0,
                   help="minutes between two polls (default: 30)")
    p.add_argument("--once", action="store_true", help="poll once and exit")
    p.add_argument("--max-items", metavar="N", type=int,
                   help="items fetched per feed and poll (default: GEO_WEB_MAX_ITEMS or 100)")
    p.add_argument("--db", metavar="FILE", help="store file (default: GEO_DB)")
    p.add_argument("--corrections", metavar="FILE",
                   help="corrections file (default: GEO_CORRECTIONS)")
    add_online_options(p)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="only new articles, errors and the poll summary")
    p.set_defaults(func=run)


def read_feeds(path: str) -> list[str]:
    """The feed URLs of the file; GeoError naming the file and line otherwise."""
    try:
        raw = Path(path).read_bytes()[: MAX_FEEDS_FILE_BYTES + 1]
    except OSError as exc:
        raise GeoError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FEEDS_FILE_BYTES:
        raise GeoError(f"{path}: too large for a list of feeds")
    urls: list[str] = []
    for number, line in enumerate(raw.decode("utf-8-sig", errors="replace").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            raise GeoError(f"{path}, line {number}: not a URL: {line[:80]!r}")
        if line not in urls:
            urls.append(line)
    if not urls:
        raise GeoError(f"{path}: no feed URL in it")
    return urls


def run(args: argparse.Namespace) -> int:
    from geo.store import Store
    from geo.web.fetch import Fetcher

    if config.offline():
        raise GeoError("watch fetches feeds from the web: GEO_OFFLINE=1 forbids it")
    if not 0 < args.every <= 7 * 24 * 60:
        raise GeoError(f"--every {args.every:g}: expected minutes between 0 and one week")
    if args.max_items is not None and args.max_items < 1:
        raise GeoError("--max-items: expected at least 1")
    feeds = read_feeds(args.feeds_file)
    # Ctrl-C stops the watch even when it was started with SIGINT ignored (a background
    # job of a script, a parent that ignores it): Python then installs no handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    fetcher = Fetcher()  # one for the whole watch: per-host delays hold across polls
    store = Store(args.db)
    geocoder = None
    online = online_choice(args)
    if online is not None:
        from geo.geocoder import Geocoder

        geocoder = Geocoder(online=online)
    failed = 0
    try:
        while True:
            try:
                feeds = read_feeds(args.feeds_file)
            except GeoError as exc:  # an edit in progress: keep the last good list
                print(f"warning: {exc}; polling the previous list", file=sys.stderr)
            failed = poll(store, feeds, fetcher, geocoder, args)
            if args.once:
                break
            time.sleep(args.every * 60)
    except KeyboardInterrupt:
        print("watch: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        if geocoder is not None:
            geocoder.close()
        store.close()
    return 1 if failed else 0


def poll(store: Store, feeds: list[str], fetcher: Fetcher, geocoder: Any,
         args: argparse.Namespace) -> int:
    """One round over the feeds; prints the new articles; the number of failures."""
    from geo.store import Progress
    from geo.web import intake

    outcome: dict[str, str] = {}

    def progress(p: Progress) -> None:
        outcome[p.path] = p.message
        if p.status == "failed":
            print(p, file=sys.stderr, flush=True)

    def say(line: str) -> None:
        if line.startswith("skipped ") or not args.quiet:
            print(line, file=sys.stderr, flush=True)

    report, web = intake.ingest(store, feeds, progress, robots=True, say=say,
                                fetcher=fetcher, max_items=args.max_items,
                                geocoder=geocoder, corrections_path=args.corrections)
    added = set(report.added)
    new = 0
    for taken in web.taken:
        if taken.url in added:
            new += 1
            title = taken.title or "(no title)"
            print(f"new: {title} <{taken.url}>: {outcome.get(taken.url, 'ingested')}",
                  flush=True)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    next_poll = "" if args.once else f"; next poll in {args.every:g} min"
    print(f"watch {stamp}: {len(feeds)} feeds, {new} new articles, {len(report.failed)} "
          f"failed; {report.incidents} incidents in {store.path}{next_poll}",
          file=sys.stderr, flush=True)
    return len(report.failed)
