"""`python -m geo export` (being written)."""

from __future__ import annotations

import argparse

from geo.errors import GeoError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="(being written)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise GeoError("'export' is not available yet")
