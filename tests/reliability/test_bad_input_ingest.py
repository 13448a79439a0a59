"""One folder of hostile article files, ingested with `python -m geo ingest DIR`.

What a user meets when they point the tool at whatever they scraped: every file
that cannot be read is named on stderr with its cause, nothing prints a
traceback, the readable files' incidents are in the store (read back with
`python -m geo export`), and the exit code is the documented 1 ("some file was
skipped, the others are committed").
"""

from __future__ import annotations

import json
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.extract.assemble import MAX_PLACES_PER_SENTENCE
from geo.gazetteer import NAME, POP, Gazetteer
from geo.normalize import fold
from reliability.conftest import SEEDS, export_rows, offline_env, run_geo

SEED = "000_dc344a161f240007"
#: Incidents of seed 000 alone (tests/extract/test_golden.py checks which).
SEED_INCIDENTS = 7

#: file name -> what its skip line must say (files that must be refused).
REFUSED = {
    "empty.txt": "empty file",
    "photo.txt": "binary file",
    "huge.txt": "too large (20 MB; the limit is 5 MB)",
    "broken-json.txt": "sidecar broken-json.meta.json: invalid JSON at line 1 column 2",
    "wrong-type.txt": "sidecar wrong-type.meta.json: 'title' must be a string or null, not int",
    "bad-date.txt": "sidecar bad-date.meta.json: 'published' is not an ISO 8601 date: "
                    "'15/04/2025'",
}
#: Readable files, and how many incidents each must give.
INGESTED = {
    f"{SEED}.txt": SEED_INCIDENTS,
    "cp1252.txt": 1,
    "mixed.txt": 1,
    "script.html": 1,
    "future.txt": 1,
    "no-place.txt": 1,
    "towns-500.txt": 0,
    "protests-500.txt": 1,
    "fr-nimes.txt": 1,
    "deep.html": 1,
    "long.txt": 1,
}
#: Elements nested this deep once took bs4 minutes to walk (quadratic in the depth).
DEPTH = 100_000
#: Under the size limit, but one story thousands of times: once quadratic too.
LONG_BYTES = 2_000_000
STORY = "Shots were fired at the prison of Nanterre overnight."


def town_names(n: int = 500) -> list[str]:
    """The n most populous communes of the gazetteer with distinct names, as a journalist
    writes them (GeoNames' numbered quarters such as "Paris 15 Vaugirard" left out)."""
    gaz = Gazetteer.load()
    names: list[str] = []
    seen: set[str] = set()
    for i in sorted(gaz.communes(), key=lambda i: -gaz.records[i][POP]):
        name = gaz.records[i][NAME]
        if any(c.isdigit() for c in name) or fold(name) in seen:
            continue
        seen.add(fold(name))
        names.append(name)
        if len(names) == n:
            break
    assert len(names) == n
    return names


