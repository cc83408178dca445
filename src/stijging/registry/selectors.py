"""Reused reads of the registry, already scoped by `visible_to(user)` and already joined."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from stijging.privacy.models import Consent, Restriction

from .models import Address, Area, Household, HouseholdMembership, HouseholdResidence, Person, Programme, Street


def programme_by_slug(user, slug: str) -> Programme | None:
    """The programme of a URL's slug, or None. Not scoped: the caller's access rule says whether
    `user` may open it (monitoring's views, through the toolkit's visible_or_404)."""
    return Programme.objects.filter(slug=slug).first()


def programmes_for(user) -> QuerySet[Programme]:
    from .access import PROGRAMME_ROLES, programme_ids_for

    return Programme.objects.filter(pk__in=programme_ids_for(user, PROGRAMME_ROLES))


@dataclass(frozen=True)
class Counts:
    """Counts for one area or street: residential addresses, households living there on the reference
    date, and addresses without a registered household (shown so that registering fewer households
    cannot raise a rate, SPEC §4)."""

    addresses: int
    households: int
    empty_addresses: int


@dataclass(frozen=True)
class AreaCounts(Counts):
    area: Area


def current_on(on: datetime.date | None = None, prefix: str = "") -> Q:
    """The one definition of "current on a date" for the registry's dated periods (residences and
    household memberships): started on or before the date, not yet ended on it. `prefix` reaches a
    period through a relation, e.g. "residences__"."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


