"""The living-room conversation in a real browser on a tablet (768×1024), with axe-core on every page.

A project worker starts a conversation with two adults and a child, saves a section, loses the
connection in the middle of an interview, saves another section (kept on the device, shown as not
sent), gets the connection back (the kept save is sent), and finds every answer stored exactly once.
A second test lets the session end (its cookies are gone) before a save: nothing typed is kept on
the device beyond the session (issue 12), and logging out removes what an offline save kept.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.conversations import services
from stijging.conversations.models import Conversation, DomainAnswer, Interview, MeldcodeSignal, Proposal, SectionSave
from stijging.privacy.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD
from tests.conversations.factories import held_conversation
from tests.e2e.conftest import SCREENSHOT_DIR, lands_on
from tests.registry.factories import MemberFactory, PersonFactory

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed rows; serialized_rollback gives each test the rows the
    # migrations seed (instrument version 1, legal grounds), which the flush after a transactional
    # test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNSENT = "() => Object.keys(localStorage).filter(k => k.startsWith('stijging:unsent:'))"
SAVE_TIMEOUT = 20_000  # the replay runs on `online`, on page load and every 15 s


def tablet_shot(page, name: str, at=None) -> None:
    """What the worker sees on the tablet (768×1024, not the whole page), scrolled to `at`."""
    if at is not None:
        at.evaluate("element => element.scrollIntoView({block: 'start'})")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"conversation-{name}.png"))


def section(page, interview: Interview, kind: str):
    return page.locator(f"#interview-{interview.pk}-{kind}")


def saved(locator) -> None:
    """Wait until the section says it was saved (the server's fresh render is in)."""
    locator.locator(".conv-status--saved").wait_for(timeout=SAVE_TIMEOUT)


def answer(locator, code: str, value: str) -> None:
    locator.locator(f'input[name="{code}-answer"][value="{value}"]').check()


def second_adult(site):
    person = PersonFactory(given_names="Cor", family_name="Ownsen", date_of_birth=datetime.date(1982, 6, 1))
    MemberFactory(household=site.household, person=person, relation="partner")
    return person


ADULT_ANSWERS = {
    "wonen": "4",
    "werken": "3",
    "integratie": "5",
    "veiligheid": "4",
    "opleiding": "not_discussed",
    "gezondheid": "2",
    "voorzieningen": "declined",
    "financien": "3",
}


def test_a_conversation_survives_going_offline_and_saves_every_answer_once(
    page, world, login_as, check_a11y, screenshot
):
    site = world.own
    fieldworker = world.user("fieldworker")
    cor = second_adult(site)
    login_as(page, fieldworker)

    page.goto(reverse("registry:household", args=[site.household.pk]))
    check_a11y(page)

    # Start: today, me, every member ticked (children included), residents informed.
    start_url = reverse("conversations:start", args=[site.household.pk])
    page.goto(start_url)
    form = page.locator("main form")
    for person in (site.adult, cor, site.child):
        assert form.locator(f'input[name="members_present"][value="{person.pk}"]').is_checked()
    assert form.locator(f'input[name="workers"][value="{fieldworker.pk}"]').is_checked()
    screenshot(page, "01-start")
    check_a11y(page)
    form.locator('input[name="informed"]').check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    conversation = Conversation.objects.get(household=site.household)
    assert urlsplit(page.url).path == reverse("conversations:conversation", args=[conversation.pk])
    interviews = {i.person_id: i for i in conversation.interviews.all()}
    anna, cor_interview, bram = interviews[site.adult.pk], interviews[cor.pk], interviews[site.child.pk]
    # Nothing sticks out sideways on the tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    tablet_shot(page, "02-top")
    tablet_shot(page, "02-domains", at=section(page, anna, "domains"))
    check_a11y(page)

    # Anna's life domains, online; one with a help question.
    domains = section(page, anna, "domains")
    for code, value in ADULT_ANSWERS.items():
        answer(domains, code, value)
    domains.locator(f"#i{anna.pk}-gezondheid-help").locator("xpath=ancestor::details").locator("summary").click()
    domains.locator(f"#i{anna.pk}-gezondheid-help").check()
    domains.locator(f"#i{anna.pk}-gezondheid-question").fill("Hulp bij het vinden van een huisarts")
    domains.locator("button[type='submit']").click()
    saved(domains)
    assert DomainAnswer.objects.filter(interview=anna).count() == 8
    assert page.evaluate(UNSENT) == []
    # The overview row follows (out-of-band swap).
    assert "8" in page.locator(f"#overview-{anna.pk} td").first.inner_text()
    tablet_shot(page, "03-domains-saved", at=page.locator(f"#i{anna.pk}-gezondheid-help"))
    tablet_shot(page, "03-overview", at=page.locator("#overview-title"))
    check_a11y(page)

    # In the middle of Cor's interview the connection drops. His domains are kept on the device.
    page.context.set_offline(True)
    cor_domains = section(page, cor_interview, "domains")
    for code, value in ADULT_ANSWERS.items():
        answer(cor_domains, code, "5" if value.isdigit() else value)
    cor_domains.locator("button[type='submit']").click()
    cor_domains.locator(".conv-status--queued").wait_for()
    assert len(page.evaluate(UNSENT)) == 1
    assert not DomainAnswer.objects.filter(interview=cor_interview).exists()
    tablet_shot(page, "04-offline-not-sent", at=cor_domains.locator(f"#i{cor_interview.pk}-financien-answer_0"))
    check_a11y(page)

    # The connection comes back: the kept save is sent, once.
    page.context.set_offline(False)
    saved(section(page, cor_interview, "domains"))
    assert page.evaluate(UNSENT) == []
    # The section the replay brought back is live again (htmx has processed its form).
    assert page.evaluate(
        f"() => document.querySelector('#interview-{cor_interview.pk}-domains form')['htmx-internal-data'] !== undefined"
    )
    assert DomainAnswer.objects.filter(interview=cor_interview).count() == 8

    # The child's part: who answered (no ladder under 16, no cohesion under 15).
    who = section(page, bram, "ladder")
    assert section(page, bram, "cohesion").count() == 0
    assert who.locator('input[name="rung"]').count() == 0
    who.locator('input[name="answered_by"][value="both"]').check()
    who.locator("button[type='submit']").click()
    saved(section(page, bram, "ladder"))
    bram_domains = section(page, bram, "domains")
    assert bram_domains.locator('input[name="werken-answer"]').count() == 0  # not at ten
    for code in ("leren", "opgroeien", "veiligheid", "gezondheid"):
        answer(bram_domains, code, "4")
    bram_domains.locator("button[type='submit']").click()
    saved(section(page, bram, "domains"))

    # Reload: everything is there, each save stored exactly once, nothing left on the device.
    page.reload()
    check_a11y(page)
    assert page.evaluate(UNSENT) == []
    # The page opens where the interview stopped: the first part not yet answered (Cor's ladder;
    # the oldest member comes first).
    first_open = page.locator('[data-complete="false"]').first
    assert first_open.get_attribute("id") == f"interview-{cor_interview.pk}-ladder"
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= first_open.evaluate("element => element.getBoundingClientRect().top") < 40
    for code, value in ADULT_ANSWERS.items():
        assert section(page, anna, "domains").locator(f'input[name="{code}-answer"][value="{value}"]').is_checked()
    assert DomainAnswer.objects.filter(interview__conversation=conversation).count() == 8 + 8 + 4
    assert SectionSave.objects.filter(conversation=conversation).count() == 4  # 3 domains saves + 1 ladder
    assert (
        SectionSave.objects.filter(conversation=conversation, section=f"interview:{cor_interview.pk}:domains").count()
        == 1
    )
    assert Proposal.objects.filter(person=site.adult).count() == 1
    # Each save carried the key the page's script made for it (a UUID), not the server's fallback.
    assert all(len(key) == 36 and key.count("-") == 4 for key in SectionSave.objects.values_list("key", flat=True))
    # Nothing at all is left in the browser's storage.
    assert page.evaluate("() => window.localStorage.length") == 0
    bram_interview = Interview.objects.get(pk=bram.pk)
    assert (bram_interview.answered_by, bram_interview.domains_version) == ("both", 2)
    # Opening the page again left a view in the log; the saves left one update each.
    assert (
        AuditEvent.objects.filter(
            actor=fieldworker, action=AuditAction.VIEW, object_type="conversations.conversation"
        ).count()
        >= 2
    )
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.UPDATE, object_type="conversations.interview", object_id=str(cor_interview.pk)
        ).count()
        == 1
    )
    tablet_shot(page, "05-child", at=section(page, bram, "ladder"))
    tablet_shot(page, "05-housing", at=page.locator("#housing"))
    tablet_shot(page, "05-meldcode", at=page.locator("#meldcode-title"))

    # The proposed help trajectory is in the list.
    page.goto(reverse("conversations:proposals"))
    assert "huisarts" in page.locator("main table").inner_text()
    screenshot(page, "06-proposals")
    check_a11y(page)


