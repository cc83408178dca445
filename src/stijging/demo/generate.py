"""Realistic volume: a whole synthetic region for the benchmark (SPEC §3 "Scale").

`generate_region(households=400_000)` makes one programme "Regio Noord-Limburg (benchmark)" with
areas of 2,000–4,000 households (CBS-like buurt codes BU0983xxxx), fictional streets of ~40
addresses with every BAG field filled, households with dated residences (some moved: their
earlier address is history), ~2.4 persons per household with the demo's age structure and dated
memberships, some consents, and one user per role (``<role>@bench.stijging.nl``) with a TOTP
authenticator, so the benchmark can log in through the real login form of a production-configured
server.

This module is *the* place that knows how to make realistic volume: each part adds its tables as one
more ``_<family>(ctx, chunk)`` function called from the per-area loop in `generate_region` — so far
the registry, outreach (attempts, appointments, derived status), conversations (interviews, answers,
proposals), care (trajectories, measurements, referrals with their consents and grants) and the
neighbourhood track (activities, participants and volunteers with their hours, door responses of
the cohesion survey's second wave; the two waves themselves are made once, before the area loop).

How rows get in, and how ids are chosen
---------------------------------------
Rows are written area by area (one area is one `AreaChunk`), so memory stays bounded whatever N.
Ids are allocated here, not by the database, so children can point at parents without reading
anything back:

* PostgreSQL: each table is locked (``SHARE ROW EXCLUSIVE``: readers go on, no one else inserts)
  for the one transaction the whole run takes; the first free id is ``max(nextval(seq), max(id)+1)``;
  rows go in with explicit ids through ``COPY ... FROM STDIN`` (psycopg 3 ``write_row``); at the end
  ``setval`` moves each sequence past the last id used, so later ordinary inserts never collide.
  Foreign keys are checked row by row (``SET CONSTRAINTS ALL IMMEDIATE``) rather than queued to the
  commit, since parents always go in first. Indexes stay in place (SPEC §3). ``ANALYZE`` runs at the end.
* SQLite (and anything else): the same explicit ids from ``max(id)+1`` (the IMMEDIATE transaction
  holds the write lock; SQLite's AUTOINCREMENT bookkeeping follows explicit ids by itself), and
  batched ``executemany`` inserts.

Determinism: every table family of every area draws from its own RNG, seeded by
``(seed, family, area index)``, so adding a family later does not change the data of the others.

It refuses to run with DEBUG off (see the command): production never holds synthetic people.
"""

from __future__ import annotations

import base64
import bisect
import datetime
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from stijging.accounts.models import Membership, Organisation, Role, User
from stijging.privacy.models import Consent, ConsentGivenBy, ConsentPurpose
from stijging.registry.models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Person,
    Programme,
    Relation,
    Street,
)

from .names import FAMILY_NAMES, GIVEN_NAMES_F, GIVEN_NAMES_M
from .seed import _household_shape, _organisations

DEFAULT_SLUG = "regio"
DEFAULT_NAME = "Regio Noord-Limburg (benchmark)"
BENCH_PASSWORD = "bench-stijging-2026"
BENCH_EMAIL_DOMAIN = "bench.stijging.nl"
# A fixed, published TOTP secret for the synthetic bench users only: the benchmark computes the
# second factor from it, so the server under test runs with MFA required, exactly as in production.
BENCH_TOTP_SECRET = base64.b32encode(b"stijging-bench-totp!").decode("ascii")
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


# --- Writing rows ---------------------------------------------------------------------------------


class RowWriter:
    """Allocates ids and writes rows: COPY on PostgreSQL, batched executemany elsewhere."""

    BATCH = 2_000

    def __init__(self, using: str = "default") -> None:
        self.connection = connections[using]
        self.postgres = self.connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}
        self._sequence: dict[type[models.Model], str] = {}
        self.rows_written: dict[str, int] = {}

    def start(self) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                # Parents always go in before their children, so check each row at once instead of
                # queueing millions of deferred FK checks to the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit = off")

    def _first_free_id(self, model: type[models.Model]) -> int:
        table = model._meta.db_table
        quoted = self.connection.ops.quote_name(table)
        with self.connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                self._sequence[model] = sequence
                cursor.execute("SELECT nextval(%s)", [sequence])
                from_sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - a model's table
                return max(from_sequence, cursor.fetchone()[0] + 1)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0]
            if self.connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
            return highest + 1

    def reserve(self, model: type[models.Model], count: int) -> int:
        """Reserve `count` consecutive ids of `model`'s table and return the first."""
        if model not in self._next_id:
            self._next_id[model] = self._first_free_id(model)
        first = self._next_id[model]
        self._next_id[model] = first + count
        return first

    def write(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        table = model._meta.db_table
        quote = self.connection.ops.quote_name
        column_list = ", ".join(quote(c) for c in columns)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
                batch: list[list] = []
                for row in rows:
                    batch.append([self._adapt(value) for value in row])
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.rows_written[table] = self.rows_written.get(table, 0) + count
        return count

    def _adapt(self, value):
        ops = self.connection.ops
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    def finish(self) -> None:
        """Move each sequence past the ids used, so ordinary inserts afterwards never collide."""
        if not self.postgres:
            return
        with self.connection.cursor() as cursor:
            for model, sequence in self._sequence.items():
                last = self._next_id[model] - 1
                # is_called false: the next nextval returns `last` itself (only when nothing was used).
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last, 1), last >= 1])

    def analyze(self) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                for table in self.rows_written:
                    cursor.execute(f"ANALYZE {self.connection.ops.quote_name(table)}")


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


# --- Table families --------------------------------------------------------------------------------


def _programme(*, slug: str, name: str | None, today: datetime.date) -> Programme:
    if Programme.objects.filter(slug=slug).exists():
        raise ValueError(f"A programme with the short name {slug!r} exists already; choose another --programme-slug.")
    return Programme.objects.create(
        slug=slug,
        name=name or (DEFAULT_NAME if slug == DEFAULT_SLUG else f"{DEFAULT_NAME} — {slug}"),
        municipality="Venlo",
        description=(
            "Synthetische regio voor de benchmark (SPEC §3): fictieve buurten en straten in Noord-Limburg "
            "met gegenereerde huishoudens. Geen echte personen."
        ),
        start_date=today.replace(month=1, day=1),
        end_date=today.replace(year=today.year + 2, month=12, day=31),
    )


def bench_email(role: str) -> str:
    return f"{role}@{BENCH_EMAIL_DOMAIN}"


