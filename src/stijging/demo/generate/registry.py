"""The registry's tables at volume: the programme and its users, areas, streets and addresses with
every BAG field, households with dated residences (some moved), persons with dated memberships and
consents."""

from __future__ import annotations

import base64
import bisect
import datetime
import math
import random

from django.contrib.auth.hashers import make_password
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

from ..catalogue import (
    AREA_SUFFIXES,
    GIVEN_NAMES_F,
    GIVEN_NAMES_M,
    NAME_PREFIXES,
    STREET_SUFFIXES,
    household_shape,
    region_surname,
)
from .plan import (
    ADDRESSES_PER_HOUSEHOLD,
    GEMEENTECODE,
    MOVED_SHARE,
    POSTCODE_SECTION,
    RD_X,
    RD_Y,
    STREET_ADDRESSES,
    AreaChunk,
    AreaPlan,
    Context,
    HouseholdDraft,
    Instrument,
    PersonInfo,
    Staff,
    StreetState,
    years_ago,
)

DEFAULT_SLUG = "regio"
DEFAULT_NAME = "Regio Noord-Limburg (benchmark)"
BENCH_PASSWORD = "bench-stijging-2026"
BENCH_EMAIL_DOMAIN = "bench.stijging.nl"
# A fixed, published TOTP secret for the synthetic bench users only: the benchmark computes the
# second factor from it, so the server under test runs with MFA required, exactly as in production.
BENCH_TOTP_SECRET = base64.b32encode(b"stijging-bench-totp!").decode("ascii")


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


def bench_email(role: str, programme_slug: str = DEFAULT_SLUG) -> str:
    """The bench user of a role in a generated programme: `fieldworker@…` in the default region,
    `fieldworker+regio-2@…` in another. Each region has its own users, as two municipalities would:
    a second region must not widen the first region's users' scope (issue 18's measurement of a
    region's pages with another region in the same database)."""
    suffix = "" if programme_slug == DEFAULT_SLUG else f"+{programme_slug}"
    return f"{role}{suffix}@{BENCH_EMAIL_DOMAIN}"


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
        email = bench_email(role.value, programme.slug)
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
    bench_second_admin(programme)
    return users


def bench_second_admin(programme: Programme) -> User:
    """A second administrator of the programme, who approves the benchmark's API client (a client
    works only once another admin than its creator approved it). Never logs in: unusable password."""
    email = bench_email("admin-second", programme.slug)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            username=email,
            email=email,
            password=make_password(None),
            first_name="Bench",
            last_name="Second admin",
            organisation=User.objects.get(email=bench_email(Role.ADMIN.value, programme.slug)).organisation,
        )
    Membership.objects.get_or_create(user=user, programme=programme, role=Role.ADMIN.value)
    return user


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
        shape = household_shape(rng)
        head_age = rng.uniform(shape[0][1], shape[0][2] + 0.999)
        # Years at this address: most households moved in recently, some decades ago, none as minors.
        lived_here = max(min(rng.expovariate(1 / 11), head_age - 18, 55), 0.1)
        moved_in = years_ago(today, lived_here)
        tussenvoegsel, family = region_surname(rng)
        # Without a given name in front, a tussenvoegsel takes a capital: "Van Dijk".
        name = f"{tussenvoegsel[:1].upper()}{tussenvoegsel[1:]} {family}" if tussenvoegsel else family
        drafts.append(
            HouseholdDraft(
                id=first + i,
                name=name,
                family=(tussenvoegsel, family),
                shape=shape,
                head_born=years_ago(today, head_age),
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
    """Members in the demo's household shapes (`catalogue.household_shape`): ages from the shape, a
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
                born = years_ago(today, rng.uniform(low, high + 0.999))
                female = (not head_female) if relation == Relation.PARTNER else rng.random() < 0.5
            given = rng.choice(GIVEN_NAMES_F if female else GIVEN_NAMES_M)
            tussenvoegsel, family = draft.family
            if relation in (Relation.PARTNER, Relation.PARENT) and rng.random() < 0.45:
                tussenvoegsel, family = region_surname(rng)
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


PARTNER_WEIGHTS = {"ggz": 20, "ggd": 18, "welfare": 26, "police": 8, "municipality": 16, "housing": 12}
SERVICE_DAYS = {"ggz": 5, "ggd": 3, "welfare": 3, "police": 2, "municipality": 5, "housing": 10}
PARTNER_USERS_PER_ORGANISATION = 4


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


def _synthetic_users(
    programme: Programme, prefix: str, count: int, organisation: Organisation, last_name: str
) -> list[User]:
    emails = [bench_email(f"{prefix}-{n:03d}", programme.slug) for n in range(1, count + 1)]
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
        programme, "fieldworker", max(0, min(100, areas // 2) - 1), municipality, "Projectmedewerker"
    )
    case_managers = [bench[Role.CASE_MANAGER.value]] + _synthetic_users(
        programme, "casemanager", max(0, min(400, households // 1000) - 1), municipality, "Casemanager"
    )
    partners: dict[int, list[int]] = {}
    partner_organisations = []
    service_days = {}
    bench_partner = bench[Role.PARTNER.value]
    for organisation in sorted(organisations.values(), key=lambda o: o.pk):
        if organisation.kind not in PARTNER_WEIGHTS:
            continue
        users = _synthetic_users(
            programme,
            f"partner-{organisation.kind}",
            PARTNER_USERS_PER_ORGANISATION,
            organisation,
            organisation.name[:40],
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
