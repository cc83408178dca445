"""The plan of a region (areas by size and place) and what one area's table families pass on to
the next: the chunk, the run's context, and the small records of staff, instrument and visits."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from stijging.accounts.models import Organisation
from stijging.registry.models import (
    Programme,
    Relation,
)

from .writer import RowWriter

GEMEENTECODE = "0983"  # the CBS code of Venlo; buurt codes and BAG ids are built on it

# Areas, streets and addresses -------------------------------------------------------------------
AREA_HOUSEHOLDS = (2_000, 4_000)
ADDRESSES_PER_HOUSEHOLD = 1.06  # ~6% of dwellings stand empty (SPEC §4 shows them beside the rate)
STREET_ADDRESSES = (20, 60)  # ~40 on average
POSTCODE_SECTION = 20  # a postcode covers a section of about this many addresses of one street
MOVED_SHARE = 0.08  # households that lived at another address before (a move in the history)

# Noord-Limburg places, weighted roughly by size; streets are unique per place.
WOONPLAATSEN = [
    ("Venlo", 30),
    ("Blerick", 10),
    ("Tegelen", 6),
    ("Venray", 12),
    ("Horst", 6),
    ("Panningen", 4),
    ("Gennep", 4),
    ("Reuver", 3),
    ("Sevenum", 2),
    ("Belfeld", 2),
    ("Grubbenvorst", 2),
    ("Helden", 2),
    ("Baarlo", 2),
    ("Maasbree", 2),
    ("Arcen", 1),
    ("Beesel", 1),
    ("Kessel", 1),
    ("Meerlo", 1),
    ("America", 1),
    ("Velden", 1),
    ("Bergen", 1),
    ("Steyl", 1),
]
# RD (EPSG:28992) box around Noord-Limburg, metres.
RD_X = (193_000, 214_000)
RD_Y = (366_000, 404_000)


# --- The plan and the per-area chunk --------------------------------------------------------------


@dataclass
class AreaPlan:
    index: int
    households: int
    woonplaats: str


@dataclass
class StreetState:
    """A street being laid out; a through-road continues into the next area of the same place."""

    id: int
    name: str
    woonplaats: str
    next_number: int
    x: float
    y: float
    dx: float
    dy: float
    bouwjaar: int


@dataclass
class HouseholdDraft:
    """A generated household, as later families need it."""

    id: int
    name: str
    family: tuple[str, str]
    shape: list[tuple[Relation, int, int]]
    head_born: datetime.date
    address_id: int
    moved_in: datetime.date
    since: datetime.date  # start of its first residence (earlier than moved_in for movers)


@dataclass
class PersonInfo:
    """What later table families need to know of a generated person, without a query."""

    id: int
    household_id: int
    relation: str
    date_of_birth: datetime.date
    current: bool


@dataclass
class AreaChunk:
    """One area's generated rows, by id, for the families that build on them."""

    plan: AreaPlan
    area_id: int
    address_ids: list[int] = field(default_factory=list)
    households: list[HouseholdDraft] = field(default_factory=list)
    persons: list[PersonInfo] = field(default_factory=list)
    # Passed on between the outreach, conversation and care families:
    visits_planned: list[tuple[HouseholdDraft, datetime.date]] = field(default_factory=list)
    appointments: list[list] = field(default_factory=list)
    visits: list = field(default_factory=list)
    proposals: list[list] = field(default_factory=list)
    consents: list[tuple] = field(default_factory=list)
    # For the neighbourhood family: the area's streets (id, name), each address's street, the person
    # rows as written (ids consecutive, for names) and who is in which trajectory.
    streets: list[tuple[int, str]] = field(default_factory=list)
    address_street: dict[int, int] = field(default_factory=dict)
    person_rows: list[tuple] = field(default_factory=list)
    trajectory_status: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # (status, last rung)


