"""Articles from the web: polite bounded HTTP, page text and metadata, feeds, an archive.

`fetch` gets bytes (http(s) only, public addresses, size cap, total deadline,
bounded redirects, a delay per host); `page` turns an HTML page into text and
metadata with trafilatura; `feeds` reads RSS/Atom with feedparser; `archive`
keeps every fetched page under data/web/ as the article file the rest of the
pipeline reads; `seen` remembers feed items in the store; `intake` ties them
together for `geo ingest URL` and `geo watch`.
"""

from __future__ import annotations

import re

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(item: object) -> bool:
    """Whether a command-line item is meant as a URL (any scheme: a file:// URL is
    refused with a message rather than looked for as a file named 'file:')."""
    return isinstance(item, str) and bool(_URL.match(item))
