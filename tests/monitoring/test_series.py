"""Over time (issue 14 item 3): the targets' figures month by month and the cohesion index wave by
wave, against values computed by hand on the fixed data sets of docs/kpis.md's worked examples
(test_kpis.py, test_kpis_trajectories.py, cohesion_fixtures.py). A month's point is the figure from
the period's start up to the month's end; the last point is the period's figure."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from stijging.monitoring import kpis, over_time
from stijging.monitoring.charts import Chart, Series
from stijging.privacy.disclosure import Disclosed, State

from . import cohesion_fixtures as cf
from .test_kpis import PERIOD as KPI_PERIOD
from .test_kpis import programme  # noqa: F401  # the fixture of the worked example
from .test_kpis_trajectories import PERIOD, TODAY, data  # noqa: F401  # the fixture of the worked example

D = datetime.date


def column(points, name):
    return [point.compared if name == "compared" else getattr(point, name) for point in points]


def test_the_months_of_a_period_end_on_their_last_day_and_the_last_on_the_periods_end():
    ends = kpis.month_ends(kpis.Period(D(2026, 11, 15), D(2027, 2, 3)))
    assert ends == [
        (D(2026, 11, 1), D(2026, 11, 30)),
        (D(2026, 12, 1), D(2026, 12, 31)),
        (D(2027, 1, 1), D(2027, 1, 31)),
        (D(2027, 2, 1), D(2027, 2, 3)),
    ]


def test_households_reached_and_persons_visited_month_by_month_as_computed_by_hand(programme):  # noqa: F811
    points = kpis.monthly_series(programme, KPI_PERIOD)
    # March … 1 November 2026.
    assert [p.month for p in points] == [D(2026, m, 1) for m in range(3, 12)]
    assert points[-1].end == D(2026, 11, 1)
    # In scope at each month's end: H1 H2 H3 H4 H5; H6 from 2 May; H4 gone on 1 June.
    assert column(points, "in_scope") == [5, 5, 6, 5, 5, 5, 5, 5, 5]
    # Reached: H1 (10 Apr); H4 (1 May) while it lived there; H5 (1 Sep). H6's 15 Feb is before.
    assert column(points, "reached") == [0, 1, 2, 1, 1, 1, 2, 2, 2]
    # Visited: H1's four on 10 Apr, H4's one on 1 May (still counts after the move), H5's two.
    assert column(points, "visited") == [0, 4, 5, 5, 5, 5, 7, 7, 7]
    # The last point is the period's figure (one definition).
    last, whole = points[-1], kpis.participation(programme, KPI_PERIOD)
    assert (last.in_scope, last.reached) == (whole.in_scope, whole.reached)


def test_uptake_rise_and_priority_handling_month_by_month_as_computed_by_hand(data):  # noqa: F811
    points = kpis.monthly_series(data.programme, PERIOD, today=TODAY)
    assert len(points) == 11  # January … 10 November
    # Visited: h1 2 Feb (P1 P2 C1), h2 3 Mar (P3 P4), h3 4 Mar (P5 P6), h4 1 Apr (P7 P8).
    assert column(points, "visited") == [0, 3, 7, 9, 9, 9, 9, 9, 9, 9, 9]
    # Opened: P1 10 Feb, P2 20 Feb, P6 15 Mar, P3 1 Apr, P7 2 Apr (P5's 12 Dec 2025 is before).
    assert column(points, "in_trajectory") == [0, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5]
    # Followed from: P2 10 May (97 d), P1 15 Jun, P7 30 Jun (exactly 90 d, no rung), P3 and P5 July,
    # P4 1 Sep (rung 6), P8 20 Oct. Rose: P1 (June), P8 (October); equal P2; declined P3 (July).
    assert column(points, "followed") == [0, 0, 0, 0, 1, 3, 5, 5, 6, 7, 7]
    assert column(points, "rose") == [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert column(points, "compared") == [0, 0, 0, 0, 1, 2, 3, 3, 3, 4, 4]
    # GGD only (GGZ is a special category): R1 within and R2 late (April), R3 within (June), R4
    # open past its due date and R5 withdrawn after it (November); R6 not yet due.
    assert column(points, "decided") == [0, 0, 0, 2, 2, 3, 3, 3, 3, 3, 5]
    assert column(points, "within") == [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2]
    rise = kpis.social_rise(data.programme, PERIOD)
    assert (points[-1].rose, points[-1].compared, points[-1].followed) == (rise.rose, rise.compared, rise.followed)


@pytest.fixture
def cw(db) -> cf.CohesionWorld:
    return cf.cohesion_world()


def test_the_cohesion_index_per_wave_per_area_as_computed_by_hand(cw):
    per_wave = kpis.cohesion_per_wave([cw.w1, cw.w2], [cw.area_a.pk, cw.area_b.pk])
    shown = [
        (w.areas[cw.area_a.pk].respondents, str(w.areas[cw.area_a.pk].index), w.areas[cw.area_b.pk].respondents)
        for w in per_wave
    ]
    # Area A: 175/3 over 10 = 5.8; 47.5 over 8 = 5.9. Area B: Dahliastraat's 2 in wave 1, nobody in wave 2.
    assert shown == [(10, "5.8", 2), (8, "5.9", 0)]
    assert [(w.programme.respondents, str(w.programme.index)) for w in per_wave] == [(12, "6.1"), (8, "5.9")]


def test_the_cohesion_chart_leaves_a_gap_where_a_count_is_withheld(cw):
    per_wave = kpis.cohesion_per_wave([cw.w1, cw.w2], [cw.area_a.pk, cw.area_b.pk])
    chart = over_time.cohesion_chart(per_wave, [cw.area_a, cw.area_b], None)
    a, b, whole = chart.series
    # Wave 1: B's 2 respondents "< 5" (a gap); A's 10 and the programme's 12 shown — B could be 0,
    # 1 or 2 beside the areas too small to be offered. Wave 2: B has nobody (0, "< 5"); then A's 8
    # would equal the programme's 8 and give B's 0 away, so A is hidden (a part before the total).
    assert a.values == (Decimal("5.8"), None)
    assert b.values == (None, None)
    assert whole.values == (Decimal("6.1"), Decimal("5.9"))
    states = [
        [cell.state for cell in row[1:] if not isinstance(cell, (Decimal, type(None)))] for row in chart.table_rows
    ]
    assert states == [
        [State.SHOWN, State.SMALL, State.SHOWN],
        [State.HIDDEN, State.SMALL, State.SHOWN],
    ]
    # The one area chosen: its line alone, no programme line beside it.
    only_a = over_time.cohesion_chart(per_wave, [cw.area_a, cw.area_b], cw.area_a)
    assert [s.label for s in only_a.series] == [cw.area_a.name]


def test_a_withheld_point_is_a_gap_in_the_line_and_marked_on_the_axis():
    chart = Chart(
        key="t",
        title="t",
        description="d",
        x_labels=("a", "b", "c", "d"),
        series=(Series("s", (Decimal(10), None, Decimal(50), Decimal(100))),),
        target=Decimal(70),
    )
    g = chart.geometry
    (line,) = g["lines"]
    assert len(line["paths"]) == 1  # c–d; a stands alone (a marker, no line to b)
    assert len(line["points"]) == 3
    assert line["gaps"] == [round(g["left"] + (g["right"] - g["left"]) / 3, 1)]
    # 0–100: 100% at the top of the plot, 70% at 30% of its height from the top.
    assert line["points"][-1][1] == g["top"]
    assert g["target_y"] == round(g["top"] + (g["bottom"] - g["top"]) * 0.3, 1)


def _point_by_its_own_period(programme_, period, end, today, area_id=None) -> dict:
    upto = kpis.Period(period.start, end)
    p = kpis.participation(programme_, upto, area_id)
    u = kpis.trajectory_uptake(programme_, upto, area_id)
    r = kpis.social_rise(programme_, upto, area_id)
    handling = [h for h in kpis.priority_handling(programme_, upto, area_id, today=today) if not h.special]
    return {
        "in_scope": p.in_scope,
        "reached": p.reached,
        "visited": kpis.visits(programme_, upto, area_id).persons_visited,
        "in_trajectory": u.in_trajectory,
        "followed": r.followed,
        "rose": r.rose,
        "equal": r.equal,
        "declined": r.declined,
        "decided": sum(h.within + h.missed for h in handling),
        "within": sum(h.within for h in handling),
    }


# Marked, not only asking for its fixtures by name: pytest-django orders a test by its marks, and an
# unmarked one ran after the transactional tests had flushed the seeded instrument away.
@pytest.mark.django_db
@pytest.mark.parametrize("which", ["participation", "trajectories"])
def test_every_months_point_is_the_figure_of_its_own_period(which, request):
    """The series counts rows fetched once per month; each point must be what the figure's own
    function gives for the period from the start up to that month's end (one definition)."""
    if which == "participation":
        programme_, period, today = request.getfixturevalue("programme"), KPI_PERIOD, None
    else:
        programme_, period, today = request.getfixturevalue("data").programme, PERIOD, TODAY
    area_id = programme_.areas.get().pk
    for area in (None, area_id):
        points = kpis.monthly_series(programme_, period, area, today=today)
        for point in points:
            expected = _point_by_its_own_period(programme_, period, point.end, today, area)
            got = {name: getattr(point, name) for name in expected}
            assert got == expected, point.month


