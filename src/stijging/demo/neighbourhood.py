"""The demo's neighbourhood track (SPEC §2.6): a year of cohesion activities in De Ruit up to today
— the weekly children's street-cleaning group as one series, and single garden and back-alley
clean-ups, street play days, neighbours' meetings and a Burendag across the streets —, the residents
who take part and volunteer (children with a parent's consent; a few adults linked, with their
consent, to their registry record: they are in a help trajectory and volunteer every week, so their
case manager sees the volunteering hint), their hours, and the two waves of the cohesion survey: the
baseline of the living-room conversations and a second measurement at the door, thin enough in one or
two streets that the small-numbers rule shows.

Rows are made in bulk, straight into the tables, like progress.py: seeding is not a user's action.
Deterministic for a given seed and day.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from stijging.accounts.models import User
from stijging.cohesion.models import (
    Activity,
    ActivityKind,
    ActivitySeries,
    ConsentBy,
    Participant,
    VolunteerHours,
    Wave,
    WaveAnswer,
    WaveResponse,
)
from stijging.conversations.models import Conversation, Interview
from stijging.instruments.services import current_instrument
from stijging.registry.models import Address, HouseholdMembership, HouseholdResidence, Programme, Street
from stijging.trajectories.models import Measurement, Trajectory

from .catalogue import (
    FAMILY_NAMES,
    ODD_JOBS,
    SATURDAY_KINDS,
    SERIES_TITLE,
    SINGLE_ACTIVITIES,
    YEAR,
    on_weekday,
    person_name,
)

COORDINATOR_EMAIL = "coordinator@demo.stijging.nl"
SERIES_WEEKDAY = 2  # Wednesday afternoon: no school
SERIES_STREETS = 4
CHILDREN = 12
LINKED = 5  # adults in a help trajectory who agreed to the link: 3 weekly volunteers, 1 lapsed, 1 taking part
REGULAR_LINKED = 3  # below rung 4 (onbetaald werk): their case manager sees the volunteering hint
UNPAID_WORK_RUNG = 4
OTHER_ADULTS = 23  # with the children and the linked adults: 40 participants
OTHER_VOLUNTEERS = 8  # with the 4 linked volunteers: 12 volunteers
WAVE_TWO_DAYS = (55, 5)  # days before today: 1 October to 20 November when today is 25 November
THIN_STREETS = 2  # streets left below the small-numbers threshold in wave 2
THRESHOLD = 5  # SPEC §4: fewer respondents than this are not shown


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _phone(rng: random.Random) -> str:
    return f"+316{rng.randint(10_000_000, 99_999_999)}"


def _email(name: str) -> str:
    local = ".".join(part.lower() for part in name.split())
    ascii_local = local.encode("ascii", "ignore").decode()
    return f"{ascii_local}@example.org"


def _linked_candidates(programme: Programme, today: datetime.date) -> list[tuple]:
    """Adults (18+) of the programme in an open or active trajectory of the demo's first case
    manager (the one people log in as, so that they see the volunteering hint), living in it
    today: (person, street id)."""
    adult_born = datetime.date(today.year - 18, today.month, min(today.day, 28))  # no 29 February
    persons = (
        Trajectory.objects.filter(
            programme=programme,
            status__in=["open", "active"],
            case_manager_id__in=User.objects.filter(email="casemanager@demo.stijging.nl").values("pk"),
            person__anonymised_at__isnull=True,
            person__date_of_birth__lte=adult_born,
        )
        .values_list("person_id", flat=True)
        .distinct()
    )
    rows = (
        HouseholdMembership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today),
            person_id__in=persons,
            start_date__lte=today,
            household__residences__start_date__lte=today,
            household__residences__end_date__isnull=True,
            household__residences__address__area__programme=programme,
        )
        .select_related("person")
        .annotate(street_id=F("household__residences__address__street_id"))
        .order_by("person_id")
    )
    seen: set[int] = set()
    result = []
    for membership in rows:
        if membership.person_id not in seen:
            seen.add(membership.person_id)
            result.append((membership.person, membership.street_id))
    return result


def _last_rungs(person_ids: list[int]) -> dict[int, int | None]:
    """The last known rung per person: of the latest follow-up measurement, else of the latest interview."""
    rungs: dict[int, int | None] = {}
    interviews = Interview.objects.filter(person_id__in=person_ids, rung__isnull=False)
    for person_id, rung in interviews.order_by("conversation__held_on", "pk").values_list("person_id", "rung"):
        rungs[person_id] = rung
    measurements = Measurement.objects.filter(person_id__in=person_ids, rung__isnull=False)
    for person_id, rung in measurements.order_by("measured_on", "pk").values_list("person_id", "rung"):
        rungs[person_id] = rung
    return rungs


def _conversation_respondents(wave: Wave) -> Counter:
    """Per street: the wave's respondents so far (before any door answer is recorded, the
    conversations' ones), counted by the one definition of the cohesion index."""
    from stijging.monitoring.kpis import cohesion_respondents  # the figures' floor, imported when seeding

    return Counter(respondent.street_id for respondent in cohesion_respondents(wave))


