"""No answer is lost on the conversation page (issue 19), in a real browser at tablet width.

A worker enters scores in one section and presses "Save" in another: both are saved, also when the
connection drops in between. A help question typed without ticking its box is kept. Leaving the page
with unsaved changes asks first; the page lists which sections hold them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from stijging.conversations.models import DomainAnswer, Interview, SectionSave
from tests.conversations.factories import held_conversation
from tests.e2e.test_conversation import ADULT_ANSWERS, UNSENT, answer, saved, section, tablet_shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _open(page, world, login_as):
    site = world.own
    fieldworker = world.user("fieldworker")
    conversation = held_conversation(site, fieldworker)
    anna = conversation.interviews.get(person=site.adult)
    login_as(page, fieldworker)
    url = reverse("conversations:conversation", args=[conversation.pk])
    page.goto(url)
    return conversation, anna, url


def _fill_domains_unsaved(page, anna) -> None:
    domains = section(page, anna, "domains")
    for code, value in ADULT_ANSWERS.items():
        answer(domains, code, value)
    # A help question typed without ticking "There is a help question".
    domains.locator(f"#i{anna.pk}-financien-help").locator("xpath=ancestor::details").locator("summary").click()
    domains.locator(f"#i{anna.pk}-financien-question").fill("Hulp bij de administratie")


def test_answers_of_one_section_are_saved_when_another_section_is_saved(page, world, login_as, check_a11y):
    conversation, anna, _url = _open(page, world, login_as)
    _fill_domains_unsaved(page, anna)
    domains = section(page, anna, "domains")
    # Typing the question ticked its box, and the page shows that the domains hold unsaved changes.
    assert domains.locator(f"#i{anna.pk}-financien-help").is_checked()
    assert domains.locator("[data-dirty-badge]").is_visible()
    unsaved = page.locator("#conv-unsaved")
    assert unsaved.is_visible()
    assert f"#interview-{anna.pk}-domains" in unsaved.locator("a").first.get_attribute("href")
    tablet_shot(page, "unsaved-listed")
    check_a11y(page)

    # The worker goes on to the ladder and saves that: the domains go along.
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="3"]').check()
    ladder.locator("button[type='submit']").click()
    saved(section(page, anna, "ladder"))
    saved(section(page, anna, "domains"))
    assert not page.locator("#conv-unsaved").is_visible()
    assert page.evaluate(UNSENT) == []

    page.reload()
    for code, value in ADULT_ANSWERS.items():
        assert section(page, anna, "domains").locator(f'input[name="{code}-answer"][value="{value}"]').is_checked()
    assert section(page, anna, "ladder").locator('input[name="rung"][value="3"]').is_checked()
    assert DomainAnswer.objects.filter(interview=anna).count() == 8
    question = DomainAnswer.objects.get(interview=anna, domain__code="financien")
    assert (question.help_question, question.help_question_text) == (True, "Hulp bij de administratie")
    assert Interview.objects.get(pk=anna.pk).rung == 3
    check_a11y(page)


def test_with_the_connection_dropped_both_sections_are_kept_and_sent_once(page, world, login_as):
    conversation, anna, _url = _open(page, world, login_as)
    _fill_domains_unsaved(page, anna)
    page.context.set_offline(True)
    ladder = section(page, anna, "ladder")
    ladder.locator('input[name="rung"][value="4"]').check()
    ladder.locator("button[type='submit']").click()
    section(page, anna, "ladder").locator(".conv-status--queued").wait_for()
    section(page, anna, "domains").locator(".conv-status--queued").wait_for()
    assert len(page.evaluate(UNSENT)) == 2  # both sections kept on the device
    assert not DomainAnswer.objects.filter(interview=anna).exists()
    tablet_shot(page, "unsaved-offline", at=section(page, anna, "domains"))

    page.context.set_offline(False)
    saved(section(page, anna, "ladder"))
    saved(section(page, anna, "domains"))
    assert page.evaluate(UNSENT) == []
    page.reload()
    page.wait_for_timeout(300)
    assert section(page, anna, "domains").locator('input[name="gezondheid-answer"][value="2"]').is_checked()
    assert section(page, anna, "ladder").locator('input[name="rung"][value="4"]').is_checked()
    assert DomainAnswer.objects.filter(interview=anna).count() == 8
    assert SectionSave.objects.filter(conversation=conversation).count() == 2  # each once


def test_leaving_with_unsaved_changes_asks_first(page, world, login_as):
    conversation, anna, url = _open(page, world, login_as)
    dialogs: list[str] = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    section(page, anna, "ladder").locator('input[name="rung"][value="2"]').check()
    page.locator(f'main a[href="{reverse("conversations:member_add", args=[conversation.pk])}"]').click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(url)  # the worker chose to stay: nothing lost
    assert section(page, anna, "ladder").locator('input[name="rung"][value="2"]').is_checked()

    # Saved, the page lets the worker go without asking.
    section(page, anna, "ladder").locator("button[type='submit']").click()
    saved(section(page, anna, "ladder"))
    with page.expect_navigation():
        page.locator(f'main a[href="{reverse("conversations:member_add", args=[conversation.pk])}"]').click()
    assert dialogs == ["beforeunload"]
