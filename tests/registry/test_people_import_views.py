"""The people import's screen: the programme's admin previews, then confirms (issue 16)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stijging.privacy.models import AuditEvent, AuditOutcome
from stijging.registry.models import HouseholdMembership, Person

from .test_people_import import BRP_HEADER, csv_bytes, person


def url(site) -> str:
    return f"/p/{site.programme.slug}/areas/{site.area.pk}/import-people/"


def extract(site) -> bytes:
    """The own site's household as the register has it, a newborn added, at postcode 5911AB."""
    return csv_bytes(
        BRP_HEADER,
        person("Anna", "Ownsen", "1985-04-02", 1, "2015-03-01", postcode="5911AB"),
        person("Bram", "Ownsen", "2016-09-09", 1, "2016-09-09", "kind", postcode="5911AB"),
        person("Cas", "Ownsen", "2026-10-30", 1, "2026-10-30", "kind", postcode="5911AB"),
    )


def upload(client, site, data: bytes, **options):
    options.setdefault("extract_date", "2026-11-01")
    return client.post(url(site), {"file": SimpleUploadedFile("brp.csv", data), **options})


def confirmation(response) -> dict:
    page = response.content.decode()
    return {
        "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
        "plan": re.search(r'name="plan" value="([^"]+)"', page).group(1),
    }


def test_the_admin_previews_then_confirms_and_the_page_never_shows_a_name(world, client):
    client.force_login(world.user("admin"))
    response = upload(client, world.own, extract(world.own))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check: what an import would do" in page and "Ownsen" not in page
    assert Person.objects.filter(given_names="Cas").count() == 0
    response = client.post(url(world.own), confirmation(response))
    assert response.status_code == 200 and "Imported" in response.content.decode()
    cas = Person.objects.get(given_names="Cas")
    assert HouseholdMembership.objects.get(person=cas).household == world.own.household
    event = AuditEvent.objects.get(object_type="registry.people_import", detail__has_key="rows_read")
    assert event.actor_id == world.user("admin").pk and event.detail["persons_added"] == 1
    assert event.detail["persons_unchanged"] == 2


def test_a_confirmation_is_used_once(world, client):
    client.force_login(world.user("admin"))
    token = confirmation(upload(client, world.own, extract(world.own)))
    client.post(url(world.own), token)
    response = client.post(url(world.own), token)
    assert response.status_code == 400 and Person.objects.filter(given_names="Cas").count() == 1


def test_a_confirmation_after_the_registry_changed_shows_the_new_preview(world, client):
    client.force_login(world.user("admin"))
    token = confirmation(upload(client, world.own, extract(world.own), complete="on"))
    # Someone registers a person in the household in between: the complete extract would now end them.
    from .factories import MemberFactory, PersonFactory

    MemberFactory(household=world.own.household, person=PersonFactory(given_names="Dirk"), relation="other")
    response = client.post(url(world.own), token)
    assert "changed since your preview" in response.content.decode()
    assert not Person.objects.filter(given_names="Cas").exists()


def test_a_refused_file_lists_each_row_and_offers_no_confirmation(world, client):
    client.force_login(world.user("admin"))
    data = csv_bytes(BRP_HEADER, person("Guus", "Nergens", "1970-01-01", 99, "2000-01-01", postcode="5911AB"))
    response = upload(client, world.own, data)
    page = response.content.decode()
    assert "Nothing was imported" in page and 'name="token"' not in page
    assert "the address 5911 AB 99 is not in the registry" in page


def test_a_file_missing_a_column_is_a_form_error(world, client):
    client.force_login(world.user("admin"))
    response = upload(client, world.own, csv_bytes("voornamen;geboortedatum", "Jan;1980-01-01"))
    assert response.status_code == 400 and "misses the column" in response.content.decode()


def test_the_admin_of_another_programme_gets_a_404_and_the_attempt_is_audited(world, client):
    from ..accounts.factories import MembershipFactory, UserFactory

    foreign_admin = UserFactory(email="admin.foreign@example.test")
    MembershipFactory(user=foreign_admin, programme=world.foreign.programme, role="admin")
    client.force_login(foreign_admin)
    assert client.get(url(world.own)).status_code == 404
    assert upload(client, world.own, extract(world.own)).status_code == 404
    assert not Person.objects.filter(given_names="Cas").exists()
    assert AuditEvent.objects.filter(actor_id=foreign_admin.pk, outcome=AuditOutcome.DENIED).count() == 2


def test_a_foreign_admin_cannot_confirm_a_preview_of_the_own_admin(world, client):
    from ..accounts.factories import MembershipFactory

    client.force_login(world.user("admin"))
    token = confirmation(upload(client, world.own, extract(world.own)))
    other = world.user("manager")
    MembershipFactory(user=other, programme=world.own.programme, role="admin")
    client.force_login(other)
    assert client.post(url(world.own), token).status_code == 400
    assert not Person.objects.filter(given_names="Cas").exists()
    assert AuditEvent.objects.filter(
        actor_id=other.pk, object_type="registry.people_import", outcome=AuditOutcome.DENIED
    ).exists()


def test_the_own_areas_rows_only_a_foreign_address_is_rejected_on_the_screen(world, client):
    client.force_login(world.user("admin"))
    data = csv_bytes(BRP_HEADER, person("Guus", "Grens", "1970-01-01", 1, "2000-01-01", postcode="5921AB"))
    page = upload(client, world.own, data).content.decode()
    assert "of the programme “Foreign programme”" in page


@pytest.mark.parametrize("role", ["fieldworker", "case_manager", "manager", "privacy_officer"])
def test_other_roles_of_the_programme_get_a_404(world, client, role):
    client.force_login(world.user(role))
    assert upload(client, world.own, extract(world.own)).status_code == 404
    assert not Person.objects.filter(given_names="Cas").exists()


def test_page_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.user("admin"))
    client.get(url(world.own))
    with django_assert_max_num_queries(8):
        client.get(url(world.own))


def test_preview_queries_do_not_grow_with_the_rows(world, client, django_assert_max_num_queries):
    """A batch of rows costs a fixed number of queries: three addresses' rows as many as one's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user("admin"))
    one = csv_bytes(BRP_HEADER, person("Xander", "Nieuw", "1990-01-01", 3, "2020-01-01", postcode="5911AB"))
    with CaptureQueriesContext(connection) as small:
        upload(client, world.own, one)
    many = csv_bytes(
        BRP_HEADER,
        *(person(f"Xander{n}", "Nieuw", "1990-01-01", 3, "2020-01-01", postcode="5911AB") for n in range(40)),
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        upload(client, world.own, many)
