"""The address import takes only what is its own (issue 11, item 5).

A row whose address lies in another programme's area is refused (or, with an explicit option,
moved and listed one by one); addresses missing from the file are retired only when the importer
says the file is the complete extract of the area, after a preview that says how many."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from stijging.privacy.models import AuditEvent
from stijging.registry.imports import import_addresses
from stijging.registry.models import Address, Street

from .factories import AreaFactory, HouseholdFactory, ResidenceFactory
from .test_imports import FULL, NLEXTRACT, csv_bytes, row


def run(area, data: bytes, **kwargs):
    return import_addresses(acting_user=None, area=area, data=data, filename="bagadres.csv", **kwargs)


def foreign_row(world, **kwargs) -> str:
    """The row of the foreign programme's inhabited address, as a neighbour's overlapping extract has it."""
    address = world.foreign.address
    return row(street=address.street.name, nr=str(address.huisnummer), postcode=address.postcode, **kwargs)


# --- Another programme's addresses --------------------------------------------------------------


def test_a_row_whose_address_lies_in_another_programme_is_rejected_and_nothing_is_imported(world):
    own, foreign = world.own, world.foreign
    report = run(own.area, csv_bytes(NLEXTRACT, row(nr="7", postcode="5911AC"), foreign_row(world)))
    assert [problem.row for problem in report.rejected] == [3]
    assert "Foreign programme" in report.rejected[0].reason and "Foreign area" in report.rejected[0].reason
    assert not report.committed
    foreign.address.refresh_from_db()
    assert foreign.address.area == foreign.area
    assert not Address.objects.filter(postcode="5911AC").exists()


def test_with_valid_rows_only_the_rest_is_imported_and_the_foreign_address_stays_where_it_is(world):
    own, foreign = world.own, world.foreign
    report = run(
        own.area, csv_bytes(NLEXTRACT, row(nr="7", postcode="5911AC"), foreign_row(world)), valid_rows_only=True
    )
    assert report.committed and report.created == 1 and report.moved == []
    assert [problem.row for problem in report.rejected] == [3]
    foreign.address.refresh_from_db()
    assert foreign.address.area == foreign.area
    # The household that lives there stays in the foreign programme with it.
    assert foreign.household.residences.get().address.area.programme == foreign.programme


def test_the_row_error_names_the_other_programme_in_dutch(world):
    with translation.override("nl"):
        report = run(world.own.area, csv_bytes(NLEXTRACT, foreign_row(world)))
    reason = report.rejected[0].reason
    assert "Foreign programme" in reason and "programma" in reason, reason


def test_the_same_bag_fields_with_other_letters_are_still_the_foreign_address(world):
    # Postcode in lower case with a space and a house letter in lower case are normalised before matching:
    # they cannot be used to slip past the check.
    address = world.foreign.address
    address.huisletter = "B"
    address.save()
    sneaky = row(street="Anders", nr=str(address.huisnummer), letter="b", postcode="5921 ab")
    report = run(world.own.area, csv_bytes(NLEXTRACT, sneaky))
    assert [problem.row for problem in report.rejected] == [2]
    address.refresh_from_db()
    assert address.area == world.foreign.area


def test_a_retired_address_of_another_programme_is_still_theirs(world):
    # Its history (residences, contact attempts) belongs to the other programme even after the BAG dropped it.
    address = world.foreign.address
    Address.objects.filter(pk=address.pk).update(retired_on="2026-01-01")
    report = run(world.own.area, csv_bytes(NLEXTRACT, foreign_row(world)))
    assert [problem.row for problem in report.rejected] == [2]
    address.refresh_from_db()
    assert address.area == world.foreign.area and str(address.retired_on) == "2026-01-01"


def test_a_dry_run_reports_the_foreign_row_too(world):
    report = run(world.own.area, csv_bytes(NLEXTRACT, foreign_row(world)), dry_run=True)
    assert [problem.row for problem in report.rejected] == [2]
    assert report.moved == []


def test_with_the_explicit_option_the_address_is_moved_and_listed_in_report_and_audit(world):
    own, foreign = world.own, world.foreign
    report = run(own.area, csv_bytes(NLEXTRACT, foreign_row(world)), move_from_other_programmes=True)
    assert report.committed and not report.rejected
    foreign.address.refresh_from_db()
    assert foreign.address.area == own.area
    [moved] = report.moved
    assert (moved.address_id, moved.from_area, moved.from_programme, moved.other_programme) == (
        foreign.address.pk,
        "Foreign area",
        "Foreign programme",
        True,
    )
    event = AuditEvent.objects.get(object_type="registry.address_import")
    assert event.detail["moved"] == [
        {"address_id": foreign.address.pk, "from_area_id": foreign.area.pk, "from_programme_id": foreign.programme.pk}
    ]
    # Address ids only: never the persons who live there.
    assert event.person_ids == []
    assert "Anna" not in str(event.detail) and "Foreign family" not in str(event.detail)


def test_moving_between_two_areas_of_the_own_programme_needs_no_option_but_is_listed(world):
    own = world.own
    other_area = AreaFactory(programme=own.programme, name="Own other area", slug="own-other")
    address = own.address
    report = run(other_area, csv_bytes(NLEXTRACT, row(street=address.street.name, nr="1", postcode=address.postcode)))
    assert report.committed and not report.rejected
    address.refresh_from_db()
    assert address.area == other_area
    [moved] = report.moved
    assert (moved.address_id, moved.from_area, moved.other_programme) == (address.pk, "Own area", False)
    event = AuditEvent.objects.get(object_type="registry.address_import")
    assert [m["address_id"] for m in event.detail["moved"]] == [address.pk]


# --- Completeness: retiring what the file does not have ------------------------------------------


@pytest.fixture
def de_ruit(db):
    """An area with 378 addresses, as De Ruit had when a 5-row file retired the other 373."""
    area = AreaFactory(name="De Ruit", slug="de-ruit")
    street = Street.objects.create(name="Tredelaan", woonplaats="Venlo")
    Address.objects.bulk_create(
        Address(street=street, area=area, postcode="5928AB", huisnummer=number, woonplaats="Venlo")
        for number in range(1, 379)
    )
    return area


def five_rows() -> bytes:
    return csv_bytes(NLEXTRACT, *(row(nr=str(number), obj="") for number in range(1, 6)))


def test_a_five_row_file_does_not_retire_the_other_373_addresses(de_ruit):
    report = run(de_ruit, five_rows())
    assert report.committed and report.retired == 0
    assert Address.objects.filter(area=de_ruit, retired_on__isnull=True).count() == 378
    # The report says what a complete import would have done, so the importer knows.
    assert report.not_in_file == 373
    assert "373" in report.retire_note


def test_only_a_file_marked_complete_retires_the_addresses_it_lacks(de_ruit):
    inhabited = Address.objects.get(area=de_ruit, huisnummer=200)
    ResidenceFactory(household=HouseholdFactory(), address=inhabited)
    report = run(de_ruit, five_rows(), complete=True)
    assert report.committed and report.retired == 373
    assert Address.objects.filter(area=de_ruit, retired_on__isnull=False).count() == 373
    # Retired, never deleted with its households.
    assert inhabited.residences.count() == 1
    event = AuditEvent.objects.get(object_type="registry.address_import")
    assert event.detail["complete"] is True and event.detail["retired"] == 373


def test_a_dry_run_of_a_complete_file_says_how_many_would_be_retired_and_retires_none(de_ruit):
    report = run(de_ruit, five_rows(), complete=True, dry_run=True)
    assert report.retired == 373 and not report.committed
    assert not Address.objects.filter(retired_on__isnull=False).exists()


def test_a_complete_file_with_rejected_rows_retires_nothing(de_ruit):
    # A rejected row may be one of the area's addresses: taking the file as complete would retire it.
    data = csv_bytes(NLEXTRACT, row(nr="1"), row(nr="2 b"))
    report = run(de_ruit, data, complete=True, valid_rows_only=True)
    assert report.committed and report.retired == 0 and report.retire_note
    assert not Address.objects.filter(retired_on__isnull=False).exists()


def test_a_complete_file_without_a_single_dwelling_retires_nothing(de_ruit):
    office = row(nr="1") + ";0983200000000001;kantoorfunctie;300;in gebruik;0983100000000001;1990"

    for data in (csv_bytes(NLEXTRACT), csv_bytes(FULL, office)):
        report = run(de_ruit, data, complete=True)
        assert report.retired == 0 and report.retire_note
    assert not Address.objects.filter(retired_on__isnull=False).exists()


def test_a_complete_file_does_not_retire_addresses_of_other_areas(world):
    report = run(world.own.area, csv_bytes(NLEXTRACT, row(nr="9", postcode="5911AC")), complete=True)
    assert report.retired == 2  # the own area's two addresses
    assert not Address.objects.filter(area=world.foreign.area, retired_on__isnull=False).exists()


def test_the_plan_check_refuses_when_the_data_changed_since_the_preview(de_ruit):
    preview = run(de_ruit, five_rows(), complete=True, dry_run=True)
    # Someone adds an address to the area between the preview and the import.
    Address.objects.create(
        street=Street.objects.get(), area=de_ruit, postcode="5928AB", huisnummer=999, woonplaats="Venlo"
    )
    report = run(de_ruit, five_rows(), complete=True, expected_plan=preview.plan)
    assert report.plan_changed and not report.committed
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    assert report.retired == 374
    confirmed = run(de_ruit, five_rows(), complete=True, expected_plan=report.plan)
    assert confirmed.committed and confirmed.retired == 374


def test_the_plan_check_refuses_when_a_row_the_preview_took_is_now_another_programmes(world):
    data = csv_bytes(NLEXTRACT, row(nr="7", postcode="5911AC"), row(street="Nieuw", nr="8", postcode="5911AD"))
    preview = run(world.own.area, data, valid_rows_only=True, dry_run=True)
    assert not preview.rejected
    # Meanwhile the neighbouring programme imports one of these addresses into its own area.
    run(world.foreign.area, csv_bytes(NLEXTRACT, row(street="Nieuw", nr="8", postcode="5911AD")))
    report = run(world.own.area, data, valid_rows_only=True, expected_plan=preview.plan)
    assert report.plan_changed and not report.committed
    assert [problem.row for problem in report.rejected] == [3]
    assert not Address.objects.filter(postcode="5911AC").exists()


# --- The command --------------------------------------------------------------------------------


def test_the_command_refuses_the_foreign_row_and_names_the_programme(world, tmp_path, capsys):
    path = tmp_path / "bagadres.csv"
    path.write_bytes(csv_bytes(NLEXTRACT, foreign_row(world)))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_addresses", str(path), area="own-area")
    out = capsys.readouterr().out
    assert "rejected row 2" in out and "Foreign programme" in out
    world.foreign.address.refresh_from_db()
    assert world.foreign.address.area == world.foreign.area


def test_the_command_moves_with_the_flag_and_lists_each_address(world, tmp_path, capsys):
    path = tmp_path / "bagadres.csv"
    path.write_bytes(csv_bytes(NLEXTRACT, foreign_row(world)))
    call_command("import_addresses", str(path), "--move-from-other-programmes", area="own-area")
    out = capsys.readouterr().out
    assert f"moved address {world.foreign.address.pk} " in out and "Foreign programme" in out
    world.foreign.address.refresh_from_db()
    assert world.foreign.address.area == world.own.area


def test_the_command_retires_only_with_complete_and_prints_the_count(de_ruit, tmp_path, capsys):
    path = tmp_path / "bagadres.csv"
    path.write_bytes(five_rows())
    call_command("import_addresses", str(path), area="de-ruit")
    out = capsys.readouterr().out
    assert "373 addresses of the area are not in this file" in out and "--complete" in out
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    call_command("import_addresses", str(path), "--complete", "--dry-run", area="de-ruit")
    assert "373 marked as no longer in the BAG" in capsys.readouterr().out
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    call_command("import_addresses", str(path), "--complete", area="de-ruit")
    assert "373 marked as no longer in the BAG" in capsys.readouterr().out
    assert Address.objects.filter(retired_on__isnull=False).count() == 373


# --- The upload screen: preview, then confirm ---------------------------------------------------


def import_url(area) -> str:
    return f"/p/{area.programme.slug}/areas/{area.pk}/import/"


def upload(client, area, data: bytes, **options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(import_url(area), {"file": SimpleUploadedFile("bagadres.csv", data), **options})


def confirmation(response) -> dict:
    import re

    page = response.content.decode()
    return {
        "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
        "plan": re.search(r'name="plan" value="([^"]+)"', page).group(1),
    }


@pytest.fixture
def de_ruit_admin(de_ruit):
    from ..accounts.factories import MembershipFactory, UserFactory

    admin = UserFactory(email="admin.deruit@example.test")
    MembershipFactory(user=admin, programme=de_ruit.programme, role="admin")
    return admin


def test_the_screen_previews_the_count_it_would_retire_and_changes_nothing_before_the_confirmation(
    de_ruit, de_ruit_admin, client
):
    client.force_login(de_ruit_admin)
    response = upload(client, de_ruit, five_rows(), complete="on")
    assert response.status_code == 200
    page = response.content.decode()
    assert "373 addresses of this area are not in the file" in page and "Import now" in page
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    assert not AuditEvent.objects.filter(object_type="registry.address_import").exists()
    response = client.post(import_url(de_ruit), confirmation(response))
    assert response.status_code == 200 and "Imported" in response.content.decode()
    assert Address.objects.filter(area=de_ruit, retired_on__isnull=False).count() == 373


def test_the_screen_without_the_complete_box_retires_nothing_and_says_how_many_it_left(de_ruit, de_ruit_admin, client):
    client.force_login(de_ruit_admin)
    response = upload(client, de_ruit, five_rows())
    assert "373 addresses of the area are not in this file" in response.content.decode()
    client.post(import_url(de_ruit), confirmation(response))
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    assert AuditEvent.objects.get(object_type="registry.address_import").detail["complete"] is False


def test_a_confirmation_cannot_add_the_complete_option_the_preview_did_not_have(de_ruit, de_ruit_admin, client):
    client.force_login(de_ruit_admin)
    response = upload(client, de_ruit, five_rows())
    tampered = {**confirmation(response), "complete": "on", "move_from_other_programmes": "on"}
    client.post(import_url(de_ruit), tampered)
    assert not Address.objects.filter(retired_on__isnull=False).exists()


def test_another_admin_cannot_confirm_someone_elses_preview(de_ruit, de_ruit_admin, client):
    from ..accounts.factories import MembershipFactory, UserFactory

    client.force_login(de_ruit_admin)
    stolen = confirmation(upload(client, de_ruit, five_rows(), complete="on"))
    other = UserFactory(email="other.admin@example.test")
    MembershipFactory(user=other, programme=de_ruit.programme, role="admin")
    client.force_login(other)
    response = client.post(import_url(de_ruit), stolen)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    assert AuditEvent.objects.filter(actor=other, outcome="denied", object_type="registry.address_import").exists()


def test_a_preview_for_one_area_cannot_be_confirmed_in_another(de_ruit, de_ruit_admin, client):
    other_area = AreaFactory(programme=de_ruit.programme, slug="elders")
    client.force_login(de_ruit_admin)
    token = confirmation(upload(client, de_ruit, five_rows()))
    response = client.post(import_url(other_area), token)
    assert response.status_code == 400
    # The five De Ruit addresses were not moved into the other area.
    assert not Address.objects.filter(area=other_area).exists()
    assert AuditEvent.objects.filter(outcome="denied", object_id=str(other_area.pk)).exists()


def test_a_confirmation_is_used_once(de_ruit, de_ruit_admin, client):
    client.force_login(de_ruit_admin)
    token = confirmation(upload(client, de_ruit, five_rows(), complete="on"))
    assert client.post(import_url(de_ruit), token).status_code == 200
    assert client.post(import_url(de_ruit), token).status_code == 400
    assert AuditEvent.objects.filter(object_type="registry.address_import").count() == 1


def test_a_confirmation_after_the_addresses_changed_shows_the_new_preview_and_imports_nothing(
    de_ruit, de_ruit_admin, client
):
    client.force_login(de_ruit_admin)
    token = confirmation(upload(client, de_ruit, five_rows(), complete="on"))
    Address.objects.create(
        street=Street.objects.get(), area=de_ruit, postcode="5928AB", huisnummer=999, woonplaats="Venlo"
    )
    response = client.post(import_url(de_ruit), token)
    page = response.content.decode()
    assert "changed since your preview" in page and "374 addresses of this area are not in the file" in page
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    response = client.post(import_url(de_ruit), confirmation(response))
    assert Address.objects.filter(retired_on__isnull=False).count() == 374


def test_the_screen_refuses_the_foreign_row_naming_the_programme_and_offers_no_confirmation(world, client):
    client.force_login(world.user("admin"))
    response = upload(client, world.own.area, csv_bytes(NLEXTRACT, foreign_row(world)))
    page = response.content.decode()
    assert "Foreign programme" in page and "Nothing was imported" in page and 'name="token"' not in page
    # Naming the programme and area is all: the household that lives there is not shown.
    assert "Foreign family" not in page and "Anna" not in page


def test_the_screen_lists_each_address_it_moves_from_another_programme_with_the_option(world, client):
    client.force_login(world.user("admin"))
    response = upload(client, world.own.area, csv_bytes(NLEXTRACT, foreign_row(world)), move_from_other_programmes="on")
    page = response.content.decode()
    assert "Addresses the import moves into this area" in page and "Foreign programme" in page
    assert "Foreign family" not in page
    world.foreign.address.refresh_from_db()
    assert world.foreign.address.area == world.foreign.area
    client.post(import_url(world.own.area), confirmation(response))
    world.foreign.address.refresh_from_db()
    assert world.foreign.address.area == world.own.area


def test_a_token_that_is_a_path_reaches_no_file(de_ruit, de_ruit_admin, client, settings, tmp_path):
    secret = tmp_path / "outside"
    secret.write_bytes(b'{"user_id": 1}\n')
    client.force_login(de_ruit_admin)
    for token in ("../outside", "..", "/etc/passwd", "x" * 43 + "/..", ""):
        response = client.post(import_url(de_ruit), {"token": token, "plan": "0" * 64})
        assert response.status_code == 400, token
    assert secret.exists()


def test_a_preview_older_than_an_hour_cannot_be_confirmed_and_new_previews_sweep_it_away(
    de_ruit, de_ruit_admin, client, settings
):
    import os
    import time

    client.force_login(de_ruit_admin)
    old = confirmation(upload(client, de_ruit, five_rows(), complete="on"))
    stored = settings.STIJGING_IMPORT_PREVIEW_DIR / old["token"]
    an_hour_ago = time.time() - 3601
    os.utime(stored, (an_hour_ago, an_hour_ago))
    assert client.post(import_url(de_ruit), old).status_code == 400
    assert not Address.objects.filter(retired_on__isnull=False).exists()
    # Another stale preview, never confirmed: the next upload removes it.
    stale = confirmation(upload(client, de_ruit, five_rows()))["token"]
    os.utime(settings.STIJGING_IMPORT_PREVIEW_DIR / stale, (an_hour_ago, an_hour_ago))
    fresh = confirmation(upload(client, de_ruit, five_rows()))["token"]
    assert sorted(path.name for path in settings.STIJGING_IMPORT_PREVIEW_DIR.iterdir()) == [fresh]
