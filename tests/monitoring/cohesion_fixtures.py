"""Builders for the cohesion index, turnover and housing-signal tests (test_kpis_cohesion.py).

Answers to the six cohesion statements of instrument v1 are written as a 6-tuple of raw values in
the instrument's order — kennen-elkaar (reverse-coded), prettige-omgang, gezellig, thuis, contact,
samenstelling — with None for a non-answer ("declined"). The patterns used below, with their index
(mean of the values after flipping the reverse-coded one as 6 − x, then (mean − 1) × 2.5):

  TEN      (1,5,5,5,5,5)  → flipped 5,5,5,5,5,5: 30/6 = 5 → (5 − 1) × 2.5 = 10
  ZERO     (5,1,1,1,1,1)  → flipped 1,1,1,1,1,1:  6/6 = 1 → 0
  FIVE     (3,3,3,3,3,3)  → flipped 3 ×6:        18/6 = 3 → 5
  SEVEN_5  (2,4,4,4,4,4)  → flipped 4 ×6:        24/6 = 4 → 7.5
  TWO_5    (4,2,2,2,2,2)  → flipped 2 ×6:        12/6 = 2 → 2.5
  REVERSE  (5,5,5,5,5,5)  → flipped 1,5,5,5,5,5: 26/6 = 13/3 → (13/3 − 1) × 2.5 = 25/3 ≈ 8.33
                            (10 if the reverse-coded statement were not flipped)
  FOUR     (2,−,−,3,4,5)  → 4 answered, flipped 4,3,4,5: 16/4 = 4 → 7.5
                            (16/6 → 4.2 if non-answers counted as answers of 0)
  THREE    (−,−,−,5,5,5)  → 3 answered: no index, left out
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from stijging.cohesion.models import Wave, WaveAnswer, WaveResponse
from stijging.conversations.models import CohesionAnswer, Conversation, HousingAnswer, Interview
from stijging.instruments.models import CohesionStatement, DefectCategory
from stijging.instruments.services import current_instrument
from stijging.registry.models import Area, Programme, Street
from stijging.registry.selectors import household_programme_id

from ..accounts.factories import UserFactory
from ..registry.factories import AddressFactory, HouseholdFactory, MemberFactory, PersonFactory, ResidenceFactory

D = datetime.date

TEN = (1, 5, 5, 5, 5, 5)
ZERO = (5, 1, 1, 1, 1, 1)
FIVE = (3, 3, 3, 3, 3, 3)
SEVEN_5 = (2, 4, 4, 4, 4, 4)
TWO_5 = (4, 2, 2, 2, 2, 2)
REVERSE = (5, 5, 5, 5, 5, 5)
FOUR = (2, None, None, 3, 4, 5)
THREE = (None, None, None, 5, 5, 5)


def statements() -> list[CohesionStatement]:
    return list(CohesionStatement.objects.filter(version__number=1).order_by("order"))


def worker():
    return UserFactory(email="cohesion-worker@example.test")


def programme(name: str, slug: str) -> Programme:
    return Programme.objects.create(name=name, slug=slug, municipality="Venlo", start_date=D(2026, 1, 1))


def area(programme_: Programme, name: str) -> Area:
    return Area.objects.create(programme=programme_, name=name, slug=name.lower())


def street(name: str) -> Street:
    return Street.objects.create(name=name, woonplaats="Venlo")


_postcodes = iter(range(6001, 9999))


def address(area_: Area, street_: Street, *, complex_number: str = ""):
    # Postcodes outside the factory's 5900–5989 so that no factory-made address can collide.
    return AddressFactory(
        area=area_, street=street_, postcode=f"{next(_postcodes)}AA", huisnummer=1, complex_number=complex_number
    )


def household(name: str, *places: tuple[object, datetime.date, datetime.date | None]):
    """A household with its residences: (address, start_date, end_date)."""
    result = HouseholdFactory(name=name)
    for address_, start, end in places:
        ResidenceFactory(household=result, address=address_, start_date=start, end_date=end)
    return result


def member(household_, given_names: str, born: datetime.date):
    person = PersonFactory(given_names=given_names, family_name=household_.name, date_of_birth=born)
    MemberFactory(household=household_, person=person, start_date=D(2000, 1, 1))
    return person


def conversation(household_, held_on: datetime.date, *, by) -> Conversation:
    return Conversation.objects.create(
        programme_id=household_programme_id(household_.pk),
        household=household_,
        held_on=held_on,
        instrument_version=current_instrument(),
        informed=True,
        created_by=by,
    )


def cohesion_interview(conversation_: Conversation, person, values: tuple[int | None, ...]) -> Interview:
    interview = Interview.objects.create(conversation=conversation_, person=person)
    for statement, value in zip(statements(), values, strict=True):
        if value is None:
            CohesionAnswer.objects.create(interview=interview, statement=statement, non_answer="declined")
        else:
            CohesionAnswer.objects.create(interview=interview, statement=statement, value=value)
    return interview


def wave(programme_: Programme, name: str, starts_on: datetime.date, ends_on: datetime.date, *, by) -> Wave:
    return Wave.objects.create(programme=programme_, name=name, starts_on=starts_on, ends_on=ends_on, created_by=by)


def door_response(wave_: Wave, area_: Area, street_: Street, values: tuple[int | None, ...], *, by) -> WaveResponse:
    response = WaveResponse.objects.create(
        wave=wave_, area=area_, street=street_, answered_on=wave_.starts_on, instrument_version=1, recorded_by=by
    )
    for statement, value in zip(statements(), values, strict=True):
        if value is None:
            WaveAnswer.objects.create(response=response, statement=statement, non_answer="declined")
        else:
            WaveAnswer.objects.create(response=response, statement=statement, value=value)
    return response


def housing(
    conversation_: Conversation,
    *,
    satisfaction: int | None,
    defects: tuple[str, ...] = (),
    move_wish: str = "",
    fits_household: str = "",
    fits_ageing: str = "",
) -> HousingAnswer:
    answer = HousingAnswer.objects.create(
        conversation=conversation_,
        satisfaction=satisfaction,
        move_wish=move_wish,
        fits_household=fits_household,
        fits_ageing=fits_ageing,
    )
    answer.defects.set(DefectCategory.objects.filter(version__number=1, code__in=defects))
    return answer


# --- The cohesion data set ------------------------------------------------------------------------


@dataclass
class CohesionWorld:
    programme: Programme
    area_a: Area
    area_b: Area
    streets: dict[str, Street]
    w1: Wave
    w2: Wave
    user: object
    households: dict[str, object] = field(default_factory=dict)

    def street_names(self) -> dict[int, str]:
        return {s.pk: s.name for s in self.streets.values()}

    def sid(self, name: str) -> int:
        return self.streets[name].pk


def cohesion_world() -> CohesionWorld:
    """Programme "Cohesie": area A (Appelstraat, Berkenlaan, Cederweg) and area B (Dahliastraat); a
    foreign programme with Elzenhof. Wave 1 runs 1 March – 30 April 2026, wave 2 1 September –
    31 October 2026.

    Households (area A unless said otherwise):
      H1 at Appelstraat a1 since 2010: Anna (1980), Bert (1978).
      H2 at Appelstraat a2 since 2010: Cora (1985), Daan (born 12 Sep 2011), Eva (1990).
      H3 at Cederweg c1 2012 – 10 Mar 2026, then at Berkenlaan b1 from 10 Mar 2026: Fleur, Gijs.
      H4 at Berkenlaan b2 since 2015: Hans.
      H5 at Cederweg c2 2014 – 1 Apr 2026, then at Appelstraat a5 from 1 Apr 2026: Ivo.
      H6 at Dahliastraat d1 (area B) since 2016: Jan.
      H7 at Elzenhof f1 (the foreign programme): Karin.

    Wave 1 (the respondent's index after the arrow):
      H1  5 Mar: Anna REVERSE → 25/3; Bert ZERO (not his latest interview in wave 1).
      H1 20 Apr: Bert TEN → 10 (his latest interview: counts once, with this one).
      H1 15 May: Anna ZERO — between the waves, in neither.
      H2  7 Mar: Cora FOUR → 7.5; Daan TEN, but 14 that day → left out; Eva THREE → left out.
      H3 10 Mar (the day of the move): Fleur SEVEN_5 → 7.5, Gijs FIVE → 5, both at Berkenlaan.
      H4 12 Mar: Hans TEN → 10 (Berkenlaan).
      H5 15 Mar (still at Cederweg): Ivo TWO_5 → 2.5 (Cederweg).
      H6 20 Mar: Jan FIVE → 5 (Dahliastraat, area B).
      H7 20 Mar: Karin ZERO — another programme, ignored.
      Door: Appelstraat FIVE → 5, Appelstraat TWO_5 → 2.5, Appelstraat THREE → left out,
            Berkenlaan ZERO → 0, Dahliastraat (area B) TEN → 10.
    Wave 2:
      H1 10 Sep: Anna SEVEN_5 → 7.5, Bert SEVEN_5 → 7.5.
      H2 12 Sep: Cora FIVE → 5; Daan TEN → 10 (15 today, his birthday: counts).
      H5 15 Sep (now at Appelstraat): Ivo FIVE → 5 (Appelstraat).
      Door: Berkenlaan TEN → 10, ZERO → 0, TWO_5 → 2.5.
    """
    user = worker()
    prog = programme("Cohesie", "cohesie")
    area_a, area_b = area(prog, "Ruit-Noord"), area(prog, "Ruit-Zuid")
    foreign_area = area(programme("Elders", "elders"), "Elders")
    streets = {n: street(n) for n in ("Appelstraat", "Berkenlaan", "Cederweg", "Dahliastraat", "Elzenhof")}
    a1, a2, a5 = (address(area_a, streets["Appelstraat"]) for _ in range(3))
    b1, b2 = (address(area_a, streets["Berkenlaan"]) for _ in range(2))
    c1, c2 = (address(area_a, streets["Cederweg"]) for _ in range(2))
    d1 = address(area_b, streets["Dahliastraat"])
    f1 = address(foreign_area, streets["Elzenhof"])

    w1 = wave(prog, "Wave 1", D(2026, 3, 1), D(2026, 4, 30), by=user)
    w2 = wave(prog, "Wave 2", D(2026, 9, 1), D(2026, 10, 31), by=user)
    world = CohesionWorld(prog, area_a, area_b, streets, w1, w2, user)

    h1 = household("H1", (a1, D(2010, 1, 1), None))
    anna, bert = member(h1, "Anna", D(1980, 1, 1)), member(h1, "Bert", D(1978, 1, 1))
    h2 = household("H2", (a2, D(2010, 1, 1), None))
    cora, daan, eva = (
        member(h2, "Cora", D(1985, 1, 1)),
        member(h2, "Daan", D(2011, 9, 12)),
        member(h2, "Eva", D(1990, 1, 1)),
    )
    h3 = household("H3", (c1, D(2012, 1, 1), D(2026, 3, 10)), (b1, D(2026, 3, 10), None))
    fleur, gijs = member(h3, "Fleur", D(1970, 1, 1)), member(h3, "Gijs", D(1972, 1, 1))
    h4 = household("H4", (b2, D(2015, 1, 1), None))
    hans = member(h4, "Hans", D(1960, 1, 1))
    h5 = household("H5", (c2, D(2014, 1, 1), D(2026, 4, 1)), (a5, D(2026, 4, 1), None))
    ivo = member(h5, "Ivo", D(1995, 1, 1))
    h6 = household("H6", (d1, D(2016, 1, 1), None))
    jan = member(h6, "Jan", D(1988, 1, 1))
    h7 = household("H7", (f1, D(2010, 1, 1), None))
    karin = member(h7, "Karin", D(1980, 1, 1))
    world.households = {"H1": h1, "H2": h2, "H3": h3, "H4": h4, "H5": h5, "H6": h6, "H7": h7}

    # Wave 1
    c = conversation(h1, D(2026, 3, 5), by=user)
    cohesion_interview(c, anna, REVERSE)
    cohesion_interview(c, bert, ZERO)
    cohesion_interview(conversation(h1, D(2026, 4, 20), by=user), bert, TEN)
    cohesion_interview(conversation(h1, D(2026, 5, 15), by=user), anna, ZERO)
    c = conversation(h2, D(2026, 3, 7), by=user)
    cohesion_interview(c, cora, FOUR)
    cohesion_interview(c, daan, TEN)
    cohesion_interview(c, eva, THREE)
    c = conversation(h3, D(2026, 3, 10), by=user)
    cohesion_interview(c, fleur, SEVEN_5)
    cohesion_interview(c, gijs, FIVE)
    cohesion_interview(conversation(h4, D(2026, 3, 12), by=user), hans, TEN)
    cohesion_interview(conversation(h5, D(2026, 3, 15), by=user), ivo, TWO_5)
    cohesion_interview(conversation(h6, D(2026, 3, 20), by=user), jan, FIVE)
    cohesion_interview(conversation(h7, D(2026, 3, 20), by=user), karin, ZERO)
    for street_name, values in (
        ("Appelstraat", FIVE),
        ("Appelstraat", TWO_5),
        ("Appelstraat", THREE),
        ("Berkenlaan", ZERO),
    ):
        door_response(w1, area_a, streets[street_name], values, by=user)
    door_response(w1, area_b, streets["Dahliastraat"], TEN, by=user)

    # Wave 2
    c = conversation(h1, D(2026, 9, 10), by=user)
    cohesion_interview(c, anna, SEVEN_5)
    cohesion_interview(c, bert, SEVEN_5)
    c = conversation(h2, D(2026, 9, 12), by=user)
    cohesion_interview(c, cora, FIVE)
    cohesion_interview(c, daan, TEN)
    cohesion_interview(conversation(h5, D(2026, 9, 15), by=user), ivo, FIVE)
    for values in (TEN, ZERO, TWO_5):
        door_response(w2, area_a, streets["Berkenlaan"], values, by=user)
    return world


# --- The turnover data set ------------------------------------------------------------------------


@dataclass
class TurnoverWorld:
    area: Area
    x: Street
    y: Street


def turnover_world() -> TurnoverWorld:
    """Area T with Xstraat (x1…x7) and Ystraat (y1…y6); area O elsewhere (Zstraat o1, o2).

    T1  x1 since 2010, no move.
    T2  x2 2015 – 1 Jun 2025, then x3 from 1 Jun 2025: within Xstraat on the same day → nothing.
    T3  y1 2018 – 15 Sep 2025, then x4 from 15 Sep 2025: out of Ystraat and into Xstraat in 2025.
    T4  o1 (area O) 2000 – 1 Mar 2026, then y2 from 1 Mar 2026: into Ystraat in 2026.
    T5  x5 2012 – 1 Jul 2026, then o2 (area O): out of Xstraat in 2026.
    T6  y3 2019 – 30 Apr 2025, then y4 from 10 May 2025: the same street but not the same day →
        out of and into Ystraat in 2025.
    T7  x6 from 1 Jan 2026: into Xstraat in 2026, and living there on 1 January 2026.
    T8  y5 2016 – 1 Jan 2025: out of Ystraat in 2025; no longer living there on 1 January 2025.
    T9  x7 from 31 Dec 2024: moved in in 2024, outside the years asked.
    T10 y6 2000 – 1 May 2023: gone before the years asked.
    """
    prog = programme("Verhuizingen", "verhuizingen")
    area_t, area_o = area(prog, "Tuinwijk"), area(prog, "Overkant")
    x, y, z = street("Xstraat"), street("Ystraat"), street("Zstraat")
    xs = [address(area_t, x) for _ in range(7)]
    ys = [address(area_t, y) for _ in range(6)]
    o1, o2 = address(area_o, z), address(area_o, z)
    household("T1", (xs[0], D(2010, 1, 1), None))
    household("T2", (xs[1], D(2015, 1, 1), D(2025, 6, 1)), (xs[2], D(2025, 6, 1), None))
    household("T3", (ys[0], D(2018, 1, 1), D(2025, 9, 15)), (xs[3], D(2025, 9, 15), None))
    household("T4", (o1, D(2000, 1, 1), D(2026, 3, 1)), (ys[1], D(2026, 3, 1), None))
    household("T5", (xs[4], D(2012, 1, 1), D(2026, 7, 1)), (o2, D(2026, 7, 1), None))
    household("T6", (ys[2], D(2019, 1, 1), D(2025, 4, 30)), (ys[3], D(2025, 5, 10), None))
    household("T7", (xs[5], D(2026, 1, 1), None))
    household("T8", (ys[4], D(2016, 1, 1), D(2025, 1, 1)))
    household("T9", (xs[6], D(2024, 12, 31), None))
    household("T10", (ys[5], D(2000, 1, 1), D(2023, 5, 1)))
    return TurnoverWorld(area=area_t, x=x, y=y)


# --- The housing data set -------------------------------------------------------------------------


@dataclass
class HousingWorld:
    programme: Programme
    area_a: Area
    area_b: Area
    households: dict[str, object]
    addresses: dict[str, object]
    user: object


def housing_world() -> HousingWorld:
    """Programme "Wonen", period 1 March – 31 October 2026. Area A: a1, a2, a6 in complex C-101,
    a3 in C-102, a4 and a5 not the association's (""); area B: b1, b2 in C-201. A foreign programme
    with f1 in complex C-101 (the same number, another programme).

      K1 at a1: 1 Apr satisfaction 2, vocht, move, too small, ageing no (not its latest);
                1 Sep satisfaction 4, vocht + isolatie, stay, fits, ageing yes.
      K2 at a2: 1 May satisfaction 5, no defects, undecided, too big, ageing no.
      K3 at a3: 1 Jun satisfaction 2, keuken, move, too small, ageing adaptable;
                15 Nov satisfaction 5 … — after the period, ignored.
      K4 at a4: 1 Jul satisfaction not answered, vocht, stay, fits, ageing no.
      K5 at a5: only 15 Feb (before the period) satisfaction 1, dak, move — ignored.
      K6 at b1: 1 Aug satisfaction not answered, dak, nothing else answered.
      K7 at a5 until 15 Jun, at b2 from 15 Jun: 15 Jun satisfaction 4, stay, fits, ageing yes →
                area B, complex C-201 (the address of the day of the conversation).
      K8 at a6: 10 Apr satisfaction 2, isolatie, undecided, fits, ageing no;
                1 Oct a conversation without a housing section → the 10 Apr one counts.
      K9 at f1 (foreign programme): 1 May satisfaction 1 — ignored.
    """
    user = worker()
    prog = programme("Wonen", "wonen")
    area_a, area_b = area(prog, "Wonen-Noord"), area(prog, "Wonen-Zuid")
    foreign_area = area(programme("Wonen elders", "wonen-elders"), "Elders")
    s = street("Woonstraat")
    addresses = {
        "a1": address(area_a, s, complex_number="C-101"),
        "a2": address(area_a, s, complex_number="C-101"),
        "a6": address(area_a, s, complex_number="C-101"),
        "a3": address(area_a, s, complex_number="C-102"),
        "a4": address(area_a, s),
        "a5": address(area_a, s),
        "b1": address(area_b, s, complex_number="C-201"),
        "b2": address(area_b, s, complex_number="C-201"),
        "f1": address(foreign_area, s, complex_number="C-101"),
    }
    since = D(2010, 1, 1)
    k = {
        name: household(name, (addresses[a], since, None))
        for name, a in (
            ("K1", "a1"),
            ("K2", "a2"),
            ("K3", "a3"),
            ("K4", "a4"),
            ("K5", "a5"),
            ("K6", "b1"),
            ("K8", "a6"),
            ("K9", "f1"),
        )
    }
    k["K7"] = household("K7", (addresses["a5"], since, D(2026, 6, 15)), (addresses["b2"], D(2026, 6, 15), None))

    def said(name, day, **answers):
        housing(conversation(k[name], day, by=user), **answers)

    said(
        "K1",
        D(2026, 4, 1),
        satisfaction=2,
        defects=("vocht",),
        move_wish="move",
        fits_household="too_small",
        fits_ageing="no",
    )
    said(
        "K1",
        D(2026, 9, 1),
        satisfaction=4,
        defects=("vocht", "isolatie"),
        move_wish="stay",
        fits_household="fits",
        fits_ageing="yes",
    )
    said("K2", D(2026, 5, 1), satisfaction=5, move_wish="undecided", fits_household="too_big", fits_ageing="no")
    said(
        "K3",
        D(2026, 6, 1),
        satisfaction=2,
        defects=("keuken",),
        move_wish="move",
        fits_household="too_small",
        fits_ageing="adaptable",
    )
    said("K3", D(2026, 11, 15), satisfaction=5, move_wish="stay", fits_household="fits", fits_ageing="yes")
    said(
        "K4",
        D(2026, 7, 1),
        satisfaction=None,
        defects=("vocht",),
        move_wish="stay",
        fits_household="fits",
        fits_ageing="no",
    )
    said("K5", D(2026, 2, 15), satisfaction=1, defects=("dak",), move_wish="move")
    said("K6", D(2026, 8, 1), satisfaction=None, defects=("dak",))
    said("K7", D(2026, 6, 15), satisfaction=4, move_wish="stay", fits_household="fits", fits_ageing="yes")
    said(
        "K8",
        D(2026, 4, 10),
        satisfaction=2,
        defects=("isolatie",),
        move_wish="undecided",
        fits_household="fits",
        fits_ageing="no",
    )
    conversation(k["K8"], D(2026, 10, 1), by=user)  # no housing section
    said("K9", D(2026, 5, 1), satisfaction=1, move_wish="move")
    return HousingWorld(prog, area_a, area_b, k, addresses, user)
