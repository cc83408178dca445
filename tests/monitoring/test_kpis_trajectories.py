"""Trajectory uptake, social rise and priority handling (SPEC §4) against hand-computed values.

Programme period 1 January – 10 November 2026 (the programme ends on 10 November, so the home page
uses the same period whatever today is); "today" for "overdue now" is 10 November 2026. Scores are
wonen / financien / gezondheid; "M" is a follow-up measurement, days counted from the baseline.

  H1, conversation 2 Feb (and a second one on 1 Jul, where P1 says rung 5 — not the baseline):
    P1 (1980) rung 2, scores 2/3/4. M 1 Apr (58 d) rung 3; M 15 Jun (133 d) rung 4, 4/3/3.   → rose
         Two trajectories opened in the period (10 Feb, 1 Mar): counted once.
    P2 (1975) rung 3, scores 3/2/4. M 10 May (97 d) rung 3, 3/declined/5.                   → equal
         Trajectory opened 20 Feb.
    C1 (2015) no rung, gezondheid 4: a child, visited, no trajectory, not on the ladder.
  H2, conversation 3 Mar:
    P3 (1970) rung 4, scores 4/4/3. M 15 Jul (134 d) rung 2, 3/4/3; M 5 Jan 2027 rung 6 is
         after the period and ignored.                                                     → declined
         Trajectory opened 1 Apr.
    P4 (1990) rung 6, scores 5/5/5. M 1 Sep (182 d) rung 6, 5/4/5.                         → at rung 6
  H3, conversation 4 Mar:
    P5 (1958) ladder not applicable (AOW age), scores 3/3/2. M 10 Jul (128 d) not applicable,
         4/3/2.                                                                          → not applicable
         Trajectory opened 12 Dec 2025, before the period: not in the uptake.
    P6 (1985) rung 1, wonen 2. M 1 May (58 d < 90) rung 3, wonen 5.                         → excluded
         Trajectory opened 15 Mar.
  H4, conversation 1 Apr:
    P7 (2000) rung 1, scores 2/2/3. M 30 Jun (exactly 90 d) rung declined, 3/2/3.          → no rung
         Trajectory opened 2 Apr (a proposal alone would not count; none here).
    P8 (1995) rung 3, scores 3/1/4. M 20 Oct (202 d) rung 5, 3/2/4.                         → rose

By hand:
  Uptake: persons visited P1 P2 C1 P3 P4 P5 P6 P7 P8 = 9; in a trajectory opened in the period
    P1 P2 P3 P6 P7 = 5 → 5 / 9 = 55.6 % (target 50).
  Social rise: followed (16+, baseline, M ≥ 90 d) = P1 P2 P3 P4 P5 P7 P8 = 7.
    Compared (rose + equal + declined) = 4: rose 2 (P1, P8) 50.0 %, equal 1 (P2) 25.0 %,
    declined 1 (P3) 25.0 %. Apart, of the 7 followed: at rung 6 1 (P4) 14.3 %, not applicable 1
    (P5) 14.3 %, no rung at the latest measurement 1 (P7) 14.3 %.
  Per domain (latest M − baseline, both scores; the 7 followed):
    wonen       P1 +2, P2 0, P3 −1, P4 0, P5 +1, P7 +1, P8 0: n 7, sum +3, mean 0.4;
                improved 3 (42.9 %), equal 3 (42.9 %), worse 1 (14.3 %).
    financien   P1 0, P2 — (declined), P3 0, P4 −1, P5 0, P7 0, P8 +1: n 6, mean 0.0;
                improved 1 (16.7 %), equal 4 (66.7 %), worse 1 (16.7 %).
    gezondheid  P1 −1, P2 +1, P3 0, P4 0, P5 0, P7 0, P8 0: n 7, mean 0.0;
                improved 1 (14.3 %), equal 5 (71.4 %), worse 1 (14.3 %).
  Priority handling (3 working days; 2026 holidays in play: Koningsdag Mon 27 Apr, Bevrijdingsdag
  Tue 5 May, Hemelvaartsdag Thu 14 May; the day of sending does not count):
    GGD R1 sent Wed 22 Apr → due Tue 28 Apr (Thu 23, Fri 24, [Mon 27 holiday], Tue 28);
            answered Tue 28 Apr: 3 working days, on the last working day → within.
        R2 sent Thu 30 Apr → due Wed 6 May (Fri 1, Mon 4, [Tue 5 holiday], Wed 6);
            declined Thu 7 May: 4 working days → late.
        R3 sent Mon 1 Jun 10:00 → due Thu 4 Jun; answered Tue 2 Jun 00:30 Amsterdam time (still
            1 June in UTC): 1 working day → within.
        R4 sent Mon 2 Nov → due Thu 5 Nov, still sent on 10 Nov → overdue now (missed).
        R5 sent Mon 2 Nov → due Thu 5 Nov, withdrawn unanswered Fri 6 Nov → missed.
        R6 sent Mon 9 Nov → due Thu 12 Nov, still sent: not yet decided.
        Not counted: a non-priority referral, and a priority one sent 15 Dec 2025.
      → sent 6, answered 3, median of [3, 4, 1] = 3.0 working days, within 2 of 5 decided = 40.0 %,
        overdue now 1.
    GGZ Q1 sent Wed 13 May → due Tue 19 May ([Thu 14 holiday], Fri 15, Mon 18, Tue 19);
            answered Fri 15 May: 1 working day → within.
        Q2 sent Mon 7 Sep → due Thu 10 Sep; answered Wed 9 Sep: 2 working days → within.
      → sent 2, answered 2, median of [1, 2] = 1.5, within 2 of 2 = 100.0 %, overdue now 0.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stijging.accounts.models import Membership
from stijging.conversations.models import Conversation, DomainAnswer, Interview
from stijging.instruments.models import Domain
from stijging.instruments.services import current_instrument
from stijging.monitoring import kpis
from stijging.privacy.models import Consent
from stijging.referrals.models import Referral
from stijging.referrals.workingdays import add_working_days, working_days_between
from stijging.registry.models import Programme
from stijging.registry.selectors import household_programme_id
from stijging.trajectories.models import Measurement, MeasurementScore, Trajectory

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
AMS = ZoneInfo("Europe/Amsterdam")
PERIOD = kpis.Period(start=D(2026, 1, 1), end=D(2026, 11, 10))
TODAY = D(2026, 11, 10)
CODES = ("wonen", "financien", "gezondheid")


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMS)


def _domains():
    version = current_instrument()
    return {code: Domain.objects.get(version=version, code=code) for code in CODES}


def _scores(values):
    """'3/2/4' style: a tuple of score or non-answer per domain in CODES order."""
    return dict(zip(CODES, values, strict=True))


class Data:
    def __init__(self, world):
        self.worker = world.user("fieldworker")
        self.case_manager = world.user("case_manager")
        self.ggd, self.ggz = world.partner_organisation, world.other_partner_organisation
        self.programme = Programme.objects.create(
            name="Stijging KPI",
            slug="kpi-trajectories",
            municipality="Venlo",
            start_date=PERIOD.start,
            end_date=PERIOD.end,
        )
        area = AreaFactory(programme=self.programme)
        self.area, self.street = area, StreetFactory()
        self.domains = _domains()
        self.persons = {}

    def household(self, n: int):
        address = AddressFactory(area=self.area, street=self.street, postcode="5931AC", huisnummer=n)
        household = HouseholdFactory(name=f"H{n}")
        ResidenceFactory(household=household, address=address, start_date=D(2010, 1, 1))
        return household

    def conversation(self, household, held_on, interviews):
        """interviews: (name, born, rung or non-answer or None, scores tuple)"""
        conversation = Conversation.objects.create(
            programme_id=household_programme_id(household.pk),
            household=household,
            held_on=held_on,
            instrument_version=current_instrument(),
            informed=True,
            created_by=self.worker,
        )
        for name, born, rung, scores in interviews:
            person = self.persons.get(name)
            if person is None:
                person = self.persons[name] = PersonFactory(given_names=name, date_of_birth=born)
                MemberFactory(household=household, person=person)
            interview = Interview.objects.create(
                conversation=conversation,
                person=person,
                rung=rung if isinstance(rung, int) else None,
                rung_non_answer=rung if isinstance(rung, str) else "",
            )
            for code, value in _scores(scores).items():
                if value is not None:
                    DomainAnswer.objects.create(
                        interview=interview,
                        domain=self.domains[code],
                        score=value if isinstance(value, int) else None,
                        non_answer=value if isinstance(value, str) else "",
                    )

    def measurement(self, name, measured_on, rung, scores=(None, None, None)):
        m = Measurement.objects.create(
            person=self.persons[name],
            programme=self.programme,
            measured_on=measured_on,
            by=self.case_manager,
            rung=rung if isinstance(rung, int) else None,
            rung_non_answer=rung if isinstance(rung, str) else "",
        )
        for code, value in _scores(scores).items():
            if value is not None:
                MeasurementScore.objects.create(
                    measurement=m,
                    domain=self.domains[code],
                    score=value if isinstance(value, int) else None,
                    non_answer=value if isinstance(value, str) else "",
                )

    def trajectory(self, name, opened_on):
        return Trajectory.objects.create(
            person=self.persons[name],
            programme=self.programme,
            case_manager=self.case_manager,
            opened_by=self.case_manager,
            opened_at=at(opened_on),
        )

    def referral(self, organisation, sent_on, *, answered_at=None, status="sent", closed_at=None, priority=True):
        person = self.persons["P1"]
        trajectory = Trajectory.objects.filter(person=person).first()
        consent = Consent.objects.create(
            person=person, purpose="share", organisation=organisation, given_by="person", given_on=D(2026, 1, 2)
        )
        return Referral.objects.create(
            trajectory=trajectory,
            person=person,
            programme=self.programme,
            organisation=organisation,
            domain=self.domains["gezondheid"],
            question="Graag contact.",
            priority=priority,
            consent=consent,
            status=status,
            sent_by=self.case_manager,
            sent_at=at(sent_on),
            answer_due_on=add_working_days(sent_on, 3) if priority else None,
            answered_at=answered_at,
            closed_at=closed_at,
        )


@pytest.fixture
def data(world):
    d = Data(world)
    NA, DECLINED = "not_applicable", "declined"
    h1, h2, h3, h4 = (d.household(n) for n in range(1, 5))
    d.conversation(
        h1,
        D(2026, 2, 2),
        [
            ("P1", D(1980, 5, 1), 2, (2, 3, 4)),
            ("P2", D(1975, 5, 1), 3, (3, 2, 4)),
            ("C1", D(2015, 5, 1), None, (None, None, 4)),
        ],
    )
    d.conversation(h1, D(2026, 7, 1), [("P1", None, 5, (4, 4, 4))])
    d.conversation(h2, D(2026, 3, 3), [("P3", D(1970, 5, 1), 4, (4, 4, 3)), ("P4", D(1990, 5, 1), 6, (5, 5, 5))])
    d.conversation(h3, D(2026, 3, 4), [("P5", D(1958, 5, 1), NA, (3, 3, 2)), ("P6", D(1985, 5, 1), 1, (2, None, None))])
    d.conversation(h4, D(2026, 4, 1), [("P7", D(2000, 5, 1), 1, (2, 2, 3)), ("P8", D(1995, 5, 1), 3, (3, 1, 4))])

    d.measurement("P1", D(2026, 4, 1), 3, (3, 3, 3))
    d.measurement("P1", D(2026, 6, 15), 4, (4, 3, 3))
    d.measurement("P2", D(2026, 5, 10), 3, (3, DECLINED, 5))
    d.measurement("P3", D(2026, 7, 15), 2, (3, 4, 3))
    d.measurement("P3", D(2027, 1, 5), 6, (5, 5, 5))
    d.measurement("P4", D(2026, 9, 1), 6, (5, 4, 5))
    d.measurement("P5", D(2026, 7, 10), NA, (4, 3, 2))
    d.measurement("P6", D(2026, 5, 1), 3, (5, None, None))
    d.measurement("P7", D(2026, 6, 30), DECLINED, (3, 2, 3))
    d.measurement("P8", D(2026, 10, 20), 5, (3, 2, 4))

    d.trajectory("P1", D(2026, 2, 10))
    d.trajectory("P1", D(2026, 3, 1))
    d.trajectory("P2", D(2026, 2, 20))
    d.trajectory("P3", D(2026, 4, 1))
    d.trajectory("P5", D(2025, 12, 12))
    d.trajectory("P6", D(2026, 3, 15))
    d.trajectory("P7", D(2026, 4, 2))

    d.referral(d.ggd, D(2026, 4, 22), answered_at=at(D(2026, 4, 28), 16), status="accepted")
    d.referral(d.ggd, D(2026, 4, 30), answered_at=at(D(2026, 5, 7)), status="declined", closed_at=at(D(2026, 5, 7)))
    d.referral(d.ggd, D(2026, 6, 1), answered_at=at(D(2026, 6, 2), 0, 30), status="accepted")
    d.referral(d.ggd, D(2026, 11, 2))
    d.referral(d.ggd, D(2026, 11, 2), status="withdrawn", closed_at=at(D(2026, 11, 6)))
    d.referral(d.ggd, D(2026, 11, 9))
    d.referral(d.ggd, D(2026, 5, 4), priority=False)
    d.referral(d.ggd, D(2025, 12, 15))
    d.referral(d.ggz, D(2026, 5, 13), answered_at=at(D(2026, 5, 15)), status="accepted")
    d.referral(d.ggz, D(2026, 9, 7), answered_at=at(D(2026, 9, 9)), status="accepted")
    return d


def test_the_hand_computed_due_dates_and_working_days_hold():
    # Koningsdag (Mon 27 Apr 2026) is skipped: due on Tuesday, and an answer that day is 3 working days.
    assert add_working_days(D(2026, 4, 22), 3) == D(2026, 4, 28)
    assert working_days_between(D(2026, 4, 22), D(2026, 4, 28)) == 3
    assert add_working_days(D(2026, 4, 30), 3) == D(2026, 5, 6)  # Bevrijdingsdag
    assert working_days_between(D(2026, 4, 30), D(2026, 5, 7)) == 4
    assert add_working_days(D(2026, 5, 13), 3) == D(2026, 5, 19)  # Hemelvaartsdag
    assert add_working_days(D(2026, 11, 2), 3) == D(2026, 11, 5)


def test_trajectory_uptake_as_computed_by_hand(data):
    result = kpis.trajectory_uptake(data.programme, PERIOD)
    assert (result.persons_visited, result.in_trajectory) == (9, 5)
    assert str(result.rate) == "55.6"
    assert result.target == 50
    # The persons visited are exactly those of `visits`.
    assert result.persons_visited == kpis.visits(data.programme, PERIOD).persons_visited


def test_a_trajectory_opened_after_the_period_does_not_count(data):
    spring = kpis.Period(start=D(2026, 1, 1), end=D(2026, 3, 31))
    # Visited by 31 March: P1 P2 C1 P3 P4 P5 P6 = 7; opened by then: P1, P2, P6 = 3.
    result = kpis.trajectory_uptake(data.programme, spring)
    assert (result.persons_visited, result.in_trajectory) == (7, 3)


def test_social_rise_as_computed_by_hand(data):
    result = kpis.social_rise(data.programme, PERIOD)
    assert result.followed == 7
    assert (result.rose, result.equal, result.declined) == (2, 1, 1)
    assert (result.at_top, result.not_applicable, result.no_rung) == (1, 1, 1)
    assert (str(result.rose_share), str(result.equal_share), str(result.declined_share)) == ("50.0", "25.0", "25.0")
    assert str(result.at_top_share) == str(result.not_applicable_share) == str(result.no_rung_share) == "14.3"
    domains = {d.code: d for d in result.domains}
    in_instrument_order = [d.code for d in Domain.objects.filter(version=current_instrument(), code__in=CODES)]
    assert [d.code for d in result.domains] == in_instrument_order
    wonen, financien, gezondheid = domains["wonen"], domains["financien"], domains["gezondheid"]
    assert (wonen.compared, wonen.improved, wonen.equal, wonen.worse) == (7, 3, 3, 1)
    assert wonen.mean_change == Decimal("0.4")
    assert (str(wonen.improved_share), str(wonen.equal_share), str(wonen.worse_share)) == ("42.9", "42.9", "14.3")
    assert (financien.compared, financien.improved, financien.equal, financien.worse) == (6, 1, 4, 1)
    assert financien.mean_change == Decimal("0.0")
    assert (str(financien.improved_share), str(financien.equal_share)) == ("16.7", "66.7")
    assert (gezondheid.compared, gezondheid.improved, gezondheid.equal, gezondheid.worse) == (7, 1, 5, 1)
    assert (str(gezondheid.equal_share), str(gezondheid.worse_share)) == ("71.4", "14.3")


def test_a_measurement_under_90_days_does_not_follow_a_person(data):
    # Until 30 June only P1 (15 Jun, 133 d), P2 (10 May, 97 d) and P7 (30 Jun, exactly 90 d) qualify.
    june = kpis.Period(start=D(2026, 1, 1), end=D(2026, 6, 30))
    result = kpis.social_rise(data.programme, june)
    assert result.followed == 3
    assert (result.rose, result.equal, result.no_rung) == (1, 1, 1)


def test_priority_handling_per_partner_as_computed_by_hand(data):
    ggd, ggz = kpis.priority_handling(data.programme, PERIOD, today=TODAY)
    assert (ggd.organisation, ggz.organisation) == (data.ggd.name, data.ggz.name)
    assert (ggd.sent, ggd.answered, ggd.within, ggd.missed, ggd.overdue_now) == (6, 3, 2, 3, 1)
    assert ggd.median_working_days == Decimal("3.0")
    assert str(ggd.within_share) == "40.0"
    assert (ggz.sent, ggz.answered, ggz.within, ggz.missed, ggz.overdue_now) == (2, 2, 2, 0, 0)
    assert ggz.median_working_days == Decimal("1.5")
    assert str(ggz.within_share) == "100.0"


def test_overdue_now_depends_on_today(data):
    ggd, _ = kpis.priority_handling(data.programme, PERIOD, today=D(2026, 11, 13))
    assert ggd.overdue_now == 2  # R6 (due 12 Nov) is overdue as well now
    assert (ggd.within, ggd.missed) == (2, 4)


def _home(client, user, programme):
    client.force_login(user)
    response = client.get(f"/p/{programme.slug}/")
    assert response.status_code == 200
    return response


def test_the_programme_home_shows_the_new_figures_and_suppresses_them_for_the_manager(data, world, client):
    for role in ("fieldworker", "manager"):
        Membership.objects.create(user=world.user(role), programme=data.programme, role=role)
    # The programme ended on 10 November 2026, so the page's period is PERIOD whatever today is.
    response = _home(client, world.user("fieldworker"), data.programme)
    cells = response.context["cells"]
    assert cells["in_trajectory"].value == 5 and str(response.context["uptake_rate"]) == "55.6"
    rise = response.context["rise_rows"]
    assert [(r["cell"].value, r["share"] and str(r["share"])) for r in rise] == [
        (2, "50.0"),
        (1, "25.0"),
        (1, "25.0"),
        (1, "14.3"),
        (1, "14.3"),
        (1, "14.3"),
    ]
    # Referrals to mental-health care are a special category: not for the project worker's figures.
    partners = response.context["partner_rows"]
    assert [(p["organisation"], p["answered"].value, str(p["median"])) for p in partners] == [
        (data.ggd.name, 3, "3.0"),
    ]
    content = response.content.decode()
    assert "Social rise" in content or "Sociale stijging" in content
    assert data.ggz.name not in content

    response = _home(client, world.user("manager"), data.programme)
    cells = response.context["cells"]
    assert cells["in_trajectory"].value == 5  # 5 is not under 5: shown
    assert str(response.context["uptake_rate"]) == "55.6"
    assert all(r["cell"].value is None and r["share"] is None for r in response.context["rise_rows"])
    # Persons followed 7 = compared 4 + 1 + 1 + 1: with every part hidden, 7 stays shown.
    assert cells["followed"].value == 7
    wonen = response.context["domain_rows"][0]
    assert wonen["compared"].value == 7 and str(wonen["mean_change"]) == "0.4"
    assert wonen["improved_share"] is None and wonen["worse_share"] is None  # 3 and 1 are under 5
    # The manager sees the GGZ row too (the whole programme), under the special threshold of 10.
    ggd, ggz = response.context["partner_rows"]
    assert ggz["special"] and ggz["sent"].threshold == 10
    for p in (ggd, ggz):
        assert p["answered"].value is None and p["median"] is None and p["within_share"] is None
        assert p["overdue_now"].value is None
    assert "&lt; 5" in response.content.decode() and "&lt; 10" in response.content.decode()


def test_the_new_figures_run_a_constant_number_of_queries(data, world, client):
    """Five persons followed more, each with a trajectory and a referral: the same queries."""
    Membership.objects.create(user=world.user("fieldworker"), programme=data.programme, role="fieldworker")
    client.force_login(world.user("fieldworker"))
    url = f"/p/{data.programme.slug}/"

    def count():
        cache.clear()  # the households per area of the area filter are kept ten minutes
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    # AUTH (3) + the programme home's 10 (tests/outreach/test_views.py) + social rise with persons
    # followed: measurements, baseline scores, measurement scores, domain names + the area filter:
    # households per area (kept ten minutes), the areas; and the charts over time, whatever the
    # number of months (kpis.monthly_series): residences, first conversations, first interviews,
    # first trajectories, baselines, measurements, referrals; referrals without priority (1) and
    # revisits (1).
    assert before <= 3 + 10 + 4 + 2 + 7 + 2, before
    household = data.household(50)
    for i in range(5):
        name = f"Extra{i}"
        data.conversation(household, D(2026, 2, 2), [(name, D(1980, 1, 1), 2, (2, 2, 2))])
        data.measurement(name, D(2026, 8, 1), 3, (3, 3, 3))
        data.trajectory(name, D(2026, 2, 3))
        data.referral(data.ggz if i % 2 else data.ggd, D(2026, 3, 2), answered_at=at(D(2026, 3, 3)), status="accepted")
    assert count() == before


def test_a_declined_ladder_at_the_latest_measurement_keeps_the_latest_recorded_rung(data):
    """P7 (baseline rung 1 on 1 April) declined the ladder at 30 June (90 days): no rung. A later
    measurement on 1 October also declines it — and an earlier one on 15 July records rung 2: that is
    P7's latest recorded rung, so P7 rose (2 − 1). The domain scores are the latest measurement's."""
    data.measurement("P7", D(2026, 7, 15), 2, (3, 2, 3))
    data.measurement("P7", D(2026, 10, 1), "declined", (4, 2, 3))
    result = kpis.social_rise(data.programme, PERIOD)
    assert (result.rose, result.equal, result.declined, result.no_rung) == (3, 1, 1, 0)
    assert result.followed == 7 and result.compared == 5


def test_a_moment_counts_on_its_local_day_at_either_end_of_a_period(data):
    """kpis.on_local_days is the period's days in local time (Europe/Amsterdam), written as a range of
    the timestamp: the same rows as the `__date` lookups it replaced. Just after local midnight is a
    UTC date a day earlier, so a range drawn in UTC would take or drop these rows."""
    spring = kpis.Period(start=D(2026, 2, 10), end=D(2026, 4, 22))
    moments = {
        "before the first day": datetime.datetime(2026, 2, 9, 23, 59, tzinfo=AMS),
        "the first day, 00:30 (UTC: the day before)": datetime.datetime(2026, 2, 10, 0, 30, tzinfo=AMS),
        "the last day, 23:59": datetime.datetime(2026, 4, 22, 23, 59, tzinfo=AMS),
        "the day after, 00:30 (UTC: the last day)": datetime.datetime(2026, 4, 23, 0, 30, tzinfo=AMS),
    }
    ids = {
        label: Trajectory.objects.create(
            person=data.persons["P8"],
            programme=data.programme,
            case_manager=data.case_manager,
            opened_by=data.case_manager,
            opened_at=moment,
        ).pk
        for label, moment in moments.items()
    }
    p8 = Trajectory.objects.filter(person=data.persons["P8"])
    counted = set(p8.filter(kpis.on_local_days("opened_at", spring)).values_list("pk", flat=True))
    assert counted == {ids["the first day, 00:30 (UTC: the day before)"], ids["the last day, 23:59"]}
    by_date = p8.filter(opened_at__date__gte=spring.start, opened_at__date__lte=spring.end)
    assert counted == set(by_date.values_list("pk", flat=True))
    # And through a figure. Visited in spring: P3 P4 (3 March), P5 P6 (4 March), P7 P8 (1 April); with
    # a trajectory opened in it: P3 (1 April), P6 (15 March), P7 (2 April) and now P8. Visited from 1
    # to 21 April: P7 and P8; P8's trajectory of the 22nd at 23:59 is the day after.
    assert kpis.trajectory_uptake(data.programme, spring).in_trajectory == 4
    assert kpis.trajectory_uptake(data.programme, kpis.Period(D(2026, 4, 1), D(2026, 4, 21))).in_trajectory == 1


def test_the_programme_figures_fetch_the_rows_the_series_shares_with_rise_and_handling_once(data):
    """monitoring.figures.programme_figures computes its parts within kpis.rows_shared: the monthly
    series is counted from the very rows of social rise (two queries) and priority handling (one),
    so together they cost three queries fewer than each alone, and give the same figures."""
    from stijging.monitoring import figures

    alone, queries_alone = {}, 0
    for name, compute in figures.PROGRAMME_PARTS.items():
        with CaptureQueriesContext(connection) as queries:
            alone[name] = compute(data.programme, PERIOD, None)
        queries_alone += len(queries)
    with CaptureQueriesContext(connection) as queries:
        together = figures.programme_figures(data.programme, PERIOD)
    assert len(queries) == queries_alone - 3
    assert {name: getattr(together, name) for name in figures.PROGRAMME_PARTS} == alone
    # Outside the block nothing is kept: a new measurement counts at once.
    followed = kpis.social_rise(data.programme, PERIOD).followed
    data.measurement("P2", D(2026, 9, 1), 5)
    assert kpis.social_rise(data.programme, PERIOD).followed == followed
    data.measurement("P6", D(2026, 9, 1), 5)  # P6: baseline 4 March, first measurement on 1 May (< 90 days)
    assert kpis.social_rise(data.programme, PERIOD).followed == followed + 1
