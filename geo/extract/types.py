"""Incident types and targets from attack vocabulary (English and French).

A *trigger* is a word or phrase that reports an incident ("fired at", "set ablaze",
"embuscade", "grève"). Strong triggers name the form of the attack; weak ones
("attack", "visée") only say that something happened. Only sentences with a
trigger can make incidents, so the vocabulary is the extractor's recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from geo.extract.gate import gate, prefixes

_F = re.IGNORECASE | re.UNICODE

_STAFF = (
    r"(?:prison\s+)?(?:guards?|officers?|warders?|wardens?|staff(?:\s+members?)?|"
    r"employees?|surveillant(?:e|s|es)?|agents?(?:\s+pénitentiaires?)?|"
    r"personnels?(?:\s+pénitentiaires?)?|gardiens?|fonctionnaires?)"
)
_PERSON = (
    r"(?:(?:prison\s+)?(?:guards?|officers?|warders?|wardens?|staff|inmates?|prisoners?|"
    r"detainees?|agents?|employees?|surveillant(?:e|s|es)?|détenus?|gardiens?|"
    r"directeur|directrice|personnels?))"
)
_DET = (r"(?:(?:a|an|the|two|three|four|several|his|her|their|one|un|une|deux|trois|des|"
        r"les|le|la|l'|ses|leur|plusieurs)\s+)?")

#: (type, strong, pattern). Order matters only for readability.
_TRIGGERS: tuple[tuple[str, bool, str], ...] = (
    ("gunfire", True,
     r"gun ?fire|gun ?shots?|shots?\s+(?:were\s+|was\s+|had been\s+)?(?:fired|rang out)|"
     r"fired\s+(?:shots|at|on|upon|repeatedly|several|multiple|rounds|into)|"
     r"firing\s+(?:repeatedly|shots|at|on|into|rounds)|opened\s+fire|shooting|shot\s+at|"
     r"bullet(?:s|\s+holes?)|kalashnikovs?|machine[- ]gunned|sprayed\s+with\s+bullets|"
     r"(?<!mortiers\s)(?<!d')\btirs?\b(?!\s+de\s+mortiers?)(?!\s+d'artifice)|"
     r"coups?\s+de\s+feu|fusillades?|rafales?|"
     r"(?:a|ont|avaient|avait)\s+(?:été\s+)?tiré|tirée?s?\s+(?:sur|contre|en direction)|"
     r"impacts?\s+de\s+balles?|balles?|kalachnikovs?|mitraill\w+"),
    ("arson", True,
     r"arson|set(?:s|ting)?\s+(?:on\s+fire|ablaze|alight|fire\s+to)|torch(?:ed|ing|es)?|"
     r"burn(?:ed|t|ing)?\s+(?:down|out)|burned|burnt|fire-?bomb(?:ed|s|ing)?|molotov|"
     r"incendiar(?:y|ies)|petrol\s+bombs?|fires?\s+(?:was|were)\s+(?:set|started)|"
     r"caught\s+fire|went\s+up\s+in\s+flames|in\s+flames|blaze|"
     r"incendi(?:e|es|é|ée|és|ées|er|aire|aires|ait|aient)|mis\s+le\s+feu|mettre\s+le\s+feu|"
     r"départs?\s+de\s+feu|brûl(?:é|ée|és|ées|er|ant|aient)|calcinée?s?|en\s+feu|flammes"),
    ("ambush", True,
     r"ambush(?:ed|es|ing)?|embuscades?|"
     r"attack(?:ed)?\s+(?:on\s+)?(?:a\s+|the\s+)?(?:prison(?:er)?\s+)?(?:convoy|van|transfer)|"
     r"rammed\s+(?:the\s+|a\s+)?(?:prison\s+)?(?:van|convoy)|"
     r"attaque\s+(?:d'un|du|contre\s+(?:un|le))\s+(?:fourgon|convoi)|"
     r"fourgon\s+(?:pénitentiaire\s+|cellulaire\s+)?(?:a\s+été\s+)?(?:attaqué|percuté|"
     r"pris\s+pour\s+cible|bloqué)"),
    ("escape", True,
     r"escap(?:ed|ing)|(?:the|an|his|their|l')\s+escape|broke\s+out\s+of|break-?out|"
     r"jailbreak|freed\s+(?:him|her|them|the\s+inmate|the\s+prisoner|an?\s+inmate|"
     r"an?\s+prisoner|the\s+detainee)|(?:inmate|prisoner|detainee)s?\s+(?:who\s+was\s+)?freed|"
     r"freed\s+inmate|on\s+the\s+run|évasions?|évadée?s?|s'(?:est|sont)\s+évadée?s?|"
     r"s'évader|faire\s+évader|en\s+cavale"),
    ("vandalism", True,
     r"graffiti|(?<!#)\btags?\b|tagged|spray-?paint(?:ed|ing)?|vandali[sz]\w*|daubed|defaced|"
     r"smashed|ransacked|broken\s+windows|graffitis?|tagu(?:é|ée|és|ées)|"
     r"inscriptions?|dégradation\w*|dégradée?s?|saccag\w+|vitres?\s+brisées?"),
    ("assault", True,
     rf"assault(?:ed|ing)?\s+{_DET}{_PERSON}|"
     rf"{_PERSON}\s+(?:was|were|had\s+been|has\s+been)\s+(?:assaulted|attacked|beaten|stabbed|"
     r"punched|hit|struck|taken\s+hostage)|"
     rf"(?:attacked|beat|stabbed|punched|took)\s+{_DET}{_PERSON}(?:\s+hostage)?|stabb(?:ed|ing)|"
     r"agress(?:ion|ions|é|ée|és|ées|er|ait)|poignardée?s?|coups?\s+de\s+couteau|"
     r"rouée?s?\s+de\s+coups|pris\s+en\s+otage|prise\s+d'otage"),
    ("riot", True,
     r"riot(?:s|ing|ed|ers)?|mutin(?:y|ies|ied|eers?)|uprising|mutinerie\w*|mutinée?s?|"
     r"émeutes?"),
    ("protest", True,
     r"protest(?:s|ed|ing|ers)?|strik(?:e|es|ing)|walk-?outs?|blockades?|blockaded|"
     r"block(?:ed|ing)\s+(?:the\s+)?(?:entrances?\s+(?:to|of)\s+)?(?:\w+\s+)?"
     r"(?:prisons?|penitentiar\w+|facilit(?:y|ies)|jails?|gates?)(?!\s+(?:convoys?|vans?))|"
     r"demonstrations?|rall(?:y|ies|ied)|sit-ins?|grèves?|manifest(?:ation|ations|ants?|aient|"
     r"ent|é)|blocages?|bloqu(?:é|és|ée|ées|ent|aient|ant|er)\s+(?:les\s+|l'|la\s+|le\s+|des\s+)?"
     r"(?:entrées?\s+(?:des\s+|de\s+la\s+|du\s+|de\s+l')?)?(?:prisons?|établissements?|"
     r"maisons?\s+d'arrêt|centres?\s+pénitentiaires?|accès|portes?)|mouvement\s+social|"
     r"débrayages?|rassemblements?|piquets?\s+de\s+grève|droit\s+de\s+retrait|"
     r"refus\s+de\s+(?:réintégrer|remonter)"),
    ("attack", False,
     r"attack(?:s|ed|ing)?|assaults?|came\s+under\s+fire|targeted|intimidation|"
     r"attaques?|attaquée?s?|pris(?:e|es)?\s+pour\s+cibles?|la\s+cible\s+d[e']|visée?s?\s+par|"
     r"tirs?\s+de\s+mortiers?|mortiers?\s+d'artifice|feux?\s+d'artifice|fireworks?"),
)

#: Words at least one of which every match of a type's pattern contains (see `gate`).
_GATES: dict[tuple[str, bool], frozenset[str]] = {
    ("gunfire", True): gate(
        "gunfire", "gunshot", "shots", "shot", "fired", "firing", "opened", "shooting", "bullet",
        "kalashnikov", "machine", "sprayed", "tir", "tirs", "tiré", "tirée", "coups", "coup",
        "fusillade", "rafale", "impacts", "impact", "balle", "kalachnikov", "mitraille"),
    ("arson", True): gate(
        "arson", "ablaze", "alight", "torch", "burned", "burnt", "burn", "firebomb", "fire",
        "molotov", "incendiary", "incendiaries", "petrol", "fires", "flames", "blaze",
        "incendie", "feu", "brûlé", "calciné", "flammes"),
    ("ambush", True): gate("ambush", "embuscade", "attack", "attacked", "rammed", "attaque",
                           "fourgon"),
    ("escape", True): gate(
        "escaped", "escaping", "escape", "broke", "breakout", "break", "jailbreak", "freed",
        "run", "évasion", "évadé", "évadée", "évader", "cavale"),
    ("vandalism", True): gate(
        "graffiti", "tag", "tags", "tagged", "spray", "vandal", "daubed", "defaced", "smashed",
        "ransacked", "broken", "tagué", "inscription", "dégradation", "dégradé", "saccage",
        "vitre"),
    ("assault", True): gate(
        "assault", "assaulted", "attacked", "beaten", "beat", "stabbed", "punched", "hit",
        "struck", "hostage", "stabbing", "agression", "agressé", "poignard", "couteau", "roué",
        "rouée", "otage"),
    ("riot", True): gate("riot", "mutiny", "mutinies", "mutinied", "mutineer", "uprising",
                         "mutinerie", "mutiné", "émeute"),
    ("protest", True): gate(
        "protest", "strike", "strikes", "striking", "walkout", "walk", "blockade", "blocked",
        "blocking", "demonstration", "rally", "rallies", "rallied", "sit", "grève",
        "manifestation", "manifest", "blocage", "bloqué", "bloquer", "bloquent", "bloquaient",
        "bloquant", "mouvement", "débrayage", "rassemblement", "piquet", "droit", "refus"),
    ("attack", False): gate(
        "attack", "assault", "came", "targeted", "intimidation", "attaque", "pris", "prise",
        "cible", "visé", "tir", "tirs", "mortier", "feux", "feu", "fireworks", "firework"),
}

_TRIGGER_RES: tuple[tuple[str, bool, re.Pattern[str], frozenset[str]], ...] = tuple(
    (t, strong, re.compile(rf"(?<![\w-])(?:{p})(?![\w])", _F), _GATES[(t, strong)])
    for t, strong, p in _TRIGGERS
)

#: Alternation order: an ambush before the gunfire it contains, weak words last.
_ORDER: tuple[int, ...] = tuple(sorted(
    range(len(_TRIGGERS)),
    key=lambda i: (_TRIGGERS[i][0] != "ambush", not _TRIGGERS[i][1], i),
))


@lru_cache(maxsize=512)
def _combined(enabled: tuple[int, ...]) -> re.Pattern[str]:
    """One pattern for the trigger types a sentence's words allow: one scan, not nine."""
    body = "|".join(f"(?P<t{i}>{_TRIGGERS[i][2]})" for i in enabled)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w])", _F)