def test_the_chart_is_an_accessible_svg_whose_coordinates_are_not_localised():
    """In Dutch a float reads "62,6": inside an SVG attribute that breaks the drawing."""
    import re

    from django.template.loader import render_to_string
    from django.utils import translation

    chart = Chart(
        key="t",
        title="Bereikt",
        description="Uitleg",
        x_labels=("jan", "feb", "mrt"),
        series=(Series("s", (Decimal("10.5"), None, Decimal("62.6"))),),
        target=Decimal(70),
        table_columns=("Maand", "Bereikt (%)"),
        table_rows=(("jan", Decimal("10.5")), ("feb", None), ("mrt", Decimal("62.6"))),
    )
    with translation.override("nl"):
        html = render_to_string("monitoring/_chart.html", {"chart": chart})
    assert 'role="img"' in html and 'aria-labelledby="chart-t-title chart-t-desc"' in html
    assert '<title id="chart-t-title">Bereikt</title>' in html and '<desc id="chart-t-desc">Uitleg' in html
    for attribute in re.findall(r'(?:x1|x2|y1|y2|cx|cy|x|y)="([^"]*)"', html):
        assert "," not in attribute, attribute
    (points,) = re.findall(r'<polyline points="([^"]*)"', html) or [""]
    assert points == ""  # no two neighbouring points: no line, two markers
    assert html.count("<circle") == 2 and "×" in html  # the gap is marked on the axis
    assert "<details" in html and "10,5" in html  # the table is localised, behind a disclosure


