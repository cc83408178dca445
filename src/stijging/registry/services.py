"""Writes of the registry. Each is atomic and writes its audit event in the same transaction.

Editable records carry a `version`: a save names the version it started from, and a stale save is
refused with `ConflictError` instead of silently overwriting a colleague's change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError
from stijging.privacy import audit
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AuditAction

from .access import require_household_not_restricted
from .models import Address, Household, HouseholdMembership, HouseholdResidence, Person, bsn_enabled

PERSON_FIELDS = ("given_names", "tussenvoegsel", "family_name", "date_of_birth", "phone", "email", "bsn")


def _refuse_bsn_unless_enabled(fields: dict) -> None:
    # A BSN needs a legal basis (SPEC §5): where the setting is off, no write path stores one, not
    # only the form (an import or the API call these services directly).
    if fields.get("bsn") and not bsn_enabled():
        raise ValidationError({"bsn": _("Recording a BSN is not enabled.")})


def _current_member_ids(household: Household) -> list[int]:
    return list(
        HouseholdMembership.objects.filter(household=household, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )


@transaction.atomic
def household_register(
    *, acting_user, name: str, address: Address, moved_in_on: datetime.date, note: str = ""
) -> Household:
    household = Household(name=name, note=note)
    household.full_clean()
    household.save()
    residence = HouseholdResidence(household=household, address=address, start_date=moved_in_on)
    residence.full_clean()
    residence.save()
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=household, detail={"address_id": address.pk})
    return household


@transaction.atomic
def household_update(*, acting_user, household: Household, version: int, name: str, note: str) -> Household:
    require_household_not_restricted(household.pk)
    updated = Household.objects.filter(pk=household.pk, version=version).update(
        name=name, note=note, version=version + 1
    )
    if not updated:
        raise ConflictError
    household.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=household,
        person_ids=_current_member_ids(household),
        detail={"fields": ["name", "note"]},
    )
    return household


@transaction.atomic
def household_move(
    *,
    acting_user,
    household: Household,
    version: int,
    moved_on: datetime.date,
    to_address: Address | None,
) -> Household:
    """End the current residence on `moved_on` and, with a new address, start one there.

    Without a new address the household has left the programme's areas; its history stays.
    """
    require_household_not_restricted(household.pk)
    if not Household.objects.filter(pk=household.pk, version=version).update(version=version + 1):
        raise ConflictError
    current = HouseholdResidence.objects.select_for_update().filter(household=household, end_date__isnull=True).first()
    if current is not None:
        if moved_on < current.start_date:
            raise ValidationError(
                {
                    "moved_on": _("The move cannot be before the household moved in (%(date)s).")
                    % {"date": current.start_date.strftime("%d-%m-%Y")}
                }
            )
        if to_address is not None and to_address.pk == current.address_id:
            raise ValidationError({"postcode": _("The household already lives at this address.")})
        current.end_date = moved_on
        current.save(update_fields=["end_date"])
    if to_address is not None:
        HouseholdResidence.objects.create(household=household, address=to_address, start_date=moved_on)
    household.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=household,
        person_ids=_current_member_ids(household),
        detail={
            "move": True,
            "from_address_id": current.address_id if current else None,
            "to_address_id": to_address.pk if to_address else None,
        },
    )
    return household


@transaction.atomic
def person_add_to_household(
    *,
    acting_user,
    household: Household,
    relation: str,
    member_since: datetime.date,
    **fields,
) -> Person:
    require_household_not_restricted(household.pk)
    _refuse_bsn_unless_enabled(fields)
    person = Person(**{key: fields.get(key, "") for key in PERSON_FIELDS})
    person.full_clean()
    person.save()
    membership = HouseholdMembership(household=household, person=person, relation=relation, start_date=member_since)
    membership.full_clean()
    membership.save()
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=person,
        person_ids=[person.pk],
        detail={"household_id": household.pk},
    )
    return person


@transaction.atomic
def person_update(
    *, acting_user, person: Person, version: int, subject_request_id: int | None = None, **fields
) -> Person:
    """Change a person's data. A rectification request (AVG art. 16) comes through here too, with the
    request as its reason; it is the one change allowed while processing is restricted (art. 18)."""
    if subject_request_id is None:
        privacy_services.refuse_if_restricted(person.pk)
    changes = {key: value for key, value in fields.items() if key in PERSON_FIELDS}
    _refuse_bsn_unless_enabled(changes)
    candidate = Person(pk=person.pk, **{key: getattr(person, key) for key in PERSON_FIELDS} | changes)
    # The candidate is an unsaved copy of an existing row: a uniqueness check would find the row itself.
    candidate.full_clean(exclude=["created_at", "version"], validate_unique=False)
    if not Person.objects.filter(pk=person.pk, version=version).update(version=version + 1, **changes):
        raise ConflictError
    person.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=person,
        person_ids=[person.pk],
        detail={"fields": sorted(changes)} | ({"subject_request_id": subject_request_id} if subject_request_id else {}),
    )
    return person


@transaction.atomic
def person_leave_household(*, acting_user, membership: HouseholdMembership, left_on: datetime.date) -> None:
    require_household_not_restricted(membership.household_id)
    if left_on < membership.start_date:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    membership.end_date = left_on
    membership.save(update_fields=["end_date"])
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=membership.household,
        person_ids=[membership.person_id],
        detail={"left_on": left_on.isoformat()},
    )


@transaction.atomic
def person_join_household(
    *, acting_user, person: Person, household: Household, relation: str, member_since: datetime.date
) -> HouseholdMembership:
    """An existing person joins a household (a move found in a population-register extract): the
    person's earlier memberships are ended by `person_leave_household`, never here."""
    membership = HouseholdMembership(household=household, person=person, relation=relation, start_date=member_since)
    membership.full_clean()
    membership.save()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=household,
        person_ids=[person.pk],
        detail={"joined_on": member_since.isoformat()},
    )
    return membership


