"""The programme's figures (SPEC §4) against hand-computed values on a fixed data set.

Programme period 1 March – 1 November 2026 (reference date 1 November). Area with addresses a1…a7:
  H1 at a1: two adults and a child; conversation 10 April, and a member added during the visit
            (4 interviews); help questions for one adult (two domains) and the child.
  H2 at a2: refused at the door; no conversation.
  H3 at a3: objected (AVG art. 21); no conversation.
  H4 at a4: conversation 1 May (one interview), moved out of the areas on 1 June.
  H5 at a5 since 2 May (before that at a6); conversation 1 September with two members, one help
            question, and one domain declined.
  H6 at a6 since 2 May; a conversation on 15 February, before the programme started, with a help
            question.
  a7: no household.
By hand:
  in scope on 1 November: H1, H2, H3, H5, H6 = 5; reached (held conversation in the period): H1, H5 = 2
  → participation 2 / 5 = 40.0 %; residential addresses 7, without a household on 1 November: a4, a7 = 2.
  persons visited in the period: 4 (H1) + 1 (H4) + 2 (H5) = 7; with a help question: 2 (H1) + 1 (H5) = 3
  → 3 / 7 = 42.9 %.
"""

from __future__ import annotations

import datetime

import pytest

from stijging.conversations.models import Conversation, DomainAnswer, Interview
from stijging.instruments.models import Domain
from stijging.instruments.services import current_instrument
from stijging.monitoring import kpis
from stijging.registry.models import Programme
from stijging.registry.selectors import household_programme_id

from ..registry.factories import (
    AddressFactory,
    AreaFactory,
    HouseholdFactory,
    MemberFactory,
    PersonFactory,
    ResidenceFactory,
    StreetFactory,
)

D = datetime.date
PERIOD = kpis.Period(start=D(2026, 3, 1), end=D(2026, 11, 1))


def _conversation(household, held_on, persons, *, worker, questions=(), declined=()):
    conversation = Conversation.objects.create(
        programme_id=household_programme_id(household.pk),
        household=household,
        held_on=held_on,
        instrument_version=current_instrument(),
        informed=True,
        created_by=worker,
    )
    wonen, financien, gezondheid = (
        Domain.objects.get(version=conversation.instrument_version, code=c)
        for c in ("wonen", "financien", "gezondheid")
    )
    for person in persons:
        interview = Interview.objects.create(conversation=conversation, person=person)
        DomainAnswer.objects.create(interview=interview, domain=gezondheid, score=4)
        for domain in (wonen, financien):
            if (person, domain.code) in questions:
                DomainAnswer.objects.create(
                    interview=interview, domain=domain, score=2, help_question=True, help_question_text="hulp"
                )
            elif (person, domain.code) in declined:
                DomainAnswer.objects.create(interview=interview, domain=domain, non_answer="declined")
    return conversation


@pytest.fixture
def programme(world):
    worker = world.user("fieldworker")
    programme = Programme.objects.create(
        name="KPI", slug="kpi", municipality="Venlo", start_date=PERIOD.start, end_date=D(2027, 12, 31)
    )
    area = AreaFactory(programme=programme)
    street = StreetFactory()
    a = {n: AddressFactory(area=area, street=street, postcode="5931AB", huisnummer=n) for n in range(1, 8)}

    h1 = HouseholdFactory(name="H1")
    ResidenceFactory(household=h1, address=a[1], start_date=D(2010, 1, 1))
    adult1, adult2, child = PersonFactory(), PersonFactory(), PersonFactory(date_of_birth=D(2015, 1, 1))
    for person in (adult1, adult2, child):
        MemberFactory(household=h1, person=person)
    conversation = _conversation(
        h1,
        D(2026, 4, 10),
        [adult1, adult2, child],
        worker=worker,
        questions={(adult1, "wonen"), (adult1, "financien"), (child, "wonen")},
    )
    added = PersonFactory()  # the member added during the visit
    MemberFactory(household=h1, person=added, start_date=D(2026, 4, 10))
    Interview.objects.create(conversation=conversation, person=added)

    h2, h3 = HouseholdFactory(name="H2"), HouseholdFactory(name="H3")
    ResidenceFactory(household=h2, address=a[2], start_date=D(2012, 1, 1))
    ResidenceFactory(household=h3, address=a[3], start_date=D(2012, 1, 1))

    h4 = HouseholdFactory(name="H4")
    ResidenceFactory(household=h4, address=a[4], start_date=D(2000, 1, 1), end_date=D(2026, 6, 1))
    p4 = PersonFactory()
    MemberFactory(household=h4, person=p4)
    _conversation(h4, D(2026, 5, 1), [p4], worker=worker)

    h5 = HouseholdFactory(name="H5")
    ResidenceFactory(household=h5, address=a[6], start_date=D(2005, 1, 1), end_date=D(2026, 5, 2))
    ResidenceFactory(household=h5, address=a[5], start_date=D(2026, 5, 2))
    p5a, p5b = PersonFactory(), PersonFactory()
    MemberFactory(household=h5, person=p5a)
    MemberFactory(household=h5, person=p5b)
    _conversation(
        h5, D(2026, 9, 1), [p5a, p5b], worker=worker, questions={(p5a, "wonen")}, declined={(p5b, "financien")}
    )

    h6 = HouseholdFactory(name="H6")
    ResidenceFactory(household=h6, address=a[6], start_date=D(2026, 5, 2))
    p6 = PersonFactory()
    MemberFactory(household=h6, person=p6)
    _conversation(h6, D(2026, 2, 15), [p6], worker=worker, questions={(p6, "wonen")})
    return programme


