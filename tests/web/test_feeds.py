"""geo.web.feeds: what is a feed, and its items."""

from __future__ import annotations

import pytest

from geo.errors import WebError
from geo.web.feeds import is_feed, parse_feed


def rss(items: list[tuple[str, str]], extra: str = "") -> bytes:
    body = "".join(
        f"<item><title>Item {guid}</title><link>{link}</link><guid>tag:a,2025:{guid}</guid>"
        "<pubDate>Tue, 15 Apr 2025 07:00:00 +0200</pubDate></item>" for link, guid in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Faits divers</title>{body}{extra}</channel></rss>").encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Riviera Post</title>
<entry><title>Gunfire at a prison</title><id>urn:uuid:1</id>
<link href="/world/toulon"/><updated>2025-04-15T09:10:00Z</updated></entry>
</feed>"""


def test_feeds_are_known_by_type_or_by_their_root():
    assert is_feed("application/rss+xml", b"")
    assert is_feed("text/xml", rss([]))
    assert is_feed("text/html", b"\xef\xbb\xbf  " + ATOM)  # mislabelled, BOM
    assert not is_feed("text/html", b"<!DOCTYPE html><html><body><feed></body></html>")
    assert not is_feed("application/json", rss([]))


def test_rss_items_in_order_with_dates_and_without_repeats_or_bad_links():
    body = rss([("https://a.example/1", "g1"), ("https://a.example/2", "g2"),
                ("https://a.example/1", "g1"), ("javascript:alert(1)", "g3")])
    feed = parse_feed(body, "https://a.example/feed")
    assert [(i.link, i.guid[11:]) for i in feed.items] == [("https://a.example/1", "g1"),
                                                     ("https://a.example/2", "g2")]
    assert feed.items[0].published == "2025-04-15" and feed.items[0].title == "Item g1"
    assert feed.title == "Faits divers" and feed.warnings


def test_atom_relative_links_are_resolved():
    feed = parse_feed(ATOM, "https://news.example/feed.atom", "application/atom+xml")
    assert [(i.link, i.guid) for i in feed.items] == [("https://news.example/world/toulon",
                                                      "urn:uuid:1")]


def test_a_feed_of_a_thousand_items():
    body = rss([(f"https://a.example/{n}", f"g{n}") for n in range(1000)])
    assert len(parse_feed(body, "https://a.example/feed").items) == 1000


def test_malformed_xml_is_an_error_naming_the_url():
    with pytest.raises(WebError, match="malformed feed") as err:
        parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</ti',
                   "https://a.example/broken")
    assert err.value.url == "https://a.example/broken"


def test_a_feed_readable_despite_errors_comes_with_a_warning():
    body = rss([("https://a.example/1", "g1")]).replace(b"</channel></rss>", b"&bogus;")
    feed = parse_feed(body, "https://a.example/feed")
    assert [i.guid for i in feed.items] == ["tag:a,2025:g1"]
    assert any("malformed feed" in w for w in feed.warnings)
