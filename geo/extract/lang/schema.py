"""The keys a language pack may hold, file by file, and the kind of value of each.

A pack is a folder named by its language code (`en/`, `fr/`) with these TOML files.
Shipped packs hold every key (a test checks it); a pack added by a user may leave
keys out: a missing key is an empty list or table, so that family of rules is
simply silent in that language. Kinds:

- `patterns`: a list of regular expressions (case-insensitive, matched on word
  boundaries), `{name}` inserting a fragment;
- `words`: a list of plain words or phrases;
- `fragments`: a table of named regular expressions used inside patterns;
- `pattern_table`: a table of pattern lists (one per type, frame or rule);
- `numbers`: a table of words to numbers;
- `flag`: true or false.
"""

from __future__ import annotations

SCHEMA: dict[str, dict[str, str]] = {
    "triggers": {
        "fragments": "fragments",  # staff, person, det
        "strong": "pattern_table",  # type -> patterns naming the form of the attack
        "weak": "pattern_table",  # attack -> patterns only saying something happened
        "also": "pattern_table",  # type -> words making a trigger of another type this too
        "markers.record": "patterns",
        "markers.record_link": "words",
        "markers.hypothetical": "patterns",
        "markers.hypothetical_fillers": "words",
        "markers.background": "patterns",
    },
    "targets": {
        "home": "patterns",
        "vehicle": "patterns",
        "training_school": "patterns",
        "convoy": "patterns",
        "prison": "patterns",
    },
    "clauses": {
        "barriers": "patterns",
        "event_nouns": "patterns",
        "other": "words",
        "lead_in": "words",
    },
    "places": {
        "locatives": "patterns",
        "articles": "patterns",
        "list_connectors": "patterns",
        "list_prepositions": "patterns",
        "facility_nouns": "words",
        "facility_abbreviations": "words",
        "facility_connectors": "words",
        "facility_pronouns": "words",
        "situated": "patterns",
        "landmarks": "patterns",
        "affiliation": "patterns",
        "escape_origin": "patterns",
        "visited": "patterns",
        "indefinite_facility": "patterns",
        "facility_after": "flag",
        "qualifier_prepositions": "words",
        "compass_adjectives": "patterns",
        "area_nouns": "words",
        "area_connectors": "words",
        "country_wide": "patterns",
        "context_before": "pattern_table",
        "context_after": "pattern_table",
        "words.not_places": "words",
        "words.foreign": "words",
        "captions.patterns": "patterns",
        "captions.byline": "words",
    },
    "dates": {
        "months": "numbers",
        "weekdays": "numbers",
        "words.day_parts": "words",
        "words.day_suffixes": "words",
        "words.past_markers": "words",
        "words.month_verbs": "words",
        "rules": "pattern_table",
    },
    "numbers": {
        "words": "numbers",
        "compounds.tens": "words",
        "compounds.units": "words",
    },
    "casualties": {
        "fragments": "fragments",
        "zero": "pattern_table",  # injured, killed, both
        "words.negations": "words",
        "words.additional": "words",
        "past_crime": "patterns",
    },
    "relative": {
        "bearings": "numbers",
        "units": "numbers",
        "fragments": "fragments",  # dir, approx, of, place
        "clues": "pattern_table",  # distance, between, near, direction
    },
    "cleaning": {
        "forum_markers": "patterns",
        "footer_markers": "patterns",
        "newsletter": "patterns",
        "photo_credit": "patterns",
        "function_words": "words",
    },
}

#: The sub-keys a pattern table may hold, where the rules fix them.
TABLE_KEYS: dict[tuple[str, str], frozenset[str]] = {
    ("triggers", "strong"): frozenset(
        {"gunfire", "arson", "ambush", "escape", "vandalism", "assault", "riot", "protest",
         "other"}),
    ("triggers", "weak"): frozenset({"attack"}),
    ("triggers", "also"): frozenset(
        {"gunfire", "arson", "ambush", "escape", "vandalism", "assault", "riot", "protest",
         "other"}),
    ("places", "context_before"): frozenset(
        {"visit", "planned", "justice", "comparison", "origin", "person", "media",
         "residence", "transit", "speech"}),
    ("places", "context_after"): frozenset({"adjective", "media", "planned"}),
    ("dates", "rules"): frozenset(
        {"night_range", "night_weekdays", "day_month", "month_day", "month_year", "month",
         "weekday", "night", "yesterday", "day_before_yesterday", "today", "days_ago",
         "weeks_ago", "days_earlier", "week", "last_month", "run_duration", "year",
         "last_year"}),
    ("casualties", "zero"): frozenset({"injured", "killed", "both"}),
    ("relative", "clues"): frozenset({"distance", "between", "near", "direction"}),
}

#: Fragments the engines need from a pack that uses the file at all.
REQUIRED_FRAGMENTS: dict[str, frozenset[str]] = {
    "casualties": frozenset(
        {"who", "approx", "be", "how", "kill_words", "hurt_words", "killing_verbs",
         "injuring_verbs", "leaving_verbs", "dead_after", "hurt_after"}),
    "relative": frozenset({"dir", "approx", "place"}),
}

EMPTY: dict[str, object] = {
    "patterns": [], "words": [], "fragments": {}, "pattern_table": {}, "numbers": {},
    "flag": False,
}