@dataclass
class ImportedPerson:
    """A person the people import adds (validated by the import): never an existing person."""

    given_names: str
    tussenvoegsel: str
    family_name: str
    date_of_birth: datetime.date
    bsn: str
    relation: str
    member_since: datetime.date


@dataclass
class ImportedHousehold:
    """New persons at one address: joining `household`, or, without one, a new household named `name`
    that moved in on `moved_in_on`."""

    address_id: int
    household: Household | None
    name: str
    moved_in_on: datetime.date
    persons: list[ImportedPerson] = field(default_factory=list)


@transaction.atomic
def households_and_persons_import(*, acting_user, area_id: int, groups: list[ImportedHousehold]) -> list[int]:
    """Add what the people import found new, in bulk: a region's extract holds a million persons,
    and one service call per person would take hours. The same rows the single services write
    (validated by the import: names, dates, BSN), and one audit event per batch listing the new
    persons by id, never by name, so that each person's trail shows the import that added them.
    Returns the new persons' ids."""
    if any(p.bsn for g in groups for p in g.persons) and not bsn_enabled():
        raise ValidationError({"bsn": _("Recording a BSN is not enabled.")})
    new_households = [g for g in groups if g.household is None]
    created = Household.objects.bulk_create([Household(name=g.name[:200]) for g in new_households], batch_size=1000)
    for group, household in zip(new_households, created, strict=True):
        group.household = household
    HouseholdResidence.objects.bulk_create(
        [
            HouseholdResidence(household=g.household, address_id=g.address_id, start_date=g.moved_in_on)
            for g in new_households
        ],
        batch_size=1000,
    )
    pairs = [(g.household, p) for g in groups for p in g.persons]
    persons = Person.objects.bulk_create(
        [
            Person(
                given_names=p.given_names,
                tussenvoegsel=p.tussenvoegsel,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                bsn=p.bsn,
            )
            for _household, p in pairs
        ],
        batch_size=1000,
    )
    HouseholdMembership.objects.bulk_create(
        [
            HouseholdMembership(household=household, person=person, relation=p.relation, start_date=p.member_since)
            for (household, p), person in zip(pairs, persons, strict=True)
        ],
        batch_size=1000,
    )
    person_ids = [person.pk for person in persons]
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        object_type="registry.people_import",
        object_id=area_id,
        person_ids=person_ids,
        detail={"households_added": len(new_households), "persons_added": len(person_ids)},
    )
    return person_ids


def today() -> datetime.date:
    return timezone.localdate()
