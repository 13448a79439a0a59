"""Place mentions in a sentence, and whether each is where an incident happened.

Candidates are capitalised spans looked up in the gazetteer (longest match first),
so the cost is a few dictionary look-ups per sentence, never a scan of the
gazetteer. Each mention then gets a *role* from its local syntax:

- `incident`: a locative frame ("in Toulon", "à Nîmes", "facilities in cities
  including A, B and C"), a prison frame ("la prison de Valence", "Fresnes prison")
  or a prison's own name ("les Baumettes");
- `context`: a place the story only talks about: visits ("plans to visit Toulon"),
  justice and investigation ("a courthouse in Rouen", "under investigation in
  Marseille", "the top Paris prosecutor"), comparisons ("inspired by Italy's"),
  origins ("born in"), media ("told France 2 television"), datelines ("PARIS —");
- `qualifier`: a department or region that says where the previous name is
  ("Valence, in the Drôme", "Villepinte (Seine-Saint-Denis)");
- `anchor`: the reference of a relative clue ("85 miles northwest of Paris");
- `neutral`: anything else; it never creates an incident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from geo.extract import lang
from geo.extract.gate import Gate, derive_all, prefixes
from geo.gazetteer import KIND
from geo.model import PLACE_KINDS, PRECISION_RANK, precision_rank
from geo.normalize import fold

_F = re.IGNORECASE | re.UNICODE

#: The place kinds that are precisions, by `geo.model.PRECISION_RANK`.
KIND_RANK = {k: precision_rank(k) for k in PLACE_KINDS if k in PRECISION_RANK}

# French toponymy, whatever the article's language: the lower-case words inside
# place names ("Saint-Quentin-Fallavier", "Aix-en-Provence", "Val-de-Reuil").
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_LAST_WORD = re.compile(r"([^\W\d_]+)['’]?\W*$")
_COMPOUND_RIGHT = re.compile(r"^-[a-z]")
#: Nothing but punctuation or white space before a name: it opens the sentence.
_SUBJECT_LEFT = re.compile(r"^[\W_]*$")
_DEPT_CODE = re.compile(r"^\s*\((\d{2}|2[AB]|97\d)\)")
#: Datelines name a wire agency or put a capitalised place before a dash.
_DATELINE = re.compile(
    r"^\s*[A-ZÀ-Ý][A-ZÀ-Ý'’ .-]{2,40}(?:,\s*[^—–\n]{0,40}?)?\s*(?:\([^)]{0,30}\))?\s*[—–-]{1,2}\s"
    r"|^\s*[A-ZÀ-Ý][\w'’ .-]{2,40}\s*\((?:AFP|Reuters|AP|ANSA|dpa)\)\s*[—–-]{0,2}\s*",
)


def _words_of(patterns: list[str]) -> frozenset[str]:
    """Every lower-case word written in some patterns (a superset of the words a
    frame can end with: frames end with a word, so this gates them safely)."""
    return frozenset(w.lower() for p in patterns for w in _TOKEN.findall(
        re.sub(r"\\[a-zA-Z]", " ", p)))


@dataclass(frozen=True, eq=False)
class _Rules:
    """The place-role rules of a set of language packs, compiled once."""

    foreign: frozenset[str]
    not_places: frozenset[str]
    ctx_left: re.Pattern[str]
    ctx_last_words: frozenset[str]
    ctx_right: tuple[tuple[str, re.Pattern[str]], ...]
    locative: re.Pattern[str]
    facility_left: re.Pattern[str]
    facility_last_words: frozenset[str]
    facility_right: re.Pattern[str]
    qualifier_gap: re.Pattern[str]
    list_gap: re.Pattern[str]
    caption: re.Pattern[str]
    caption_gate: Gate
    byline: re.Pattern[str]
    byline_words: tuple[str, ...]
    country_wide: re.Pattern[str]
    country_gate: Gate
    landmark: re.Pattern[str]
    affiliation: re.Pattern[str]
    escape_origin: re.Pattern[str]
    visited: re.Pattern[str]
    indefinite: re.Pattern[str] | None
    locator_gap: re.Pattern[str]


def _pats(packs: tuple[lang.Pack, ...], key: str) -> list[str]:
    """One key of places.toml across the packs."""
    return lang.values(packs, "places", key)


@lru_cache(maxsize=32)
def _rules_for(key: tuple[tuple[str, ...], tuple]) -> _Rules:
    packs = lang.packs(key[0])
    alt, walt = lang.patterns_alternation, lang.words_alternation
    articles = alt(_pats(packs, "articles"))
    # Context frames, one named group per reason: one scan of the left context.
    frames: dict[str, list[str]] = {}
    for p in packs:
        for why, pats in p.get("places", "context_before").items():
            frames.setdefault(why, []).extend(pats)
    ctx_left = "|".join(f"(?P<{why}>\\b{alt(pats)})$" for why, pats in frames.items())
    right: dict[str, list[str]] = {}
    for p in packs:
        for why, pats in p.get("places", "context_after").items():
            right.setdefault(why, []).extend(pats)
    nouns = _pats(packs, "facility_nouns")
    noun_alt = (f"(?:{lang.noun_alternation(nouns)}|"
                f"(?-i:{walt(_pats(packs, 'facility_abbreviations'))}))")
    connectors = _pats(packs, "facility_connectors")
    pronouns = walt(_pats(packs, "facility_pronouns"))
    after_nouns = [n for p in packs if p.get("places", "facility_after")
                   for n in p.get("places", "facility_nouns")]
    compass = _pats(packs, "compass_adjectives")
    area = walt(_pats(packs, "area_nouns"))
    area_of = walt(_pats(packs, "area_connectors"))
    qual_prep = walt(_pats(packs, "qualifier_prepositions"))
    situated = alt(_pats(packs, "situated"))
    list_conn = alt(_pats(packs, "list_connectors"))
    list_prep = alt(_pats(packs, "list_prepositions"))
    captions = _pats(packs, "captions.patterns")
    byline = _pats(packs, "captions.byline")
    country = _pats(packs, "country_wide")
    return _Rules(
        foreign=frozenset(fold(n) for n in _pats(packs, "words.foreign")),
        not_places=frozenset(fold(n) for n in _pats(packs, "words.not_places")),
        ctx_left=re.compile(ctx_left or "(?!)", _F),
        ctx_last_words=_words_of([q for pats in frames.values() for q in pats]),
        ctx_right=tuple((why, re.compile(f"^{alt(pats)}", _F)) for why, pats in right.items()),
        locative=re.compile(
            rf"(?:^|\b){alt(_pats(packs, 'locatives'))}\s+(?:{articles}\s*)?"
            r"(?-i:[a-zà-ÿ-]+\s+){0,5}?$", _F),
        # "la prison de X", "the prison in the southern port city of X"
        facility_left=re.compile(
            rf"\b(?:{noun_alt}|{pronouns})\s+{walt(connectors)}\s*"
            rf"(?:(?:{articles}\s*)?(?-i:[a-zà-ÿ-]+\s+){{1,4}}?{walt(connectors)}\s*)?$", _F),
        facility_last_words=frozenset(
            w.lower() for c in connectors for w in _TOKEN.findall(c)[-1:]),
        facility_right=re.compile(rf"^(?:['’]s)?\s+{lang.noun_alternation(after_nouns)}", _F)
        if after_nouns
        else re.compile("(?!)"),
        qualifier_gap=re.compile(
            rf"^(?:\s+{lang.noun_alternation(after_nouns)})?"
            rf"\s*(?:\(|,\s*(?:{situated}\s+)?(?:{qual_prep}\s+)?(?:{articles}\s*)?|"
            rf"\s+{qual_prep}\s+(?:{articles}\s*)?)"
            rf"(?:{alt(compass)}\s+)?"
            rf"(?:{area}\s+(?:{area_of}\s*)?)?$", _F),
        list_gap=re.compile(
            rf"^\s*(?:\([^()]{{0,40}}\)\s*)?(?:,|;|,?\s+{list_conn})"
            rf"\s*(?:{pronouns}\s+{walt(connectors)}\s*)?"
            rf"(?:{list_prep}\s*)?(?:{articles}\s*)?$", _F),
        caption=re.compile(f"©|{alt(captions)}", _F),
        caption_gate=derive_all(captions, bounded=False) | Gate(substrings=("©",)),
        byline=re.compile(
            rf"^\s*{walt(byline)}\s+(?-i:[A-ZÀ-Ý])[\w'’-]+(?:\s+(?-i:[A-ZÀ-Ý])[\w'’-]+){{0,3}}\s*$",
            _F),
        byline_words=tuple(w.lower() + " " for w in byline),
        country_wide=re.compile(rf"\b{alt(country)}\b", _F),
        country_gate=derive_all(country, bounded=False),
        landmark=re.compile(rf"\b{alt(_pats(packs, 'landmarks'))}$", _F),
        affiliation=re.compile(rf"\b{alt(_pats(packs, 'affiliation'))}$", _F),
        escape_origin=re.compile(rf"\b{alt(_pats(packs, 'escape_origin'))}$", _F),
        visited=re.compile(rf"\b{alt(_pats(packs, 'visited'))}$", _F),
        indefinite=(re.compile(rf"\b{alt(_pats(packs, 'indefinite_facility'))}$", _F)
                    if _pats(packs, 'indefinite_facility') else None),
        locator_gap=re.compile(
            rf"^\s+{lang.noun_alternation(nouns)}\s+{walt(_pats(packs, 'locatives'))}\s+$", _F),
    )


def rules(codes: tuple[str, ...] | None = None) -> _Rules:
    """The compiled rules of these language packs (None: every pack)."""
    return _rules_for(lang.cache_key(codes or lang.codes_for(None)))


class GazetteerLike(Protocol):
    """What the extractor needs from `geo.gazetteer.Gazetteer` (tests pass fakes)."""

    records: list[tuple[Any, ...]]

    def lookup(self, name: str) -> list[tuple[int, int]]: ...


@dataclass
class Mention:
    """A place name in the text: where, what it can be, and its role in the story."""

    text: str
    start: int  # article offsets
    end: int
    kinds: frozenset[str]
    role: str = "neutral"
    why: str = ""
    facility_frame: bool = False
    qualifier: str | None = None  # a department/region name or code saying where it is
    unit: int = -1  # mentions of one list share a unit
    sentence: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def coarse(self) -> bool:
        rank = min((KIND_RANK.get(k, 9) for k in self.kinds), default=-1)
        return rank >= KIND_RANK["department"]

    @property
    def foreign(self) -> bool:
        return "foreign" in self.kinds


def is_caption(text: str, codes: tuple[str, ...] | None = None,
               words: frozenset[str] | None = None) -> bool:
    """Photo captions and credits: their places are illustrations, not incidents."""
    r = rules(codes)
    if text[:4].lower().startswith(r.byline_words) and r.byline.match(text):
        return True
    return (r.caption_gate.allows(text, prefixes(text) if words is None else words)
            and bool(r.caption.search(text)))


def dateline_end(text: str) -> int:
    """Length of a dateline ("PARIS —", "Marseille (AFP) -") opening a paragraph, or 0."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def country_wide(text: str, base: int = 0, words: frozenset[str] | None = None,
                 codes: tuple[str, ...] | None = None) -> list[tuple[int, int]]:
    """Spans saying the whole country ("around the country", "partout en France")."""
    r = rules(codes)
    if not r.country_gate.allows(text, prefixes(text) if words is None else words):
        return []
    return [(base + m.start(), base + m.end()) for m in r.country_wide.finditer(text)]


