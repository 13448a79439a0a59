"""Incident types and targets from attack vocabulary (English and French).

A *trigger* is a word or phrase that reports an incident ("fired at", "set ablaze",
"embuscade", "grève"). Strong triggers name the form of the attack; weak ones
("attack", "visée") only say that something happened. Only sentences with a
trigger can make incidents, so the vocabulary is the extractor's recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from geo.extract import lang
from geo.extract.gate import Gate, derive_all, prefixes
from geo.model import group_of

_F = re.IGNORECASE | re.UNICODE

#: Every incident type a pack may give triggers for, strong first; "attack" is weak.
TRIGGER_TYPES: tuple[str, ...] = (
    "gunfire", "arson", "ambush", "escape", "vandalism", "assault", "riot", "protest", "other",
)


@dataclass(frozen=True)
class _TriggerRule:
    type: str
    strong: bool
    pattern: str
    gate: Gate


@dataclass(frozen=True, eq=False)
class _Rules:
    """The trigger and target rules of a set of language packs, compiled once."""

    codes: tuple[str, ...]
    triggers: tuple[_TriggerRule, ...]
    order: tuple[int, ...]
    record: re.Pattern[str]
    record_gate: Gate
    record_link: re.Pattern[str]
    hypothetical: re.Pattern[str]
    background: re.Pattern[str]
    staff: re.Pattern[str]
    home: re.Pattern[str]
    vehicle: re.Pattern[str]
    home_vehicle_gate: Gate
    targets: tuple[tuple[str, re.Pattern[str], Gate], ...]
    #: (type, pattern): a trigger whose words match is also of that type
    also: tuple[tuple[str, re.Pattern[str]], ...]
    #: enabled trigger indexes -> their one combined pattern
    combined: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict, compare=False)


def _alternatives(packs: tuple[lang.Pack, ...], file: str, key: str,
                  sub: str | None = None) -> list[str]:
    """The expanded patterns of one key across packs, each with its own fragments."""
    out: list[str] = []
    for p in packs:
        value = p.get(file, key)
        if sub is not None:
            value = value.get(sub, [])
        out.extend(p.expand(file, v) for v in value)
    return out


@lru_cache(maxsize=32)
def _rules_for(key: tuple[tuple[str, ...], tuple]) -> _Rules:
    codes = key[0]
    packs = lang.packs(codes)
    triggers: list[_TriggerRule] = []
    for strong, table in ((True, "strong"), (False, "weak")):
        types = TRIGGER_TYPES if strong else ("attack",)
        for t in types:
            alts = _alternatives(packs, "triggers", table, t)
            if alts:
                triggers.append(_TriggerRule(t, strong, "|".join(alts), derive_all(alts)))
    order = tuple(sorted(range(len(triggers)),
                         key=lambda i: (triggers[i].type != "ambush", not triggers[i].strong, i)))
    record = _alternatives(packs, "triggers", "markers.record")
    links = lang.values(packs, "triggers", "markers.record_link")
    hypo = _alternatives(packs, "triggers", "markers.hypothetical")
    fillers = lang.values(packs, "triggers", "markers.hypothetical_fillers")
    background = _alternatives(packs, "triggers", "markers.background")
    staff = [p.fragment("triggers", "staff") for p in packs
             if "staff" in p.data["triggers"]["fragments"]]
    home = _alternatives(packs, "targets", "home")
    vehicle = _alternatives(packs, "targets", "vehicle")
    targets = tuple(
        (label, re.compile(rf"\b{lang.patterns_alternation(alts)}\b", _F), derive_all(alts))
        for label in ("training_school", "convoy", "prison")
        for alts in [_alternatives(packs, "targets", label)] if alts
    )
    return _Rules(
        codes=codes,
        triggers=tuple(triggers),
        order=order,
        record=re.compile(rf"\b{lang.patterns_alternation(record)}\b", _F),
        record_gate=derive_all(record),
        record_link=re.compile(rf"\b{lang.words_alternation(links)}\b", _F),
        hypothetical=re.compile(
            rf"\b{lang.patterns_alternation(hypo)}\s+"
            rf"(?:{lang.words_alternation(fillers)}\s+){{0,2}}$", _F),
        background=re.compile(rf"\b{lang.patterns_alternation(background)}\s*$", _F),
        staff=re.compile(rf"\b{lang.patterns_alternation(staff)}\b", _F),
        home=re.compile(rf"\b{lang.patterns_alternation(home)}\b", _F),
        vehicle=re.compile(rf"\b{lang.patterns_alternation(vehicle)}\b", _F),
        home_vehicle_gate=derive_all(home + vehicle),
        targets=targets,
        also=tuple((t, re.compile(rf"\b{lang.patterns_alternation(alts)}\b", _F))
                   for t in TRIGGER_TYPES
                   for alts in [_alternatives(packs, "triggers", "also", t)] if alts),
    )


def rules(codes: tuple[str, ...] | None = None) -> _Rules:
    """The compiled rules of these language packs (None: every pack)."""
    return _rules_for(lang.cache_key(codes or lang.codes_for(None)))


def _combined(r: _Rules, enabled: tuple[int, ...]) -> re.Pattern[str]:
    """One pattern for the trigger types a sentence's words allow: one scan, not nine."""
    rx = r.combined.get(enabled)
    if rx is None:
        body = "|".join(f"(?P<t{i}>{r.triggers[i].pattern})" for i in enabled)
        rx = r.combined[enabled] = re.compile(rf"(?<![\w-])(?:{body})(?![\w])", _F)
    return rx


