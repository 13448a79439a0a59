"""Article loading: the seeds as delivered, and hostile files."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.articles import (
    article_from_bytes,
    hidden_paths,
    iter_article_paths,
    load_article,
    split_sentences,
)
from geo.errors import ArticleError, GeoError, MetadataError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
SEED_000 = SEEDS / "000_dc344a161f240007.txt"
SEED_004 = SEEDS / "004_3bca5d6d07408c2f.txt"


def write(tmp_path: Path, name: str, data: bytes | str, meta: object = None) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if meta is not None:
        stem = name.rsplit(".", 1)[0]
        sidecar = tmp_path / f"{stem}.meta.json"
        sidecar.write_text(meta if isinstance(meta, str) else json.dumps(meta), "utf-8")
    return path


STORY = (
    "Shots were fired at the prison of Toulon-La Farlède overnight. "
    "No one was injured, the prosecutor said.\n\n"
    "Mr. Darmanin announced a visit on Tuesday."
)


# --- Seeds ---------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason="shared/ seeds not beside the repo")
@pytest.mark.parametrize("name", ["000_dc344a161f240007.txt", "004_3bca5d6d07408c2f.txt"])
def test_seeds_are_byte_identical_copies(name: str) -> None:
    assert (SEEDS / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_seed_000_forum_header_and_repeated_paragraphs_removed() -> None:
    article = load_article(SEED_000)
    assert article.removed_duplicates == 4
    assert len(article.paragraphs) == 5
    for noise in ("Joined", "Reaction score", "FULL MEMBER", "Messages", "1,236"):
        assert noise not in article.text
    assert article.text.startswith("Overnight, at least eight prisons across France")
    assert article.text.count("He announced plans to visit Toulon") == 1
    # Curly apostrophes are kept as written, for exact quotes.
    assert "government’s" in article.text


def test_seed_000_sidecar() -> None:
    source = load_article(SEED_000).source
    assert source.source == "Forum post (AbdulQadir7)"
    assert source.published == dt.date(2025, 4, 15)
    assert source.url is None
    assert "supplied" in (source.title or "")
    meta = json.loads((SEEDS / "000_dc344a161f240007.meta.json").read_text("utf-8"))
    assert meta["published_approximate"] is True


def test_seed_004_blog_boilerplate_removed_story_kept() -> None:
    article = load_article(SEED_004)
    assert article.source.source == "The New York Times"
    assert article.source.published == dt.date(2024, 5, 15)
    assert "#Hundreds" not in article.text
    assert "About The Author" not in article.text
    assert "Leave a Comment" not in article.text
    assert "Getty Images" not in article.text  # photo caption and credit line
    assert "killing two guards and injuring three others" in article.text
    assert article.text.rstrip().endswith("using videoconferencing when possible.")


@pytest.mark.parametrize("path", [SEED_000, SEED_004])
def test_sentence_offsets_index_the_clean_text(path: Path) -> None:
    article = load_article(path)
    assert article.sentences
    for sentence in article.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        para = article.paragraphs[sentence.paragraph]
        assert para.start <= sentence.start < sentence.end <= para.end
    for para in article.paragraphs:
        assert article.text[para.start : para.end] == para.text


def test_sentence_splitter_keeps_abbreviations_and_quotes() -> None:
    text = 'Mr. Darmanin told RTL radio. "We are here," he said. M. Dupont a parlé à 9 h.'
    parts = [text[s:e] for s, e in split_sentences(text)]
    assert parts == [
        "Mr. Darmanin told RTL radio.",
        '"We are here," he said.',
        "M. Dupont a parlé à 9 h.",
    ]


def test_article_id_is_stable_and_content_derived(tmp_path: Path) -> None:
    a = load_article(write(tmp_path, "a.txt", STORY))
    b = load_article(write(tmp_path, "b.txt", STORY + "\n\n" + STORY.split("\n\n")[0]))
    c = load_article(write(tmp_path, "c.txt", STORY.replace("Toulon", "Nîmes")))
    assert a.id == b.id  # a repeated paragraph changes nothing
    assert a.id != c.id
    assert a.id == load_article(tmp_path / "a.txt").id


def test_missing_sidecar_uses_file_name(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "local-news.txt", STORY))
    assert article.source.source == "local-news.txt"
    assert article.source.published is None
    assert article.stem == "local-news"


def test_iter_article_paths_skips_sidecars_and_sorts(tmp_path: Path) -> None:
    write(tmp_path, "b.md", STORY, meta={"source": "B"})
    write(tmp_path, "a.html", "<p>x</p>")
    (tmp_path / "notes.json").write_text("{}")
    assert [p.name for p in iter_article_paths([tmp_path])] == ["a.html", "b.md"]
    with pytest.raises(ArticleError, match="no such file"):
        iter_article_paths([tmp_path / "missing"])



def test_hidden_folders_are_left_out_and_not_walked_into(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / "sub" / ".cache").mkdir(parents=True)
    write(tmp_path, "a.txt", STORY)
    write(tmp_path / "sub", "b.txt", STORY)
    write(tmp_path / "sub", ".c.txt", STORY)
    write(tmp_path / ".git" / "objects", "x.txt", STORY)
    write(tmp_path / "sub" / ".cache", "y.md", STORY)
    assert iter_article_paths([tmp_path]) == [tmp_path / "a.txt", tmp_path / "sub" / "b.txt"]
    assert hidden_paths([tmp_path]) == (
        [tmp_path / "sub" / ".c.txt"], [tmp_path / ".git", tmp_path / "sub" / ".cache"])
    listed: list[str] = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p: listed.append(str(p)) or real_scandir(p))
    iter_article_paths([tmp_path])
    assert listed and not any(".git" in p or ".cache" in p for p in listed)


# --- Formats ---------------------------------------------------------------------


def test_html_scripts_styles_captions_dropped(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>t</title><style>p{}</style>
    <script>alert('x')</script></head><body><nav>Home | News</nav>
    <article><h1>Attack on a prison</h1><p>Shots were fired at the prison
    of Nîmes.</p><figure><img src=x onerror=alert(1)><figcaption>A prison in Paris.
    </figcaption></figure><p>No one was injured.</p></article>
    <footer>© Le Journal</footer></body></html>"""
    article = load_article(write(tmp_path, "page.html", html))
    assert "alert" not in article.text
    assert "Paris" not in article.text
    assert "Home | News" not in article.text
    assert article.paragraphs[0].text == "Attack on a prison"
    assert "Shots were fired at the prison of Nîmes." in article.text