# --- What was not counted yet (issue 14 item 5) ---------------------------------------------------


def test_referrals_without_priority_per_partner_as_computed_by_hand(data):  # noqa: F811
    from .test_kpis_trajectories import at

    # Beside the fixture's one without priority (GGD, Mon 4 May, unanswered): Mon 1 Jun answered Wed
    # 3 Jun (2 working days) and Fri 5 Jun answered Mon 8 Jun (1: the weekend does not count).
    data.referral(data.ggd, D(2026, 6, 1), answered_at=at(D(2026, 6, 3)), status="accepted", priority=False)
    data.referral(data.ggd, D(2026, 6, 5), answered_at=at(D(2026, 6, 8)), status="declined", priority=False)
    data.referral(data.ggd, D(2027, 1, 4), priority=False)  # after the period
    (ggd,) = kpis.referral_handling(data.programme, PERIOD, today=TODAY)
    assert (ggd.organisation, ggd.sent, ggd.answered) == (data.ggd.name, 3, 2)
    assert ggd.median_working_days == Decimal("1.5")  # median of 2 and 1
    # The priority ones are untouched by these.
    assert [h.sent for h in kpis.priority_handling(data.programme, PERIOD, today=TODAY)] == [6, 2]


def test_revisits_planned_held_and_linked_to_their_conversation_as_computed_by_hand(data):  # noqa: F811
    from django.utils import timezone

    from stijging.conversations.models import Conversation
    from stijging.outreach.models import Appointment

    asked = Conversation.objects.filter(household__name="H1").earliest("held_on")
    h1 = asked.household

    def appointment(day, status, *, kind="revisit", linked=False, why=None):
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        Appointment.objects.create(
            reason_category=why,
            household=h1,
            programme=data.programme,
            worker=data.worker,
            starts_at=starts,
            kind=kind,
            status=status,
            reason="vervolg" if kind == "revisit" else "",
            source_conversation_id=asked.pk if linked else None,
        )

    appointment(D(2026, 3, 10), "done", linked=True, why="help_question")  # held, asked for in the conversation
    appointment(D(2026, 4, 20), "planned", linked=True, why="help_question")  # not (yet) held
    appointment(D(2026, 5, 5), "cancelled")  # planned by hand (before the kinds of reason), cancelled
    appointment(D(2026, 12, 1), "done", linked=True, why="papers")  # after the period
    appointment(D(2026, 3, 1), "done", kind="visit")  # a first visit, not a revisit
    result = kpis.revisits(data.programme, PERIOD)
    assert (result.planned, result.held, result.cancelled, result.open) == (3, 1, 1, 1)
    assert (result.from_conversation, result.from_conversation_held) == (2, 1)
    # By kind of reason, every kind (zeros too) and "" for none recorded: help question 2 planned of
    # which 1 held; not recorded 1 (cancelled); papers' one is after the period.
    assert result.by_reason == (
        ("help_question", 2, 1),
        ("finish", 0, 0),
        ("papers", 0, 0),
        ("referral", 0, 0),
        ("other", 0, 0),
        ("", 1, 0),
    )
    assert kpis.revisits(data.programme, PERIOD, area_id=data.area.pk) == result


