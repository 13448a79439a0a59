"""`python -m geo export`: the store's incidents as CSV or GeoJSON, with the
dashboard's filters.

    python -m geo export --format csv --type arson gunfire --from 2025-04-01 -o april.csv
    python -m geo export --format geojson --department Var > var.geojson

CSV is UTF-8 with a byte-order mark (Excel reads the accents) and spreadsheet-safe
(no cell is read as a formula). Rejected incidents are left out unless
--include-rejected. Writes to standard output unless -o is given; a file is
written whole or not at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from geo.cli.resolve import department_index, incident_type, index, prison_index, resolve
from geo.errors import GeoError
from geo.model import INCIDENT_TYPES


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export incidents as CSV or GeoJSON, with the dashboard's filters",
        description="Export the store's incidents (GEO_DB) as CSV or GeoJSON. Filters "
                    "combine with AND; the values of one repeated filter with OR.",
    )
    p.add_argument("--format", choices=("csv", "geojson"), default="csv",
                   help="output format (default: csv)")
    p.add_argument("--type", dest="types", nargs="+", action="extend", default=[],
                   type=incident_type, metavar="TYPE",
                   help=f"incident types: {', '.join(INCIDENT_TYPES)} (any case; the "
                        "dashboard's labels in English or French work too)")
    p.add_argument("--source", dest="sources", nargs="+", action="extend", default=[],
                   metavar="NAME", help="source names, as in the dashboard (e.g. 'Le Monde'; "
                                        "case and accents ignored)")
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                   help="event date on or after (YYYY-MM-DD); undated incidents drop out")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                   help="event date on or before (YYYY-MM-DD)")
    p.add_argument("--department", dest="departments", nargs="+", action="extend", default=[],
                   metavar="NAME", help="department names (e.g. 'Bouches-du-Rhône', "
                                        "'bouches du rhone')")
    p.add_argument("--prison", dest="prisons", nargs="+", action="extend", default=[],
                   metavar="PRISON", help="prisons by id, name or press alias (see "
                                          "data/prisons.csv), e.g. cp-toulon-la-farlede")
    p.add_argument("--search", metavar="TEXT",
                   help="words that must all appear (accents and case ignored)")
    p.add_argument("--include-rejected", action="store_true",
                   help="also export incidents rejected by an analyst correction")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--db", metavar="FILE",
                   help="store file (default: GEO_DB or data/incidents.sqlite)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo.store import Filters, Store

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise GeoError(f"--from {args.date_from} is after --to {args.date_to}")
    with Store(args.db, create=False) as store:
        facets = store.facets()
        filters = Filters(
            types=list(dict.fromkeys(args.types)),
            sources=resolve("--source", "source", args.sources, index(facets.sources)),
            date_from=args.date_from, date_to=args.date_to,
            departments=resolve("--department", "department", args.departments,
                                department_index(facets.departments)),
            prisons=resolve("--prison", "prison", args.prisons, prison_index(facets.prisons)),
            text=args.search, include_rejected=args.include_rejected,
        )
        text, count = store.export(filters, args.format)
    data = text.encode("utf-8")
    if args.output:
        _write_atomic(Path(args.output), data)
        print(f"export: {count} incident{'' if count == 1 else 's'} to {args.output}",
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename: a reader never sees half a file."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    except OSError as exc:
        raise GeoError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # mkstemp makes the file 0600; an export gets the usual mode (0666 less umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GeoError(f"cannot write {path}: {exc.strerror or exc}") from exc
