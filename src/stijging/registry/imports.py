"""Importing BAG addresses into an area.

Reads the exports municipalities actually have: NLExtract's `bagadres.csv` and `bagadres-full.csv`,
and the project's own template (CSV or XLSX) that adds the housing association's complex number.
Comma or semicolon; UTF-8 with or without BOM, or cp1252. Every row is validated and reported by its
row number in the file (the header is row 1). All or nothing, unless `valid_rows_only`. Importing the
same file twice changes nothing.

An import takes only what is its own: an existing address in an area of another programme is a
rejected row naming that programme, unless the importer explicitly chooses to move such addresses
(each one is then listed in the report and the audit event). An address from another area of the
importer's own programme moves without that option, listed too: the programme's workers keep seeing
it either way. An address missing from the file is marked retired, never deleted with its households,
and only when the importer says the file is the complete extract of the area (`complete`); the
report always says how many addresses of the area the file lacks.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from .models import Address, Area, Street
from .validators import POSTCODE_RE, normalise_postcode

# Column names as they appear in the files, mapped onto ours. The first of each group wins.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "street": ("openbareruimte", "openbare_ruimte", "straat", "straatnaam"),
    "huisnummer": ("huisnummer",),
    "huisletter": ("huisletter",),
    "huisnummertoevoeging": ("huisnummertoevoeging", "toevoeging"),
    "postcode": ("postcode",),
    "woonplaats": ("woonplaats", "plaats"),
    "nummeraanduiding_id": ("nummeraanduiding", "nummeraanduiding_id"),
    "verblijfsobject_id": ("object_id", "verblijfsobject_id", "verblijfsobject"),
    "object_type": ("object_type",),
    "gebruiksdoel": ("gebruiksdoel",),
    "oppervlakte": ("oppervlakte",),
    "bouwjaar": ("bouwjaar",),
    "rd_x": ("x", "rd_x"),
    "rd_y": ("y", "rd_y"),
    "complex_number": ("complexnummer", "complex", "complex_number"),
}
REQUIRED = ("street", "huisnummer", "postcode", "woonplaats")
# The project's documented template (docs/address-import.md); NLExtract's headers are accepted as they are.
TEMPLATE_HEADER = [
    "openbareruimte",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
    "nummeraanduiding",
    "object_id",
    "gebruiksdoel",
    "oppervlakte",
    "bouwjaar",
    "x",
    "y",
    "complexnummer",
]
# Ligplaatsen and standplaatsen are homes too (houseboats, caravans); their gebruiksdoel is empty.
RESIDENTIAL_OBJECT_TYPES = {"", "vbo", "verblijfsobject", "lig", "ligplaats", "sta", "standplaats"}
COMPARED_FIELDS = (
    "street_id",
    "area_id",
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
)


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a row problem): nothing is imported."""


@dataclass
class RowProblem:
    row: int
    reason: str


@dataclass
class AddressRow:
    row: int
    values: dict

    @property
    def key(self) -> tuple[str, int, str, str]:
        v = self.values
        return (v["postcode"], v["huisnummer"], v["huisletter"], v["huisnummertoevoeging"])


@dataclass
class MovedAddress:
    """An existing address the import puts into the area from another area: by address, never by
    the households that live or lived there."""

    row: int
    address_id: int
    label: str
    from_area_id: int
    from_area: str
    from_programme_id: int
    from_programme: str
    other_programme: bool


@dataclass
class ImportReport:
    file_format: str = ""
    rows_read: int = 0
    accepted: list[AddressRow] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    committed: bool = False
    dry_run: bool = False
    retire_note: str = ""
    complete: bool = False
    moved: list[MovedAddress] = field(default_factory=list)
    # Addresses of the area the file does not have: what a complete import marks as retired.
    not_in_file: int = 0
    # A digest of what the import retires, moves and refuses, so that a confirmation can be held to its preview.
    plan: str = ""
    plan_changed: bool = False


# --- Reading ------------------------------------------------------------------------------------

# Limits of what is read at all, whatever the upload's size: an area's addresses are thousands of
# rows of short fields. A CSV field over the csv module's own limit (131,072 characters) is a file
# error; one over MAX_CELL_CHARS a row error. An XLSX is a zip: its compressed size says nothing
# about what it unpacks to, so the unpacked size, the rows and the columns are bounded before and
# while openpyxl reads it.
MAX_ROWS = 100_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 500
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024


