"""Reused reads of outreach, scoped by `visible_to(user)` and joined, with a constant number of
queries whatever the size of the street, the agenda or the region."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from stijging.registry.access import programme_ids_for
from stijging.registry.models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Programme,
    Street,
)
from stijging.registry.selectors import address_counts_by, current_on

from .access import WORKER_ROLES
from .models import (
    OPEN_STATUSES,
    AddressNote,
    Appointment,
    AppointmentStatus,
    Channel,
    ContactAttempt,
    HouseholdOutreach,
    OutreachStatus,
)


def status_of(household: Household) -> str:
    """The derived status, from the prefetched `outreach` row (no query when it was joined)."""
    try:
        return household.outreach.status
    except HouseholdOutreach.DoesNotExist:
        return OutreachStatus.NOT_APPROACHED


def area_for(*, slug: str, area_id: int) -> Area | None:
    return Area.objects.select_related("programme").filter(pk=area_id, programme__slug=slug).first()


def street_in_area(*, area: Area, street_id: int) -> Street | None:
    return (
        Street.objects.filter(pk=street_id)
        .filter(Exists(Address.objects.filter(street=OuterRef("pk"), area=area)))
        .first()
    )


@dataclass
class StreetRow:
    street: Street
    addresses: int = 0
    # None where a small cell is suppressed for a role without access to persons (SPEC §4).
    households: int | None = 0
    empty_addresses: int | None = 0
    by_status: dict[str, int | None] = field(default_factory=dict)
    # For a role without access to persons: how each count is shown (privacy.disclosure), by
    # "households", "empty" and status; empty for the roles that see the counts as they are.
    disclosed: dict = field(default_factory=dict)


def streets_of_area(area: Area, on: datetime.date | None = None) -> tuple[list[StreetRow], Counter]:
    """The streets of an area with addresses, households and households per outreach status
    (counts only, no persons). Three grouped queries, whatever the size of the area."""
    on = on or timezone.localdate()
    per_street = address_counts_by(Address.objects.filter(area=area), "street_id", on)
    statuses = (
        HouseholdResidence.objects.filter(current_on(on), address__area=area, address__retired_on__isnull=True)
        .values("address__street_id", "household__outreach__status")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )
    rows = {pk: StreetRow(street=street) for pk, street in Street.objects.in_bulk(list(per_street)).items()}
    for pk, (addresses, households, empty) in per_street.items():
        rows[pk].addresses, rows[pk].households, rows[pk].empty_addresses = addresses, households, empty
    totals: Counter = Counter()
    for values in statuses:
        row = rows.get(values["address__street_id"])
        if row is None:
            continue
        status = values["household__outreach__status"] or OutreachStatus.NOT_APPROACHED
        row.by_status[status] = row.by_status.get(status, 0) + values["n"]
        totals[status] += values["n"]
    return sorted(rows.values(), key=lambda r: r.street.name), totals


def addresses_of_street(user, *, area: Area, street: Street, on: datetime.date | None = None) -> list[Address]:
    """The street's addresses in house-number order, each with its current visible households,
    their members and their outreach status."""
    on = on or timezone.localdate()
    members = (
        HouseholdMembership.objects.filter(current_on(on)).select_related("person").order_by("person__date_of_birth")
    )
    residences = (
        HouseholdResidence.objects.filter(current_on(on))
        .filter(household__in=Household.objects.visible_to(user))
        .select_related("household__outreach")
        .prefetch_related(Prefetch("household__memberships", queryset=members, to_attr="current_members"))
    )
    return list(
        Address.objects.filter(area=area, street=street)
        .select_related("street", "worker_note")
        .prefetch_related(Prefetch("residences", queryset=residences, to_attr="current_residences"))
        .order_by("huisnummer", "huisletter", "huisnummertoevoeging")
    )


@dataclass(frozen=True)
class StreetHousehold:
    pk: int
    name: str
    members: tuple[int, ...]  # person ids of the current members
    status: str


@dataclass(frozen=True)
class StreetAddress:
    pk: int
    house_number: str
    postcode: str
    retired: bool
    interpreter_language: str | None  # None: no interpreter needed
    safety_note: bool
    households: tuple[StreetHousehold, ...]


def _house_number(huisnummer: int, huisletter: str, toevoeging: str) -> str:
    return f"{huisnummer}{huisletter}" + (f"-{toevoeging}" if toevoeging else "")


def street_page(user, *, area: Area, street: Street, on: datetime.date | None = None) -> list[StreetAddress]:
    """The street page's rows in three flat queries (addresses with the workers' note; the current
    visible households with their status; their current members), as plain rows: the busiest page of
    the fieldworkers, so no model instances and no prefetch machinery for what is only shown."""
    on = on or timezone.localdate()
    addresses = list(
        Address.objects.filter(area=area, street=street)
        .order_by("huisnummer", "huisletter", "huisnummertoevoeging")
        .values_list(
            "pk",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "postcode",
            "retired_on",
            "worker_note__interpreter_needed",
            "worker_note__interpreter_language",
            "worker_note__safety_note",
        )
    )
    residences = list(
        HouseholdResidence.objects.filter(current_on(on), address__area=area, address__street=street)
        .filter(household__in=Household.objects.visible_to(user))
        .order_by("address_id", "start_date", "household_id")
        .values_list("address_id", "household_id", "household__name", "household__outreach__status")
    )
    members: dict[int, list[int]] = {}
    for household_id, person_id in (
        HouseholdMembership.objects.filter(current_on(on), household_id__in=[r[1] for r in residences])
        .order_by("household_id", "person__date_of_birth")
        .values_list("household_id", "person_id")
    ):
        members.setdefault(household_id, []).append(person_id)
    per_address: dict[int, list[StreetHousehold]] = {}
    for address_id, household_id, name, status in residences:
        per_address.setdefault(address_id, []).append(
            StreetHousehold(
                pk=household_id,
                name=name,
                members=tuple(members.get(household_id, ())),
                status=status or OutreachStatus.NOT_APPROACHED,
            )
        )
    return [
        StreetAddress(
            pk=pk,
            house_number=_house_number(number, letter, addition),
            postcode=f"{postcode[:4]} {postcode[4:]}",
            retired=retired_on is not None,
            interpreter_language=(language or "") if interpreter else None,
            safety_note=bool(safety),
            households=tuple(per_address.get(pk, ())),
        )
        for pk, number, letter, addition, postcode, retired_on, interpreter, language, safety in addresses
    ]


@dataclass
class WalkingStop:
    address: Address
    households: list[Household]


def walking_list(user, *, area: Area, street: Street) -> tuple[list[WalkingStop], list[WalkingStop]]:
    """Odd and even side of the street: the addresses still to visit — households not reached yet and
    not objecting, and addresses where no household is registered. Addresses only, no problems."""
    odd: list[WalkingStop] = []
    even: list[WalkingStop] = []
    for address in addresses_of_street(user, area=area, street=street):
        if address.retired_on:
            continue
        households = [r.household for r in address.current_residences]  # type: ignore[attr-defined]
        to_visit = [h for h in households if status_of(h) in OPEN_STATUSES]
        if households and not to_visit:
            continue
        (odd if address.huisnummer % 2 else even).append(WalkingStop(address=address, households=to_visit))
    return odd, even


def household_outreach(user, pk: int) -> Household:
    """A household with everything the outreach page shows: its status, attempts, appointments and
    current address with the workers' note."""
    residences = HouseholdResidence.objects.filter(current_on()).select_related(
        "address__street", "address__area__programme", "address__worker_note"
    )
    return (
        Household.objects.visible_to(user)
        .select_related("outreach")
        .prefetch_related(
            Prefetch("residences", queryset=residences, to_attr="current_residences"),
            # Only the attempts and appointments of the user's own programmes (decision 0003).
            Prefetch(
                "contact_attempts",
                queryset=ContactAttempt.objects.visible_to(user).select_related("worker").order_by("-date", "-id"),
            ),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.visible_to(user).select_related("worker").order_by("-starts_at"),
            ),
            Prefetch(
                "memberships",
                queryset=HouseholdMembership.objects.filter(current_on()).select_related("person"),
                to_attr="current_members",
            ),
        )
        .get(pk=pk)
    )


