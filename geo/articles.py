"""Load news articles: decode, convert, clean, de-duplicate, split with offsets.

Every later stage quotes evidence from `Article.text` by character offsets, so
all cleaning happens here, once, before any offset is taken.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ftfy
from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag
from ftfy.badness import is_bad
from markdown_it import MarkdownIt

from geo import config
from geo.errors import ArticleError, MetadataError
from geo.model import Source

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".md", ".markdown")
#: The same, as the dashboard's uploader names them (no dot).
UPLOAD_EXTENSIONS = tuple(s.lstrip(".") for s in ARTICLE_SUFFIXES)
SIDECAR_SUFFIX = ".meta.json"
SIDECAR_KEYS = ("title", "source", "url", "published", "author", "language")
#: News articles are kilobytes; anything this large is a mistake or an attack.
DEFAULT_MAX_BYTES = config.DEFAULT_MAX_ARTICLE_BYTES
#: GEO_MAX_ARTICLE_BYTES (read in geo.config; imported from here by the dashboard).
max_article_bytes = config.max_article_bytes
MAX_SIDECAR_BYTES = 256 * 1024


def _mb(n_bytes: int) -> str:
    """A size as the dashboard writes it (MB of 1,048,576 bytes, like Streamlit): the
    5 MB limit reads "5 MB" everywhere (geo.i18n.Texts.size)."""
    return f"{n_bytes / 1048576:.1f}".removesuffix(".0") + " MB"


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int


@dataclass
class Article:
    """A cleaned article. Offsets of paragraphs and sentences index into `text`."""

    id: str
    path: Path
    text: str
    source: Source
    paragraphs: list[Span]
    sentences: list[Sentence]
    language: str
    warnings: list[str] = field(default_factory=list)
    removed_duplicates: int = 0

    @property
    def stem(self) -> str:
        return article_stem(self.path)


# --- Paths and sidecars ------------------------------------------------------


def article_stem(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def sidecar_path(path: Path) -> Path:
    return path.with_name(article_stem(path) + SIDECAR_SUFFIX)


def iter_article_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Article files under the given files/folders, sorted, sidecars excluded; nothing
    hidden inside a folder (a dotfile, or anything under a dot-folder) is read."""
    found: set[Path] = set()
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found.update(f for f in walk_folder(p).files if _is_article(f))
        elif p.is_file():
            found.add(p)
        else:
            raise ArticleError(p, "no such file or folder")
    return sorted(found)


def _is_article(path: Path) -> bool:
    return _has_article_suffix(path) and not is_hidden(path)


def _has_article_suffix(path: Path) -> bool:
    return path.name.lower().endswith(ARTICLE_SUFFIXES)


def is_hidden(path: Path) -> bool:
    """A dotfile (`.draft.txt`, macOS's `._article.txt`) or dot-folder (`.git`, `.cache`,
    `.obsidian`): never read from a folder given to an ingest."""
    return path.name.startswith(".")


#: Why a hidden file in a folder is not read (the ingest says so per file).
HIDDEN_REASON = "hidden file (its name starts with a dot): not read"
#: Why a hidden folder in a folder is not read (named once, never walked into).
HIDDEN_FOLDER_REASON = "hidden folder (its name starts with a dot): not read"


@dataclass(frozen=True)
class FolderWalk:
    """What a folder holds: its files outside hidden folders, and the hidden folders
    left out (the outermost ones: what is inside them is not even listed)."""

    files: list[Path]
    hidden_folders: list[Path]


def walk_folder(folder: Path) -> FolderWalk:
    """Every file under `folder` (links to folders not followed, as `rglob`), without
    going into a hidden sub-folder: `.git/` may hold thousands of files, and an editor's
    `.obsidian/` or a `.cache/` holds no article anyone meant to publish."""
    files: list[Path] = []
    hidden: list[Path] = []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        hidden.extend(here / d for d in dirs if d.startswith("."))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(here / n for n in names if (here / n).is_file())
    return FolderWalk(sorted(files), sorted(hidden))


def hidden_paths(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Path]]:
    """What `iter_article_paths` leaves out of the folders given, sorted, to be reported
    rather than skipped silently: the hidden files with an article's suffix (outside
    hidden folders), and the outermost hidden sub-folders."""
    files: set[Path] = set()
    folders: set[Path] = set()
    for item in paths:
        p = Path(item)
        if p.is_dir():
            walk = walk_folder(p)
            files.update(f for f in walk.files if is_hidden(f) and _has_article_suffix(f))
            folders.update(walk.hidden_folders)
    return sorted(files), sorted(folders)