def _bench_users(programme: Programme, organisations: dict[str, Organisation], *, can_log_in: bool) -> dict[str, User]:
    """One user per role in the programme (the generated rows point at them). Only with `can_log_in`
    (`generate --bench-users`) do they get the published password and TOTP secret the benchmark
    logs in with; otherwise their password is unusable and they have no second factor, so a region
    generated without asking holds no account anyone can log in to, admin included."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    users = {}
    # Hashed once: the slow hash is on purpose.
    password_hash = make_password(BENCH_PASSWORD if can_log_in else None)
    for role in Role:
        email = bench_email(role.value)
        user = User.objects.filter(email=email).first()
        if user is None:
            organisation = organisations["GGD Limburg-Noord" if role == Role.PARTNER else "Gemeente Venlo"]
            user = User.objects.create(
                username=email,
                email=email,
                password=password_hash,
                first_name="Bench",
                last_name=str(role.label),
                organisation=organisation,
            )
        if can_log_in and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, BENCH_TOTP_SECRET)
        Membership.objects.get_or_create(user=user, programme=programme, role=role.value)
        users[role.value] = user
    return users


def _areas(ctx: Context, plans: list[AreaPlan]) -> list[int]:
    rng = ctx.rng("areas")
    first = ctx.writer.reserve(Area, len(plans))
    rows = []
    names: set[str] = set()
    ids = []
    for position, plan in enumerate(plans):
        area_id = first + position
        ids.append(area_id)
        while True:
            base = rng.choice(NAME_PREFIXES) + rng.choice(AREA_SUFFIXES)
            name = f"{base} ({plan.woonplaats})"
            if name not in names:
                names.add(name)
                break
        # BU + gemeentecode + wijk (2) + buurt (2): fictional but well-formed, 50 buurten a wijk.
        buurtcode = f"BU{GEMEENTECODE}{plan.index // 50 + 1:02d}{plan.index % 50 + 1:02d}"
        slug = f"{slugify(base)}-{plan.index + 1}"
        rows.append((area_id, ctx.programme.pk, name, slug, buurtcode, ""))
    ctx.writer.write(Area, ["id", "programme_id", "name", "slug", "cbs_buurtcode", "description"], rows)
    return ids


def _street_name(ctx: Context, rng: random.Random, woonplaats: str) -> str:
    used = ctx.used_street_names.setdefault(woonplaats, set())
    for _attempt in range(40):
        name = rng.choice(NAME_PREFIXES) + rng.choice(STREET_SUFFIXES)
        if name not in used:
            used.add(name)
            return name
    # The random draws are crowded: enumerate, then qualify with a direction or a number.
    for qualifier in ["", " Noord", " Zuid", " Oost", " West", *(f" {n}" for n in range(2, 10_000))]:
        for prefix in NAME_PREFIXES:
            for suffix in STREET_SUFFIXES:
                name = f"{prefix}{suffix}{qualifier}"
                if name not in used:
                    used.add(name)
                    return name
    raise RuntimeError(f"No free street name left in {woonplaats}.")


def _new_street(ctx: Context, rng: random.Random, plan: AreaPlan, centre: tuple[float, float]) -> StreetState:
    era = rng.choices(
        [(1900, 1939), (1946, 1964), (1965, 1979), (1980, 1994), (1995, 2010), (2011, 2025)],
        weights=[8, 22, 28, 18, 16, 8],
    )[0]
    angle = rng.uniform(0, math.pi)
    return StreetState(
        id=0,
        name=_street_name(ctx, rng, plan.woonplaats),
        woonplaats=plan.woonplaats,
        next_number=1,
        x=centre[0] + rng.uniform(-700, 700),
        y=centre[1] + rng.uniform(-700, 700),
        dx=math.cos(angle) * 6.5,
        dy=math.sin(angle) * 6.5,
        bouwjaar=rng.randint(*era),
    )


ADDRESS_COLUMNS = [
    "id",
    "street_id",
    "area_id",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "woonplaats",
    "nummeraanduiding_id",
    "verblijfsobject_id",
    "gebruiksdoel",
    "oppervlakte",
    "bouwjaar",
    "rd_x",
    "rd_y",
    "complex_number",
    "retired_on",
]


def _streets_and_addresses(ctx: Context, chunk: AreaChunk) -> None:
    """Streets of ~40 addresses (some flats with numbered units, a few through-roads continuing
    from the previous area of the same place), postcodes per street section, BAG ids, RD
    coordinates, year built, floor area and housing-association complexes."""
    plan = chunk.plan
    rng = ctx.rng("addresses", plan.index)
    target = math.ceil(plan.households * ADDRESSES_PER_HOUSEHOLD) + 1
    # Areas laid on a loose grid over the RD box.
    columns = 12
    centre = (
        RD_X[0] + (plan.index % columns + 0.5) * (RD_X[1] - RD_X[0]) / columns + rng.uniform(-400, 400),
        RD_Y[0] + ((plan.index // columns) % 16 + 0.5) * (RD_Y[1] - RD_Y[0]) / 16 + rng.uniform(-400, 400),
    )
    street_rows: list[tuple] = []
    layouts: list[tuple[StreetState, int]] = []
    planned = 0
    previous = ctx.streets_by_place.get(plan.woonplaats)
    if previous is not None and rng.random() < 0.5:
        # A long through-road: the same street, its numbering going on in this area.
        length = rng.randint(*STREET_ADDRESSES)
        layouts.append((previous, length))
        planned += length
    while planned < target:
        length = min(rng.randint(*STREET_ADDRESSES), target - planned)
        if target - planned - length < STREET_ADDRESSES[0] // 2:
            length = target - planned
        street = _new_street(ctx, rng, plan, centre)
        layouts.append((street, length))
        planned += length
    new_streets = [street for street, _n in layouts if street.id == 0]
    first_street = ctx.writer.reserve(Street, len(new_streets))
    for offset, street in enumerate(new_streets):
        street.id = first_street + offset
        street_rows.append((street.id, street.name, street.woonplaats, f"{GEMEENTECODE}30{street.id:010d}"))
    ctx.writer.write(Street, ["id", "name", "woonplaats", "openbare_ruimte_id"], street_rows)

    first_address = ctx.writer.reserve(Address, planned)
    address_rows: list[tuple] = []
    next_id = first_address
    for street, length in layouts:
        social = rng.random() < 0.4
        flats = rng.random() < 0.15
        made = 0
        section_left = 0
        postcode = ""
        complex_number = ""
        while made < length:
            number = street.next_number
            street.next_number += 1
            if flats:
                units = [str(u) for u in range(1, min(rng.randint(4, 12), length - made) + 1)]
            elif rng.random() < 0.03:
                units = ["", "a"]  # 12 and 12a
                units = units[: length - made]
            else:
                units = [""]
            for unit in units:
                if section_left == 0:
                    postcode = next(ctx.postcodes)
                    section_left = POSTCODE_SECTION + rng.randint(-6, 6)
                    if social:
                        ctx.complex_counter += 1
                        complex_number = f"WVB-{ctx.complex_counter}"
                section_left -= 1
                huisletter = unit if unit.isalpha() else ""
                toevoeging = unit if unit.isdigit() else ""
                side = 1 if number % 2 else -1
                distance = (number // 2) * 1.0
                x = street.x + street.dx * distance - street.dy * 1.8 * side + rng.uniform(-1, 1)
                y = street.y + street.dy * distance + street.dx * 1.8 * side + rng.uniform(-1, 1)
                bouwjaar = street.bouwjaar + (rng.randint(0, 4) if rng.random() < 0.1 else 0)
                oppervlakte = rng.randint(42, 95) if flats else rng.randint(70, 165)
                address_rows.append(
                    (
                        next_id,
                        street.id,
                        chunk.area_id,
                        postcode,
                        number,
                        huisletter,
                        toevoeging,
                        street.woonplaats,
                        f"{GEMEENTECODE}20{next_id:010d}",
                        f"{GEMEENTECODE}01{next_id:010d}",
                        "woonfunctie",
                        oppervlakte,
                        min(bouwjaar, ctx.today.year),
                        f"{x:.3f}",
                        f"{y:.3f}",
                        complex_number if social else "",
                        None,
                    )
                )
                chunk.address_ids.append(next_id)
                chunk.address_street[next_id] = street.id
                next_id += 1
                made += 1
        ctx.streets_by_place[street.woonplaats] = street
        chunk.streets.append((street.id, street.name))
    ctx.writer.write(Address, ADDRESS_COLUMNS, address_rows)


def _years_ago(today: datetime.date, years: float) -> datetime.date:
    return today - datetime.timedelta(days=int(years * 365.25))


def _family_name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < COMMON_SURNAME_SHARE:
        return rng.choice(FAMILY_NAMES)
    return rng.choice(SURNAME_TAIL)


def _households_and_residences(ctx: Context, chunk: AreaChunk) -> None:
    """Households on ~94% of the addresses, each with its current residence; ~8% moved within the
    area: their earlier residence ended on the day they moved in, at an address whose present
    household came later (a vacancy chain) or one that stands empty now."""
    rng = ctx.rng("households", chunk.plan.index)
    today = ctx.today
    addresses = list(chunk.address_ids)
    rng.shuffle(addresses)
    count = min(chunk.plan.households, len(addresses))
    occupied, empty = addresses[:count], addresses[count:]
    first = ctx.writer.reserve(Household, count)
    drafts: list[HouseholdDraft] = []
    for i, address_id in enumerate(occupied):
        shape = _household_shape(rng)
        head_age = rng.uniform(shape[0][1], shape[0][2] + 0.999)
        # Years at this address: most households moved in recently, some decades ago, none as minors.
        lived_here = max(min(rng.expovariate(1 / 11), head_age - 18, 55), 0.1)
        moved_in = _years_ago(today, lived_here)
        tussenvoegsel, family = _family_name(rng)
        # Without a given name in front, a tussenvoegsel takes a capital: "Van Dijk".
        name = f"{tussenvoegsel[:1].upper()}{tussenvoegsel[1:]} {family}" if tussenvoegsel else family
        drafts.append(
            HouseholdDraft(
                id=first + i,
                name=name,
                family=(tussenvoegsel, family),
                shape=shape,
                head_born=_years_ago(today, head_age),
                address_id=address_id,
                moved_in=moved_in,
                since=moved_in,
            )
        )
    ctx.writer.write(
        Household,
        ["id", "name", "note", "created_at", "version"],
        ((d.id, d.name, "", ctx.now, 1) for d in drafts),
    )

    by_arrival = sorted(drafts, key=lambda d: d.moved_in)
    arrivals = [d.moved_in for d in by_arrival]
    taken: set[int] = set()
    residences: list[tuple] = []
    for draft in drafts:
        adult_on = draft.head_born + datetime.timedelta(days=int(18 * 365.25))
        room = (draft.moved_in - adult_on).days
        if rng.random() >= MOVED_SHARE or room < 400:
            continue
        earlier_address = None
        later = bisect.bisect_right(arrivals, draft.moved_in)
        for _attempt in range(6):
            if later >= len(by_arrival):
                break
            candidate = by_arrival[rng.randrange(later, len(by_arrival))]
            if candidate.address_id not in taken:
                earlier_address = candidate.address_id
                break
        if earlier_address is None and empty:
            candidate_id = empty[rng.randrange(len(empty))]
            if candidate_id not in taken:
                earlier_address = candidate_id
        if earlier_address is None:
            continue
        taken.add(earlier_address)
        draft.since = draft.moved_in - datetime.timedelta(days=rng.randint(365, min(room, 15 * 365)))
        residences.append((draft.id, earlier_address, draft.since, draft.moved_in))
    residences.extend((draft.id, draft.address_id, draft.moved_in, None) for draft in drafts)
    first_residence = ctx.writer.reserve(HouseholdResidence, len(residences))
    ctx.writer.write(
        HouseholdResidence,
        ["id", "household_id", "address_id", "start_date", "end_date"],
        ((first_residence + i, *row) for i, row in enumerate(residences)),
    )
    chunk.households = drafts


PERSON_COLUMNS = [
    "id",
    "given_names",
    "tussenvoegsel",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
    "bsn",
    "created_at",
    "version",
    "anonymised_at",
]


def _persons_and_memberships(ctx: Context, chunk: AreaChunk) -> None:
    """Members in the demo's household shapes (`seed._household_shape`): ages from the shape, a
    partner or parent sometimes with a family name of their own, children no older than the
    household's years here allow; now and then a grown child has left (the membership ends)."""
    rng = ctx.rng("persons", chunk.plan.index)
    today = ctx.today
    total = sum(len(d.shape) for d in chunk.households)
    first_person = ctx.writer.reserve(Person, total)
    first_membership = ctx.writer.reserve(HouseholdMembership, total)
    persons: list[tuple] = []
    memberships: list[list] = []
    person_id = first_person
    for index, draft in enumerate(chunk.households):
        head_female = rng.random() < 0.5
        years_here = (today - draft.moved_in).days / 365.25
        members: list[tuple[tuple, list, PersonInfo]] = []
        for member_index, (relation, low, high) in enumerate(draft.shape):
            if member_index == 0:
                born = draft.head_born
                female = head_female
            else:
                if relation == Relation.CHILD:
                    high = min(high, max(low, int(years_here) + 17))
                born = _years_ago(today, rng.uniform(low, high + 0.999))
                female = (not head_female) if relation == Relation.PARTNER else rng.random() < 0.5
            given = rng.choice(GIVEN_NAMES_F if female else GIVEN_NAMES_M)
            tussenvoegsel, family = draft.family
            if relation in (Relation.PARTNER, Relation.PARENT) and rng.random() < 0.45:
                tussenvoegsel, family = _family_name(rng)
            adult = (today - born).days > 16 * 365
            phone = f"+316{rng.randint(10_000_000, 99_999_999)}" if adult and rng.random() < 0.85 else ""
            members.append(
                (
                    (person_id, given, tussenvoegsel, family, born, phone, "", "", ctx.now, 1, None),
                    [draft.id, person_id, relation.value, max(draft.since, born), None],
                    PersonInfo(person_id, draft.id, relation.value, born, True),
                )
            )
            person_id += 1
        # Now and then a grown child has left home: the membership ends, the person stays on record.
        children = [m for m in members if m[2].relation == Relation.CHILD]
        if index % 23 == 0 and children:
            _row, membership, info = min(children, key=lambda m: m[2].date_of_birth)
            membership[4] = max(membership[3], today - datetime.timedelta(days=rng.randint(30, 700)))
            info.current = False
        for person_row, membership, info in members:
            persons.append(person_row)
            memberships.append(membership)
            chunk.persons.append(info)
    ctx.writer.write(Person, PERSON_COLUMNS, persons)
    chunk.person_rows = persons
    ctx.writer.write(
        HouseholdMembership,
        ["id", "household_id", "person_id", "relation", "start_date", "end_date"],
        ((first_membership + i, *row) for i, row in enumerate(memberships)),
    )


