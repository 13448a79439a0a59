"""Who may write: viewers (anyone) and editors (signed in), and the local users file.

Why here and not in the dashboard: the write paths (uploads, review actions) call
`require_editor` themselves, so hiding a widget is never the only protection, and
the role rule is a pure function the tests can check without a browser.

Editors sign in either with Streamlit's native `st.login` (an OpenID Connect
provider configured under `[auth]` in `.streamlit/secrets.toml`) or with a name and
password checked against the users file (GEO_USERS, default data/users.json): argon2
hashes made by `argon2-cffi` (`geo users add NAME`), never a password in clear.
A single user on their own machine stays an editor while the server listens only on
localhost and nothing is configured; any other address makes sign-in necessary.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo import config
from geo.errors import DataError, GeoError, PermissionDenied
from geo.throttle import Throttle

VIEWER, EDITOR = "viewer", "editor"
#: How an identity was established (shown in the audit log's `who` only as the name).
LOCAL, PASSWORD, OIDC, ANONYMOUS = "local", "password", "oidc", "anonymous"
#: A user name: short, printable, no spaces (it is written into the audit log and CSV).
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: Shortest password `geo users add` accepts.
MIN_PASSWORD = 8
#: What Streamlit's `server.address` is when it listens on this machine only.
_LOCAL_NAMES = {"localhost", "localhost.localdomain"}

_hasher = PasswordHasher()
#: Checked against when the name is unknown, so a wrong name takes as long as a wrong
#: password (no user-name probing by timing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Identity:
    """Who is using the page, and what they may do."""

    name: str | None
    role: str
    how: str

    @property
    def editor(self) -> bool:
        return self.role == EDITOR


def is_local_address(address: str | None) -> bool:
    """True when a server bound to `address` is reachable from this machine only.
    None or "" (Streamlit's default when nothing is set) listens on every interface."""
    if address is None:
        return False
    host = address.strip().strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def decide(*, address: str | None, users_configured: bool, oidc_configured: bool,
           oidc_user: str | None = None, signed_in: str | None = None,
           local_name: str = "local") -> Identity:
    """The role of one visitor. `signed_in`: a name whose password was checked in this
    session; `oidc_user`: the provider's name for a visitor logged in with `st.login`.
    Nothing configured on a localhost-only server: the machine's user is an editor."""
    if signed_in:
        return Identity(signed_in, EDITOR, PASSWORD)
    if oidc_user:
        return Identity(oidc_user, EDITOR, OIDC)
    if not users_configured and not oidc_configured and is_local_address(address):
        return Identity(local_name, EDITOR, LOCAL)
    return Identity(None, VIEWER, ANONYMOUS)


def require_editor(identity: Identity | None, action: str = "edit") -> str:
    """The editor's name, or PermissionDenied: every write path calls this first."""
    if identity is None or not identity.editor or not identity.name:
        raise PermissionDenied(f"{action}: only a signed-in editor may do this")
    return identity.name


def local_user() -> str:
    """The name of the machine's user, for the audit log of a localhost editor."""
    try:
        import getpass

        return getpass.getuser() or "local"
    except (OSError, KeyError, ImportError):
        return "local"


# --- the users file -------------------------------------------------------------------


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise GeoError(f"user name {name!r}: letters, digits and . _ @ - only, at most 64, "
                       f"starting with a letter or digit")
    return name


def load_users(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """{name: {"hash": ..., "added": ...}}; no file means no users."""
    path = path or config.users_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DataError(f"{path.name}: not a readable users file ({exc})") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("hash"), str) for v in users.values()
    ):
        raise DataError(f"{path.name}: expected {{\"users\": {{NAME: {{\"hash\": ...}}}}}}")
    return users


def users_configured(path: Path | None = None) -> bool:
    """A users file with at least one user: the page then asks editors to sign in."""
    try:
        return bool(load_users(path))
    except DataError:
        return True  # a broken file must not silently open editing to everyone


def _save(users: dict[str, dict[str, Any]], path: Path) -> None:
    """Atomic write, readable by its owner only (the hashes are still secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"users": users}, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(tmp, path)


def add_user(name: str, password: str, path: Path | None = None) -> bool:
    """Add `name` or change its password; True when it is new."""
    path = path or config.users_path()
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise GeoError(f"password too short: at least {MIN_PASSWORD} characters")
    users = load_users(path)
    new = name not in users
    users[name] = {"hash": _hasher.hash(password),
                   "added": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    _save(users, path)
    return new


def remove_user(name: str, path: Path | None = None) -> None:
    path = path or config.users_path()
    users = load_users(path)
    if name not in users:
        raise GeoError(f"no user {name!r} in {path.name}")
    del users[name]
    _save(users, path)


def check_password(name: str, password: str, path: Path | None = None) -> bool:
    """True when `password` is `name`'s; the same work whether or not the name exists."""
    users = load_users(path)
    stored = users.get(name, {}).get("hash") if name in users else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- sign-in attempts -----------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """The outcome of one sign-in: `ok`, or refused; `retry_after` > 0 when the name (from
    this client) has failed too often and must wait that many seconds, right password or
    not. The same for a name that exists and one that does not."""

    ok: bool
    retry_after: float = 0.0


_throttle_lock = threading.Lock()
_throttle: Throttle | None = None


def sign_in_throttle() -> Throttle:
    """The server's one throttle (GEO_SIGNIN_ATTEMPTS, _WINDOW, _DELAY), made on first use:
    every session of the dashboard is a thread of one process and shares it."""
    global _throttle
    with _throttle_lock:
        if _throttle is None:
            _throttle = Throttle(limit=config.signin_attempts(), window=config.signin_window(),
                                 delay=config.signin_delay())
        return _throttle


def throttle_key(name: str, client: str | None) -> tuple[str, str | None]:
    """What failures are counted against: the name (whatever its case) from one client
    address, or the name alone when the address is unknown. Keyed by the pair, a stranger
    elsewhere cannot lock a real editor out, and all visitors behind one proxy do not
    share a counter."""
    return name.strip().casefold(), client or None


def attempt_sign_in(name: str, password: str, client: str | None, *,
                    throttle: Throttle | None = None, path: Path | None = None) -> Attempt:
    """Check a password unless this name and client are made to wait; count a failure,
    forget them on success."""
    throttle = sign_in_throttle() if throttle is None else throttle
    key = throttle_key(name, client)
    wait = throttle.wait(key)
    if wait > 0:  # refused without checking: no password guess is tried while locked
        return Attempt(False, wait)
    if check_password(name.strip(), password, path):
        throttle.success(key)
        return Attempt(True)
    return Attempt(False, throttle.failure(key))