def test_the_programme_home_shows_revisits_and_referrals_without_priority_through_the_layer(data, world, client):  # noqa: F811
    from django.core.cache import cache

    from stijging.accounts.models import Membership

    from .test_kpis_trajectories import at

    data.referral(data.ggd, D(2026, 6, 1), answered_at=at(D(2026, 6, 3)), status="accepted", priority=False)
    for role in ("fieldworker", "manager"):
        Membership.objects.create(user=world.user(role), programme=data.programme, role=role)
    cache.clear()
    client.force_login(world.user("fieldworker"))
    home = client.get(f"/p/{data.programme.slug}/").context["home"]
    (ggd,) = home.ordinary_rows
    assert (ggd["sent"].value, ggd["answered"].value, str(ggd["median"])) == (2, 1, "2.0")
    assert home.revisits["planned"].value == 0
    client.force_login(world.user("manager"))
    response = client.get(f"/p/{data.programme.slug}/")
    home = response.context["home"]
    (ggd,) = home.ordinary_rows
    assert ggd["sent"].state == "small" and ggd["median"] is None  # 2 and 1: under 5, no median
    assert home.revisits["planned"].state == "small"
    # By kind of reason: every kind, each a count under 5 here (the fixture plans no revisit).
    assert len(home.revisit_reasons) == 6 and all(row["planned"].state == "small" for row in home.revisit_reasons)
    content = response.content.decode()
    assert "Revisits by kind of reason" in content
    assert 'id="ordinary-heading"' in content and 'id="revisits-heading"' in content
    assert content.count('role="img"') >= 5  # the charts over time


