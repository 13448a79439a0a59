"""Nominatim and BAN through geopy, against the fake server on 127.0.0.1."""

from __future__ import annotations

import itertools
import time

import pytest
from fakes.geoserver import FakeGeocodingServer, refused_url

from geo.errors import ProviderRateLimited, ProviderResponseError, ProviderUnavailable
from geo.providers import PROVIDERS, make_provider
from geo.providers.ban import BANProvider
from geo.providers.base import RequestGate
from geo.providers.nominatim import NominatimProvider


@pytest.fixture
def server():
    with FakeGeocodingServer() as s:
        yield s


def test_nominatim_parses_places(server):
    found = NominatimProvider(server.nominatim_url, min_interval=0).search("Bey")
    assert {p.department_code for p in found} == {"01", "71"}
    ain = next(p for p in found if p.department_code == "01")
    assert (ain.name, ain.kind, ain.precision, ain.provider, ain.insee) == (
        "Bey", "commune", "commune", "nominatim", "01040")
    assert ain.department == "Ain" and ain.lat == pytest.approx(46.2211)


def test_nominatim_request_identifies_itself_and_filters_france(server, monkeypatch):
    monkeypatch.setenv("GEO_USER_AGENT", "test-suite/1.0 (ops@example.org)")
    NominatimProvider(server.nominatim_url, min_interval=0).search(
        "Bey", area=(45.6, 4.7, 46.5, 6.2))
    req = server.requests_to("nominatim")[0]
    assert req.headers["User-Agent"] == "test-suite/1.0 (ops@example.org)"
    assert req.params["q"] == "Bey"  # no department or country name sent as words
    assert req.params["bounded"] == "1" and req.params["viewbox"]
    assert "fr" in req.params["countrycodes"].split(",")
    assert req.params["addressdetails"] == "1"


def test_ban_parses_places(server):
    found = BANProvider(server.ban_url).search("Bey", area=(45.6, 4.7, 46.5, 6.2))
    assert len(found) == 2  # BAN cannot narrow: the caller keeps the area's
    p = next(p for p in found if p.department_code == "01")
    assert (p.name, p.kind, p.insee, p.department_code, p.department, p.provider) == (
        "Bey", "commune", "01040", "01", "Ain", "ban")
    assert server.requests_to("ban")[0].params["q"] == "Bey"


def test_no_match_is_an_empty_list(server):
    assert BANProvider(server.ban_url).search("Nowhere-Land") == []
    assert NominatimProvider(server.nominatim_url, min_interval=0).search("Nowhere-Land") == []


def test_nominatim_sends_at_most_one_request_per_interval_across_instances(server, monkeypatch):
    # Send times are taken on the client side, where the gate works: the server's
    # receive times also carry the scheduling noise of a loaded machine.
    sent: list[float] = []
    original = RequestGate.wait_turn

    def recording(self, min_interval, name):
        original(self, min_interval, name)
        sent.append(time.monotonic())

    monkeypatch.setattr(RequestGate, "wait_turn", recording)
    a = NominatimProvider(server.nominatim_url, min_interval=0.3)
    b = NominatimProvider(server.nominatim_url, min_interval=0.3)
    for provider in (a, b, a):
        provider.search("Bey")
    assert len(server.requests_to("nominatim")) == 3
    assert len(sent) == 3
    assert all(t2 - t1 >= 0.25 for t1, t2 in itertools.pairwise(sent))


def test_nominatim_default_interval_is_one_second():
    assert NominatimProvider("http://127.0.0.1:9").min_interval == 1.0


def test_retry_after_is_honoured(server):
    server.fail("429", retry_after="30")
    p = NominatimProvider(server.nominatim_url, min_interval=0)
    with pytest.raises(ProviderRateLimited) as first:
        p.search("Bey")
    assert first.value.retry_after == 30
    with pytest.raises(ProviderRateLimited):  # refused locally, nothing sent
        NominatimProvider(server.nominatim_url, min_interval=0).search("Bey")
    assert len(server.requests) == 1


@pytest.mark.parametrize(("fault", "error"), [
    ("timeout", ProviderUnavailable),
    ("500", ProviderResponseError),
    ("malformed", ProviderResponseError),
    ("close", ProviderUnavailable),
    ("429", ProviderRateLimited),
])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_faults_become_our_errors(server, fault, error, provider):
    server.fail(fault, delay=1.0)
    url = server.nominatim_url if provider == "nominatim" else server.ban_url
    p = make_provider(provider, url=url, timeout=0.3, min_interval=0)
    with pytest.raises(error) as exc:
        p.search("Bey")
    assert provider in str(exc.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_connection_refused(provider):
    p = make_provider(provider, url=refused_url(), timeout=1.0, min_interval=0)
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        p.search("Bey")


def test_loopback_urls_bypass_proxies(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would refuse
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert BANProvider(server.ban_url).search("Bey")


def test_unknown_provider_name():
    from geo.errors import GeoError

    with pytest.raises(GeoError, match="unknown online provider"):
        make_provider("gogle")


@pytest.mark.parametrize(("fault", "words"), [
    ("nan", "unexpected answer"),
    ("error_json", "answer is not"),
    ("list_json", "malformed"),
    ("redirect", "redirect to another host (example.org) refused"),
])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_hostile_answers_are_provider_failures(server, fault, words, provider):
    """NaN coordinates, an error object or a bare list in a 200, a redirect elsewhere:
    each is a ProviderResponseError, never a crash nor an empty "no such place"."""
    server.fail(fault)
    url = server.nominatim_url if provider == "nominatim" else server.ban_url
    p = make_provider(provider, url=url, timeout=2.0, min_interval=0)
    with pytest.raises(ProviderResponseError) as exc:
        p.search("Bey")
    if not (provider == "ban" and fault == "list_json"):
        assert words in str(exc.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_dripping_server_is_cut_at_the_total_deadline(server, provider):
    """One byte every 0.3 s never trips a per-read timeout; the 1 s deadline does."""
    server.fail("drip", delay=0.3)
    url = server.nominatim_url if provider == "nominatim" else server.ban_url
    p = make_provider(provider, url=url, timeout=1.0, min_interval=0)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="timed out"):
        p.search("Bey")
    assert time.monotonic() - started < 15  # the deadline plus margin, not 60 s of drip


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_huge_answer_is_refused_not_read(server, provider):
    server.fail("huge")
    url = server.nominatim_url if provider == "nominatim" else server.ban_url
    p = make_provider(provider, url=url, timeout=5.0, min_interval=0, max_bytes=100_000)
    with pytest.raises(ProviderResponseError, match="refused"):
        p.search("Bey")


def test_retry_after_is_capped(server):
    from geo.providers.base import MAX_RETRY_AFTER

    server.fail("429", retry_after="99999999")
    p = NominatimProvider(server.nominatim_url, min_interval=0)
    with pytest.raises(ProviderRateLimited) as exc:
        p.search("Bey")
    assert exc.value.retry_after == MAX_RETRY_AFTER
    p.gate.blocked_until = 0.0