CONSENT_COLUMNS = [
    "id",
    "person_id",
    "purpose",
    "organisation_id",
    "given_by",
    "parent_name",
    "given_on",
    "note",
    "recorded_by_id",
    "recorded_at",
    "withdrawn_on",
    "withdrawn_by_id",
    "withdrawal_note",
]


def _consents(ctx: Context, chunk: AreaChunk) -> None:
    """As in the demo: a fifth of the main occupants consented to receive help, a tenth also to
    sharing with the GGD (one in five of those withdrew it a month later)."""
    rng = ctx.rng("consents", chunk.plan.index)
    ggd = ctx.organisations["GGD Limburg-Noord"]
    start = ctx.programme.start_date
    days = max(1, min((ctx.today - start).days, 300))
    rows: list[tuple] = []
    heads = [p for p in chunk.persons if p.relation == Relation.HEAD]
    for index, person in enumerate(heads):
        if index % 5:
            continue
        given_on = start + datetime.timedelta(days=rng.randint(0, days))
        rows.append((person.id, ConsentPurpose.RECEIVE_HELP.value, None, given_on, None))
        if index % 10 == 0:
            withdrawn = given_on + datetime.timedelta(days=30) if index % 50 == 0 else None
            rows.append((person.id, ConsentPurpose.SHARE_WITH_ORGANISATION.value, ggd.pk, given_on, withdrawn))
    first = ctx.writer.reserve(Consent, len(rows))
    person_given = ConsentGivenBy.PERSON.value
    ctx.writer.write(
        Consent,
        CONSENT_COLUMNS,
        (
            (first + i, person_id, purpose, org, person_given, "", given_on, "", None, ctx.now, withdrawn, None, "")
            for i, (person_id, purpose, org, given_on, withdrawn) in enumerate(rows)
        ),
    )


# --- Outreach, conversations, help trajectories and referrals --------------------------------------
# The programme in progress, as the demo's progress.py and care.py seed it, at volume: contact
# attempts and appointments for most households, held conversations for ~60% of them with an
# interview per member present, trajectories for about half of the persons visited (~200,000 at
# 400,000 households) and ~1.5 referrals per trajectory (~300,000) to every partner in every state.

HELD_SHARE = 0.60
REFUSED_SHARE = 0.08
OBJECTED_SHARE = 0.005
MOVED_SHARE_OUTREACH = 0.015
ATTEMPTED_SHARE = 0.20  # the rest after these has had only the letter, or nothing yet
PLANNED_SHARE = 0.22  # of the households not reached yet: an appointment in the coming weeks
AGENDA_WEEKS = 8
REVISIT_SHARE = 0.03
MELDCODE_SHARE = 0.002
TRAJECTORY_FROM_PROPOSAL = 0.70  # persons with a help question who got a trajectory
TRAJECTORY_DIRECT = 0.15  # persons visited without a help question, opened directly
REFERRALS_PER_TRAJECTORY = ([0, 1, 2, 3], [22, 30, 26, 22])  # mean ~1.5
PARTNER_WEIGHTS = {"ggz": 20, "ggd": 18, "welfare": 26, "police": 8, "municipality": 16, "housing": 12}
SERVICE_DAYS = {"ggz": 5, "ggd": 3, "welfare": 3, "police": 2, "municipality": 5, "housing": 10}
PARTNER_USERS_PER_ORGANISATION = 4

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
# The paths a referral walks after "sent": (status, side, code); side "p" partner, "c" case manager.
REFERRAL_PATHS = [
    ([], 14),
    ([("accepted", "p", "")], 12),
    ([("declined", "p", "no_capacity")], 5),
    ([("declined", "p", "client_refused")], 3),
    ([("accepted", "p", ""), ("in_progress", "p", "")], 22),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("completed", "p", "help_given")], 28),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("completed", "p", "unable_to_contact")], 3),
    ([("accepted", "p", ""), ("returned", "p", "unable_to_contact")], 4),
    ([("accepted", "p", ""), ("in_progress", "p", ""), ("returned", "p", "no_longer_needed")], 2),
    ([("withdrawn", "c", "no_longer_needed")], 4),
    ([("accepted", "p", ""), ("withdrawn", "c", "client_refused")], 3),
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


