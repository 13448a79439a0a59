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
from typing import Any, Protocol

from geo.extract.gate import gate, prefixes
from geo.normalize import fold

_F = re.IGNORECASE | re.UNICODE

KIND_RANK = {"facility": 0, "commune": 1, "department": 2, "region": 3, "country": 4}

#: Countries other than France, English and French: never an incident place here,
#: and an incident set abroad must not be pinned in France.
FOREIGN: frozenset[str] = frozenset(fold(n) for n in (
    "Italy", "Italie", "Belgium", "Belgique", "Spain", "Espagne", "Germany", "Allemagne",
    "Switzerland", "Suisse", "Netherlands", "Pays-Bas", "Holland", "United Kingdom", "Britain",
    "Great Britain", "England", "Royaume-Uni", "Angleterre", "United States", "America",
    "États-Unis", "Etats-Unis", "Morocco", "Maroc", "Algeria", "Algérie", "Tunisia",
    "Tunisie", "Colombia", "Colombie", "Mexico", "Mexique", "Brazil", "Brésil", "Ecuador",
    "Équateur", "Sweden", "Suède", "Portugal", "Luxembourg", "Ireland", "Irlande", "Dubai",
    "Dubaï", "United Arab Emirates", "Émirats arabes unis", "Turkey", "Turquie", "Russia",
    "Russie", "Ukraine", "Israel", "Israël", "Lebanon", "Liban", "Syria", "Syrie", "Greece",
    "Grèce", "Austria", "Autriche", "Poland", "Pologne", "Denmark", "Danemark", "Norway",
    "Norvège", "Canada", "Québec", "Quebec", "Europe", "Albania", "Albanie", "Serbia",
    "Serbie", "Romania", "Roumanie", "Venezuela", "Peru", "Pérou", "Chile", "Chili",
    "Argentina", "Argentine", "Senegal", "Sénégal", "Mali", "Niger", "Ivory Coast",
    "Côte d'Ivoire", "Cameroon", "Cameroun", "China", "Chine", "Japan", "Japon", "India",
    "Inde", "Pakistan", "Afghanistan", "Iran", "Iraq", "Irak", "Egypt", "Égypte", "Libya",
    "Libye", "Monaco", "Andorra", "Andorre", "Naples", "Sicily", "Sicile", "Brussels",
    "Bruxelles", "London", "Londres", "Rome", "Madrid", "Barcelona", "Barcelone", "Geneva",
    "Genève", "Antwerp", "Anvers", "Amsterdam", "Rotterdam", "Milan", "Palermo", "Palerme",
))

#: Words that start a sentence or a name and are never places, whatever GeoNames says.
_NOT_PLACES: frozenset[str] = frozenset(
    "the a an in on at of and but or as he she it they we this that these those his her "
    "their its there here when while after before over under since during mr mrs ms dr "
    "le la les un une des du de et en au aux dans sur il elle ils elles ce cette ces "
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
    "vendredi samedi dimanche january february april june july august september october "
    "november december janvier fevrier avril juin juillet aout septembre octobre novembre "
    "decembre force justice interior minister ministre president police prison prisons "
    "credit photo getty reuters afp ap".split()
)

_CONNECTORS = frozenset(
    "de du des la le les en sur sous les lez aux au d l et saint sainte".split()
)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)

