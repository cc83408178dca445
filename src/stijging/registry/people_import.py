"""Importing households and persons: a housing association's tenant list and a population-register
(BRP) extract (issue 16; layouts in docs/people-import.md).

The file is read with the address import's reader (`imports.iter_rows`: BOM, cp1252, `;` or `,`,
CSV or XLSX, postcodes with a space or in lower case), row by row, and handled in batches of whole
addresses, so that a region's extract of a million persons needs memory for one batch plus one
integer per person seen (the complete extract's "who was missing"), never for the file.

Matching, not duplicating:
- an address is the registry's BAG address (postcode, number, letter, addition); a row at an address
  outside the programme's areas, or not in the registry at all, is rejected;
- a person is the same person by BSN where BSN is enabled (`STIJGING_ENABLE_BSN`) and the row has
  one; otherwise by given names, prefix, family name and date of birth, first among the persons who
  ever lived at the row's address, then among the persons living in the programme's areas now (a
  move within the neighbourhood), and only where exactly one person fits. A person of another
  programme is never taken: that row is rejected (decision 0004: an import takes only its own);
- a household is the one living at the address.

Every change to an existing household or person goes through the registry's services (a move, a
person leaving or joining a household), so that they leave the same audit events as on the screens
and keep the same rules (decision 0003). New households and persons are written in bulk by one
service per batch, audited per batch by person id. Persons are never named in an audit event.

Everything runs in one transaction. A dry run (the preview), a refused file (a rejected row while
`valid_rows_only` is off) and a confirmation whose plan changed since its preview are rolled back:
the report is what the import would do, computed by the same code.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stijging.concurrency import ConflictError
from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from . import services
from .imports import MAX_CELL_CHARS, ImportFileError, RowProblem, address_key, iter_rows
from .models import (
    Address,
    Area,
    Household,
    HouseholdMembership,
    HouseholdResidence,
    Person,
    Relation,
    bsn_enabled,
)
from .validators import validate_bsn

BRP = "brp"
TENANTS = "tenants"

# Column names as municipalities and housing associations write them (lower case; spaces, dots and
# underscores are one space). The first that is in the header wins.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": ("postcode",),
    "huisnummer": ("huisnummer", "huisnr"),
    "huisletter": ("huisletter",),
    "huisnummertoevoeging": ("huisnummertoevoeging", "toevoeging", "huisnummer toevoeging"),
    # The population-register extract.
    "bsn": ("bsn", "burgerservicenummer"),
    "given_names": ("voornamen", "voornaam"),
    "tussenvoegsel": ("voorvoegsel", "voorvoegsel geslachtsnaam", "tussenvoegsel", "voorvoegsels"),
    "family_name": ("geslachtsnaam", "achternaam"),
    "date_of_birth": ("geboortedatum",),
    "sex": ("geslacht", "geslachtsaanduiding"),
    "settled_on": (
        "datum vestiging",
        "datum vestiging adres",
        "vestigingsdatum",
        "datum aanvang adreshouding",
        "datum inschrijving",
    ),
    "relation": ("relatie tot hoofdbewoner", "relatie", "relatie hoofdbewoner"),
    # The tenant list.
    "contract_start": (
        "ingangsdatum",
        "ingangsdatum contract",
        "ingangsdatum huurcontract",
        "begindatum",
        "datum ingang",
        "contract start",
    ),
    "contract_end": ("einddatum", "einddatum contract", "einddatum huurcontract", "datum einde", "contract einde"),
    "tenants": ("huurders", "huurder", "naam huurder", "namen huurders", "huurder s", "huurder(s)"),
    "co_tenant": ("medehuurder", "naam medehuurder"),
    "household_size": ("aantal bewoners", "aantal personen", "huishoudgrootte", "gezinsgrootte"),
}
ADDRESS_COLUMNS = ("postcode", "huisnummer")
REQUIRED = {
    BRP: (*ADDRESS_COLUMNS, "given_names", "family_name", "date_of_birth", "settled_on"),
    TENANTS: (*ADDRESS_COLUMNS, "contract_start", "tenants"),
}
TEMPLATE_HEADER = {
    BRP: "bsn;voornamen;voorvoegsel;geslachtsnaam;geboortedatum;geslacht;postcode;huisnummer;huisletter;"
    "huisnummertoevoeging;datum vestiging;relatie tot hoofdbewoner",
    TENANTS: "postcode;huisnummer;huisletter;huisnummertoevoeging;ingangsdatum;einddatum;huurders;medehuurder;"
    "aantal bewoners",
}
# What the register writes for the relation to the main occupant (and what people type).
RELATIONS: dict[str, str] = {
    "": Relation.OTHER,
    "hoofdbewoner": Relation.HEAD,
    "ingeschrevene": Relation.HEAD,
    "hoofd": Relation.HEAD,
    "partner": Relation.PARTNER,
    "echtgenoot": Relation.PARTNER,
    "echtgenote": Relation.PARTNER,
    "echtgeno(o)t(e)": Relation.PARTNER,
    "geregistreerd partner": Relation.PARTNER,
    "kind": Relation.CHILD,
    "zoon": Relation.CHILD,
    "dochter": Relation.CHILD,
    "pleegkind": Relation.CHILD,
    "ouder": Relation.PARENT,
    "vader": Relation.PARENT,
    "moeder": Relation.PARENT,
    "broer": Relation.SIBLING,
    "zus": Relation.SIBLING,
    "broer/zus": Relation.SIBLING,
    "familie": Relation.OTHER_FAMILY,
    "overig familielid": Relation.OTHER_FAMILY,
    "overig": Relation.OTHER,
    "overige": Relation.OTHER,
    "anders": Relation.OTHER,
}
# Enough rows per batch that the queries per batch are few for a region, few enough that a batch's
# rows and their households fit in a few megabytes. A batch ends only where the address changes.
BATCH_ROWS = 2000
# (family name, date of birth) pairs per query when looking for a person who moved.
PAIRS_PER_QUERY = 500
# Persons added between two ANALYZEs of the registry's tables (PostgreSQL), see `_Importer.analyze`.
ANALYZE_EVERY = 20_000


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    row: int
    address: tuple[str, int, str, str]
    given_names: str
    tussenvoegsel: str
    family_name: str
    date_of_birth: datetime.date
    settled_on: datetime.date
    relation: str
    bsn: str

    @functools.cached_property
    def name_key(self) -> tuple[str, str, str, datetime.date]:
        return (_fold(self.given_names), _fold(self.tussenvoegsel), _fold(self.family_name), self.date_of_birth)


@dataclass
class ContractRow:
    row: int
    address: tuple[str, int, str, str]
    tenants: str
    start: datetime.date
    end: datetime.date | None
    household_size: int | None


@dataclass
class PeopleImportReport:
    shape: str = ""
    file_format: str = ""
    rows_read: int = 0
    rows_valid: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    households_added: int = 0
    households_moved: int = 0
    households_ended: int = 0
    households_unchanged: int = 0
    persons_added: int = 0
    persons_moved: int = 0
    persons_ended: int = 0
    persons_unchanged: int = 0
    complete: bool = False
    extract_date: datetime.date | None = None
    committed: bool = False
    dry_run: bool = False
    # A digest of every decision (what is moved, ended and refused, by id and row), so that a
    # confirmation can be held to its preview.
    plan: str = ""
    plan_changed: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "households_added": self.households_added,
            "households_moved": self.households_moved,
            "households_ended": self.households_ended,
            "households_unchanged": self.households_unchanged,
            "persons_added": self.persons_added,
            "persons_moved": self.persons_moved,
            "persons_ended": self.persons_ended,
            "persons_unchanged": self.persons_unchanged,
        }


@functools.lru_cache(maxsize=1 << 16)  # names repeat: a region has far fewer distinct ones than persons
def _fold(value: str) -> str:
    """A name as it is compared: case, accents and spacing do not make another person."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().split())


