"""`python -m geo cache`: look into the geocoding cache, forget one query, or clear it.

    python -m geo cache list                 # every cached online answer
    python -m geo cache list "Bey" --json
    python -m geo cache purge "Hameau-Imaginaire" --provider nominatim
    python -m geo cache clear
    python -m geo cache expire               # delete the expired answers

Why: an online answer is kept for GEO_CACHE_DAYS; when a service gave a wrong
one, the analyst removes it here instead of deleting the whole file by hand.
Queries are matched as the cache keys them (accents, case and hyphens ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from geo.normalize import fold


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cache",
        help="list, purge or clear the geocoding cache",
        description="The cache of online geocoding answers (GEO_CACHE): list its "
                    "entries, delete those of one query, delete the expired ones, or "
                    "clear it.",
    )
    p.add_argument("action", choices=("list", "purge", "clear", "expire"),
                   help="list [QUERY], purge QUERY, clear, expire")
    p.add_argument("query", nargs="?", metavar="QUERY",
                   help="a place name as it was asked (accents and case ignored)")
    p.add_argument("--provider", metavar="NAME", help="only this provider's answers")
    p.add_argument("--json", action="store_true", help="list: print a JSON array")
    p.add_argument("--cache", metavar="PATH", help="cache file (default GEO_CACHE)")
    p.set_defaults(func=run)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    return dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M")


def run(args: argparse.Namespace) -> int:
    from geo import config
    from geo.cache import GeoCache
    from geo.errors import GeoError

    path = args.cache or config.cache_path()
    if args.action == "purge" and not args.query:
        raise GeoError("cache purge: give the QUERY whose answers to delete")
    key = fold(args.query) if args.query else None
    with GeoCache(path) as cache:
        if args.action == "list":
            entries = cache.entries(key, args.provider)
            if args.json:
                json.dump(entries, sys.stdout, ensure_ascii=False, indent=2)
                sys.stdout.write("\n")
                return 0
            for e in entries:
                places = e["places"]
                if not e["readable"]:
                    what = "unreadable"
                elif not places:
                    what = "no such place"
                else:
                    what = "; ".join(
                        f"{p.get('name')} ({p.get('lat')}, {p.get('lon')})" for p in places[:3])
                print(f"{e['query']}\t{e['provider']}\t{e['context']}\t{what}\t"
                      f"expires {_when(e['expires'])}")
            print(f"cache: {len(entries)} answers in {path}", file=sys.stderr)
        elif args.action == "purge":
            n = cache.purge(key or "", args.provider)
            print(f"cache: {n} answers for {args.query!r} deleted from {path}", file=sys.stderr)
        elif args.action == "expire":
            n = cache.purge_expired()
            print(f"cache: {n} expired answers deleted from {path}", file=sys.stderr)
        else:
            n = cache.clear()
            print(f"cache: {n} answers deleted from {path}", file=sys.stderr)
    return 0