_CTX_LEFT_PARTS: tuple[tuple[str, str], ...] = (
        ("visit", r"\b(?:visit(?:ed|ing|s)?|travel(?:l?ed|l?ing|s)?\s+to|trip\s+to|"
                  r"(?:go|goes|going|went|head(?:ed|ing|s)?|fly|flew|return(?:ed|ing|s)?)\s+to|"
                  r"arriv(?:e|ed|es|ing)\s+in|se\s+rend(?:re|ra|ait)\s+(?:à|au|en)|"
                  r"s['’]est\s+rendue?\s+(?:à|au|en)|en\s+visite\s+(?:à|au|en)|visiter|"
                  r"déplacement\s+(?:à|au|en))\s+(?:the\s+|la\s+|le\s+)?"),
        ("justice", r"\b(?:court(?:house|room)?s?|tribunal(?:\s+judiciaire|\s+correctionnel)?|"
                    r"palais\s+de\s+justice|cour\s+d['’](?:appel|assises)|"
                    r"prosecutor(?:s|['’]s\s+office)?|parquet(?:\s+national\s+[\w-]+)?|"
                    r"juges?|judges?|investigat\w+|probes?|inquiry|enquête|instruction|"
                    r"information\s+judiciaire|police\s+(?:station|headquarters)|commissariat|"
                    r"hospital|hôpital|CHU|préfecture|prefecture|city\s+hall|mairie|ministry|"
                    r"ministère|airport|aéroport|trial|procès)\s+(?:[\w-]+\s+){0,2}?"
                    r"(?:in|at|of|de|d['’]|du|à|en)\s*(?:the\s+)?"),
        ("comparison", r"\b(?:inspired\s+by|model(?:l)?ed\s+on|like|unlike|as\s+in|similar\s+to|"
                       r"compared\s+(?:with|to)|than\s+in|comme\s+(?:à|en|au)|"
                       r"à\s+l['’]instar\s+d[eu'’]|inspirée?s?\s+(?:de|du|par)|"
                       r"sur\s+le\s+modèle\s+d[eu'’])\s*(?:the\s+)?"),
        ("origin", r"\b(?:born\s+in|native\s+of|lives?\s+in|living\s+in|based\s+in|works?\s+in|"
                   r"worked\s+in|working\s+in|from|originaire\s+d[eu'’]|née?\s+à|"
                   r"habit(?:e|ant)\s+(?:à|de)|domiciliée?\s+à|transferred\s+(?:to|from)|"
                   r"transférée?s?\s+(?:à|vers|de)|moved\s+to|sent\s+to|"
                   r"en\s+provenance\s+d[eu'’]|venue?s?\s+d[eu'’])\s*(?:the\s+)?"),
        ("person", r"\b(?:Mr|Mrs|Ms|Dr|Mme|Mlle|Me|M)\.?\s+"),
        ("media", r"\b(?:told|said\s+on|interview\s+with|a\s+déclaré\s+à|a\s+confié\s+à|"
                  r"au\s+micro\s+de|sur\s+l?['’]?antenne\s+de)\s+"),
)
_LAST_WORD = re.compile(r"([^\W\d_]+)['’]?\W*$")
#: The word just before a mention that each left-context frame ends with: the frames
#: are only tried after one of these (a look-up instead of a scan).
_CTX_LAST_WORDS = frozenset(
    "in at of de d du à au aux en the la le les l by on like unlike to with than par from "
    "vers visit visits visited visiting visiter mr mrs ms dr mme mlle me m told sur".split()
)
_FACILITY_LAST_WORDS = frozenset("of in at de d du des la l".split())
#: One pattern for all context frames (one scan of the left context, not six).
_CTX_LEFT = re.compile(
    "|".join(f"(?P<{why}>{p})$" for why, p in _CTX_LEFT_PARTS), _F,
)
_CTX_RIGHT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (why, re.compile(p, _F)) for why, p in (
        ("adjective", r"^(?:-[a-z]|['’]s\s+(?:mayor|prosecutor|court|police|prefect|airport|"
                      r"university|hospital|bar|team|club|city\s+hall)\b|\s+(?:prosecutors?|"
                      r"court|courthouse|mayor|police(?!\s+station)|prefect|préfet|airport|"
                      r"university|hospital|bar\s+association|city\s+hall|correspondent|"
                      r"bureau|newspaper|club|football|region(?:al)?\s+council)\b)"),
        ("media", r"^\s*(?:\d+\s+(?:television|TV|radio)|\s*(?:television|TV|radio|Info|Inter|"
                  r"Bleu|Télévisions?|Culture)\b)"),
    )
)