#: Sentences about a person's criminal record, not about an incident.
_RECORD = re.compile(
    r"\b(?:convicted|conviction|criminal\s+record|sentenced\s+(?:to|for)|"
    r"condamnée?s?\s+(?:à|pour)|casier\s+judiciaire)\b",
    _F,
)

_RECORD_WORDS = gate("convicted", "conviction", "criminal", "sentenced", "condamné", "condamnée",
                     "condamnés", "casier")

#: Words that make the trigger after them a threat or a possibility, not a report:
#: "they could attack Villefranche", "threatened to set fire", "pourraient attaquer".
_HYPOTHETICAL = re.compile(
    r"\b(?:would|could|might|will|may|shall|won['’]t|threat(?:en(?:ed|s)?)?\s+to|"
    r"vow(?:ed|s)?\s+to|promis(?:ed|es)?\s+to|risk\s+of|fear\s+of|pourrai(?:t|ent)|"
    r"pourra|pourront|va|vont|risque\s+de|menac(?:e|é|ent|ait)\s+de|craint)\s+"
    r"(?:(?:not|be|also|pas|aussi|bientôt|again|even|then)\s+){0,2}$",
    _F,
)


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


def group_of(incident_type: str) -> str:
    """Protests are separate events from the attacks they answer; all else is one group."""
    return "protest" if incident_type == "protest" else "attack"


