"""Synthetic data for benchmarks: realistic articles, and incidents straight to a store.

Articles are built from English and French templates about random French
communes and prisons (types, dates, casualties vary), padded with the kind of
context paragraphs real reports carry (ministers, unions, background) to about
3,000 characters. Seeded, so every run measures the same corpus.

    python -m benchmarks.synth articles DIR --count 1000
    python -m benchmarks.synth incidents --count 100000   # into GEO_DB
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path

from geo.model import INCIDENT_TYPES, Evidence, Incident, Source, primary_type
from geo.prisons import Prison, load_prisons

NUMBERS_EN = ["no", "one", "two", "three", "four", "five", "six"]
NUMBERS_FR = ["aucun", "un", "deux", "trois", "quatre", "cinq", "six"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
SOURCES = [
    ("Le Monde", "fr"), ("Le Parisien", "fr"), ("Ouest-France", "fr"), ("La Provence", "fr"),
    ("France Info", "fr"), ("Reuters", "en"), ("AP", "en"), ("The Guardian", "en"),
    ("France 24", "en"), ("The New York Times", "en"),
]

EVENTS_EN = {
    "gunfire": "Shots were fired at the entrance of the {prison} {when}, leaving bullet holes "
               "in the gate, the prosecutor's office said.",
    "arson": "Several cars were set ablaze in the staff car park of the {prison} {when}, and an "
             "incendiary device was found near the visitors' entrance.",
    "vandalism": "Tags threatening guards were spray-painted on the walls of the {prison} {when}.",
    "assault": "{injured_cap} guards were injured when an inmate attacked them at the {prison} "
               "{when}.",
    "ambush": "A prison convoy was ambushed {when} near {commune} as it left the {prison}, "
              "killing {killed} guards and injuring {injured} others.",
    "protest": "Guards blocked the entrance of the {prison} {when} to protest against violence.",
    "riot": "Inmates set fire to mattresses and took control of a wing of the {prison} {when}.",
}
EVENTS_FR = {
    "gunfire": "Des tirs ont visé l'entrée du {prison} {when}, a indiqué le parquet.",
    "arson": "Plusieurs voitures ont été incendiées sur le parking du personnel du {prison} "
             "{when}.",
    "vandalism": "Des tags menaçant les surveillants ont été peints sur le mur du {prison} {when}.",
    "assault": "{injured_cap} surveillants ont été blessés par un détenu au {prison} {when}.",
    "ambush": "Un fourgon pénitentiaire a été attaqué {when} près de {commune} à la sortie du "
              "{prison}, faisant {killed} morts et {injured} blessés parmi les agents.",
    "protest": "Les surveillants ont bloqué l'entrée du {prison} {when} pour protester contre "
               "les violences.",
    "riot": "Des détenus ont mis le feu à des matelas et pris le contrôle d'une aile du {prison} "
            "{when}.",
}
CONTEXT_EN = [
    "The Justice Minister said he would visit {other} later this week to meet staff.",
    "An investigation has been opened by the prosecutor in {other}.",
    "Unions have warned for months about understaffing and overcrowding in French prisons, "
    "where occupancy often exceeds 120 percent of capacity.",
    "The government has promised new high-security units and more equipment for guards, "
    "a plan criticised by rights groups as likely to worsen conditions.",
    "\u201cWe are exhausted and we are targets,\u201d a union representative told local radio, "
    "adding that staff no longer felt safe leaving work at night.",
    "Similar incidents were reported last year, and the authorities say they are examining "
    "whether the attacks are linked to drug trafficking networks.",
]
CONTEXT_FR = [
    "Le garde des Sceaux a annoncé qu'il se rendrait à {other} dans la semaine.",
    "Une enquête a été ouverte par le parquet de {other}.",
    "Les syndicats alertent depuis des mois sur le manque d'effectifs et la surpopulation "
    "carcérale, qui dépasse souvent 120 % dans les maisons d'arrêt.",
    "Le gouvernement a promis de nouveaux quartiers de haute sécurité et davantage "
    "d'équipements pour les agents, un plan critiqué par les associations.",
    "\u00ab Nous sommes épuisés et nous sommes des cibles \u00bb, a déclaré un représentant "
    "syndical à la radio locale.",
    "Des faits similaires avaient été signalés l'an dernier, et les enquêteurs cherchent à "
    "savoir s'ils sont liés aux réseaux de trafic de stupéfiants.",
]


def _when(rng: random.Random, published: dt.date, lang: str) -> str:
    days = rng.choice([0, 1, 1, 2])
    day = published - dt.timedelta(days=days)
    if lang == "fr":
        if days == 0:
            return "ce " + WEEKDAYS_FR[day.weekday()] + " matin"
        if days == 1:
            return "dans la nuit de " + WEEKDAYS_FR[(day.weekday() - 1) % 7] + " à " + (
                WEEKDAYS_FR[day.weekday()])
        return f"le {WEEKDAYS_FR[day.weekday()]} {day.day}"
    if days == 1 and rng.random() < 0.5:
        return "overnight"
    return "on " + WEEKDAYS_EN[day.weekday()]


def synthetic_article(rng: random.Random, prisons: list[Prison], index: int) -> tuple[str, dict]:
    """One article text and its sidecar."""
    prison = rng.choice(prisons)
    other = rng.choice(prisons)
    source, lang = rng.choice(SOURCES)
    published = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 4000))
    kind = rng.choice(list(EVENTS_EN))
    killed, injured = rng.choice([(0, 0), (0, 1), (0, 3), (1, 2), (2, 3)])
    numbers = NUMBERS_FR if lang == "fr" else NUMBERS_EN
    label = (
        f"prison de {prison.short_name}" if lang == "fr" else f"{prison.short_name} prison"
    )
    event = (EVENTS_FR if lang == "fr" else EVENTS_EN)[kind].format(
        prison=label, when=_when(rng, published, lang), commune=prison.commune,
        killed=numbers[killed], injured=numbers[injured],
        injured_cap=numbers[max(injured, 1)].capitalize(),
    )
    context = CONTEXT_FR if lang == "fr" else CONTEXT_EN
    paragraphs = [event]
    while sum(len(p) for p in paragraphs) < 2900:
        paragraphs.append(rng.choice(context).format(other=other.commune))
    name = prison.short_name
    title = f"{name} : {kind}" if lang == "fr" else f"{kind.title()} at {name}"
    meta = {
        "title": title, "source": source, "published": published.isoformat(),
        "language": lang, "url": f"https://example.org/{lang}/{index}",
    }
    return "\n\n".join(paragraphs), meta


def write_articles(folder: Path, count: int, seed: int = 1) -> list[Path]:
    """Write `count` synthetic articles (+ sidecars) into `folder`."""
    rng = random.Random(seed)
    prisons = load_prisons()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        text, meta = synthetic_article(rng, prisons, i)
        path = folder / f"synth_{i:06d}.txt"
        path.write_text(text, "utf-8")
        (folder / f"synth_{i:06d}.meta.json").write_text(json.dumps(meta), "utf-8")
        paths.append(path)
    return paths


def synthetic_incidents(count: int, seed: int = 1) -> Iterator[Incident]:
    """Incidents at random prisons and nearby points, as extraction would make them."""
    rng = random.Random(seed)
    prisons = load_prisons()
    types = list(INCIDENT_TYPES)
    for i in range(count):
        prison = rng.choice(prisons)
        source_name, lang = rng.choice(SOURCES)
        published = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 5800))
        chosen = sorted(set(rng.sample(types, rng.choice([1, 1, 2]))))
        at_prison = rng.random() < 0.6
        precision = "facility" if at_prison else rng.choice(
            ["commune", "commune", "approximate", "department", "country"]
        )
        lat = prison.lat + (0 if at_prison else rng.uniform(-0.3, 0.3))
        lon = prison.lon + (0 if at_prison else rng.uniform(-0.3, 0.3))
        article_id = hashlib.sha256(f"synth-{seed}-{i}".encode()).hexdigest()[:16]
        quote = f"Synthetic report {i}: {', '.join(chosen)} at {prison.name}."
        yield Incident(
            incident_id=hashlib.sha256(f"{article_id}|{prison.id}".encode()).hexdigest()[:16],
            event_date=published - dt.timedelta(days=rng.choice([0, 1])),
            date_precision="day",
            first_reported=published,
            types=chosen,
            primary_type=primary_type(chosen),
            place=prison.short_name if at_prison else prison.commune,
            commune=prison.commune,
            insee=prison.insee,
            department=prison.department,
            region=prison.region,
            lat=None if precision in ("department", "country") else lat,
            lon=None if precision in ("department", "country") else lon,
            geo_precision=precision,
            radius_km=10.0 if precision == "approximate" else None,
            prison_id=prison.id if at_prison else None,
            target="prison" if at_prison else rng.choice(["staff_home", "staff_vehicle", "convoy"]),
            killed=rng.choice([None, 0, 0, 1]),
            injured=rng.choice([None, 0, 1, 2, 3]),
            sources=[Source(source=source_name, title=f"Report {i}", published=published,
                            language=lang, article=f"synth_{i:06d}", article_id=article_id)],
            evidence=[Evidence("types", quote, article_id, 0, len(quote))],
            confidence=round(rng.uniform(0.4, 0.95), 2),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    a = sub.add_parser("articles", help="write synthetic articles into a folder")
    a.add_argument("folder", type=Path)
    a.add_argument("--count", type=int, default=1000)
    a.add_argument("--seed", type=int, default=1)
    i = sub.add_parser("incidents", help="fill the store (GEO_DB) with synthetic incidents")
    i.add_argument("--count", type=int, default=100_000)
    i.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.what == "articles":
        paths = write_articles(args.folder, args.count, args.seed)
        print(f"wrote {len(paths)} articles to {args.folder}")
    else:
        from geo.store import Store

        store = Store()
        store.add_incidents(list(synthetic_incidents(args.count, args.seed)))
        print(f"added {args.count} synthetic incidents to {store.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
