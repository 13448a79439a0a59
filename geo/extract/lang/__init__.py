"""Language packs: the extractor's vocabulary as data, one folder per language.

    from geo.extract import lang
    pack = lang.load("fr")                 # a Pack, validated against lang.schema
    codes = lang.codes_for("fr")           # ("fr",); unknown or mixed -> every pack

A pack is a folder named by its ISO 639-1 code holding the TOML files of
`schema.SCHEMA` (`triggers.toml`, `places.toml`, `dates.toml` ...). TOML because a
pack is data that a linguist can edit without knowing Python, that is loaded
without running code (a pack from elsewhere cannot execute anything), and that the
standard library reads (`tomllib`). Regular expressions are allowed as values:
write them as '''literal strings''' so backslashes need no escaping.

Packs are looked up in this package and in the folders of `GEO_LANG_PACKS`
(path-separated), so adding a language is adding a folder: no module changes.
The rule modules (`types`, `places`, `dates` ...) compile their patterns from the
packs of an article's language and derive their gates from those patterns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo import config
from geo.errors import DataError
from geo.extract.lang.schema import EMPTY, REQUIRED_FRAGMENTS, SCHEMA, TABLE_KEYS

BUILTIN_DIR = Path(__file__).resolve().parent
_CODE = re.compile(r"^[a-z]{2,3}$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def pack_dirs() -> tuple[Path, ...]:
    """Where packs are looked up: this package, then `GEO_LANG_PACKS` folders."""
    return _dirs(config.lang_packs_setting())


@lru_cache(maxsize=8)
def _dirs(raw: str) -> tuple[Path, ...]:
    return (BUILTIN_DIR, *config.lang_pack_dirs())


def available() -> dict[str, Path]:
    """Language code -> pack folder, for every pack found (the first folder wins)."""
    return _available(pack_dirs())


@lru_cache(maxsize=8)
def _available(dirs: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in dirs:
        if not d.is_dir():
            continue
        for sub in sorted(d.iterdir()):
            if sub.is_dir() and _CODE.match(sub.name) and any(sub.glob("*.toml")):
                found.setdefault(sub.name, sub)
    return found


def codes_for(language: str | None) -> tuple[str, ...]:
    """The packs to read an article with: its language's, else every pack.

    `language` is the sidecar's or the detected code ("fr", "en-GB", "fr_FR");
    an unknown, empty or mixed value ("und", "mul") reads with every pack.
    """
    packs = available()
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if code in packs:
        return (code,)
    return tuple(sorted(packs))


@dataclass(frozen=True)
class Pack:
    """One language's vocabulary: `data[file][key]`, every schema key present."""

    code: str
    path: Path
    data: dict[str, dict[str, Any]]

    def get(self, file: str, key: str) -> Any:
        """A value by its schema key ("markers.record" is `[markers] record`)."""
        return self.data[file][key]

    def fragment(self, file: str, name: str) -> str:
        frags = self.data[file].get("fragments", {})
        if name not in frags:
            raise DataError(f"language pack {self.code!r}: {file}.toml has no fragment {name!r}")
        return frags[name]

    def expand(self, file: str, pattern: str, extra: dict[str, str] | None = None) -> str:
        """A pattern with its `{name}` fragments inserted (fragments may nest)."""
        frags = dict(self.data[file].get("fragments", {}))
        frags.update(extra or {})

        def sub(m: re.Match[str], depth: int = 0) -> str:
            name = m.group(1)
            if name not in frags:
                raise DataError(f"language pack {self.code!r}: {file}.toml: unknown fragment "
                                f"{{{name}}} in {pattern!r}")
            if depth > 5:
                raise DataError(f"language pack {self.code!r}: fragments nest too deep")
            return "(?:" + _PLACEHOLDER.sub(lambda mm: sub(mm, depth + 1), frags[name]) + ")"

        return _PLACEHOLDER.sub(sub, pattern)


def load(code: str) -> Pack:
    """The pack of a language code, validated; raises DataError naming file and key."""
    packs = available()
    if code not in packs:
        raise DataError(f"no language pack {code!r} (known: {', '.join(sorted(packs))})")
    return _load(code, packs[code])


