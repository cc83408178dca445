"""Matching and writing a people import's batches: the same address, household and person as the
registry holds (never another programme's), the moves and the new households through the registry's
services, and a digest of every decision so that a confirmation can be held to its preview."""

from __future__ import annotations

import datetime
import functools
import hashlib
import operator
import re
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError

from .. import services
from ..imports import RowProblem
from ..models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Person,
    Relation,
)
from .reading import ContractRow, PeopleImportReport, PersonRow, fold

# (family name, date of birth) pairs per query when looking for a person who moved.
PAIRS_PER_QUERY = 500
# Persons added between two ANALYZEs of the registry's tables (PostgreSQL), see `Importer.analyze`.
ANALYZE_EVERY = 20_000


class Importer:
    def __init__(self, *, acting_user, area: Area, report: PeopleImportReport, extract_date: datetime.date):
        self.user = acting_user
        self.area = area
        self.programme_id = area.programme_id
        self.report = report
        self.extract_date = extract_date
        self.plan = hashlib.sha256()
        # Every person the file names, matched or new: what a complete extract compares the area with.
        self.seen_persons: set[int] = set()
        # Households this import registers: their ids differ between a preview and its confirmation.
        self.new_households: set[int] = set()
        self.added_since_analyze = 0

    def decide(self, *parts) -> None:
        self.plan.update(repr(parts).encode())

    def household_ref(self, household_id: int | None) -> object:
        """A household as the plan names it: existing ones by id, this import's own as "new"."""
        return "new" if household_id in self.new_households else household_id

    def reject(self, row, reason: str) -> None:
        self.report.rejected.append(RowProblem(row.row, reason))
        self.decide("reject", row.row)

    # Addresses ------------------------------------------------------------------------------

    def addresses(self, batch: list) -> dict[tuple, Address]:
        """The batch's addresses that are the programme's; the others' rows are rejected."""
        postcodes = {row.address[0] for row in batch}
        found = {
            (a.postcode, a.huisnummer, a.huisletter.upper(), a.huisnummertoevoeging.upper()): a
            for a in Address.objects.select_related("area__programme").filter(postcode__in=postcodes)
        }
        ours: dict[tuple, Address] = {}
        for row in batch:
            address = found.get(row.address)
            if address is None:
                self.reject(
                    row,
                    _("the address %(address)s is not in the registry; import the BAG addresses of the area first")
                    % {"address": _label(row.address)},
                )
            elif address.area.programme_id != self.programme_id:
                self.reject(
                    row,
                    _("the address %(address)s lies in area “%(area)s” of the programme “%(programme)s”")
                    % {
                        "address": _label(row.address),
                        "area": address.area.name,
                        "programme": address.area.programme.name,
                    },
                )
            else:
                ours[row.address] = address
        return ours

    # The population-register extract --------------------------------------------------------

    def person_batch(self, batch: list[PersonRow]) -> None:
        addresses = self.addresses(batch)
        rows = [row for row in batch if row.address in addresses]
        address_ids = {a.pk for a in addresses.values()}
        # Households living at the batch's addresses now.
        living: dict[int, list[int]] = {}
        for address_id, household_id in (
            HouseholdResidence.objects.filter(address_id__in=address_ids, end_date__isnull=True)
            .order_by("household_id")
            .values_list("address_id", "household_id")
        ):
            living.setdefault(address_id, []).append(household_id)
        matches = self.match_persons(rows, addresses)
        # Where each matched person is a member now: person -> [(membership, household, address or None)].
        memberships: dict[int, list[tuple[int, int, int | None]]] = {}
        matched_ids = {pk for pk in matches.values() if pk}
        current_address = dict(
            HouseholdResidence.objects.filter(
                household__memberships__person_id__in=matched_ids,
                household__memberships__end_date__isnull=True,
                end_date__isnull=True,
            ).values_list("household_id", "address_id")
        )
        for membership_id, person_id, household_id in HouseholdMembership.objects.filter(
            person_id__in=matched_ids, end_date__isnull=True
        ).values_list("pk", "person_id", "household_id"):
            memberships.setdefault(person_id, []).append(
                (membership_id, household_id, current_address.get(household_id))
            )
        new_groups: list[services.ImportedHousehold] = []
        for address_key_, group in _grouped(rows):
            address = addresses[address_key_]
            self.person_address(address, group, matches, memberships, living.get(address.pk, []), new_groups)
        if new_groups:
            person_ids = services.households_and_persons_import(
                acting_user=self.user, area_id=self.area.pk, groups=new_groups
            )
            self.seen_persons.update(person_ids)
            self.added_since_analyze += len(person_ids)
            if self.added_since_analyze >= ANALYZE_EVERY:
                self.analyze()

    def analyze(self) -> None:
        """Statistics for what this transaction wrote. Without them PostgreSQL plans the lookups of a
        region's first import as if the tables were still empty: nested loops over hundreds of
        thousands of rows (the complete extract's look for missing persons ran for minutes)."""
        self.added_since_analyze = 0
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in (Person, Household, HouseholdMembership, HouseholdResidence):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def match_persons(self, rows: list[PersonRow], addresses: dict[tuple, Address]) -> dict[int, int | None]:
        """row number -> the existing person it is, or None for a new person. Rows naming a person of
        another programme are rejected (and left out)."""
        result: dict[int, int | None] = {}
        by_bsn: dict[str, tuple[int, bool]] = {}
        if any(row.bsn for row in rows):
            for pk, bsn, ours in (
                Person.objects.filter(bsn__in={row.bsn for row in rows if row.bsn})
                .annotate(ours=_person_is_ours(self.programme_id))
                .values_list("pk", "bsn", "ours")
            ):
                by_bsn[bsn] = (pk, ours)
        # Persons who ever lived at the batch's addresses: by name and date of birth, per address.
        history: dict[tuple, set[int]] = {}
        for pk, address_id, given, prefix, family, born in (
            HouseholdMembership.objects.filter(household__residences__address_id__in={a.pk for a in addresses.values()})
            .values_list(
                "person_id",
                "household__residences__address_id",
                "person__given_names",
                "person__tussenvoegsel",
                "person__family_name",
                "person__date_of_birth",
            )
            .order_by()
            .distinct()
        ):
            history.setdefault((address_id, fold(given), fold(prefix), fold(family), born), set()).add(pk)
        # Persons living in the programme's areas now, for the rows the address's history does not
        # know: a move within the neighbourhood. By the family name as written (the index on it serves
        # a region's million persons) or with a capital, then compared folded.
        unresolved = [row for row in rows if not row.bsn and (addresses[row.address].pk, *row.name_key) not in history]
        living: dict[tuple, set[int]] = {}
        if unresolved:
            # One probe per (family name, date of birth) of the index on both; in parts, because SQLite
            # parses a chain of ORs as a tree no deeper than 1,000.
            pairs = sorted(
                {(variant, row.date_of_birth) for row in unresolved for variant in _capitalisations(row.family_name)}
            )
            movers: list[tuple] = []
            for start in range(0, len(pairs), PAIRS_PER_QUERY):
                same_name = functools.reduce(
                    operator.or_,
                    (
                        Q(person__family_name=family, person__date_of_birth=born)
                        for family, born in pairs[start : start + PAIRS_PER_QUERY]
                    ),
                )
                movers += (
                    HouseholdMembership.objects.filter(
                        same_name,
                        end_date__isnull=True,
                        household__residences__end_date__isnull=True,
                        household__residences__address__area__programme_id=self.programme_id,
                    )
                    .values_list(
                        "person_id",
                        "person__given_names",
                        "person__tussenvoegsel",
                        "person__family_name",
                        "person__date_of_birth",
                    )
                    .order_by()
                    .distinct()
                )
            for pk, given, prefix, family, born in movers:
                living.setdefault((fold(given), fold(prefix), fold(family), born), set()).add(pk)
        kept = []
        for row in rows:
            if row.bsn:
                found = by_bsn.get(row.bsn)
                if found is not None and not found[1]:
                    self.reject(row, _("this person lives in a household of another programme"))
                    continue
                result[row.row] = found[0] if found else None
            else:
                candidates = history.get((addresses[row.address].pk, *row.name_key)) or living.get(row.name_key, set())
                result[row.row] = next(iter(candidates)) if len(candidates) == 1 else None
            kept.append(row)
        rows[:] = kept
        return result

    def person_address(
        self,
        address: Address,
        group: list[PersonRow],
        matches: dict[int, int | None],
        memberships: dict[int, list[tuple[int, int, int | None]]],
        living_here: list[int],
        new_groups: list[services.ImportedHousehold],
    ) -> None:
        """The rows of one address: who stays, who moved here, who is new."""
        unchanged, movers, new = [], [], []
        for row in group:
            person_id = matches.get(row.row)
            if person_id is None:
                new.append(row)
                continue
            if person_id in self.seen_persons:
                # Matched by name to a person another row already took: a namesake born the same day.
                new.append(row)
                continue
            self.seen_persons.add(person_id)
            current = memberships.get(person_id, [])
            if any(address_id == address.pk for _m, _h, address_id in current):
                unchanged.append(person_id)
            else:
                movers.append((row, person_id, current))
        report = self.report
        report.persons_unchanged += len(unchanged)
        # The household here: the one most of the unchanged persons belong to, else the oldest.
        household_id: int | None = None
        if living_here:
            members_here = [h for person_id in unchanged for _m, h, a in memberships[person_id] if a == address.pk]
            household_id = max(living_here, key=lambda h: (members_here.count(h), -h))
        old_households = {h for _row, _p, current in movers for _m, h, _a in current}
        if movers and household_id is None and len(old_households) == 1:
            # The whole household moved here: every current member of it is at this address in the file.
            old = old_households.pop()
            members = set(
                HouseholdMembership.objects.filter(household_id=old, end_date__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
            if members == {person_id for _row, person_id, _c in movers} and all(len(c) == 1 for _r, _p, c in movers):
                moved_on = min(row.settled_on for row, _p, _c in movers)
                if self.move_household(movers[0][0], old, address, moved_on):
                    report.households_moved += 1
                    report.persons_moved += len(movers)
                    household_id = old
                    movers = []
                else:
                    movers = []  # rejected with its reason
        if household_id is not None and unchanged and not movers and not new:
            # Counted once: a household that moved here, or that someone joined, is not "unchanged".
            report.households_unchanged += 1
        for row, person_id, current in movers:
            if household_id is None:
                household_id = self.register_household(row, address, min(r.settled_on for r in group))
                if household_id is None:
                    continue
            if self.move_person(row, person_id, current, household_id):
                report.persons_moved += 1
        if new:
            household = Household.objects.get(pk=household_id) if household_id is not None else None
            imported = services.ImportedHousehold(
                address_id=address.pk,
                household=household,
                name=_household_name(new),
                moved_in_on=min(row.settled_on for row in new),
            )
            for row in new:
                imported.persons.append(
                    services.ImportedPerson(
                        given_names=row.given_names,
                        tussenvoegsel=row.tussenvoegsel,
                        family_name=row.family_name,
                        date_of_birth=row.date_of_birth,
                        bsn=row.bsn,
                        relation=row.relation,
                        member_since=row.settled_on,
                    )
                )
            new_groups.append(imported)
            report.persons_added += len(new)
            if household is None:
                report.households_added += 1
            self.decide("add", address.pk, self.household_ref(household_id), [row.row for row in new])

    def move_household(self, row: PersonRow, household_id: int, address: Address, moved_on: datetime.date) -> bool:
        household = Household.objects.get(pk=household_id)
        try:
            services.household_move(
                acting_user=self.user,
                household=household,
                version=household.version,
                moved_on=moved_on,
                to_address=address,
            )
        except (ValidationError, ConflictError) as error:
            self.reject(row, _("the household cannot move here: %(reason)s") % {"reason": _reason(error)})
            return False
        self.decide("move-household", household_id, address.pk, moved_on)
        return True

    def register_household(self, row: PersonRow, address: Address, moved_in_on: datetime.date) -> int | None:
        household = services.household_register(
            acting_user=self.user, name=_household_name([row]), address=address, moved_in_on=moved_in_on
        )
        self.report.households_added += 1
        self.new_households.add(household.pk)
        self.decide("add-household", address.pk)
        return household.pk

    def move_person(self, row: PersonRow, person_id: int, current, household_id: int) -> bool:
        """The person leaves their households (in this programme: `match_persons` saw to that) and
        joins the one at the new address, on the date of settlement."""
        try:
            with transaction.atomic():
                for membership_id, old_household_id, _address_id in current:
                    membership = HouseholdMembership.objects.select_related("household").get(pk=membership_id)
                    services.person_leave_household(
                        acting_user=self.user, membership=membership, left_on=row.settled_on
                    )
                    self.end_if_empty(old_household_id, row.settled_on)
                services.person_join_household(
                    acting_user=self.user,
                    person=Person.objects.get(pk=person_id),
                    household=Household.objects.get(pk=household_id),
                    relation=row.relation,
                    member_since=row.settled_on,
                )
        except (ValidationError, ConflictError) as error:
            self.reject(row, _("the person cannot move here: %(reason)s") % {"reason": _reason(error)})
            return False
        self.decide("move-person", person_id, self.household_ref(household_id), row.settled_on)
        return True

    def end_if_empty(self, household_id: int, on: datetime.date) -> None:
        """A household whose last member left has moved out: its residence ends, it is not deleted."""
        if HouseholdMembership.objects.filter(household_id=household_id, end_date__isnull=True).exists():
            return
        residence = HouseholdResidence.objects.filter(household_id=household_id, end_date__isnull=True).first()
        if residence is None or residence.start_date > on:
            return
        household = Household.objects.get(pk=household_id)
        services.household_move(
            acting_user=self.user, household=household, version=household.version, moved_on=on, to_address=None
        )
        self.report.households_ended += 1
        self.decide("end-household", self.household_ref(household_id), on)

    def end_missing(self) -> None:
        """A complete extract of the area: every member of a household living in the area whom the
        file does not name has moved out on the extract's date (never deleted; the history stays)."""
        missing = [
            (pk, household_id)
            for pk, person_id, household_id, start in HouseholdMembership.objects.filter(
                end_date__isnull=True,
                household__residences__end_date__isnull=True,
                household__residences__address__area=self.area,
            )
            .order_by("household_id", "pk")
            .values_list("pk", "person_id", "household_id", "start_date")
            .iterator(chunk_size=5000)
            if person_id not in self.seen_persons and start <= self.extract_date
        ]
        emptied = set()
        for membership_id, household_id in missing:
            membership = HouseholdMembership.objects.select_related("household").get(pk=membership_id)
            services.person_leave_household(acting_user=self.user, membership=membership, left_on=self.extract_date)
            self.report.persons_ended += 1
            self.decide("end-person", membership.person_id, self.extract_date)
            emptied.add(household_id)
        for household_id in sorted(emptied):
            self.end_if_empty(household_id, self.extract_date)

    # The tenant list ------------------------------------------------------------------------

    def contract_batch(self, batch: list[ContractRow]) -> None:
        addresses = self.addresses(batch)
        rows = [row for row in batch if row.address in addresses]
        address_ids = {a.pk for a in addresses.values()}
        residences: dict[int, list[HouseholdResidence]] = {}
        for residence in (
            HouseholdResidence.objects.filter(address_id__in=address_ids)
            .select_related("household")
            .order_by("start_date", "pk")
        ):
            residences.setdefault(residence.address_id, []).append(residence)
        for address_key_, group in _grouped(rows):
            address = addresses[address_key_]
            for row in sorted(group, key=lambda r: r.start):
                self.contract(row, address, residences.setdefault(address.pk, []))

    def contract(self, row: ContractRow, address: Address, residences: list[HouseholdResidence]) -> None:
        """One contract at an address (the address's contracts in order of their start):
        - the household whose residence there started on the contract's start is the contract's;
        - else the household living there now, when it moved in on or after the contract's start
          (registered by a worker later) or its name shares a word with the tenants';
        - a current contract without a household registers one from the contract's start, and ends
          the household living there before it (the previous tenant) on the day before;
        - an ended contract ends its household's residence on the contract's end date. An ended
          contract of a household never registered is history that is not recorded (data minimisation)."""
        ended = row.end is not None and row.end <= self.extract_date
        current = next((r for r in residences if r.end_date is None), None)
        own = next((r for r in residences if r.start_date == row.start), None)
        if own is None and current is not None and (current.start_date >= row.start or _shares_name(current, row)):
            own = current
        report = self.report
        if own is None and ended:
            report.households_unchanged += 1  # not recorded: see above
            return
        if own is None:
            # The household living there before this contract was the previous tenant: it left the day before.
            left_on = max(current.start_date, row.start - datetime.timedelta(days=1)) if current else None
            if current is not None and left_on is not None and not self.end_residence(row, current, left_on):
                return
            household = services.household_register(
                acting_user=self.user, name=row.tenants, address=address, moved_in_on=row.start
            )
            residences.append(HouseholdResidence.objects.get(household=household, end_date__isnull=True))
            report.households_added += 1
            self.new_households.add(household.pk)
            self.decide("add-household", address.pk, row.start)
            return
        if ended and own.end_date is None:
            self.end_residence(row, own, row.end)
            return
        report.households_unchanged += 1

    def end_residence(self, row: ContractRow, residence: HouseholdResidence, on) -> bool:
        household = Household.objects.get(pk=residence.household_id)
        try:
            services.household_move(
                acting_user=self.user, household=household, version=household.version, moved_on=on, to_address=None
            )
        except (ValidationError, ConflictError) as error:
            self.reject(row, _("the household cannot move out: %(reason)s") % {"reason": _reason(error)})
            return False
        residence.end_date = on
        self.report.households_ended += 1
        self.decide("end-household", self.household_ref(household.pk), on)
        return True


def _person_is_ours(programme_id: int):
    from ..models import person_lives_in

    return person_lives_in([programme_id])


def _capitalisations(family_name: str) -> set[str]:
    """A family name as written and with a capital: "van Dijk" is "Dijk" with a prefix, but a worker
    may have typed "dijk"."""
    return {family_name, family_name[:1].upper() + family_name[1:]}


def _grouped(rows: list) -> Iterator[tuple[tuple, list]]:
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(row.address, []).append(row)
    yield from groups.items()


def _label(key: tuple[str, int, str, str]) -> str:
    postcode, number, letter, addition = key
    return f"{postcode[:4]} {postcode[4:]} {number}{letter}{'-' + addition if addition else ''}"


def _household_name(rows: list[PersonRow]) -> str:
    """A new household is called after its main occupant's family name (with its prefix)."""
    head = next((row for row in rows if row.relation == Relation.HEAD), rows[0])
    return " ".join(part for part in (head.tussenvoegsel, head.family_name) if part)


def _shares_name(residence: HouseholdResidence, row: ContractRow) -> bool:
    words = {w for w in re.split(r"[\s,.&/-]+", fold(residence.household.name)) if len(w) > 2}
    return bool(words & {w for w in re.split(r"[\s,.&/-]+", fold(row.tenants)) if len(w) > 2})


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("someone else changed the household at the same time")
