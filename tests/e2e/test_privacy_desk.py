"""The privacy officer's desk in a real browser, with axe-core on every page (issue 13): look a
resident up, register an access request, make the export and download the resident's PDF, read who
viewed the file; then register an erasure request for the child and anonymise them; and the
retention page. Elements are found by name, value and link target, not by their text."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.privacy.models import SubjectRequest
from stijging.registry.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


def register(page, person_id: int, kind: str, identity: str) -> SubjectRequest:
    page.goto(reverse("privacy:person", args=[person_id]))
    with page.expect_navigation():
        page.locator(f'main a[href="{reverse("privacy:request_create", args=[person_id])}"]').click()
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=received_on]", timezone.localdate().isoformat())
    page.check(f"input[name=identity_check][value={identity}]")
    submit(page, "main form")
    created = SubjectRequest.objects.filter(person_id=person_id, kind=kind).get()
    assert urlsplit(page.url).path == reverse("privacy:request", args=[created.pk])
    return created


def test_a_privacy_officer_takes_an_access_and_an_erasure_request_through_the_desk(
    new_page, world, login_as, check_a11y, screenshot
):
    site = world.own
    page = new_page()
    login_as(page, world.user("privacy_officer"))
    assert urlsplit(page.url).path == reverse("privacy:desk")  # the privacy officer's home
    check_a11y(page)

    # Look the resident up by name and address.
    page.goto(reverse("privacy:lookup"))
    page.fill("input[name=name]", "Anna")
    page.fill("input[name=postcode]", "5911 AB")
    submit(page, "form[role=search]")
    check_a11y(page)
    screenshot(page, "lookup")
    with page.expect_navigation():
        page.locator(f'main a[href="{reverse("privacy:person", args=[site.adult.pk])}"]').click()
    check_a11y(page)

    # Register an access request, make the export, download the resident's PDF and the JSON.
    access = register(page, site.adult.pk, "access", "id_document")
    check_a11y(page)
    submit(page, f'form[action="{reverse("privacy:export_create", args=[access.pk])}"]')
    check_a11y(page)
    screenshot(page, "access-request")
    with page.expect_download() as download:
        page.locator(f'main a[href="{reverse("privacy:export_pdf", args=[access.pk])}"]').click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # Who viewed the file.
    page.goto(reverse("privacy:access_log", args=[site.adult.pk]))
    check_a11y(page)
    screenshot(page, "access-log")

    # An erasure request for the child (by the parent), assessed and granted.
    erasure = register(page, site.child.pk, "erasure", "parent_document")
    check_a11y(page)
    page.check("input[name=decision][value=granted]")
    page.fill("textarea[name=outcome]", "Gegevens geanonimiseerd")
    submit(page, f'form[action="{reverse("privacy:erasure_decide", args=[erasure.pk])}"]')
    check_a11y(page)
    screenshot(page, "erasure-done")
    assert Person.objects.get(pk=site.child.pk).anonymised_at is not None

    # The desk lists what is still open, and the retention page shows the periods.
    page.goto(reverse("privacy:desk"))
    check_a11y(page)
    page.goto(reverse("privacy:retention"))
    check_a11y(page)
    page.context.close()
