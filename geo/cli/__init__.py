"""Command-line entry point. Each subcommand lives in its own module of this package
and exposes `register(subparsers)`, which adds its parser and sets `func`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module

from geo import __version__
from geo.errors import GeoError

#: Subcommand modules, in the order `--help` lists them.
COMMANDS = ("extract", "geocode", "ingest", "watch", "export", "cache", "users", "review")


def add_online_options(parser: argparse.ArgumentParser) -> None:
    """`--online LIST` / `--offline`, the same for every command that geocodes."""
    from geo.providers import PROVIDERS

    parser.add_argument("--online", metavar="LIST",
                        help=f"comma-separated online geocoders to enable "
                             f"({', '.join(PROVIDERS)}); "
                             "default: GEO_ONLINE; ignored when GEO_OFFLINE=1")
    parser.add_argument("--offline", action="store_true", help="use no online geocoder")


def online_choice(args: argparse.Namespace) -> list[str] | None:
    """Providers the flags ask for, or None to follow GEO_ONLINE. GEO_OFFLINE wins."""
    from geo import config

    if args.offline:
        return []
    if args.online is None:
        return None
    online = [name.strip().lower() for name in args.online.split(",") if name.strip()]
    if online and config.offline():
        print("warning: GEO_OFFLINE is set; --online ignored", file=sys.stderr)
        return []
    return online


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Map attacks on French prisons, staff and convoys from news articles.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        import_module(f"geo.cli.{name}").register(sub)
    return parser


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of subcommand `name` (its usage is what a mistake there should show)."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # a wrong option after a subcommand: that subcommand's usage, not ours
        _subparser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RecursionError:  # a deeply nested JSON input (sidecar, corrections file)
        print("error: an input file is nested too deeply to read (JSON sidecar or "
              "corrections file?)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
