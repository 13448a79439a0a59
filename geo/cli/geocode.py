"""`python -m geo geocode`: resolve place names, offline first, online if asked.

    python -m geo geocode --json "Nîmes" "Bey (Saône-et-Loire)"
    printf 'Valence\\nthe Baumettes\\n' | python -m geo geocode --json -
    python -m geo geocode --online nominatim,ban --department Ain Bey
"""

from __future__ import annotations

import argparse
import json
import sys

from geo.cli import add_online_options, online_choice
from geo.errors import GeoError
from geo.model import Place


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
    add_online_options(p)
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
    online = online_choice(args)
    context = None
    if args.department or args.region:
        from geo.cli.resolve import department_index, region_index, resolve

        if args.department:
            args.department = resolve("--department", "department", [args.department],
                                      department_index())[0]
        if args.region:
            args.region = resolve("--region", "region", [args.region], region_index())[0]
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
