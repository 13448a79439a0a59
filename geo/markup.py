"""Untrusted text (article titles, quotes, file names, error texts) made safe for
Streamlit's Markdown-rendering elements: one escape for every page."""

from __future__ import annotations

import re

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def md(text: object) -> str:
    """Plain text for a Markdown message: `![x](http://host/p.png)` would otherwise make
    the browser fetch, and `<b>` or `*` would change what is shown."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
