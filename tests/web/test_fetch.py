"""geo.web.fetch over real sockets: limits, refusals and politeness."""

from __future__ import annotations

import gzip

import pytest
from fakes.geoserver import refused_url
from fakes.newsserver import FakeNewsServer

from geo.errors import WebError
from geo.web.fetch import MAX_REDIRECTS, Fetcher, normalize_url


@pytest.fixture
def server():
    with FakeNewsServer() as s:
        yield s


def fetcher(**kwargs) -> Fetcher:
    options = {"allow": ["127.0.0.1"], "delay": 0.0, "timeout": 5.0}
    options.update(kwargs)
    return Fetcher(**options)


def test_a_page_comes_with_headers_and_an_identifying_user_agent(server):
    url = server.page("/a", "<html><body><p>Bonjour</p></body></html>")
    agent = "prison-attacks-map/test (team@example.org)"
    got = fetcher(user_agent=agent).fetch(url)
    assert got.status == 200 and got.body.endswith(b"</html>")
    assert got.content_type == "text/html" and got.charset == "utf-8"
    assert got.final_url == url
    assert server.hits("/a")[0].headers["User-Agent"] == agent


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors_name_the_url_and_the_status(server, status):
    url = server.route(f"/e{status}", status=status, body=b"no")
    with pytest.raises(WebError) as err:
        fetcher().fetch(url)
    assert str(err.value).startswith(url) and f"HTTP {status}" in str(err.value)


def test_loopback_is_refused_unless_allowed(server):
    url = server.page("/a", "<p>x</p>")
    with pytest.raises(WebError, match="private or local address"):
        fetcher(allow=[]).fetch(url)
    with pytest.raises(WebError, match="private or local address"):
        fetcher(allow=["10.0.0.0/8"]).fetch(url.replace("127.0.0.1", "localhost"))
    assert not server.hits("/a")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x",
                                 "http://user:pw@127.0.0.1/x", "http:///nohost"])
def test_other_schemes_credentials_and_hostless_urls_are_refused(url):
    with pytest.raises(WebError) as err:
        fetcher().fetch(url)
    assert err.value.url == url


def test_the_deadline_covers_a_slow_answer(server):
    url = server.page("/slow", "<p>late</p>", delay=3)
    with pytest.raises(WebError, match=r"no complete answer within 0.5 s"):
        fetcher(timeout=0.5).fetch(url)


def test_connection_refused_is_named():
    url = refused_url() + "/x"
    with pytest.raises(WebError, match="connection refused"):
        fetcher().fetch(url)


def test_redirects_are_followed_checked_and_bounded(server):
    server.page("/final", "<p>ok</p>")
    server.redirect("/r1", "/r2")
    url = server.redirect("/r2", "/final", status=301)
    got = fetcher().fetch(server.url + "/r1")
    assert got.final_url == server.url + "/final" and got.url == server.url + "/r1"
    assert url  # the chain: r1 -> r2 -> final
    server.redirect("/loop-a", "/loop-b")
    server.redirect("/loop-b", "/loop-a")
    with pytest.raises(WebError, match="redirect loop"):
        fetcher().fetch(server.url + "/loop-a")
    for i in range(MAX_REDIRECTS + 1):
        server.redirect(f"/chain{i}", f"/chain{i + 1}")
    server.page(f"/chain{MAX_REDIRECTS + 1}", "<p>too far</p>")
    with pytest.raises(WebError, match=f"more than {MAX_REDIRECTS} redirects"):
        fetcher().fetch(server.url + "/chain0")


def test_a_redirect_to_a_refused_address_or_scheme_is_not_followed(server):
    url = server.redirect("/out", "file:///etc/passwd")
    with pytest.raises(WebError, match="only http and https"):
        fetcher().fetch(url)


@pytest.mark.parametrize("announce", [True, False])
def test_a_20_mb_page_is_refused_whether_announced_or_not(server, announce):
    url = server.huge("/big", 20_000_000, announce=announce)
    with pytest.raises(WebError, match="too large") as err:
        fetcher(max_bytes=10 * 1024 * 1024).fetch(url)
    assert err.value.url == url


def test_gzip_is_inflated_within_the_cap(server):
    html = b"<html><body>" + b"<p>prison</p>" * 1000 + b"</body></html>"
    url = server.route("/gz", body=gzip.compress(html), headers={"Content-Encoding": "gzip"})
    assert fetcher().fetch(url).body == html
    bomb = gzip.compress(b"0" * 5_000_000)
    url = server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(WebError, match="too large"):
        fetcher(max_bytes=1_000_000).fetch(url)


def test_conditional_get_gets_304_with_validators(server):
    url = server.feed("/feed.xml", "<rss version='2.0'><channel></channel></rss>")
    first = fetcher().fetch(url)
    etag = first.headers["etag"]
    again = fetcher().fetch(url, etag=etag)
    assert again.status == 304 and again.body == b""
    assert server.hits("/feed.xml")[1].headers["If-None-Match"] == etag


def test_requests_to_one_host_are_spaced_by_the_delay(server):
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    f = fetcher(delay=2.0, clock=lambda: now[0], sleep=sleep)
    url = server.page("/a", "<p>x</p>")
    f.fetch(url)
    f.fetch(url)
    assert waits == [pytest.approx(2.0)]
    f.host_delay["127.0.0.1"] = 7.0  # a robots.txt Crawl-delay wins when longer
    f.fetch(url)
    assert waits[-1] == pytest.approx(7.0)


def test_offline_refuses_before_any_request(server, monkeypatch):
    monkeypatch.setenv("GEO_OFFLINE", "1")
    url = server.page("/a", "<p>x</p>")
    with pytest.raises(WebError, match="GEO_OFFLINE=1"):
        fetcher().fetch(url)
    assert not server.hits()


def test_normalize_url_drops_the_fragment_and_lowers_the_host():
    assert normalize_url("HTTPS://Example.ORG/a?b=1#top") == "https://example.org/a?b=1"
