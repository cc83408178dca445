"""The conversation's screens, as the roles they are for (ENGINEERING.md conventions 4, 6 and 8).

Query counts are measured inside `django_assert_max_num_queries(n)`; the comment names the queries.
They include the SAVEPOINT/RELEASE pairs of the services' `transaction.atomic` (the test runs inside
a transaction; in production those are BEGIN/COMMIT, which Django does not count).

The whole access matrix (role × URL × own/foreign) is tests/test_access_table.py.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stijging.accounts.models import Role
from stijging.conversations import services
from stijging.conversations.models import (
    CohesionAnswer,
    Conversation,
    DomainAnswer,
    Interview,
    MeldcodeSignal,
    Proposal,
    SectionSave,
)
from stijging.conversations.services import DomainInput
from stijging.instruments.models import CohesionStatement, DefectCategory, Domain
from stijging.privacy.models import AuditAction, AuditEvent, Consent
from stijging.registry.models import HouseholdMembership, Person

from ..accounts.factories import MembershipFactory, UserFactory
from ..registry.factories import MemberFactory, PersonFactory
from .factories import held_conversation

# Every request of a logged-in user starts with the same three queries: the session, the user and
# the user's memberships (with their programmes, fetched once per request).
AUTH = 3
# The five lists of one instrument version: domains, scale levels, rungs, statements, defects.
INSTRUMENT = 5
# The conversation page: the conversation (+ household, instrument version, housing; scoped), its
# workers, interviews (+ persons), domain answers, cohesion answers, valid consents, the household's
# residences (+ address, street, area, programme), current members, housing defects, meldcode signals
# (+ raised by), the instrument, and the audit event.
PAGE = AUTH + 10 + INSTRUMENT + 1
HX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def last_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def fieldworker(world):
    return world.user("fieldworker")


@pytest.fixture
def worker(fieldworker) -> Client:
    return client_for(fieldworker)


@pytest.fixture
def conversation(world, fieldworker) -> Conversation:
    return held_conversation(world.own, fieldworker)


@pytest.fixture
def adult(conversation, world) -> Interview:
    return conversation.interviews.get(person=world.own.adult)


@pytest.fixture
def child(conversation, world) -> Interview:
    return conversation.interviews.get(person=world.own.child)


def page_url(conversation) -> str:
    return reverse("conversations:conversation", args=[conversation.pk])


def section_url(interview, kind: str) -> str:
    return reverse("conversations:interview_section", args=[interview.pk, kind])


def checked(html: str, name: str, value: str) -> bool:
    match = re.search(
        rf'<input type="(?:radio|checkbox)" name="{re.escape(name)}" value="{re.escape(value)}"[^>]*>', html
    )
    assert match, f"no input {name}={value}"
    return " checked" in match.group(0)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


# --- The conversation page ----------------------------------------------------------------------------------


def test_a_second_conversation_page_takes_the_published_instrument_as_kept(
    worker, conversation, django_assert_max_num_queries
):
    worker.get(page_url(conversation))  # the process's first page reads the five lists
    with django_assert_max_num_queries(PAGE - INSTRUMENT):
        response = worker.get(page_url(conversation))
    assert response.status_code == 200


def test_the_instrument_is_kept_only_once_published_and_read_again_when_published_anew(db, django_assert_num_queries):
    from stijging.conversations.selectors import instrument_of
    from stijging.instruments.models import InstrumentVersion
    from stijging.instruments.services import instrument_draft_from, instrument_publish

    admin = UserFactory()
    published = InstrumentVersion.objects.get(number=1)
    first = instrument_of(published)
    with django_assert_num_queries(0):
        again = instrument_of(published)
    assert again is first
    assert [d.code for d in first.domains] == list(
        Domain.objects.filter(version=published).order_by("order").values_list("code", flat=True)
    )

    # A draft may still change: read every time, so an edit shows at once.
    draft = instrument_draft_from(acting_user=admin, source=published)
    with django_assert_num_queries(INSTRUMENT):
        instrument_of(draft)
    Domain.objects.filter(version=draft, code="werken").update(max_age=67)
    with django_assert_num_queries(INSTRUMENT):
        edited = instrument_of(draft)
    assert next(d for d in edited.domains if d.code == "werken").max_age == 67

    # Published, the same id is a new key (its publication time): read once more, then kept.
    instrument_publish(acting_user=admin, draft=draft)
    with django_assert_num_queries(INSTRUMENT):
        kept = instrument_of(draft)
    with django_assert_num_queries(0):
        assert instrument_of(draft) is kept


def test_the_conversation_page_shows_every_member_and_logs_whose_data_were_shown(
    world, worker, conversation, adult, child, django_assert_max_num_queries
):
    before = last_id()
    with django_assert_max_num_queries(PAGE):
        response = worker.get(page_url(conversation))
    assert response.status_code == 200
    html = response.content.decode()
    for interview in (adult, child):
        assert f'id="interview-{interview.pk}-domains"' in html
        assert f'id="interview-{interview.pk}-ladder"' in html
    # Cohesion from 15, the ladder's rung from 16: not for the ten-year-old.
    assert f'id="interview-{adult.pk}-cohesion"' in html
    assert f'id="interview-{child.pk}-cohesion"' not in html
    assert 'id="housing"' in html
    # The child's domains are the ones that apply at ten.
    assert 'name="opgroeien-answer"' in html
    # htmx under the CSP: no inline script, eval off; the page's own script is loaded.
    assert "allowEval&quot;:false" in html or '"allowEval":false' in html
    assert "<script>" not in html and " onclick=" not in html and " style=" not in html
    events = last_events(before)
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        (AuditAction.VIEW, "conversations.conversation", str(conversation.pk))
    ]
    assert events[0].person_ids == sorted([world.own.adult.pk, world.own.child.pk])


def _answer_everything(conversation, user) -> None:
    statements = list(CohesionStatement.objects.filter(version__number=1))
    for interview in conversation.interviews.select_related("person", "conversation__instrument_version"):
        domains = services.applicable_domains(interview)
        services.interview_save_domains(
            acting_user=user,
            interview=interview,
            version=1,
            key=f"d-{interview.pk}",
            answers=[
                DomainInput(domain=d, score=3, non_answer="", note="n", help_question=True, help_question_text="q")
                for d in domains
            ],
        )
        if interview.person.age_on(conversation.held_on) >= 15:
            services.interview_save_cohesion(
                acting_user=user,
                interview=interview,
                version=1,
                key=f"c-{interview.pk}",
                values={s.pk: (4, "") for s in statements},
            )
        Consent.objects.create(
            person=interview.person,
            purpose="receive_help",
            given_by="parent",
            parent_name="x",
            given_on=timezone.localdate(),
        )
    services.housing_save(
        acting_user=user,
        housing=conversation.housing,
        version=1,
        key=f"h-{conversation.pk}",
        defects=list(DefectCategory.objects.filter(version__number=1)),
        satisfaction=3,
    )
    services.meldcode_raise(
        acting_user=user,
        conversation=conversation,
        kind="domestic_violence",
        persons=list(conversation.members_present.all()),
    )


def test_the_page_costs_the_same_queries_however_many_members_and_answers(world, worker, fieldworker):
    # Small: one member, one meldcode signal (so that the signal's persons are read in both cases).
    site = world.own
    small = services.conversation_start(
        acting_user=fieldworker,
        household=site.household,
        held_on=timezone.localdate(),
        workers=[fieldworker],
        members_present=[site.adult],
        informed=True,
    )
    services.meldcode_raise(acting_user=fieldworker, conversation=small, kind="child_abuse", persons=[site.adult])
    # Large: six members, every domain and statement answered with a help question, consents,
    # every defect, a second worker.
    for year in (1950, 1979, 2008, 2010, 2019):
        MemberFactory(household=site.household, person=PersonFactory(date_of_birth=datetime.date(year, 3, 3)))
    large = held_conversation(site, fieldworker, held_on=timezone.localdate() - datetime.timedelta(days=1))
    large.workers.add(world.user("case_manager"))
    _answer_everything(large, fieldworker)
    worker.get(page_url(small))  # the process's first page reads the published instrument's lists
    counts = []
    for conversation in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = worker.get(page_url(conversation))
        assert response.status_code == 200
        counts.append(len(queries))
    assert large.interviews.count() == 7
    # + the persons of the meldcode signals; the instrument's lists were kept by the first page.
    assert counts[0] == counts[1] == PAGE - INSTRUMENT + 1
    assert "⚑" not in response.content.decode()  # the flag is drawn by the stylesheet
    assert 'id="meldcode-flags"' in response.content.decode()


def test_the_page_says_where_to_resume(worker, conversation, adult, fieldworker):
    response = worker.get(page_url(conversation))
    assert 'data-resumed="false"' in response.content.decode()
    services.interview_save_ladder(
        acting_user=fieldworker,
        interview=adult,
        version=1,
        key="ladder-1",
        answered_by="self",
        rung=5,
        rung_non_answer="",
        note="",
    )
    html = worker.get(page_url(conversation)).content.decode()
    assert 'data-resumed="true"' in html
    ladder = re.search(rf'id="interview-{adult.pk}-ladder"[^>]*data-complete="(\w+)"', html)
    domains = re.search(rf'id="interview-{adult.pk}-domains"[^>]*data-complete="(\w+)"', html)
    assert (ladder.group(1), domains.group(1)) == ("true", "false")
    assert checked(html, "rung", "5")


@pytest.mark.parametrize("role", ["partner", "coordinator", "manager", "admin", "privacy_officer", "no_membership"])
def test_roles_without_case_work_cannot_open_a_conversation_or_save_an_interview(world, conversation, adult, role):
    client = client_for(world.users[role])
    before = last_id()
    assert client.get(page_url(conversation)).status_code == 404
    response = client.post(section_url(adult, "domains"), {"version": 1, "key": "abcdefgh", "wonen-answer": "1"}, **HX)
    assert response.status_code == 404
    denied = last_events(before)
    assert [(e.action, e.outcome, e.actor_id) for e in denied] == [
        (AuditAction.DENIED, "denied", world.users[role].pk)
    ] * 2
    assert not DomainAnswer.objects.exists()


def test_a_case_manager_of_another_programme_gets_404(world, conversation):
    stranger = UserFactory(email="cm-elsewhere@example.test")
    MembershipFactory(user=stranger, programme=world.foreign.programme, role=Role.CASE_MANAGER)
    assert client_for(stranger).get(page_url(conversation)).status_code == 404


# --- Saving a section ----------------------------------------------------------------------------------------


def domains_post(version: int, key: str, **answers) -> dict:
    return {"version": version, "key": key} | {f"{code}-answer": value for code, value in answers.items()}


def test_a_section_saved_with_htmx_comes_back_fresh_with_its_new_version(worker, adult, django_assert_max_num_queries):
    data = domains_post(1, "key-one-1234", wonen="4", financien="2") | {
        "financien-help": "on",
        "financien-question": "Schulden",
    }
    # AUTH + interview (scoped; + person, conversation, household, instrument version) + INSTRUMENT;
    # the service: SAVEPOINT, does the household still live in the programme (1), the restriction
    # check (AVG art. 18), [SAVEPOINT, INSERT key, RELEASE], applicable domains, UPDATE version, the
    # answers so far, per answer INSERT + its proposal (2 × 2) + INSERT proposal, the interview again,
    # INSERT audit, RELEASE; then the interview as stored now with its domain answers, cohesion
    # answers and consents; + whether a follow-up measurement compares against this interview as a
    # baseline (a changed answer only).
    with django_assert_max_num_queries(AUTH + 1 + INSTRUMENT + 1 + 1 + 1 + 3 + 3 + 5 + 3 + 4 + 1):
        response = worker.post(section_url(adult, "domains"), data, **HX)
    assert response.status_code == 200
    assert response["X-Stijging-Section"] == f"interview-{adult.pk}-domains"
    html = response.content.decode()
    assert html.lstrip().startswith("<section")
    assert "conv-status--saved" in html
    assert hidden(html, "version") == "2"
    assert hidden(html, "key") != "key-one-1234"  # the server's next key, for a save without JavaScript
    assert checked(html, "wonen-answer", "4")
    # The overview row comes along, out of band.
    assert f'id="overview-{adult.pk}" hx-swap-oob="true"' in html
    assert Proposal.objects.get().question == "Schulden"


def test_the_time_of_a_save_is_shown_in_the_local_time_zone(worker, adult):
    # The section is drawn by Jinja2, which has no Django `time` filter to convert to local time.
    before = timezone.localtime()
    response = worker.post(section_url(adult, "domains"), domains_post(1, "key-time-1234", wonen="4"), **HX)
    after = timezone.localtime()
    status = re.search(r"data-status>([^<]*)</p>", response.content.decode()).group(1)
    assert any(f"{moment:%H:%M}" in status for moment in (before, after)), status
    assert f"{before.astimezone(datetime.UTC):%H:%M}" not in status  # Amsterdam is never UTC


def test_the_same_save_sent_twice_says_saved_earlier_and_applies_once(worker, adult):
    data = domains_post(1, "replay-key-1", wonen="4")
    assert worker.post(section_url(adult, "domains"), data, **HX).status_code == 200
    before = last_id()
    response = worker.post(section_url(adult, "domains"), data, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "conv-status--saved_earlier" in html
    assert hidden(html, "version") == "2"
    assert SectionSave.objects.count() == 1
    assert DomainAnswer.objects.filter(interview=adult).count() == 1
    # Nothing written, but the answers were shown again.
    assert [e.action for e in last_events(before)] == [AuditAction.VIEW]


def test_a_stale_save_answers_409_keeps_the_input_and_shows_what_is_stored(worker, world, adult, fieldworker):
    colleague = client_for(world.user("case_manager"))
    assert (
        colleague.post(section_url(adult, "domains"), domains_post(1, "colleague-1", wonen="5"), **HX).status_code
        == 200
    )
    before = last_id()
    response = worker.post(
        section_url(adult, "domains"),
        domains_post(1, "mine-12345", wonen="2", financien="3") | {"wonen-note": "Lekkage"},
        **HX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    # My input, still in the fields; the value stored now beside it; the next save goes against it.
    assert checked(html, "wonen-answer", "2") and checked(html, "financien-answer", "3")
    assert "Lekkage" in html
    assert "Stored now:" in html and "Fully self-sufficient" in html
    assert "Someone else changed this after you opened it." in html
    assert hidden(html, "version") == "2"
    assert list(DomainAnswer.objects.filter(interview=adult).values_list("score", flat=True)) == [5]
    assert [(e.action, e.detail.get("outcome")) for e in last_events(before)] == [(AuditAction.VIEW, "conflict")]
    # Saving again from here, against the version now shown, goes through.
    data = domains_post(2, "mine-again-1", wonen="2", financien="3") | {"wonen-note": "Lekkage"}
    assert worker.post(section_url(adult, "domains"), data, **HX).status_code == 200
    assert DomainAnswer.objects.get(interview=adult, domain__code="wonen").score == 2


def test_an_invalid_save_answers_422_with_the_errors_beside_the_fields(worker, adult):
    data = domains_post(1, "invalid-1234", wonen="4") | {"financien-help": "on", "gezondheid-note": "Rugklachten"}
    response = worker.post(section_url(adult, "domains"), data, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write down the help question." in html
    assert "to keep the note or the help question" in html
    assert "Rugklachten" in html and checked(html, "wonen-answer", "4")
    assert f'href="#i{adult.pk}-financien-question"' in html  # the summary links to the field
    assert not DomainAnswer.objects.exists()
    assert not SectionSave.objects.exists()


def test_a_save_without_version_or_key_is_refused_as_out_of_date(worker, adult):
    response = worker.post(section_url(adult, "domains"), {"wonen-answer": "4"}, **HX)
    assert response.status_code == 422
    assert "out of date" in response.content.decode()
    assert not DomainAnswer.objects.exists()


def test_after_the_session_ended_a_script_gets_401_and_a_plain_form_the_login_page(adult):
    anonymous = Client()
    response = anonymous.post(section_url(adult, "domains"), domains_post(1, "late-12345", wonen="4"), **HX)
    assert response.status_code == 401
    assert len(response.content) < 100
    response = anonymous.post(section_url(adult, "domains"), domains_post(1, "late-12345", wonen="4"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not DomainAnswer.objects.exists()


def test_without_javascript_a_save_returns_to_the_page_and_a_refusal_shows_the_whole_page(
    worker, world, adult, conversation
):
    response = worker.post(section_url(adult, "domains"), domains_post(1, "plain-12345", wonen="4"))
    assert response.status_code == 302
    assert response["Location"] == page_url(conversation) + f"#interview-{adult.pk}-domains"
    client_for(world.user("case_manager")).post(
        section_url(adult, "ladder"), {"version": 1, "key": "cm-ladder-1", "rung": "3"}
    )
    response = worker.post(section_url(adult, "ladder"), {"version": 1, "key": "plain-ladder", "rung": "6"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "<h1>" in html and 'id="overview-title"' in html  # the whole page
    assert checked(html, "rung", "6")
    assert "Stored now:" in html


def test_the_ladder_asks_who_answered_for_a_child_and_no_rung_below_sixteen(worker, child, adult):
    response = worker.post(section_url(child, "ladder"), {"version": 1, "key": "child-ladder-1"}, **HX)
    assert response.status_code == 422
    assert "Say who answered" in response.content.decode()
    response = worker.post(
        section_url(child, "ladder"),
        {"version": 1, "key": "child-ladder-2", "answered_by": "parent", "rung": "4"},
        **HX,
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert (child.answered_by, child.rung) == ("parent", None)  # a rung posted for a child is not a field
    response = worker.post(
        section_url(adult, "ladder"), {"version": 1, "key": "adult-ladder", "rung": "not_applicable"}, **HX
    )
    assert response.status_code == 200
    adult.refresh_from_db()
    assert (adult.rung, adult.rung_non_answer) == (None, "not_applicable")


def test_cohesion_is_saved_from_fifteen_and_not_offered_below(worker, adult, child):
    statements = list(CohesionStatement.objects.filter(version__number=1).order_by("order"))
    data = (
        {"version": 1, "key": "cohesion-1"} | {s.code: "4" for s in statements[:5]} | {statements[5].code: "declined"}
    )
    response = worker.post(section_url(adult, "cohesion"), data, **HX)
    assert response.status_code == 200
    assert CohesionAnswer.objects.filter(interview=adult, value=4).count() == 5
    assert CohesionAnswer.objects.get(interview=adult, statement=statements[5]).non_answer == "declined"
    assert worker.post(section_url(child, "cohesion"), data, **HX).status_code == 404


def test_the_housing_section_saves_and_keeps_the_input_on_a_conflict(
    worker, world, conversation, django_assert_max_num_queries
):
    url = reverse("conversations:housing", args=[conversation.pk])
    damp = DefectCategory.objects.get(version__number=1, code="vocht")
    data = {"version": 1, "key": "housing-1", "satisfaction": "2", "defects": [str(damp.pk)], "move_wish": "move"}
    # AUTH + the housing section (scoped; + conversation, household, instrument version), its defects,
    # INSTRUMENT; the service: SAVEPOINT, no member restricted (AVG art. 18, 1), does the household still
    # live in the programme (1), [SAVEPOINT,
    # INSERT key, RELEASE], conditional UPDATE, reload,
    # its defects, INSERT defects, the conversation, its members present, INSERT audit, RELEASE; then
    # the section as stored now and its defects.
    with django_assert_max_num_queries(AUTH + 2 + INSTRUMENT + 1 + 1 + 1 + 3 + 7 + 1 + 2):
        response = worker.post(url, data, **HX)
    assert response.status_code == 200
    assert response["X-Stijging-Section"] == "housing"
    assert 'id="overview-housing" hx-swap-oob="true"' in response.content.decode()
    conversation.housing.refresh_from_db()
    assert (conversation.housing.satisfaction, conversation.housing.move_wish) == (2, "move")
    response = worker.post(url, data | {"key": "housing-2", "satisfaction": "5"}, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert checked(html, "satisfaction", "5")
    assert "Stored now:" in html


# --- Starting, members, meldcode ---------------------------------------------------------------------------


def test_the_start_form_offers_every_member_and_me_for_today(world, worker, fieldworker, django_assert_max_num_queries):
    before = last_id()
    url = reverse("conversations:start", args=[world.own.household.pk])
    # AUTH + household (scoped), its conversations so far (scoped), its residences (+ address,
    # street, area, programme), its current members (+ persons), the programme's workers, INSERT audit.
    with django_assert_max_num_queries(AUTH + 6):
        response = worker.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for person in (world.own.adult, world.own.child):
        assert checked(html, "members_present", str(person.pk))
    assert checked(html, "workers", str(fieldworker.pk))
    assert f'value="{timezone.localdate().isoformat()}"' in html
    event = last_events(before)[0]
    assert (event.action, event.person_ids) == (AuditAction.VIEW, sorted([world.own.adult.pk, world.own.child.pk]))


def test_starting_a_conversation_leads_to_its_page(world, worker, fieldworker):
    site = world.own
    data = {
        "held_on": timezone.localdate().isoformat(),
        "workers": [str(fieldworker.pk), str(world.user("case_manager").pk)],
        "members_present": [str(site.adult.pk), str(site.child.pk)],
        "informed": "on",
    }
    response = worker.post(reverse("conversations:start", args=[site.household.pk]), data)
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(conversation)
    assert conversation.workers.count() == 2
    assert conversation.interviews.count() == 2


def test_a_conversation_does_not_start_before_the_residents_were_informed(world, worker, fieldworker):
    data = {
        "held_on": timezone.localdate().isoformat(),
        "workers": [str(fieldworker.pk)],
        "members_present": [str(world.own.adult.pk)],
    }
    response = worker.post(reverse("conversations:start", args=[world.own.household.pk]), data)
    assert response.status_code == 422
    assert "AVG art. 13" in response.content.decode()
    assert not Conversation.objects.exists()


def test_a_household_of_another_programme_cannot_be_visited_here(world, worker):
    assert worker.get(reverse("conversations:start", args=[world.foreign.household.pk])).status_code == 404


def test_a_member_joins_during_the_visit(world, worker, fieldworker, django_assert_max_num_queries):
    site = world.own
    conversation = services.conversation_start(
        acting_user=fieldworker,
        household=site.household,
        held_on=timezone.localdate(),
        workers=[fieldworker],
        members_present=[site.adult],
        informed=True,
    )
    url = reverse("conversations:member_add", args=[conversation.pk])
    # AUTH + conversation (scoped), the current members not interviewed yet, INSERT audit.
    with django_assert_max_num_queries(AUTH + 3):
        html = worker.get(url).content.decode()
    assert f'value="{site.child.pk}"' in html  # registered but not yet interviewed
    response = worker.post(url, {"which": "present", "person": str(site.child.pk)})
    interview = conversation.interviews.get(person=site.child)
    assert response["Location"] == page_url(conversation) + f"#interview-{interview.pk}"
    response = worker.post(
        url,
        {
            "which": "new",
            "given_names": "Truus",
            "family_name": "Ownsen",
            "date_of_birth": "1948-02-02",
            "relation": "parent",
        },
    )
    assert response.status_code == 302
    truus = Person.objects.get(given_names="Truus")
    assert conversation.interviews.filter(person=truus).exists()
    assert HouseholdMembership.objects.get(person=truus).start_date == conversation.held_on


def test_a_meldcode_signal_is_recorded_apart_and_flagged_on_the_page(
    world, worker, conversation, django_assert_max_num_queries
):
    url = reverse("conversations:meldcode", args=[conversation.pk])
    before = last_id()
    # AUTH + conversation (scoped), the persons interviewed, INSERT audit.
    with django_assert_max_num_queries(AUTH + 3):
        assert worker.get(url).status_code == 200
    assert last_events(before)[0].person_ids == sorted([world.own.adult.pk, world.own.child.pk])
    response = worker.post(url, {"kind": "domestic_violence"})
    assert response.status_code == 422
    assert not MeldcodeSignal.objects.exists()
    response = worker.post(url, {"kind": "domestic_violence", "persons": [str(world.own.adult.pk)]})
    assert response.status_code == 302
    assert MeldcodeSignal.objects.get().kind == "domestic_violence"
    html = worker.get(page_url(conversation)).content.decode()
    assert 'id="meldcode-flags"' in html and "domestic violence" in html


# --- Proposed help trajectories ----------------------------------------------------------------------------


def _propose(interview, user, code: str, question: str, key: str, version: int = 1):
    services.interview_save_domains(
        acting_user=user,
        interview=interview,
        version=version,
        key=key,
        answers=[
            DomainInput(
                domain=Domain.objects.get(version__number=1, code=code),
                score=2,
                non_answer="",
                note="",
                help_question=True,
                help_question_text=question,
            )
        ],
    )


def test_case_managers_see_every_proposal_and_workers_their_own(
    world, adult, child, fieldworker, django_assert_max_num_queries
):
    colleague = UserFactory(email="fw2@example.test")
    MembershipFactory(user=colleague, programme=world.own.programme, role=Role.FIELDWORKER)
    _propose(adult, fieldworker, "financien", "Schulden op een rij", "p-1")
    _propose(child, colleague, "leren", "Huiswerkbegeleiding", "p-2")
    url = reverse("conversations:proposals")
    case_manager = client_for(world.user("case_manager"))
    before = last_id()
    # AUTH + count, the page (+ person, domain, proposer, conversation, household), INSERT audit.
    with django_assert_max_num_queries(AUTH + 3):
        response = case_manager.get(url)
    html = response.content.decode()
    assert "Schulden op een rij" in html and "Huiswerkbegeleiding" in html
    event = last_events(before)[0]
    assert (event.action, event.object_type) == (AuditAction.LIST, "conversations.proposal")
    assert event.person_ids == sorted([world.own.adult.pk, world.own.child.pk])
    html = client_for(fieldworker).get(url).content.decode()
    assert "Schulden op een rij" in html and "Huiswerkbegeleiding" not in html


def test_the_proposal_list_is_paginated_and_filtered_by_status(world, fieldworker):
    for year in (1970, 1975, 1990):
        MemberFactory(household=world.own.household, person=PersonFactory(date_of_birth=datetime.date(year, 1, 1)))
    conversation = held_conversation(world.own, fieldworker)
    _answer_everything(conversation, fieldworker)  # a help question in every applicable domain
    total = Proposal.objects.count()
    assert total == 4 * 8 + 4
    client = client_for(world.user("case_manager"))
    first = client.get(reverse("conversations:proposals"))
    assert len(first.context["rows"]) == 25
    second = client.get(reverse("conversations:proposals") + "?page=2")
    assert len(second.context["rows"]) == total - 25
    assert not {p.pk for p in first.context["rows"]} & {p.pk for p in second.context["rows"]}
    taken = Proposal.objects.order_by("pk").first()
    Proposal.objects.filter(pk=taken.pk).update(status="taken_up")
    response = client.get(reverse("conversations:proposals") + "?status=taken_up")
    assert [p.pk for p in response.context["rows"]] == [taken.pk]
    assert 'href="?status=taken_up&amp;page=' not in response.content.decode()  # one page only


def test_the_proposal_list_is_refused_to_other_roles_and_the_refusal_logged(world):
    for role in ("partner", "coordinator", "manager", "admin", "privacy_officer", "no_membership"):
        client = client_for(world.users[role])
        before = last_id()
        response = client.get(reverse("conversations:proposals"))
        assert response.status_code == 403, role
        assert [e.action for e in last_events(before)] == [AuditAction.DENIED], role


# --- One conversation per visit (issue 19) ------------------------------------------------------------------


def test_starting_again_on_the_same_day_opens_the_conversation_already_there(world, worker, fieldworker):
    site = world.own
    existing = held_conversation(site, fieldworker)
    start = reverse("conversations:start", args=[site.household.pk])
    response = worker.get(start)
    assert (response.status_code, response["Location"]) == (302, page_url(existing))
    # A second tab, or a form opened before the first was sent, posts for the same day anyway.
    data = {
        "held_on": timezone.localdate().isoformat(),
        "workers": [str(fieldworker.pk)],
        "members_present": [str(site.adult.pk)],
        "informed": "on",
        "second_visit": "on",
    }
    response = worker.post(start, data)
    assert (response.status_code, response["Location"]) == (302, page_url(existing))
    assert Conversation.objects.filter(household=site.household).count() == 1


def test_a_second_visit_on_another_day_is_a_deliberate_choice(world, worker, fieldworker):
    site = world.own
    earlier = held_conversation(site, fieldworker, held_on=timezone.localdate() - datetime.timedelta(days=40))
    start = reverse("conversations:start", args=[site.household.pk])
    html = worker.get(start).content.decode()
    assert page_url(earlier) in html  # the earlier conversation is offered to go on with
    data = {
        "held_on": timezone.localdate().isoformat(),
        "workers": [str(fieldworker.pk)],
        "members_present": [str(site.adult.pk)],
        "informed": "on",
    }
    response = worker.post(start, data)
    assert response.status_code == 422
    assert 'name="second_visit"' in response.content.decode()
    assert Conversation.objects.filter(household=site.household).count() == 1
    response = worker.post(start, data | {"second_visit": "on"})
    assert response.status_code == 302
    assert Conversation.objects.filter(household=site.household).count() == 2


def test_the_household_page_lists_its_conversations_with_links(world, worker, fieldworker):
    site = world.own
    earlier = held_conversation(site, fieldworker, held_on=timezone.localdate() - datetime.timedelta(days=40))
    todays = held_conversation(site, fieldworker)
    html = worker.get(reverse("registry:household", args=[site.household.pk])).content.decode()
    assert page_url(earlier) in html
    assert html.count(page_url(todays)) == 2  # in the list, and as "go on with today's conversation"
    # A role without case work sees no conversations on the household page.
    coordinator = client_for(world.user("coordinator"))
    response = coordinator.get(reverse("registry:household", args=[site.household.pk]))
    assert page_url(earlier) not in response.content.decode()


def test_a_help_question_typed_without_ticking_the_box_is_kept_as_a_help_question(worker, adult):
    data = domains_post(1, "untick-key-1", wonen="4", financien="2") | {"financien-question": "Hulp bij schulden"}
    response = worker.post(section_url(adult, "domains"), data, **HX)
    assert response.status_code == 200
    answer = DomainAnswer.objects.get(interview=adult, domain__code="financien")
    assert (answer.help_question, answer.help_question_text) == (True, "Hulp bij schulden")
    assert Proposal.objects.get().question == "Hulp bij schulden"


def test_a_help_question_without_an_answer_is_refused_not_dropped(worker, adult):
    data = domains_post(1, "untick-key-2", wonen="4") | {"financien-question": "Hulp bij schulden"}
    response = worker.post(section_url(adult, "domains"), data, **HX)
    assert response.status_code == 422
    assert "Hulp bij schulden" in response.content.decode()
    assert not DomainAnswer.objects.filter(interview=adult, domain__code="financien").exists()