def test_a_save_made_after_the_session_ended_is_not_kept_on_the_device(page, world, login_as, check_a11y, screenshot):
    """Unsent answers never outlive the session (issue 12): on a shared tablet the next person must not
    find them. The input stays on the screen; nothing stays in the browser's storage."""
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker)
    anna = conversation.interviews.get(person=site.adult)
    conversation_url = reverse("conversations:conversation", args=[conversation.pk])
    login_as(page, fieldworker)
    page.goto(conversation_url)

    # The session ends (here: its cookies are gone) while the worker fills in Anna's ladder.
    page.context.clear_cookies()
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="4"]').check()
    ladder.locator('textarea[name="note"]').fill("Vrijwilliger bij de voedselbank")
    ladder.locator("button[type='submit']").click()
    ladder.locator(".conv-status--expired").wait_for()
    assert page.evaluate(UNSENT) == []
    assert ladder.locator('textarea[name="note"]').input_value() == "Vrijwilliger bij de voedselbank"
    anna.refresh_from_db()
    assert anna.rung is None
    tablet_shot(page, "session-ended", at=ladder)
    check_a11y(page)

    # Logging in again sends nothing typed in the ended session.
    with page.expect_navigation():
        ladder.locator(".conv-status--expired a").click()
    assert urlsplit(page.url).path == reverse("account_login")
    page.locator('input[name="login"]').fill(fieldworker.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    with lands_on(page, conversation_url):
        page.locator('main button[type="submit"]').click()
    page.wait_for_timeout(500)
    assert page.evaluate(UNSENT) == []
    assert SectionSave.objects.filter(conversation=conversation).count() == 0


def test_logging_out_removes_unsent_answers_and_a_new_session_never_sees_an_old_ones(page, world, login_as):
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker)
    anna = conversation.interviews.get(person=site.adult)
    conversation_url = reverse("conversations:conversation", args=[conversation.pk])
    login_as(page, fieldworker)
    page.goto(conversation_url)

    # Offline: the save is kept on the device, as the page promises.
    page.context.set_offline(True)
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="3"]').check()
    ladder.locator('textarea[name="note"]').fill("Notitie die niet mag blijven")
    ladder.locator("button[type='submit']").click()
    ladder.locator(".conv-status--queued").wait_for(timeout=SAVE_TIMEOUT)
    kept = page.evaluate(UNSENT)
    assert len(kept) == 1
    entry = page.evaluate(f"() => localStorage.getItem({kept[0]!r})")

    # "Log out" removes it as the form is sent (the request itself is held back here: still offline).
    page.evaluate(
        "() => document.querySelector('form[data-logout]').addEventListener('submit', e => e.preventDefault())"
    )
    page.locator("form[data-logout] button").click()
    assert page.evaluate(UNSENT) == []
    page.context.set_offline(False)
    page.wait_for_timeout(500)
    anna.refresh_from_db()
    assert anna.rung is None

    # The session is gone: any page without one (the login page) removes what an old session kept ...
    page.context.clear_cookies()
    page.goto(reverse("account_login"))
    page.evaluate(f"() => localStorage.setItem({kept[0]!r}, {entry!r})")
    page.reload()
    assert page.evaluate(UNSENT) == []
    # ... and so does the first page of a new session.
    login_as(page, fieldworker)
    page.evaluate(f"() => localStorage.setItem({kept[0]!r}, {entry!r})")
    page.goto(conversation_url)
    page.wait_for_timeout(500)
    assert page.evaluate(UNSENT) == []
    assert SectionSave.objects.filter(conversation=conversation).count() == 0


