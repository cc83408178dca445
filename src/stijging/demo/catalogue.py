"""What synthetic data is made of, for the demo (`seed_demo`) and the region generator (`generate`)
alike: names of residents and streets, the help questions and actions, the neighbourhood's
activities and odd jobs, the household shapes, and how scores and rungs are spread. One catalogue,
so a fix to what the data look like is made once.

The names are a mix that fits a Venlo neighbourhood; every combination is made up. Kept here (not
Faker) so the demo needs no test dependency and is the same on every run."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from stijging.registry.models import Relation

# --- Names ------------------------------------------------------------------------------------------

GIVEN_NAMES_F = [
    "Anna",
    "Emma",
    "Sanne",
    "Lotte",
    "Fleur",
    "Sophie",
    "Julia",
    "Lisa",
    "Noa",
    "Tess",
    "Mila",
    "Yara",
    "Ilse",
    "Marieke",
    "Ingrid",
    "Monique",
    "Petra",
    "Wilma",
    "Truus",
    "Mia",
    "Fatima",
    "Samira",
    "Aicha",
    "Zeynep",
    "Elif",
    "Ayşe",
    "Agnieszka",
    "Katarzyna",
    "Magdalena",
    "Nour",
    "Rania",
    "Hanna",
    "Lieke",
    "Joke",
    "Gerda",
    "Riet",
    "Anke",
    "Esther",
    "Chantal",
    "Naomi",
    "Roos",
    "Evi",
    "Femke",
    "Saskia",
]
GIVEN_NAMES_M = [
    "Jan",
    "Piet",
    "Kees",
    "Henk",
    "Gerrit",
    "Sjaak",
    "Harrie",
    "Twan",
    "Luuk",
    "Daan",
    "Bram",
    "Sem",
    "Thijs",
    "Ruben",
    "Jeroen",
    "Marco",
    "Rob",
    "Bas",
    "Stijn",
    "Mohamed",
    "Youssef",
    "Omar",
    "Bilal",
    "Mehmet",
    "Mustafa",
    "Emre",
    "Tomasz",
    "Piotr",
    "Krzysztof",
    "Ahmad",
    "Karim",
    "Hamza",
    "Noah",
    "Finn",
    "Lucas",
    "Levi",
    "Jesse",
    "Jos",
    "Wim",
    "Frans",
    "Ton",
    "Nico",
    "Dirk",
    "Erik",
]
FAMILY_NAMES = [
    ("", "Janssen"),
    ("", "Peeters"),
    ("", "Hendrikx"),
    ("van", "Dijk"),
    ("", "Verstappen"),
    ("", "Smeets"),
    ("", "Gommans"),
    ("", "Hermans"),
    ("van den", "Berg"),
    ("", "Willems"),
    ("", "Jacobs"),
    ("de", "Vries"),
    ("", "Vullings"),
    ("", "Coenen"),
    ("", "Claessens"),
    ("van", "Rijswijk"),
    ("", "Geurts"),
    ("", "Bongers"),
    ("", "Thijssen"),
    ("van der", "Linden"),
    ("", "Verheijen"),
    ("", "Arts"),
    ("", "Wijnen"),
    ("", "Kusters"),
    ("", "Yilmaz"),
    ("", "Kaya"),
    ("", "Demir"),
    ("", "Çelik"),
    ("El", "Idrissi"),
    ("", "Bouzian"),
    ("", "Amrani"),
    ("", "Benali"),
    ("", "Kowalski"),
    ("", "Nowak"),
    ("", "Wiśniewski"),
    ("", "Lewandowski"),
    ("Al", "Hassan"),
    ("", "Haddad"),
    ("", "Mahmoud"),
    ("", "Pinas"),
    ("", "Martina"),
    ("de", "Bruijn"),
    ("", "Kessels"),
    ("", "Seelen"),
    ("", "Keijzers"),
    ("", "Timmermans"),
    ("", "Linders"),
    ("", "Pouwels"),
]

# Fictional streets: no real address in Venlo carries a synthetic household or problem.
FICTIONAL_STREETS = [
    "Tredelaan",
    "Ladderweg",
    "Stijgingstraat",
    "Samenhangpad",
    "Leefbaarheidstraat",
    "Buurtkrachtplein",
    "Wijkfotohof",
    "Huiskamerstraat",
    "Speeldagstraat",
    "Achterompad-Noord",
    "Voortuinstraat",
    "Opstapweg",
]


# Street and area names of the region generator, and surnames beyond the common ones.
def _words(text: str) -> list[str]:
    return text.split()


# Fictional street and area names: prefix + suffix gives thousands of names per place.
NAME_PREFIXES = _words(
    "Klimop Linde Vlier Hazelaar Meidoorn Sleedoorn Wilgen Esdoorn Kastanje Beuken Eiken Berken Populieren "
    "Jeneverbes Lijsterbes Hulst Rozen Tulpen Narcissen Krokus Lavendel Salie Tijm Kamille Klaver Boterbloem "
    "Madelief Korenbloem Papaver Zonnebloem Heide Varen Rietgors Biezen Lis Waterlelie Kievit Merel Lijster "
    "Mezen Vinken Spreeuwen Zwaluw Reiger Ooievaar Fazant Patrijs Specht Uilen Buizerd Valken Wielewaal "
    "IJsvogel Roodborst Winterkoning Leeuwerik Kwartel Gaaien Ekster Bever Dassen Vossen Hazen Egel "
    "Eekhoorn Otter Herten Reeën Wezel Molen Smidse Bakkers Kuipers Wevers Touwslagers Pottenbakkers "
    "Brouwers Schippers Vissers Tuinders Kwekers Imkers Herders Schaapskooi Hoeve Kapel Beek Bron Weide "
    "Akker Heuvel Zand Leem Klei Grind Turf Vennen Dauw Regen Wolken Zonne Maan Sterren Lente Zomer "
    "Herfst Winter Morgen Avond Kersen Appel Peren Pruimen Noten Bramen Bessen Hop Rogge Haver Gerst "
    "Tarwe Spelt Vlas Koren Dorsvloer Hooiberg Stal Schuur Wagen Ploeg Eg Zeis Sikkel Spinnewiel Weefgetouw"
)
STREET_SUFFIXES = _words(
    "straat laan weg hof pad plein singel dreef erf kamp veld gaard dal ring steeg wal park baan hoek donk rade broek"
)
AREA_SUFFIXES = ["kwartier", "veld", "hoek", "kamp", "heide", "donk", "broek", "acker", "rijt", "hof"]

# A long tail of family names beside the demo's list (which stays the most common), so that name
# search sees realistic selectivity: roots x Dutch patterns.
_SURNAME_ROOTS = _words(
    "Hoek Berg Brink Veld Broek Bosch Meer Kamp Horst Heuvel Water Linde Esch Donk Rade Beek Molen Kerk Hof "
    "Akker Weide Bleek Haag Laar Loo Sloot Vliet Wijk Dam Steen Hout Graaf Smit Bakker Visser Mulder Boer "
    "Kuyper Wever Brouwer Schaap Haan Vos Kraai Wolf Beer Hert Leeuw Geer Raay Bergh Hove Aa Kuil Venne"
)


def _surname_pool() -> list[tuple[str, str]]:
    pool: list[tuple[str, str]] = []
    for root in _SURNAME_ROOTS:
        low = root.lower()
        pool += [
            ("van de", root),
            ("van den", root),
            ("ter", root),
            ("", f"{root}s"),
            ("", f"{root}man"),
            ("", f"{root}mans"),
            ("", f"Ver{low}en"),
            ("", f"{root}ink"),
            ("", f"{root}ers"),
            ("", f"{root}x"),
        ]
    return sorted(set(pool))


SURNAME_TAIL = _surname_pool()
COMMON_SURNAME_SHARE = 0.4  # the demo's names cover 40% of persons, ~0.8% each


def person_name(
    rng: random.Random,
    family: tuple[str, str] | None = None,
    *,
    female: bool | None = None,
    surname: Callable[[random.Random], tuple[str, str]] | None = None,
) -> str:
    """A given name and a family name ((tussenvoegsel, name): the household's, or drawn after the
    given name by `surname`, by default one of the common FAMILY_NAMES)."""
    female = rng.random() < 0.5 if female is None else female
    given = rng.choice(GIVEN_NAMES_F if female else GIVEN_NAMES_M)
    tussenvoegsel, family_name = family or (surname or _common_surname)(rng)
    return " ".join(part for part in (given, tussenvoegsel, family_name) if part)


def _common_surname(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FAMILY_NAMES)


def region_surname(rng: random.Random) -> tuple[str, str]:
    """The region generator's surnames: the common ones for COMMON_SURNAME_SHARE, the rest from the tail."""
    if rng.random() < COMMON_SURNAME_SHARE:
        return rng.choice(FAMILY_NAMES)
    return rng.choice(SURNAME_TAIL)