_RUN = re.compile(
    r"(?-i:[A-ZÀ-ÖØ-Þ])[^\W\d_]*(?:[ '’-](?:(?:de|du|des|la|le|les|en|sur|sous|lès|lez|aux|"
    r"au|d|l|et|saint|sainte)[ '’-])*(?-i:[A-ZÀ-ÖØ-Þ])[^\W\d_]*)*"
)


def _spans(text: str) -> list[list[re.Match[str]]]:
    """Runs of tokens that can form a place name: capitalised words joined by spaces,
    hyphens or apostrophes, with lower-case connectors (de, la, sur...) inside."""
    return [list(_TOKEN.finditer(text, m.start(), m.end())) for m in _RUN.finditer(text)]


def find_mentions(text: str, gaz: GazetteerLike, base: int = 0, max_tokens: int = 8,
                  codes: tuple[str, ...] | None = None) -> list[Mention]:
    """Place names in one sentence (longest gazetteer match first), offsets + `base`."""
    r = rules(codes)
    out: list[Mention] = []
    for run in _spans(text):
        i = 0
        n = len(run)
        while i < n:
            if not run[i].group()[0].isupper():
                i += 1
                continue
            found = None
            for j in range(min(n, i + max_tokens) - 1, i - 1, -1):
                if not run[j].group()[0].isupper():
                    continue
                s, e = run[i].start(), run[j].end()
                surface = text[s:e]
                key = fold(surface)
                if j == i and key in r.not_places:
                    continue
                if key in r.foreign:
                    found = (j, s, e, frozenset({"foreign"}))
                    break
                hits = gaz.lookup(surface)
                if hits:
                    kinds = frozenset(gaz.records[h][KIND] for h, _ in hits)
                    if all(m == 1 for _, m in hits) and (s == 0 or len(key) <= 3):
                        continue  # an alternate name opening a sentence ("Over") is a word
                    found = (j, s, e, kinds)
                    break
            if found is None:
                i += 1
                continue
            j, s, e, kinds = found
            out.append(Mention(text[s:e], base + s, base + e, kinds))
            i = j + 1
    return out