def _column_name(header: str) -> str:
    return " ".join(re.sub(r"[._]+", " ", header.strip().lstrip("\ufeff").lower()).split())


def _header_map(header: list[str]) -> tuple[str, dict[str, int]]:
    names = [_column_name(h) for h in header]
    mapping: dict[str, int] = {}
    for ours, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if _column_name(alias) in names:
                mapping[ours] = names.index(_column_name(alias))
                break
    if "date_of_birth" in mapping:
        shape = BRP
    elif "contract_start" in mapping:
        shape = TENANTS
    else:
        raise ImportFileError(
            _(
                "The header is neither a population-register extract (it has no column geboortedatum) nor a "
                "tenant list (it has no column ingangsdatum). Found: %(found)s."
            )
            % {"found": ", ".join(n for n in names if n) or _("nothing")}
        )
    missing = [column for column in REQUIRED[shape] if column not in mapping]
    if missing:
        raise ImportFileError(
            _("The header misses the column(s) %(columns)s. Found: %(found)s. Expected e.g.: %(expected)s.")
            % {
                "columns": ", ".join(COLUMN_ALIASES[column][0] for column in missing),
                "found": ", ".join(n for n in names if n),
                "expected": TEMPLATE_HEADER[shape],
            }
        )
    return shape, mapping


