"""Assemble incidents from the sentence-level findings of the other modules.

One pass over the sentences links each trigger to the nearest incident place of its
clause (a list counts as one place), each date, count and target to the nearest
trigger; triggers with no place go to the article's *unplaced* incident of their
group, which relative clues ("85 miles northwest of Paris") can place
approximately. A second pass resolves places (prison names and "the prison in X" to
the facility), merges what resolves to the same place, and drops the country-wide
summary when the article names finer places for the same group.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from geo.boundaries import Boundaries, department_names
from geo.config import extract_seconds
from geo.errors import ArticleError
from geo.extract import lang
from geo.extract.casualties import CasualtyHit, find_casualties
from geo.extract.dates import DateHit, find_dates
from geo.extract.gate import Gate, derive_all, prefixes
from geo.extract.places import (
    KIND_RANK,
    Mention,
    assign_roles,
    country_wide,
    dateline_end,
    find_mentions,
    is_caption,
)
from geo.extract.relative import Approx, Clue, combine, find_clues
from geo.extract.types import (
    TargetHit,
    Trigger,
    best_target,
    find_targets,
    find_triggers,
)
from geo.gazetteer import KIND, POP
from geo.model import (
    INCIDENT_GROUPS,
    Evidence,
    Incident,
    Place,
    group_of,
    precision_rank,
    primary_type,
    specific_types,
)
from geo.normalize import fold

_F = re.IGNORECASE | re.UNICODE

#: Clause boundaries in every language: a semicolon, a dash between spaces.
_PUNCT_BARRIER = r";|\s[—–]\s"


@dataclass(frozen=True, eq=False)
class _ClauseRules:
    """The clause rules of a set of language packs: barriers, event nouns, "other"."""

    barrier: re.Pattern[str]
    barrier_gate: Gate
    event_noun: re.Pattern[str]
    event_gate: Gate
    other: re.Pattern[str]
    lead_in: re.Pattern[str]


@lru_cache(maxsize=32)
def _clause_rules_for(key: tuple[tuple[str, ...], tuple]) -> _ClauseRules:
    packs = lang.packs(key[0])
    barriers = lang.values(packs, "clauses", "barriers")
    events = lang.values(packs, "clauses", "event_nouns")
    other = lang.values(packs, "clauses", "other")
    lead = lang.values(packs, "clauses", "lead_in")
    return _ClauseRules(
        barrier=re.compile(
            rf"{_PUNCT_BARRIER}|(?<![\w-]){lang.patterns_alternation(barriers)}\b", _F),
        barrier_gate=derive_all(barriers, bounded=False),
        event_noun=re.compile(rf"\b{lang.patterns_alternation(events)}\b", _F),
        event_gate=derive_all(events),
        other=re.compile(rf"\b{lang.words_alternation(other)}\b", _F),
        lead_in=re.compile(rf"^\W*(?:{lang.words_alternation(lead)})?\W*$", _F),
    )


def clause_rules(codes: tuple[str, ...] | None = None) -> _ClauseRules:
    return _clause_rules_for(lang.cache_key(codes or lang.codes_for(None)))


_DIGITS = re.compile(r"\d+")
UNPLACED = "FR"  # key of a group's incident with no place finer than the country
#: A sentence naming more incident places than this is a summary or a scraped index
#: ("protests in Lyon, Toulouse, ... and 500 other towns"), not that many reports: it
#: makes one country-level incident quoting it, never hundreds of pins. Real lists
#: are far shorter (the April 2025 wave named 8 prisons in one sentence).
MAX_PLACES_PER_SENTENCE = 25
#: Quotes kept per field of an incident, the first in the text: enough to check it, and
#: an article repeating one story thousands of times must not make megabyte cells
#: (spreadsheets cut a cell at 32,767 characters) or slow every later stage down.
MAX_EVIDENCE_PER_FIELD = 10
#: Longest quote kept: a "sentence" of a whole scraped page is cut, with an ellipsis;
#: its offsets still span the whole sentence in the article.
MAX_QUOTE_CHARS = 1_000
#: "near X" with X a city of this many people or more places nothing: a metropolis
#: is an area (Paris and its suburbs), so the incident is known to its region only.
METROPOLIS = 150_000
#: A name opening a sentence is read as its subject only for a town this big (or a
#: prison): GeoNames lists villages named like nouns ("Cars", "Plan", "Prisons").
SUBJECT_MIN_POP = 5_000


#: Between a date and the trigger it owns: "Tuesday's (knife) attack".
_POSSESSIVE = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,2}")


@dataclass
class _Proto:
    """What the text says about one (group, place) before the place is resolved."""

    group: str
    key: str
    mentions: list[Mention] = field(default_factory=list)
    spans: set[tuple[int, int]] = field(default_factory=set)  # of `mentions`, for O(1) tests
    triggers: list[tuple[Trigger, int, bool]] = field(default_factory=list)  # (t, sent, direct)
    dates: list[tuple[DateHit, float, int]] = field(default_factory=list)
    casualties: list[tuple[CasualtyHit, int]] = field(default_factory=list)
    targets: list[tuple[TargetHit, int]] = field(default_factory=list)
    clues: list[tuple[Clue, int]] = field(default_factory=list)

    @property
    def facility_frame(self) -> bool:
        return any(m.facility_frame for m in self.mentions)


@dataclass
class _Sentence:
    index: int
    text: str
    start: int
    end: int
    segments: list[tuple[int, int]]  # article offsets
    paragraph: int = 0
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [a for a, _ in self.segments]


def _segments(text: str, base: int, words: frozenset[str] | None = None,
              rules: _ClauseRules | None = None) -> list[tuple[int, int]]:
    r = rules or clause_rules()
    if (words is not None and not r.barrier_gate.allows(text, words) and ";" not in text
            and "—" not in text and "–" not in text):
        return [(base, base + len(text))]
    cuts = [0, *(m.start() for m in r.barrier.finditer(text)), len(text)]
    return [(base + a, base + b) for a, b in pairwise(cuts) if b > a] or [
        (base, base + len(text))
    ]


def _segment_of(sent: _Sentence, pos: int) -> int:
    if len(sent.segments) == 1:
        return 0
    return max(0, bisect_right(sent.starts, pos) - 1)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _summarise_long_lists(text: str, base: int, index: int,
                          units: dict[int, list[Mention]]) -> dict[int, list[Mention]]:
    """Units of one sentence; more than MAX_PLACES_PER_SENTENCE French places become
    one country-wide mention spanning them (foreign units are kept: they take
    their triggers away from France)."""
    french = [ms for ms in units.values() if not ms[0].foreign]
    if sum(len(ms) for ms in french) <= MAX_PLACES_PER_SENTENCE:
        return units
    a = min(ms[0].start for ms in french)
    b = max(ms[-1].end for ms in french)
    kept = {u: ms for u, ms in units.items() if ms[0].foreign}
    kept[-2] = [Mention(text[a - base : b - base], a, b, frozenset({"country"}),
                        role="incident", why="long list", unit=-2, sentence=index)]
    return kept


def _best_date(hits: Iterable[tuple[DateHit, float, int]]) -> tuple[DateHit, int] | None:
    """The best-supported (date, precision) of weighted hits, with its earliest sentence:
    the most weight wins, then the earliest sentence; None without hits."""
    scored: dict[tuple[dt.date, str], float] = {}
    where: dict[tuple[dt.date, str], tuple[DateHit, int]] = {}
    for d, w, si in hits:
        k = (d.date, d.precision)
        scored[k] = scored.get(k, 0.0) + w
        if k not in where or si < where[k][1]:
            where[k] = (d, si)
    if not scored:
        return None
    return where[max(scored, key=lambda k: (scored[k], -where[k][1]))]


def _mention_key(m: Mention) -> str:
    if "country" in m.kinds and not (m.kinds - {"country"}):
        return UNPLACED
    return fold(m.text) + (f"|{fold(m.qualifier)}" if m.qualifier else "")


class Assembler:
    """Builds the incidents of one article; `resolve` and `locate` come from the geocoder."""

    def __init__(self, article: Any, gazetteer: Any,
                 resolve: Callable[[str, str | None, bool, tuple[tuple[float, float], ...]],
                                   Place],
                 locate: Callable[[str], tuple[float, float] | None]) -> None:
        self.article = article
        self.gaz = gazetteer
        self.resolve = resolve
        self.locate = locate
        self.published: dt.date | None = getattr(article.source, "published", None)
        #: The language packs this article is read with: its language's, else all.
        self.codes = lang.codes_for(getattr(article, "language", None))
        self.clauses = clause_rules(self.codes)
        self._facility_nouns = [n for c in self.codes
                                for n in lang.load(c).get("places", "facility_nouns")]
        self.protos: dict[tuple[str, str], _Proto] = {}
        self.sentences: list[_Sentence] = []
        self.pending_clues: list[tuple[Clue, int]] = []
        self.pending_dates: list[tuple[DateHit, int]] = []
        self.pending_casualties: list[tuple[CasualtyHit, int]] = []
        self.near: tuple[tuple[float, float], ...] = ()
        #: Per paragraph, the attack incidents its last trigger sentence spoke of.
        self.last_attack: dict[int, list[_Proto]] = {}
        #: Per (paragraph, group), the one named place its last trigger sentence spoke of.
        self.last_named: dict[tuple[int, str], list[_Proto]] = {}
        #: The last sentence with attack triggers: (index, triggers, targets), and the
        #: index of the sentence scanned last (a continuation must follow it directly).
        self.prev_triggers: tuple[int, list[Trigger], list[TargetHit]] | None = None
        #: The one named incident the last trigger sentence spoke of, if it named one.
        self.last_story: list[_Proto] = []
        self._last_index = -1
        self.pending_targets: list[tuple[TargetHit, int]] = []
        #: id(incident.evidence) -> (that list, its (field, start) keys, count per field).
        self._evidence_keys: dict[
            int, tuple[list[Evidence], set[tuple[str, int]], Counter[str]]] = {}

    # ------------------------------------------------------------------ pass 1

    def _proto(self, group: str, key: str) -> _Proto:
        p = self.protos.get((group, key))
        if p is None:
            p = self.protos[(group, key)] = _Proto(group, key)
        return p

    def scan(self) -> None:
        first_in_paragraph: set[int] = set()
        last_para = None
        for s in self.article.sentences:
            if s.paragraph != last_para:
                first_in_paragraph.add(s.start)
                last_para = s.paragraph
        seen: set[str] = set()
        deadline = time.monotonic() + extract_seconds()
        for index, s in enumerate(self.article.sentences):
            text = s.text
            key = _DIGITS.sub("0", text)
            if key in seen or not text.strip():
                continue  # a sentence said again (up to its numbers) says nothing new
            seen.add(key)
            words = prefixes(text)
            if is_caption(text, self.codes, words):
                continue
            if index % 64 == 0 and time.monotonic() > deadline:
                raise ArticleError(
                    Path(getattr(self.article, "path", None) or self.article.id).name,
                    f"extraction stopped after {extract_seconds():g} s (GEO_EXTRACT_SECONDS) "
                    f"at sentence {index + 1} of {len(self.article.sentences)}: the text is "
                    "too long or too repetitive to read as one article")
            sent = _Sentence(index, text, s.start, s.end,
                             _segments(text, s.start, words, self.clauses),
                             getattr(s, "paragraph", 0))
            self.sentences.append(sent)
            self._scan_sentence(sent, dateline_end(text) if s.start in first_in_paragraph else 0,
                                words)

    def _scan_sentence(self, sent: _Sentence, dateline: int, words: frozenset[str]) -> None:
        text, base = sent.text, sent.start
        triggers = find_triggers(text, base, words, self.codes)
        event_noun = (self.clauses.event_gate.allows(text, words)
                      and bool(self.clauses.event_noun.search(text)))
        previous = self.prev_triggers if self.prev_triggers and (
            self.prev_triggers[0] == self._last_index) else None
        self._last_index = sent.index
        backref = bool(previous) and not triggers and bool(self.clauses.other.search(text))
        listing = bool(previous) and not triggers and "," in text
        if not triggers and not event_noun and not backref and not listing:
            self._orphan_casualties(sent, words)
            return
        mentions = find_mentions(text, self.gaz, base, codes=self.codes)
        assign_roles(text, mentions, base, dateline, self.codes)
        clues = [c for c in find_clues(text, base, words, self.codes)
                 if not (c.kind == "near" and any(
                     m.why == "prison frame" and m.start < b and a < m.end
                     for a, b in c.anchor_spans for m in mentions))]
        # "outside Toulon prison", "near Fresnes prison": a prison named there is the
        # place itself, not a town the event is only near.
        for c in clues:
            for a, b in c.anchor_spans:
                for m in mentions:
                    if m.start < b and a < m.end:
                        m.role, m.why = "anchor", c.kind
        if any(m.why == "residence" for m in mentions) and any(
                h.target == "staff_home" for h in find_targets(text, base, words, self.codes)):
            # "l'immeuble qu'une surveillante habite à Villenoy": where she lives is where
            # her home was attacked.
            for m in mentions:
                if m.why == "residence":
                    m.role, m.why = "incident", "home"
        for a, b in country_wide(text, base, words, self.codes):
            mentions.append(Mention(text[a - base : b - base], a, b, frozenset({"country"}),
                                    role="incident", why="country-wide",
                                    unit=1000 + a))
        units: dict[int, list[Mention]] = {}
        for m in mentions:
            if m.role == "incident" or (m.role == "neutral" and m.why == "subject"):
                m.sentence = sent.index
                units.setdefault(m.unit, []).append(m)
        units = _summarise_long_lists(text, base, sent.index, units)
        subjects = [u for u, ms in units.items() if all(m.why == "subject" for m in ms)]
        if subjects and (len(subjects) < len(units) or not any(
                0 <= t.start - units[u][-1].end <= 80 for u in subjects for t in triggers)
                or not all(self._town(m.text) for u in subjects for m in units[u])):
            # A name opening the sentence counts only as the subject of its trigger, and
            # only when the sentence names no other place ("Cars were burned at Arles":
            # Cars is a commune of the Gironde, and a noun).
            for u in subjects:
                del units[u]
        affiliated = [u for u, ms in units.items() if all(m.why == "affiliation" for m in ms)]
        if affiliated and any(ms[0].why not in ("affiliation", "country-wide", "long list")
                              and not ms[0].foreign
                              and not ms[0].kinds & {"department", "region", "country"}
                              for ms in units.values()):
            # "La voiture d'un surveillant de la prison de X a été incendiée à Y": the
            # guard's prison says who was targeted; Y says where.
            for u in affiliated:
                del units[u]
        for members in units.values():
            # A list naming one prison ("Villepinte, Nanterre, Aix-Luynes and Valence")
            # is a list of prisons: each member is read as its town's prison.
            if len(members) > 1 and any(m.facility_frame or "facility" in m.kinds
                                        for m in members):
                for m in members:
                    m.extra["list_facility"] = True
        inherited: dict[int, int] = {}
        if not triggers and previous and units and (
                backref or any(len(ms) > 1 for ms in units.values())):
            # "Five other prisons were hit. The other five were in A, B, C, D and E.": a
            # sentence that goes on listing the places of the one before takes its words.
            prev_index, prev_triggers, prev_targets = previous
            triggers = [Trigger(t.type, base, base, False) for t in prev_triggers]
            inherited = {i: prev_index for i in range(len(triggers))}
            self.pending_targets = [(TargetHit(h.target, base, base), prev_index)
                                    for h in prev_targets]
        if not triggers:
            # "his transfer on Tuesday between a courthouse in Rouen and a prison in Évreux":
            # clues and dates for the article's unplaced attack, if it has one.
            for c in clues:
                self.pending_clues.append((c, sent.index))
            if clues:
                self.pending_dates.extend(
                    (d, sent.index) for d in find_dates(text, self.published, base, words,
                                                    self.codes))
            self._orphan_casualties(sent, words)
            return

        # Each trigger goes to the nearest place of its clause, else to the unplaced incident.
        links: dict[int, list[_Proto]] = {}
        for ti, t in enumerate(triggers):
            seg = _segment_of(sent, t.start)
            best = self._nearest_unit(sent, t, seg, units)
            if best is None and units and sent.segments[seg][0] > base and text[
                    sent.segments[seg][0] - base:].lstrip()[:1] in ("—", "–", ";", "-"):
                # "... at A, B and C — each time, cars were set on fire": a clause after a
                # dash or semicolon goes on about the places before it.
                best = self._nearest_unit(sent, t, None, units)
            if best is not None and best[0].foreign and any(
                    _gap((c.start, c.end), (t.start, t.end))
                    < _gap((best[0].start, best[-1].end), (t.start, t.end)) for c in clues):
                # "arrested in Spain after the ambush near Incarville": the clue next to
                # the trigger places it, not the country further away.
                best = None
            protos: list[_Proto] = []
            follow = self.last_named.get((sent.paragraph, t.group))
            if best is None and not units and follow and not self.clauses.other.search(
                    text, sent.segments[seg][0] - base, sent.segments[seg][1] - base):
                # "La prison de X a été la cible de tirs. Plusieurs impacts de balles ont
                # été relevés ..." : the next sentence goes on about the same place.
                protos = list(follow)
            elif best is None:
                protos = [self._proto(t.group, UNPLACED)]
            elif not best[0].foreign:
                for m in best:
                    p = self._proto(t.group, _mention_key(m))
                    if (m.start, m.end) not in p.spans:
                        p.spans.add((m.start, m.end))
                        p.mentions.append(m)
                    protos.append(p)
            for p in protos:
                p.triggers.append((t, inherited.get(ti, sent.index),
                                   best is not None and ti not in inherited))
            links[ti] = protos
        named_units = [u for u in units.values() if not u[0].foreign]
        for group in INCIDENT_GROUPS:
            linked = [p for ti, ps in links.items() if triggers[ti].group == group for p in ps
                      if p.key != UNPLACED]
            if len(named_units) == 1 and linked and len(named_units[0]) == 1:
                self.last_named[(sent.paragraph, group)] = linked[:1]
            elif units:
                self.last_named.pop((sent.paragraph, group), None)
        attack_protos = [p for ti, ps in links.items() if triggers[ti].group == "attack"
                         for p in ps]
        if attack_protos:
            unique: list[_Proto] = []
            for p in attack_protos:
                if all(p is not q for q in unique):
                    unique.append(p)
            self.last_attack[sent.paragraph] = unique
            named = [p for p in unique if p.key != UNPLACED]
            if len(named) == 1:
                self.last_story = named

        for d in find_dates(text, self.published, base, words, self.codes):
            if d.start < base + dateline:
                continue  # "MARSEILLE, 15 avril (AFP) —" dates the dispatch, not the event
            ti, weight = self._date_trigger(sent, triggers, d)
            for p in links.get(ti, []):
                p.dates.append((d, weight, sent.index))
        for c in find_casualties(text, base, words, self.codes):
            attack = [i for i, t in enumerate(triggers) if t.group == "attack"]
            if not attack:
                self.pending_casualties.append((c, sent.index))
                continue
            ti = min(attack, key=lambda i: _gap((c.start, c.end),
                                                (triggers[i].start, triggers[i].end)))
            protos = links.get(ti, [])
            plural = not units and text[triggers[ti].start - base:triggers[ti].end - base
                                        ].lower().endswith(("s", "x"))
            if c.value == 0 and (plural or all(p.key == UNPLACED or all(
                    m.why == "country-wide" or "country" in m.kinds for m in p.mentions)
                    for p in protos)):
                # "Nobody has been injured, but the coordinated attacks, which have reached
                # every corner of France, ...": a zero said of the attacks in general (in
                # the plural, or across the country) is said of every attack of the article.
                self.pending_casualties.append((c, sent.index))
                continue
            for p in protos:
                p.casualties.append((c, sent.index))
        hits = find_targets(text, base, words, self.codes)
        for h in hits:
            seg = _segment_of(sent, h.start)
            near = [i for i, t in enumerate(triggers) if _segment_of(sent, t.start) == seg]
            if not near:
                continue
            ti = min(near, key=lambda i: _gap((h.start, h.end),
                                              (triggers[i].start, triggers[i].end)))
            for p in links.get(ti, []):
                p.targets.append((h, sent.index))
        if inherited:
            for ti in inherited:
                for p in links.get(ti, []):
                    p.targets.extend(self.pending_targets)
            self.prev_triggers = (sent.index, *self.prev_triggers[1:])  # type: ignore[misc]
        else:
            attack_triggers = [t for t in triggers if t.group == "attack"]
            self.prev_triggers = (sent.index, attack_triggers, hits) if attack_triggers else None
        for c in clues:
            seg = _segment_of(sent, c.start)
            named = any(_segment_of(sent, ms[0].start) == seg and ms[0].why != "country-wide"
                        and not ms[0].coarse for ms in units.values())
            if named:
                continue  # "the prison of Val-de-Reuil, near Rouen": the name is enough
            ti = min(range(len(triggers)), key=lambda i: _gap(
                (c.start, c.end), (triggers[i].start, triggers[i].end)))
            self._proto(triggers[ti].group, UNPLACED).clues.append((c, sent.index))

    @staticmethod
    def _nearest_unit(sent: _Sentence, t: Trigger, seg: int | None,
                      units: dict[int, list[Mention]]) -> list[Mention] | None:
        """The place unit nearest a trigger in its clause (any clause when `seg` is None);
        a named place before a country-wide phrase not next to the trigger ("la prison de
        Nîmes a été ciblée, comme d'autres en France, ... une BMW a été incendiée")."""
        best, best_key = None, None
        for members in units.values():
            if seg is not None and _segment_of(sent, members[0].start) != seg:
                continue
            g = _gap((t.start, t.end), (members[0].start, members[-1].end))
            # A country-wide phrase right after its trigger ("protests across French
            # prisons") is that trigger's place; further away, named places come first.
            # A town before a department or region of the same clause ("In Réunion, ...
            # at the prison in Saint-Denis"): the finest place is where it happened.
            # A prison an official visited comes after any other place ("the minister
            # visited X, hours after shots were fired at the prison in Y").
            wide = members[0].why in ("country-wide", "long list")
            visited = all(m.extra.get("visited") for m in members)
            key = (wide and g > 3, visited, members[0].coarse and not wide, g)
            if best_key is None or key < best_key:
                best, best_key = members, key
        return best

    def _orphan_casualties(self, sent: _Sentence, words: frozenset[str]) -> None:
        """Counts in a sentence with no trigger ("Aucun blessé n'est à déplorer.") belong
        to the attacks of the paragraph's last trigger sentence, else to the one place the
        story last spoke of, else to the article's."""
        found = find_casualties(sent.text, sent.start, words, self.codes)
        if not found:
            return
        protos = self.last_attack.get(sent.paragraph)
        if protos and all(p.key == UNPLACED for p in protos):
            protos = None  # the paragraph named no place: the count is the article's
        if not protos and self.last_story and any(c.value for c in found):
            # "Les trois agents ont été conduits à l'hôpital" in a paragraph of its own:
            # the story told last, when it was about one place.
            protos = self.last_story
        if protos:
            for p in protos:
                p.casualties.extend((c, sent.index) for c in found)
        else:
            self.pending_casualties.extend((c, sent.index) for c in found)

    def _date_trigger(self, sent: _Sentence, triggers: list[Trigger],
                      d: DateHit) -> tuple[int, float]:
        """The trigger a date speaks of, and how sure that link is.

        A date opening the sentence dates its first event ("On Wednesday, guards
        blocked ..."); elsewhere a time phrase follows what it dates ("an ambush ... a
        day earlier"), so the nearest trigger before it in the clause wins, then one
        after it, then any in the sentence.
        """
        if self.clauses.lead_in.match(sent.text[: d.start - sent.start]):
            return 0, 1.0
        for i, t in enumerate(triggers):
            if 0 < t.start - d.end <= 40 and _POSSESSIVE.fullmatch(
                    sent.text, d.end - sent.start, t.start - sent.start):
                return i, 1.0  # "after Tuesday's attack", "Monday's blockades"
        seg = _segment_of(sent, d.start)
        before = [i for i, t in enumerate(triggers)
                  if t.end <= d.start and _segment_of(sent, t.start) == seg]
        if before:
            i = before[-1]
            return i, 1.0 / (1 + (d.start - triggers[i].end) / 60)
        after = [i for i, t in enumerate(triggers)
                 if t.start >= d.end and _segment_of(sent, t.start) == seg]
        if after:
            i = after[0]
            return i, 0.4 / (1 + (triggers[i].start - d.end) / 60)
        i = min(range(len(triggers)), key=lambda k: _gap((d.start, d.end),
                                                         (triggers[k].start, triggers[k].end)))
        return i, 0.3 / (1 + _gap((d.start, d.end), (triggers[i].start, triggers[i].end)) / 60)

    # ------------------------------------------------------------------ pass 2

    def build(self) -> list[Incident]:
        self.scan()
        self._join_the_named_prison()
        self._place_by_the_only_prison()
        unplaced_attack = self.protos.get(("attack", UNPLACED))
        if unplaced_attack is not None:
            unplaced_attack.clues.extend(self.pending_clues)
            for d, si in self.pending_dates:
                unplaced_attack.dates.append((d, 0.3, si))
        attack = [p for (g, _), p in self.protos.items() if g == "attack"]
        if len(attack) == 1:
            attack[0].casualties.extend(self.pending_casualties)
        else:
            # "Nobody was hurt" after a list of attacks speaks of all of them.
            zeros = [(c, si) for c, si in self.pending_casualties if c.value == 0]
            for p in attack:
                p.casualties.extend(zeros)

        # Homonyms are decided by the article's other places ("Saint-Denis" next to
        # Villepinte is the one in Seine-Saint-Denis): a first resolution gives the points.
        points = []
        for proto in self.protos.values():
            if proto.key != UNPLACED and proto.mentions:
                place = self.resolve(proto.mentions[0].text, proto.mentions[0].qualifier,
                                     proto.facility_frame, ())
                if place.resolved and place.kind in ("commune", "facility"):
                    points.append((place.lat, place.lon, proto.key))

        resolved: dict[tuple[str, str], Incident] = {}
        extras: dict[str, dict[str, Any]] = {}
        for proto in self.protos.values():
            self.near = tuple(sorted({(la, lo) for la, lo, k in points if k != proto.key}))
            if proto.mentions and not self._ambiguous(proto.mentions[0].text):
                self.near = ()
            made = self._incident(proto)
            if made is None:
                continue
            incident, key, meta = made
            slot = (proto.group, key)
            if slot in resolved:
                self._merge(resolved[slot], incident, extras[resolved[slot].incident_id], meta)
            else:
                resolved[slot] = incident
                extras[incident.incident_id] = meta
        self._fold_communes_into_prisons(resolved, extras)
        incidents = self._drop_umbrellas(list(resolved.values()))
        lead = self._lead_dates()
        for inc in incidents:
            meta = extras[inc.incident_id]
            if inc.event_date is None and inc.primary_type and lead.get(meta["group"]):
                d, si = lead[meta["group"]]
                inc.event_date, inc.date_precision = d.date, d.precision
                meta["inherited_date"] = True
                self._evidence(inc, "event_date", si)
            inc.confidence = self._confidence(inc, meta)
        incidents.sort(key=lambda i: (extras[i.incident_id]["first"],
                                      extras[i.incident_id]["order"], i.incident_id))
        return incidents

    def _join_the_named_prison(self) -> None:
        """"a prisoner at a jail in northwest France stabbed two guards ... the jail at
        Condé-sur-Sarthe": an attack told at an unnamed prison of an area is the attack of
        the one prison the article names in that area."""
        prisons = [p for (g, k), p in self.protos.items()
                   if g == "attack" and k != UNPLACED and p.facility_frame
                   and not any(m.extra.get("indefinite_facility") for m in p.mentions)]
        if len(prisons) != 1:
            return
        (target,) = prisons
        place = self.resolve(target.mentions[0].text, target.mentions[0].qualifier, True, ())
        if not place.prison_id:
            return
        for slot, p in list(self.protos.items()):
            areas = [m for m in p.mentions if m.extra.get("indefinite_facility")]
            if slot[0] != "attack" or p is target or not areas:
                continue
            if not all(self._holds(m.text, place) for m in areas):
                continue
            for field_name in ("triggers", "dates", "casualties", "targets"):
                getattr(target, field_name).extend(getattr(p, field_name))
            del self.protos[slot]

    def _holds(self, area_name: str, place: Place) -> bool:
        """Whether the department, region or country named `area_name` holds `place`."""
        area = self.resolve(area_name, None, False, ())
        if area.kind == "country":
            return area.country == place.country
        if area.kind == "region":
            return bool(area.region) and area.region == place.region
        if area.kind == "department":
            return bool(area.department) and area.department == place.department
        return False

    def _place_by_the_only_prison(self) -> None:
        """"A gangster escaped from the jail holding him ... He was visited at Réau
        prison": when an article places none of its attacks but names exactly one
        prison as a place of the story, its unplaced attack happened there."""
        unplaced = self.protos.get(("attack", UNPLACED))
        if (unplaced is None or unplaced.clues or self.pending_clues
                or not any(t.strong for t, _, _ in unplaced.triggers)
                or any(g == "attack" and k != UNPLACED for g, k in self.protos)):
            return
        nouns = [n.lower() for n in self._facility_nouns]
        found: dict[str, Mention] = {}
        for sent in self.sentences:
            low = sent.text.lower()
            if not any(n in low for n in nouns):
                continue
            mentions = find_mentions(sent.text, self.gaz, sent.start, codes=self.codes)
            assign_roles(sent.text, mentions, sent.start, 0, self.codes)
            for m in mentions:
                if m.role == "incident" and m.facility_frame:
                    place = self.resolve(m.text, m.qualifier, True, ())
                    if place.prison_id:
                        m.sentence = sent.index
                        found.setdefault(place.prison_id, m)
            if len(found) > 1:
                return
        if len(found) != 1:
            return
        (m,) = found.values()
        proto = self._proto("attack", _mention_key(m))
        proto.mentions.append(m)
        proto.spans.add((m.start, m.end))
        for field_name in ("triggers", "dates", "casualties", "targets"):
            getattr(proto, field_name).extend(getattr(unplaced, field_name))
        del self.protos[("attack", UNPLACED)]

    def _town(self, name: str) -> bool:
        """Whether a name is a prison's or a town's of SUBJECT_MIN_POP people or more:
        a sentence-initial village name is as likely a common word ("Cars", "Plan")."""
        return any(self.gaz.records[i][KIND] == "facility" or (
            self.gaz.records[i][KIND] == "commune"
            and (self.gaz.records[i][POP] or 0) >= SUBJECT_MIN_POP)
            for i, _ in self.gaz.lookup(name))

    def _metropolis_region(self, approx: Approx) -> Place | None:
        """The region of a relative place whose anchors are all cities of 150,000 people
        or more, else None (a town is a fair anchor for a point, a metropolis is not)."""
        regions = set()
        for clue in approx.clues:
            for name in clue.anchors:
                hits = [self.gaz.records[i] for i, _ in self.gaz.lookup(name)]
                if not any(r[KIND] == "commune" and (r[POP] or 0) >= METROPOLIS for r in hits):
                    return None
                place = self.resolve(name, None, False, ())
                if not place.region:
                    return None
                regions.add(place.region)
        if len(regions) != 1:
            return None
        region = self.resolve(regions.pop(), None, False, ())
        return region if region.kind == "region" else None

    def _fold_communes_into_prisons(self, resolved: dict[tuple[str, str], Incident],
                                    extras: dict[str, dict[str, Any]]) -> None:
        """"À Dijon, deux détenus se sont évadés ... la maison d'arrêt de Dijon": an
        incident in a commune whose prison the article names for the same event (same
        group, compatible dates, no other target) is that prison's incident."""
        prisons: dict[tuple[str, str], tuple[str, str]] = {}
        for slot, inc in resolved.items():
            if inc.prison_id and inc.insee:
                prisons.setdefault((slot[0], inc.insee), slot)
        for slot, inc in list(resolved.items()):
            if inc.prison_id or inc.geo_precision != "commune" or not inc.insee:
                continue
            target = prisons.get((slot[0], inc.insee))
            if target is None or inc.target not in (None, "prison"):
                continue
            into = resolved[target]
            if inc.event_date and into.event_date and inc.event_date != into.event_date:
                continue
            self._merge(into, inc, extras[into.incident_id], extras[inc.incident_id])
            del resolved[slot]

    def _ambiguous(self, name: str) -> bool:
        """Whether several communes or facilities bear this name."""
        hits = self.gaz.lookup(name)
        return sum(1 for i, _ in hits if self.gaz.records[i][KIND] in ("commune", "facility")) > 1

    def _lead_dates(self) -> dict[str, tuple[DateHit, int]]:
        """Per group, the best-supported date: what an incident with no date of its own
        shares ("Overnight, eight prisons came under attack ... The prison in Toulon ...").
        A year alone is not shared: it is what an article gives of an earlier event it
        recalls, not of the one it reports."""
        out: dict[str, tuple[DateHit, int]] = {}
        for group in INCIDENT_GROUPS:
            best = _best_date(hit for (g, _), p in self.protos.items() if g == group
                              for hit in p.dates if hit[0].precision != "year")
            if best is not None:
                out[group] = best
        return out

    def _incident(self, proto: _Proto) -> tuple[Incident, str, dict[str, Any]] | None:
        if not proto.triggers:
            return None
        types = specific_types(t.type for t, _, _ in proto.triggers)
        strong = any(t.strong for t, _, _ in proto.triggers)
        labels = [h.target for h, _ in proto.targets]
        if "ambush" in types:
            labels.append("convoy")
        if proto.facility_frame:
            labels.append("prison")
        target = best_target(labels)

        place: Place | None = None
        approx: Approx | None = None
        prison_sentence = None
        if proto.key == UNPLACED:
            if proto.clues:
                approx = combine([c for c, _ in proto.clues], self.locate)
            if approx is not None and all(c.kind in ("near", "direction") for c in approx.clues):
                region = self._metropolis_region(approx)
                if region is not None:
                    # "close to Paris", "south of Lyon": a metropolis is an area, not a
                    # point; the incident is known to its region, listed, not pinned.
                    approx, place = None, region
            if not strong and len({si for _, si, _ in proto.triggers}) < 2 and approx is None:
                return None  # one vague "attack" with no place is not a reported incident
            if approx is None and place is None:
                place = self.resolve("France", None, False, ())
        else:
            m = proto.mentions[0]
            want_facility = (proto.facility_frame or target == "prison"
                             or any(mm.extra.get("list_facility") for mm in proto.mentions))
            place = self.resolve(m.text, m.qualifier, want_facility, self.near)
            if not place.resolved and place.kind is None:
                return None  # a name the gazetteer half-knew and nobody can place
            if place.prison_id and not proto.facility_frame and target not in (None, "prison"):
                # "a residential building of prison guards in Luynes" is not the prison:
                # the place is the prison's commune.
                commune = self.gaz.commune_by_insee(place.insee) if place.insee else None
                if commune is not None:
                    place = commune
            if place.prison_id:
                target = target or "prison"
                prison_sentence = next((mm.sentence for mm in proto.mentions), None)

        inc = Incident(incident_id="", types=types, primary_type=primary_type(types),
                       target=target or ("prison" if place and place.prison_id else None))
        if approx is not None:
            inc.place = approx.description
            inc.lat, inc.lon, inc.radius_km = approx.lat, approx.lon, approx.radius_km
            inc.geo_precision = "approximate"
            key = UNPLACED
            area = Boundaries.load().department_at(approx.lat, approx.lon)
            if area is not None:
                # The department the point lies in (the seed's ambush: the Eure).
                inc.department, inc.region = department_names(area, self.gaz)
        else:
            assert place is not None
            self._fill_place(inc, place)
            if place.kind == "facility" and place.insee:
                commune = self.gaz.commune_by_insee(place.insee)
                inc.commune = commune.name if commune is not None else None
            key = self._place_key(place, proto.key)
        inc.incident_id = hashlib.sha1(
            f"{self.article.id}|{proto.group}|{key}".encode()
        ).hexdigest()[:16]
        source = self.article.source
        inc.sources = [source]
        inc.first_reported = getattr(source, "published", None)
        inc.article = getattr(source, "article", None) or getattr(self.article, "stem", None)

        # Date: the best-supported of this place's own dates. A year alone, from a
        # sentence that is not where the incident is told (another of its triggers is
        # in a sentence without it), is an earlier event recalled beside it ("he had
        # escaped once before: in 2013 ..."): it does not date this one.
        told = {si for _, si, _ in proto.triggers}
        best = _best_date(hit for hit in proto.dates
                          if hit[0].precision != "year" or told <= {hit[2]})
        if best is not None:
            inc.event_date, inc.date_precision = best[0].date, best[0].precision
            self._evidence(inc, "event_date", best[1])

        for fld in ("killed", "injured"):
            values = [(c.value, si) for c, si in proto.casualties if c.field == fld]
            if values:
                value, si = max(values)
                setattr(inc, fld, value)
                self._evidence(inc, fld, si)
        if inc.types == ["attack"] and (inc.injured or inc.killed) and inc.target != "convoy":
            # "an attack ... in which seven officers were hurt": people were attacked.
            inc.types, inc.primary_type = ["assault"], "assault"

        if approx is not None:
            for c, si in proto.clues:
                if c in approx.clues:
                    self._evidence(inc, "place", si)
        else:
            for si in sorted({mm.sentence for mm in proto.mentions if mm.sentence >= 0}):
                self._evidence(inc, "place", si)
        if proto.key == UNPLACED and approx is None:
            for si in sorted({si for _, si, d in proto.triggers if d})[:3]:
                self._evidence(inc, "place", si)
        for si in sorted({si for _, si, _ in proto.triggers}):
            self._evidence(inc, "types", si)
        if inc.target:
            hit = next((si for h, si in proto.targets if h.target == inc.target), None)
            if hit is None:
                hit = next((mm.sentence for mm in proto.mentions), None)
            if hit is None and proto.triggers:
                hit = proto.triggers[0][1]
            if hit is not None and hit >= 0:
                self._evidence(inc, "target", hit)
        if inc.prison_id and prison_sentence is not None and prison_sentence >= 0:
            self._evidence(inc, "prison_id", prison_sentence)

        meta = {
            "order": min((mm.start for mm in proto.mentions), default=10**9),
            "group": proto.group,
            "strong": strong,
            "direct": any(d for _, _, d in proto.triggers),
            "first": min(si for _, si, _ in proto.triggers),
            "sentences": {si for _, si, _ in proto.triggers},
            "inherited_date": False,
        }
        return inc, key, meta

    @staticmethod
    def _fill_place(inc: Incident, place: Place) -> None:
        inc.place = place.name or place.query
        inc.lat, inc.lon = place.lat, place.lon
        inc.department, inc.region = place.department, place.region
        inc.prison_id = place.prison_id
        inc.insee = place.insee
        if place.kind == "commune":
            inc.commune = place.name
        kind_precision = {"facility": "facility", "commune": "commune",
                          "department": "department", "region": "region", "country": "country"}
        precision = place.precision or kind_precision.get(place.kind or "", "country")
        inc.geo_precision = precision if precision in KIND_RANK or precision == "approximate" \
            else "country"
        inc.radius_km = place.radius_km
        if not place.resolved:
            inc.geo_precision = "country"
        if inc.geo_precision == "country":
            inc.lat = inc.lon = None  # a country is never a point on the map

    @staticmethod
    def _place_key(place: Place, fallback: str) -> str:
        if place.prison_id:
            return f"prison:{place.prison_id}"
        if place.kind == "country":
            return UNPLACED
        if place.insee:
            return f"insee:{place.insee}"
        if place.resolved:
            return f"{place.kind}:{place.department_code}:{fold(place.name or '')}"
        return f"name:{fallback}"

    def _evidence(self, inc: Incident, fld: str, sentence_index: int) -> None:
        s = self.article.sentences[sentence_index]
        # The (field, start) keys and per-field counts beside the list: a story told in
        # thousands of sentences must not make this quadratic. Rebuilt if the list
        # changed elsewhere (`_merge`).
        entry = self._evidence_keys.get(id(inc.evidence))
        if entry is None or entry[0] is not inc.evidence or len(entry[1]) != len(inc.evidence):
            entry = (inc.evidence, {(e.field, e.start) for e in inc.evidence},
                     Counter(e.field for e in inc.evidence))
            self._evidence_keys[id(inc.evidence)] = entry
        _, keys, counts = entry
        if (fld, s.start) in keys or counts[fld] >= MAX_EVIDENCE_PER_FIELD:
            return
        keys.add((fld, s.start))
        counts[fld] += 1
        quote = s.text if len(s.text) <= MAX_QUOTE_CHARS else (
            s.text[:MAX_QUOTE_CHARS].rstrip() + " …")
        inc.evidence.append(Evidence(fld, quote, self.article.id, s.start, s.end))

    @staticmethod
    def _merge(into: Incident, other: Incident, meta: dict[str, Any],
               other_meta: dict[str, Any]) -> None:
        """Two names for one place ("Aix-en-Provence" and "Luynes"): one incident."""
        types = specific_types([*into.types, *other.types])
        into.types, into.primary_type = types, primary_type(types)
        into.target = best_target([t for t in (into.target, other.target) if t])
        for fld in ("killed", "injured"):
            a, b = getattr(into, fld), getattr(other, fld)
            if b is not None and (a is None or b > a):
                setattr(into, fld, b)
        if into.event_date is None and other.event_date is not None:
            into.event_date, into.date_precision = other.event_date, other.date_precision
        seen = {(e.field, e.start) for e in into.evidence}
        into.evidence.extend(e for e in other.evidence if (e.field, e.start) not in seen)
        meta["strong"] = meta["strong"] or other_meta["strong"]
        meta["direct"] = meta["direct"] or other_meta["direct"]
        meta["first"] = min(meta["first"], other_meta["first"])
        meta["order"] = min(meta["order"], other_meta["order"])
        meta["sentences"] = meta["sentences"] | other_meta["sentences"]

    @staticmethod
    def _drop_umbrellas(incidents: list[Incident]) -> list[Incident]:
        """A country/region/department-wide incident that finer incidents of the same
        group fall inside is their summary ("eight prisons across France"), not another."""
        keep = []
        groups = {i.incident_id: group_of(i.primary_type) for i in incidents}
        for inc in incidents:
            level = precision_rank(inc.geo_precision)
            covered = False
            if level >= precision_rank("department"):
                for other in incidents:
                    if other is inc or groups[other.incident_id] != groups[inc.incident_id]:
                        continue
                    if precision_rank(other.geo_precision) >= level:
                        continue
                    if inc.geo_precision == "country" or (
                        inc.geo_precision == "region" and other.region == inc.region
                    ) or (inc.geo_precision == "department"
                          and other.department == inc.department):
                        covered = True
                        break
            if not covered:
                keep.append(inc)
        return keep

    @staticmethod
    def _confidence(inc: Incident, meta: dict[str, Any]) -> float:
        """See docs/extraction.md: a sum of evidence strengths, clipped to [0.05, 0.95]."""
        score = 0.35
        if meta["strong"]:
            score += 0.2
        if meta["direct"]:
            score += 0.1
        score += {"facility": 0.15, "commune": 0.1, "approximate": 0.05,
                  "department": 0.0, "region": -0.05, "country": -0.1}.get(inc.geo_precision, 0)
        if inc.prison_id:
            score += 0.05
        if inc.date_precision == "day" and not meta["inherited_date"]:
            score += 0.1
        elif inc.event_date is None:
            score -= 0.05
        if len(meta["sentences"]) >= 2:
            score += 0.05
        return round(min(0.95, max(0.05, score)), 2)