def assign_roles(text: str, mentions: list[Mention], base: int = 0,
                 dateline: int = 0, codes: tuple[str, ...] | None = None) -> None:
    """Set each mention's role, qualifier and list unit from the sentence around it."""
    r = rules(codes)
    prev: Mention | None = None
    for m in mentions:
        s, e = m.start - base, m.end - base
        left, right = text[max(0, s - 70) : s], text[e : e + 40]
        if s < dateline:
            m.role, m.why = "context", "dateline"
            prev = m
            continue
        # A department or region right after a name says where that name is.
        if (prev is not None and prev.role != "qualifier" and not m.foreign
                and m.kinds & {"department", "region", "country"}):
            gap = text[prev.end - base : s]
            if r.qualifier_gap.match(gap):
                m.role, m.why = "qualifier", f"qualifies {prev.text}"
                if "country" not in m.kinds:
                    prev.qualifier = m.text
                continue
        code = _DEPT_CODE.match(right)
        if code:
            m.qualifier = code.group(1)
        if s > 0 and text[s - 1] == "-":
            m.role, m.why = "context", "part of a compound word"
        last = _LAST_WORD.search(left)
        last_word = last.group(1).lower() if last else ""
        if m.role == "neutral" and last_word in r.ctx_last_words:
            ctx = r.ctx_left.search(left)
            if ctx and not r.escape_origin.search(left):
                # "escaped from X", "a picture which it said came from X": X is where it
                # happened, whatever other frame the words before it also fit.
                m.role, m.why = "context", ctx.lastgroup or "context"
        if m.why == "visit" and (r.facility_right.match(right)
                                 or m.kinds == frozenset({"facility"})):
            m.role, m.why = "neutral", ""  # a prison visited: see `visited` below
        if m.role == "neutral" and _COMPOUND_RIGHT.match(right):
            m.role, m.why = "context", "adjective"  # "Paris-based", "Toulon-born"
        for why, rx in r.ctx_right:
            if m.role == "neutral" and rx.match(right):
                m.role, m.why = "context", why
        if m.role == "neutral":
            if (last_word in r.facility_last_words and r.facility_left.search(left)) or (
                    r.facility_right.match(right)):
                m.role, m.why, m.facility_frame = "incident", "prison frame", True
            elif r.landmark.search(left):
                m.role, m.why = "incident", "landmark"  # "au péage d'Incarville"
            elif r.locative.search(left):
                m.role, m.why = "incident", "locative"
            elif _SUBJECT_LEFT.match(left) and (s == 0 or s <= len(left)):
                # "Tarascon a été le théâtre de ces incendies": a name opening the
                # sentence is its subject, an incident place only if the sentence
                # reports one: it stays neutral, and the extractor counts it only in a
                # sentence with a trigger.
                m.why = "subject"
            elif "facility" in m.kinds:
                m.role, m.why, m.facility_frame = "incident", "prison name", True
        if (m.role == "incident" and prev is not None and "facility" in prev.kinds
                and prev.role == "incident"
                and r.locator_gap.match(text[prev.end - base : s])):
            m.role, m.why = "context", "locator"  # "the Baumettes prison in Marseille"
        if (m.role == "incident" and m.kinds & {"department", "region", "country"}
                and not m.foreign and r.indefinite is not None
                and r.indefinite.search(left)):
            # "a jail in northwest France", "une prison de l'Orne": a prison the article
            # may name later; the extractor joins it to the one it names.
            m.extra["indefinite_facility"] = True
        if m.role == "incident" and m.facility_frame and r.visited.search(left):
            # "the minister visited the prison of X": where what happened during the
            # visit was, after any other place of the clause (`extra["visited"]`).
            m.extra["visited"] = True
        if m.role == "incident" and r.affiliation.search(left):
            m.why = "affiliation"  # "la voiture d'un surveillant de la prison de X"
        prev = m
    _group_lists(text, mentions, base, r)


