"""The geocoder: context-aware homonyms, fallbacks, online providers and their failures, CLI."""

from __future__ import annotations

import io
import json
import logging
import sqlite3

import pytest
from fakes.geoserver import FakeGeocodingServer, refused_url
from fakes.sample import SAMPLE_PRISONS, sample_gazetteer, sample_index_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.errors import GeoError
from geo.geocoder import Geocoder, GeoContext
from geo.providers.ban import BANProvider
from geo.providers.nominatim import NominatimProvider

MARSEILLE = (43.2970, 5.3811)
TOULOUSE = (43.6045, 1.4440)
TOURS = (47.3936, 0.6848)
NANTERRE = (48.8924, 2.2071)
NIMES = (43.8367, 4.3601)


@pytest.fixture(scope="module")
def geo() -> Geocoder:
    return Geocoder(online=[], gazetteer=sample_gazetteer())


@pytest.fixture
def server():
    with FakeGeocodingServer() as s:
        yield s


def online(tmp_path, *providers) -> Geocoder:
    return Geocoder(gazetteer=sample_gazetteer(), providers=list(providers),
                    cache_path=tmp_path / "cache.sqlite")


def where(p) -> tuple:
    return (p.name, p.kind, p.precision, p.department_code)


# ------------------------------------------------------------ offline answers


@pytest.mark.parametrize(("query", "expected"), [
    ("Nimes", ("Nîmes", "commune", "commune", "30")),
    ("Nîmes", ("Nîmes", "commune", "commune", "30")),
    ("Marseilles", ("Marseille", "commune", "commune", "13")),
    ("Aix-Luynes", ("Centre pénitentiaire d'Aix-Luynes", "facility", "facility", "13")),
    ("the Baumettes", ("Centre pénitentiaire de Marseille-Baumettes", "facility", "facility",
                       "13")),
    ("Villepinte, Seine-Saint-Denis", ("Villepinte", "commune", "commune", "93")),
    ("Bey (Saône-et-Loire)", ("Bey", "commune", "commune", "71")),
    ("Valence (Tarn-et-Garonne)", ("Valence", "commune", "commune", "82")),
    ("Valence, 82", ("Valence", "commune", "commune", "82")),
    ("Saint-Denis (La Réunion)", ("Saint-Denis", "commune", "commune", "974")),
    ("the Drôme", ("Drôme", "department", "department", "26")),
    ("Seine-Saint-Denis", ("Seine-Saint-Denis", "department", "department", "93")),
    ("Eure department", ("Eure", "department", "department", "27")),
    ("Fresnes prison", ("Centre pénitentiaire de Fresnes", "facility", "facility", "94")),
    ("prison de Toulon", ("Centre pénitentiaire de Toulon-La Farlède", "facility", "facility",
                          "83")),
])
def test_offline_answers(geo, query, expected):
    p = geo.geocode(query)
    assert where(p) == expected
    assert p.query == query and p.provider == "gazetteer" and p.reason is None


@pytest.mark.parametrize(("query", "name", "insee", "former"), [
    ("Incarville, Eure", "Incarville", "27351", None),
    ("Chauconin", "Chauconin-Neufmontiers", "77335", "Chauconin"),
    ("Chauconin, Seine-et-Marne", "Chauconin-Neufmontiers", "77335", "Chauconin"),
    ("Marseille 9e", "Marseille 9e arrondissement", "13209", None),
    ("Paris 14e", "Paris 14e arrondissement", "75114", None),
    ("chateauneuf du pape, vaucluse", "Châteauneuf-du-Pape", "84037", None),
    ("Saint Etienne du Rouvray", "Saint-Étienne-du-Rouvray", "76575", None),
    ("Bey, Ain", "Bey", "01042", None),  # a village GeoNames cities500 lacks
])
def test_every_commune_resolves_with_its_insee_code(geo, query, name, insee, former):
    p = geo.geocode(query)
    assert (p.name, p.insee, p.former_name, p.precision) == (name, insee, former, "commune")


def test_a_tiny_homonym_does_not_beat_the_city(geo):
    assert geo.geocode("Valence").insee == "26362"  # not Valence (Charente), 500 people
    assert geo.geocode("Marseille").insee == "13055"  # not an arrondissement
    assert geo.geocode("Nice").department_code == "06"
    # a GeoNames quarter of Montluçon (13,577 people) is not the Guadeloupe commune (12,816)
    assert geo.geocode("Saint-François").insee == "97125"


