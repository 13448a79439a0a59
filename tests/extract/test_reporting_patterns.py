"""Reporting patterns met in real news, one rule each, in English and French.

The sentences are written for these tests (none is taken from an article): each
states one way journalists report an attack, a place or a count.
"""

from __future__ import annotations

import datetime as dt

import pytest


def by_place(incidents):
    return {(i.commune or i.place): i for i in incidents}


def pinned(incidents):
    """What the map pins: incidents placed at a facility, a commune or a relative point."""
    return [i for i in incidents if i.geo_precision in ("facility", "commune", "approximate")]


# --- Lists continued in the next sentence, lists split by a dash -----------------------

@pytest.mark.parametrize("text", [
    "Several prisons were hit overnight, the union said. The others were in Nîmes, Valence "
    "and Nanterre.",
    "Plusieurs prisons ont été touchées cette nuit, selon le syndicat. Les autres se "
    "trouvent à Nîmes, Valence et Nanterre.",
])
def test_a_list_in_the_next_sentence_takes_its_words(extract, text: str) -> None:
    incs = extract(text)
    assert {i.prison_id for i in incs} >= {"ma-nimes", "cp-valence", "cp-nanterre"}


def test_a_clause_after_a_dash_speaks_of_the_places_before(extract) -> None:
    incs = extract("Three further incidents took place at Fresnes, Meaux and Nanterre — each "
                   "time, staff cars were set on fire.")
    assert len(incs) == 3
    assert all("arson" in i.types for i in incs)


def test_a_list_naming_a_prison_is_a_list_of_prisons(extract) -> None:
    incs = extract("Cars were burned at Aix-Luynes, Valence and Villepinte overnight.")
    assert {i.prison_id for i in incs} == {"cp-aix-luynes", "cp-valence", "cp-seine-saint-denis"}


@pytest.mark.parametrize("text, prisons", [
    ("D'autres établissements ont été visés, parmi lesquels ceux de Meaux et de Nanterre.",
     {"cp-meaux-chauconin-neufmontiers", "cp-nanterre"}),
    ("Cars were burned outside the prison of Arles and that of Tarascon.",
     {"mc-arles", "cd-tarascon"}),
])
def test_pronouns_stand_for_prisons(extract, text: str, prisons: set[str]) -> None:
    assert {i.prison_id for i in extract(text)} >= prisons


# --- Attack words --------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("The jail in Valence was struck by gunfire overnight.", "gunfire"),
    ("Fresnes prison was also hit, officials said.", "attack"),
    ("La prison de Nîmes a elle aussi été ciblée cette nuit.", "attack"),
    ("In Nancy, threats were made against a prison officer at his home.", "other"),
    ("À Metz, une surveillante a été menacée devant chez elle.", "other"),
    ("Gunmen targeted the gate of Toulon prison.", "gunfire"),
])
def test_indirect_attack_words(extract, text: str, kind: str) -> None:
    (inc,) = extract(text)
    assert kind in inc.types


@pytest.mark.parametrize("text, injured", [
    ("Un détenu a blessé deux surveillants avec une lame dans la prison de Nantes.", 2),
    ("At Lille prison, an inmate injured three guards with a razor blade on Monday.", 3),
])
def test_inmates_assaulting_staff(extract, text: str, injured: int) -> None:
    (inc,) = extract(text)
    assert inc.primary_type == "assault"
    assert inc.injured == injured


def test_an_attack_with_casualties_is_an_assault(extract) -> None:
    (inc,) = extract("It follows an attack at the prison of Metz in which four officers "
                     "were hurt.")
    assert inc.types == ["assault"] and inc.injured == 4


