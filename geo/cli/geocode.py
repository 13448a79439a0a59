"""`python -m geo geocode`: resolve place names, offline first, online if asked.

    python -m geo geocode --json "Nîmes" "Bey (Saône-et-Loire)"
    printf 'Valence\\nthe Baumettes\\n' | python -m geo geocode --json -
    python -m geo geocode --online nominatim,ban --department Ain Bey
"""

from __future__ import annotations

import argparse
import json
import sys

from geo import config
from geo.errors import GeoError
from geo.model import Place
from geo.providers import PROVIDERS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "geocode",
        help="resolve place names to coordinates",
        description="Resolve place names (English or French, with an optional department "
                    "in brackets or after a comma) with the offline gazetteer, and with "
                    "online providers when enabled.",
    )
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="place names; '-' reads one name per line from standard input")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array of places instead of one line per name")
    p.add_argument("--online", metavar="LIST",
                   help=f"comma-separated online providers to enable ({', '.join(PROVIDERS)}); "
                        "default: GEO_ONLINE; ignored when GEO_OFFLINE=1")
    p.add_argument("--offline", action="store_true", help="use no online provider")
    p.add_argument("--department", help="context: the department the names are in")
    p.add_argument("--region", help="context: the region the names are in")
    p.add_argument("--near", action="append", default=[], metavar="LAT,LON",
                   help="context: a point of the same article (repeatable)")
    p.add_argument("--cache", metavar="PATH", help="geocoding cache file (default GEO_CACHE)")
    p.set_defaults(func=run)


def _names(args: argparse.Namespace) -> list[str]:
    names: list[str] = []
    for n in args.names:
        if n == "-":
            names.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            names.append(n)
    return names


def _near(values: list[str]) -> list[tuple[float, float]]:
    points = []
    for v in values:
        try:
            lat, lon = (float(x) for x in v.split(","))
        except ValueError as exc:
            raise GeoError(f"--near {v!r}: expected LAT,LON") from exc
        points.append((lat, lon))
    return points


def run(args: argparse.Namespace) -> int:
    from geo.geocoder import Geocoder, GeoContext

    names = _names(args)
    if not names:
        raise GeoError("no names given (pass NAME... or '-' to read them from stdin)")
    if args.offline:
        online: list[str] | None = []
    elif args.online is not None:
        online = [p.strip().lower() for p in args.online.split(",") if p.strip()]
        if config.offline() and online:
            print("warning: GEO_OFFLINE is set; --online ignored", file=sys.stderr)
            online = []
    else:
        online = None
    context = None
    if args.department or args.region or args.near:
        context = GeoContext(department=args.department, region=args.region,
                             near=_near(args.near))
    geocoder = Geocoder(online=online, cache_path=args.cache)
    try:
        places = [geocoder.geocode(n, context) for n in names]
    finally:
        geocoder.close()
    if args.json:
        json.dump([p.to_dict() for p in places], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for p in places:
            print(_line(p))
    return 0


def _line(p: Place) -> str:
    if not p.resolved:
        return f"{p.query}\tunresolved\t{p.reason}"
    where = f"{p.department} ({p.department_code})" if p.department_code else (p.region or "")
    extra = f"\t{p.reason}" if p.reason else ""
    return (f"{p.query}\t{p.name}\t{p.lat:.5f},{p.lon:.5f}\t{p.kind}/{p.precision}\t"
            f"{where}\t{p.provider}{extra}")