def test_markdown_converted_to_text(tmp_path: Path) -> None:
    md = "# Attaque à Valence\n\nDes **tirs** visent la [prison](http://x.fr) de Valence.\n"
    article = load_article(write(tmp_path, "story.md", md))
    assert article.text == "Attaque à Valence\n\nDes tirs visent la prison de Valence."
    assert article.language == "fr"


def test_hard_wrapped_plain_text_rejoined(tmp_path: Path) -> None:
    text = "Shots were fired at the prison\nof Toulon overnight and cars\nwere burned.\n"
    assert load_article(write(tmp_path, "w.txt", text)).paragraphs[0].text == (
        "Shots were fired at the prison of Toulon overnight and cars were burned."
    )


# --- Hostile input -----------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(ArticleError, match=r"empty\.txt: empty file"):
        load_article(path)
    with pytest.raises(ArticleError, match="empty file"):
        load_article(write(tmp_path, "blank.txt", b"  \n\n\t \n"))


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, "photo.txt", bytes(range(256)) * 40)
    with pytest.raises(ArticleError, match=r"photo\.txt: binary"):
        load_article(path)


def test_huge_file_refused_with_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_MAX_ARTICLE_BYTES", "1000000")
    path = write(tmp_path, "huge.txt", ("A prison was attacked. " * 50_000).encode())
    with pytest.raises(ArticleError, match=r"huge\.txt: too large \(1\.1 MB"):
        load_article(path)


def test_a_mistyped_size_limit_is_a_clear_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_MAX_ARTICLE_BYTES", "5MB")
    with pytest.raises(GeoError, match=r"GEO_MAX_ARTICLE_BYTES='5MB': expected a number"):
        load_article(write(tmp_path, "a.txt", STORY))


def test_windows_1252_and_mixed_encodings(tmp_path: Path) -> None:
    cp = "Les surveillants de la prison de Nîmes ont été visés à l’entrée.".encode("cp1252")
    assert "Nîmes ont été visés à l’entrée" in load_article(write(tmp_path, "cp.txt", cp)).text
    mixed = "Tirs à Nîmes.\n".encode() + "Incendie à Valence.".encode("cp1252")
    text = load_article(write(tmp_path, "mixed.txt", mixed)).text
    assert "Tirs à Nîmes." in text and "Incendie à Valence." in text