@lru_cache(maxsize=16)
def _load(code: str, path: Path) -> Pack:
    data: dict[str, dict[str, Any]] = {}
    for file, keys in SCHEMA.items():
        f = path / f"{file}.toml"
        raw: dict[str, Any] = {}
        if f.exists():
            try:
                raw = tomllib.loads(f.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                raise DataError(f"language pack {code!r}: {f.name}: {e}") from None
        data[file] = _validate(code, file, raw, keys)
    for file, names in REQUIRED_FRAGMENTS.items():
        if (path / f"{file}.toml").exists():
            missing = names - set(data[file]["fragments"])
            if missing:
                raise DataError(f"language pack {code!r}: {file}.toml lacks fragments "
                                f"{', '.join(sorted(missing))}")
    return Pack(code, path, data)


def _validate(code: str, file: str, raw: dict[str, Any],
              keys: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    known_tops = {k.split(".")[0] for k in keys}
    for top in raw:
        if top not in known_tops:
            raise DataError(f"language pack {code!r}: {file}.toml: unknown key {top!r}")
    for key, kind in keys.items():
        where = f"language pack {code!r}: {file}.toml: {key}"
        value: Any = raw
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            empty = EMPTY[kind]
            out[key] = type(empty)() if not isinstance(empty, bool) else empty
            continue
        out[key] = _check(where, kind, value, TABLE_KEYS.get((file, key)))
    return out


def _check(where: str, kind: str, value: Any, table_keys: frozenset[str] | None) -> Any:
    if kind == "flag":
        if not isinstance(value, bool):
            raise DataError(f"{where}: expected true or false")
        return value
    if kind in ("patterns", "words"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise DataError(f"{where}: expected a list of non-empty strings")
        return list(value)
    if kind in ("fragments", "numbers", "pattern_table"):
        if not isinstance(value, dict):
            raise DataError(f"{where}: expected a table")
        if table_keys is not None:
            unknown = set(value) - table_keys
            if unknown:
                raise DataError(f"{where}: unknown entries {', '.join(sorted(unknown))} "
                                f"(allowed: {', '.join(sorted(table_keys))})")
        for k, v in value.items():
            if kind == "fragments" and not isinstance(v, str):
                raise DataError(f"{where}.{k}: expected a string")
            if kind == "numbers" and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise DataError(f"{where}.{k}: expected a number")
            if kind == "pattern_table":
                _check(f"{where}.{k}", "patterns", v, None)
        return dict(value)
    raise AssertionError(kind)


def packs(codes: tuple[str, ...]) -> tuple[Pack, ...]:
    """The packs of several codes, in that order."""
    return tuple(load(c) for c in codes)


def values(packs_: tuple[Pack, ...], file: str, key: str) -> list[Any]:
    """One key's list across several packs, in pack order."""
    return [v for p in packs_ for v in p.get(file, key)]


def cache_key(codes: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Path, ...]]:
    """What a compiled rule set depends on: the codes and where their packs come from
    (every rule lookup of a scan asks, so it costs one dictionary read)."""
    return codes, _dirs(config.lang_packs_setting())


def words_alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of plain words or phrases, longest first; spaces match any
    run of white space and apostrophes either apostrophe."""
    parts = []
    for w in sorted(set(words), key=lambda s: (-len(s), s)):
        esc = re.escape(w)
        esc = re.sub(r"\\\s+|\s+", r"\\s+", esc)
        esc = esc.replace("’", "'").replace("'", "['’]")
        parts.append(esc)
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


def patterns_alternation(patterns: list[str]) -> str:
    """One alternation of several patterns (an empty list never matches)."""
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" if patterns else "(?!)"


def noun_alternation(phrases: list[str] | tuple[str, ...]) -> str:
    """An alternation of noun phrases accepting their plurals ("maisons d'arrêt",
    "centres pénitentiaires"): each word may take an s, except an elided one."""
    parts = []
    for phrase in sorted(set(phrases), key=lambda s: (-len(s), s)):
        words = []
        for w in phrase.split():
            esc = re.escape(w).replace("’", "'").replace("'", "['’]")
            words.append(esc if ("'" in w or "’" in w or len(w) <= 3) else esc + "s?")
        parts.append(r"\s+".join(words))
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


#: A word, unless it is capitalised and followed by a capitalised word ("La Rochelle").
_FUNCTION_WORD = re.compile(
    r"(?<![\w'’-])(?:[a-zà-ÿœæ]+|(?-i:[A-ZÀ-Ý])[a-zà-ÿ]*(?!\s+(?-i:[A-ZÀ-Ý])))(?![\w'’-])")


def detect(text: str, min_words: int = 2, margin: float = 2.0) -> str:
    """The code of the pack whose function words the text uses most, or "und".

    The articles of place names ("La Rochelle", "Le Havre") do not count: they say
    nothing of the article's language. A language must lead by
    `margin` to one; otherwise (too few words, a mixed text) the answer is "und",
    which reads the article with every pack.
    """
    counts: dict[str, int] = {}
    words = [w.lower() for w in _FUNCTION_WORD.findall(text[:20_000])]
    for code in available():
        fw = frozenset(load(code).get("cleaning", "function_words"))
        if fw:
            counts[code] = sum(1 for w in words if w in fw)
    if not counts:
        return "und"
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    best, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if n < min_words or n < margin * second:
        return "und"
    return best


def facility_nouns() -> tuple[str, ...]:
    """Every pack's nouns for a prison ("maison d'arrêt", "jail"): one definition for
    the extractor, the gazetteer and the geocoder."""
    return tuple(dict.fromkeys(n for code in sorted(available())
                               for n in load(code).get("places", "facility_nouns")))


def facility_connectors() -> tuple[str, ...]:
    """Every pack's words between a prison noun and its town ("of", "de la")."""
    return tuple(dict.fromkeys(c for code in sorted(available())
                               for c in load(code).get("places", "facility_connectors")))


def facility_abbreviations() -> tuple[str, ...]:
    """Every pack's abbreviations standing for a prison before its name ("CP", "MA")."""
    return tuple(dict.fromkeys(a for code in sorted(available())
                               for a in load(code).get("places", "facility_abbreviations")))