_LOCATIVE = re.compile(
    r"(?:^|\b)(?:in|at|near|outside|across|around|throughout|inside|à|au|aux|en|dans|vers)\s+"
    r"(?:the\s+|le\s+|la\s+|les\s+|l['’])?(?-i:[a-zà-ÿ-]+\s+){0,3}?$", _F,
)
_FACILITY_LEFT = re.compile(
    r"\b(?:prisons?|jails?|penitentiary|facility|detention\s+cent(?:er|re)|"
    r"centres?\s+pénitentiaires?|maisons?\s+d['’]arrêt|centres?\s+de\s+détention|"
    r"maisons?\s+centrales?|établissements?(?:\s+pénitentiaires?)?|EPM|CP|MA|CD)\s+"
    r"(?:(?:of|in|at)\s+|de\s+la\s+|de\s+l['’]|de\s+|d['’]|du\s+|des\s+)$", _F,
)
_FACILITY_RIGHT = re.compile(
    r"^\s+(?:prison|jail|penitentiary|facility|detention\s+cent(?:er|re)|remand\s+cent(?:er|re))",
    _F,
)
_QUALIFIER_GAP = re.compile(
    r"^\s*(?:\(|,\s*(?:(?:in|dans|en)\s+)?(?:the\s+|le\s+|la\s+|les\s+|l['’])?|"
    r"\s+(?:in|dans|en)\s+(?:the\s+|le\s+|la\s+|les\s+|l['’])?)"
    r"(?:(?:southern|northern|eastern|western|central|south-?eastern|south-?western|"
    r"north-?eastern|north-?western)\s+)?"
    r"(?:(?:department|département|region|région)\s+(?:of\s+|du\s+|de\s+la\s+|de\s+l['’]|"
    r"de\s+)?)?$", _F,
)
_DEPT_CODE = re.compile(r"^\s*\((\d{2}|2[AB]|97\d)\)")
_LIST_GAP = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:,|;|,?\s+and|,?\s+or|,?\s+et|,?\s+ou|,?\s+as\s+well\s+as)"
    r"\s*(?:(?:in|at|à|en)\s+)?(?:the\s+|la\s+|le\s+|les\s+)?$", _F,
)
_DATELINE = re.compile(
    r"^\s*[A-ZÀ-Ý][A-ZÀ-Ý'’ .-]{2,40}(?:,\s*[^—–\n]{0,40}?)?\s*(?:\([^)]{0,30}\))?\s*[—–-]{1,2}\s"
    r"|^\s*[A-ZÀ-Ý][\w'’ .-]{2,40}\s*\((?:AFP|Reuters|AP|ANSA|dpa)\)\s*[—–-]{0,2}\s*",
)
_CAPTION = re.compile(
    r"credit\s*(?:…|\.\.\.|:)|crédit\s*(?:photo)?\s*:|©|\bgetty\s+images\b|\bafp\s+photo\b|"
    r"^\s*(?:photo|image|illustration)\s*:", _F,
)
_BYLINE = re.compile(r"^\s*(?:[Bb]y|[Pp]ar)\s+[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){0,3}\s*$")
#: "across France", "around the country", "partout en France": the whole country.
_COUNTRY_WIDE = re.compile(
    r"\b(?:across|around|throughout|all\s+over)\s+(?:the\s+)?(?:country|nation)\b|"
    r"\bnationwide\b|\bpartout\s+en\s+France\b|\bdans\s+toute\s+la\s+France\b|"
    r"\bà\s+travers\s+(?:la\s+France|le\s+pays)\b|\bdans\s+tout\s+le\s+pays\b|"
    r"\bpartout\s+dans\s+le\s+pays\b|\bsur\s+l['’]ensemble\s+du\s+territoire\b", _F,
)


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
        return bool(self.kinds) and min(KIND_RANK.get(k, 9) for k in self.kinds) >= 2

    @property
    def foreign(self) -> bool:
        return "foreign" in self.kinds


_CAPTION_HINTS = ("credit", "crédit", "©", "getty", "afp", "photo", "image", "illustration")


def is_caption(text: str) -> bool:
    """Photo captions and credits: their places are illustrations, not incidents."""
    if text[:3].lower() in ("by ", "par") and _BYLINE.match(text):
        return True
    low = text.lower()
    return any(h in low for h in _CAPTION_HINTS) and bool(_CAPTION.search(text))


