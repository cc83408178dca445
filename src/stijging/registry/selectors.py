"""Reused reads of the registry, already scoped by `visible_to(user)` and already joined."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from stijging.privacy.models import Consent

from .models import Address, Area, Household, HouseholdMembership, HouseholdResidence, Person, Programme, Street


def programmes_for(user) -> QuerySet[Programme]:
    from .access import PROGRAMME_ROLES, programme_ids_for

    return Programme.objects.filter(pk__in=programme_ids_for(user, PROGRAMME_ROLES))


def programme_summary(programme: Programme, on: datetime.date | None = None) -> dict:
    """Counts shown on the programme home: addresses, addresses without a household, households.

    Aggregates only. The programme's figures proper (SPEC §4) come with the monitoring part.
    """
    on = on or timezone.localdate()
    current = Q(residences__start_date__lte=on) & (
        Q(residences__end_date__isnull=True) | Q(residences__end_date__gt=on)
    )
    areas = list(
        Area.objects.filter(programme=programme)
        .annotate(
            address_count=Count("addresses", filter=Q(addresses__retired_on__isnull=True), distinct=True),
        )
        .order_by("name")
    )
    households_per_area = dict(
        HouseholdResidence.objects.filter(address__area__programme=programme, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .values_list("address__area_id")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("address__area_id", "n")
    )
    empty_per_area = dict(
        Address.objects.filter(area__programme=programme, retired_on__isnull=True)
        .exclude(current)
        .values_list("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    for area in areas:
        area.household_count = households_per_area.get(area.pk, 0)
        area.empty_address_count = empty_per_area.get(area.pk, 0)
    return {
        "areas": areas,
        "address_count": sum(a.address_count for a in areas),
        "household_count": sum(a.household_count for a in areas),
        "empty_address_count": sum(a.empty_address_count for a in areas),
    }


def streets_of_area(area: Area, on: datetime.date | None = None) -> list[Street]:
    """The streets with addresses in this area, with address and household counts (no persons)."""
    on = on or timezone.localdate()
    streets = list(
        Street.objects.filter(addresses__area=area)
        .annotate(address_count=Count("addresses", filter=Q(addresses__area=area), distinct=True))
        .order_by("name")
    )
    households = dict(
        HouseholdResidence.objects.filter(address__area=area, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .values_list("address__street_id")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("address__street_id", "n")
    )
    for street in streets:
        street.household_count = households.get(street.pk, 0)
    return streets


def addresses_of_street(user, *, area: Area, street: Street, on: datetime.date | None = None) -> list[Address]:
    """The addresses of one street within one area, each with its current households and their
    current members, in house-number order. Households come through `visible_to(user)`."""
    on = on or timezone.localdate()
    current_members = HouseholdMembership.objects.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on)
    )
    current_residences = (
        HouseholdResidence.objects.filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .filter(household__in=Household.objects.visible_to(user))
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__memberships",
                queryset=current_members.select_related("person").order_by("person__date_of_birth"),
                to_attr="current_members",
            )
        )
    )
    return list(
        Address.objects.filter(area=area, street=street)
        .select_related("street")
        .prefetch_related(Prefetch("residences", queryset=current_residences, to_attr="current_residences"))
        .order_by("huisnummer", "huisletter", "huisnummertoevoeging")
    )


def household_for(user, pk: int) -> Household:
    """One household the user may see, or Household.DoesNotExist."""
    return Household.objects.visible_to(user).get(pk=pk)


def household_detail(user, pk: int) -> Household:
    household = (
        Household.objects.visible_to(user)
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
    return (
        Person.objects.visible_to(user)
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