def test_participation_is_reached_over_in_scope_as_computed_by_hand(programme):
    result = kpis.participation(programme, PERIOD)
    assert (result.in_scope, result.reached) == (5, 2)
    assert str(result.rate) == "40.0"
    assert (result.residential_addresses, result.addresses_without_household) == (7, 2)
    assert result.target == 70


def test_persons_visited_and_help_questions_as_computed_by_hand(programme):
    result = kpis.visits(programme, PERIOD)
    assert (result.persons_visited, result.persons_with_help_question) == (7, 3)
    assert str(result.help_question_share) == "42.9"


def test_a_narrower_period_counts_only_its_own_conversations(programme):
    spring = kpis.Period(start=D(2026, 3, 1), end=D(2026, 5, 31))
    # On 31 May H4 still lives in the area (it leaves on 1 June); H5 and H6 live at a5 and a6.
    result = kpis.participation(programme, spring)
    assert (result.in_scope, result.reached) == (6, 2)  # H1 and H4
    assert kpis.visits(programme, spring).persons_visited == 5


def test_the_period_runs_to_today_at_most():
    programme = Programme(start_date=D(2026, 3, 1), end_date=D(2028, 2, 29))
    assert kpis.programme_period(programme, today=D(2026, 11, 25)) == kpis.Period(D(2026, 3, 1), D(2026, 11, 25))
    ended = Programme(start_date=D(2024, 1, 1), end_date=D(2025, 1, 1))
    assert kpis.programme_period(ended, today=D(2026, 11, 25)).end == D(2025, 1, 1)


def test_a_rate_without_a_denominator_is_none_not_zero():
    assert kpis.rate(0, 0) is None
    assert str(kpis.rate(1, 3)) == "33.3"
    assert str(kpis.rate(2, 3)) == "66.7"


@pytest.mark.parametrize("value,shown", [(0, None), (4, None), (5, 5), (120, 120), (None, None)])
def test_small_cells_are_suppressed_for_roles_without_access_to_persons(value, shown):
    assert kpis.suppressed(value, sees_persons=False) == shown
    assert kpis.suppressed(value, sees_persons=True) == value


def test_the_programme_home_shows_the_figures_and_suppresses_them_for_the_manager(programme, world, client):
    from stijging.accounts.models import Membership

    for role in ("fieldworker", "manager"):
        Membership.objects.create(user=world.user(role), programme=programme, role=role)
    client.force_login(world.user("fieldworker"))
    response = client.get(f"/p/{programme.slug}/")
    assert response.status_code == 200
    # The page uses today's period, which contains every conversation of the fixture but H6's.
    cells = response.context["cells"]
    assert cells["reached"].value == 2 and cells["in_scope"].value == 5
    client.force_login(world.user("manager"))
    response = client.get(f"/p/{programme.slug}/")
    cells = response.context["cells"]
    assert cells["reached"].value is None and cells["reached"].state == "small"  # 2 < 5: suppressed
    assert response.context["participation_rate"] is None
    assert cells["in_scope"].value == 5
    assert cells["visited"].value == 7