# --- Households -------------------------------------------------------------------------------------


def household_shape(rng: random.Random) -> list[tuple[Relation, int, int]]:
    """A household as (relation, min age, max age) per member, with Dutch-city proportions."""
    roll = rng.random()
    if roll < 0.22:  # single elderly
        return [(Relation.HEAD, 67, 92)]
    if roll < 0.38:  # single adult
        return [(Relation.HEAD, 19, 66)]
    if roll < 0.54:  # couple without children at home
        low, high = rng.choice([(22, 40), (41, 66), (67, 88)])
        return [(Relation.HEAD, low, high), (Relation.PARTNER, low, high)]
    if roll < 0.85:  # couple with children
        kids = rng.choices([1, 2, 3, 4], weights=[30, 40, 20, 10])[0]
        return [(Relation.HEAD, 28, 52), (Relation.PARTNER, 27, 52)] + [(Relation.CHILD, 0, 19)] * kids
    if roll < 0.97:  # single parent
        kids = rng.choices([1, 2, 3], weights=[50, 35, 15])[0]
        return [(Relation.HEAD, 23, 50)] + [(Relation.CHILD, 0, 18)] * kids
    # three generations under one roof
    return [(Relation.HEAD, 35, 50), (Relation.PARTNER, 35, 50), (Relation.PARENT, 68, 85), (Relation.CHILD, 2, 16)]