def test_mojibake_repaired(tmp_path: Path) -> None:
    broken = "Prison guardsâ€™ unions in NÃ®mes protested."
    assert load_article(write(tmp_path, "m.txt", broken)).text == (
        "Prison guards’ unions in Nîmes protested."
    )


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "u16.txt", STORY.encode("utf-16"))
    assert "Toulon-La Farlède" in load_article(path).text


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"report\.pdf: unsupported file type"):
        load_article(write(tmp_path, "report.pdf", b"%PDF-1.4"))


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ("{not json", r"x\.meta\.json: invalid JSON at line 1 column 2"),
        ("[1, 2]", r"x\.meta\.json: must be a JSON object, not list"),
        ({"title": 42}, r"x\.meta\.json: 'title' must be a string or null, not int"),
        ({"published": "15/04/2025"}, r"x\.meta\.json: 'published' is not an ISO 8601 date"),
        ({"published": ["2025"]}, r"'published' must be a string or null, not list"),
    ],
)
def test_broken_sidecar_names_the_file(tmp_path: Path, meta: object, message: str) -> None:
    path = write(tmp_path, "x.txt", STORY, meta=meta)
    with pytest.raises(MetadataError, match=message):
        load_article(path)


def test_sidecar_datetime_and_future_date(tmp_path: Path) -> None:
    path = write(tmp_path, "x.txt", STORY, meta={"published": "2024-05-15T08:30:00Z"})
    assert load_article(path).source.published == dt.date(2024, 5, 15)
    path = write(tmp_path, "y.txt", STORY, meta={"published": "2031-01-01"})
    article = load_article(path, today=dt.date(2026, 1, 1))
    assert article.source.published is None
    assert "in the future" in article.warnings[0] and "y.meta.json" in article.warnings[0]


def test_upload_bytes_without_a_file(tmp_path: Path) -> None:
    article = article_from_bytes(STORY.encode(), Path("upload.txt"), {"source": "Le Monde"})
    assert article.source.source == "Le Monde"
    assert article.sentences[0].text.startswith("Shots were fired")


def test_text_from_the_web_archive_is_not_cleaned_again(tmp_path: Path) -> None:
    """geo.web keeps the page's story text; a paragraph with a credit sign stays."""
    import json

    story = "Des tirs ont visé la prison de Nîmes.\n\nUne photo © AFP montre les impacts."
    (tmp_path / "k.txt").write_text(story, encoding="utf-8")
    (tmp_path / "k.meta.json").write_text(json.dumps({"fetched": {"url": "https://x.fr/a"}}),
                                          encoding="utf-8")
    assert load_article(tmp_path / "k.txt").text == story
    (tmp_path / "k.meta.json").unlink()
    assert "©" not in load_article(tmp_path / "k.txt").text


# --- Decoding: the fast path gives what ftfy gives ------------------------------------------

_NEWS_CHARS = list("abcdefghijklmnopqrstuvwxyz ÉéèêëàâäîïôöùûüçœÆæ«»’‘“”–—…°€\u00a0\n\t.,;:!?'\"-()"
                   "0123456789ÀÂÎÔÛÇÃ©¨§¤&")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
                 st.text(st.sampled_from(_NEWS_CHARS), max_size=160)))
def test_decoding_repairs_exactly_as_ftfy_does(text: str) -> None:
    """Text no ftfy fix can change skips ftfy (it cost more than extraction): the result
    is the same either way, mojibake ("Ã©", "â€™"), entities and controls included."""
    import ftfy

    from geo.articles import _FTFY, decode_bytes

    if not text.strip() or "\x00" in text:
        return
    try:
        got = decode_bytes(text.encode("utf-8"), Path("t.txt"))
    except ArticleError:
        return  # refused as binary: nothing to compare
    assert got == ftfy.fix_text(text, config=_FTFY)


def test_mojibake_is_still_repaired() -> None:
    from geo.articles import decode_bytes

    assert decode_bytes("l\u00e2\u20ac\u2122attaque de la prison de N\u00c3\u00aemes".encode(),
                        Path("m.txt")) == "l’attaque de la prison de Nîmes"
