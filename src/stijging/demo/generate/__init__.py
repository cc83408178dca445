"""Realistic volume: a whole synthetic region for the benchmark (SPEC §3 "Scale").

`generate_region(households=400_000)` makes one programme "Regio Noord-Limburg (benchmark)" with
areas of 2,000–4,000 households (CBS-like buurt codes BU0983xxxx), fictional streets of ~40
addresses with every BAG field filled, households with dated residences (some moved: their
earlier address is history), ~2.4 persons per household with the demo's age structure and dated
memberships, some consents, and one user per role (``<role>@bench.stijging.nl``) with a TOTP
authenticator, so the benchmark can log in through the real login form of a production-configured
server.

This package is *the* place that knows how to make realistic volume: each part adds its tables as one
more ``_<family>(ctx, chunk)`` function (a module per table family: `registry`, `visits`, `care`,
`neighbourhood`; the rows go through `writer`, the areas come from `plan`; names, help questions and
activities from the demo's `catalogue`) called from the per-area loop in `generate_region` — so far
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

import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from stijging.privacy.models import Consent
from stijging.registry.models import Address, Area, Household, HouseholdMembership, HouseholdResidence, Person, Street

from ..seed import _organisations
from .care import _care
from .neighbourhood import _cohesion, _neighbourhood
from .plan import AreaChunk, Context, GenerateResult, _plan_areas
from .registry import (
    BENCH_PASSWORD,
    BENCH_TOTP_SECRET,
    DEFAULT_SLUG,
    _areas,
    _bench_users,
    _consents,
    _households_and_residences,
    _instrument,
    _persons_and_memberships,
    _programme,
    _staff,
    _streets_and_addresses,
    bench_email,
)
from .visits import _conversations, _outreach
from .writer import RowWriter

__all__ = [
    "BENCH_PASSWORD",
    "BENCH_TOTP_SECRET",
    "DEFAULT_SLUG",
    "GenerateResult",
    "bench_email",
    "generate_region",
]


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