def _encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as UTF-8, else cp1252: Excel on Windows
    saves "CSV" in cp1252, and accented names come out right that way. Checked chunk by chunk, so a
    file of a region's persons is never held in memory whole; the stream is rewound."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8-sig"
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "cp1252"
    stream.seek(0)
    return encoding


def _too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(rows)s rows. Split it per area.") % {"rows": f"{max_rows:,}".replace(",", ".")}
    )


def iter_csv(stream: BinaryIO, *, max_rows: int | None = -1) -> Iterator[list[str]]:
    """The rows of a CSV file one by one: separator `;` or `,` (whichever the header has more of)."""
    max_rows = MAX_ROWS if max_rows == -1 else max_rows  # -1: the address import's limit, read now
    text = io.TextIOWrapper(stream, encoding=_encoding(stream), errors="replace", newline="")
    first_line = text.readline()
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    count = 0
    try:
        for row in reader:
            if max_rows is not None and count >= max_rows + 1:  # the header and max_rows rows
                raise _too_many_rows(max_rows)
            count += 1
            yield row[:MAX_COLUMNS]
    except csv.Error as error:
        # The csv module stops at a field over its limit (or an unclosed quote running to the end):
        # it cannot go on reading after it, so the file as a whole is refused, naming the line.
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (%(error)s); nothing was imported.")
            % {"line": reader.line_num, "error": error}
        ) from error
    finally:
        text.detach()  # the caller owns the stream


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        # A date cell comes back as a datetime at midnight: the date is what the sheet says.
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    return str(value)