@dataclass(frozen=True)
class Trigger:
    """An incident word: its type, whether it names the form, its article offsets."""

    type: str
    start: int
    end: int
    strong: bool

    @property
    def group(self) -> str:
        return group_of(self.type)


def find_triggers(text: str, base: int = 0, words: frozenset[str] | None = None,
                  codes: tuple[str, ...] | None = None) -> list[Trigger]:
    """Triggers in one sentence, with offsets shifted by `base`; overlaps resolved.

    `codes`: the language packs to read with (None: every pack). A strong trigger
    hides a weak one it overlaps ("attack on a convoy" is an ambush, not also an
    attack). In a sentence about a criminal record only strong triggers of a form
    other than assault are kept.
    """
    r = rules(codes)
    found: list[Trigger] = []
    words = prefixes(text) if words is None else words
    record = r.record_gate.allows(text, words) and bool(r.record.search(text))
    enabled = tuple(i for i in r.order if r.triggers[i].gate.allows(text, words))
    if not enabled:
        return found
    # One pattern of every type, compiled once: compiling one per set of allowed
    # types cost more than the scans it saved (a new set every few articles).
    for m in _combined(r, r.order).finditer(text):
        rule = r.triggers[int(m.lastgroup[1:])]  # type: ignore[index]
        t, strong = rule.type, rule.strong
        if record and (not strong or t == "assault"):
            continue
        if r.hypothetical.search(text, max(0, m.start() - 40), m.start()):
            continue
        if not strong and r.background.search(text, max(0, m.start() - 60), m.start()):
            continue  # "after a wave of attacks": events recalled in general
        found.append(Trigger(t, base + m.start(), base + m.end(), strong))
    if record:
        # A record's reach ends at the first event it does not cover ("accused of
        # ordering a killing, he broke out of custody during an ambush ..."): the
        # triggers after a kept one are read from there.
        since, scoped = 0, []
        for f in sorted(found, key=lambda tr: tr.start):
            if not _after_record_word(r, text, f.start - base, since):
                scoped.append(f)
                since = max(since, f.end - base)
        found = scoped
    found.sort(key=lambda tr: (tr.start, -tr.end))
    kept: list[Trigger] = []
    for tr in found:
        clash = [k for k in kept if k.start < tr.end and tr.start < k.end]
        if not clash:
            kept.append(tr)
        elif tr.strong and (all(not k.strong for k in clash) or tr.type == "ambush"):
            # A strong trigger beats weak ones; "ambush" beats the gunfire it contains.
            kept = [k for k in kept if k not in clash] + [tr]
    kept.sort(key=lambda tr: tr.start)
    for tr in list(kept):
        for t, rx in r.also:
            if t != tr.type and rx.search(text, tr.start - base, tr.end - base):
                kept.append(Trigger(t, tr.start, tr.end, tr.strong))
    kept.sort(key=lambda tr: tr.start)
    return kept


def _after_record_word(r: _Rules, text: str, pos: int, since: int = 0) -> bool:
    """An offence listed in a record or a charge ("convicted ... for arson", "charges
    concerned the killing of a man ... the car burnt out") is not an incident: every
    trigger after a record word (found from `since`) and a word tying it to that record."""
    first = r.record.search(text, since, pos)
    return first is not None and bool(r.record_link.search(text, first.end(), pos))


# --- Targets ---------------------------------------------------------------------

@dataclass(frozen=True)
class TargetHit:
    target: str
    start: int
    end: int


#: When several targets are named for one incident, the more specific wins.
TARGET_PRIORITY: tuple[str, ...] = (
    "training_school", "staff_home", "staff_vehicle", "convoy", "prison", "other",
)


def find_targets(text: str, base: int = 0, words: frozenset[str] | None = None,
                 codes: tuple[str, ...] | None = None) -> list[TargetHit]:
    """Target words in one clause or sentence, with offsets shifted by `base`.

    Homes and vehicles count as staff targets only with a staff word nearby
    ("a residential building housing prison guards", "la voiture d'un surveillant").
    """
    r = rules(codes)
    hits: list[TargetHit] = []
    words = prefixes(text) if words is None else words
    staff: list[int] = []
    if r.home_vehicle_gate.allows(text, words):
        staff = [m.start() for m in r.staff.finditer(text)]
    for rx, label in ((r.home, "staff_home"), (r.vehicle, "staff_vehicle")):
        if not staff:
            break
        for m in rx.finditer(text):
            if any(-25 <= s - m.end() <= 40 or 0 <= m.start() - s <= 40 for s in staff):
                hits.append(TargetHit(label, base + m.start(), base + m.end()))
    for label, rx, g in r.targets:
        if not g.allows(text, words):
            continue
        for m in rx.finditer(text):
            hits.append(TargetHit(label, base + m.start(), base + m.end()))
    return hits


def best_target(labels: list[str]) -> str | None:
    """The most specific of the targets named for an incident."""
    for t in TARGET_PRIORITY:
        if t in labels:
            return t
    return None