@dataclass
class Context:
    seed: int
    today: datetime.date
    now: datetime.datetime
    writer: RowWriter
    programme: Programme
    organisations: dict[str, Organisation]
    used_postcodes: set[str]
    used_street_names: dict[str, set[str]]
    postcodes: Iterator[str] = field(init=False)
    streets_by_place: dict[str, StreetState] = field(default_factory=dict)
    complex_counter: int = 100
    # Set by `generate_region` before the per-area loop (the outreach and care families use them).
    staff: Staff = field(init=False)
    instrument: Instrument = field(init=False)
    cohesion: Cohesion = field(init=False)

    def __post_init__(self) -> None:
        self.postcodes = _postcode_iterator(self.used_postcodes)

    def rng(self, family: str, index: int = 0) -> random.Random:
        return random.Random(f"{self.seed}:{family}:{index}")


@dataclass
class GenerateResult:
    programme: Programme
    areas: int = 0
    streets: int = 0
    addresses: int = 0
    households: int = 0
    residences: int = 0
    persons: int = 0
    memberships: int = 0
    consents: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # every table written, by name


def _postcode_iterator(used: set[str]) -> Iterator[str]:
    """Noord-Limburg postcodes 5800–5999 in order, skipping those already in the database (SA, SD
    and SS are never issued)."""
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    for digits in range(5800, 6000):
        for first in letters:
            for second in letters:
                pair = first + second
                if pair in ("SA", "SD", "SS"):
                    continue
                postcode = f"{digits}{pair}"
                if postcode not in used:
                    yield postcode
    raise RuntimeError("The postcode range 5800–5999 is used up; generate fewer households.")


def _plan_areas(rng: random.Random, households: int) -> list[AreaPlan]:
    low, high = AREA_HOUSEHOLDS
    count = max(1, round(households / ((low + high) / 2)))
    weights = [rng.uniform(low, high) for _ in range(count)]
    total = sum(weights)
    sizes = [int(households * w / total) for w in weights]
    for i in range(households - sum(sizes)):
        sizes[i % count] += 1
    places = [name for name, _w in WOONPLAATSEN]
    place_weights = [w for _n, w in WOONPLAATSEN]
    chosen = sorted(rng.choices(places, weights=place_weights, k=count), key=places.index)
    # The areas of one place are neighbours: grouped, so a through-road can continue into the next.
    return [
        AreaPlan(index=i, households=size, woonplaats=place)
        for i, (size, place) in enumerate(zip(sizes, chosen, strict=True))
    ]


@dataclass
class Staff:
    """The programme's users the generated rows point at (synthetic, besides the bench users)."""

    fieldworkers: list[int]  # the bench fieldworker first
    case_managers: list[int]  # the bench case manager first
    partners: dict[int, list[int]]  # organisation id -> its partner users (the bench partner first at the GGD)
    partner_organisations: list[tuple[int, str]]  # (id, kind)
    service_days: dict[int, int]
    coordinator: int = 0  # the bench coordinator: records the activities, volunteers and door answers


@dataclass
class Instrument:
    version_id: int
    domains: list[tuple[int, str, int, int | None]]  # id, code, min age, max age
    statements: list[int]
    defects: list[int]
    number: int = 1  # InstrumentVersion.number, which a door response keeps


@dataclass
class Visit:
    """A held conversation, for the care families: who was interviewed and what they answered."""

    conversation_id: int
    household_id: int
    held_on: datetime.date
    worker_id: int
    # person id -> (interview id, age, rung, [(domain id, code, score, answer id, proposal id or None)])
    interviews: dict[int, tuple[int, int, int | None, list[list]]]


@dataclass
class Cohesion:
    """Programme-wide: the kinds of activity by code and the two waves (made before the area loop)."""

    kinds: dict[str, int]
    wave_one: int
    wave_two: int
    two_starts: datetime.date
    two_ends: datetime.date


def aware(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def years_ago(today: datetime.date, years: float) -> datetime.date:
    return today - datetime.timedelta(days=int(years * 365.25))
