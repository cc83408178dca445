"""Address import: every malformed input gives the per-row report and never a partial import."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from stijging.privacy.models import AuditEvent
from stijging.registry.imports import ImportFileError, import_addresses, parse
from stijging.registry.models import Address, Street

from .factories import AreaFactory, HouseholdFactory, ResidenceFactory

NLEXTRACT = (
    "openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeente;provincie;object_id;"
    "object_type;nevenadres;x;y;lon;lat"
)
FULL = (
    "openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeente;provincie;object_id;"
    "object_type;nevenadres;x;y;lon;lat;nummeraanduiding;gebruiksdoel;oppervlakte;status;pand;bouwjaar"
)


def row(street="Tredelaan", nr="1", letter="", toev="", postcode="5928AB", place="Venlo", obj="0983010000000001"):
    return f"{street};{nr};{letter};{toev};{postcode};{place};Venlo;Limburg;{obj};VBO;f;209000.5;376000.1;6.1;51.3"


def csv_bytes(*lines: str, sep: str = ";", encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\n".join(line.replace(";", sep) for line in lines) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def area(db):
    return AreaFactory(slug="de-ruit")


def run(area, data: bytes, filename: str = "bagadres.csv", **kwargs):
    return import_addresses(acting_user=None, area=area, data=data, filename=filename, **kwargs)


def test_a_good_nlextract_file_is_imported_with_its_bag_fields(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr="3", letter="a", obj="0983010000000002")))
    assert report.committed and report.created == 2 and not report.rejected
    address = Address.objects.get(huisnummer=3)
    assert (address.postcode, address.huisletter, address.verblijfsobject_id) == ("5928AB", "A", "0983010000000002")
    assert str(address.rd_x) == "209000.500" and address.area == area
    assert address.street.name == "Tredelaan"
    assert AuditEvent.objects.filter(object_type="registry.address_import", object_id=str(area.pk)).count() == 1


def test_the_same_file_imported_twice_changes_nothing(area):
    data = csv_bytes(NLEXTRACT, row(nr="1"), row(nr="2", obj="0983010000000002"))
    run(area, data)
    before = list(Address.objects.values())
    report = run(area, data)
    assert (report.created, report.updated, report.unchanged, report.retired) == (0, 0, 2, 0)
    assert list(Address.objects.values()) == before
    assert Street.objects.count() == 1


def test_a_comma_separated_file_is_read(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), sep=","))
    assert report.created == 1


def test_a_bom_is_ignored(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), bom=True))
    assert report.created == 1 and not report.rejected


def test_cp1252_names_with_accents_come_out_right(area):
    report = run(area, csv_bytes(NLEXTRACT, row(street="Pater Bleijsstraße", place="Tegelen"), encoding="cp1252"))
    assert report.created == 1
    assert Street.objects.get().name == "Pater Bleijsstraße"
    report = run(area, csv_bytes(NLEXTRACT, row(street="Café-plein", nr="2", place="Tegelen"), encoding="cp1252"))
    assert Street.objects.filter(name="Café-plein").exists()


@pytest.mark.parametrize("bad_number", ["12 a", "12-bis", "0", "", "twaalf"])
def test_a_huisnummer_that_is_not_a_whole_number_rejects_the_row_and_imports_nothing(area, bad_number):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr=bad_number, obj="0983010000000002")))
    assert [(p.row, "huisnummer" in p.reason) for p in report.rejected] == [(3, True)]
    assert not report.committed
    assert Address.objects.count() == 0


def test_a_lower_case_postcode_with_a_space_is_normalised(area):
    report = run(area, csv_bytes(NLEXTRACT, row(postcode="5912 ab")))
    assert report.created == 1
    assert Address.objects.get().postcode == "5912AB"


def test_a_postcode_that_is_not_dutch_is_rejected(area):
    report = run(area, csv_bytes(NLEXTRACT, row(postcode="591 AB")))
    assert report.rejected[0].row == 2 and "postcode" in report.rejected[0].reason
    assert Address.objects.count() == 0


def test_duplicate_rows_are_reported_against_the_first(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr="2"), row(nr="1")))
    assert [(p.row, p.reason) for p in report.rejected] == [(4, "the same address as row 2")]
    assert Address.objects.count() == 0


def test_empty_lines_are_ignored_and_row_numbers_stay_those_of_the_file(area):
    report = run(area, csv_bytes(NLEXTRACT, "", row(nr="1"), ";;;;;;;;;;;;;;", row(nr="x")))
    assert [p.row for p in report.rejected] == [5]
    assert report.rows_read == 2


def test_a_truncated_last_line_is_rejected_with_its_row_number(area):
    data = csv_bytes(NLEXTRACT, row(nr="1")) + b"Tredelaan;2;;;5928"
    report = run(area, data)
    assert report.rejected[0].row == 3
    assert "fields" in report.rejected[0].reason
    assert Address.objects.count() == 0


def test_a_missing_column_is_a_file_error_that_names_it(area):
    header = NLEXTRACT.replace("postcode;", "")
    with pytest.raises(ImportFileError) as error:
        run(area, csv_bytes(header, "Tredelaan;1;;;Venlo"))
    assert "postcode" in str(error.value)
    assert Address.objects.count() == 0


def test_a_non_residential_row_is_skipped_with_its_reason(area):
    lines = [
        FULL,
        row(nr="1") + ";0983200000000001;woonfunctie;85;Verblijfsobject in gebruik;0983100000000001;1967",
        row(nr="2", obj="0983010000000002") + ";0983200000000002;kantoorfunctie;300;in gebruik;0983100000000002;1990",
        row(nr="3", obj="0983010000000003")
        + ";0983200000000003;woonfunctie,winkelfunctie;120;in gebruik;0983100000000003;1930",
    ]
    report = run(area, csv_bytes(*lines))
    assert [(p.row, "kantoorfunctie" in p.reason) for p in report.skipped] == [(3, True)]
    assert report.created == 2
    assert Address.objects.get(huisnummer=1).nummeraanduiding_id == "0983200000000001"
    assert Address.objects.get(huisnummer=3).bouwjaar == 1930


def test_valid_rows_only_imports_the_rest_and_marks_nothing_as_gone(area):
    gone = Address.objects.create(
        street=Street.objects.create(name="Oudstraat", woonplaats="Venlo"),
        area=area,
        postcode="5928AC",
        huisnummer=9,
        woonplaats="Venlo",
    )
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr="12 a")), valid_rows_only=True, complete=True)
    assert report.committed and report.created == 1 and len(report.rejected) == 1
    gone.refresh_from_db()
    assert gone.retired_on is None
    assert report.retire_note


def test_an_address_missing_from_a_new_complete_extract_is_marked_never_deleted(area):
    run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr="2", obj="0983010000000002")))
    address = Address.objects.get(huisnummer=2)
    ResidenceFactory(household=HouseholdFactory(), address=address)
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1")), complete=True)
    assert report.retired == 1
    address.refresh_from_db()
    assert address.retired_on is not None
    assert address.residences.count() == 1
    # It comes back when a later extract has it again.
    run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(nr="2", obj="0983010000000002")))
    address.refresh_from_db()
    assert address.retired_on is None


def test_a_dry_run_counts_but_writes_nothing(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1")), dry_run=True)
    assert report.created == 1 and not report.committed
    assert Address.objects.count() == 0


def test_the_project_template_in_xlsx_carries_the_complex_number(area):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
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
    )
    sheet.append(
        [
            "Tredelaan",
            4,
            None,
            "2",
            "5928AB",
            "Venlo",
            "0983200000000004",
            "0983010000000004",
            "woonfunctie",
            72,
            1962,
            209001.25,
            376001.5,
            "WVB-104",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(area, buffer.getvalue(), filename="adressen.xlsx")
    assert report.file_format == "xlsx" and report.created == 1, report.rejected
    address = Address.objects.get()
    assert (address.huisnummer, address.huisnummertoevoeging, address.complex_number) == (4, "2", "WVB-104")


def test_a_file_that_is_not_a_workbook_says_so(area):
    with pytest.raises(ImportFileError):
        run(area, b"PK\x03\x04 not really a zip", filename="adressen.xlsx")


def test_parse_reports_row_numbers_for_every_problem_at_once():
    report = parse(csv_bytes(NLEXTRACT, row(nr="x"), row(postcode="12"), row(letter="ab")))
    assert [p.row for p in report.rejected] == [2, 3, 4]


def test_the_command_refuses_a_file_with_rejected_rows_and_lists_them(area, tmp_path, capsys):
    path = tmp_path / "bagadres.csv"
    path.write_bytes(csv_bytes(NLEXTRACT, row(nr="1"), row(nr="12-bis")))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_addresses", str(path), area="de-ruit")
    assert "rejected row 3" in capsys.readouterr().out
    assert Address.objects.count() == 0
    call_command("import_addresses", str(path), area="de-ruit", valid_rows_only=True)
    assert Address.objects.count() == 1


def test_the_upload_screen_previews_then_imports_for_the_admin_and_shows_the_report(
    world, client, django_assert_max_num_queries
):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.user("admin"))
    url = f"/p/{world.own.programme.slug}/areas/{world.own.area.pk}/import/"
    upload = SimpleUploadedFile("bagadres.csv", csv_bytes(NLEXTRACT, row(nr="5", postcode="5911AB"), row(nr="6 b")))
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "6 b" in response.content.decode() and 'name="token"' not in response.content.decode()
    assert not Address.objects.filter(postcode="5911AB", huisnummer=5).exists()
    upload = SimpleUploadedFile("bagadres.csv", csv_bytes(NLEXTRACT, row(nr="5", postcode="5911AB")))
    # session, user, area, memberships, savepoint, streets, existing addresses, street insert,
    # address insert, the area's addresses (for those not in the file), rollback: 11, whatever the
    # size of the file (inserts go in batches of 1,000); one spare for the session's save.
    with django_assert_max_num_queries(12):
        response = client.post(url, {"file": upload})
    page = response.content.decode()
    assert "Check: what an import would do" in page
    assert not Address.objects.filter(postcode="5911AB", huisnummer=5).exists()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    plan = re.search(r'name="plan" value="([^"]+)"', page).group(1)
    # The same as the preview (the stored file comes from the cache, not the database), with the
    # audit insert and the savepoint's release instead of the rollback.
    with django_assert_max_num_queries(12):
        response = client.post(url, {"token": token, "plan": plan})
    assert response.status_code == 200 and "Imported" in response.content.decode()
    assert Address.objects.filter(postcode="5911AB", huisnummer=5, area=world.own.area).exists()


# --- Bad input: oversized fields and workbooks (issue 12, item 6) ------------------------------------


def test_a_csv_field_over_the_csv_modules_limit_is_a_file_error_that_names_the_line(area):
    huge = row(street="T" * 140_000)
    with pytest.raises(ImportFileError, match="Line 2 cannot be read as CSV"):
        run(area, csv_bytes(NLEXTRACT, huge, row(nr="3")))
    assert not Address.objects.exists()


def test_a_long_field_under_the_csv_limit_rejects_its_row(area):
    report = run(area, csv_bytes(NLEXTRACT, row(nr="1"), row(street="T" * 5_000, nr="2")), valid_rows_only=True)
    assert [(p.row, p.reason) for p in report.rejected] == [(3, "a field is longer than 500 characters")]
    assert Address.objects.count() == 1


def test_a_csv_with_more_rows_than_the_limit_is_refused(area, monkeypatch):
    from stijging.registry import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    lines = [row(nr=str(n), obj=f"09830100000000{n:02d}") for n in range(1, 5)]
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        run(area, csv_bytes(NLEXTRACT, *lines))
    assert not Address.objects.exists()


def _workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["openbareruimte", "huisnummer", "postcode", "woonplaats", "object_id", "x", "y"])
    for n in range(rows):
        sheet.append(["Tredelaan", n + 1, "5928AB", "Venlo", f"0983010000{n:06d}", 209000, 376000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_more_rows_than_the_limit_is_refused(area, monkeypatch):
    from stijging.registry import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        run(area, _workbook(11), filename="adressen.xlsx")
    assert not Address.objects.exists()


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(area, monkeypatch):
    """A zip bomb: a few kilobytes that unpack to far more. Bounded by what the archive declares,
    before openpyxl parses a byte of it."""
    from stijging.registry import imports

    data = _workbook(2_000)
    assert len(data) < 200_000
    monkeypatch.setattr(imports, "MAX_XLSX_UNPACKED_BYTES", 200_000)

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a workbook over the limit")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    with pytest.raises(ImportFileError, match="unpacks to more than"):
        run(area, data, filename="adressen.xlsx")
