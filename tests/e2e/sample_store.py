"""A small, deterministic incident store for the dashboard's AppTest and browser tests.

Built with `Store.add_incidents`, so the tests do not depend on extraction: every
type the tests filter on is there, with approximate and department-level
locations, a merged multi-source incident, and hostile text (HTML/JS in titles,
URLs and evidence) that must come out escaped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from geo.model import Evidence, Incident, Source, primary_type

XSS = "<img src=x onerror=alert(1)>"
XSS_URL = "javascript:alert(1)"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"clic\")"


def _inc(n: int, day: str, types: list[str], place: str, dept: str, lat: float | None,
         lon: float | None, precision: str, *, prison: str | None = None,
         radius: float | None = None, sources: list[Source] | None = None,
         quote: str = "", killed: int | None = None, injured: int | None = None,
         date_precision: str = "day") -> Incident:
    when = dt.date.fromisoformat(day)
    srcs = sources or [Source(source="Le Parisien", title=f"Attaque {n}",
                              url=f"https://www.leparisien.fr/faits-divers/{n}.php",
                              published=when)]
    return Incident(
        incident_id=f"t{n:03d}", event_date=when, date_precision=date_precision,
        first_reported=when, types=types, primary_type=primary_type(types), place=place,
        commune=place if precision in {"facility", "commune", "approximate"} else None,
        department=dept or None, region=None, lat=lat, lon=lon, geo_precision=precision,
        radius_km=radius, prison_id=prison, target="prison", killed=killed, injured=injured,
        sources=srcs,
        evidence=[Evidence(field="types", quote=quote or f"Des tirs ont visé la prison ({n}).")],
        confidence=0.8, status="auto",
    )


def sample_incidents() -> list[Incident]:
    """14 incidents: 5 gunfire, 3 arson, 1 ambush, 1 escape, 1 protest, 1 riot, 2 unpinned."""
    afp = Source(source="AFP", title="Vague d'attaques contre les prisons",
                 url="https://www.afp.com/fr/a/1", published=dt.date(2025, 4, 15))
    evil = Source(source=f"Blog {XSS}", title=f"Titre {XSS}", url=XSS_URL,
                  published=dt.date(2025, 4, 16))
    return [
        _inc(1, "2025-04-14", ["gunfire"], "La Farlède", "Var", 43.16866, 6.04323, "facility",
             prison="cp-toulon-la-farlede", sources=[afp], injured=0,
             quote="Des tirs à l'arme automatique ont visé l'entrée de la prison de Toulon."),
        _inc(2, "2025-04-14", ["gunfire", "arson"], "Marseille", "Bouches-du-Rhône",
             43.29695, 5.38107, "facility", prison="cp-marseille"),
        _inc(3, "2025-04-15", ["arson"], "Nanterre", "Hauts-de-Seine", 48.89198, 2.20675,
             "facility", prison="cp-nanterre"),
        _inc(4, "2025-04-15", ["gunfire"], "Valence", "Drôme", 44.92560, 4.90956, "facility",
             prison="cp-valence", sources=[evil],
             quote=f"Évidence {XSS} <script>alert(2)</script>"),
        _inc(5, "2025-04-15", ["arson"], "Villepinte", "Seine-Saint-Denis", 48.96203, 2.53253,
             "facility", prison="cp-seine-saint-denis"),
        _inc(6, "2025-04-16", ["gunfire"], "Nîmes", "Gard", 43.83665, 4.35788, "facility",
             prison="ma-nimes"),
        _inc(7, "2025-03-02", ["arson"], "Aix-en-Provence", "Bouches-du-Rhône", 43.5283,
             5.44973, "commune", prison="cp-aix-luynes", date_precision="month"),
        _inc(8, "2024-05-14", ["ambush"], "Incarville", "Eure", 49.2423, 1.1762, "commune",
             killed=2, injured=3, quote="Deux agents ont été tués lors de l'attaque du fourgon."),
        _inc(9, "2024-09-10", ["escape"], "Alençon", "Orne", 48.43197, 0.03398, "facility",
             prison="cp-alencon-conde-sur-sarthe"),
        _inc(10, "2024-11-20", ["protest"], "Fresnes", "Val-de-Marne", 48.75568, 2.32241,
             "facility", prison="cp-fresnes"),
        _inc(11, "2025-01-08", ["gunfire"], "near Lyon", "Rhône", 45.80, 4.75, "approximate",
             radius=15.0),
        _inc(12, "2025-02-11", ["riot"], "Valenciennes", "Nord", 50.35909, 3.52506, "facility",
             prison="ma-valenciennes", sources=[Source(
                 source="La Voix du Nord", title=FORMULA, url="https://www.lavoixdunord.fr/1",
                 published=dt.date(2025, 2, 12))]),
        _inc(13, "2025-04-17", ["vandalism"], "Isère", "Isère", 45.26, 5.57, "department"),
        _inc(14, "2025-04-18", ["attack"], "France", "", None, None, "country"),
    ]


#: How many sample incidents carry each type (for assertions).
TYPE_COUNTS = {"gunfire": 5, "arson": 4, "ambush": 1, "escape": 1, "protest": 1, "riot": 1,
               "vandalism": 1, "attack": 1}
PINNED = 12


def make_store(path: Path) -> Path:
    """Create a store at `path` holding the sample incidents; return the path."""
    from geo.store import Store

    with Store(path) as store:
        store.add_incidents(sample_incidents())
    return path