def dateline_end(text: str) -> int:
    """Length of a dateline ("PARIS —", "Marseille (AFP) -") opening a paragraph, or 0."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


_COUNTRY_WORDS = gate("across", "around", "throughout", "all", "nationwide", "partout", "toute",
                      "travers", "tout", "ensemble")


def country_wide(text: str, base: int = 0,
                 words: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """Spans saying the whole country ("around the country", "partout en France")."""
    if _COUNTRY_WORDS.isdisjoint(prefixes(text) if words is None else words):
        return []
    return [(base + m.start(), base + m.end()) for m in _COUNTRY_WIDE.finditer(text)]


_RUN = re.compile(
    r"(?-i:[A-ZÀ-ÖØ-Þ])[^\W\d_]*(?:[ '’-](?:(?:de|du|des|la|le|les|en|sur|sous|lès|lez|aux|"
    r"au|d|l|et|saint|sainte)[ '’-])*(?-i:[A-ZÀ-ÖØ-Þ])[^\W\d_]*)*"
)


def _spans(text: str) -> list[list[re.Match[str]]]:
    """Runs of tokens that can form a place name: capitalised words joined by spaces,
    hyphens or apostrophes, with lower-case connectors (de, la, sur...) inside."""
    return [list(_TOKEN.finditer(text, m.start(), m.end())) for m in _RUN.finditer(text)]


def find_mentions(text: str, gaz: GazetteerLike, base: int = 0,
                  max_tokens: int = 8) -> list[Mention]:
    """Place names in one sentence (longest gazetteer match first), offsets + `base`."""
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
                if j == i and key in _NOT_PLACES:
                    continue
                if key in FOREIGN:
                    found = (j, s, e, frozenset({"foreign"}))
                    break
                hits = gaz.lookup(surface)
                if hits:
                    kinds = frozenset(gaz.records[h][0] for h, _ in hits)
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
                 dateline: int = 0) -> None:
    """Set each mention's role, qualifier and list unit from the sentence around it."""
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
            if _QUALIFIER_GAP.match(gap):
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
        if m.role == "neutral" and last_word in _CTX_LAST_WORDS:
            ctx = _CTX_LEFT.search(left)
            if ctx:
                m.role, m.why = "context", ctx.lastgroup or "context"
        for why, rx in _CTX_RIGHT:
            if m.role == "neutral" and rx.match(right):
                m.role, m.why = "context", why
        if m.role == "neutral":
            if (last_word in _FACILITY_LAST_WORDS and _FACILITY_LEFT.search(left)) or (
                    _FACILITY_RIGHT.match(right)):
                m.role, m.why, m.facility_frame = "incident", "prison frame", True
            elif _LOCATIVE.search(left):
                m.role, m.why = "incident", "locative"
            elif "facility" in m.kinds:
                m.role, m.why, m.facility_frame = "incident", "prison name", True
        prev = m
    _group_lists(text, mentions, base)


def _group_lists(text: str, mentions: list[Mention], base: int) -> None:
    """Give the mentions of one list ("Toulon, Marseille and Nîmes") one unit and one role."""
    members = [m for m in mentions if m.role != "qualifier"]
    groups: list[list[Mention]] = []
    for m in members:
        if groups:
            last = groups[-1][-1]
            gap_start = last.end - base
            # A qualifier of the previous member sits inside the gap.
            quals = [q for q in mentions if q.role == "qualifier" and last.end <= q.start < m.start]
            if quals:
                gap_start = quals[-1].end - base
            gap = text[gap_start : m.start - base]
            if gap.startswith(")"):
                gap = gap[1:]
            if _LIST_GAP.match(gap) and {m.role, last.role} != {"incident", "context"}:
                groups[-1].append(m)
                continue
        groups.append([m])
    for unit, g in enumerate(groups):
        roles = [m.role for m in g]
        lead = next((r for r in roles if r in ("incident", "context")), None)
        for m in g:
            m.unit = unit
            if lead and m.role == "neutral":
                m.role, m.why = lead, "list"