def find_triggers(text: str, base: int = 0,
                  words: frozenset[str] | None = None) -> list[Trigger]:
    """Triggers in one sentence, with offsets shifted by `base`; overlaps resolved.

    A strong trigger hides a weak one it overlaps ("attack on a convoy" is an ambush,
    not also an attack). In a sentence about a criminal record only strong
    triggers of a form other than assault are kept.
    """
    found: list[Trigger] = []
    words = prefixes(text) if words is None else words
    record = not _RECORD_WORDS.isdisjoint(words) and bool(_RECORD.search(text))
    enabled = tuple(i for i in _ORDER if not _TRIGGER_RES[i][3].isdisjoint(words))
    if not enabled:
        return found
    for m in _combined(enabled).finditer(text):
        t, strong = _TRIGGER_RES[int(m.lastgroup[1:])][:2]  # type: ignore[index]
        if record and (not strong or t == "assault"):
            continue
        if _HYPOTHETICAL.search(text, max(0, m.start() - 40), m.start()):
            continue
        found.append(Trigger(t, base + m.start(), base + m.end(), strong))
    if record:
        found = [f for f in found if not _after_record_word(text, f.start - base)]
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
    return kept


def _after_record_word(text: str, pos: int) -> bool:
    """An offence listed in a record ("convicted ... for arson") is not an incident."""
    window = text[max(0, pos - 80) : pos]
    return bool(re.search(r"\b(?:for|of|including|pour|de)\b", window, _F)) and bool(
        _RECORD.search(window)
    )




