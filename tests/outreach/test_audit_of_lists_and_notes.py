"""What the walking list and the safety note tell the audit log (issue 12, item 2): the persons a
list names, by id, and every view of a safety note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stijging.outreach.models import AddressNote
from stijging.privacy.models import AuditAction, AuditEvent


@pytest.fixture
def fieldworker(world, login):
    return login(world.user("fieldworker"))


def street_url(site, name: str) -> str:
    return reverse(name, args=[site.programme.slug, site.area.pk, site.street.pk])


def test_the_walking_list_and_its_pdf_are_logged_with_the_households_and_persons_they_list(world, fieldworker):
    site = world.own
    for name, action in (
        ("outreach:walking_list", AuditAction.LIST),
        ("outreach:walking_list_pdf", AuditAction.EXPORT),
    ):
        assert fieldworker.get(street_url(site, name)).status_code == 200
        event = AuditEvent.objects.filter(action=action, object_type="registry.street").latest("pk")
        assert sorted(event.person_ids) == sorted([site.adult.pk, site.child.pk])
        assert event.detail["households"] == [site.household.pk]


def test_viewing_a_safety_note_is_logged_with_the_residents(world, fieldworker):
    site = world.own
    AddressNote.objects.create(address=site.address, safety_note="Hond, bellen voor aanbellen")
    assert fieldworker.get(reverse("outreach:address_note", args=[site.address.pk])).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type="registry.address")
    assert event.detail == {"safety_note": True}
    assert sorted(event.person_ids) == sorted([site.adult.pk, site.child.pk])
    # The household page shows the same note: its view says so.
    fieldworker.get(reverse("outreach:household", args=[site.household.pk]))
    household_view = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="registry.household").latest("pk")
    assert household_view.detail == {"safety_note_of_address": site.address.pk}


def test_an_address_without_a_safety_note_logs_no_note_view(world, fieldworker):
    fieldworker.get(reverse("outreach:address_note", args=[world.own.address.pk]))
    assert not AuditEvent.objects.filter(object_type="registry.address", action=AuditAction.VIEW).exists()