# --- The living-room conversation and help ------------------------------------------------------------

HELP_QUESTIONS = {
    "wonen": "Hulp bij het zoeken naar een passende woning",
    "leren": "Ondersteuning bij huiswerk en contact met school",
    "opgroeien": "Opvoedondersteuning voor de ouders",
    "werken": "Begeleiding naar (vrijwilligers)werk",
    "integratie": "Taalcursus Nederlands",
    "veiligheid": "Overlast in de straat bespreken",
    "opleiding": "Hulp bij het kiezen van een opleiding",
    "gezondheid": "Contact met de huisarts of het wijkteam",
    "voorzieningen": "Wegwijs in sport- en buurtvoorzieningen",
    "financien": "Hulp bij schulden en de administratie",
}
ACTIONS = [
    "Kennismaken en plan bespreken",
    "Aanmelden bij de schuldhulpverlening",
    "Samen naar het wijkteam",
    "Inschrijven bij Woonservice",
    "Afspraak met de huisarts maken",
    "Taalcursus zoeken",
    "Contact met school opnemen",
]


def random_score(rng: random.Random) -> int:
    """A self-sufficiency score, spread as in a neighbourhood of the programme."""
    return rng.choices((1, 2, 3, 4, 5), cum_weights=(4, 14, 40, 78, 100))[0]