def iter_xlsx(stream: BinaryIO, *, max_rows: int | None = -1) -> Iterator[list[str]]:
    """The rows of the first sheet of an XLSX workbook one by one (openpyxl's read-only mode streams)."""
    from openpyxl import load_workbook  # imported here: only admins importing XLSX pay for it

    max_rows = MAX_ROWS if max_rows == -1 else max_rows  # -1: the address import's limit, read now
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from error
    stream.seek(0)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to more than %(mb)s MB. Split it per area, or save it as CSV.")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to open is "not a readable workbook"
        raise ImportFileError(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from error
    sheet = workbook.worksheets[0]
    count = 0
    try:
        # A sheet can claim any dimension: the columns read are bounded, and the rows are counted.
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if max_rows is not None and count >= max_rows + 1:  # the header and max_rows rows
                raise _too_many_rows(max_rows)
            count += 1
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def iter_rows(stream: BinaryIO, filename: str, *, max_rows: int | None = -1) -> tuple[str, Iterator[list[str]]]:
    """The format ("csv" or "xlsx") and the file's rows, read as they are needed. `stream` is a
    seekable binary file (an upload, an open file, BytesIO)."""
    is_xlsx = filename.lower().endswith(".xlsx") or stream.read(2) == b"PK"
    stream.seek(0)
    if is_xlsx:
        return "xlsx", iter_xlsx(stream, max_rows=max_rows)
    return "csv", iter_csv(stream, max_rows=max_rows)


def read_rows(data: bytes, filename: str) -> tuple[str, list[list[str]]]:
    file_format, rows = iter_rows(io.BytesIO(data), filename, max_rows=MAX_ROWS)
    return file_format, list(rows)


def _header_map(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    mapping = {}
    for ours, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names:
                mapping[ours] = names.index(alias)
                break
    missing = [col for col in REQUIRED if col not in mapping]
    if missing:
        raise ImportFileError(
            _("The header misses the column(s) %(columns)s. Found: %(found)s. Expected e.g.: %(expected)s.")
            % {
                "columns": ", ".join(COLUMN_ALIASES[col][0] for col in missing),
                "found": ", ".join(h for h in names if h) or _("nothing"),
                "expected": ";".join(TEMPLATE_HEADER),
            }
        )
    return mapping


# --- Validating ---------------------------------------------------------------------------------


def _digits(value: str, length: int, label: str) -> str:
    value = value.strip()
    if value and not re.fullmatch(rf"\d{{{length}}}", value.zfill(length) if value.isdigit() else value):
        raise ValueError(
            _("%(label)s “%(value)s” must be %(n)s digits") % {"label": label, "value": value, "n": length}
        )
    return value.zfill(length) if value else ""


def _number(value: str, label: str, *, decimal: bool = False):
    value = value.strip().replace(",", ".") if decimal else value.strip()
    if not value:
        return None
    try:
        return Decimal(value).quantize(Decimal("0.001")) if decimal else int(Decimal(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(label)s “%(value)s” is not a number") % {"label": label, "value": value}) from None


def address_key(postcode: str, huisnummer: str, huisletter: str, toevoeging: str) -> tuple[str, int, str, str]:
    """The BAG key of an address as a file writes it (postcode with a space or in lower case, a letter
    in either case): (postcode, huisnummer, huisletter, toevoeging) as the registry stores them.
    Raises ValueError with the reason, for the row's report."""
    raw_number = huisnummer.strip()
    if not raw_number.isdigit() or int(raw_number) < 1:
        raise ValueError(
            _(
                "huisnummer “%(value)s” is not a whole number; "
                "a letter goes in huisletter and an addition in huisnummertoevoeging"
            )
            % {"value": raw_number}
        )
    huisletter = huisletter.strip()
    if huisletter and not re.fullmatch(r"[A-Za-z]", huisletter):
        raise ValueError(_("huisletter “%(value)s” must be one letter") % {"value": huisletter})
    toevoeging = toevoeging.strip()
    if toevoeging and not re.fullmatch(r"[A-Za-z0-9]{1,4}", toevoeging):
        raise ValueError(_("huisnummertoevoeging “%(value)s” must be 1 to 4 letters or digits") % {"value": toevoeging})
    normalised = normalise_postcode(postcode)
    if not POSTCODE_RE.match(normalised):
        raise ValueError(_("postcode “%(value)s” is not four digits and two letters") % {"value": postcode.strip()})
    return normalised, int(raw_number), huisletter.upper(), toevoeging.upper()


def _validate(cells: list[str], mapping: dict[str, int], width: int) -> tuple[dict | None, str | None]:
    """Returns (values, None) for a good row, (None, reason-to-skip) for a non-residential one, and
    raises ValueError with the reason for a bad one."""
    if len(cells) < width:
        raise ValueError(
            _("the row has %(found)s fields where the header has %(expected)s (cut off?)")
            % {"found": len(cells), "expected": width}
        )

    def cell(name: str) -> str:
        index = mapping.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    object_type = cell("object_type").lower()
    gebruiksdoel = cell("gebruiksdoel").lower()
    if object_type not in RESIDENTIAL_OBJECT_TYPES:
        return None, _("object type “%(type)s” is not a dwelling") % {"type": cell("object_type")}
    if gebruiksdoel and "woonfunctie" not in gebruiksdoel:
        return None, _("gebruiksdoel “%(doel)s” is not residential") % {"doel": cell("gebruiksdoel")}

    street = cell("street")
    if not street:
        raise ValueError(_("the street (openbareruimte) is empty"))
    postcode, huisnummer, huisletter, toevoeging = address_key(
        cell("postcode"), cell("huisnummer"), cell("huisletter"), cell("huisnummertoevoeging")
    )
    woonplaats = cell("woonplaats")
    if not woonplaats:
        raise ValueError(_("woonplaats is empty"))
    bouwjaar = _number(cell("bouwjaar"), "bouwjaar")
    if bouwjaar is not None and not 1000 <= bouwjaar <= timezone.localdate().year + 5:
        raise ValueError(_("bouwjaar “%(value)s” is not a plausible year") % {"value": bouwjaar})
    oppervlakte = _number(cell("oppervlakte"), "oppervlakte")
    if oppervlakte is not None and oppervlakte < 0:
        raise ValueError(_("oppervlakte cannot be negative"))
    complex_number = cell("complex_number")
    if len(complex_number) > 20:
        raise ValueError(_("complex number “%(value)s” is longer than 20 characters") % {"value": complex_number})
    values = {
        "street": street[:200],
        "woonplaats": woonplaats[:100],
        "postcode": postcode,
        "huisnummer": huisnummer,
        "huisletter": huisletter,
        "huisnummertoevoeging": toevoeging,
        "nummeraanduiding_id": _digits(cell("nummeraanduiding_id"), 16, "nummeraanduiding"),
        "verblijfsobject_id": _digits(cell("verblijfsobject_id"), 16, "object_id"),
        "gebruiksdoel": gebruiksdoel or "woonfunctie",
        "oppervlakte": oppervlakte,
        "bouwjaar": bouwjaar,
        "rd_x": _number(cell("rd_x"), "x", decimal=True),
        "rd_y": _number(cell("rd_y"), "y", decimal=True),
        "complex_number": complex_number,
    }
    return values, None


def parse(data: bytes, filename: str = "addresses.csv") -> ImportReport:
    report = ImportReport()
    report.file_format, rows = read_rows(data, filename)
    # Drop wholly empty lines everywhere: Excel and editors leave them, they mean nothing.
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise ImportFileError(_("The file is empty."))
    header_number, header = numbered[0]
    mapping = _header_map(header)
    width = max(mapping.values()) + 1
    seen: dict[tuple, int] = {}
    for number, cells in numbered[1:]:
        report.rows_read += 1
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            report.rejected.append(
                RowProblem(number, _("a field is longer than %(n)s characters") % {"n": MAX_CELL_CHARS})
            )
            continue
        try:
            values, skip_reason = _validate(cells, mapping, width)
        except ValueError as error:
            report.rejected.append(RowProblem(number, str(error)))
            continue
        if values is None:
            report.skipped.append(RowProblem(number, skip_reason or ""))
            continue
        row = AddressRow(number, values)
        if row.key in seen:
            report.rejected.append(RowProblem(number, _("the same address as row %(row)s") % {"row": seen[row.key]}))
            continue
        seen[row.key] = number
        report.accepted.append(row)
    return report


# --- Writing ------------------------------------------------------------------------------------


def import_addresses(
    *,
    acting_user,
    area: Area,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    valid_rows_only: bool = False,
    complete: bool = False,
    move_from_other_programmes: bool = False,
    expected_plan: str | None = None,
) -> ImportReport:
    """Import the file into `area`, all or nothing unless `valid_rows_only`.

    `complete`: the file is the complete extract of the area, so the area's addresses it lacks are
    marked retired (never when a row was rejected: that row may be one of them).
    `move_from_other_programmes`: take addresses that lie in another programme's areas into this
    area (with their households and history); without it such a row is rejected.
    `expected_plan`: the `plan` of the preview the importer confirmed. When the data changed since,
    so that other addresses would be retired or moved, nothing is written and the report is the new
    preview (`plan_changed`).
    """
    report = parse(data, filename)
    report.dry_run = dry_run
    report.complete = complete
    # A dry run and a changed plan run the same code as the import and are rolled back: the report is
    # what the import would do. A refused file stops after the matching (which adds its own rejections).
    with transaction.atomic():
        _apply(
            report,
            area,
            complete=complete,
            move_from_other_programmes=move_from_other_programmes,
            all_or_nothing=not valid_rows_only,
        )
        report.plan_changed = expected_plan is not None and expected_plan != report.plan
        if dry_run or report.plan_changed or (report.rejected and not valid_rows_only):
            transaction.set_rollback(True)
            return report
        report.committed = True
        audit.record(
            actor=acting_user,
            action=AuditAction.CREATE,
            object_type="registry.address_import",
            object_id=area.pk,
            detail={
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "retired": report.retired,
                "rejected": len(report.rejected),
                "skipped": len(report.skipped),
                "complete": complete,
                "not_in_file": report.not_in_file,
                # One by one, by address id: which addresses changed area is what an auditor asks.
                "moved": [
                    {
                        "address_id": moved.address_id,
                        "from_area_id": moved.from_area_id,
                        "from_programme_id": moved.from_programme_id,
                    }
                    for moved in report.moved
                ],
            },
        )
    return report


def _key(address: Address) -> tuple[str, int, str, str]:
    return (address.postcode, address.huisnummer, address.huisletter.upper(), address.huisnummertoevoeging.upper())


def _apply(
    report: ImportReport, area: Area, *, complete: bool, move_from_other_programmes: bool, all_or_nothing: bool
) -> None:
    # An address is the same BAG address whatever area it lies in (postcode and number are unique), so
    # the match looks everywhere; whose it is decides whether the row may take it.
    existing = {
        _key(a): a
        for a in Address.objects.select_related("street", "area__programme").filter(
            postcode__in={r.values["postcode"] for r in report.accepted}
        )
    }
    matched: list[tuple[AddressRow, Address | None]] = []
    for row in report.accepted:
        address = existing.get(row.key)
        if address is not None and address.area_id != area.pk:
            other_programme = address.area.programme_id != area.programme_id
            if other_programme and not move_from_other_programmes:
                report.rejected.append(
                    RowProblem(
                        row.row,
                        _(
                            "this address belongs to area “%(area)s” of the programme “%(programme)s”; it stays "
                            "there unless you choose to move addresses from other programmes"
                        )
                        % {"area": address.area.name, "programme": address.area.programme.name},
                    )
                )
                continue
            report.moved.append(
                MovedAddress(
                    row=row.row,
                    address_id=address.pk,
                    label=str(address),
                    from_area_id=address.area_id,
                    from_area=address.area.name,
                    from_programme_id=address.area.programme_id,
                    from_programme=address.area.programme.name,
                    other_programme=other_programme,
                )
            )
        matched.append((row, address))
    report.accepted = [row for row, _address in matched]
    report.rejected.sort(key=lambda problem: problem.row)
    if report.rejected and all_or_nothing:
        return  # refused: the report lists every problem, and a refused file costs no writes

    streets: dict[tuple[str, str], Street] = {
        (s.name, s.woonplaats): s for s in Street.objects.filter(name__in={r.values["street"] for r in report.accepted})
    }
    to_create, to_update = [], []
    for row, address in matched:
        values = dict(row.values)
        street_key = (values.pop("street"), values["woonplaats"])
        street = streets.get(street_key)
        if street is None:
            street = Street.objects.create(name=street_key[0], woonplaats=street_key[1])
            streets[street_key] = street
        values.update(street_id=street.pk, area_id=area.pk, retired_on=None)
        if address is None:
            to_create.append(Address(**values))
            continue
        changed = False
        for name in COMPARED_FIELDS:
            if getattr(address, name) != values[name]:
                setattr(address, name, values[name])
                changed = True
        if changed:
            to_update.append(address)
        else:
            report.unchanged += 1
    Address.objects.bulk_create(to_create, batch_size=1000)
    Address.objects.bulk_update(to_update, list(COMPARED_FIELDS), batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)

    seen_keys = {row.key for row in report.accepted}
    gone = sorted(
        pk
        for pk, postcode, huisnummer, huisletter, toevoeging in Address.objects.filter(
            area=area, retired_on__isnull=True
        ).values_list("pk", "postcode", "huisnummer", "huisletter", "huisnummertoevoeging")
        if (postcode, huisnummer, huisletter.upper(), toevoeging.upper()) not in seen_keys
    )
    report.not_in_file = len(gone)
    retiring = complete and not report.rejected and bool(report.accepted)
    if retiring:
        report.retired = Address.objects.filter(pk__in=gone).update(retired_on=timezone.localdate())
    elif complete and not report.rejected:
        # A header alone, or only offices and shops, is no extract of a neighbourhood: taken as complete
        # it would retire every address of the area.
        report.retire_note = _("The file has no dwelling to import, so it is not taken as a complete extract.")
    elif complete:
        report.retire_note = _(
            "Rows were rejected, so this file is not a complete extract: no address was marked as gone."
        )
    elif gone:
        report.retire_note = ngettext(
            "%(count)s address of the area is not in this file. It stays as it is: only a file marked as "
            "the complete extract of the area marks the addresses it lacks as no longer in the BAG.",
            "%(count)s addresses of the area are not in this file. They stay as they are: only a file "
            "marked as the complete extract of the area marks the addresses it lacks as no longer in the BAG.",
            len(gone),
        ) % {"count": len(gone)}
    report.plan = hashlib.sha256(
        json.dumps(
            {
                "retire": gone if retiring else [],
                "move": sorted([moved.address_id, moved.from_area_id] for moved in report.moved),
                # A row refused now that the preview took would make the import do less than it showed.
                "reject": [problem.row for problem in report.rejected],
            }
        ).encode()
    ).hexdigest()
