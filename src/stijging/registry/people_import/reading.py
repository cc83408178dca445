"""Reading a people import's file: the columns as municipalities and housing associations name
them, the rows checked one by one (dates, names, BSN, "the same person as row N"), and the batches of
whole addresses the importer takes them in. Nothing here touches the database but the BSN setting."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..imports import MAX_CELL_CHARS, ImportFileError, RowProblem, address_key, iter_rows
from ..models import Relation, bsn_enabled
from ..validators import validate_bsn

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
        return (fold(self.given_names), fold(self.tussenvoegsel), fold(self.family_name), self.date_of_birth)


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
def fold(value: str) -> str:
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
    relation_text = fold(cell("relation"))
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
    if co_tenant and fold(co_tenant) not in fold(tenants):
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


def batches(rows: Iterable[PersonRow | ContractRow]) -> Iterator[list]:
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
