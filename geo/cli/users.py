"""`python -m geo users`: the editors who may sign in to the dashboard.

    python -m geo users add jdupont          # asks for the password twice
    printf 'secret-pass\\n' | python -m geo users add jdupont --password-stdin
    python -m geo users remove jdupont
    python -m geo users list

Why a command and not a file to edit: the file (GEO_USERS, data/users.json) holds
argon2 hashes, never passwords, and a password is never taken from the command line
or the environment (both are visible to other users of the machine).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from geo.errors import GeoError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "users", help="add, remove or list the dashboard's editors",
        description="Editors who may sign in to the dashboard (GEO_USERS, default "
                    "data/users.json; argon2 hashes). With a user in it, the dashboard "
                    "asks editors to sign in; visitors can only read.",
    )
    p.add_argument("action", choices=("add", "remove", "list"))
    p.add_argument("name", nargs="?", metavar="NAME", help="the editor's user name")
    p.add_argument("--password-stdin", action="store_true",
                   help="add: read the password from standard input (first line)")
    p.set_defaults(func=run)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise GeoError("the two passwords differ; nothing changed")
    return first


def run(args: argparse.Namespace) -> int:
    from geo import auth, config

    path = config.users_path()
    if args.action == "list":
        for name, entry in sorted(auth.load_users(path).items()):
            print(f"{name}\tadded {entry.get('added', '?')}")
        return 0
    if not args.name:
        raise GeoError(f"users {args.action}: give the user NAME")
    if args.action == "remove":
        auth.remove_user(args.name, path)
        print(f"removed {args.name} from {path}", file=sys.stderr)
        return 0
    auth.check_name(args.name)
    new = auth.add_user(args.name, _password(args), path)
    print(f"{'added' if new else 'password changed for'} {args.name} in {path}",
          file=sys.stderr)
    return 0
