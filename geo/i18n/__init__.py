"""The interface's languages: one catalogue per language (`en.py`, `fr.py`, same keys),
and how the dashboard picks one (the URL's `lang`, else the browser's language)."""

from __future__ import annotations

from collections.abc import Mapping

from geo.i18n import en, fr

CATALOGUES: dict[str, Mapping[str, str]] = {"en": en.TEXTS, "fr": fr.TEXTS}
LANGS: tuple[str, ...] = tuple(CATALOGUES)
DEFAULT = "en"
#: How each language is offered in the switch (in its own language).
NAMES: dict[str, str] = {"en": "English", "fr": "Français"}


def norm(lang: str | None) -> str:
    """A supported language code (`"fr-FR"` → `"fr"`), or the default."""
    return known(lang) or DEFAULT


def from_accept_language(header: str | None) -> str:
    """French when the browser asks for French before English, else English."""
    best, best_q = DEFAULT, -1.0
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in CATALOGUES:
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        q -= i * 1e-6  # ties: the first named wins
        if q > best_q:
            best, best_q = code, q
    return best


def pick(url_value: str | None, accept_language: str | None,
         locale: str | None = None) -> str:
    """The URL's `lang` when it names a language we have, else the browser's own
    language (`locale`: the page's `navigator.language`) when we have it, else the
    first of ours in its Accept-Language. The locale comes first because the header
    Streamlit sees is the WebSocket handshake's, which need not be the page's (headless
    Chromium sends its default there whatever the user's language)."""
    return known(url_value) or known(locale) or from_accept_language(accept_language)


def known(lang: str | None) -> str | None:
    """`lang`'s code when it names a language we have (`"fr-FR"` → `"fr"`), else None."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in CATALOGUES else None


class Texts:
    """`t("key", n=3)`: one language's texts, formatted; a missing key is a bug (KeyError)."""

    def __init__(self, lang: str) -> None:
        self.lang = norm(lang)
        self.texts = CATALOGUES[self.lang]

    def __call__(self, key: str, **fields: object) -> str:
        text = self.texts[key]
        return text.format(**fields) if fields else text

    def count(self, n: int) -> str:
        """"1 incident" / "3 incidents", with the language's digit grouping."""
        key = "n_incidents_1" if n == 1 else "n_incidents"
        return self(key, n=self.number(n))

    def number(self, n: int) -> str:
        text = f"{n:,}"
        return text.replace(",", "\u202f") if self.lang == "fr" else text

    def type_label(self, key: str | None) -> str:
        return self.texts.get(f"type.{key or 'other'}", key or "")

    def size(self, n_bytes: int) -> str:
        """A size in MB of 1,048,576 bytes (as Streamlit and `geo.articles` count them):
        one way of writing the article limit, in the page and on the command line."""
        mb = f"{n_bytes / 1048576:.1f}".removesuffix(".0")
        return self("size_mb", mb=mb.replace(".", ",") if self.lang == "fr" else mb)