def test_without_context_population_and_a_prison_decide(geo):
    p = geo.geocode("Valence")
    assert p.department_code == "26" and p.insee == "26362"
    alt = {a["department_code"] for a in p.alternatives if a["name"] == "Valence"}
    assert alt == {"82", "16"}  # the rejected homonyms are listed, with their scores
    assert all(a["score"] < 100 for a in p.alternatives)


@pytest.mark.parametrize(("name", "context", "dept"), [
    ("Valence", GeoContext(near=[TOULOUSE]), "82"),
    ("Valence", GeoContext(near=[MARSEILLE, NIMES]), "26"),
    ("Villepinte", GeoContext(near=[TOULOUSE]), "11"),
    ("Villepinte", GeoContext(near=[NANTERRE, MARSEILLE]), "93"),
    ("Villepinte", GeoContext(department="Aude"), "11"),
    ("Villepinte", GeoContext(department="93"), "93"),
    ("Valence", GeoContext(region="Occitanie"), "82"),
    ("Luynes", GeoContext(near=[TOURS]), "37"),
    ("Luynes", GeoContext(near=[MARSEILLE]), "13"),
])
def test_homonyms_resolved_by_context(geo, name, context, dept):
    assert geo.geocode(name, context).department_code == dept


def test_context_points_change_the_answer_not_the_first_hit(geo):
    south = geo.geocode("Villepinte", GeoContext(near=[TOULOUSE]))
    north = geo.geocode("Villepinte", GeoContext(near=[NANTERRE]))
    assert south.department_code != north.department_code
    assert north.alternatives[0]["department_code"] == south.department_code


def test_luynes_near_aix_is_the_prison(geo):
    p = geo.geocode("Luynes", GeoContext(near=[MARSEILLE]))
    assert p.kind == "facility" and p.prison_id == "cp-aix-luynes"


def test_explicit_department_without_the_place_falls_back_to_the_department(geo):
    p = geo.geocode("Villepinte (Jura)")
    assert (p.kind, p.precision, p.department_code, p.name) == (
        "department", "department", "39", "Jura")
    assert p.resolved and "Villepinte" in p.reason and "Jura" in p.reason
    assert {a["department_code"] for a in p.alternatives} == {"93", "11"}  # rejected, not pinned


def test_context_department_is_a_constraint_too(geo):
    p = geo.geocode("Villepinte", GeoContext(department="Jura"))
    assert p.precision == "department" and p.department_code == "39"


def test_unknown_name_is_unresolved_with_a_reason(geo):
    p = geo.geocode("Xyzzyville")
    assert not p.resolved and p.lat is None and p.lon is None
    assert "not in the offline gazetteer" in p.reason


@pytest.mark.parametrize("bad", ["", "   ", "()", ",", "(Ain)", ", Drôme", "!!!"])
def test_degenerate_names_never_raise(geo, bad):
    p = geo.geocode(bad)
    assert p.query is not None
    if not p.resolved:
        assert p.reason


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_text_returns_a_place(text):
    p = Geocoder(online=[], gazetteer=sample_gazetteer()).geocode(text)
    assert p.resolved == (p.lat is not None) == (p.lon is not None)
    assert p.resolved or p.reason


# ------------------------------------------------------------------ online


def test_online_is_off_by_default(monkeypatch):
    monkeypatch.delenv("GEO_ONLINE", raising=False)
    assert Geocoder(gazetteer=sample_gazetteer()).providers == []
    monkeypatch.setenv("GEO_ONLINE", "nominatim,ban")
    monkeypatch.setenv("GEO_OFFLINE", "1")
    assert Geocoder(gazetteer=sample_gazetteer()).providers == []


def test_online_enabled_by_environment(monkeypatch, server):
    monkeypatch.delenv("GEO_OFFLINE", raising=False)
    monkeypatch.setenv("GEO_ONLINE", "ban,nominatim")
    monkeypatch.setenv("GEO_NOMINATIM_URL", server.nominatim_url)
    monkeypatch.setenv("GEO_BAN_URL", server.ban_url)
    g = Geocoder(gazetteer=sample_gazetteer())
    assert [p.name for p in g.providers] == ["ban", "nominatim"]
    assert g.providers[0].url == server.ban_url