def household_for(user, pk: int) -> Household | None:
    """The household a POST acts on: scoped, without the page's prefetches."""
    return Household.objects.visible_to(user).filter(pk=pk).first()


def appointment_for(user, pk: int) -> Appointment | None:
    return Appointment.objects.visible_to(user).filter(pk=pk).select_related("household").first()


def address_for_worker(user, address_id: int) -> Address | None:
    """An address in a programme where the user works, with its workers' note."""
    return (
        Address.objects.select_related("street", "area__programme", "worker_note")
        .filter(pk=address_id, area__programme_id__in=programme_ids_for(user, WORKER_ROLES))
        .first()
    )


def stored_note(address: Address) -> AddressNote | None:
    """The workers' note as it is stored now (after someone else saved it, say)."""
    return AddressNote.objects.filter(address=address).first()


def agenda(user, *, worker, start: datetime.date, days: int) -> list[Appointment]:
    """A worker's planned appointments from `start` for `days` days, with the current address."""
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    end = begin + datetime.timedelta(days=days)
    residences = HouseholdResidence.objects.filter(current_on()).select_related(
        "address__street", "address__worker_note"
    )
    return list(
        Appointment.objects.visible_to(user)
        .filter(
            worker=worker, starts_at__gte=begin, starts_at__lt=end, household__in=Household.objects.visible_to(user)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(household__outreach__do_not_contact=True)
        .select_related("household")
        .prefetch_related(Prefetch("household__residences", queryset=residences, to_attr="current_residences"))
        .order_by("starts_at")
    )


def usual_channel(user) -> str:
    """How this worker made most of their latest contact attempts: the form's default, so that a
    worker at the door does not record a letter by accident. The doorbell when they made none yet
    (the tablet is used at the door). Only the worker's own attempts, only the channel."""
    recent = list(
        ContactAttempt.objects.filter(worker=user).order_by("-created_at", "-pk").values_list("channel", flat=True)[:20]
    )
    if not recent:
        return Channel.DOORBELL
    counts = Counter(recent)
    # A tie goes to the channel used last.
    return max(counts, key=lambda channel: (counts[channel], -recent.index(channel)))


def colleagues(user, programme: Programme) -> QuerySet:
    """The workers of a programme, to plan an appointment for."""
    from stijging.accounts.models import Role, User

    return (
        User.objects.filter(
            memberships__programme=programme,
            memberships__role__in=[Role.FIELDWORKER, Role.CASE_MANAGER],
            is_active=True,
            is_service_account=False,  # an API client's account is nobody to plan a visit for
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def resident_ids(address: Address, on: datetime.date | None = None) -> list[int]:
    """The persons who live at the address now (for the audit log of its safety note): one query."""
    on = on or timezone.localdate()
    return list(
        HouseholdMembership.objects.filter(current_on(on))
        # One filter call: the residence that is at this address must be the current one.
        .filter(Q(household__residences__address=address) & current_on(on, prefix="household__residences__"))
        .values_list("person_id", flat=True)
        .distinct()
    )