def random_rung(rng: random.Random, age: int) -> tuple[int | None, str]:
    """A rung on the Participatieladder, or why there is none (AOW age, full-time education, declined)."""
    if age >= 67:
        return None, "not_applicable"
    if age <= 22 and rng.random() < 0.6:
        return None, "not_applicable"  # full-time education
    if rng.random() < 0.04:
        return None, "declined"
    return rng.choices((1, 2, 3, 4, 5, 6), cum_weights=(8, 26, 40, 52, 62, 100))[0], ""


def next_weekday(day: datetime.date) -> datetime.date:
    """Visits are planned on working days: the day itself, or the Monday after a weekend day."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


# --- The neighbourhood track --------------------------------------------------------------------------

SERIES_TITLE = "Kinderschoonmaakploeg"  # the weekly children's street-cleaning group, one series
YEAR = 364  # the activities of the last year

# (days before today, kind, title — {street} is filled in —, organiser, participants (low, high), streets)
SINGLE_ACTIVITIES: list[tuple[int, str, str, str, tuple[int, int], int]] = [
    (330, "neighbours_meeting", "Burenbijeenkomst: kennismaken met de buurtcoördinator", "het programma", (22, 34), 5),
    (296, "alley_cleanup", "Achterpad {street} opruimen", "bewoners", (8, 14), 1),
    (262, "garden_cleanup", "Voortuinen {street} opknappen", "bewoners met Woningstichting Venlo-Blerick", (9, 16), 2),
    (231, "neighbours_meeting", "Bewonersavond over de speelplek", "bewoners", (15, 28), 3),
    (204, "alley_cleanup", "Voorjaarsschoonmaak achterpaden {street}", "bewoners", (10, 18), 2),
    (183, "garden_cleanup", "Tuinen opruimen {street}", "Stichting Wel.kom met bewoners", (7, 12), 1),
    (162, "other", "Geveltuintjes aanleggen", "bewoners met de gemeente", (12, 20), 2),
    (148, "street_play_day", "Straatspeeldag {street}", "bewoners met Stichting Wel.kom", (45, 80), 3),
    (121, "neighbours_meeting", "Burenbijeenkomst met buurtbarbecue", "bewoners", (30, 55), 4),
    (99, "alley_cleanup", "Achterpad {street} opruimen", "bewoners", (6, 11), 1),
    (82, "street_play_day", "Straatspeeldag {street}", "bewoners met Stichting Wel.kom", (50, 90), 2),
    (64, "other", "Burendag", "bewoners met het programma", (35, 60), 6),
    (
        45,
        "garden_cleanup",
        "Najaarsschoonmaak tuinen {street}",
        "bewoners met Woningstichting Venlo-Blerick",
        (8, 15),
        2,
    ),
    (29, "alley_cleanup", "Blad ruimen in de achterpaden {street}", "bewoners", (7, 13), 2),
    (12, "neighbours_meeting", "Bewonersavond: wat de huiskamergesprekken opleverden", "het programma", (20, 32), 12),
]
SATURDAY_KINDS = {"alley_cleanup", "garden_cleanup", "street_play_day", "other"}
ODD_JOBS = ["Flyers rondbrengen", "Buurtapp bijhouden", "Koffie schenken in het buurthuis", "Materiaal ophalen"]


def on_weekday(day: datetime.date, weekday: int, today: datetime.date) -> datetime.date:
    """The nearest `weekday` on or before `day` — or after it, while that is not later than today."""
    back = day - datetime.timedelta(days=(day.weekday() - weekday) % 7)
    ahead = back + datetime.timedelta(days=7)
    return ahead if ahead <= today and (ahead - day) < (day - back) else back


# The kinds of reason revisits are planned for, most often the help question (the programme's figure
# of revisits by reason has something to split).
REVISIT_REASONS = ("help_question",) * 5 + ("finish",) * 2 + ("papers", "referral", "other")


def revisit_reason(n: int) -> str:
    return REVISIT_REASONS[n % len(REVISIT_REASONS)]