def test_online_answer_improves_a_department_fallback(tmp_path, server):
    g = online(tmp_path, NominatimProvider(server.nominatim_url, min_interval=0))
    p = g.geocode("Villepinte (Jura)")
    assert (p.name, p.kind, p.precision, p.department_code, p.provider, p.insee) == (
        "Villepinte", "commune", "commune", "39", "nominatim", "39999")
    assert p.department == "Jura" and p.region == "Bourgogne-Franche-Comté"
    req = server.requests_to("nominatim")[0]
    assert req.params["q"] == "Villepinte" and "prison-attacks-map" in req.headers["User-Agent"]
    assert req.params["bounded"] == "1"  # the department as a box, not as words


def test_online_is_not_asked_when_the_gazetteer_is_precise(tmp_path, server):
    g = online(tmp_path, BANProvider(server.ban_url))
    assert g.geocode("Nîmes").provider == "gazetteer"
    assert server.requests == []


def test_online_answers_are_cached(tmp_path, server):
    g = online(tmp_path, BANProvider(server.ban_url))
    first = g.geocode("Hameau-Imaginaire")
    assert first.provider == "ban" and first.insee == "38999"
    g.close()
    again = online(tmp_path, BANProvider(server.ban_url)).geocode("Hameau-Imaginaire")
    assert again.to_dict() == first.to_dict()
    assert len(server.requests) == 1


def test_negative_answers_are_cached_with_an_expiry(tmp_path, server):
    g = online(tmp_path, BANProvider(server.ban_url))
    assert not g.geocode("Nowhere-Land").resolved
    assert not g.geocode("Nowhere-Land").resolved
    assert len(server.requests) == 1
    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        rows = db.execute("SELECT result, expires FROM answers").fetchall()
    assert len(rows) == 1 and rows[0][0] is None and rows[0][1] is not None


def test_online_answer_outside_the_required_department_is_rejected(tmp_path, server):
    g = online(tmp_path, BANProvider(server.ban_url))
    p = g.geocode("Hameau-Imaginaire (Drôme)")  # the fake service knows it in Isère only
    assert p.precision == "department" and p.department_code == "26"
    assert p.provider == "gazetteer"


@pytest.mark.parametrize(("fault", "log_text"), [
    ("timeout", "timed out"),
    ("429", "rate-limited"),
    ("500", "service error"),
    ("malformed", "unreadable answer"),
    ("close", "unreachable"),
    ("nan", "unexpected answer"),
    ("abroad", "answer outside France"),
    ("error_json", "answer is not a list"),
    ("list_json", "malformed place"),
    ("redirect", "redirect to another host"),
])
def test_provider_faults_end_in_a_log_line_and_the_offline_answer(
        tmp_path, server, caplog, fault, log_text):
    server.fail(fault, retry_after="30", delay=1.0)
    g = online(tmp_path, NominatimProvider(server.nominatim_url, timeout=0.3, min_interval=0))
    with caplog.at_level(logging.WARNING, logger="geo.geocoder"):
        p = g.geocode("Villepinte (Jura)")
    assert p.precision == "department" and p.provider == "gazetteer"  # the offline answer
    lines = [r.getMessage() for r in caplog.records if r.name == "geo.geocoder"]
    assert len(lines) == 1 and log_text in lines[0] and "offline answer" in lines[0]
    assert len(g.cache) == 0  # a failure is never cached as a result


def test_a_wrong_answer_already_cached_is_not_trusted(tmp_path, server):
    """A cache filled by a broken service (Sydney, claiming the Jura) before this check
    existed: the answer is ignored, the offline answer stands (the sample gazetteer has
    no Villepinte in the Jura)."""
    g = online(tmp_path, NominatimProvider(server.nominatim_url, min_interval=0))
    sydney = {"query": "Villepinte", "name": "Villepinte", "lat": -33.87, "lon": 151.21,
              "kind": "commune", "precision": "commune", "provider": "nominatim",
              "department_code": "39"}
    g.cache.put("villepinte", "dept=39|region=", "nominatim", [sydney])
    p = g.geocode("Villepinte (Jura)")
    assert p.provider == "gazetteer" and p.precision == "department"
    assert server.requests == []


