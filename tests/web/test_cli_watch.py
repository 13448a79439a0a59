"""`python -m geo watch` and `python -m geo ingest URL`, run as a user would, against the
fake news server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.newsserver import FakeNewsServer, rss, short_story

ROOT = Path(__file__).resolve().parents[2]
FR = (ROOT / "tests" / "fixtures" / "web" / "fr_voitures_incendiees.html").read_text("utf-8")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "GEO_DB": str(tmp_path / "store.sqlite"),
           "GEO_CACHE": str(tmp_path / "c.sqlite"),
           "GEO_CORRECTIONS": str(tmp_path / "corrections.json"),
           "GEO_WEB_ARCHIVE": str(tmp_path / "web"), "GEO_WEB_ALLOW": "127.0.0.1",
           "GEO_WEB_DELAY": "0", "GEO_WEB_TIMEOUT": "5", "PYTHONUNBUFFERED": "1"}
    for var in ("GEO_OFFLINE", "GEO_ONLINE", "GEO_WEB_MAX_ITEMS"):
        env.pop(var, None)
    return env


@pytest.fixture
def server():
    with FakeNewsServer() as s:
        yield s


def geo(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_ingest_urls_next_to_files_names_each_url(env, server, tmp_path):
    good = server.page("/fr/valence", FR)
    gone = server.route("/gone", status=404)
    result = geo(env, "ingest", good, gone, "ftp://127.0.0.1/x")
    assert result.returncode == 1, result.stderr
    assert f"] {good}: 1 incident" in result.stderr
    assert f"skipped {gone}: HTTP 404 Not Found" in result.stderr
    assert "skipped ftp://127.0.0.1/x: only http and https" in result.stderr
    assert "1 added, 0 updated, 0 unchanged, 2 failed" in result.stderr
    assert "Traceback" not in result.stderr
    offline = geo({**env, "GEO_OFFLINE": "1"}, "ingest", good, tmp_path / "web")
    assert offline.returncode == 1
    assert f"skipped {good}: not fetched: GEO_OFFLINE=1" in offline.stderr
    assert "0 added, 0 updated, 1 unchanged, 1 failed" in offline.stderr
    assert len(server.hits("/fr/valence")) == 1


def test_ingest_meta_overrides_the_page(env, server, tmp_path):
    meta = tmp_path / "meta.json"
    meta.write_text('{"source": "Dépêche relue", "title": 3}', "utf-8")
    url = server.page("/fr/valence", FR)
    bad = geo(env, "ingest", "--meta", meta, url)
    assert bad.returncode == 2 and "'title' must be a string or null" in bad.stderr
    meta.write_text('{"source": "Dépêche relue"}', "utf-8")
    assert geo(env, "ingest", "--meta", meta, url).returncode == 0
    out = geo(env, "export", "--source", "Dépêche relue")
    assert "cp-valence" in out.stdout


def test_watch_twice_fetches_only_what_is_new(env, server, tmp_path):
    for n in range(3):
        server.page(f"/b{n}", short_story(n))
    server.feed("/feed.xml", rss(server.url, ["/b0", "/b1"]))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# my feeds\n{server.url}/feed.xml\n\n", "utf-8")
    first = geo(env, "watch", feeds, "--once")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"new: Brève 0 <{server.url}/b0>: 0 incidents",
        f"new: Brève 1 <{server.url}/b1>: 0 incidents"]
    server.feed("/feed.xml", rss(server.url, ["/b2", "/b1", "/b0"]))
    second = geo(env, "watch", feeds, "--once")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [f"new: Brève 2 <{server.url}/b2>: 0 incidents"]
    assert [len(server.hits(f"/b{n}")) for n in range(3)] == [1, 1, 1]
    assert server.hits("/robots.txt")  # asked once per watch run
    third = geo(env, "watch", feeds, "--once")
    assert third.stdout == "" and "not modified since the last check" in third.stderr


def test_watch_refuses_offline_and_a_bad_feeds_file(env, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("not a url\n", "utf-8")
    bad = geo(env, "watch", feeds, "--once")
    assert bad.returncode == 2 and "line 1: not a URL" in bad.stderr
    offline = geo({**env, "GEO_OFFLINE": "1"}, "watch", feeds)
    assert offline.returncode == 2 and "GEO_OFFLINE=1" in offline.stderr
    assert "Traceback" not in bad.stderr + offline.stderr


def test_watch_stops_cleanly_on_ctrl_c(env, server, tmp_path):
    server.page("/b0", short_story(0))
    server.feed("/feed.xml", rss(server.url, ["/b0"]))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{server.url}/feed.xml\n", "utf-8")
    # Started with SIGINT ignored, as a background job of a script is (and as this test
    # process may be): Ctrl-C must stop the watch all the same.
    proc = subprocess.Popen([sys.executable, "-m", "geo", "watch", str(feeds), "--every", "60"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        lines = []
        assert proc.stderr is not None
        for line in proc.stderr:  # until the first poll's summary
            lines.append(line)
            if line.startswith("watch ") and "next poll in 60 min" in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(lines) + err
    assert "watch: stopped" in err and "Traceback" not in err
    assert out.startswith(f"new: Brève 0 <{server.url}/b0>")