# --- Targets ---------------------------------------------------------------------

_HOME = re.compile(
    r"\b(?:residential\s+(?:building|block)|apartment\s+(?:block|building)s?|homes?|houses?|"
    r"residences?|domiciles?|logements?|immeubles?|pavillons?|résidences?)\b",
    _F,
)
_VEHICLE = re.compile(r"\b(?:cars?|vehicles?|voitures?|véhicules?)\b", _F)
_STAFF_RE = re.compile(rf"\b{_STAFF}\b", _F)
_TARGET_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("training_school", re.compile(
        r"\b(?:ENAP|école\s+nationale\s+d'administration\s+pénitentiaire|training\s+school|"
        r"école\s+(?:de\s+formation\s+)?pénitentiaire|prison\s+(?:staff\s+)?academy)\b", _F)),
    ("convoy", re.compile(
        r"\b(?:convoys?|transfers?|escorts?|prison\s+vans?|fourgons?|convois?|extractions?|"
        r"transfèrements?|escortes?)\b", _F)),
    ("prison", re.compile(
        r"\b(?:prisons?(?!\s+(?:guards?|officers?|staff|authorit\w+|unions?|watchdog|system|"
        r"convoy|vans?|population|personnel|employees|workers|directors?|service|policy|"
        r"neighbo\w+|reform))|jails?|penitentiar(?:y|ies)|facilit(?:y|ies)|"
        r"detention\s+cent(?:er|re)s?|maisons?\s+d'arrêt|centres?\s+pénitentiaires?|"
        r"centres?\s+de\s+détention|établissements?(?:\s+pénitentiaires?)?|maisons?\s+centrales?|"
        r"entrance|gates?|parking\s+lots?|porte|parking|enceinte|miradors?|"
        r"quartiers?\s+(?:de\s+haute\s+sécurité|pénitentiaires?))\b", _F)),
)


_HOME_VEHICLE_WORDS = gate(
    "residential", "apartment", "home", "homes", "house", "houses", "residence", "domicile",
    "logement", "immeuble", "pavillon", "résidence", "car", "cars", "vehicle", "voiture",
    "véhicule")
_TARGET_WORDS: dict[str, frozenset[str]] = {
    "training_school": gate("enap", "école", "training", "academy"),
    "convoy": gate("convoy", "transfer", "escort", "van", "vans", "fourgon", "convoi",
                   "extraction", "transfèrement", "escorte"),
    "prison": gate("prison", "jail", "penitentiary", "facility", "facilities", "detention",
                   "maison", "centre", "établissement", "entrance", "gate", "gates", "parking",
                   "porte", "enceinte", "mirador", "quartier"),
}


@dataclass(frozen=True)
class TargetHit:
    target: str
    start: int
    end: int


#: When several targets are named for one incident, the more specific wins.
TARGET_PRIORITY: tuple[str, ...] = (
    "training_school", "staff_home", "staff_vehicle", "convoy", "prison", "other",
)


def find_targets(text: str, base: int = 0,
                 words: frozenset[str] | None = None) -> list[TargetHit]:
    """Target words in one clause or sentence, with offsets shifted by `base`.

    Homes and vehicles count as staff targets only with a staff word nearby
    ("a residential building housing prison guards", "la voiture d'un surveillant").
    """
    hits: list[TargetHit] = []
    words = prefixes(text) if words is None else words
    staff: list[int] = []
    if not _HOME_VEHICLE_WORDS.isdisjoint(words):
        staff = [m.start() for m in _STAFF_RE.finditer(text)]
    for rx, label in ((_HOME, "staff_home"), (_VEHICLE, "staff_vehicle")):
        if not staff:
            break
        for m in rx.finditer(text):
            if any(-25 <= s - m.end() <= 40 or 0 <= m.start() - s <= 40 for s in staff):
                hits.append(TargetHit(label, base + m.start(), base + m.end()))
    for label, rx in _TARGET_RES:
        if _TARGET_WORDS[label].isdisjoint(words):
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
