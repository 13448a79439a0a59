"""The online/offline flags shared by `geocode` and `ingest`."""

from __future__ import annotations

import pytest

from geo.cli import build_parser, online_choice


@pytest.mark.parametrize("command", [["geocode", "Nimes"], ["ingest"]])
@pytest.mark.parametrize(("flags", "offline_env", "expected"), [
    ([], False, None),                               # follow GEO_ONLINE
    (["--offline"], False, []),
    (["--online", "Nominatim, ban"], False, ["nominatim", "ban"]),
    (["--online", "nominatim"], True, []),           # GEO_OFFLINE wins
])
def test_online_choice(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                       command: list[str], flags: list[str], offline_env: bool,
                       expected: list[str] | None) -> None:
    monkeypatch.setenv("GEO_OFFLINE", "1" if offline_env else "0")
    args = build_parser().parse_args([command[0], *flags, *command[1:]])
    assert online_choice(args) == expected
    assert ("GEO_OFFLINE is set" in capsys.readouterr().err) == (offline_env and bool(flags))