def _group_lists(text: str, mentions: list[Mention], base: int, r: _Rules) -> None:
    """Give the mentions of one list ("Toulon, Marseille and Nîmes") one unit and one role.

    One pass in text order: the qualifier last seen after the previous member is
    carried along, so a sentence of any length costs linear time.
    """
    groups: list[list[Mention]] = []
    last_qualifier: Mention | None = None
    for m in mentions:
        if m.role == "qualifier":
            last_qualifier = m
            continue
        if groups:
            last = groups[-1][-1]
            gap_start = last.end - base
            # A qualifier of the previous member sits inside the gap.
            if last_qualifier is not None and last.end <= last_qualifier.start < m.start:
                gap_start = last_qualifier.end - base
            gap = text[gap_start : m.start - base]
            if gap.startswith(")"):
                gap = gap[1:]
            if (len(gap) <= 120 and r.list_gap.match(gap)
                    and {m.role, last.role} != {"incident", "context"}):
                groups[-1].append(m)
                continue
        groups.append([m])
    for unit, g in enumerate(groups):
        roles = [m.role for m in g]
        lead = next((r for r in roles if r in ("incident", "context")), None)
        subject = lead is None and g[0].why == "subject"
        for m in g:
            m.unit = unit
            if lead and m.role == "neutral":
                m.role, m.why = lead, "list"
            elif subject:
                m.why = "subject"