def test_rows_at_month_boundaries_and_local_midnight_count_in_their_own_month(data):  # noqa: F811
    """The series counts each row once, from the month it starts to count in: rows on a month's
    last or first day, at local midnight (Europe/Amsterdam, a UTC date a day earlier), a person's
    comparison changing more than once (and twice in one month), and a household moving out on a
    month's last day and back in later — each point still the figure of its own period."""
    from stijging.referrals.models import Referral
    from stijging.registry.models import HouseholdResidence

    from ..registry.factories import AddressFactory, HouseholdFactory, ResidenceFactory
    from .test_kpis_trajectories import AMS, at

    # P4 (visited 3 Mar) opens a trajectory 1 Jul 00:15 local time (30 Jun in UTC): July on.
    Trajectory = data.persons["P4"].trajectories.model
    Trajectory.objects.create(
        person=data.persons["P4"],
        programme=data.programme,
        case_manager=data.case_manager,
        opened_by=data.case_manager,
        opened_at=datetime.datetime(2026, 7, 1, 0, 15, tzinfo=AMS),
    )
    # Two GGD referrals answered within: sent Fri 31 Jul 23:30 (July) and Tue 1 Sep 00:30 local
    # time (31 Aug in UTC: September).
    for sent, answered in (
        (at(D(2026, 7, 31), 23, 30), at(D(2026, 8, 3))),
        (at(D(2026, 9, 1), 0, 30), at(D(2026, 9, 2))),
    ):
        referral = data.referral(data.ggd, sent.date(), answered_at=answered, status="accepted")
        Referral.objects.filter(pk=referral.pk).update(sent_at=sent)
    # P2 (baseline rung 3; equal on 10 May): rung 5 on 31 Jul (rose), declined the question on
    # 1 Aug (rung 5 still counts: rose), rung 1 on 1 Sep (declined). P8 (rung 3; rose on 20 Oct
    # with 5): rung 3 on 31 Oct — the month's last step, equal.
    data.measurement("P2", D(2026, 7, 31), 5)
    data.measurement("P2", D(2026, 8, 1), "declined")
    data.measurement("P2", D(2026, 9, 1), 1)
    data.measurement("P8", D(2026, 10, 31), 3)
    # H5: 31 May – 31 Jul at no. 5 (gone on 31 Jul), 1–30 Jun also at no. 6 (counted once), from
    # 15 Aug at no. 7; its first conversation on 31 Jul, when it lived in none: reached from August.
    h5 = HouseholdFactory(name="H5")
    for n, start, end in (
        (5, D(2026, 5, 31), D(2026, 7, 31)),
        (6, D(2026, 6, 1), D(2026, 6, 30)),
        (7, D(2026, 8, 15), None),
    ):
        address = AddressFactory(area=data.area, street=data.street, postcode="5931AC", huisnummer=n)
        ResidenceFactory(household=h5, address=address, start_date=start, end_date=end)
    assert HouseholdResidence.objects.filter(household=h5).count() == 3
    data.conversation(h5, D(2026, 7, 31), [])

    points = kpis.monthly_series(data.programme, PERIOD, today=TODAY)
    # January … 10 November.
    assert column(points, "in_scope") == [4, 4, 4, 4, 5, 5, 4, 5, 5, 5, 5]
    assert column(points, "reached") == [0, 1, 3, 4, 4, 4, 4, 5, 5, 5, 5]
    assert column(points, "in_trajectory") == [0, 2, 3, 5, 5, 5, 6, 6, 6, 6, 6]
    assert column(points, "decided") == [0, 0, 0, 2, 2, 3, 4, 4, 5, 5, 7]
    assert column(points, "within") == [0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 4]
    assert column(points, "rose") == [0, 0, 0, 0, 0, 1, 2, 2, 1, 1, 1]
    assert column(points, "equal") == [0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]
    assert column(points, "declined") == [0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2]
    assert column(points, "followed") == [0, 0, 0, 0, 1, 3, 5, 5, 6, 7, 7]
    for area in (None, data.area.pk):
        for point in kpis.monthly_series(data.programme, PERIOD, area, today=TODAY):
            expected = _point_by_its_own_period(data.programme, PERIOD, point.end, TODAY, area)
            assert {name: getattr(point, name) for name in expected} == expected, point.month


def _small_chart(cell: Disclosed, title="Bereikt") -> Chart:
    return Chart(
        key="t",
        title=title,
        description="Uitleg",
        x_labels=("jan", "feb"),
        series=(Series("s", (Decimal("10.5"), Decimal("20.5"))),),
        table_columns=("Maand", "Huishoudens"),
        table_rows=(("jan", cell), ("feb", Disclosed(40, State.SHOWN))),
    )


def test_a_drawn_chart_is_kept_by_its_fingerprint_and_never_shown_for_other_cells_or_another_language():
    """_chart.html keeps the drawn chart under charts.Chart.fingerprint. A reader who may see a small
    cell and one who may not get different fragments, whoever came first; so do the two languages."""
    from django.template.loader import render_to_string
    from django.utils import translation

    shown, hidden = _small_chart(Disclosed(3, State.SHOWN)), _small_chart(Disclosed(None, State.SMALL))
    assert shown.fingerprint != hidden.fingerprint
    assert shown.fingerprint == _small_chart(Disclosed(3, State.SHOWN)).fingerprint
    assert shown.fingerprint != _small_chart(Disclosed(3, State.SHOWN), title="Anders").fingerprint
    with translation.override("nl"):
        first = render_to_string("monitoring/_chart.html", {"chart": shown})
        after = render_to_string("monitoring/_chart.html", {"chart": hidden})
        again = render_to_string("monitoring/_chart.html", {"chart": _small_chart(Disclosed(3, State.SHOWN))})
    assert ">3<" in first.replace(" ", "") and ">3<" not in after.replace(" ", "")
    assert again == first  # the kept fragment
    with translation.override("en"):
        english = render_to_string("monitoring/_chart.html", {"chart": _small_chart(Disclosed(3, State.SHOWN))})
    assert "Table:" in english and "Table:" not in first and "Tabel" in first
    with translation.override("nl"):
        dutch = shown.fingerprint
    with translation.override("en"):
        assert shown.fingerprint != dutch
