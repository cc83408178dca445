"""Issue 19's one-step pages at a tablet's width (768×1024) with axe-core: the partner reports an
outcome in one step from "sent", the case manager withdraws a referral only after confirming and
undoes it the same day, and the coordinator ticks attendance on a list of likely participants."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from stijging.cohesion import services as cohesion_services
from stijging.cohesion.models import ActivityKind
from stijging.referrals.models import Referral, ReferralEvent
from tests.referrals.factories import send_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"{page.url} is {width} px wide"


def test_the_partner_reports_the_outcome_of_a_sent_referral_in_one_step(page, world, login_as, check_a11y, screenshot):
    referral = send_referral(world.own, world)
    login_as(page, world.user("partner"))
    page.goto(reverse("referrals:referral", args=[referral.pk]))
    fits(page)
    check_a11y(page)
    form = page.locator(f'form[action="{reverse("referrals:outcome", args=[referral.pk])}"]')
    form.locator('select[name="outcome-code"]').select_option("help_given")
    screenshot(page, "outcome-form")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    referral.refresh_from_db()
    assert (referral.status, referral.code) == ("completed", "help_given")
    assert [e.to_status for e in ReferralEvent.objects.filter(referral=referral)] == [
        "sent",
        "accepted",
        "in_progress",
        "completed",
    ]
    assert "afgerond (hulp geboden)" in page.locator("main").inner_text()  # in Dutch, with its code
    fits(page)
    check_a11y(page)


def test_the_case_manager_confirms_a_withdrawal_and_undoes_it(page, world, login_as, check_a11y, screenshot):
    referral = send_referral(world.own, world)
    login_as(page, world.user("case_manager"))
    page.goto(reverse("referrals:referral", args=[referral.pk]))
    fits(page)
    form = page.locator(f'form[action="{reverse("referrals:withdraw", args=[referral.pk])}"]')
    confirm = form.locator("button[type='submit']")
    assert not confirm.is_visible()  # folded away until the case manager asks for it
    page.locator("main summary").filter(has_text="Verwijzing intrekken").click()
    assert confirm.is_visible() and "GGD Limburg-Noord" in confirm.inner_text()
    check_a11y(page)
    with page.expect_navigation():
        confirm.click()
    assert Referral.objects.get(pk=referral.pk).status == "withdrawn"
    fits(page)
    check_a11y(page)
    screenshot(page, "withdrawn-undo")
    with page.expect_navigation():
        page.locator(f'form[action="{reverse("referrals:withdrawal_undo", args=[referral.pk])}"] button').click()
    assert Referral.objects.get(pk=referral.pk).status == "sent"
    check_a11y(page)


def test_the_coordinator_ticks_the_attendance_on_one_list(page, world, login_as, check_a11y, screenshot):
    site = world.own
    coordinator = world.user("coordinator")
    activity = cohesion_services.activity_record(
        acting_user=coordinator,
        programme=site.programme,
        kind=ActivityKind.objects.get(code="street_play_day"),
        title="Straatspeeldag Ownstraat",
        date=datetime.date(2026, 6, 1),
        streets=[site.street],
        organiser="Bewoners",
        participant_count=0,
    )
    people = [
        cohesion_services.participant_register(
            acting_user=coordinator,
            programme=site.programme,
            name=name,
            consent_given_on=datetime.date(2026, 2, 1),
            consent_given_by="self",
            street=site.street,
        )
        for name in ("Anna Buur", "Bram Buur", "Cees Buur")
    ]
    login_as(page, coordinator)
    page.goto(reverse("cohesion:activity", args=[activity.pk]))
    fits(page)
    check_a11y(page)
    form = page.locator(f'form[action="{reverse("cohesion:attendance", args=[activity.pk])}"]')
    # Ticked by their names (the label), not picked from a select one by one.
    page.get_by_label("Anna Buur").check()
    page.get_by_label("Cees Buur").check()
    screenshot(page, "attendance-list")
    with page.expect_navigation():
        form.locator("button[type='submit']:not([name='search'])").click()
    assert set(activity.participants.all()) == {people[0], people[2]}
    assert page.get_by_label("Anna Buur").is_checked() and not page.get_by_label("Bram Buur").is_checked()
    fits(page)
    check_a11y(page)
    # Ticking Bram and then searching for someone else (Enter in the search field) loses no tick.
    page.get_by_label("Bram Buur").check()
    page.locator("#attendance-q").fill("Buur")
    with page.expect_navigation():
        page.locator("#attendance-q").press("Enter")
    assert set(activity.participants.all()) == {people[0], people[1], people[2]}
    assert page.get_by_label("Bram Buur").is_checked()