# Dates as files write them: 2024-03-01 (and XLSX date cells), 01-03-2024, 01/03/2024, 01.03.2024 and
# the register's 20240301. Matched by pattern rather than strptime: a region's extract has two million.
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
REGISTER_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _date(value: str, label) -> datetime.date:
    value = value.strip()
    try:
        if match := REGISTER_DATE.fullmatch(value):
            year, month, day = (int(part) for part in match.groups())
            # The register writes a partly unknown date with zeros (19700000, 19700500): read as the 1st.
            return datetime.date(year, month or 1, day or 1)
        if match := ISO_DATE.fullmatch(value):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := DUTCH_DATE.fullmatch(value):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        pass  # a 31st of February: not a date either
    raise ValueError(
        _("%(label)s “%(value)s” is not a date (write e.g. 2024-03-01, 01-03-2024 or 20240301)")
        % {"label": label, "value": value}
    )


# Translated only when a row is rejected: a label per row costs a region's import seconds.
DATE_OF_BIRTH = gettext_lazy("date of birth")
DATE_OF_SETTLEMENT = gettext_lazy("date of settlement")
CONTRACT_START = gettext_lazy("contract start")


def _not_after(day: datetime.date, limit: datetime.date, label) -> None:
    if day > limit:
        raise ValueError(
            _("%(label)s %(date)s lies after the extract date %(extract)s")
            % {"label": label, "date": day.strftime("%d-%m-%Y"), "extract": limit.strftime("%d-%m-%Y")}
        )


