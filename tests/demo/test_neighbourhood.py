"""The demo's neighbourhood track (stijging.demo.neighbourhood), as `stijging demo` loads it: the weekly
children's group as one series, single activities across the streets, participants and volunteers
(some linked, regular, in a help trajectory), and two waves with door responses."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from stijging.cohesion.models import Activity, ActivitySeries, Participant, VolunteerHours, Wave, WaveResponse
from stijging.conversations.models import Conversation
from stijging.demo.neighbourhood import THRESHOLD, _conversation_respondents
from stijging.demo.seed import seed_demo
from stijging.instruments.services import current_instrument
from stijging.registry.models import Programme, Street
from stijging.trajectories.models import Trajectory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield Programme.objects.get(slug="de-ruit")
        transaction.set_rollback(True)


def test_the_childrens_group_is_one_weekly_series_over_the_last_year(demo):
    today = timezone.localdate()
    series = ActivitySeries.objects.get(programme=demo)
    assert series.kind.code == "children_cleaning_group" and series.every_weeks == 1
    dates = list(series.activities.order_by("date").values_list("date", flat=True))
    assert dates[0] == series.first_date and dates[-1] == series.last_date <= today
    assert (today - series.first_date).days <= 365 and len(dates) >= 50
    assert all((b - a).days == 7 for a, b in zip(dates, dates[1:], strict=False))
    streets = {frozenset(a.streets.values_list("pk", flat=True)) for a in series.activities.all()}
    assert len(streets) == 1 and len(next(iter(streets))) >= 2  # every week the series' streets
    assert series.activities.filter(participants__is_child=True).distinct().count() >= len(dates) // 2


def test_single_activities_of_the_other_kinds_across_the_streets(demo):
    today = timezone.localdate()
    singles = Activity.objects.filter(programme=demo, series__isnull=True)
    assert 12 <= singles.count() <= 20
    assert set(singles.values_list("kind__code", flat=True)) >= {
        "garden_cleanup", "alley_cleanup", "street_play_day", "neighbours_meeting"
    }  # fmt: skip
    assert not singles.filter(Q(date__gt=today) | Q(date__lt=today - datetime.timedelta(days=366))).exists()
    assert singles.values("streets").distinct().count() >= 8
    # The head count covers everyone named; play days draw a crowd.
    for activity in Activity.objects.filter(programme=demo).annotate(named=Count("participants")):
        assert activity.participant_count >= activity.named
        assert activity.streets.exists()
    assert min(singles.filter(kind__code="street_play_day").values_list("participant_count", flat=True)) >= 40


def test_participants_children_with_a_parents_consent_and_volunteers_with_hours(demo):
    participants = Participant.objects.filter(programme=demo)
    assert 35 <= participants.count() <= 45
    children = participants.filter(is_child=True)
    assert children.count() >= 5
    assert not children.exclude(consent_given_by="parent").exists()
    assert not children.filter(parent_name="").exists()
    assert not children.filter(person__isnull=False).exists()
    volunteers = participants.filter(volunteer=True)
    assert 10 <= volunteers.count() <= 14
    assert not volunteers.annotate(n=Count("hours")).filter(n=0).exists()
    assert not VolunteerHours.objects.filter(participant__volunteer=False).exists()
    assert not VolunteerHours.objects.filter(date__gt=timezone.localdate()).exists()
    assert Activity.participants.through.objects.filter(activity__programme=demo).count() >= 200


def test_linked_volunteers_in_a_trajectory_are_regular_so_the_case_manager_sees_it(demo):
    today = timezone.localdate()
    linked = Participant.objects.filter(programme=demo, person__isnull=False).select_related("person")
    assert linked.count() >= 3
    assert not linked.filter(link_consent_on__isnull=True).exists()
    regular = []
    for participant in linked:
        person = participant.person
        assert person is not None
        assert person.age_on(today) >= 18
        assert participant.name == person.full_name
        assert person.trajectories.filter(
            programme=demo, status__in=["open", "active"], case_manager__email="casemanager@demo.stijging.nl"
        ).exists()
        windows = [
            participant.hours.filter(
                date__gt=today - datetime.timedelta(days=30 * (k + 1)),
                date__lte=today - datetime.timedelta(days=30 * k),
            ).exists()
            for k in range(3)
        ]
        # Also when "before today" leaves today out: a week is never skipped in the last months.
        earlier = participant.hours.filter(
            date__gte=today - datetime.timedelta(days=90), date__lt=today - datetime.timedelta(days=60)
        )
        if all(windows) and earlier.exists():
            regular.append((participant, person))
    assert len(regular) >= 2
    assert all(participant.volunteer for participant, _person in regular)
    # And so the case manager sees the hint on their trajectories (they are below rung 4).
    from stijging.trajectories.selectors import volunteering_hint

    hinted = [
        participant
        for participant, person in regular
        if any(
            volunteering_hint(t, today) for t in Trajectory.objects.filter(person=person, status__in=["open", "active"])
        )
    ]
    assert len(hinted) >= 2


def test_two_waves_the_baseline_of_the_conversations_and_a_second_at_the_door(demo):
    waves = list(Wave.objects.filter(programme=demo).order_by("starts_on"))
    assert [w.name for w in waves] == ["Nulmeting (huiskamergesprekken)", "Tweede meting"]
    one, two = waves
    assert one.ends_on < two.starts_on  # waves do not overlap
    first_held = Conversation.objects.filter(household__residences__address__area__programme=demo).aggregate(
        first=Min("held_on")
    )["first"]
    assert one.starts_on == first_held
    assert two.ends_on < timezone.localdate()
    assert not WaveResponse.objects.filter(wave=one).exists()
    responses = WaveResponse.objects.filter(wave=two)
    assert responses.count() >= 40
    assert not responses.filter(Q(answered_on__lt=two.starts_on) | Q(answered_on__gt=two.ends_on)).exists()
    instrument = current_instrument()
    statements = set(instrument.cohesion_statements.values_list("pk", flat=True))
    answered: Counter[int] = Counter()
    with_non_answer = 0
    for response in responses.prefetch_related("answers"):
        answers = list(response.answers.all())
        assert response.instrument_version == instrument.number
        assert {a.statement_id for a in answers} == statements and len(answers) == 6
        values = sum(a.value is not None for a in answers)
        answered[values] += 1
        with_non_answer += values < 6
    assert answered[3] >= 2  # broken off after three: no index
    assert with_non_answer > answered[3]  # and some declined one statement


def test_most_streets_reach_the_threshold_in_wave_two_and_one_or_two_do_not(demo):
    two = Wave.objects.get(programme=demo, name="Tweede meting")
    # Conversations and door answers together, by the one definition (monitoring.kpis).
    respondents = _conversation_respondents(two)
    streets = Street.objects.filter(addresses__area__programme=demo).distinct().values_list("pk", flat=True)
    below = [pk for pk in streets if respondents[pk] < THRESHOLD]
    assert 1 <= len(below) <= 2
    assert len(streets) - len(below) >= 8
