"""Households and persons from a tenant list and a population-register extract (issue 16)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from stijging.privacy.models import AuditEvent
from stijging.registry.imports import ImportFileError
from stijging.registry.models import Address, Household, HouseholdMembership, HouseholdResidence, Person, Street
from stijging.registry.people_import import import_people

from .factories import AreaFactory, HouseholdFactory, MemberFactory, PersonFactory, ResidenceFactory

D = datetime.date
EXTRACT = D(2026, 11, 1)
LATER = D(2026, 12, 1)
BRP_HEADER = (
    "bsn;voornamen;voorvoegsel;geslachtsnaam;geboortedatum;geslacht;postcode;huisnummer;huisletter;"
    "huisnummertoevoeging;datum vestiging;relatie tot hoofdbewoner"
)
TENANT_HEADER = "postcode;huisnummer;huisletter;huisnummertoevoeging;ingangsdatum;einddatum;huurders;aantal bewoners"


def person(given, family, born, nr, settled, relation="hoofdbewoner", prefix="", bsn="", postcode="5928 ab"):
    return f"{bsn};{given};{prefix};{family};{born};V;{postcode};{nr};;;{settled};{relation}"


def csv_bytes(*lines: str, sep: str = ";", encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\n".join(line.replace(";", sep) for line in lines) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# De Ruit in the first extract: the Jansens at 1 (parents and a child), Öztürk alone at 2, De Boer at 3.
FIRST = [
    person("Jan", "Jansen", "1980-03-01", 1, "2010-05-01"),
    person("Els", "Jansen", "1982-07-12", 1, "2010-05-01", "partner"),
    person("Tim", "Jansen", "2012-01-20", 1, "2012-01-20", "kind"),
    person("Ayşe", "Öztürk", "1975-11-30", 2, "2001-02-01"),
    person("Piet", "Boer", "1950-01-01", 3, "1990-09-01", prefix="de"),
]


@pytest.fixture
def area(db):
    area = AreaFactory(name="De Ruit", slug="de-ruit")
    street = Street.objects.create(name="Tredelaan", woonplaats="Venlo")
    Address.objects.bulk_create(
        Address(street=street, area=area, postcode="5928AB", huisnummer=number, woonplaats="Venlo")
        for number in range(1, 11)
    )
    return area


def run(area, data: bytes, filename: str = "brp.csv", **kwargs):
    kwargs.setdefault("extract_date", EXTRACT)
    return import_people(acting_user=None, area=area, stream=io.BytesIO(data), filename=filename, **kwargs)


def state() -> list:
    """Everything the import may touch, to compare before and after."""
    return [
        list(Household.objects.order_by("pk").values("pk", "name", "version")),
        list(HouseholdResidence.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values("pk", "given_names", "family_name", "date_of_birth", "bsn")),
        list(HouseholdMembership.objects.order_by("pk").values()),
    ]


def living_at(number: int) -> set[str]:
    return set(
        HouseholdMembership.objects.filter(
            end_date__isnull=True,
            household__residences__end_date__isnull=True,
            household__residences__address__huisnummer=number,
        ).values_list("person__given_names", flat=True)
    )


# --- The population-register extract -------------------------------------------------------------


def test_an_extract_imports_households_and_persons_into_an_empty_programme(area):
    report = run(area, csv_bytes(BRP_HEADER, *FIRST), complete=True)
    assert report.committed and not report.rejected
    assert (report.households_added, report.persons_added) == (3, 5)
    assert living_at(1) == {"Jan", "Els", "Tim"}
    jansen = Household.objects.get(name="Jansen")
    assert jansen.residences.get().start_date == D(2010, 5, 1)
    tim = HouseholdMembership.objects.get(person__given_names="Tim")
    assert (tim.relation, tim.start_date) == ("child", D(2012, 1, 20))
    assert Household.objects.filter(name="de Boer").exists()
    assert Person.objects.get(given_names="Ayşe").family_name == "Öztürk"


def test_the_same_file_imported_twice_changes_nothing(area):
    data = csv_bytes(BRP_HEADER, *FIRST)
    run(area, data, complete=True)
    before = state()
    report = run(area, data, complete=True)
    assert report.committed and not report.rejected
    assert report.counts() == {
        "households_added": 0,
        "households_moved": 0,
        "households_ended": 0,
        "households_unchanged": 3,
        "persons_added": 0,
        "persons_moved": 0,
        "persons_ended": 0,
        "persons_unchanged": 5,
    }
    assert state() == before


def test_a_later_extract_moves_adds_and_ends_exactly_what_changed(area):
    run(area, csv_bytes(BRP_HEADER, *FIRST), complete=True)
    later = [
        # The Jansens moved as a household from 1 to 5; Tim went with them.
        person("Jan", "Jansen", "1980-03-01", 5, "2026-11-10"),
        person("Els", "Jansen", "1982-07-12", 5, "2026-11-10", "partner"),
        person("Tim", "Jansen", "2012-01-20", 5, "2026-11-10", "kind"),
        # Ayşe stays, and a newborn joins her.
        person("Ayşe", "Öztürk", "1975-11-30", 2, "2001-02-01"),
        person("Deniz", "Öztürk", "2026-11-20", 2, "2026-11-20", "kind"),
        # A new household at 7. De Boer (3) is missing from this complete extract.
        person("Sanne", "Vos", "1995-06-06", 7, "2026-11-15"),
    ]
    report = run(area, csv_bytes(BRP_HEADER, *later), complete=True, extract_date=LATER)
    assert not report.rejected, report.rejected
    assert (report.households_added, report.households_moved, report.households_ended) == (1, 1, 1)
    assert report.households_unchanged == 0  # the Öztürks have a newborn: changed, but neither added nor moved
    assert (report.persons_added, report.persons_moved, report.persons_ended, report.persons_unchanged) == (2, 3, 1, 1)
    jansen = Household.objects.get(name="Jansen")
    assert [(r.address.huisnummer, r.start_date, r.end_date) for r in jansen.residences.order_by("start_date")] == [
        (1, D(2010, 5, 1), D(2026, 11, 10)),
        (5, D(2026, 11, 10), None),
    ]
    assert living_at(1) == set() and living_at(5) == {"Jan", "Els", "Tim"}
    assert living_at(2) == {"Ayşe", "Deniz"}
    assert Household.objects.filter(name="Öztürk").count() == 1
    assert HouseholdMembership.objects.get(person__given_names="Deniz").start_date == D(2026, 11, 20)
    # Missing from the complete extract: moved out on the extract date, never deleted.
    piet = Person.objects.get(given_names="Piet")
    assert piet.household_memberships.get().end_date == LATER
    assert Household.objects.get(name="de Boer").residences.get().end_date == LATER
    # And the later extract again changes nothing.
    before = state()
    again = run(area, csv_bytes(BRP_HEADER, *later), complete=True, extract_date=LATER)
    assert (again.persons_added, again.persons_moved, again.persons_ended, again.persons_unchanged) == (0, 0, 0, 6)
    assert state() == before


def test_a_person_moving_alone_leaves_the_household_and_starts_one_at_the_new_address(area):
    run(area, csv_bytes(BRP_HEADER, *FIRST))
    later = [*FIRST[:2], person("Tim", "Jansen", "2012-01-20", 8, "2026-11-25", "hoofdbewoner"), *FIRST[3:]]
    report = run(area, csv_bytes(BRP_HEADER, *later), extract_date=LATER)
    assert (report.persons_moved, report.households_added, report.households_moved) == (1, 1, 0)
    tim = Person.objects.get(given_names="Tim")
    assert [(m.household.name, m.start_date, m.end_date) for m in tim.household_memberships.order_by("start_date")] == [
        ("Jansen", D(2012, 1, 20), D(2026, 11, 25)),
        ("Jansen", D(2026, 11, 25), None),
    ]
    assert living_at(8) == {"Tim"} and living_at(1) == {"Jan", "Els"}
    # Through the registry's services: their audit events name the persons by id only.
    leave = AuditEvent.objects.filter(object_type="registry.household", detail__left_on="2026-11-25").get()
    assert leave.person_ids == [tim.pk]


def test_missing_persons_of_an_extract_not_marked_complete_stay(area):
    run(area, csv_bytes(BRP_HEADER, *FIRST))
    report = run(area, csv_bytes(BRP_HEADER, *FIRST[:3]), extract_date=LATER)
    assert report.persons_ended == 0
    assert living_at(3) == {"Piet"}


def test_a_complete_extract_ends_only_persons_of_its_own_area(area, world):
    run(area, csv_bytes(BRP_HEADER, *FIRST))
    report = run(area, csv_bytes(BRP_HEADER, *FIRST[:4]), complete=True, extract_date=LATER)
    assert report.persons_ended == 1
    assert world.own.adult.household_memberships.get().end_date is None
    assert world.foreign.adult.household_memberships.get().end_date is None


def test_a_hand_registered_household_is_matched_by_name_and_date_of_birth(area):
    """A worker typed the Jansens in on the day of the visit: the extract finds them, it adds no one."""
    address = Address.objects.get(huisnummer=1)
    household = HouseholdFactory(name="Jansen")
    ResidenceFactory(household=household, address=address, start_date=D(2026, 3, 1))
    for given, born in (("Jan", D(1980, 3, 1)), ("els", D(1982, 7, 12))):
        MemberFactory(
            household=household,
            person=PersonFactory(given_names=given, family_name="Jansen", date_of_birth=born),
            start_date=D(2026, 3, 1),
        )
    report = run(area, csv_bytes(BRP_HEADER, *FIRST[:3]))
    assert (report.persons_unchanged, report.persons_added, report.households_added) == (2, 1, 0)
    assert living_at(1) == {"Jan", "els", "Tim"}


# --- Malformed files: refused with one message per row, nothing changed ---------------------------


def test_a_malformed_file_is_refused_with_one_message_per_row_and_changes_nothing(area):
    run(area, csv_bytes(BRP_HEADER, *FIRST))
    before, events = state(), AuditEvent.objects.count()
    rows = [
        *FIRST,
        ";Karel;;Kort;1990-01-01;M;5928AB",  # row 7: cut off
        person("Fleur", "Toekomst", "2027-01-01", 4, "2026-10-01"),  # row 8: born after the extract
        person("Guus", "Nergens", "1970-01-01", 99, "2000-01-01"),  # row 9: no such address
        person("Jan", "Jansen", "1980-03-01", 4, "2020-01-01"),  # row 10: Jan again
        person("Ria", "Vreemd", "1970-01-01", 4, "2000-01-01", relation="buurvrouw"),  # row 11
        person("Bas", "Datum", "1 maart 1970", 4, "2000-01-01"),  # row 12
    ]
    report = run(area, csv_bytes(BRP_HEADER, *rows), complete=True)
    assert not report.committed
    assert [(p.row, p.reason) for p in report.rejected] == [
        (7, "the row has 7 fields where the header has 12 (cut off?)"),
        (8, "date of birth 01-01-2027 lies after the extract date 01-11-2026"),
        (9, "the address 5928 AB 99 is not in the registry; import the BAG addresses of the area first"),
        (10, "the same person as row 2"),
        (
            11,
            "relation “buurvrouw” is unknown; write e.g. hoofdbewoner, partner, kind, ouder, broer/zus, overig",
        ),
        (12, "geboortedatum “1 maart 1970” is not a date (write e.g. 2024-03-01, 01-03-2024 or 20240301)"),
    ]
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_the_reasons_are_in_dutch(area):
    from django.utils import translation

    with translation.override("nl"):
        report = run(area, csv_bytes(BRP_HEADER, person("Guus", "Nergens", "1970-01-01", 99, "2000-01-01")))
    assert report.rejected[0].reason.startswith("het adres 5928 AB 99 staat niet in het register")


def test_a_missing_column_refuses_the_file(area):
    header = BRP_HEADER.replace(";datum vestiging", "")
    with pytest.raises(ImportFileError, match="misses the column"):
        run(area, csv_bytes(header, "1;Jan;;Jansen;1980-03-01;M;5928AB;1;;;hoofdbewoner"))
    assert not Person.objects.exists()


def test_a_file_that_is_neither_shape_is_refused(area):
    with pytest.raises(ImportFileError, match="neither a population-register extract"):
        run(area, csv_bytes("naam;adres", "Jan;Tredelaan 1"))


def test_with_valid_only_the_good_rows_are_imported_and_a_complete_extract_ends_nobody(area):
    run(area, csv_bytes(BRP_HEADER, *FIRST))
    rows = [
        *FIRST[:4],
        person("Guus", "Nergens", "1970-01-01", 99, "2000-01-01"),
        person("Sanne", "Vos", "1995-06-06", 7, "2026-10-15"),
    ]
    report = run(area, csv_bytes(BRP_HEADER, *rows), complete=True, valid_rows_only=True)
    assert report.committed and [p.row for p in report.rejected] == [6]
    assert report.persons_added == 1 and report.persons_ended == 0
    assert living_at(3) == {"Piet"} and living_at(7) == {"Sanne"}


def test_a_row_at_an_address_of_another_programme_is_rejected(area, world):
    foreign = world.foreign.address
    row = person("Guus", "Grens", "1970-01-01", foreign.huisnummer, "2000-01-01", postcode=foreign.postcode)
    report = run(area, csv_bytes(BRP_HEADER, row))
    assert [p.reason for p in report.rejected] == [
        "the address 5921 AB 1 lies in area “Foreign area” of the programme “Foreign programme”"
    ]
    assert not report.committed


# --- BSN --------------------------------------------------------------------------------------


def test_without_bsn_enabled_the_bsn_column_is_not_read(area, settings):
    settings.STIJGING_ENABLE_BSN = False
    report = run(area, csv_bytes(BRP_HEADER, person("Jan", "Jansen", "1980-03-01", 1, "2010-05-01", bsn="111222333")))
    assert report.committed and report.notes == [
        "The file has a BSN column. Recording a BSN is not enabled, so it was not read."
    ]
    assert Person.objects.get().bsn == ""


def test_with_bsn_enabled_a_person_is_matched_by_bsn_even_under_another_name(area, settings):
    settings.STIJGING_ENABLE_BSN = True
    run(area, csv_bytes(BRP_HEADER, person("Els", "Jansen", "1982-07-12", 1, "2010-05-01", bsn="111222333")))
    married = person("Els", "Jansen-Smit", "1982-07-12", 4, "2026-10-01", bsn="111222333")
    report = run(area, csv_bytes(BRP_HEADER, married))
    assert (report.persons_moved, report.persons_added) == (1, 0)
    assert Person.objects.get().bsn == "111222333" and living_at(4) == {"Els"}


def test_with_bsn_enabled_an_invalid_bsn_and_a_person_of_another_programme_are_rejected(area, world, settings):
    settings.STIJGING_ENABLE_BSN = True
    Person.objects.filter(pk=world.foreign.adult.pk).update(bsn="123456782")
    rows = [
        person("Jan", "Jansen", "1980-03-01", 1, "2010-05-01", bsn="123456789"),
        person("Anna", "Foreignsen", "1985-04-02", 2, "2026-10-01", bsn="123456782"),
    ]
    report = run(area, csv_bytes(BRP_HEADER, *rows))
    assert [(p.row, p.reason) for p in report.rejected] == [
        (2, "BSN “123456789” is not valid (9 digits passing the 11-proef)"),
        (3, "this person lives in a household of another programme"),
    ]


# --- The tenant list ---------------------------------------------------------------------------


def test_a_tenant_list_registers_households_from_the_contract_start(area):
    rows = ["5928AB;1;;;01-05-2010;;J. Jansen en E. Jansen;3", "5928 ab;2;;;2001-02-01;;A. Öztürk;1"]
    report = run(area, csv_bytes(TENANT_HEADER, *rows), filename="huurders.csv")
    assert report.shape == "tenants" and report.households_added == 2
    assert HouseholdResidence.objects.get(household__name="A. Öztürk").start_date == D(2001, 2, 1)
    before = state()
    assert run(area, csv_bytes(TENANT_HEADER, *rows), filename="huurders.csv").households_unchanged == 2
    assert state() == before


def test_a_later_tenant_list_ends_a_contract_and_starts_the_next_tenants(area):
    run(area, csv_bytes(TENANT_HEADER, "5928AB;1;;;2010-05-01;;Jansen;3"), filename="huurders.csv")
    rows = ["5928AB;1;;;2010-05-01;2026-10-31;Jansen;3", "5928AB;1;;;2026-11-01;;Vos;1"]
    report = run(area, csv_bytes(TENANT_HEADER, *rows), filename="huurders.csv", extract_date=LATER)
    assert (report.households_ended, report.households_added) == (1, 1)
    assert HouseholdResidence.objects.get(household__name="Jansen").end_date == D(2026, 10, 31)
    assert HouseholdResidence.objects.get(household__name="Vos").start_date == D(2026, 11, 1)


def test_a_tenant_list_finds_the_household_a_worker_registered_later(area):
    household = HouseholdFactory(name="Familie Jansen")
    ResidenceFactory(household=household, address=Address.objects.get(huisnummer=1), start_date=D(2026, 3, 1))
    report = run(area, csv_bytes(TENANT_HEADER, "5928AB;1;;;2010-05-01;;J. Jansen;3"), filename="huurders.csv")
    assert (report.households_added, report.households_unchanged) == (0, 1)


def test_a_tenant_list_as_xlsx_with_date_cells(area):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Postcode", "Huisnummer", "Ingangsdatum", "Einddatum", "Huurder(s)", "Aantal bewoners"])
    sheet.append(["5928 AB", 3, datetime.datetime(1990, 9, 1), None, "P. de Boer", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(area, buffer.getvalue(), filename="huurders.xlsx")
    assert report.file_format == "xlsx" and report.households_added == 1, report.rejected
    assert HouseholdResidence.objects.get().start_date == D(1990, 9, 1)


def test_cp1252_comma_separated_with_a_bom_and_yyyymmdd_dates(area):
    rows = [person("Ayşe", "Ozturk", "19751130", 2, "20010201"), person("Zoë", "Mërtens", "19800000", 3, "20000500")]
    report = run(area, csv_bytes(BRP_HEADER, *[r.replace("ş", "s") for r in rows], sep=",", encoding="cp1252"))
    assert report.persons_added == 2, report.rejected
    assert Person.objects.get(family_name="Mërtens").date_of_birth == D(1980, 1, 1)
    utf8 = run(area, csv_bytes(BRP_HEADER, person("Jan", "Jansen", "1980-03-01", 1, "2010-05-01"), bom=True))
    assert utf8.persons_added == 1


# --- Audit -------------------------------------------------------------------------------------


def test_the_import_is_audited_with_its_counts_and_never_names_a_person(area):
    report = run(area, csv_bytes(BRP_HEADER, *FIRST))
    summary = AuditEvent.objects.get(object_type="registry.people_import", detail__has_key="rows_read")
    assert summary.object_id == str(area.pk)
    assert summary.detail["persons_added"] == 5 and summary.detail["households_added"] == 3
    batch = AuditEvent.objects.exclude(detail__has_key="rows_read").get(object_type="registry.people_import")
    assert sorted(batch.person_ids) == sorted(Person.objects.values_list("pk", flat=True))
    assert report.committed
    text = json.dumps([e.detail for e in AuditEvent.objects.all()])
    for name in ("Jansen", "Öztürk", "Boer", "Tim", "Ayşe"):
        assert name not in text


def test_a_dry_run_writes_nothing_and_audits_nothing(area):
    report = run(area, csv_bytes(BRP_HEADER, *FIRST), dry_run=True)
    assert report.persons_added == 5 and not report.committed
    assert not Person.objects.exists() and not AuditEvent.objects.exists()


# --- The command --------------------------------------------------------------------------------


def test_the_command_is_a_dry_run_until_apply(area, tmp_path, capsys):
    path = tmp_path / "brp.csv"
    path.write_bytes(csv_bytes(BRP_HEADER, *FIRST))
    call_command("import_people", str(path), "--area", "de-ruit", "--extract-date", "2026-11-01")
    out = capsys.readouterr().out
    assert "persons would be: added 5, moved 0, ended 0, unchanged 0" in out and "Dry run" in out
    assert not Person.objects.exists()
    call_command("import_people", str(path), "--area", "de-ruit", "--extract-date", "2026-11-01", "--apply")
    assert "persons were: added 5" in capsys.readouterr().out
    assert Person.objects.count() == 5


def test_the_command_refuses_a_file_with_rejected_rows_unless_valid_only(area, tmp_path, capsys):
    path = tmp_path / "brp.csv"
    path.write_bytes(csv_bytes(BRP_HEADER, *FIRST, person("Guus", "Nergens", "1970-01-01", 99, "2000-01-01")))
    with pytest.raises(CommandError, match="1 rows rejected; nothing was imported"):
        call_command("import_people", str(path), "--area", "de-ruit", "--apply")
    assert "rejected row 7: the address 5928 AB 99 is not in the registry" in capsys.readouterr().out
    assert not Person.objects.exists()
    call_command("import_people", str(path), "--area", "de-ruit", "--apply", "--valid-only")
    assert Person.objects.count() == 5


# --- The documented examples: De Ruit's tenant list and two extracts ------------------------------

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def de_ruit_empty(db):
    """De Ruit's first two streets with the demo's addresses (stijging/demo/seed.py), no household yet."""
    from stijging.registry.models import Programme

    programme = Programme.objects.create(
        name="Sociale Stijging De Ruit", slug="de-ruit", municipality="Venlo", start_date=D(2026, 3, 1)
    )
    area = AreaFactory(programme=programme, name="De Ruit", slug="de-ruit")
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    for street_index, name in enumerate(("Tredelaan", "Ladderweg")):
        street = Street.objects.create(name=name, woonplaats="Venlo")
        for number in range(1, 13):
            postcode = f"5928{letters[(street_index * 3 + number // 10) % 21]}{letters[number % 21]}"
            Address.objects.create(street=street, area=area, postcode=postcode, huisnummer=number, woonplaats="Venlo")
    return area


def example(area, name: str, **kwargs):
    with (EXAMPLES / name).open("rb") as stream:
        return import_people(acting_user=None, area=area, stream=stream, filename=name, **kwargs)


def test_the_examples_import_cleanly_into_an_empty_de_ruit_and_the_later_extract_changes_exactly_that(de_ruit_empty):
    tenants = example(de_ruit_empty, "huurderslijst-de-ruit-2026-11-01.csv", extract_date=EXTRACT)
    assert tenants.committed and not tenants.rejected
    assert (tenants.households_added, tenants.households_unchanged) == (6, 1)  # W. Smits's ended contract: not recorded
    brp = example(de_ruit_empty, "brp-uittreksel-de-ruit-2026-11-01.csv", extract_date=EXTRACT, complete=True)
    assert brp.committed and not brp.rejected
    assert (brp.households_added, brp.persons_added) == (0, 11)  # everyone joins the tenant list's households
    assert HouseholdResidence.objects.get(household__name="J. Jansen en E. Jansen").start_date == D(2010, 5, 1)
    assert living_at(1) == {"Jan", "Els", "Tim"}
    # The same files again: nothing.
    before = state()
    assert example(de_ruit_empty, "huurderslijst-de-ruit-2026-11-01.csv", extract_date=EXTRACT).households_added == 0
    again = example(de_ruit_empty, "brp-uittreksel-de-ruit-2026-11-01.csv", extract_date=EXTRACT, complete=True)
    assert again.persons_unchanged == 11 and state() == before
    # A month later: the Öztürks moved to Ladderweg 3, Noor was born, Piet de Boer left, the El Amranis came.
    later = example(de_ruit_empty, "brp-uittreksel-de-ruit-2026-12-01.csv", extract_date=LATER, complete=True)
    assert not later.rejected
    assert later.counts() == {
        "households_added": 1,
        "households_moved": 1,
        "households_ended": 1,
        "households_unchanged": 3,  # Van den Berg, Vos, Bakker; the Jansens have a newborn
        "persons_added": 3,
        "persons_moved": 2,
        "persons_ended": 1,
        "persons_unchanged": 8,
    }
    moved = Household.objects.get(name="A. Öztürk en M. Öztürk")
    assert [
        (r.address.street.name, r.address.huisnummer, r.end_date) for r in moved.residences.order_by("start_date")
    ] == [
        ("Tredelaan", 2, D(2026, 11, 20)),
        ("Ladderweg", 3, None),
    ]
    assert HouseholdResidence.objects.get(household__name="P. de Boer").end_date == LATER
    assert living_at(1) == {"Jan", "Els", "Tim", "Noor"}
    assert Person.objects.count() == 14  # nobody deleted