def address_counts_by(addresses: QuerySet[Address], key: str, on: datetime.date) -> dict[int, tuple[int, int, int]]:
    """One grouped query: per `key` (area_id or street_id) the addresses, the occupied ones and the
    households living there on `on`."""
    occupied = Exists(HouseholdResidence.objects.filter(current_on(on), address=OuterRef("pk")))
    households = Count(
        "residences__household",
        filter=current_on(on, "residences__"),
        distinct=True,
    )
    rows = (
        addresses.filter(retired_on__isnull=True)
        .annotate(is_occupied=occupied)
        .values(key)
        .annotate(
            n_addresses=Count("pk", distinct=True),
            n_empty=Count("pk", filter=Q(is_occupied=False), distinct=True),
            n_households=households,
        )
        .values_list(key, "n_addresses", "n_households", "n_empty")
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def programme_summary(programme: Programme, on: datetime.date | None = None, area_id: int | None = None) -> dict:
    """Counts shown on the programme home: per area and in total (with `area_id`, that area's only:
    an area's page need not count the region's every address). Aggregates only; the programme's
    figures proper (SPEC §4) come with the monitoring part."""
    on = on or timezone.localdate()
    areas = Area.objects.filter(programme=programme).order_by("name")
    addresses = Address.objects.filter(area__programme=programme)
    if area_id is not None:
        areas, addresses = areas.filter(pk=area_id), addresses.filter(area_id=area_id)
    counts = address_counts_by(addresses, "area_id", on)
    rows = [AreaCounts(*counts.get(area.pk, (0, 0, 0)), area=area) for area in areas]
    return {
        "areas": rows,
        "total": Counts(
            addresses=sum(r.addresses for r in rows),
            households=sum(r.households for r in rows),
            empty_addresses=sum(r.empty_addresses for r in rows),
        ),
    }


def household_for(user, pk: int) -> Household:
    """One household the user may see, or Household.DoesNotExist."""
    return Household.objects.visible_to(user).get(pk=pk)


def household_detail(user, pk: int) -> Household:
    """With `restricted`: whether a current member's processing is restricted (AVG art. 18), which
    makes the household's records read-only (the page says so; the services refuse)."""
    household = (
        Household.objects.visible_to(user)
        .annotate(
            restricted=Exists(
                Restriction.objects.active().filter(
                    person__household_memberships__household=OuterRef("pk"),
                    person__household_memberships__end_date__isnull=True,
                )
            )
        )
        .prefetch_related(
            Prefetch(
                "residences",
                queryset=HouseholdResidence.objects.select_related("address__street", "address__area__programme"),
            ),
            Prefetch(
                "memberships",
                queryset=HouseholdMembership.objects.select_related("person").order_by(
                    "end_date", "person__date_of_birth"
                ),
            ),
        )
        .get(pk=pk)
    )
    return household


def current_residence(household: Household, on: datetime.date | None = None) -> HouseholdResidence | None:
    """From the prefetched residences: where the household lives on `on` (no query)."""
    for residence in household.residences.all():
        if residence.is_current(on):
            return residence
    return None


def person_for(user, pk: int) -> Person:
    return Person.objects.visible_to(user).get(pk=pk)


def person_detail(user, pk: int) -> Person:
    """With `restricted`: whether the person's processing is restricted (AVG art. 18)."""
    return (
        Person.objects.visible_to(user)
        .annotate(restricted=Exists(Restriction.objects.active().filter(person=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "household_memberships",
                queryset=HouseholdMembership.objects.select_related("household").order_by("-start_date"),
            ),
            Prefetch("consents", queryset=Consent.objects.select_related("organisation").order_by("-given_on", "-id")),
        )
        .get(pk=pk)
    )


def address_by_bag(user, *, postcode: str, huisnummer: int, huisletter: str = "", toevoeging: str = "") -> Address:
    """The address with these BAG keys in a programme where the user works, or Address.DoesNotExist."""
    from .access import PERSON_ROLES, programme_ids_for

    return Address.objects.select_related("street", "area").get(
        postcode=postcode,
        huisnummer=huisnummer,
        huisletter__iexact=huisletter,
        huisnummertoevoeging__iexact=toevoeging,
        area__programme_id__in=programme_ids_for(user, PERSON_ROLES),
    )


def address_for(user, pk: int) -> Address:
    from .access import PERSON_ROLES, programme_ids_for

    return Address.objects.select_related("street", "area__programme").get(
        pk=pk, area__programme_id__in=programme_ids_for(user, PERSON_ROLES)
    )


def resident_born_on(
    *,
    programme: Programme,
    postcode: str,
    huisnummer: int,
    huisletter: str = "",
    toevoeging: str = "",
    date_of_birth: datetime.date,
    on: datetime.date | None = None,
) -> Person | None:
    """The one person born on that day who is a member, on `on`, of a household living then at this
    address of the programme — or None when there is none or more than one. For linking a record
    the person agreed to link (a volunteer's), by what the person tells, without a search that would
    show anyone else."""
    on = on or timezone.localdate()
    matches = list(
        Person.objects.filter(
            current_on(on, "household_memberships__"),
            current_on(on, "household_memberships__household__residences__"),
            date_of_birth=date_of_birth,
            anonymised_at__isnull=True,
            household_memberships__household__residences__address__area__programme=programme,
            household_memberships__household__residences__address__postcode=postcode,
            household_memberships__household__residences__address__huisnummer=huisnummer,
            household_memberships__household__residences__address__huisletter__iexact=huisletter,
            household_memberships__household__residences__address__huisnummertoevoeging__iexact=toevoeging,
        ).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None


def streets_in_area(area: Area) -> QuerySet[Street]:
    """The streets with an address in the area (a long road may run through several areas)."""
    return Street.objects.filter(addresses__area=area).distinct().order_by("name", "pk")


def street_names_by_area(area_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Per area, the names of its streets (id → name), in one query: the tables per street of one
    area or of every area of a programme (the housing signals' XLSX)."""
    names: dict[int, dict[int, str]] = {area_id: {} for area_id in area_ids}
    rows = (
        Street.objects.filter(addresses__area_id__in=list(names))
        .values_list("addresses__area_id", "pk", "name")
        .distinct()
    )
    for area_id, pk, name in rows:
        names[area_id][pk] = name
    return names


def household_programme_id(household_id: int) -> int | None:
    """The programme the household belongs to now: that of its latest residence (decision 0003)."""
    return (
        HouseholdResidence.objects.filter(household_id=household_id)
        .order_by("-start_date", "-pk")
        .values_list("address__area__programme_id", flat=True)
        .first()
    )


def person_programme_id(person_id: int) -> int | None:
    """The programme of the household of the person's latest membership."""
    household_id = (
        HouseholdMembership.objects.filter(person_id=person_id)
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
        .values_list("household_id", flat=True)
        .first()
    )
    return household_programme_id(household_id) if household_id is not None else None


def person_lives_in_programme(person_id: int, programme_id: int) -> bool:
    """Whether the person belongs to this programme now (registry.models.person_lives_in)."""
    return Person.objects.filter(pk=person_id).in_programme(programme_id).exists()


def where_it_went(household_id: int) -> HouseholdResidence | None:
    """For a household that no longer lives at a current address (it left the areas without a known
    new address): its last residence, whose end date says when it left; None while it lives
    somewhere current. One query."""
    last = (
        HouseholdResidence.objects.filter(household_id=household_id)
        .select_related("address__street")
        .order_by("-start_date", "-pk")
        .first()
    )
    if last is None or last.is_current():
        return None
    return last