def read_sidecar(path: Path) -> dict[str, object]:
    """The validated sidecar of an article, {} when there is none."""
    meta_path = sidecar_path(path)
    if not meta_path.exists():
        return {}
    try:
        raw = meta_path.read_bytes()
    except OSError as exc:
        raise MetadataError(meta_path, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_SIDECAR_BYTES:
        raise MetadataError(meta_path, f"too large ({len(raw)} bytes)")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise MetadataError(meta_path, "not UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise MetadataError(
            meta_path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:  # e.g. 100,000 nested arrays: named here, not a traceback
        raise MetadataError(meta_path, "JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        raise MetadataError(meta_path, f"must be a JSON object, not {type(data).__name__}")
    for key in SIDECAR_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise MetadataError(
                meta_path, f"'{key}' must be a string or null, not {type(value).__name__}"
            )
    return data


def parse_published(value: str, where: Path) -> dt.date:
    """An ISO 8601 date or datetime; MetadataError naming the sidecar otherwise."""
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise MetadataError(
            sidecar_path(where), f"'published' is not an ISO 8601 date: {value!r}"
        ) from exc


# --- Decoding ----------------------------------------------------------------


#: Keep curly quotes and dashes as written: evidence must quote the article exactly.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC")


def decode_bytes(raw: bytes, path: Path) -> str:
    """Text from bytes: UTF-8 first, then the detected charset; mojibake repaired."""
    if not raw.strip():
        raise ArticleError(path, "empty file")
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ArticleError(path, "binary file (NUL bytes), not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_mixed(raw)
    if _control_ratio(text) > 0.05:
        raise ArticleError(path, "binary file (control characters), not text")
    # ftfy repairs UTF-8 read as Windows-1252 ("â€™" -> "’"), also in mixed files. It
    # costs more than the extraction itself, so text that none of its fixes can change
    # (no mojibake by ftfy's own test, no entity, control, ligature or wide form) is
    # only normalised; tests/test_articles.py checks both paths agree.
    if _MAYBE_FIXABLE.search(text) or is_bad(text):
        return ftfy.fix_text(text, config=_FTFY)
    return unicodedata.normalize("NFC", text)


#: What one of ftfy's fixes (other than its mojibake repair) may act on: HTML entities,
#: carriage returns, terminal escapes, C0/C1 controls, odd line breaks, Latin ligatures,
#: full-width forms, surrogates, the replacement character, invisible format characters;
#: and a Latin-1 letter followed by a Windows-1252 byte's character (a mojibake pair).
_MAYBE_FIXABLE = re.compile(
    "[\u00c0-\u00ff][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039"
    "\u203a\u20ac\u2122]"
    "|[&\r\x1b\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufb00-\ufb06\uff01-\uff5e"
    "\u3000\ud800-\udfff\ufffd\ufeff\ufff9-\ufffb\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\U000e0000-\U000e007f]")


def _decode_mixed(raw: bytes) -> str:
    """Line by line: UTF-8 where it decodes, else Windows-1252 (the usual legacy
    encoding of Western European news), so a file mixing both loses nothing."""
    out = []
    for line in raw.split(b"\n"):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
    return "\n".join(out).lstrip("\ufeff")


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return bad / len(sample)


# --- Conversion to plain text ---------------------------------------------------

_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
    "canvas", "form", "button", "select", "input", "nav", "aside", "footer", "header",
    "figure", "figcaption", "head", "meta", "link",
)
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
    "blockquote", "article", "section", "main", "pre", "table", "dd", "dt", "hr",
)
_BLOCK_BREAK = "\ue000"  # a private-use character: never whitespace, never in news
#: The string types `get_text()` keeps by default.
_TEXT_TYPES = (NavigableString, CData)
_markdown = MarkdownIt("commonmark")


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one paragraph per block element.

    Scripts, styles, navigation and figure captions are dropped: they are never
    part of the story and captions would create false incident places. One
    iterative walk of the tree, in linear time however deep a hostile page nests
    its elements (bs4's insert_before/after are linear in the depth).
    """
    soup = BeautifulSoup(html, "lxml")
    parts: list[str] = []
    stack: list[tuple[Iterator[PageElement], bool]] = [(iter(soup.contents), False)]
    while stack:
        children, block = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if block:  # only block edges split paragraphs
                parts.append(_BLOCK_BREAK)
        elif isinstance(node, Tag):
            if node.name in _DROP_TAGS:
                continue
            is_block = node.name in _BLOCK_TAGS
            if is_block:
                parts.append(_BLOCK_BREAK)
            stack.append((iter(node.contents), is_block))
        elif type(node) in _TEXT_TYPES:  # not comments, doctypes, CDATA-like script text
            parts.append(str(node))
    # Line breaks inside a block are soft in HTML.
    text = re.sub(r"\s+", " ", "".join(parts))
    return re.sub(rf"\s*{_BLOCK_BREAK}[\s{_BLOCK_BREAK}]*", "\n\n", text).strip()


def markdown_to_text(text: str) -> str:
    return html_to_text(_markdown.render(text))


# --- Cleaning ----------------------------------------------------------------------

_HASHTAG_LINE = re.compile(r"^\s*(#[\w\-]+[\s,]*)+$", re.UNICODE)


@lru_cache(maxsize=1)
def _boilerplate_rules() -> tuple[re.Pattern[str], ...]:
    """Forum cards, blog footers, newsletter prompts and photo credits, in every
    language pack's words (an article's language is not known before cleaning)."""
    from geo.extract import lang

    def of(key: str) -> str:
        return lang.patterns_alternation(
            [p for code in sorted(lang.available())
             for p in lang.load(code).get("cleaning", key)])

    return (
        re.compile(rf"^[-*•\s]*{of('forum_markers')}\b", re.IGNORECASE),
        re.compile(rf"^\s*{of('footer_markers')}\b", re.IGNORECASE),
        re.compile(of("newsletter"), re.IGNORECASE),
        # The copyright sign and a trailing agency credit are the same in every language.
        re.compile(rf"©|/\s*afp\s*$|{of('photo_credit')}", re.IGNORECASE),
    )


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def _strip_forum_header(lines: list[str]) -> list[str]:
    """Drop a forum post's member card (name, rank, Joined, Messages, ...)."""
    head = lines[:30]
    forum = _boilerplate_rules()[0]
    marker_idx = [i for i, line in enumerate(head) if forum.match(line)]
    if len(marker_idx) < 2:
        return lines
    last = marker_idx[-1]
    # The value line after the last marker ("- 0") belongs to the card too.
    end = last + 1
    while end < len(lines) and len(lines[end].strip()) <= 40 and not _looks_like_prose(lines[end]):
        end += 1
    if all(len(line.strip()) <= 40 for line in lines[:last]):
        return lines[end:]
    return lines


def _looks_like_prose(line: str) -> bool:
    return len(line.split()) >= 6 or bool(re.search(r"[.!?»”\"]\s*$", line.strip()))


def _is_boilerplate(line: str) -> bool:
    _, footer, newsletter, credit = _boilerplate_rules()
    stripped = line.strip()
    if _HASHTAG_LINE.match(stripped) or newsletter.search(stripped):
        return True
    if footer.match(stripped) and len(stripped) < 80:
        return True
    return bool(credit.search(stripped)) and len(stripped) < 200


def clean_text(text: str) -> tuple[list[str], int]:
    """Paragraphs of the story, and how many repeated paragraphs were dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    lines = _strip_forum_header(lines)
    # A blog footer ends the story: cut at its first marker in the last part.
    for i, line in enumerate(lines):
        if i > len(lines) // 2 and _boilerplate_rules()[1].match(line) and len(line) < 80:
            lines = lines[:i]
            break
    paragraphs = _group_paragraphs(lines)
    kept: list[str] = []
    seen: set[str] = set()
    removed = 0
    for para in paragraphs:
        if _is_boilerplate(para):
            continue
        key = re.sub(r"\W+", " ", para.casefold()).strip()
        if not key:
            continue
        if key in seen:
            removed += 1
            continue
        seen.add(key)
        kept.append(para)
    return kept, removed


def _group_paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated blocks; hard-wrapped lines of prose are re-joined.

    A block whose lines each end a sentence (or a file without blank lines)
    keeps one paragraph per line.
    """
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    paragraphs: list[str] = []
    for block in blocks:
        if not block:
            continue
        wrapped = len(block) > 1 and sum(
            1 for line in block[:-1] if not _ENDS_SENTENCE.search(line)
        ) > len(block) // 2
        if wrapped:
            paragraphs.append(" ".join(block))
            continue
        for i, line in enumerate(block):
            if i and paragraphs and line[:1].islower() and not _ENDS_SENTENCE.search(
                    block[i - 1]):
                # "... the jail at Condé-sur-Sarthe\nin Normandy before ...": a line break
                # inside a sentence, not a new paragraph.
                paragraphs[-1] += " " + line
            else:
                paragraphs.append(line)
    return paragraphs


_ENDS_SENTENCE = re.compile(r"[.!?:»”\"')]\s*$")


# --- Sentences ------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st ste mme mmes mlle m gen col lt sgt capt gov sen rep jr sr
    no nos vs etc e.g i.e u.s u.k a.m p.m jan feb mar apr jun jul aug sep sept oct nov dec
    av bd blvd fig art al approx dept n°""".split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»’')\]]*(?=\s+|$)")
_NEXT_CHAR = re.compile(r"\s*(\S?)")
#: An abbreviation is a short token: the look-back for one needs no more than this.
_TOKEN_WINDOW = 40


def split_sentences(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in `text`, shifted by `start`.

    A regex splitter with an abbreviation list: fast (articles are ingested by
    the thousand) and predictable on news prose in English and French.
    """
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        # Bounded look-back and look-ahead: slicing to the end of the text for every
        # full stop made a long article quadratic.
        window = text[max(begin, match.start() - _TOKEN_WINDOW) : match.start() + 1]
        word = re.search(r"([\w.°]+)\.$", window)
        if match.group().startswith(".") and word:
            token = word.group(1).lower()
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        following = _NEXT_CHAR.match(text, end).group(1)
        if following and following.islower():
            continue  # "… the U.S. military" or an ellipsis inside a sentence
        spans.append((begin, end))
        begin = end
        while begin < len(text) and text[begin].isspace():
            begin += 1
    if begin < len(text) and text[begin:].strip():
        spans.append((begin, len(text.rstrip())))
    return [(start + s, start + e) for s, e in spans if e > s]


# --- Language -------------------------------------------------------------------------

def guess_language(text: str) -> str:
    """The article's language from its function words (the language packs' lists):
    a pack's code, or "und" when the text does not say clearly."""
    from geo.extract.lang import detect

    return detect(text)


# --- Loading -------------------------------------------------------------------------------


def load_article(path: str | os.PathLike[str], *, today: dt.date | None = None) -> Article:
    """Read, decode, convert and clean one article file and its sidecar.

    Raises ArticleError (or MetadataError) with the file name and the cause.
    """
    path = Path(path)
    if not _is_article(path):
        raise ArticleError(
            path, f"unsupported file type (expected one of {', '.join(ARTICLE_SUFFIXES)})"
        )
    check_size(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(path, f"cannot read: {exc.strerror or exc}") from exc
    meta = read_sidecar(path)
    return article_from_bytes(raw, path, meta, today=today)


def check_size(path: Path) -> int:
    """The file's size; ArticleError before anything reads a file over the limit
    (a multi-gigabyte file named .txt must not be loaded into memory)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(path, f"cannot read: {exc.strerror or exc}") from exc
    limit = max_article_bytes()
    if size > limit:
        raise ArticleError(
            path, f"too large ({_mb(size)}; the limit is {_mb(limit)})"
        )
    return size


def article_from_bytes(
    raw: bytes,
    path: Path,
    meta: dict[str, object] | None = None,
    *,
    today: dt.date | None = None,
) -> Article:
    """Build an Article from raw bytes (used for uploads, which have no file)."""
    meta = meta or {}
    text = decode_bytes(raw, path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm") or (suffix == ".txt" and _looks_like_html(text)):
        text = html_to_text(text)
    elif suffix in (".md", ".markdown"):
        text = markdown_to_text(text)
    if isinstance(meta.get("fetched"), dict) and suffix == ".txt":
        # The web archive's text (geo.web): trafilatura already chose the story's
        # paragraphs, so the scrape rules (which would drop a paragraph with "©" in it)
        # do not run again; only blank lines split it.
        paragraphs = [p for p in (_SPACES.sub(" ", b).strip()
                                  for b in text.replace("\r\n", "\n").split("\n\n")) if p]
        removed = 0
    else:
        paragraphs, removed = clean_text(text)
    if not paragraphs:
        raise ArticleError(path, "no readable text after cleaning")

    clean = "\n\n".join(paragraphs)
    spans: list[Span] = []
    sentences: list[Sentence] = []
    offset = 0
    for index, para in enumerate(paragraphs):
        spans.append(Span(para, offset, offset + len(para)))
        for s, e in split_sentences(para, offset):
            sentences.append(Sentence(clean[s:e], s, e, index))
        offset += len(para) + 2

    warnings: list[str] = []
    published = None
    if isinstance(meta.get("published"), str) and meta["published"]:
        published = parse_published(str(meta["published"]), path)
        if published > (today or dt.date.today()):
            warnings.append(
                f"{sidecar_path(path)}: 'published' {published} is in the future; ignored"
            )
            published = None
    article_id = hashlib.sha256(clean.encode("utf-8")).hexdigest()[:16]
    language = str(meta.get("language") or guess_language(clean))
    source = Source(
        source=str(meta.get("source") or path.name),
        title=_opt(meta.get("title")),
        url=_opt(meta.get("url")),
        published=published,
        author=_opt(meta.get("author")),
        language=language,
        article=article_stem(path),
        article_id=article_id,
    )
    return Article(
        id=article_id,
        path=path,
        text=clean,
        source=source,
        paragraphs=spans,
        sentences=sentences,
        language=language,
        warnings=warnings,
        removed_duplicates=removed,
    )


def _opt(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<body" in head or "<!doctype html" in head
