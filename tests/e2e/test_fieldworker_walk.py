"""A project worker's round through the registry in a real browser, with axe-core on every page.

Elements are found by name, value and link target rather than by their text, and the texts the test
expects are translated the way the page is, so the walk keeps working once the Dutch catalogue
fills in.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.privacy.models import AuditAction, AuditEvent, Consent
from tests.e2e.conftest import follow, lands_on, translated

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; serialized_rollback gives each test the rows the
    # migrations seed (legal grounds), which the flush after a transactional test removes.
    pytest.mark.django_db(transaction=True),
]


def test_fieldworker_records_and_withdraws_a_consent_accessibly(page, world, login_as, check_a11y, screenshot):
    site = world.own
    fieldworker = world.user("fieldworker")
    adult = site.adult

    page.goto(reverse("account_login"))
    screenshot(page, "01-login")
    check_a11y(page)
    # With one programme, a project worker lands on its home page.
    programme_url = reverse("monitoring:programme", args=[site.programme.slug])
    login_as(page, fieldworker)
    assert urlsplit(page.url).path == programme_url
    assert page.locator("h1").inner_text() == site.programme.name
    screenshot(page, "02-programme")
    check_a11y(page)

    follow(page, reverse("outreach:area", args=[site.programme.slug, site.area.pk]))
    assert page.locator("h1").inner_text() == site.area.name
    screenshot(page, "03-area-streets")
    check_a11y(page)

    follow(page, reverse("outreach:street", args=[site.programme.slug, site.area.pk, site.street.pk]))
    assert page.locator("h1").inner_text() == site.street.name
    screenshot(page, "04-street-addresses")
    check_a11y(page)

    follow(page, reverse("registry:household", args=[site.household.pk]))
    assert site.household.name in page.locator("h1").inner_text()
    screenshot(page, "05-household")
    check_a11y(page)

    person_url = reverse("registry:person", args=[adult.pk])
    follow(page, person_url)
    assert page.locator("h1").inner_text() == adult.full_name
    screenshot(page, "06-person")
    check_a11y(page)

    # Showing a person leaves a trace: who, which person (by id), why.
    viewed = AuditEvent.objects.filter(
        actor=fieldworker, action=AuditAction.VIEW, object_type="registry.person", object_id=str(adult.pk)
    )
    assert viewed.count() == 1
    assert viewed.get().person_ids == [adult.pk]

    # Record a consent to receive help, given by the person herself, ten days ago.
    given_on = timezone.localdate() - datetime.timedelta(days=10)
    form = page.locator(f'form[action="{reverse("registry:consent_create", args=[adult.pk])}"]')
    assert not form.is_visible()
    page.locator("#record-consent > summary").click()
    assert form.is_visible()
    form.locator('input[name="purpose"][value="receive_help"]').check()
    form.locator('input[name="given_by"][value="person"]').check()
    form.locator('input[name="given_on"]').fill(given_on.isoformat())
    screenshot(page, "07-consent-form-open")
    check_a11y(page)
    with lands_on(page, person_url):
        form.locator('button[type="submit"]').click()

    consent = Consent.objects.get(person=adult, given_on=given_on)
    assert (consent.purpose, consent.given_by, consent.withdrawn_on) == ("receive_help", "person", None)
    withdraw_url = reverse("registry:consent_withdraw", args=[consent.pk])
    row = page.locator("tbody tr", has=page.locator(f'a[href="{withdraw_url}"]'))
    assert given_on.strftime("%-d-%-m-%Y") in row.inner_text()
    assert row.locator(".badge").inner_text() == translated("valid")
    assert page.get_by_role("status").inner_text() == translated("The consent was recorded.")
    screenshot(page, "08-consent-recorded")
    check_a11y(page)

    follow(page, withdraw_url)
    screenshot(page, "09-withdraw")
    check_a11y(page)
    withdrawn_on = timezone.localdate()
    page.locator('main form input[name="withdrawn_on"]').fill(withdrawn_on.isoformat())
    with lands_on(page, person_url):
        page.locator('main form button[type="submit"]').click()

    row = page.locator("tbody tr", has_text=translated("receive help")).filter(has_text=given_on.strftime("%-d-%-m-%Y"))
    expected = translated("withdrawn on %(date)s", date=withdrawn_on.strftime("%-d-%-m-%Y"))
    assert row.locator(".badge").inner_text() == expected
    assert row.locator(f'a[href="{withdraw_url}"]').count() == 0
    consent.refresh_from_db()
    assert consent.withdrawn_on == withdrawn_on
    screenshot(page, "10-consent-withdrawn")
    check_a11y(page)


def test_a_child_cannot_consent_for_themselves(page, world, login_as, check_a11y, screenshot):
    child = world.own.child  # born in 2016: under 16
    login_as(page, world.user("fieldworker"))
    page.goto(reverse("registry:person", args=[child.pk]))
    page.locator("#record-consent > summary").click()
    form = page.locator(f'form[action="{reverse("registry:consent_create", args=[child.pk])}"]')
    form.locator('input[name="purpose"][value="receive_help"]').check()
    form.locator('input[name="given_by"][value="person"]').check()
    with lands_on(page, reverse("registry:consent_create", args=[child.pk])):
        form.locator('button[type="submit"]').click()

    message = translated("This person was under 16 on that date: a parent or guardian gives consent.")
    assert page.get_by_role("alert").filter(has_text=message).count() == 1
    assert page.locator(".form-field--invalid .form-error").filter(has_text=message).count() == 1
    # The summary's link leads to the field in question (for radio buttons: the first of them).
    summary_link = page.get_by_role("alert").get_by_role("link", name=message)
    summary_link.click()
    assert page.evaluate("document.activeElement.name") == "given_by"
    assert not Consent.objects.filter(person=child).exists()
    screenshot(page, "child-refused")
    check_a11y(page)
