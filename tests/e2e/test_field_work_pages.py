"""The pages issue 19 changed, at a tablet's width (768×1024) with axe-core: no page wider than the
screen, a wide table scrolling in its own focusable region, the household's conversations, volunteer
hours corrected, a consent recorded from the referral form, an appointment cancelled only after a
second tap and undone, and a Dutch error page with the site's navigation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from stijging.cohesion.models import VolunteerHours
from stijging.outreach.models import Appointment
from stijging.privacy.models import Consent
from tests.cohesion.factories import hours_of
from tests.conversations.factories import held_conversation
from tests.e2e.conftest import fits_the_tablet
from tests.trajectories.factories import open_trajectory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_fieldworker_goes_on_with_today_s_conversation_and_cancels_with_a_second_tap(
    page, world, login_as, check_a11y, screenshot
):
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker)
    login_as(page, fieldworker)

    page.goto(reverse("registry:household", args=[site.household.pk]))
    panel = page.locator("#household-conversations")
    assert panel.locator(f'a[href="{reverse("conversations:conversation", args=[conversation.pk])}"]').count() == 2
    fits_the_tablet(page)
    check_a11y(page)
    screenshot(page, "household")
    # "Start a conversation" opens today's conversation instead of making a second one.
    with page.expect_navigation():
        page.locator(f'main a[href="{reverse("conversations:start", args=[site.household.pk])}"]').click()
    assert page.url.endswith(reverse("conversations:conversation", args=[conversation.pk]))

    page.goto(reverse("outreach:household", args=[site.household.pk]))
    fits_the_tablet(page)
    appointment = site.appointment
    status_url = reverse("outreach:appointment_status", args=[appointment.pk])
    confirm = page.locator(f'form[action="{status_url}"] button[value="cancelled"]')
    assert not confirm.is_visible()  # folded away until the worker asks for it
    page.locator("summary", has_text="Annuleren…").first.click()
    check_a11y(page)
    with page.expect_navigation():
        confirm.click()
    assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"
    screenshot(page, "cancelled")
    with page.expect_navigation():
        page.locator('button[value="planned"]').click()
    assert Appointment.objects.get(pk=appointment.pk).status == "planned"
    check_a11y(page)


def test_the_coordinator_corrects_hours_typed_with_a_comma(page, world, login_as, check_a11y, screenshot):
    entry = hours_of(world.own)
    login_as(page, world.user("coordinator"))
    page.goto(reverse("cohesion:participant", args=[entry.participant_id]))
    fits_the_tablet(page)
    check_a11y(page)
    with page.expect_navigation():
        page.locator(f'a[href="{reverse("cohesion:hours_edit", args=[entry.pk])}"]').click()
    check_a11y(page)
    screenshot(page, "hours-edit")
    page.locator('input[name="hours"]').fill("3,5")
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    assert VolunteerHours.objects.get(pk=entry.pk).hours == Decimal("3.5")
    assert "3,5" in page.locator("main table").first.inner_text()


def test_the_case_manager_records_a_missing_consent_from_the_referral_form(
    page, world, login_as, check_a11y, screenshot
):
    site = world.own
    trajectory = open_trajectory(site, world)
    login_as(page, world.user("case_manager"))
    send_url = reverse("referrals:send", args=[trajectory.pk])
    page.goto(send_url)
    fits_the_tablet(page)
    check_a11y(page)
    consent = page.locator("#record-consent form")
    assert consent.is_visible()
    consent.locator("#consent-organisation").select_option(str(world.partner_organisation.pk))
    with page.expect_navigation():
        consent.locator("button[type='submit']").click()
    assert page.url.endswith(send_url)
    assert Consent.objects.filter(person=site.adult, purpose="share").count() == 1
    screenshot(page, "referral-after-consent")
    check_a11y(page)


def test_wide_tables_scroll_in_their_own_region_and_errors_are_dutch(new_page, world, login_as, check_a11y, screenshot):
    site = world.own
    held_conversation(site, world.user("fieldworker"))
    page = new_page()
    login_as(page, world.user("privacy_officer"))
    page.goto(reverse("privacy:audit_log"))
    fits_the_tablet(page)
    region = page.locator(".table-scroll--overflow").first
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert page.locator(".table-scroll__cue").first.is_visible()
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)
    assert region.evaluate("element => element.scrollLeft") > 0  # the keyboard scrolls it
    check_a11y(page)
    screenshot(page, "audit-log")

    partner = new_page()
    login_as(partner, world.user("partner"))
    response = partner.goto(reverse("registry:search"))
    assert response is not None and response.status == 403
    assert "Geen toegang" in partner.locator("main").inner_text()
    assert partner.locator("nav.site-nav").is_visible()
    fits_the_tablet(partner)
    check_a11y(partner)
    screenshot(partner, "403")