@pytest.mark.parametrize("text", [
    "À Dijon, deux détenus ont pris la fuite après avoir scié les barreaux.",
    "Un détenu s'est échappé de la maison d'arrêt de Dijon dimanche.",
    "Two inmates fled from the jail in Dijon on Sunday.",
])
def test_escapes(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.primary_type == "escape"
    assert inc.commune == "Dijon"


def test_riot_police_is_not_a_riot(extract) -> None:
    assert extract("Riot police stood outside the courthouse in Lyon.") == []


# --- Context that must not be pinned -----------------------------------------------------

@pytest.mark.parametrize("text", [
    "A guard's car was set on fire close to Paris overnight.",
    "La voiture d'un surveillant a été incendiée près de Lyon cette nuit.",
])
def test_near_a_metropolis_is_its_region_not_a_pin(extract, text: str) -> None:
    incs = extract(text)
    assert pinned(incs) == []
    assert [i.geo_precision for i in incs] == ["region"]


def test_near_a_town_is_still_a_point(extract) -> None:
    (inc,) = extract("A prison van was ambushed near Louviers on Tuesday.")
    assert inc.geo_precision == "approximate" and inc.lat is not None


@pytest.mark.parametrize("text", [
    "The charges concerned the killing of a man whose car was later burnt out in Nice.",
    "Il est soupçonné d'avoir commandité un meurtre, la voiture ayant été incendiée à Nice.",
])
def test_crimes_in_a_charge_sheet_are_not_incidents(extract, text: str) -> None:
    assert pinned(extract(text)) == []


# --- Places given by their role in the sentence ------------------------------------------

@pytest.mark.parametrize("text", [
    "Tarascon a été le théâtre de ces incendies, mercredi à l'aube.",
    "Tarascon was the scene of the arson attack early on Wednesday.",
])
def test_a_place_opening_the_sentence_is_its_subject(extract, text: str) -> None:
    (inc,) = extract(text, published="2025-04-16")
    assert inc.commune == "Tarascon" and "arson" in inc.types


def test_a_place_opening_a_sentence_without_incident_is_nothing(extract) -> None:
    assert extract("Tarascon is a small town on the Rhône.") == []


@pytest.mark.parametrize("text", [
    "Le fourgon a été attaqué au péage de Saint-Arnoult-en-Yvelines mardi.",
    "The prison van was ambushed at the toll station at Saint-Arnoult-en-Yvelines.",
])
def test_landmarks_are_placed_in_their_commune(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.commune == "Saint-Arnoult-en-Yvelines" and inc.primary_type == "ambush"


def test_where_a_guard_lives_when_her_home_was_attacked(extract) -> None:
    (inc,) = extract("Un départ de feu a été signalé dans le hall de l'immeuble qu'une "
                     "surveillante habite à Meaux.")
    assert inc.commune == "Meaux" and inc.target == "staff_home"


def test_where_a_guard_lives_is_context_otherwise(extract) -> None:
    incs = extract("A guard who lives in Meaux said shots were fired at Fresnes prison.")
    assert {i.prison_id for i in incs} == {"cp-fresnes"}


def test_the_qualifier_after_a_prison_name(extract) -> None:
    (inc,) = extract("Un détenu a agressé un agent dans la prison de Valence, située dans "
                     "la Drôme.")
    assert inc.prison_id == "cp-valence"


def test_a_commune_incident_folds_into_its_prison(extract) -> None:
    incs = extract("À Dijon, deux détenus se sont évadés dimanche. Ils se sont enfuis de la "
                   "maison d'arrêt de Dijon par le toit.")
    assert [i.prison_id for i in incs] == ["ma-dijon"]


def test_the_only_prison_named_places_an_unplaced_attack(extract) -> None:
    incs = extract("A gangster escaped on Sunday from the jail holding him.\n\n"
                   "His brother was visiting him at Fresnes prison when it happened.",
                   published="2018-07-02")
    (inc,) = pinned(incs)
    assert inc.prison_id == "cp-fresnes" and inc.primary_type == "escape"
    assert inc.event_date == dt.date(2018, 7, 1)


def test_two_prisons_named_place_nothing(extract) -> None:
    incs = extract("A gangster escaped on Sunday from the jail holding him.\n\n"
                   "He had been held at Fresnes prison and at Fleury-Mérogis prison.")
    assert pinned(incs) == []


# --- Counts ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Des tirs ont visé la prison de Toulon cette nuit.\n\nAucun agent n'a été touché "
    "physiquement, selon le syndicat.",
    "Shots were fired at Toulon prison overnight.\n\nA door was struck several times. "
    "Nobody is thought to have been hurt.",
    "Des tirs ont visé la prison de Toulon cette nuit. Il n'y a pas eu de blessé.",
])
def test_nobody_hurt(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert inc.injured == 0


@pytest.mark.parametrize("text", [
    "La prison de Metz a été attaquée lundi 10 mars 2025.",  # the 10th was a Monday
    "Metz prison was attacked on Monday, March 10, 2025.",
])
def test_a_weekday_that_fits_its_date(extract, text: str) -> None:
    (inc,) = extract(text, published="2025-03-12")
    assert inc.event_date == dt.date(2025, 3, 10)


@pytest.mark.parametrize("text", [
    "La prison de Metz a été attaquée mardi 10 mars 2025.",  # the 10th was a Monday
    "Metz prison was attacked on Friday, March 10, 2025.",
])
def test_a_weekday_contradicting_its_date_is_no_date(extract, text: str) -> None:
    (inc,) = extract(text, published="2025-03-12")
    assert inc.event_date != dt.date(2025, 3, 10)


@pytest.mark.parametrize("text, injured", [
    ("Un détenu a agressé un surveillant à la maison d'arrêt de Nîmes.\n\n"
     "Les trois agents ont été conduits à l'hôpital.", 3),
    ("An inmate attacked a guard at Metz prison.\n\nTwo officers were taken to hospital.", 2),
])
def test_a_count_in_a_later_paragraph_belongs_to_the_story_told_last(
        extract, text: str, injured: int) -> None:
    (inc,) = extract(text)
    assert inc.injured == injured


def test_a_repeated_sentence_is_read_once(extract) -> None:
    story = "Shots were fired at the prison of Toulon overnight, and cars burned in Nîmes. "
    (a, b) = extract(story * 3000)
    assert {a.commune, b.commune} >= {"Nîmes"}
    assert all(len([e for e in i.evidence if e.field == "types"]) == 1 for i in (a, b))


def test_an_article_past_the_time_budget_fails_naming_it(extract, monkeypatch) -> None:
    from geo.errors import ArticleError

    monkeypatch.setenv("GEO_EXTRACT_SECONDS", "0.000001")
    text = " ".join(f"Shots were fired at the prison of Toulon on night {i}." for i in range(200))
    with pytest.raises(ArticleError, match=r"inline\.txt: extraction stopped after .*sentence"):
        extract(text)


def test_a_huge_sentence_is_quoted_cut_with_its_offsets(extract) -> None:
    from geo.extract.assemble import MAX_QUOTE_CHARS

    text = "Shots were fired at the prison of Toulon overnight, " + "and then " * 2000 + "end."
    (inc,) = extract(text)
    quote = next(e for e in inc.evidence if e.field == "types")
    assert len(quote.quote) <= MAX_QUOTE_CHARS + 2 and quote.quote.endswith("…")
    assert quote.end - quote.start == len(text)


@pytest.mark.parametrize("text", [
    "Un détenu qui s'était échappé de la maison d'arrêt de Dijon a été repris au bout de "
    "deux semaines de cavale.",
    "An inmate who escaped from Dijon prison was caught after two weeks on the run.",
])
def test_time_on_the_run_dates_the_escape(extract, text: str) -> None:
    (inc,) = extract(text, published="2025-11-27")
    assert inc.event_date == dt.date(2025, 11, 13) and inc.date_precision == "week"


@pytest.mark.parametrize("text", [
    "On Tuesday, union activists who had lit a fire at Fresnes prison were dispersed.",
    "Mardi, des surveillants ont brûlé des pneus devant la prison de Fresnes.",
])
def test_guards_burning_tyres_protest(extract, text: str) -> None:
    (inc,) = extract(text, published="2018-01-17")
    assert inc.primary_type == "protest" and inc.event_date == dt.date(2018, 1, 16)


def test_protests_across_french_prisons_are_country_wide(extract) -> None:
    incs = extract("The wave of protests across French prisons followed a knife attack at "
                   "Fresnes prison last week.", published="2018-01-16")
    (placed,) = pinned(incs)
    assert placed.primary_type == "assault" and placed.prison_id == "cp-fresnes"


def test_a_village_named_like_a_noun_opening_a_sentence_is_not_a_place(extract) -> None:
    # Cars is a village of the Gironde.
    incs = extract("Cars were set on fire close to several of the prisons overnight.")
    assert all(i.commune != "Cars" for i in incs)


@pytest.mark.parametrize("text", [
    "La voiture d'un surveillant de la prison de Fresnes a été incendiée devant son "
    "domicile à Créteil.",
    "The car of a guard at Fresnes prison was set on fire outside his home in Créteil.",
])
def test_a_guards_prison_is_who_not_where(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.commune == "Créteil" and inc.prison_id is None


def test_a_guards_prison_is_the_place_when_alone(extract) -> None:
    (inc,) = extract("Prison officers at Fresnes were attacked by inmates on Sunday, two of "
                     "them were hospitalised.")
    assert inc.prison_id == "cp-fresnes" and inc.injured == 2
    assert inc.primary_type == "assault"


def test_a_prison_described_at_length(extract) -> None:
    (inc,) = extract("Shots were fired at the prison in the southern port city of Toulon.")
    assert inc.prison_id == "cp-toulon-la-farlede"


@pytest.mark.parametrize("text", [
    "Armed men ambushed a prison van near Arras on Thursday as it was taking an inmate "
    "from the prison in Douai to a court hearing in Lille.",
    "Des hommes armés ont attaqué un fourgon près d'Arras jeudi alors qu'il conduisait un "
    "détenu extrait de la maison d'arrêt de Douai vers le tribunal de Lille.",
])
def test_a_convoys_origin_and_destination_are_context(extract, text: str) -> None:
    (inc,) = pinned(extract(text, published="2025-06-12"))
    assert inc.geo_precision == "approximate" and inc.prison_id is None
    assert inc.primary_type == "ambush"


@pytest.mark.parametrize("text", [
    "The minister, speaking in Marseille, condemned the attack on the prison of Arles.",
    "Le ministre, s'exprimant à Marseille, a condamné l'attaque contre la prison d'Arles.",
])
def test_where_someone_spoke_is_context(extract, text: str) -> None:
    assert [i.prison_id for i in pinned(extract(text))] == ["mc-arles"]


@pytest.mark.parametrize("text", [
    "Une trentaine de détenus de la maison d'arrêt de Nîmes ont refusé de réintégrer "
    "leurs cellules mardi soir.",
    "About thirty inmates at Nîmes prison refused to return to their cells on Tuesday.",
])
def test_inmates_refusing_their_cells_riot(extract, text: str) -> None:
    (inc,) = extract(text, published="2025-07-02")
    assert inc.primary_type == "riot" and inc.event_date == dt.date(2025, 7, 1)


@pytest.mark.parametrize("text", [
    "The minister unveiled two new prisons, one in the Paris region, after a wave of "
    "attacks on prisons in April.",
    "Le ministre a présenté deux nouvelles prisons, dont une à Marseille, après la vague "
    "d'attaques contre des prisons en avril.",
])
def test_a_wave_of_attacks_recalled_in_general_is_no_report(extract, text: str) -> None:
    assert pinned(extract(text, published="2025-05-19")) == []


@pytest.mark.parametrize("text", [
    "Des coups de feu ont visé le pavillon d'une surveillante à Béziers ; elle n'a pas "
    "été blessée.",
    "Shots were fired at the house of a prison guard in Béziers; she was not injured.",
])
def test_she_was_not_hurt(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.injured == 0 and inc.commune == "Béziers"


@pytest.mark.parametrize("text", [
    "Three inmates escaped from the Moulins-Yzeure prison in central France on Monday.",
    "Trois détenus se sont évadés du centre pénitentiaire de Moulins-Yzeure lundi.",
])
def test_the_prison_an_escape_left_is_its_place(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert inc.prison_id == "cp-moulins-yzeure" and inc.primary_type == "escape"


def test_a_prison_then_its_town(extract) -> None:
    (inc,) = pinned(extract("Guards blocked the entrance of the Baumettes prison in Marseille "
                            "on Monday."))
    assert inc.prison_id == "cp-marseille" and inc.primary_type == "protest"


def test_the_finest_place_of_the_clause(extract) -> None:
    (inc,) = pinned(extract("In Réunion, an inmate took a guard hostage at the Domenjod prison "
                            "in Saint-Denis on Sunday."))
    assert inc.prison_id == "cp-saint-denis" and inc.department == "La Réunion"


@pytest.mark.parametrize("text", [
    "A prisoner escaped during a hospital visit in Perpignan on Saturday.",
    "Un détenu s'est évadé lors d'une extraction médicale à Perpignan samedi.",
])
def test_an_escape_during_a_hospital_visit(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert inc.commune == "Perpignan"


def test_the_hospital_a_van_was_heading_to_is_context(extract) -> None:
    (inc,) = pinned(extract("Shots were fired at a prison van near Val-de-Reuil as it took an "
                            "inmate from the detention centre to a hospital in Rouen."))
    assert inc.geo_precision == "approximate"


# --- Counts told in parts, counts of the past ----------------------------------------------

@pytest.mark.parametrize("text, killed, injured", [
    ("A prison van was ambushed at Metz on Monday. Two officers died, two more were "
     "reported to be fighting for their lives and a fifth suffered minor injuries.", 2, 3),
    ("Un fourgon pénitentiaire a été pris en embuscade à Metz lundi. Deux agents sont morts, "
     "deux autres sont entre la vie et la mort et un cinquième a été légèrement blessé.", 2, 3),
    ("A convoy was ambushed near Metz prison. Three of the officers, who were unarmed, "
     "died.", 3, None),
])
def test_counts_told_as_more_of_them_add_up(extract, text: str, killed: int,
                                            injured: int | None) -> None:
    (inc,) = pinned(extract(text))
    assert (inc.killed, inc.injured) == (killed, injured)


@pytest.mark.parametrize("text", [
    "An inmate escaped from Metz prison on Monday. He was serving twenty years for killing "
    "a shopkeeper.",
    "Un détenu s'est évadé de la prison de Metz lundi. Il purgeait une peine de vingt ans "
    "pour avoir tué un commerçant.",
])
def test_a_sentence_served_for_killing_is_no_casualty(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert inc.killed is None


@pytest.mark.parametrize("text", [
    "At Metz prison an inmate punched a guard in the face, and she had to be treated in "
    "hospital.",
    "À la prison de Metz, un détenu a frappé une surveillante au visage et elle a dû être "
    "hospitalisée.",
    "At Metz prison an inmate stabbed a guard on Monday.",
    "À la prison de Metz, un détenu a poignardé un surveillant lundi.",
])
def test_one_victim_named_then_told_of(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert inc.injured == 1


@pytest.mark.parametrize("text", [
    "Shots were fired at Toulon prison, and cars were set on fire at Nîmes prison. Nobody "
    "has been hurt, but the attacks have shaken staff across the country.",
    "Des tirs ont visé la prison de Toulon et des voitures ont brûlé devant celle de Nîmes. "
    "Personne n'a été blessé, mais les attaques inquiètent les agents.",
])
def test_nobody_hurt_said_of_the_attacks_is_said_of_each(extract, text: str) -> None:
    incs = pinned(extract(text))
    assert len(incs) == 2 and all(i.injured == 0 for i in incs)


# --- Records, pictures, broken lines ------------------------------------------------------

def test_a_record_ends_where_the_reported_event_begins(extract) -> None:
    """The charge covers the old killing, not the ambush after the escape it tells of."""
    (inc,) = pinned(extract(
        "A gangster accused of ordering a murder last year broke out of custody during a "
        "deadly ambush at the Metz toll booth in which two officers were killed."))
    assert "ambush" in inc.types and inc.killed == 2


@pytest.mark.parametrize("text", [
    "Cars burned outside several prisons. A picture the union said came from Valence's "
    "prison car park showed cars in flames.",
    "Des voitures ont brûlé devant plusieurs prisons. Une photo prise devant la prison de "
    "Valence montre des véhicules en flammes.",
])
def test_where_a_picture_was_taken_is_a_place_of_the_story(extract, text: str) -> None:
    incs = {i.prison_id: i for i in pinned(extract(text))}
    assert "arson" in incs["cp-valence"].types


def test_a_line_broken_inside_a_sentence_is_one_sentence(extract) -> None:
    incs = pinned(extract("An inmate stabbed two guards at the jail of Condé-sur-Sarthe\n"
                          "in Normandy on Tuesday.\nThe attacker was arrested."))
    (inc,) = incs
    assert inc.prison_id and inc.injured == 2 and inc.event_date == dt.date(2025, 4, 15)


@pytest.mark.parametrize("text", [
    "Two inmates took a guard hostage at Moulins prison on Sunday.",
    "Deux détenus ont pris un surveillant en otage à la prison de Moulins dimanche.",
])
def test_a_hostage_taking_is_an_assault_and_a_riot(extract, text: str) -> None:
    (inc,) = pinned(extract(text))
    assert {"assault", "riot"} <= set(inc.types)


@pytest.mark.parametrize("text, injured", [
    ("A guard was stabbed at Fresnes prison on Saturday.", 1),
    ("Deux surveillants ont été poignardés à la prison de Fresnes samedi.", 2),
])
def test_the_stabbed_are_injured(extract, text: str, injured: int) -> None:
    (inc,) = pinned(extract(text))
    assert inc.injured == injured and "assault" in inc.types


@pytest.mark.parametrize("text", [
    "Guards at Bapaume prison walked out on Monday after a colleague was attacked by an "
    "inmate.",
    "Les agents de la prison de Bapaume ont débrayé lundi après qu'un collègue a été "
    "agressé par un détenu.",
])
def test_a_colleague_attacked_is_an_assault(extract, text: str) -> None:
    types = {t for i in pinned(extract(text)) for t in i.types}
    assert "assault" in types


@pytest.mark.parametrize("text", [
    "Guards blockaded prisons across France on Wednesday after an inmate at a jail in "
    "western France stabbed two officers on Tuesday. Police later stormed the prison of "
    "Nantes, where the inmate had barricaded himself.",
    "Les surveillants ont bloqué des prisons mercredi, après qu'un détenu d'une prison de "
    "l'ouest de la France a poignardé deux agents mardi. Les policiers ont ensuite donné "
    "l'assaut à la prison de Nantes, où il s'était barricadé.",
])
def test_an_unnamed_prison_of_an_area_is_the_one_named_there(extract, text: str) -> None:
    (inc,) = [i for i in pinned(extract(text, published="2025-04-16"))]
    assert inc.prison_id == "cp-nantes"
    assert "assault" in inc.types and inc.injured == 2
    assert inc.event_date == dt.date(2025, 4, 15)


def test_an_unnamed_prison_elsewhere_is_not_joined(extract) -> None:
    incs = extract("An inmate at a prison in Normandy stabbed two officers on Tuesday. "
                   "Cars were set on fire outside the prison of Nîmes.", published="2025-04-16")
    nimes = [i for i in incs if i.prison_id == "ma-nimes"]
    assert nimes and nimes[0].injured is None


def test_a_weekday_owning_a_trigger_dates_it(extract) -> None:
    incs = extract("Guards staged a protest at Metz prison on Wednesday. The protest comes "
                   "after Tuesday's knife attack at the same prison, in which two officers "
                   "were wounded.", published="2025-04-16")
    attack = [i for i in incs if "assault" in i.types]
    assert attack and attack[0].event_date == dt.date(2025, 4, 15)


@pytest.mark.parametrize("text", [
    "The suspects were arrested in Spain after the ambush near Incarville.",
    "Les suspects ont été arrêtés en Espagne après l'embuscade près d'Incarville.",
])
def test_a_clue_next_to_the_trigger_beats_a_country_abroad(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.geo_precision == "approximate" and inc.department == "Eure"
    assert inc.types == ["ambush"]


# --- Prisons planned, built, opened or visited ------------------------------------------

@pytest.mark.parametrize("text", [
    "After the attacks, the government plans to build a new prison in Nice.",
    "The minister said a new jail will be built in Nice following the arson attacks.",
    "Following the shootings, a new prison in Nice is due to open in 2027.",
    "Après les attaques, le ministre a confirmé le projet de construction d'une prison à Nice.",
    "Après les incendies, le garde des Sceaux a évoqué la future prison de Nice.",
    "Après les tirs, un nouvel établissement pénitentiaire sera construit à Nice.",
    "Après les incendies, le chantier de la prison de Nice a été suspendu.",
    "After the arson attacks, the expansion of the prison in Nice was put on hold.",
    "The government will fund the construction of two new prisons in Nice and Marseille "
    "after the attacks.",
])
def test_a_prison_being_planned_is_no_scene(extract, text: str) -> None:
    assert pinned(extract(text)) == []


@pytest.mark.parametrize("text", [
    "Cars were set on fire outside Toulon prison overnight. The government plans to build "
    "a new prison in Nice.",
    "After the shooting at the prison in Toulon, the minister announced that a new jail "
    "will be built in Nice.",
    "Des tirs ont visé la prison de Toulon. Un nouvel établissement pénitentiaire sera "
    "construit à Nice.",
    "Le gouvernement a annoncé un projet de construction d'une prison à Nice après "
    "l'attaque contre la prison de Toulon.",
    "Des voitures ont été incendiées devant la prison de Toulon. La future prison de Nice "
    "ouvrira en 2027.",
])
def test_the_attack_keeps_its_prison_next_to_a_planned_one(extract, text: str) -> None:
    assert [i.prison_id for i in pinned(extract(text))] == ["cp-toulon-la-farlede"]


@pytest.mark.parametrize("text", [
    "Gunmen opened fire on the prison in Valence overnight.",
    "Des individus ont ouvert le feu sur la prison de Valence dans la nuit.",
])
def test_opening_fire_is_gunfire_not_an_opening(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.prison_id == "cp-valence" and inc.types == ["gunfire"]


@pytest.mark.parametrize("text", [
    "The minister visited the prison of Fresnes, a day after cars were torched at the "
    "prison of Meaux.",
    "After cars were torched at Meaux prison, the minister visited Fresnes prison.",
    "Le ministre s'est rendu à la prison de Fresnes lundi, au lendemain de l'incendie de "
    "voitures à la prison de Meaux.",
    "Le ministre a visité la prison de Fresnes, au lendemain de l'incendie de voitures "
    "devant la prison de Meaux.",
])
def test_a_visited_prison_yields_to_the_attacks_own_place(extract, text: str) -> None:
    assert [i.prison_id for i in pinned(extract(text))] == [
        "cp-meaux-chauconin-neufmontiers"]


@pytest.mark.parametrize("text", [
    "Protesters heckled the minister when she visited Fresnes prison.",
    "Des surveillants ont manifesté lors de la visite du ministre à la prison de Fresnes.",
])
def test_what_happens_during_a_visit_is_at_the_visited_prison(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.prison_id == "cp-fresnes" and inc.types == ["protest"]


@pytest.mark.parametrize("text", [
    "Cars were set on fire outside Toulon prison overnight.",
    "Shots were fired near Toulon prison on Monday.",
])
def test_outside_a_named_prison_is_the_prison(extract, text: str) -> None:
    (inc,) = extract(text)
    assert inc.prison_id == "cp-toulon-la-farlede" and inc.geo_precision == "commune"


# --- Press short forms of prisons named after several communes -------------------------

@pytest.mark.parametrize("text, prison", [
    ("Gunmen opened fire on Lille-Sequedin prison overnight.", "cp-lille-loos-sequedin"),
    ("Des tirs ont visé la prison de Lille-Sequedin cette nuit.", "cp-lille-loos-sequedin"),
    ("Un surveillant a été agressé au centre pénitentiaire d'Alençon-Condé mardi.",
     "cp-alencon-conde-sur-sarthe"),
    ("An inmate stabbed a guard at Rennes-Vezin-le-Coquet prison on Monday.",
     "cp-rennes-vezin"),
])
def test_a_prisons_short_form_names_it(extract, text: str, prison: str) -> None:
    (inc,) = extract(text)
    assert inc.prison_id == prison and inc.geo_precision == "commune"


# --- Events recalled by their year --------------------------------------------------

@pytest.mark.parametrize("text, day", [
    ("Shots were fired at Toulon prison on Tuesday. In 2019, Fresnes prison was attacked "
     "too.", dt.date(2019, 1, 1)),
    ("Des tirs ont visé la prison de Toulon mardi. En 2019, la prison de Fresnes avait "
     "déjà été attaquée.", dt.date(2019, 1, 1)),
    ("Shots were fired at Toulon prison on Tuesday. Last year, Fresnes prison was attacked "
     "too.", dt.date(2024, 1, 1)),
    ("Des tirs ont visé la prison de Toulon mardi. L'an dernier, la prison de Fresnes avait "
     "déjà été attaquée.", dt.date(2024, 1, 1)),
])
def test_an_event_recalled_by_its_year_is_dated_to_the_year(extract, text: str,
                                                             day: dt.date) -> None:
    incs = {i.prison_id: i for i in extract(text)}
    assert (incs["cp-toulon-la-farlede"].event_date,
            incs["cp-toulon-la-farlede"].date_precision) == (dt.date(2025, 4, 15), "day")
    assert (incs["cp-fresnes"].event_date, incs["cp-fresnes"].date_precision) == (day, "year")


@pytest.mark.parametrize("text", [
    "A prisoner escaped from Fresnes prison with the help of armed accomplices. He had "
    "escaped once before: in 2016 he broke out of a jail in the Paris region.",
    "Un détenu s'est évadé de la prison de Fresnes avec l'aide de complices armés. Il "
    "s'était déjà évadé : en 2016, il avait fui une prison de la région parisienne.",
])
def test_a_year_recalled_beside_the_reported_event_does_not_date_it(extract,
                                                                   text: str) -> None:
    """The year of an earlier event told next to the one reported (same person, same
    type) is not the reported event's date: no date is better than a wrong one."""
    fresnes = [i for i in extract(text) if i.prison_id == "cp-fresnes"]
    assert fresnes and all(i.event_date != dt.date(2016, 1, 1) for i in fresnes)
