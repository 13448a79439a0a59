"""geo.web.page on pages written to look like real news sites (FR and EN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import WebError
from geo.web.page import page_language, read_page

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
#: Boilerplate of the two pages: banner, menus, related links, share buttons, comments.
BOILERPLATE = ("cookie", "Tout accepter", "Accueil", "Rugby", "Noël", "Partager", "Publicité",
               "Jeannot26", "Commentaires", "newsletter", "Montélimar", "privacy", "partners",
               "Share on", "Lyon football", "PeterB", "Valence last week", "Sign up",
               "Read more", "Sign in", "©")


def test_french_page_text_and_metadata():
    page = read_page((PAGES / "fr_voitures_incendiees.html").read_bytes(), "http://127.0.0.1/a")
    assert page.metadata() == {
        "title": "Des voitures de surveillants incendiées devant la prison de Valence",
        "source": "Le Courrier du Rhône",
        "url": "https://www.courrier-du-rhone.example/faits-divers/"
               "valence-voitures-incendiees-prison",
        "published": "2025-04-15",
        "author": "Claire Vasseur",
        "language": "fr",
    }
    assert "cinq voitures appartenant à des surveillants ont été incendiées" in page.text
    for word in BOILERPLATE:
        assert word not in page.text, word
    assert "\n\n" in page.text  # one paragraph per block, blank-line separated


def test_english_page_metadata_from_json_ld_and_og():
    page = read_page((PAGES / "en_gunfire_toulon.html").read_bytes(), "http://127.0.0.1/b")
    assert (page.title, page.source, page.published, page.author, page.language) == (
        "Gunmen open fire on prison gate in southern France", "Riviera Post", "2025-04-15",
        "Tom Hallett", "en")
    assert page.url.startswith("https://news.riviera-post.example/world/2025/04/15/")
    assert "automatic weapon on the main gate of the Toulon-La Farlède prison" in page.text
    for word in BOILERPLATE:
        assert word not in page.text, word


def test_a_page_without_a_story_is_an_error_naming_the_url():
    with pytest.raises(WebError, match="no article text") as err:
        read_page(b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                  "http://127.0.0.1/empty")
    assert err.value.url == "http://127.0.0.1/empty"


def test_a_canonical_url_that_is_not_http_is_not_taken():
    html = ("<html><head><link rel='canonical' href='javascript:alert(1)'></head><body>"
            + "<p>Des surveillants ont été agressés devant la prison de Fresnes lundi.</p>" * 5
            + "</body></html>")
    assert read_page(html.encode(), "http://127.0.0.1/c").url == "http://127.0.0.1/c"


@pytest.mark.parametrize(("html", "lang"), [
    (b"<html lang='fr-FR'><body></body></html>", "fr"),
    (b"<html><head><meta property='og:locale' content='en_US'></head></html>", "en"),
    (b'<html><script type="application/ld+json">{"inLanguage": "fr"}</script></html>', "fr"),
    (b"<html><body>nothing declared</body></html>", None),
    (b"<html lang='not a language'></html>", None),
])
def test_page_language(html, lang):
    assert page_language(html) == lang
