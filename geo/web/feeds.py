"""RSS and Atom feeds with feedparser: which answers are feeds, and their items.

feedparser reads every RSS and Atom dialect real news sites publish, resolves
relative links and sanitises what it returns; a feed it cannot read at all is a
WebError naming the URL, a feed it reads despite errors comes with a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from geo.errors import WebError

FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml",
    "application/x-rss+xml",
})
XML_TYPES = frozenset({"application/xml", "text/xml", "text/rss+xml"})
_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>/]")
_HTML = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)
#: What the sniffer reads of a body: the XML declaration, comments, the root element.
_SNIFF = 2048


@dataclass(frozen=True)
class FeedItem:
    link: str
    guid: str | None
    title: str | None
    published: str | None  # YYYY-MM-DD
    author: str | None


@dataclass
class Feed:
    url: str
    title: str | None
    items: list[FeedItem]
    warnings: list[str] = field(default_factory=list)


def is_feed(content_type: str, body: bytes) -> bool:
    """A feed by its declared type, or an XML (or mislabelled) answer whose root is a feed."""
    if content_type in FEED_TYPES:
        return True
    head = body[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HTML.search(head[:512]):
        return False
    return bool(_ROOT.search(head)) and (content_type in XML_TYPES or content_type in (
        "", "text/plain", "text/html", "application/octet-stream"))


def parse_feed(body: bytes, url: str, content_type: str = "") -> Feed:
    """The feed's items with an http(s) link, in the feed's order, without repeats."""
    import feedparser

    headers = {"content-location": url}  # the base of relative links
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except Exception as exc:  # feedparser is lenient, but a hostile body must not stop a run
        raise WebError(url, f"cannot read the feed: {type(exc).__name__}: {exc}") from None
    warnings: list[str] = []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and type(problem).__name__ in (
            "CharacterEncodingOverride", "CharacterEncodingUnknown"):
        problem = None  # a wrong charset label: feedparser decoded it anyway
    entries = parsed.get("entries") or []
    if problem is not None:
        cause = _cause(problem)
        if not entries:
            raise WebError(url, f"malformed feed: {cause}")
        warnings.append(f"{url}: malformed feed ({cause}); {len(entries)} items read anyway")
    if not entries and not parsed.get("feed"):
        raise WebError(url, "not a feed (no channel and no items)")
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in entries:
        link = str(entry.get("link") or "").strip()
        if urlsplit(link).scheme not in ("http", "https"):
            continue
        guid = str(entry.get("id") or "").strip() or None
        key = guid or link
        if key in seen:
            continue
        seen.add(key)
        items.append(FeedItem(link=link, guid=guid, title=_text(entry.get("title")),
                              published=_date(entry.get("published_parsed")
                                              or entry.get("updated_parsed")),
                              author=_text(entry.get("author"))))
    skipped = len(entries) - len(items)
    if skipped:
        warnings.append(f"{url}: {skipped} items without an http(s) link or repeated; ignored")
    return Feed(url=url, title=_text(parsed.get("feed", {}).get("title")), items=items,
                warnings=warnings)


def _cause(exc: BaseException) -> str:
    text = str(getattr(exc, "getMessage", lambda: exc)()) or type(exc).__name__
    line = getattr(exc, "getLineNumber", None)
    return f"{text} at line {line()}" if callable(line) else text


def _date(value: object) -> str | None:
    try:
        return dt.date(*value[:3]).isoformat() if value else None  # type: ignore[index]
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split())[:500] or None