def test_the_conversation_page_works_under_the_real_content_security_policy(new_page, world, login_as):
    """No inline script, style or handler anywhere: htmx loads, saves a section, and the browser
    reports no violation of the policy."""
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker)
    anna = conversation.interviews.get(person=site.adult)
    page = new_page(bypass_csp=False)
    login_as(page, fieldworker)
    page.goto(reverse("conversations:conversation", args=[conversation.pk]))
    assert page.evaluate("() => typeof window.htmx") == "object"
    housing = page.locator("#housing")
    housing.locator('input[name="satisfaction"][value="4"]').check()
    housing.locator('input[name="move_wish"][value="stay"]').check()
    housing.locator("button[type='submit']").click()
    saved(page.locator("#housing"))
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="not_applicable"]').check()
    ladder.locator("button[type='submit']").click()
    saved(section(page, anna, "ladder"))
    assert page.csp_violations == []
    assert conversation.housing.__class__.objects.get(pk=conversation.housing.pk).satisfaction == 4


def test_a_conflict_a_member_joining_and_a_meldcode_signal_accessibly(page, world, login_as, check_a11y, screenshot):
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = services.conversation_start(
        acting_user=fieldworker,
        household=site.household,
        held_on=timezone.localdate(),
        workers=[fieldworker],
        members_present=[site.adult],
        informed=True,
    )
    anna = conversation.interviews.get()
    conversation_url = reverse("conversations:conversation", args=[conversation.pk])
    login_as(page, fieldworker)
    page.goto(conversation_url)

    # A colleague saves Anna's ladder on another tablet after this page was opened.
    services.interview_save_ladder(
        acting_user=world.user("case_manager"),
        interview=anna,
        version=1,
        key="colleague-ladder",
        answered_by="self",
        rung=2,
        rung_non_answer="",
        note="Door de collega",
    )
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="5"]').check()
    ladder.locator("button[type='submit']").click()
    conflict = section(page, anna, "ladder")
    conflict.locator(".conv-alert--conflict").wait_for()
    assert conflict.locator('input[name="rung"][value="5"]').is_checked()  # my answer is kept
    assert "Door de collega" in conflict.locator(".conv-stored").all_inner_texts()[-1]
    assert conflict.locator(".conv-discard").count() == 1
    tablet_shot(page, "conflict", at=conflict)
    check_a11y(page)
    conflict.locator("button[type='submit']").click()  # saved again, against the version now shown
    saved(section(page, anna, "ladder"))
    anna.refresh_from_db()
    assert (anna.rung, anna.ladder_version) == (5, 3)
    assert page.evaluate(UNSENT) == []

    # Bram comes home: he joins the conversation.
    member_add_url = reverse("conversations:member_add", args=[conversation.pk])
    with lands_on(page, member_add_url):
        page.locator(f'main a[href="{member_add_url}"]').click()
    screenshot(page, "member-joins")
    check_a11y(page)
    page.locator(f'input[name="person"][value="{site.child.pk}"]').check()
    with lands_on(page, conversation_url):
        page.locator('form:has(input[name="which"][value="present"]) button[type="submit"]').click()
    bram = conversation.interviews.get(person=site.child)
    assert section(page, bram, "domains").count() == 1

    # A meldcode signal, in its own form apart from the interview.
    page.locator(".conv-meldcode__details > summary").click()
    meldcode = page.locator(f'form[action="{reverse("conversations:meldcode", args=[conversation.pk])}"]')
    meldcode.locator('input[name="kind"][value="child_abuse"]').check()
    meldcode.locator(f'input[name="persons"][value="{site.child.pk}"]').check()
    tablet_shot(page, "meldcode-form", at=page.locator("#meldcode-title"))
    with lands_on(page, conversation_url):
        meldcode.locator('button[type="submit"]').click()
    assert page.locator("#meldcode-flags").is_visible()
    assert MeldcodeSignal.objects.get().kind == "child_abuse"
    tablet_shot(page, "meldcode-flag")
    check_a11y(page)
