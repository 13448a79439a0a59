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


def test_cache_command_lists_purges_and_clears(tmp_path, capsys) -> None:
    """`geo cache`: how an analyst removes a wrong online answer (issue 18)."""
    import json

    from geo.cache import GeoCache
    from geo.cli import main

    path = tmp_path / "c.sqlite"
    with GeoCache(path) as cache:
        cache.put("bey", "dept=01|region=", "nominatim", [{"name": "Bey", "lat": 1, "lon": 2}])
        cache.put("nowhere", "", "ban", None)
    assert main(["cache", "list", "--json", "--cache", str(path)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["query"] for e in listed] == ["bey", "nowhere"]
    assert main(["cache", "purge", "Bey", "--cache", str(path)]) == 0
    assert "1 answers for 'Bey' deleted" in capsys.readouterr().err
    assert main(["cache", "clear", "--cache", str(path)]) == 0
    assert "1 answers deleted" in capsys.readouterr().err
    assert main(["cache", "purge", "--cache", str(path)]) == 2  # purge needs a QUERY