def _name(value: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise ValueError(_("%(label)s is empty") % {"label": label})
    if len(value) > max_length:
        raise ValueError(_("%(label)s is longer than %(n)s characters") % {"label": label, "n": max_length})
    return value


def _person_row(number: int, cell, extract_date: datetime.date, read_bsn: bool) -> PersonRow:
    address = address_key(cell("postcode"), cell("huisnummer"), cell("huisletter"), cell("huisnummertoevoeging"))
    given_names = _name(cell("given_names"), "voornamen", 200)
    tussenvoegsel = _name(cell("tussenvoegsel"), "voorvoegsel", 20, required=False)
    family_name = _name(cell("family_name"), "geslachtsnaam", 200)
    born = _date(cell("date_of_birth"), "geboortedatum")
    _not_after(born, extract_date, DATE_OF_BIRTH)
    settled = _date(cell("settled_on"), "datum vestiging")
    _not_after(settled, extract_date, DATE_OF_SETTLEMENT)
    if settled < born:
        raise ValueError(_("the date of settlement lies before the date of birth"))
    relation_text = _fold(cell("relation"))
    if relation_text not in RELATIONS:
        raise ValueError(
            _("relation “%(value)s” is unknown; write e.g. hoofdbewoner, partner, kind, ouder, broer/zus, overig")
            % {"value": cell("relation")}
        )
    bsn = ""
    if read_bsn:
        bsn = re.sub(r"\D", "", cell("bsn")).zfill(9) if cell("bsn") else ""
        try:
            validate_bsn(bsn)
        except ValidationError:
            raise ValueError(
                _("BSN “%(value)s” is not valid (9 digits passing the 11-proef)") % {"value": cell("bsn")}
            ) from None
    return PersonRow(
        number, address, given_names, tussenvoegsel, family_name, born, settled, RELATIONS[relation_text], bsn
    )


def _contract_row(number: int, cell, extract_date: datetime.date) -> ContractRow:
    address = address_key(cell("postcode"), cell("huisnummer"), cell("huisletter"), cell("huisnummertoevoeging"))
    tenants = _name(cell("tenants"), "huurders", 200)
    co_tenant = _name(cell("co_tenant"), "medehuurder", 200, required=False)
    if co_tenant and _fold(co_tenant) not in _fold(tenants):
        tenants = _name(f"{tenants} en {co_tenant}", "huurders", 200)
    start = _date(cell("contract_start"), "ingangsdatum")
    _not_after(start, extract_date, CONTRACT_START)
    end = _date(cell("contract_end"), "einddatum") if cell("contract_end") else None
    if end is not None and end < start:
        raise ValueError(_("the contract ends before it starts"))
    size_text = cell("household_size")
    size = None
    if size_text:
        if not size_text.isdigit() or not 1 <= int(size_text) <= 30:
            raise ValueError(_("household size “%(value)s” is not a number from 1 to 30") % {"value": size_text})
        size = int(size_text)
    return ContractRow(number, address, tenants, start, end, size)


def read(
    stream: BinaryIO, filename: str, *, extract_date: datetime.date, report: PeopleImportReport
) -> Iterator[PersonRow | ContractRow]:
    """The file's valid rows one by one; every bad row is added to `report.rejected` with its reason.
    Raises ImportFileError for a file that cannot be read as a whole (no header, a missing column)."""
    report.file_format, rows = iter_rows(stream, filename, max_rows=None)
    numbered = ((number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row))
    first = next(numbered, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    report.shape, mapping = _header_map(first[1])
    read_bsn = "bsn" in mapping and bsn_enabled()
    if "bsn" in mapping and not read_bsn:
        report.notes.append(_("The file has a BSN column. Recording a BSN is not enabled, so it was not read."))
    width = max(mapping.values()) + 1
    # Who was seen where: one small entry per person or contract, for "the same person as row N".
    seen: dict[object, int] = {}
    for number, cells in numbered:
        report.rows_read += 1

        def cell(name: str, cells=cells) -> str:
            index = mapping.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            if len(cells) < width:
                raise ValueError(
                    _("the row has %(found)s fields where the header has %(expected)s (cut off?)")
                    % {"found": len(cells), "expected": width}
                )
            if any(len(value) > MAX_CELL_CHARS for value in cells):
                raise ValueError(_("a field is longer than %(n)s characters") % {"n": MAX_CELL_CHARS})
            if report.shape == BRP:
                row: PersonRow | ContractRow = _person_row(number, cell, extract_date, read_bsn)
            else:
                row = _contract_row(number, cell, extract_date)
        except ValueError as error:
            report.rejected.append(RowProblem(number, str(error)))
            continue
        if isinstance(row, PersonRow):
            key: object = ("bsn", row.bsn) if row.bsn else row.name_key
        else:
            key = (row.address, row.start)
        # A hash, not the names: the dictionary of a million persons stays small.
        digest = hash(key)
        if digest in seen:
            if isinstance(row, PersonRow):
                message = _("the same person as row %(row)s")
            else:
                message = _("the same contract as row %(row)s")
            report.rejected.append(RowProblem(number, message % {"row": seen[digest]}))
            continue
        seen[digest] = number
        report.rows_valid += 1
        yield row


def _batches(rows: Iterable[PersonRow | ContractRow]) -> Iterator[list]:
    """Batches of about BATCH_ROWS rows that end where the address changes: a file sorted by address
    (as extracts are) has each address, and so each household, whole in one batch."""
    batch: list = []
    for row in rows:
        if len(batch) >= BATCH_ROWS and row.address != batch[-1].address:
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


# --- Matching and writing -----------------------------------------------------------------------


class _Importer:
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
            history.setdefault((address_id, _fold(given), _fold(prefix), _fold(family), born), set()).add(pk)
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
                living.setdefault((_fold(given), _fold(prefix), _fold(family), born), set()).add(pk)
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
    from .models import person_lives_in

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
    words = {w for w in re.split(r"[\s,.&/-]+", _fold(residence.household.name)) if len(w) > 2}
    return bool(words & {w for w in re.split(r"[\s,.&/-]+", _fold(row.tenants)) if len(w) > 2})


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("someone else changed the household at the same time")


# --- The import ---------------------------------------------------------------------------------


def import_people(
    *,
    acting_user,
    area: Area,
    stream: BinaryIO,
    filename: str,
    extract_date: datetime.date | None = None,
    complete: bool = False,
    dry_run: bool = False,
    valid_rows_only: bool = False,
    expected_plan: str | None = None,
) -> PeopleImportReport:
    """Import a tenant list or a population-register extract at the addresses of `area`'s programme.

    `extract_date`: the day the extract describes (default today); no date in the file may lie after
    it, and persons missing from a `complete` extract of `area` moved out on it. All or nothing unless
    `valid_rows_only`. `expected_plan`: the `plan` of the preview being confirmed; when the data
    changed since, nothing is written and the report is the new preview (`plan_changed`).
    Raises ImportFileError for a file that cannot be read as a whole."""
    extract_date = extract_date or timezone.localdate()
    report = PeopleImportReport(complete=complete, dry_run=dry_run, extract_date=extract_date)
    importer = _Importer(acting_user=acting_user, area=area, report=report, extract_date=extract_date)
    with transaction.atomic():
        for batch in _batches(read(stream, filename, extract_date=extract_date, report=report)):
            if report.shape == BRP:
                importer.person_batch(batch)
            else:
                importer.contract_batch(batch)
        if complete and report.shape == TENANTS:
            report.notes.append(
                _(
                    "A tenant list holds the housing association's dwellings only, so it is never taken as a "
                    "complete extract: nobody was marked as moved out for missing from it."
                )
            )
        elif complete and report.rejected:
            report.notes.append(
                _("Rows were rejected, so this file is not a complete extract: nobody was marked as moved out.")
            )
        elif complete and not report.rows_valid:
            report.notes.append(_("The file has no person to import, so it is not taken as a complete extract."))
        elif complete:
            if importer.added_since_analyze >= ANALYZE_EVERY // 10:
                importer.analyze()
            importer.end_missing()
        report.rejected.sort(key=lambda problem: problem.row)
        for problem in report.rejected:
            importer.decide("rejected", problem.row)
        report.plan = importer.plan.hexdigest()
        report.plan_changed = expected_plan is not None and expected_plan != report.plan
        if dry_run or report.plan_changed or (report.rejected and not valid_rows_only):
            transaction.set_rollback(True)
            return report
        report.committed = True
        audit.record(
            actor=acting_user,
            action=AuditAction.CREATE,
            object_type="registry.people_import",
            object_id=area.pk,
            # Counts only: who was added, moved or ended is in the events of those writes, by id.
            detail={
                "shape": report.shape,
                "extract_date": extract_date.isoformat(),
                "complete": complete,
                "rows_read": report.rows_read,
                "rejected": len(report.rejected),
                **report.counts(),
            },
        )
    return report
