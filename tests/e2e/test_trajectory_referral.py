"""A help trajectory from proposal to rise, in a real browser on a tablet (768×1024), with axe-core on
every page (issue 5, "Done when").

A case manager opens a trajectory from a proposal (a help question from a conversation held 120 days
ago), sets a goal and sends a priority referral to the GGD on the person's consent to share with it.
The GGD's partner user finds it in the inbox and accepts it. The case manager records a follow-up
measurement with the rung one higher than the conversation's (the baseline) and sees the rise.

Elements are found by name, value and link target, not by their text, so the walk keeps working once
the Dutch catalogue fills in.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.conversations import services as conversation_services
from stijging.conversations.models import ProposalStatus
from stijging.referrals.models import Referral
from stijging.referrals.states import ReferralStatus
from stijging.trajectories import selectors as trajectory_selectors
from stijging.trajectories.models import Measurement, Trajectory
from tests.conversations.factories import held_conversation
from tests.e2e.conftest import fits_the_tablet, follow, lands_on
from tests.referrals.factories import share_consent
from tests.trajectories.factories import domain, proposal_of

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; tests/conftest.py puts back the seeded reference data.
    pytest.mark.django_db(transaction=True),
]

BASELINE_RUNG = 3


def log_out(page) -> None:
    with page.expect_navigation():
        page.locator(f'form[action="{reverse("account_logout")}"] button[type="submit"]').click()


def test_a_case_manager_takes_a_proposal_to_a_referral_and_a_rise(page, world, login_as, check_a11y, screenshot):
    site = world.own
    anna = site.adult
    case_manager = world.user("case_manager")
    partner = world.user("partner")
    ggd = world.partner_organisation
    health = domain("gezondheid")

    # The conversation, 120 days ago: Anna on rung 3, a help question about her health (the proposal).
    conversation = held_conversation(
        site, world.user("fieldworker"), held_on=timezone.localdate() - datetime.timedelta(days=120)
    )
    interview = conversation.interviews.get(person=anna)
    conversation_services.interview_save_ladder(
        acting_user=world.user("fieldworker"),
        interview=interview,
        version=1,
        key="baseline-ladder",
        answered_by="self",
        rung=BASELINE_RUNG,
        rung_non_answer="",
        note="",
    )
    proposal = proposal_of(site, world)
    assert proposal.domain == health
    # Anna agreed to share her details with the GGD.
    consent = share_consent(anna, ggd, given_on=timezone.localdate() - datetime.timedelta(days=120))

    # --- The case manager: from the proposal to a trajectory --------------------------------------
    login_as(page, case_manager)
    follow(page, reverse("conversations:proposals"))
    screenshot(page, "01-proposals")
    fits_the_tablet(page)
    check_a11y(page)

    follow(page, reverse("trajectories:open_from_proposal", args=[proposal.pk]))
    assert page.locator('select[name="case_manager"]').input_value() == str(case_manager.pk)
    screenshot(page, "02-open")
    fits_the_tablet(page)
    check_a11y(page)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
    trajectory = Trajectory.objects.get(person=anna)
    trajectory_url = reverse("trajectories:trajectory", args=[trajectory.pk])
    assert urlsplit(page.url).path == trajectory_url
    assert (trajectory.case_manager, trajectory.source_proposal_id) == (case_manager, proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.TAKEN_UP
    assert page.get_by_role("status").count() == 1
    screenshot(page, "03-trajectory")
    fits_the_tablet(page)
    check_a11y(page)

    # A goal for the health domain, with a target.
    goal_form = page.locator(f'form[action="{reverse("trajectories:goal_add", args=[trajectory.pk])}"]')
    assert not goal_form.is_visible()
    goal_form.locator("xpath=ancestor::details").locator("summary").click()
    goal_form.locator('select[name="domain"]').select_option(str(health.pk))
    goal_form.locator('input[name="target"]').fill("Anna heeft een huisarts en gaat er zelf heen")
    goal_form.locator('select[name="target_score"]').select_option("4")
    screenshot(page, "04-goal-form")
    check_a11y(page)
    with lands_on(page, trajectory_url):
        goal_form.locator('button[type="submit"]').click()
    goal = trajectory.goals.get()
    assert (goal.domain, goal.target_score) == (health, 4)
    assert "huisarts" in page.locator("#goals-heading ~ table").inner_text()
    check_a11y(page)

    # A priority referral to the GGD, on Anna's consent.
    send_url = reverse("referrals:send", args=[trajectory.pk])
    follow(page, send_url)
    form = page.locator("#referral-form")  # the consent form sits above it (issue 19)
    form.locator('select[name="organisation"]').select_option(str(ggd.pk))
    form.locator('select[name="domain"]').select_option(str(health.pk))
    form.locator('textarea[name="question"]').fill("Graag hulp bij het vinden van een huisarts.")
    form.locator('input[name="priority"]').check()
    form.locator('select[name="consent"]').select_option(str(consent.pk))
    screenshot(page, "05-send-referral")
    fits_the_tablet(page)
    check_a11y(page)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    referral = Referral.objects.get(trajectory=trajectory)
    referral_url = reverse("referrals:referral", args=[referral.pk])
    assert urlsplit(page.url).path == referral_url
    assert (referral.organisation, referral.priority, referral.consent, referral.status) == (
        ggd,
        True,
        consent,
        ReferralStatus.SENT,
    )
    assert referral.answer_due_on is not None
    screenshot(page, "06-referral-sent")
    fits_the_tablet(page)
    check_a11y(page)
    # The trajectory lists it.
    follow(page, trajectory_url)
    assert page.locator(f'#referrals-heading ~ table a[href="{referral_url}"]').count() == 1
    log_out(page)

    # --- The GGD: the inbox, the referral, accepted ------------------------------------------------
    login_as(page, partner)
    page.goto(reverse("referrals:inbox"))
    assert page.locator("main tbody tr").count() == 1
    screenshot(page, "07-inbox")
    fits_the_tablet(page)
    check_a11y(page)
    follow(page, referral_url)
    # The partner sees what the referral shares, and nothing of the conversation.
    assert anna.full_name in page.locator("main").inner_text()
    screenshot(page, "08-referral-partner")
    fits_the_tablet(page)
    check_a11y(page)
    step = page.locator(f'form[action="{reverse("referrals:respond", args=[referral.pk])}"]')
    step.locator('select[name="to_status"]').select_option(ReferralStatus.ACCEPTED)
    with lands_on(page, referral_url):
        step.locator('button[type="submit"]').click()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.events.filter(to_status=ReferralStatus.ACCEPTED, by=partner).count() == 1
    screenshot(page, "09-referral-accepted")
    check_a11y(page)
    log_out(page)

    # --- The case manager: a follow-up measurement, one rung up ------------------------------------
    login_as(page, case_manager)
    page.goto(trajectory_url)
    measurement_url = reverse("trajectories:measurement", args=[anna.pk])
    follow(page, measurement_url)
    screenshot(page, "10-measurement-form")
    fits_the_tablet(page)
    check_a11y(page)
    form = page.locator("main form")
    assert form.locator('input[name="measured_on"]').input_value() == timezone.localdate().isoformat()
    form.locator('select[name="rung"]').select_option(str(BASELINE_RUNG + 1))
    domain_selects = form.locator('select[name^="domain_"]')
    for index in range(domain_selects.count()):
        select = domain_selects.nth(index)
        select.select_option("3" if select.get_attribute("name") == f"domain_{health.code}" else "not_discussed")
    with lands_on(page, measurement_url):
        form.locator('button[type="submit"]').click()
    measurement = Measurement.objects.get(person=anna)
    assert measurement.rung == BASELINE_RUNG + 1
    assert trajectory_selectors.baseline_of(anna, measurement.programme_id).rung == BASELINE_RUNG

    # The rise: the rung row shows baseline 3 and latest 4, the health domain 2 → 3.
    def baseline_and_latest(row) -> list[str]:
        cells = row.locator("td")
        return [cells.nth(0).inner_text().strip(), cells.nth(1).inner_text().strip()]

    assert baseline_and_latest(page.locator("#rung-row")) == [str(BASELINE_RUNG), str(BASELINE_RUNG + 1)]
    health_row = page.locator(f'main tbody tr:has(select[name="domain_{health.code}"])')
    assert baseline_and_latest(health_row) == ["2", "3"]
    assert page.get_by_role("status").count() == 1
    screenshot(page, "11-measurement-recorded")
    fits_the_tablet(page)
    check_a11y(page)

    # The person page shows the rise: baseline 3 → latest 4, one rung up.
    follow(page, reverse("registry:person", args=[anna.pk]))
    panel = page.locator('section[aria-labelledby="help-heading"]')
    rise = panel.locator(".change--up")
    assert rise.count() == 1, "the person page shows no rise"
    ladder = panel.locator("dl.facts dd").first.inner_text()
    assert f"{BASELINE_RUNG} (" in ladder and f"{BASELINE_RUNG + 1} (" in ladder, ladder
    assert panel.locator(f'a[href="{trajectory_url}"]').count() == 1
    panel.scroll_into_view_if_needed()
    screenshot(page, "12-person-rise")
    fits_the_tablet(page)
    check_a11y(page)