def _aware(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _instrument() -> Instrument:
    from stijging.instruments.services import current_instrument

    version = current_instrument()
    return Instrument(
        version_id=version.pk,
        domains=list(version.domains.order_by("order").values_list("pk", "code", "min_age", "max_age")),
        statements=list(version.cohesion_statements.order_by("order").values_list("pk", flat=True)),
        defects=list(version.defect_categories.order_by("order").values_list("pk", flat=True)),
        number=version.number,
    )


def _synthetic_users(prefix: str, count: int, organisation: Organisation, last_name: str) -> list[User]:
    emails = [f"{prefix}-{n:03d}@{BENCH_EMAIL_DOMAIN}" for n in range(1, count + 1)]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    unusable = make_password(None)  # they never log in: the benchmark uses the bench users
    User.objects.bulk_create(
        [
            User(
                username=email,
                email=email,
                password=unusable,
                first_name="Bench",
                last_name=f"{last_name} {n}",
                organisation=organisation,
            )
            for n, email in enumerate(emails, start=1)
            if email not in existing
        ]
    )
    by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [by_email[email] for email in emails]


def _staff(
    programme: Programme, organisations: dict[str, Organisation], bench: dict[str, User], households: int, areas: int
) -> Staff:
    """Fieldworkers (one for about two areas), case managers (one per ~1,000 households, so each
    carries some 500 trajectories), partner users per organisation, and each partner's service level."""
    from stijging.referrals.models import ServiceLevel

    municipality = organisations["Gemeente Venlo"]
    fieldworkers = [bench[Role.FIELDWORKER.value]] + _synthetic_users(
        "fieldworker", max(0, min(100, areas // 2) - 1), municipality, "Projectmedewerker"
    )
    case_managers = [bench[Role.CASE_MANAGER.value]] + _synthetic_users(
        "casemanager", max(0, min(400, households // 1000) - 1), municipality, "Casemanager"
    )
    partners: dict[int, list[int]] = {}
    partner_organisations = []
    service_days = {}
    bench_partner = bench[Role.PARTNER.value]
    for organisation in sorted(organisations.values(), key=lambda o: o.pk):
        if organisation.kind not in PARTNER_WEIGHTS:
            continue
        users = _synthetic_users(
            f"partner-{organisation.kind}", PARTNER_USERS_PER_ORGANISATION, organisation, organisation.name[:40]
        )
        if bench_partner.organisation_id == organisation.pk:
            users = [bench_partner, *users[1:]]
        partners[organisation.pk] = [u.pk for u in users]
        partner_organisations.append((organisation.pk, organisation.kind))
        level, _created = ServiceLevel.objects.get_or_create(
            organisation=organisation, defaults={"priority_working_days": SERVICE_DAYS[organisation.kind]}
        )
        service_days[organisation.pk] = level.priority_working_days
    memberships = [(u.pk, Role.FIELDWORKER) for u in fieldworkers]
    memberships += [(u.pk, Role.CASE_MANAGER) for u in case_managers]
    memberships += [(user_id, Role.PARTNER) for ids in partners.values() for user_id in ids]
    Membership.objects.bulk_create(
        [Membership(user_id=user_id, programme=programme, role=role.value) for user_id, role in memberships],
        ignore_conflicts=True,
    )
    return Staff(
        fieldworkers=[u.pk for u in fieldworkers],
        case_managers=[u.pk for u in case_managers],
        partners=partners,
        partner_organisations=partner_organisations,
        service_days=service_days,
        coordinator=bench[Role.COORDINATOR.value].pk,
    )


def _score(rng: random.Random) -> int:
    return rng.choices((1, 2, 3, 4, 5), cum_weights=(4, 14, 40, 78, 100))[0]


def _rung(rng: random.Random, age: int) -> tuple[int | None, str]:
    if age >= 67:
        return None, "not_applicable"
    if age <= 22 and rng.random() < 0.6:
        return None, "not_applicable"  # full-time education
    if rng.random() < 0.04:
        return None, "declined"
    return rng.choices((1, 2, 3, 4, 5, 6), cum_weights=(8, 26, 40, 52, 62, 100))[0], ""


def _outreach(ctx: Context, chunk: AreaChunk) -> None:
    """Contact attempts for ~95% of the households, appointments (done ones behind every held
    conversation, planned ones in the coming weeks), and the derived status by the application's
    own rules (`stijging.outreach.status.derive`). Chooses which households held a conversation."""
    from stijging.outreach import status as status_rules
    from stijging.outreach.models import ContactAttempt, HouseholdOutreach

    rng = ctx.rng("outreach", chunk.plan.index)
    staff = ctx.staff
    worker = staff.fieldworkers[chunk.plan.index % len(staff.fieldworkers)]
    today = ctx.today
    start = ctx.programme.start_date
    span = max((today - start).days - 2, 1)
    attempts: list[tuple] = []
    appointments: list[list] = []
    statuses: list[tuple] = []
    visits: list[tuple[HouseholdDraft, datetime.date]] = []
    cuts = [HELD_SHARE]
    for share in (REFUSED_SHARE, OBJECTED_SHARE, MOVED_SHARE_OUTREACH, ATTEMPTED_SHARE):
        cuts.append(cuts[-1] + share)
    for draft in chunk.households:
        roll = rng.random()
        facts: list[tuple[datetime.date, str, str, str]] = []  # date, channel, outcome, note
        planned = False
        if roll < 0.95:
            first_try = start + datetime.timedelta(days=rng.randint(0, span))
            facts.append((first_try, "letter", "not_home", "Introductiebrief bezorgd"))
        if roll < cuts[0]:
            held_on = min(first_try + datetime.timedelta(days=rng.randint(5, 30)), today - datetime.timedelta(days=1))
            if rng.random() < 0.4:
                facts.append((held_on - datetime.timedelta(days=3), "doorbell", "not_home", ""))
            facts.append((held_on - datetime.timedelta(days=2), "phone", "appointment", ""))
            facts.append((held_on, "other", "held", ""))
            appointments.append(
                [draft.id, worker, _aware(held_on, rng.choice((10, 11, 14, 15, 19))), 60, "visit", "done", "", None, ""]
            )
            visits.append((draft, held_on))
        elif roll < cuts[1]:
            facts.append((min(first_try + datetime.timedelta(days=7), today), "doorbell", "refused", "Geen behoefte"))
        elif roll < cuts[2]:
            facts.append(
                (
                    min(first_try + datetime.timedelta(days=7), today),
                    "doorbell",
                    "objected",
                    "Maakt bezwaar (AVG art. 21)",
                )
            )
        elif roll < cuts[3]:
            facts.append((min(first_try + datetime.timedelta(days=9), today), "doorbell", "moved", "Verhuisd"))
        elif roll < cuts[4]:
            facts.append((min(first_try + datetime.timedelta(days=6), today), "doorbell", "not_home", ""))
            if rng.random() < PLANNED_SHARE:
                planned = True
                day = _weekday(today + datetime.timedelta(days=rng.randint(0, AGENDA_WEEKS * 7)))
                appointments.append(
                    [
                        draft.id,
                        worker,
                        _aware(day, rng.choice((9, 10, 11, 13, 14, 15, 16, 19))),
                        60,
                        "visit",
                        "planned",
                        "",
                        None,
                        "",
                    ]
                )
        for day, channel, outcome, note in facts:
            attempts.append((draft.id, day, channel, outcome, worker, note, ctx.now))
        status = status_rules.derive(
            [status_rules.AttemptFact(day, outcome, n) for n, (day, _c, outcome, _note) in enumerate(facts)],
            has_planned_appointment=planned,
        )
        statuses.append(
            (draft.id, status, len(facts), max((f[0] for f in facts), default=None), status == "objected", ctx.now)
        )
    first = ctx.writer.reserve(ContactAttempt, len(attempts))
    ctx.writer.write(
        ContactAttempt,
        ["id", "programme_id", "household_id", "date", "channel", "outcome", "worker_id", "note", "created_at"],
        ((first + i, ctx.programme.pk, *row) for i, row in enumerate(attempts)),
    )
    chunk.visits_planned = visits
    chunk.appointments = appointments  # written with the revisits by `_conversations`
    ctx.writer.write(
        HouseholdOutreach,
        ["household_id", "status", "attempts", "last_attempt_on", "do_not_contact", "updated_at"],
        statuses,
    )


def _conversations(ctx: Context, chunk: AreaChunk) -> None:
    """Held conversations with the members present and their interviews: per applicable domain a
    score or a non-answer and sometimes a help question (a proposal), the rung from 16, the
    cohesion statements from 15, the housing section, the consent to receive help of those with a
    help question, a few revisits and meldcode signals."""
    from stijging.conversations.models import (
        CohesionAnswer,
        Conversation,
        DomainAnswer,
        HousingAnswer,
        Interview,
        MeldcodeSignal,
        Proposal,
    )
    from stijging.outreach.models import Appointment

    rng = ctx.rng("conversations", chunk.plan.index)
    instrument = ctx.instrument
    today = ctx.today
    worker = ctx.staff.fieldworkers[chunk.plan.index % len(ctx.staff.fieldworkers)]
    members: dict[int, list[PersonInfo]] = {}
    for person in chunk.persons:
        if person.current:
            members.setdefault(person.household_id, []).append(person)
    planned = chunk.visits_planned
    first_conversation = ctx.writer.reserve(Conversation, len(planned))
    conversations: list[tuple] = []
    present: list[tuple] = []
    workers: list[tuple] = []
    interviews: list[tuple] = []
    housing: list[tuple] = []
    defects: list[tuple] = []
    answers: list[list] = []
    cohesion: list[tuple] = []
    consents: list[tuple] = []
    signals: list[tuple] = []
    signal_persons: list[int] = []
    appointments = chunk.appointments
    visits: list[Visit] = []

    def present_at(household_id: int, held_on: datetime.date) -> list[PersonInfo]:
        # A child born after the visit was not there (the generator dates births up to today).
        return [person for person in members.get(household_id, []) if person.date_of_birth <= held_on]

    interview_count = sum(len(present_at(d.id, held_on)) for d, held_on in planned)
    first_interview = ctx.writer.reserve(Interview, interview_count)
    interview_id = first_interview
    for n, (draft, held_on) in enumerate(planned):
        conversation_id = first_conversation + n
        at = _aware(held_on, 11)
        conversations.append((conversation_id, draft.id, held_on, instrument.version_id, True, worker, at, 1))
        workers.append((conversation_id, worker))
        visit = Visit(conversation_id, draft.id, held_on, worker, {})
        for person in present_at(draft.id, held_on):
            present.append((conversation_id, person.id))
            age = _age(person.date_of_birth, held_on)
            rung, rung_non_answer = _rung(rng, age) if age >= 16 else (None, "")
            answered_by = "self" if age >= 16 else rng.choice(("child", "parent", "both"))
            interviews.append(
                (interview_id, conversation_id, person.id, answered_by, rung, rung_non_answer, "", at, 1, 1, 1)
            )
            scored = []
            for domain_id, code, min_age, max_age in instrument.domains:
                if age < min_age or (max_age is not None and age > max_age):
                    continue
                if rng.random() < 0.08:
                    non_answer = "declined" if rng.random() < 0.33 else "not_discussed"
                    answers.append([interview_id, domain_id, None, non_answer, "", False, ""])
                    continue
                score = _score(rng)
                question = (score <= 2 and rng.random() < 0.45) or (score == 3 and rng.random() < 0.03)
                text = HELP_QUESTIONS.get(code, "Hulpvraag") if question else ""
                answers.append([interview_id, domain_id, score, "", "", question, text])
                scored.append([domain_id, code, score, len(answers) - 1, question])
            if age >= 15:
                for statement_id in instrument.statements:
                    if rng.random() < 0.05:
                        cohesion.append((interview_id, statement_id, None, "declined"))
                    else:
                        value = rng.choices((1, 2, 3, 4, 5), cum_weights=(8, 25, 55, 87, 100))[0]
                        cohesion.append((interview_id, statement_id, value, ""))
            visit.interviews[person.id] = (interview_id, age, rung, scored)
            interview_id += 1
        housing.append(
            (
                conversation_id,
                rng.choices((1, 2, 3, 4, 5), cum_weights=(5, 17, 47, 85, 100))[0],
                "",
                rng.choices(("stay", "move", "undecided"), cum_weights=(70, 88, 100))[0],
                "",
                rng.choices(("fits", "too_small", "too_big"), cum_weights=(78, 92, 100))[0],
                rng.choices(("yes", "adaptable", "no"), cum_weights=(30, 70, 100))[0],
                rng.choices((1, 2, 3, 4, 5), cum_weights=(4, 14, 44, 84, 100))[0],
                "",
                1,
            )
        )
        if rng.random() < REVISIT_SHARE:
            day = _weekday(today + datetime.timedelta(days=rng.randint(1, AGENDA_WEEKS * 7)))
            appointments.append(
                [
                    draft.id,
                    worker,
                    _aware(day, rng.choice((10, 14)), 30),
                    60,
                    "revisit",
                    "planned",
                    "Terugkomen op de hulpvraag",
                    conversation_id,
                    "",
                ]
            )
        if rng.random() < MELDCODE_SHARE and visit.interviews:
            acknowledged = rng.random() < 0.8
            case_manager = ctx.staff.case_managers[rng.randrange(len(ctx.staff.case_managers))]
            signals.append(
                (
                    conversation_id,
                    rng.choice(("domestic_violence", "child_abuse")),
                    worker,
                    at,
                    case_manager if acknowledged else None,
                    at + datetime.timedelta(hours=3) if acknowledged else None,
                )
            )
            signal_persons.append(next(iter(visit.interviews)))
        visits.append(visit)
    writer = ctx.writer
    writer.write(
        Conversation,
        [
            "id",
            "household_id",
            "held_on",
            "instrument_version_id",
            "informed",
            "created_by_id",
            "created_at",
            "version",
            "programme_id",
        ],
        ((*row, ctx.programme.pk) for row in conversations),
    )
    through: type[models.Model]
    for through, columns, rows in (
        (Conversation.workers.through, ["id", "conversation_id", "user_id"], workers),
        (Conversation.members_present.through, ["id", "conversation_id", "person_id"], present),
    ):
        first = writer.reserve(through, len(rows))
        writer.write(through, columns, ((first + i, *row) for i, row in enumerate(rows)))
    writer.write(
        Interview,
        [
            "id",
            "conversation_id",
            "person_id",
            "answered_by",
            "rung",
            "rung_non_answer",
            "note",
            "started_at",
            "domains_version",
            "ladder_version",
            "cohesion_version",
        ],
        interviews,
    )
    first_answer = writer.reserve(DomainAnswer, len(answers))
    writer.write(
        DomainAnswer,
        ["id", "interview_id", "domain_id", "score", "non_answer", "note", "help_question", "help_question_text"],
        ((first_answer + i, *row) for i, row in enumerate(answers)),
    )
    first = writer.reserve(CohesionAnswer, len(cohesion))
    writer.write(
        CohesionAnswer,
        ["id", "interview_id", "statement_id", "value", "non_answer"],
        ((first + i, *row) for i, row in enumerate(cohesion)),
    )
    first_housing = writer.reserve(HousingAnswer, len(housing))
    writer.write(
        HousingAnswer,
        [
            "id",
            "conversation_id",
            "satisfaction",
            "defects_note",
            "move_wish",
            "move_reason",
            "fits_household",
            "fits_ageing",
            "neighbour_relations",
            "neighbour_note",
            "version",
        ],
        ((first_housing + i, *row) for i, row in enumerate(housing)),
    )
    for i in range(len(housing)):
        if instrument.defects and rng.random() < 0.35:
            for defect in rng.sample(instrument.defects, rng.randint(1, min(3, len(instrument.defects)))):
                defects.append((first_housing + i, defect))
    through = HousingAnswer.defects.through
    first = writer.reserve(through, len(defects))
    writer.write(
        through, ["id", "housinganswer_id", "defectcategory_id"], ((first + i, *row) for i, row in enumerate(defects))
    )
    # Proposals (ids now, so trajectories can point at them), and the consent to receive help.
    with_question = [
        (visit, person_id, item)
        for visit in visits
        for person_id, (_iid, _age, _rung, scored) in visit.interviews.items()
        for item in scored
        if item[4]
    ]
    first_proposal = writer.reserve(Proposal, len(with_question))
    consent_persons: dict[int, tuple[datetime.date, int]] = {}
    for n, (visit, person_id, item) in enumerate(with_question):
        item[3] = first_answer + item[3]  # the answer's id
        item[4] = first_proposal + n  # the proposal's id
        consent_persons.setdefault(person_id, (visit.held_on, visit.interviews[person_id][1]))
    # Proposal status is settled by `_care` (taken up / declined / open); written there.
    chunk.proposals = [
        [
            first_proposal + n,
            item[3],
            person_id,
            item[0],
            HELP_QUESTIONS.get(item[1], "Hulpvraag"),
            visit.worker_id,
            _aware(visit.held_on, 12),
            "open",
        ]
        for n, (visit, person_id, item) in enumerate(with_question)
    ]
    for person_id, (held_on, age) in consent_persons.items():
        minor = age < 16
        consents.append(
            (
                person_id,
                ConsentPurpose.RECEIVE_HELP.value,
                None,
                (ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON).value,
                "ouder" if minor else "",
                held_on,
                None,
            )
        )
    chunk.consents.extend(consents)
    first = writer.reserve(Appointment, len(appointments))
    writer.write(
        Appointment,
        [
            "id",
            "household_id",
            "worker_id",
            "starts_at",
            "duration_minutes",
            "kind",
            "status",
            "reason",
            "source_conversation_id",
            "note",
            "created_at",
            "version",
            "programme_id",
        ],
        ((first + i, *row, ctx.now, 1, ctx.programme.pk) for i, row in enumerate(appointments)),
    )
    first_signal = writer.reserve(MeldcodeSignal, len(signals))
    writer.write(
        MeldcodeSignal,
        [
            "id",
            "conversation_id",
            "kind",
            "raised_by_id",
            "raised_at",
            "acknowledged_by_id",
            "acknowledged_at",
            "programme_id",
        ],
        ((first_signal + i, *row, ctx.programme.pk) for i, row in enumerate(signals)),
    )
    through = MeldcodeSignal.persons.through
    first = writer.reserve(through, len(signal_persons))
    writer.write(
        through,
        ["id", "meldcodesignal_id", "person_id"],
        ((first + i, first_signal + i, person_id) for i, person_id in enumerate(signal_persons)),
    )
    chunk.visits = visits


def _care(ctx: Context, chunk: AreaChunk) -> None:
    """Trajectories for about half of the persons visited (most from a proposal, some opened
    directly on their lowest domain), with events, goals, actions and follow-up measurements;
    referrals to every partner in every state with their events, the consent they rest on and the
    AccessGrant that opens the person to the partner (revoked when withdrawn). Overdue priority
    referrals have been escalated already, except those that fell due yesterday: `stijging tick`
    finds those."""
    from stijging.conversations.models import Proposal
    from stijging.privacy.models import AccessGrant
    from stijging.referrals.models import Referral, ReferralEvent
    from stijging.referrals.workingdays import add_working_days
    from stijging.trajectories.models import (
        Action,
        Goal,
        Measurement,
        MeasurementScore,
        Trajectory,
        TrajectoryEvent,
    )

    rng = ctx.rng("care", chunk.plan.index)
    staff = ctx.staff
    today = ctx.today
    now = ctx.now
    programme_id = ctx.programme.pk
    proposal_by_answer = {row[1]: row for row in chunk.proposals}
    # Who gets a trajectory: (visit, person id, (domain id, code, score, answer id, proposal id) or None)
    chosen = []
    for visit in chunk.visits:
        for person_id, (_iid, _age, _rung, scored) in visit.interviews.items():
            questions = [item for item in scored if item[4]]
            if questions:
                if rng.random() < TRAJECTORY_FROM_PROPOSAL:
                    chosen.append((visit, person_id, questions[0], True))
                elif rng.random() < 0.25:
                    proposal_by_answer[questions[0][3]][7] = "declined"
            elif scored and rng.random() < TRAJECTORY_DIRECT:
                low = min(scored, key=lambda item: item[2])
                chosen.append((visit, person_id, low, False))
    first_trajectory = ctx.writer.reserve(Trajectory, len(chosen))
    trajectories: list[tuple] = []
    events: list[tuple] = []
    goals: list[tuple] = []
    actions: list[tuple] = []
    referrals: list[list] = []
    referral_events: list[tuple] = []
    grants: list[tuple] = []
    consents: dict[tuple[int, int], int] = {}  # (person, organisation) -> index in chunk.consents
    measurement_rows = []
    organisations = staff.partner_organisations
    organisation_weights = [PARTNER_WEIGHTS[kind] for _id, kind in organisations]
    paths = [p for p, _w in REFERRAL_PATHS]
    path_weights = [w for _p, w in REFERRAL_PATHS]
    due_cache: dict[tuple[datetime.date, int], datetime.date] = {}
    yesterday = today - datetime.timedelta(days=1)
    for n, (visit, person_id, item, from_proposal) in enumerate(chosen):
        trajectory_id = first_trajectory + n
        domain_id, _code, score, answer_id, proposal_id = item
        if from_proposal:
            proposal_by_answer[answer_id][7] = "taken_up"
        case_manager = staff.case_managers[rng.randrange(len(staff.case_managers))]
        opened_on = min(visit.held_on + datetime.timedelta(days=rng.randint(3, 20)), today)
        opened_at = _aware(opened_on, 9)
        age_days = (today - opened_on).days
        roll = rng.random()
        if age_days > 60 and roll < 0.30:
            status = "closed"
        elif roll < 0.36:
            status = "paused"
        elif roll < 0.48 or age_days < 7:
            status = "open"
        else:
            status = "active"
        interval = rng.choice((60, 90, 90, 120))
        events.append((trajectory_id, "", "open", opened_at, case_manager, ""))
        active_on = min(opened_on + datetime.timedelta(days=rng.randint(1, 7)), today)
        if status != "open":
            events.append((trajectory_id, "open", "active", _aware(active_on, 10), case_manager, ""))
        outcome, closed_at = "", None
        if status == "paused":
            events.append(
                (
                    trajectory_id,
                    "active",
                    "paused",
                    _aware(min(active_on + datetime.timedelta(days=20), today), 10),
                    case_manager,
                    "",
                )
            )
        if status == "closed":
            outcome = rng.choices(
                ("goal_reached", "partly_reached", "not_reached", "moved_away", "refused", "other"),
                cum_weights=(40, 65, 80, 87, 95, 100),
            )[0]
            closed_on = min(active_on + datetime.timedelta(days=rng.randint(30, 200)), today)
            closed_at = _aware(closed_on, 15)
            events.append((trajectory_id, "active", "closed", closed_at, case_manager, outcome))
        # Last activity: mostly recent; some open trajectories have gone quiet (the caseload shows them).
        quiet = rng.random() < 0.12
        last_activity = closed_at or _aware(
            max(opened_on, today - datetime.timedelta(days=rng.randint(43, 120) if quiet else rng.randint(0, 40))), 16
        )
        goals.append(
            (
                trajectory_id,
                domain_id,
                HELP_QUESTIONS.get(item[1], "Zelfstandiger worden")[:200],
                min(5, (score or 2) + 2),
                opened_at,
            )
        )
        for a in range(rng.choice((1, 1, 2, 3))):
            due = opened_on + datetime.timedelta(days=rng.randint(7, 120))
            done = status == "closed" or (due < today and rng.random() < 0.7)
            actions.append(
                (
                    trajectory_id,
                    ACTIONS[(n + a) % len(ACTIONS)],
                    case_manager,
                    due,
                    "done" if done else "open",
                    _aware(min(due, today), 14) if done else None,
                    opened_at,
                    1,
                )
            )
        # A follow-up measurement when one has fallen due: rises, equals and declines.
        next_measurement = opened_on + datetime.timedelta(days=interval)
        baseline_rung = visit.interviews[person_id][2]
        last_rung = baseline_rung
        if next_measurement <= today and rng.random() < 0.75:
            measured_on = next_measurement + datetime.timedelta(days=rng.randint(0, 20))
            if measured_on <= today:
                step = rng.choices((1, 0, -1), cum_weights=(45, 85, 100))[0]
                rung = max(1, min(6, baseline_rung + step)) if baseline_rung else None
                new_score = max(1, min(5, (score or 2) + rng.choices((1, 0, -1), cum_weights=(60, 90, 100))[0]))
                measurement_rows.append(
                    (person_id, measured_on, case_manager, rung, "" if rung else "not_applicable", domain_id, new_score)
                )
                next_measurement = measured_on + datetime.timedelta(days=interval)
                last_rung = rung
        chunk.trajectory_status[person_id] = (status, last_rung)
        trajectories.append(
            (
                trajectory_id,
                person_id,
                programme_id,
                case_manager,
                status,
                outcome,
                "",
                interval,
                None if status == "closed" else next_measurement,
                last_activity,
                proposal_by_answer[answer_id][0] if from_proposal else None,
                case_manager,
                opened_at,
                closed_at,
                1,
            )
        )
        # Referrals: to partners, each resting on the person's consent for that organisation.
        count = rng.choices(*REFERRALS_PER_TRAJECTORY)[0]
        for _r in range(count):
            organisation_id, _kind = rng.choices(organisations, weights=organisation_weights)[0]
            key = (person_id, organisation_id)
            if key not in consents:
                minor = visit.interviews[person_id][1] < 16
                consents[key] = len(chunk.consents)
                chunk.consents.append(
                    (
                        person_id,
                        ConsentPurpose.SHARE_WITH_ORGANISATION.value,
                        organisation_id,
                        (ConsentGivenBy.PARENT if minor else ConsentGivenBy.PERSON).value,
                        "ouder" if minor else "",
                        opened_on,
                        None,
                    )
                )
            sent_on = opened_on + datetime.timedelta(days=rng.randint(0, max(0, min(age_days, 150))))
            sent_on = _weekday(sent_on) if _weekday(sent_on) <= today else sent_on
            priority = rng.random() < 0.6
            age = (today - sent_on).days
            path = [] if age < 2 else rng.choices(paths, weights=path_weights)[0]
            if age < 8 and len(path) > 1:
                path = path[:1]
            due_on = None
            if priority:
                days = staff.service_days[organisation_id]
                due_on = due_cache.get((sent_on, days))
                if due_on is None:
                    due_on = due_cache[(sent_on, days)] = add_working_days(sent_on, days)
            referral_index = len(referrals)
            sent_at = min(_aware(sent_on, 9, 30), now)
            status_now, code, answered_at, closed, assigned = "sent", "", None, None, None
            partner = staff.partners[organisation_id]
            step_day = sent_on
            referral_events.append((referral_index, "", "sent", sent_at, case_manager, ""))
            for to_status, side, step_code in path:
                step_day = min(step_day + datetime.timedelta(days=rng.randint(1, 6)), today)
                at = min(_aware(step_day, 11), now)
                actor = partner[rng.randrange(len(partner))] if side == "p" else case_manager
                referral_events.append((referral_index, status_now, to_status, at, actor, step_code))
                status_now = to_status
                if step_code:
                    code = step_code
                if to_status in ("accepted", "declined") and answered_at is None:
                    answered_at = at
                if to_status in ("declined", "completed", "returned", "withdrawn"):
                    closed = at
                if to_status == "accepted" and rng.random() < 0.6:
                    assigned = partner[rng.randrange(len(partner))]
            escalated = None
            if due_on is not None and status_now == "sent" and due_on < today:
                escalated = None if due_on == yesterday else _aware(due_on + datetime.timedelta(days=1), 7)
            elif due_on is not None and answered_at is not None and answered_at.date() > due_on:
                escalated = _aware(due_on + datetime.timedelta(days=1), 7)
            referrals.append(
                [
                    trajectory_id,
                    person_id,
                    programme_id,
                    organisation_id,
                    domain_id,
                    HELP_QUESTIONS.get(item[1], "Graag contact opnemen"),
                    priority,
                    consents[key],
                    None,
                    status_now,
                    code,
                    "",
                    case_manager,
                    sent_at,
                    due_on,
                    answered_at,
                    closed,
                    escalated,
                    assigned,
                    len(path) + 1,
                ]
            )
            grants.append((person_id, organisation_id, sent_at, closed if status_now == "withdrawn" else None))
    writer = ctx.writer
    # The consents of this area (to receive help, and to share with each partner) first: referrals point at them.
    first_consent = writer.reserve(Consent, len(chunk.consents))
    writer.write(
        Consent,
        CONSENT_COLUMNS,
        (
            (first_consent + i, person_id, purpose, org, given_by, parent, given_on, "", None, now, withdrawn, None, "")
            for i, (person_id, purpose, org, given_by, parent, given_on, withdrawn) in enumerate(chunk.consents)
        ),
    )
    writer.write(
        Proposal,
        [
            "id",
            "answer_id",
            "person_id",
            "domain_id",
            "question",
            "proposed_by_id",
            "created_at",
            "status",
            "programme_id",
        ],
        ((*row, ctx.programme.pk) for row in chunk.proposals),
    )
    writer.write(
        Trajectory,
        [
            "id",
            "person_id",
            "programme_id",
            "case_manager_id",
            "status",
            "outcome",
            "outcome_text",
            "follow_up_interval_days",
            "next_measurement_on",
            "last_activity_at",
            "source_proposal_id",
            "opened_by_id",
            "opened_at",
            "closed_at",
            "version",
        ],
        trajectories,
    )
    for model, columns, rows in (
        (TrajectoryEvent, ["trajectory_id", "from_status", "to_status", "at", "by_id", "outcome"], events),
        (Goal, ["trajectory_id", "domain_id", "target", "target_score", "created_at"], goals),
        (
            Action,
            ["trajectory_id", "description", "owner_id", "due_date", "status", "done_at", "created_at", "version"],
            actions,
        ),
    ):
        first = writer.reserve(model, len(rows))
        writer.write(model, ["id", *columns], ((first + i, *row) for i, row in enumerate(rows)))
    first_measurement = writer.reserve(Measurement, len(measurement_rows))
    writer.write(
        Measurement,
        ["id", "person_id", "programme_id", "measured_on", "by_id", "rung", "rung_non_answer", "created_at"],
        (
            (first_measurement + i, person_id, programme_id, measured_on, by, rung, non_answer, now)
            for i, (person_id, measured_on, by, rung, non_answer, _d, _s) in enumerate(measurement_rows)
        ),
    )
    first = writer.reserve(MeasurementScore, len(measurement_rows))
    writer.write(
        MeasurementScore,
        ["id", "measurement_id", "domain_id", "score", "non_answer"],
        ((first + i, first_measurement + i, row[5], row[6], "") for i, row in enumerate(measurement_rows)),
    )
    first_referral = writer.reserve(Referral, len(referrals))
    for row in referrals:
        row[7] = first_consent + row[7]
    writer.write(
        Referral,
        [
            "id",
            "trajectory_id",
            "person_id",
            "programme_id",
            "organisation_id",
            "domain_id",
            "question",
            "priority",
            "consent_id",
            "legal_ground_id",
            "status",
            "code",
            "code_text",
            "sent_by_id",
            "sent_at",
            "answer_due_on",
            "answered_at",
            "closed_at",
            "escalated_at",
            "assigned_to_id",
            "version",
        ],
        ((first_referral + i, *row) for i, row in enumerate(referrals)),
    )
    first = writer.reserve(ReferralEvent, len(referral_events))
    writer.write(
        ReferralEvent,
        ["id", "referral_id", "from_status", "to_status", "at", "by_id", "code", "code_text"],
        (
            (first + i, first_referral + index, frm, to, at, by, code, "")
            for i, (index, frm, to, at, by, code) in enumerate(referral_events)
        ),
    )
    first = writer.reserve(AccessGrant, len(grants))
    writer.write(
        AccessGrant,
        ["id", "person_id", "organisation_id", "reason_type", "reason_id", "granted_at", "valid_until", "revoked_at"],
        (
            (first + i, person_id, organisation_id, "referral", first_referral + i, granted, None, revoked)
            for i, (person_id, organisation_id, granted, revoked) in enumerate(grants)
        ),
    )


# --- The neighbourhood track: activities, participants and volunteers, waves at the door -------------
# As the demo's neighbourhood.py makes it, per area: the weekly children's street-cleaning group as one
# series over the last year, a dozen single activities across its streets, participants for ~1% of
# the persons (a third children, with a parent's consent; some adults in a trajectory linked, with
# their consent, most of those volunteering every week), volunteers' hours, who came by name, and the
# door responses of the second wave (~10% of the adults, six statements each).

PARTICIPANT_SHARE = 0.01  # of the persons living in the area
CHILD_PARTICIPANT_SHARE = 0.30
VOLUNTEER_SHARE = 0.35  # of the adult participants not linked
LINKED_SHARE = 0.15  # of the adult participants (at least 2 an area), from the adults in an open/active trajectory
DOOR_SHARE = 0.10  # of the adults, in the second wave
WAVE_TWO_DAYS = 60  # the second wave: the last two months
SINGLE_ACTIVITY_SHARE = 0.8  # of the demo's single activities, per area
SERIES_TITLE = "Kinderschoonmaakploeg"
DOOR_VALUE_WEIGHTS = (6, 20, 50, 85, 100)  # cumulative, 1..5
PARTICIPANT_COLUMNS = [
    "id",
    "programme_id",
    "name",
    "phone",
    "email",
    "street_id",
    "is_child",
    "consent_given_on",
    "consent_given_by",
    "parent_name",
    "volunteer",
    "person_id",
    "link_consent_on",
    "note",
    "created_by_id",
    "created_at",
    "version",
]


@dataclass
class Cohesion:
    """Programme-wide: the kinds of activity by code and the two waves (made before the area loop)."""

    kinds: dict[str, int]
    wave_one: int
    wave_two: int
    two_starts: datetime.date
    two_ends: datetime.date


def _cohesion(ctx: Context) -> Cohesion:
    """The two waves. They do not overlap and the conversations go on to yesterday: the baseline takes
    those from the programme's start until the second wave; those held in its two months count there."""
    from stijging.cohesion.models import ActivityKind, Wave

    start = ctx.programme.start_date
    two_ends = max(ctx.today - datetime.timedelta(days=1), start + datetime.timedelta(days=1))
    two_starts = min(
        max(ctx.today - datetime.timedelta(days=WAVE_TWO_DAYS), start + datetime.timedelta(days=1)), two_ends
    )
    coordinator = ctx.staff.coordinator
    one = Wave.objects.create(
        programme=ctx.programme,
        name="Nulmeting (huiskamergesprekken)",
        starts_on=start,
        ends_on=two_starts - datetime.timedelta(days=1),
        created_by_id=coordinator,
    )
    two = Wave.objects.create(
        programme=ctx.programme,
        name="Tweede meting",
        starts_on=two_starts,
        ends_on=two_ends,
        note="Aan de deur: bewoners van 15 jaar en ouder.",
        created_by_id=coordinator,
    )
    return Cohesion(
        kinds=dict(ActivityKind.objects.values_list("code", "pk")),
        wave_one=one.pk,
        wave_two=two.pk,
        two_starts=two_starts,
        two_ends=two_ends,
    )


def _participant_name(rng: random.Random, family: tuple[str, str] | None = None) -> str:
    given = rng.choice(GIVEN_NAMES_F if rng.random() < 0.5 else GIVEN_NAMES_M)
    tussenvoegsel, family_name = family or _family_name(rng)
    return " ".join(part for part in (given, tussenvoegsel, family_name) if part)


def _neighbourhood(ctx: Context, chunk: AreaChunk) -> None:
    """Activities (a weekly series and single ones) with their streets, participants and volunteers
    with their hours and attendance, and the second wave's door responses with their answers."""
    from stijging.cohesion.models import (
        Activity,
        ActivitySeries,
        Participant,
        VolunteerHours,
        WaveAnswer,
        WaveResponse,
    )

    from .neighbourhood import ODD_JOBS, SATURDAY_KINDS, SINGLE_ACTIVITIES, YEAR, _on_weekday

    if not chunk.streets:
        return
    rng = ctx.rng("neighbourhood", chunk.plan.index)
    writer = ctx.writer
    today = ctx.today
    now = ctx.now
    cohesion = ctx.cohesion
    coordinator = ctx.staff.coordinator
    programme_id = ctx.programme.pk
    year_ago = today - datetime.timedelta(days=YEAR)
    streets = chunk.streets

    # The series and its weeks, then the single activities.
    series_streets = rng.sample(streets, min(len(streets), rng.randint(3, 5)))
    weekday = rng.choice((2, 2, 3, 5))  # Wednesday afternoon mostly, else Thursday or Saturday
    first_day = year_ago + datetime.timedelta(days=(weekday - year_ago.weekday()) % 7)
    dates = [first_day + datetime.timedelta(weeks=w) for w in range((today - first_day).days // 7 + 1)]
    series_id = writer.reserve(ActivitySeries, 1)
    series_kind = cohesion.kinds["children_cleaning_group"]
    title = f"{SERIES_TITLE} {series_streets[0][1]}"
    writer.write(
        ActivitySeries,
        [
            "id",
            "programme_id",
            "kind_id",
            "title",
            "first_date",
            "last_date",
            "every_weeks",
            "created_by_id",
            "created_at",
        ],
        [(series_id, programme_id, series_kind, title, first_day, dates[-1], 1, coordinator, _aware(first_day, 9))],
    )
    activities: list[list] = []  # kind, series, title, date, organiser, participant count, street ids
    series_street_ids = [street_id for street_id, _name in series_streets]
    for week_day in dates:
        activities.append(
            [series_kind, series_id, title, week_day, "buurtcoördinator met vrijwilligers", 0, series_street_ids]
        )
    for days_ago, code, template, who, (low, high), street_count in SINGLE_ACTIVITIES:
        if rng.random() >= SINGLE_ACTIVITY_SHARE:
            continue
        day = today - datetime.timedelta(days=max(1, min(YEAR - 7, days_ago + rng.randint(-10, 10))))
        day = _on_weekday(day, 5 if code in SATURDAY_KINDS else 3, today)
        chosen = rng.sample(streets, min(street_count, len(streets)))
        activities.append(
            [
                cohesion.kinds[code],
                None,
                template.format(street=chosen[0][1]),
                day,
                who,
                rng.randint(low, high),
                [street_id for street_id, _name in chosen],
            ]
        )
    first_activity = writer.reserve(Activity, len(activities))
    weeks = len(dates)

    # Participants: children (a parent's consent), linked adults, other adults.
    household_street = {d.id: chunk.address_street[d.address_id] for d in chunk.households}
    living = [p for p in chunk.persons if p.current]
    adults = [p for p in living if _age(p.date_of_birth, today) >= 18]
    total = max(4, round(len(living) * PARTICIPANT_SHARE))
    n_children = round(total * CHILD_PARTICIPANT_SHARE)
    n_adults = total - n_children
    # Linked: adults in an open or active trajectory; first those below rung 4 (or without one), whose
    # case manager sees the volunteering hint when they volunteer every week.
    below_four: list[PersonInfo] = []
    others: list[PersonInfo] = []
    for person in adults:
        status, rung = chunk.trajectory_status.get(person.id, ("", None))
        if status in ("open", "active"):
            (below_four if rung is None or rung < 4 else others).append(person)
    wanted = min(max(2, round(n_adults * LINKED_SHARE)), n_adults)
    linked = rng.sample(below_four, min(len(below_four), wanted))
    linked += rng.sample(others, min(len(others), wanted - len(linked)))
    first_person = chunk.person_rows[0][0] if chunk.person_rows else 0
    first_participant = writer.reserve(Participant, total)

    def participant(
        pid: int,
        *,
        name: str,
        phone: str,
        street_id: int,
        consent_on: datetime.date,
        parent_name: str = "",
        volunteer: bool = False,
        person_id: int | None = None,
        link_consent_on: datetime.date | None = None,
    ) -> tuple:
        """A row of PARTICIPANT_COLUMNS; a child is one with a parent's name (the parent consented)."""
        child = bool(parent_name)
        return (
            pid,
            programme_id,
            name,
            phone,
            "",
            street_id,
            child,
            consent_on,
            "parent" if child else "self",
            parent_name,
            volunteer,
            person_id,
            link_consent_on,
            "",
            coordinator,
            _aware(consent_on, 16 if child else 11),
            1,
        )

    participants: list[tuple] = []
    # participant id -> (first week, last week, hours, every n weeks) for those helping the series
    helpers: dict[int, tuple[int, int, str, int]] = {}
    volunteers: list[tuple[int, datetime.date]] = []  # all volunteers: id, since
    takers: list[tuple[int, int, datetime.date]] = []  # adults taking part: id, street, since
    children: list[tuple[int, int]] = []  # id, first week
    pid = first_participant
    for _n in range(n_children):
        family = _family_name(rng)
        joined = 0 if rng.random() < 0.5 else rng.randint(0, weeks - 1)
        consent_on = dates[joined] - datetime.timedelta(days=rng.randint(1, 6))
        participants.append(
            participant(
                pid,
                name=_participant_name(rng, family),
                phone=f"+316{rng.randint(10_000_000, 99_999_999)}",
                street_id=rng.choice(series_street_ids),
                consent_on=consent_on,
                parent_name=_participant_name(rng, family),
            )
        )
        children.append((pid, joined))
        pid += 1
    regular = min(len(below_four), max(1, (len(linked) + 1) // 2))
    for n, person in enumerate(linked):
        row = chunk.person_rows[person.id - first_person]
        name = " ".join(part for part in (row[1], row[2], row[3]) if part)
        start = rng.randint(0, max(0, weeks - 20))
        consent_on = dates[start] - datetime.timedelta(days=rng.randint(2, 10))
        volunteer = n < regular or rng.random() < 0.5
        participants.append(
            participant(
                pid,
                name=name,
                phone=row[5],
                street_id=household_street[person.household_id],
                consent_on=consent_on,
                volunteer=volunteer,
                person_id=person.id,
                link_consent_on=consent_on + datetime.timedelta(days=rng.randint(0, 14)),
            )
        )
        if n < regular:  # every week to this day: the case manager's volunteering hint
            helpers[pid] = (start, weeks - 1, "2.0", 1)
        elif volunteer:
            volunteers.append((pid, consent_on))
        else:
            takers.append((pid, household_street[person.household_id], consent_on))
        pid += 1
    for _n in range(n_adults - len(linked)):
        consent_on = year_ago + datetime.timedelta(days=rng.randint(0, YEAR - 20))
        name = _participant_name(rng)
        volunteer = rng.random() < VOLUNTEER_SHARE
        street_id = rng.choice(streets)[0]
        participants.append(
            participant(
                pid,
                name=name,
                phone=f"+316{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.85 else "",
                street_id=street_id,
                consent_on=consent_on,
                volunteer=volunteer,
            )
        )
        if volunteer:
            volunteers.append((pid, consent_on))
            if rng.random() < 0.3:  # helps the children's group every other week
                from_week = next((w for w, d in enumerate(dates) if d >= consent_on), weeks - 1)
                helpers[pid] = (from_week, weeks - 1, "1.5", 2)
        else:
            takers.append((pid, street_id, consent_on))
        pid += 1
    writer.write(Participant, PARTICIPANT_COLUMNS, participants)

    # Who came by name, and the hours.
    attended: dict[int, set[int]] = {}
    hours: list[tuple] = []
    recent = today - datetime.timedelta(days=100)
    for participant_id, (from_week, until, amount, every) in helpers.items():
        for week in range(from_week, until + 1, every):
            date = dates[week]
            if date < recent and rng.random() < 0.1:
                continue
            attended.setdefault(week, set()).add(participant_id)
            hours.append(
                (
                    participant_id,
                    date,
                    amount,
                    first_activity + week,
                    "Begeleiding kinderschoonmaakploeg",
                    _aware(date, 18),
                )
            )
    for child_id, joined in children:
        for week in range(joined, weeks):
            if rng.random() < 0.5:
                attended.setdefault(week, set()).add(child_id)
    singles = list(range(weeks, len(activities)))
    for participant_id, since_on in volunteers:
        later = [i for i in singles if activities[i][3] >= since_on]
        for i in rng.sample(later, min(len(later), rng.randint(1, 4))):
            attended.setdefault(i, set()).add(participant_id)
            date = activities[i][3]
            amount = rng.choice(("2.0", "2.5", "3.0", "4.0"))
            hours.append(
                (participant_id, date, amount, first_activity + i, "Opbouw, begeleiding en opruimen", _aware(date, 20))
            )
        for _job in range(rng.randint(1, 4)):
            date = max(since_on, today - datetime.timedelta(days=rng.randint(1, YEAR)))
            amount = rng.choice(("0.5", "1.0", "1.5", "2.0"))
            hours.append((participant_id, date, amount, None, rng.choice(ODD_JOBS), _aware(date, 20)))
    for i in singles:
        kind, _series, _title, date, _who, _count, street_ids = activities[i]
        for participant_id, street_id, since_on in takers:
            if since_on <= date and rng.random() < (0.5 if street_id in street_ids else 0.05):
                attended.setdefault(i, set()).add(participant_id)
        if kind == cohesion.kinds["street_play_day"]:
            for child_id, joined in children:
                if dates[joined] <= date and rng.random() < 0.6:
                    attended.setdefault(i, set()).add(child_id)
    for index, activity in enumerate(activities):
        named = len(attended.get(index, ()))
        activity[5] = max(activity[5], named + (rng.randint(0, 4) if index < weeks else 0))
    writer.write(
        Activity,
        [
            "id",
            "programme_id",
            "kind_id",
            "series_id",
            "title",
            "date",
            "organiser",
            "participant_count",
            "note",
            "created_by_id",
            "created_at",
            "version",
        ],
        (
            (
                first_activity + i,
                programme_id,
                kind,
                series,
                title,
                date,
                who,
                count,
                "",
                coordinator,
                _aware(date, 21),
                1,
            )
            for i, (kind, series, title, date, who, count, _streets) in enumerate(activities)
        ),
    )
    links = [(first_activity + i, street_id) for i, activity in enumerate(activities) for street_id in activity[6]]
    through: type[models.Model] = Activity.streets.through
    first = writer.reserve(through, len(links))
    writer.write(through, ["id", "activity_id", "street_id"], ((first + i, *row) for i, row in enumerate(links)))
    came = [(first_activity + i, participant_id) for i in sorted(attended) for participant_id in sorted(attended[i])]
    through = Activity.participants.through
    first = writer.reserve(through, len(came))
    writer.write(through, ["id", "activity_id", "participant_id"], ((first + i, *row) for i, row in enumerate(came)))
    first = writer.reserve(VolunteerHours, len(hours))
    writer.write(
        VolunteerHours,
        ["id", "participant_id", "date", "hours", "activity_id", "what", "recorded_by_id", "recorded_at"],
        (
            (first + i, participant_id, date, Decimal(amount), activity_id, what, coordinator, at)
            for i, (participant_id, date, amount, activity_id, what, at) in enumerate(hours)
        ),
    )

    # The second wave at the door: ~10% of the adults, anonymous, by street; six statements each, a
    # few declined, a few broken off after three (no index).
    asked = rng.sample(adults, round(len(adults) * DOOR_SHARE))
    first_response = writer.reserve(WaveResponse, len(asked))
    span = (cohesion.two_ends - cohesion.two_starts).days
    responses: list[tuple] = []
    answers: list[tuple] = []
    statements = ctx.instrument.statements
    for n, person in enumerate(asked):
        answered_on = cohesion.two_starts + datetime.timedelta(days=rng.randint(0, span))
        responses.append(
            (
                first_response + n,
                cohesion.wave_two,
                chunk.area_id,
                household_street[person.household_id],
                answered_on,
                ctx.instrument.number,
                coordinator,
                min(_aware(answered_on, 19), now),
            )
        )
        broken_off = rng.random() < 0.05
        for position, statement_id in enumerate(statements):
            if broken_off and position >= 3:
                answers.append((first_response + n, statement_id, None, "not_discussed"))
            elif rng.random() < 0.04:
                answers.append((first_response + n, statement_id, None, "declined"))
            else:
                value = rng.choices((1, 2, 3, 4, 5), cum_weights=DOOR_VALUE_WEIGHTS)[0]
                answers.append((first_response + n, statement_id, value, ""))
    writer.write(
        WaveResponse,
        ["id", "wave_id", "area_id", "street_id", "answered_on", "instrument_version", "recorded_by_id", "recorded_at"],
        responses,
    )
    first = writer.reserve(WaveAnswer, len(answers))
    writer.write(
        WaveAnswer,
        ["id", "response_id", "statement_id", "value", "non_answer"],
        ((first + i, *row) for i, row in enumerate(answers)),
    )


# The table families generated per area, parents first. A later part adds its own, e.g.
# `AREA_FAMILIES.append(("conversations", _conversations))`, reading what it needs from the chunk.
AREA_FAMILIES: list[tuple[str, Callable[[Context, AreaChunk], None]]] = [
    ("streets, addresses", _streets_and_addresses),
    ("households, residences", _households_and_residences),
    ("persons, memberships", _persons_and_memberships),
    ("consents", _consents),
    ("outreach", _outreach),
    ("conversations", _conversations),
    ("trajectories, referrals", _care),
    ("activities, volunteers, door", _neighbourhood),
]


def generate_region(
    *,
    households: int,
    seed: int = 2026,
    programme_slug: str = DEFAULT_SLUG,
    programme_name: str | None = None,
    using: str = "default",
    progress: Callable[[str], None] | None = None,
    bench_users: bool = False,
) -> GenerateResult:
    """Generate a region of `households` households in one transaction: all or nothing."""
    if households < 1:
        raise ValueError("Generate at least one household.")
    say = progress or (lambda _message: None)
    today = timezone.localdate()
    timings: dict[str, float] = {}
    writer = RowWriter(using)

    def timed(name: str, started: float) -> None:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

    started_all = time.perf_counter()
    with transaction.atomic(using=using):
        writer.start()
        started = time.perf_counter()
        programme = _programme(slug=programme_slug, name=programme_name, today=today)
        organisations = _organisations()
        bench = _bench_users(programme, organisations, can_log_in=bench_users)
        ctx = Context(
            seed=seed,
            today=today,
            now=timezone.now(),
            writer=writer,
            programme=programme,
            organisations=organisations,
            used_postcodes=set(Address.objects.using(using).values_list("postcode", flat=True).distinct()),
            used_street_names={},
        )
        for place, name in Street.objects.using(using).values_list("woonplaats", "name"):
            ctx.used_street_names.setdefault(place, set()).add(name)
        plans = _plan_areas(ctx.rng("plan"), households)
        ctx.staff = _staff(programme, organisations, bench, households, len(plans))
        ctx.instrument = _instrument()
        ctx.cohesion = _cohesion(ctx)
        area_ids = _areas(ctx, plans)
        timed("programme, users, areas", started)
        for number, (plan, area_id) in enumerate(zip(plans, area_ids, strict=True), start=1):
            chunk = AreaChunk(plan=plan, area_id=area_id)
            for name, family in AREA_FAMILIES:
                started = time.perf_counter()
                family(ctx, chunk)
                timed(name, started)
            if number % 10 == 0 or number == len(plans):
                say(
                    f"  area {number}/{len(plans)}: "
                    f"{writer.rows_written.get(Household._meta.db_table, 0):,} households, "
                    f"{writer.rows_written.get(Person._meta.db_table, 0):,} persons, "
                    f"{time.perf_counter() - started_all:.0f} s"
                )
        writer.finish()
        started = time.perf_counter()
    timed("commit", started)
    started = time.perf_counter()
    writer.analyze()
    timed("analyze", started)
    timings["total"] = time.perf_counter() - started_all
    rows = writer.rows_written
    return GenerateResult(
        programme=programme,
        areas=rows.get(Area._meta.db_table, 0),
        streets=rows.get(Street._meta.db_table, 0),
        addresses=rows.get(Address._meta.db_table, 0),
        households=rows.get(Household._meta.db_table, 0),
        residences=rows.get(HouseholdResidence._meta.db_table, 0),
        persons=rows.get(Person._meta.db_table, 0),
        memberships=rows.get(HouseholdMembership._meta.db_table, 0),
        consents=rows.get(Consent._meta.db_table, 0),
        seconds=timings,
        rows=dict(rows),
    )
