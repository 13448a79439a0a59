"""`python -m geo review`: the dashboard's review actions from the command line.

    python -m geo review list                       # least confident, newest first
    python -m geo review verify ID --by jdupont
    python -m geo review reject ID --reason "Nanterre is only where the minister spoke" --by jdupont
    python -m geo review edit ID --set killed=0 --set event_date=2025-04-14 --by jdupont
    python -m geo review edit ID --prison cp-toulon-la-farlede --by jdupont
    python -m geo review merge ID OTHER_ID --by jdupont
    python -m geo review split ID --by jdupont
    python -m geo review log [ID] [--csv] [-o log.csv]

Every action is written to the corrections file (GEO_CORRECTIONS), re-applied to the
store (GEO_DB) and recorded in its audit log under the name given by `--by` (a user
of the users file, when there is one).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from geo.errors import GeoError

WRITES = ("verify", "reject", "restore", "edit", "merge", "split")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review", help="list, verify, reject, edit, merge or split incidents; the audit log",
        description="Review incidents as the dashboard's Review page does. Decisions go to "
                    "the corrections file, so `geo ingest --force` keeps them.",
    )
    p.add_argument("action", choices=("list", *WRITES, "log"))
    p.add_argument("ids", nargs="*", metavar="ID", help="incident id(s); merge: two or more")
    p.add_argument("--by", metavar="NAME", help="who decides (required for a change)")
    p.add_argument("--reason", metavar="TEXT", help="why (required to reject)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="edit: a field's new value (JSON, or text; types: a,b); repeatable")
    p.add_argument("--prison", metavar="ID", help="edit: move the incident to this prison")
    p.add_argument("--all", action="store_true", help="list: reviewed incidents too")
    p.add_argument("--json", action="store_true", help="list/log: print JSON")
    p.add_argument("--csv", action="store_true", help="log: print spreadsheet-safe CSV")
    p.add_argument("-o", "--output", metavar="FILE", help="log --csv: write to FILE")
    p.set_defaults(func=run)


def parse_set(items: list[str]) -> dict[str, Any]:
    """FIELD=VALUE pairs; a value is JSON when it reads as JSON (0, null, 4.5), else text;
    `types` is a comma-separated list."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise GeoError(f"--set {item!r}: expected FIELD=VALUE")
        name = name.strip()
        if name == "types":
            out[name] = [t.strip() for t in raw.split(",") if t.strip()]
            continue
        try:
            out[name] = json.loads(raw)
        except ValueError:
            out[name] = raw
    return out


def _identity(args: argparse.Namespace) -> Any:
    from geo import auth

    if not args.by:
        raise GeoError(f"review {args.action}: say who decides with --by NAME")
    auth.check_name(args.by)
    users = auth.load_users()
    if users and args.by not in users:
        raise GeoError(f"--by {args.by}: not a user of the users file (geo users add "
                       f"{args.by})")
    return auth.Identity(args.by, auth.EDITOR, "cli")


def run(args: argparse.Namespace) -> int:
    from geo import config
    from geo.review import actions, log
    from geo.store import Store

    store = Store(config.db_path(), create=False)
    try:
        if args.action == "log":
            rows = log.entries(store.path, args.ids[0] if args.ids else None)
            if args.csv:
                text = log.to_csv(rows)
                if args.output:
                    with open(args.output, "w", encoding="utf-8", newline="") as out:
                        out.write(text)
                else:
                    sys.stdout.write(text)
            elif args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for r in rows:
                    print(f"{r['at']}\t{r['who']}\t{r['action']}\t{r['incident_id']}\t"
                          f"{r['reason'] or ''}")
            return 0
        if args.action == "list":
            queue = actions.queue(store, include_reviewed=args.all)
            if args.json:
                print(json.dumps([i.to_dict() for i in queue], ensure_ascii=False, indent=2,
                                 default=str))
            for inc in [] if args.json else queue:
                print(f"{inc.incident_id}\t{inc.status}\t{inc.confidence:.2f}\t"
                      f"{inc.event_date or '-'}\t{inc.primary_type}\t{inc.place or '-'}")
            return 0
        reviewer = actions.Reviewer(store, _identity(args))
        need = 2 if args.action == "merge" else 1
        if len(args.ids) < need or (need == 1 and len(args.ids) > 1):
            wanted = "two or more incident ids" if need == 2 else "one incident id"
            raise GeoError(f"review {args.action}: give {wanted}")
        first = args.ids[0]
        if args.action == "verify":
            done = reviewer.verify(first, args.reason)
        elif args.action == "reject":
            done = reviewer.reject(first, args.reason or "")
        elif args.action == "restore":
            done = reviewer.restore(first, args.reason)
        elif args.action == "merge":
            done = reviewer.merge(first, args.ids[1:], args.reason)
        elif args.action == "split":
            done = reviewer.split(first, args.reason)
        else:
            changes = parse_set(args.set)
            if args.prison:
                from geo.prisons import load_prisons

                prison = {p.id: p for p in load_prisons()}.get(args.prison)
                if prison is None:
                    raise GeoError(f"--prison {args.prison}: no such prison id")
                changes = {**actions.place_from_prison(prison), **changes}
            if not changes:
                raise GeoError("review edit: give --set FIELD=VALUE or --prison ID")
            done = reviewer.edit(first, changes, args.reason)
        print(f"{args.action}: {', '.join(done.incident_ids) or first}", file=sys.stderr)
        for warning in done.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return 0
    finally:
        store.close()
