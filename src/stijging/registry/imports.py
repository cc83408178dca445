"""Importing BAG addresses into an area.

Reads the exports municipalities actually have: NLExtract's `bagadres.csv` and `bagadres-full.csv`,
and the project's own template (CSV or XLSX) that adds the housing association's complex number.
Comma or semicolon; UTF-8 with or without BOM, or cp1252. Every row is validated and reported by its
row number in the file (the header is row 1). All or nothing, unless `valid_rows_only`. Importing the
same file twice changes nothing. An address missing from a complete new extract is marked retired,
never deleted with its households.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in cp1252: accented names come out right this way.
        return data.decode("cp1252", errors="replace")


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(rows)s rows. Split it per area.") % {"rows": f"{MAX_ROWS:,}".replace(",", ".")}
    )


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS + 1:  # the header and MAX_ROWS rows
                raise _too_many_rows()
            rows.append(row[:MAX_COLUMNS])
    except csv.Error as error:
        # The csv module stops at a field over its limit (or an unclosed quote running to the end):
        # it cannot go on reading after it, so the file as a whole is refused, naming the line.
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (%(error)s); nothing was imported.")
            % {"line": reader.line_num, "error": error}
        ) from error
    return rows


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported here: only admins importing XLSX pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from error
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to more than %(mb)s MB. Split it per area, or save it as CSV.")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to open is "not a readable workbook"
        raise ImportFileError(_("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}) from error
    sheet = workbook.worksheets[0]
    rows: list[list[str]] = []
    try:
        # A sheet can claim any dimension: the columns read are bounded, and the rows are counted.
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(rows) >= MAX_ROWS + 1:  # the header and MAX_ROWS rows
                raise _too_many_rows()
            rows.append(
                ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values]
            )
    finally:
        workbook.close()
    return rows


def read_rows(data: bytes, filename: str) -> tuple[str, list[list[str]]]:
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return "xlsx", _read_xlsx(data)
    return "csv", _read_csv(data)


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
    raw_number = cell("huisnummer")
    if not raw_number.isdigit() or int(raw_number) < 1:
        raise ValueError(
            _(
                "huisnummer “%(value)s” is not a whole number; "
                "a letter goes in huisletter and an addition in huisnummertoevoeging"
            )
            % {"value": raw_number}
        )
    huisletter = cell("huisletter")
    if huisletter and not re.fullmatch(r"[A-Za-z]", huisletter):
        raise ValueError(_("huisletter “%(value)s” must be one letter") % {"value": huisletter})
    toevoeging = cell("huisnummertoevoeging")
    if toevoeging and not re.fullmatch(r"[A-Za-z0-9]{1,4}", toevoeging):
        raise ValueError(_("huisnummertoevoeging “%(value)s” must be 1 to 4 letters or digits") % {"value": toevoeging})
    postcode = normalise_postcode(cell("postcode"))
    if not POSTCODE_RE.match(postcode):
        raise ValueError(_("postcode “%(value)s” is not four digits and two letters") % {"value": cell("postcode")})
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
        "huisnummer": int(raw_number),
        "huisletter": huisletter.upper(),
        "huisnummertoevoeging": toevoeging.upper(),
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
    *, acting_user, area: Area, data: bytes, filename: str, dry_run: bool = False, valid_rows_only: bool = False
) -> ImportReport:
    report = parse(data, filename)
    report.dry_run = dry_run
    if report.rejected and not valid_rows_only:
        return report  # all or nothing: one bad row, nothing written
    if dry_run:
        _plan(report, area)
        return report
    _write(report, area, acting_user=acting_user, complete=not report.rejected)
    return report


def _plan(report: ImportReport, area: Area) -> None:
    """A dry run: count what a real import would do, without writing."""
    with transaction.atomic():
        _apply(report, area, complete=not report.rejected)
        transaction.set_rollback(True)


@transaction.atomic
def _write(report: ImportReport, area: Area, *, acting_user, complete: bool) -> None:
    _apply(report, area, complete=complete)
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
        },
    )


def _apply(report: ImportReport, area: Area, *, complete: bool) -> None:
    streets: dict[tuple[str, str], Street] = {
        (s.name, s.woonplaats): s for s in Street.objects.filter(name__in={r.values["street"] for r in report.accepted})
    }
    existing = {
        (a.postcode, a.huisnummer, a.huisletter.upper(), a.huisnummertoevoeging.upper()): a
        for a in Address.objects.filter(postcode__in={r.values["postcode"] for r in report.accepted})
    }
    to_create, to_update = [], []
    for row in report.accepted:
        values = dict(row.values)
        street_key = (values.pop("street"), values["woonplaats"])
        street = streets.get(street_key)
        if street is None:
            street = Street.objects.create(name=street_key[0], woonplaats=street_key[1])
            streets[street_key] = street
        values.update(street_id=street.pk, area_id=area.pk, retired_on=None)
        address = existing.get(row.key)
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
    if complete:
        seen_keys = {row.key for row in report.accepted}
        gone = [
            a.pk
            for a in Address.objects.filter(area=area, retired_on__isnull=True)
            if (a.postcode, a.huisnummer, a.huisletter.upper(), a.huisnummertoevoeging.upper()) not in seen_keys
        ]
        report.retired = Address.objects.filter(pk__in=gone).update(retired_on=timezone.localdate())
    else:
        report.retire_note = _(
            "Rows were rejected, so this file is not a complete extract: no address was marked as gone."
        )