def seed_neighbourhood(programme: Programme, *, rng: random.Random, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    coordinator = User.objects.get(email=COORDINATOR_EMAIL)
    kinds = {kind.code: kind for kind in ActivityKind.objects.all()}
    street_area = dict(
        Address.objects.filter(area__programme=programme).values_list("street_id", "area_id").distinct().order_by()
    )
    streets = list(Street.objects.filter(pk__in=street_area).order_by("pk"))
    if not streets:
        return {}
    year_ago = today - datetime.timedelta(days=YEAR)

    # --- The weekly children's street-cleaning group: one series, an activity per week ------------
    series_streets = rng.sample(streets, min(SERIES_STREETS, len(streets)))
    first = year_ago + datetime.timedelta(days=(SERIES_WEEKDAY - year_ago.weekday()) % 7)
    dates = []
    day = first
    while day <= today:
        dates.append(day)
        day += datetime.timedelta(weeks=1)
    series = ActivitySeries.objects.create(
        programme=programme,
        kind=kinds["children_cleaning_group"],
        title=SERIES_TITLE,
        first_date=first,
        last_date=dates[-1],
        every_weeks=1,
        created_by=coordinator,
        created_at=_aware(first - datetime.timedelta(days=10), 10),
    )
    organiser = "buurtcoördinator met vrijwilligers"
    activities: list[Activity] = [
        Activity(
            programme=programme,
            kind=series.kind,
            series=series,
            title=SERIES_TITLE,
            date=date,
            organiser=organiser,
            created_by=coordinator,
            created_at=_aware(first - datetime.timedelta(days=10), 10),
        )
        for date in dates
    ]
    activity_streets: list[tuple[Activity, Street]] = [(a, s) for a in activities for s in series_streets]
    for days_ago, code, title, who, (low, high), street_count in SINGLE_ACTIVITIES:
        day = today - datetime.timedelta(days=days_ago)
        day = on_weekday(day, 5, today) if code in SATURDAY_KINDS else on_weekday(day, 3, today)
        chosen = rng.sample(streets, min(street_count, len(streets)))
        activity = Activity(
            programme=programme,
            kind=kinds[code],
            title=title.format(street=chosen[0].name),
            date=day,
            organiser=who,
            participant_count=rng.randint(low, high),
            created_by=coordinator,
            created_at=_aware(day + datetime.timedelta(days=1), 9),
        )
        activities.append(activity)
        activity_streets.extend((activity, street) for street in chosen)
    Activity.objects.bulk_create(activities)
    series_activities = activities[: len(dates)]
    singles = activities[len(dates) :]

    # --- The participants: children (a parent's consent), linked adults, other adults --------------
    participants: list[Participant] = []
    children: list[tuple[Participant, int]] = []  # with the index of the first week they came
    for _n in range(CHILDREN):
        family = rng.choice(FAMILY_NAMES)
        joined = 0 if rng.random() < 0.5 else rng.randint(1, max(1, len(dates) - 8))
        consent_on = dates[joined] - datetime.timedelta(days=rng.randint(1, 6))
        child = Participant(
            programme=programme,
            name=person_name(rng, family=family),
            street=rng.choice(series_streets),
            is_child=True,
            consent_given_on=consent_on,
            consent_given_by=ConsentBy.PARENT,
            parent_name=person_name(rng, family=family),
            phone=_phone(rng),
            created_by=coordinator,
            created_at=_aware(consent_on, 16),
        )
        participants.append(child)
        children.append((child, joined))
    candidates = _linked_candidates(programme, today)
    rungs = _last_rungs([person.pk for person, _street in candidates])
    below_four = [c for c in candidates if (rungs.get(c[0].pk) or 0) < UNPAID_WORK_RUNG]
    linked = rng.sample(below_four, min(REGULAR_LINKED, len(below_four)))
    regular = len(linked)
    rest = [c for c in candidates if c not in linked]
    linked += rng.sample(rest, min(LINKED - regular, len(rest)))
    # The regular ones started well before the last three 30-day windows: each of those has their hours.
    linked_volunteers: list[tuple[Participant, int, int]] = []  # participant, first week, last week
    latest_start = max(0, len(dates) - 20)
    for n, (person, street_id) in enumerate(linked):
        volunteer = n <= regular  # the regular ones and one who stopped; the last only takes part
        start = rng.randint(0, latest_start if n < regular else max(0, len(dates) - 34))
        consent_on = dates[start] - datetime.timedelta(days=rng.randint(2, 10))
        participant = Participant(
            programme=programme,
            name=person.full_name,
            phone=person.phone,
            street_id=street_id,
            consent_given_on=consent_on,
            consent_given_by=ConsentBy.SELF,
            volunteer=volunteer,
            person=person,
            link_consent_on=consent_on + datetime.timedelta(days=rng.randint(0, 14)),
            note="Stemde in met de koppeling aan de registratie, zodat de casemanager het vrijwilligerswerk ziet.",
            created_by=coordinator,
            created_at=_aware(consent_on, 11),
        )
        participants.append(participant)
        if volunteer:
            # The regular ones go on to this day; the next one stopped some months ago.
            last = len(dates) - 1 if n < regular else max(start, len(dates) - 1 - rng.randint(18, 26))
            linked_volunteers.append((participant, start, last))
    adults: list[Participant] = []
    for n in range(OTHER_ADULTS):
        consent_on = year_ago + datetime.timedelta(days=rng.randint(0, YEAR - 20))
        name = person_name(rng)
        adult = Participant(
            programme=programme,
            name=name,
            phone=_phone(rng) if rng.random() < 0.85 else "",
            email=_email(name) if rng.random() < 0.4 else "",
            street=rng.choice(streets),
            consent_given_on=consent_on,
            consent_given_by=ConsentBy.SELF,
            volunteer=n < OTHER_VOLUNTEERS,
            created_by=coordinator,
            created_at=_aware(consent_on, 14),
        )
        adults.append(adult)
    participants.extend(adults)
    Participant.objects.bulk_create(participants)

    # --- Who came (by name) and the volunteers' hours -----------------------------------------------
    attended: dict[int, set[int]] = {}  # activity index -> participant ids

    def came(index: int, participant: Participant) -> None:
        attended.setdefault(index, set()).add(participant.pk)

    hours: list[VolunteerHours] = []
    recent = today - datetime.timedelta(days=100)
    for participant, start, last in linked_volunteers:
        for week in range(start, last + 1):
            date = dates[week]
            if date < recent and rng.random() < 0.1:
                continue  # a week off now and then, never in the last three months
            came(week, participant)
            hours.append(
                VolunteerHours(
                    participant=participant,
                    date=date,
                    hours=Decimal("2.0"),
                    activity=series_activities[week],
                    what="Begeleiding kinderschoonmaakploeg",
                    recorded_by=coordinator,
                    recorded_at=_aware(date, 18),
                )
            )
    for child, joined in children:
        for week in range(joined, len(dates)):
            if rng.random() < 0.7:
                came(week, child)
    volunteers = adults[:OTHER_VOLUNTEERS]
    for n, helper in enumerate(volunteers):
        # Two help the children's group every other week; all help at some single activities.
        if n < 2:
            for week in range(n, len(dates), 2):
                if dates[week] >= helper.consent_given_on and rng.random() < 0.8:
                    came(week, helper)
                    hours.append(
                        VolunteerHours(
                            participant=helper,
                            date=dates[week],
                            hours=Decimal("1.5"),
                            activity=series_activities[week],
                            what="Begeleiding kinderschoonmaakploeg",
                            recorded_by=coordinator,
                            recorded_at=_aware(dates[week], 18),
                        )
                    )
        later = [i for i, a in enumerate(singles) if a.date >= helper.consent_given_on]
        for i in rng.sample(later, min(len(later), rng.randint(2, 5))):
            attended.setdefault(len(dates) + i, set()).add(helper.pk)
            hours.append(
                VolunteerHours(
                    participant=helper,
                    date=singles[i].date,
                    hours=Decimal(rng.choice(["2.0", "2.5", "3.0", "4.0"])),
                    activity=singles[i],
                    what="Opbouw, begeleiding en opruimen",
                    recorded_by=coordinator,
                    recorded_at=_aware(singles[i].date, 20),
                )
            )
        for _job in range(rng.randint(1, 4)):
            date = max(helper.consent_given_on, today - datetime.timedelta(days=rng.randint(1, YEAR)))
            hours.append(
                VolunteerHours(
                    participant=helper,
                    date=date,
                    hours=Decimal(rng.choice(["0.5", "1.0", "1.5", "2.0"])),
                    what=rng.choice(ODD_JOBS),
                    recorded_by=coordinator,
                    recorded_at=_aware(date, 20),
                )
            )
    VolunteerHours.objects.bulk_create(hours)
    # The other adults (and the linked one who takes part) come to activities in or near their street.
    streets_of: dict[int, set[int]] = {}
    for activity, street in activity_streets:
        streets_of.setdefault(id(activity), set()).add(street.pk)
    takers = [p for p in participants if not p.is_child and not p.volunteer]
    for i, activity in enumerate(singles):
        for person in takers:
            if person.consent_given_on > activity.date:
                continue
            near = person.street_id in streets_of[id(activity)]
            if rng.random() < (0.5 if near else 0.08):
                attended.setdefault(len(dates) + i, set()).add(person.pk)
        if activity.kind.code == "street_play_day":
            for child, joined in children:
                if dates[joined] <= activity.date and rng.random() < 0.6:
                    attended.setdefault(len(dates) + i, set()).add(child.pk)
    # The head count covers the named ones (children of the group come with a few friends now and then).
    for index, activity in enumerate(activities):
        named = len(attended.get(index, ()))
        extra = rng.randint(0, 4) if activity.series_id else 0
        activity.participant_count = max(activity.participant_count, named + extra)
    Activity.objects.bulk_update(activities, ["participant_count"])
    Activity.streets.through.objects.bulk_create(
        [Activity.streets.through(activity_id=a.pk, street_id=s.pk) for a, s in activity_streets]
    )
    Activity.participants.through.objects.bulk_create(
        [
            Activity.participants.through(activity_id=activities[index].pk, participant_id=participant_id)
            for index, ids in sorted(attended.items())
            for participant_id in sorted(ids)
        ]
    )

    # --- Two waves of the cohesion survey -------------------------------------------------------------
    # Waves do not overlap, and the conversations go on to yesterday: the baseline takes the
    # conversations up to the second wave; those held during it count in the second wave.
    two_starts = today - datetime.timedelta(days=WAVE_TWO_DAYS[0])
    two_ends = today - datetime.timedelta(days=WAVE_TWO_DAYS[1])
    # Two plain queries, not MIN() over a five-table join: inside the demo's one transaction the
    # planner has no statistics for the rows just written, and PostgreSQL's MIN/MAX rewrite then
    # walks every conversation for every residence (minutes instead of milliseconds).
    household_ids = list(
        HouseholdResidence.objects.filter(address__area__programme=programme)
        .values_list("household_id", flat=True)
        .distinct()
    )
    first_held = min(
        Conversation.objects.filter(household_id__in=household_ids).values_list("held_on", flat=True), default=None
    )
    one_starts = min(first_held or programme.start_date, two_starts - datetime.timedelta(days=1))
    one_ends = two_starts - datetime.timedelta(days=1)
    wave_one = Wave.objects.create(
        programme=programme,
        name="Nulmeting (huiskamergesprekken)",
        starts_on=one_starts,
        ends_on=one_ends,
        note=(
            "De cohesievragen uit de huiskamergesprekken. Gesprekken die tijdens de tweede meting zijn "
            "gevoerd, tellen daar mee."
        ),
        created_by=coordinator,
        created_at=_aware(one_starts, 9),
    )
    wave_two = Wave.objects.create(
        programme=programme,
        name="Tweede meting",
        starts_on=two_starts,
        ends_on=two_ends,
        note="Aan de deur: bewoners van 15 jaar en ouder, per straat.",
        created_by=coordinator,
        created_at=_aware(two_starts - datetime.timedelta(days=7), 9),
    )
    instrument = current_instrument()
    statements = list(instrument.cohesion_statements.order_by("order"))
    from_conversations = _conversation_respondents(wave_two)
    # The thinnest streets stay below the threshold; the others get to it and beyond.
    by_thinness = sorted(streets, key=lambda s: (from_conversations.get(s.pk, 0), s.name))
    thin = {s.pk for s in by_thinness[: min(THIN_STREETS, max(0, len(streets) - 1))]}
    responses: list[WaveResponse] = []
    broken_off: set[int] = set()  # response indexes with only 3 statements answered
    span = (two_ends - two_starts).days
    for street in streets:
        have = from_conversations.get(street.pk, 0)
        if street.pk in thin:
            valid = max(0, min(rng.randint(1, 2), THRESHOLD - 1 - have))
        else:
            valid = max(rng.randint(4, 9), THRESHOLD + 1 - have)
        invalid = 1 if rng.random() < 0.4 else 0
        for n in range(valid + invalid):
            answered_on = two_starts + datetime.timedelta(days=rng.randint(0, span))
            if n >= valid:
                broken_off.add(len(responses))
            responses.append(
                WaveResponse(
                    wave=wave_two,
                    area_id=street_area[street.pk],
                    street=street,
                    answered_on=answered_on,
                    instrument_version=instrument.number,
                    recorded_by=coordinator,
                    recorded_at=_aware(answered_on, 20),
                )
            )
    WaveResponse.objects.bulk_create(responses)
    answers: list[WaveAnswer] = []
    for index, response in enumerate(responses):
        declined = rng.randrange(len(statements)) if rng.random() < 0.12 else None
        for position, statement in enumerate(statements):
            if index in broken_off and position >= 3:
                answers.append(WaveAnswer(response=response, statement=statement, non_answer="not_discussed"))
            elif position == declined:
                answers.append(WaveAnswer(response=response, statement=statement, non_answer="declined"))
            else:
                value = rng.choices([1, 2, 3, 4, 5], weights=[6, 14, 30, 35, 15])[0]
                answers.append(WaveAnswer(response=response, statement=statement, value=value))
    WaveAnswer.objects.bulk_create(answers)
    return {
        "series": 1,
        "activities": len(activities),
        "participants": len(participants),
        "volunteers": sum(p.volunteer for p in participants),
        "linked": len(linked),
        "volunteer_hours": len(hours),
        "attendances": sum(len(ids) for ids in attended.values()),
        "waves": [wave_one.pk, wave_two.pk],
        "door_responses": len(responses),
        "door_answers": len(answers),
    }