def test_connection_refused_ends_in_the_offline_answer(tmp_path, caplog):
    g = online(tmp_path, BANProvider(refused_url(), timeout=1.0))
    with caplog.at_level(logging.WARNING, logger="geo.geocoder"):
        p = g.geocode("Villepinte (Jura)")
    assert p.precision == "department"
    assert "unreachable" in caplog.text and len(g.cache) == 0


def test_after_a_failure_the_next_provider_is_tried(tmp_path, server):
    server.fail("500")
    g = online(tmp_path, NominatimProvider(server.nominatim_url, min_interval=0),
               BANProvider(server.ban_url))
    p = g.geocode("Villepinte (Jura)")
    assert p.provider == "ban" and p.department_code == "39"


@pytest.mark.parametrize("fault", ["timeout", "500", "429"])
def test_a_failed_provider_is_skipped_for_the_rest_of_the_run(tmp_path, server, caplog, fault):
    """One slow or broken service costs one timeout per run, not one per place name."""
    server.always(fault, retry_after="1", delay=1.0)
    g = online(tmp_path, NominatimProvider(server.nominatim_url, timeout=0.3, min_interval=0),
               BANProvider(server.ban_url, timeout=0.3))
    with caplog.at_level(logging.WARNING, logger="geo.geocoder"):
        places = [g.geocode(n) for n in ("Villepinte (Jura)", "Hameau-Imaginaire", "Nowhere-Land")]
    assert not any(p.provider in ("nominatim", "ban") for p in places)
    # (after a 429 the gate of the one fake host blocks BAN before it sends anything)
    assert len(server.requests_to("nominatim")) == 1 and len(server.requests_to("ban")) <= 1
    assert set(g.failed_providers) == {"nominatim", "ban"}
    assert sum("not asked again in this run" in r.getMessage() for r in caplog.records) == 2
    if fault != "429":  # (after a 429 the whole process waits for Retry-After)
        server.always(None)
        again = online(tmp_path, BANProvider(server.ban_url)).geocode("Hameau-Imaginaire")
        assert again.provider == "ban"  # the next run asks again: nothing was cached


def test_online_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GEO_ONLINE_TIMEOUT", "2.5")
    assert NominatimProvider("http://127.0.0.1:9").timeout == 2.5
    assert BANProvider("http://127.0.0.1:9", timeout=1).timeout == 1
    monkeypatch.setenv("GEO_ONLINE_TIMEOUT", "soon")
    with pytest.raises(GeoError, match="GEO_ONLINE_TIMEOUT='soon'"):
        BANProvider("http://127.0.0.1:9")


# --------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_INDEX_DIR", str(sample_index_dir()))
    monkeypatch.setenv("GEO_PRISONS", str(SAMPLE_PRISONS))
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "cache.sqlite"))
    monkeypatch.delenv("GEO_ONLINE", raising=False)


def test_cli_json(cli_env, capsys):
    assert main(["geocode", "--json", "Nimes", "Villepinte (Jura)", "Xyzzyville"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["query"] for o in out] == ["Nimes", "Villepinte (Jura)", "Xyzzyville"]
    for key in ("query", "name", "lat", "lon", "kind", "precision", "provider", "insee",
                "department", "alternatives"):
        assert all(key in o for o in out)
    assert out[0]["name"] == "Nîmes" and out[0]["department"] == "Gard"
    assert out[1]["precision"] == "department" and out[1]["reason"]
    assert out[2]["lat"] is None and out[2]["lon"] is None and out[2]["reason"]


def test_cli_reads_names_from_stdin(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Marseilles\n\nthe Baumettes\n"))
    assert main(["geocode", "--json", "-"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["name"] for o in out] == ["Marseille", "Centre pénitentiaire de Marseille-Baumettes"]


def test_cli_online_flag_and_context(cli_env, capsys, server, monkeypatch):
    monkeypatch.setenv("GEO_NOMINATIM_URL", server.nominatim_url)
    assert main(["geocode", "--json", "--online", "nominatim", "--department", "Jura",
                 "Villepinte"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["provider"] == "nominatim" and out[0]["department_code"] == "39"


def test_cli_without_names_is_an_error(cli_env, capsys):
    assert main(["geocode"]) == 2
    assert "no names" in capsys.readouterr().err


def test_cli_unknown_provider_is_an_error(cli_env, capsys):
    assert main(["geocode", "--online", "gogle", "Nimes"]) == 2
    assert "unknown online provider" in capsys.readouterr().err
