"""Roles and the users file (geo.auth): who may write, and hashes that really check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import auth
from geo.errors import GeoError, PermissionDenied


@pytest.mark.parametrize(("address", "local"), [
    ("localhost", True), ("127.0.0.1", True), ("::1", True), ("[::1]", True),
    ("127.0.0.2", True), ("0.0.0.0", False), ("", False), (None, False),
    ("192.168.1.10", False), ("::", False), ("example.org", False),
])
def test_local_address(address: str | None, local: bool) -> None:
    assert auth.is_local_address(address) is local


def test_single_local_user_is_editor_until_something_is_configured() -> None:
    me = auth.decide(address="localhost", users_configured=False, oidc_configured=False,
                     local_name="ana")
    assert (me.name, me.role, me.how) == ("ana", auth.EDITOR, auth.LOCAL)
    for kwargs in ({"users_configured": True, "oidc_configured": False},
                   {"users_configured": False, "oidc_configured": True}):
        assert auth.decide(address="localhost", **kwargs).role == auth.VIEWER


def test_other_address_needs_sign_in_even_with_nothing_configured() -> None:
    who = auth.decide(address="0.0.0.0", users_configured=False, oidc_configured=False)
    assert who.role == auth.VIEWER and who.name is None


def test_oidc_decision() -> None:
    """st.login's user (st.user.is_logged_in) is an editor under the provider's name;
    configured but not logged in is a viewer, on any address."""
    who = auth.decide(address="0.0.0.0", users_configured=False, oidc_configured=True,
                      oidc_user="jdupont@example.org")
    assert (who.name, who.role, who.how) == ("jdupont@example.org", auth.EDITOR, auth.OIDC)
    assert auth.decide(address="0.0.0.0", users_configured=False, oidc_configured=True,
                       oidc_user=None).role == auth.VIEWER


def test_require_editor_raises_on_a_viewer() -> None:
    viewer = auth.Identity(None, auth.VIEWER, auth.ANONYMOUS)
    with pytest.raises(PermissionDenied, match="upload"):
        auth.require_editor(viewer, "upload")
    with pytest.raises(PermissionDenied):
        auth.require_editor(None)
    assert auth.require_editor(auth.Identity("ana", auth.EDITOR, auth.PASSWORD)) == "ana"


def test_users_file_holds_argon2_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    assert not auth.users_configured(path)
    assert auth.add_user("ana", "correct horse", path) is True
    text = path.read_text()
    assert "correct horse" not in text and "$argon2id$" in text
    assert path.stat().st_mode & 0o077 == 0
    assert auth.users_configured(path)
    assert auth.check_password("ana", "correct horse", path)
    assert not auth.check_password("ana", "wrong horse!", path)
    assert not auth.check_password("bob", "correct horse", path)
    assert auth.add_user("ana", "another pass", path) is False  # password changed
    assert not auth.check_password("ana", "correct horse", path)
    auth.remove_user("ana", path)
    assert not auth.users_configured(path)
    with pytest.raises(GeoError, match="no user"):
        auth.remove_user("ana", path)


def test_bad_names_passwords_and_files(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    with pytest.raises(GeoError, match="user name"):
        auth.add_user("a b", "long enough", path)
    with pytest.raises(GeoError, match="too short"):
        auth.add_user("ana", "short", path)
    path.write_text("{not json")
    with pytest.raises(GeoError, match=r"users\.json"):
        auth.load_users(path)
    assert auth.users_configured(path)  # broken: editing stays closed
    path.write_text(json.dumps({"users": {"ana": {"hash": "not-a-hash"}}}))
    assert not auth.check_password("ana", "whatever1", path)


def test_sign_in_attempts_are_throttled_alike_for_known_and_unknown_names(
        tmp_path: Path) -> None:
    """Five wrong passwords lock the name from that client, even against the right one;
    an unknown name is locked the same way (nothing tells it apart); another client
    address is not locked; a success resets the count."""
    from geo.throttle import Throttle

    users = tmp_path / "users.json"
    auth.add_user("ana", "correct horse", users)
    now = [0.0]
    th = Throttle(limit=5, window=900, delay=60, clock=lambda: now[0])

    def attempt(name: str, password: str, client: str | None = "10.0.0.1") -> auth.Attempt:
        return auth.attempt_sign_in(name, password, client, throttle=th, path=users)

    for name in ("ana", "nobody"):
        results = [attempt(name, "wrong password") for _ in range(5)]
        assert [r.ok for r in results] == [False] * 5
        assert [r.retry_after for r in results] == [0, 0, 0, 0, 60]
    assert attempt("ana", "correct horse") == auth.Attempt(False, 60)
    assert attempt("Ana ", "correct horse").retry_after == 60  # the same name
    assert attempt("ana", "correct horse", "10.0.0.2").ok  # elsewhere: not locked
    now[0] += 60
    assert attempt("ana", "correct horse") == auth.Attempt(True)
    assert [attempt("ana", "wrong").retry_after for _ in range(4)] == [0] * 4  # reset
    assert attempt("ana", "correct horse", None).ok  # no address: the name alone


def test_the_servers_throttle_takes_its_settings_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_throttle", None)
    monkeypatch.setenv("GEO_SIGNIN_ATTEMPTS", "3")
    monkeypatch.setenv("GEO_SIGNIN_WINDOW", "30")
    monkeypatch.setenv("GEO_SIGNIN_DELAY", "2.5")
    th = auth.sign_in_throttle()
    assert (th.limit, th.window, th.delay) == (3, 30, 2.5) and auth.sign_in_throttle() is th
    monkeypatch.setattr(auth, "_throttle", None)
    monkeypatch.setenv("GEO_SIGNIN_DELAY", "soon")
    with pytest.raises(GeoError, match="GEO_SIGNIN_DELAY='soon'"):
        auth.sign_in_throttle()