def write(folder: Path, name: str, data: str | bytes, meta: object = None) -> None:
    (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if meta is not None:
        sidecar = folder / (name.rsplit(".", 1)[0] + ".meta.json")
        sidecar.write_text(meta if isinstance(meta, str) else json.dumps(meta), "utf-8")


def hostile_folder(folder: Path) -> Path:
    """Every kind of bad input of issue 8, plus one good seed, in one folder."""
    folder.mkdir()
    shutil.copy(SEEDS / f"{SEED}.txt", folder)
    shutil.copy(SEEDS / f"{SEED}.meta.json", folder)
    write(folder, "empty.txt", b"")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + zlib.compress(bytes(range(256)) * 64)
    write(folder, "photo.txt", png)
    # 20 MB of readable prose: refused for its size, before anything reads it all.
    write(folder, "huge.txt", (STORY + " ") * (21_000_000 // (len(STORY) + 1) + 1))
    write(folder, "cp1252.txt", "Des véhicules ont été incendiés sur le parking de la maison "
          "d’arrêt de Fleury-Mérogis, a indiqué la préfecture.".encode("cp1252"))
    write(folder, "mixed.txt",
          "Des tirs ont visé la prison d’Évreux dans la nuit.\n".encode()
          + "Aucun blessé n’est à déplorer, selon le parquet d’Évreux.".encode("cp1252"))
    write(folder, "script.html",
          "<html><head><script>alert(1)</script></head><body>"
          "<p>Shots were fired at the prison of Fresnes overnight."
          " <img src=x onerror=alert(1)></p>"
          "<script>document.write('The prison of Marseille was set ablaze.')</script>"
          "</body></html>")
    write(folder, "broken-json.txt", STORY, meta="{not json")
    write(folder, "wrong-type.txt", STORY, meta={"title": 42, "source": "Le Monde"})
    write(folder, "future.txt", STORY, meta={"published": "2099-01-01", "source": "Futur"})
    write(folder, "bad-date.txt", STORY, meta={"published": "15/04/2025"})
    write(folder, "no-place.txt", "A prison officer was assaulted by an inmate during a cell "
          "search, the union said. He was taken to hospital.")
    towns = town_names()
    listed = ", ".join(towns[:-1]) + " and " + towns[-1]
    write(folder, "towns-500.txt", f"The largest towns of France are {listed}.")
    write(folder, "protests-500.txt",
          f"Prison guards protested outside prisons in {listed} on Tuesday.",
          meta={"published": "2024-05-15", "source": "Liste"})
    write(folder, "deep.html", "<div>" * DEPTH + "<p>Shots were fired at the prison of "
          "Valenciennes overnight.</p>" + "</div>" * DEPTH)
    story = "Cars were set ablaze outside the prison of Nice overnight, witness {} said. "
    write(folder, "long.txt", "".join(story.format(i) for i in range(LONG_BYTES // len(story))))
    write(folder, "fr-nimes.txt",
          "Dans la nuit de lundi à mardi, des tirs d’arme automatique ont visé la maison "
          "d’arrêt de Nîmes (Gard). Aucun blessé n’est à déplorer, selon le parquet.",
          meta={"published": "2025-03-04", "source": "Midi Libre", "language": "fr"})
    return folder


@dataclass
class Ingested:
    folder: Path
    returncode: int
    stderr: str
    rows: list[dict[str, str]]

    def of(self, name: str) -> list[dict[str, str]]:
        """Rows of the incidents an article file gave (by its stem)."""
        return [r for r in self.rows if r["article"] == name.rsplit(".", 1)[0]]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    tmp = tmp_path_factory.mktemp("bad-input")
    folder = hostile_folder(tmp / "articles")
    env = offline_env(tmp)
    result = run_geo(env, "ingest", "articles", cwd=tmp)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return Ingested(folder, result.returncode, result.stderr, export_rows(env))


def test_every_file_was_seen_and_the_exit_code_says_some_were_skipped(
        ingested: Ingested) -> None:
    assert ingested.returncode == 1, ingested.stderr  # documented: skipped files, rest kept
    total = len(REFUSED) + len(INGESTED)
    assert len(list(ingested.folder.glob("*.txt")) + list(ingested.folder.glob("*.html"))) \
        == total
    summary = ingested.stderr.strip().splitlines()[-1]
    assert summary.startswith(
        f"ingest: {len(INGESTED)} added, 0 updated, 0 unchanged, {len(REFUSED)} failed; "
        f"{sum(INGESTED.values())} incidents in "), ingested.stderr


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_refused_file_is_named_with_its_cause(ingested: Ingested, name: str) -> None:
    assert any(line.startswith("[") and f"] skipped articles/{name}: {REFUSED[name]}" in line
               for line in ingested.stderr.splitlines()), ingested.stderr
    assert not ingested.of(name)


@pytest.mark.parametrize("name", sorted(INGESTED))
def test_each_readable_file_gives_its_incidents(ingested: Ingested, name: str) -> None:
    n = INGESTED[name]
    assert f"articles/{name}: {n} incident{'s' if n != 1 else ''}" in ingested.stderr
    assert len(ingested.of(name)) == n, [r["place"] for r in ingested.of(name)]


def test_windows_1252_and_mixed_files_are_decoded_not_garbled(ingested: Ingested) -> None:
    (cp,) = ingested.of("cp1252.txt")
    assert (cp["prison_id"], cp["types"]) == ("cp-fleury-merogis", "arson")
    assert "véhicules ont été incendiés" in cp["evidence"]
    (mixed,) = ingested.of("mixed.txt")
    assert (mixed["prison_id"], mixed["types"], mixed["injured"]) == ("ma-evreux", "gunfire",
                                                                      "0")
    assert "Aucun blessé n’est à déplorer" in mixed["evidence"]
    assert "\ufffd" not in "".join(r["evidence"] for r in ingested.rows)


def test_html_scripts_are_neither_text_nor_incidents(ingested: Ingested) -> None:
    (row,) = ingested.of("script.html")
    assert (row["prison_id"], row["types"]) == ("cp-fresnes", "gunfire")
    everything = json.dumps(ingested.rows)
    assert "alert" not in everything and "onerror" not in everything
    assert not [r for r in ingested.rows if r["place"].startswith("Marseille")
                and r["article"] == "script"]


def test_deep_and_long_files_within_the_limit_are_read_and_bounded(
        ingested: Ingested) -> None:
    """They are ingested (in linear time: the old quadratic code outlived the subprocess
    timeout), and one story told thousands of times (only its numbers change) is read
    once: one quote per field, not megabytes a spreadsheet would cut."""
    (deep,) = ingested.of("deep.html")
    assert deep["prison_id"] == "ma-valenciennes"
    (long,) = ingested.of("long.txt")
    assert (long["prison_id"], long["types"]) == ("ma-nice", "arson")
    assert long["evidence"].count("Cars were set ablaze") == 1
    assert all(len(v) < 32_767 for row in ingested.rows for v in row.values())


def test_a_future_publication_date_is_dropped_with_a_warning(ingested: Ingested) -> None:
    assert "warning: " in ingested.stderr and "future.meta.json: 'published' 2099-01-01 is " \
        "in the future; ignored" in ingested.stderr
    (row,) = ingested.of("future.txt")
    assert row["first_reported"] == "" and row["event_date"] == ""  # unknown, not 2098
    assert row["sources"] == "Futur" and row["prison_id"] == "cp-nanterre"


def test_an_article_with_no_place_is_listed_not_pinned(ingested: Ingested) -> None:
    (row,) = ingested.of("no-place.txt")
    assert (row["geo_precision"], row["lat"], row["lon"], row["types"]) == (
        "country", "", "", "assault")


def test_five_hundred_places_never_make_five_hundred_pins(ingested: Ingested) -> None:
    """A bare list of towns has no attack vocabulary: nothing. Protests "in" 500 towns
    are one nationwide protest (listed under the map, quoting the sentence), not 500
    pins that all quote one sentence and bury the map."""
    assert MAX_PLACES_PER_SENTENCE < 500
    assert ingested.of("towns-500.txt") == []
    (row,) = ingested.of("protests-500.txt")
    assert (row["types"], row["geo_precision"], row["lat"], row["event_date"]) == (
        "protest", "country", "", "2024-05-14")
    assert "Prison guards protested outside prisons in Paris, Marseille" in row["evidence"]


def test_a_french_article_gives_the_right_incident(ingested: Ingested) -> None:
    (row,) = ingested.of("fr-nimes.txt")
    assert {k: row[k] for k in ("event_date", "date_precision", "types", "prison_id",
                                "department", "injured", "sources", "geo_precision")} == {
        "event_date": "2025-03-03", "date_precision": "day", "types": "gunfire",
        "prison_id": "ma-nimes", "department": "Gard", "injured": "0",
        "sources": "Midi Libre (2025-03-04)", "geo_precision": "commune",
    }
    assert "des tirs d’arme automatique ont visé la maison d’arrêt de Nîmes" in row["evidence"]


def test_the_good_seed_is_intact(ingested: Ingested) -> None:
    rows = ingested.of(f"{SEED}.txt")
    assert {r["prison_id"] for r in rows} >= {"cp-toulon-la-farlede", "cp-nanterre",
                                              "cp-valence", "ma-nimes", "cp-aix-luynes",
                                              "cp-seine-saint-denis"}
    assert all(r["event_date"] == "2025-04-14" for r in rows)


def test_deeply_nested_json_is_a_clear_error_not_a_traceback(geo_env: dict[str, str],
                                                              tmp_path: Path) -> None:
    """Issue 18, item 11: a sidecar or corrections file of deeply nested arrays."""
    folder = tmp_path / "nested"
    folder.mkdir()
    (folder / "a.txt").write_text("Shots were fired at the prison of Toulon.", "utf-8")
    (folder / "a.meta.json").write_text("[" * 20_000 + "]" * 20_000, "utf-8")
    result = run_geo(geo_env, "ingest", folder)
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert "a.txt" in result.stderr and "nested too deeply" in result.stderr
    corrections = tmp_path / "corrections.json"
    corrections.write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    result = run_geo({**geo_env, "GEO_CORRECTIONS": str(corrections)}, "ingest", folder)
    assert "Traceback" not in result.stderr and result.returncode == 2
    assert "nested too deeply" in result.stderr


def test_export_file_gets_the_usual_mode(geo_env: dict[str, str], tmp_path: Path) -> None:
    assert run_geo(geo_env, "ingest", SEEDS).returncode == 0
    out = tmp_path / "x.csv"
    assert run_geo(geo_env, "export", "-o", out).returncode == 0
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # as any file the user makes, not 0600
