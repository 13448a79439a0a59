"""An HTML news page -> its main text and metadata, with trafilatura.

trafilatura is the field's standard for news text: it keeps the story and drops
cookie banners, menus, related links, share buttons and comments, which the
local cleaner in geo.articles only partly knows. It also reads the page's own
metadata (og:, JSON-LD, <meta>, htmldate for the publication date). The page's
language is read here from `<html lang>`, og:locale or JSON-LD `inLanguage`,
which trafilatura does not report. Page text is untrusted: it only becomes an
article file that geo.articles loads and cleans like any other.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

from geo.errors import WebError

#: trafilatura gives up on trees larger than this (hostile or broken pages).
MAX_TREE_SIZE = 200_000
#: Fewer words than this is not a news story (what is left of a menu or a wall).
MIN_WORDS = 15
_LANG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Page:
    """The story's paragraphs (blank-line separated) and what the page says about it."""

    text: str
    title: str | None
    source: str | None  # the site's name, else its host
    url: str | None  # canonical URL (og:url / <link rel=canonical>), else the fetched one
    published: str | None  # YYYY-MM-DD
    author: str | None
    language: str | None  # ISO 639-1, when the page declares it

    def metadata(self) -> dict[str, str | None]:
        return {"title": self.title, "source": self.source, "url": self.url,
                "published": self.published, "author": self.author,
                "language": self.language}


def extractor_name() -> str:
    return f"trafilatura {version('trafilatura')}"


def read_page(html: bytes | str, url: str) -> Page:
    """Main text and metadata of one page; WebError naming the URL when there is no story."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, include_links=False, favor_precision=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
            config=_config(),
        )
    except Exception as exc:  # a parser failure on one hostile page must not stop a run
        raise WebError(url, f"cannot read the page: {type(exc).__name__}: {exc}") from None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if len(text.split()) < MIN_WORDS:  # a menu or a consent wall, not a story
        raise WebError(url, "no article text found on the page")
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    canonical = _http_url(getattr(doc, "url", None)) or url
    host = urlsplit(url).hostname or None
    return Page(
        text="\n\n".join(paragraphs),
        title=_clean(getattr(doc, "title", None)),
        source=_clean(getattr(doc, "sitename", None)) or _clean(getattr(doc, "hostname", None))
        or host,
        url=canonical,
        published=_clean(getattr(doc, "date", None)),
        author=_clean(getattr(doc, "author", None)),
        language=page_language(html),
    )


@functools.cache
def _config() -> Any:
    """trafilatura's settings: a tree-size bound for hostile pages, no signal-based
    timeout (it only works in the main thread; the dashboard extracts in others),
    no date guessed from the text body."""
    from trafilatura.settings import DEFAULT_CONFIG

    cfg = copy.deepcopy(DEFAULT_CONFIG)
    cfg.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    cfg.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return cfg


def page_language(html: bytes | str) -> str | None:
    """The language the page declares: <html lang>, og:locale, JSON-LD inLanguage."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html if isinstance(html, bytes) else html.encode("utf-8"))
    except Exception:  # lxml raises several types on broken input
        return None
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += tree.xpath("//meta[@property='og:locale']/@content")[:1]
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:5]:
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("inLanguage"), str):
                candidates.append(item["inLanguage"])
    for value in candidates:
        if isinstance(value, str):
            code = re.split(r"[-_]", value.strip().lower())[0]
            if _LANG.match(code):
                return code
    return None


def _http_url(value: object) -> str | None:
    if isinstance(value, str) and urlsplit(value.strip()).scheme in ("http", "https"):
        return value.strip()
    return None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:500] or None
