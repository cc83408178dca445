"""The neighbourhood track at volume: activities, participants and volunteers, waves at the door."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models

from ..catalogue import (
    ODD_JOBS,
    SATURDAY_KINDS,
    SERIES_TITLE,
    SINGLE_ACTIVITIES,
    YEAR,
    on_weekday,
    person_name,
    region_surname,
)
from .plan import AreaChunk, Cohesion, Context, PersonInfo, age_on, aware

# --- The neighbourhood track: activities, participants and volunteers, waves at the door -------------
# As the demo's neighbourhood.py makes it, per area: the weekly children's street-cleaning group as one
# series over the last year, a dozen single activities across its streets, participants for ~1% of
# the persons (a third children, with a parent's consent; some adults in a trajectory linked, with
# their consent, most of those volunteering every week), volunteers' hours, who came by name, and the
# door responses of the second wave (~10% of the adults, six statements each).

PARTICIPANT_SHARE = 0.01  # of the persons living in the area
CHILD_PARTICIPANT_SHARE = 0.30
VOLUNTEER_SHARE = 0.35  # of the adult participants not linked
LINKED_SHARE = 0.15  # of the adult participants (at least 2 an area), from the adults in an open/active trajectory
DOOR_SHARE = 0.10  # of the adults, in the second wave
WAVE_TWO_DAYS = 60  # the second wave: the last two months
SINGLE_ACTIVITY_SHARE = 0.8  # of the demo's single activities, per area


DOOR_VALUE_WEIGHTS = (6, 20, 50, 85, 100)  # cumulative, 1..5
PARTICIPANT_COLUMNS = [
    "id",
    "programme_id",
    "name",
    "phone",
    "email",
    "street_id",
    "is_child",
    "consent_given_on",
    "consent_given_by",
    "parent_name",
    "volunteer",
    "person_id",
    "link_consent_on",
    "note",
    "created_by_id",
    "created_at",
    "version",
]


def _cohesion(ctx: Context) -> Cohesion:
    """The two waves. They do not overlap and the conversations go on to yesterday: the baseline takes
    those from the programme's start until the second wave; those held in its two months count there."""
    from stijging.cohesion.models import ActivityKind, Wave

    start = ctx.programme.start_date
    two_ends = max(ctx.today - datetime.timedelta(days=1), start + datetime.timedelta(days=1))
    two_starts = min(
        max(ctx.today - datetime.timedelta(days=WAVE_TWO_DAYS), start + datetime.timedelta(days=1)), two_ends
    )
    coordinator = ctx.staff.coordinator
    one = Wave.objects.create(
        programme=ctx.programme,
        name="Nulmeting (huiskamergesprekken)",
        starts_on=start,
        ends_on=two_starts - datetime.timedelta(days=1),
        created_by_id=coordinator,
    )
    two = Wave.objects.create(
        programme=ctx.programme,
        name="Tweede meting",
        starts_on=two_starts,
        ends_on=two_ends,
        note="Aan de deur: bewoners van 15 jaar en ouder.",
        created_by_id=coordinator,
    )
    return Cohesion(
        kinds=dict(ActivityKind.objects.values_list("code", "pk")),
        wave_one=one.pk,
        wave_two=two.pk,
        two_starts=two_starts,
        two_ends=two_ends,
    )


def _neighbourhood(ctx: Context, chunk: AreaChunk) -> None:
    """Activities (a weekly series and single ones) with their streets, participants and volunteers
    with their hours and attendance, and the second wave's door responses with their answers."""
    from stijging.cohesion.models import (
        Activity,
        ActivitySeries,
        Participant,
        VolunteerHours,
        WaveAnswer,
        WaveResponse,
    )

    if not chunk.streets:
        return
    rng = ctx.rng("neighbourhood", chunk.plan.index)
    writer = ctx.writer
    today = ctx.today
    now = ctx.now
    cohesion = ctx.cohesion
    coordinator = ctx.staff.coordinator
    programme_id = ctx.programme.pk
    year_ago = today - datetime.timedelta(days=YEAR)
    streets = chunk.streets

    # The series and its weeks, then the single activities.
    series_streets = rng.sample(streets, min(len(streets), rng.randint(3, 5)))
    weekday = rng.choice((2, 2, 3, 5))  # Wednesday afternoon mostly, else Thursday or Saturday
    first_day = year_ago + datetime.timedelta(days=(weekday - year_ago.weekday()) % 7)
    dates = [first_day + datetime.timedelta(weeks=w) for w in range((today - first_day).days // 7 + 1)]
    series_id = writer.reserve(ActivitySeries, 1)
    series_kind = cohesion.kinds["children_cleaning_group"]
    title = f"{SERIES_TITLE} {series_streets[0][1]}"
    writer.write(
        ActivitySeries,
        [
            "id",
            "programme_id",
            "kind_id",
            "title",
            "first_date",
            "last_date",
            "every_weeks",
            "created_by_id",
            "created_at",
        ],
        [(series_id, programme_id, series_kind, title, first_day, dates[-1], 1, coordinator, aware(first_day, 9))],
    )
    activities: list[list] = []  # kind, series, title, date, organiser, participant count, street ids
    series_street_ids = [street_id for street_id, _name in series_streets]
    for week_day in dates:
        activities.append(
            [series_kind, series_id, title, week_day, "buurtcoördinator met vrijwilligers", 0, series_street_ids]
        )
    for days_ago, code, template, who, (low, high), street_count in SINGLE_ACTIVITIES:
        if rng.random() >= SINGLE_ACTIVITY_SHARE:
            continue
        day = today - datetime.timedelta(days=max(1, min(YEAR - 7, days_ago + rng.randint(-10, 10))))
        day = on_weekday(day, 5 if code in SATURDAY_KINDS else 3, today)
        chosen = rng.sample(streets, min(street_count, len(streets)))
        activities.append(
            [
                cohesion.kinds[code],
                None,
                template.format(street=chosen[0][1]),
                day,
                who,
                rng.randint(low, high),
                [street_id for street_id, _name in chosen],
            ]
        )
    first_activity = writer.reserve(Activity, len(activities))
    weeks = len(dates)

    # Participants: children (a parent's consent), linked adults, other adults.
    household_street = {d.id: chunk.address_street[d.address_id] for d in chunk.households}
    living = [p for p in chunk.persons if p.current]
    adults = [p for p in living if age_on(p.date_of_birth, today) >= 18]
    total = max(4, round(len(living) * PARTICIPANT_SHARE))
    n_children = round(total * CHILD_PARTICIPANT_SHARE)
    n_adults = total - n_children
    # Linked: adults in an open or active trajectory; first those below rung 4 (or without one), whose
    # case manager sees the volunteering hint when they volunteer every week.
    below_four: list[PersonInfo] = []
    others: list[PersonInfo] = []
    for person in adults:
        status, rung = chunk.trajectory_status.get(person.id, ("", None))
        if status in ("open", "active"):
            (below_four if rung is None or rung < 4 else others).append(person)
    wanted = min(max(2, round(n_adults * LINKED_SHARE)), n_adults)
    linked = rng.sample(below_four, min(len(below_four), wanted))
    linked += rng.sample(others, min(len(others), wanted - len(linked)))
    first_person = chunk.person_rows[0][0] if chunk.person_rows else 0
    first_participant = writer.reserve(Participant, total)

    def participant(
        pid: int,
        *,
        name: str,
        phone: str,
        street_id: int,
        consent_on: datetime.date,
        parent_name: str = "",
        volunteer: bool = False,
        person_id: int | None = None,
        link_consent_on: datetime.date | None = None,
    ) -> tuple:
        """A row of PARTICIPANT_COLUMNS; a child is one with a parent's name (the parent consented)."""
        child = bool(parent_name)
        return (
            pid,
            programme_id,
            name,
            phone,
            "",
            street_id,
            child,
            consent_on,
            "parent" if child else "self",
            parent_name,
            volunteer,
            person_id,
            link_consent_on,
            "",
            coordinator,
            aware(consent_on, 16 if child else 11),
            1,
        )

    participants: list[tuple] = []
    # participant id -> (first week, last week, hours, every n weeks) for those helping the series
    helpers: dict[int, tuple[int, int, str, int]] = {}
    volunteers: list[tuple[int, datetime.date]] = []  # all volunteers: id, since
    takers: list[tuple[int, int, datetime.date]] = []  # adults taking part: id, street, since
    children: list[tuple[int, int]] = []  # id, first week
    pid = first_participant
    for _n in range(n_children):
        family = region_surname(rng)
        joined = 0 if rng.random() < 0.5 else rng.randint(0, weeks - 1)
        consent_on = dates[joined] - datetime.timedelta(days=rng.randint(1, 6))
        participants.append(
            participant(
                pid,
                name=person_name(rng, family, surname=region_surname),
                phone=f"+316{rng.randint(10_000_000, 99_999_999)}",
                street_id=rng.choice(series_street_ids),
                consent_on=consent_on,
                parent_name=person_name(rng, family, surname=region_surname),
            )
        )
        children.append((pid, joined))
        pid += 1
    regular = min(len(below_four), max(1, (len(linked) + 1) // 2))
    for n, person in enumerate(linked):
        row = chunk.person_rows[person.id - first_person]
        name = " ".join(part for part in (row[1], row[2], row[3]) if part)
        start = rng.randint(0, max(0, weeks - 20))
        consent_on = dates[start] - datetime.timedelta(days=rng.randint(2, 10))
        volunteer = n < regular or rng.random() < 0.5
        participants.append(
            participant(
                pid,
                name=name,
                phone=row[5],
                street_id=household_street[person.household_id],
                consent_on=consent_on,
                volunteer=volunteer,
                person_id=person.id,
                link_consent_on=consent_on + datetime.timedelta(days=rng.randint(0, 14)),
            )
        )
        if n < regular:  # every week to this day: the case manager's volunteering hint
            helpers[pid] = (start, weeks - 1, "2.0", 1)
        elif volunteer:
            volunteers.append((pid, consent_on))
        else:
            takers.append((pid, household_street[person.household_id], consent_on))
        pid += 1
    for _n in range(n_adults - len(linked)):
        consent_on = year_ago + datetime.timedelta(days=rng.randint(0, YEAR - 20))
        name = person_name(rng, surname=region_surname)
        volunteer = rng.random() < VOLUNTEER_SHARE
        street_id = rng.choice(streets)[0]
        participants.append(
            participant(
                pid,
                name=name,
                phone=f"+316{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.85 else "",
                street_id=street_id,
                consent_on=consent_on,
                volunteer=volunteer,
            )
        )
        if volunteer:
            volunteers.append((pid, consent_on))
            if rng.random() < 0.3:  # helps the children's group every other week
                from_week = next((w for w, d in enumerate(dates) if d >= consent_on), weeks - 1)
                helpers[pid] = (from_week, weeks - 1, "1.5", 2)
        else:
            takers.append((pid, street_id, consent_on))
        pid += 1
    writer.write(Participant, PARTICIPANT_COLUMNS, participants)

    # Who came by name, and the hours.
    attended: dict[int, set[int]] = {}
    hours: list[tuple] = []
    recent = today - datetime.timedelta(days=100)
    for participant_id, (from_week, until, amount, every) in helpers.items():
        for week in range(from_week, until + 1, every):
            date = dates[week]
            if date < recent and rng.random() < 0.1:
                continue
            attended.setdefault(week, set()).add(participant_id)
            hours.append(
                (
                    participant_id,
                    date,
                    amount,
                    first_activity + week,
                    "Begeleiding kinderschoonmaakploeg",
                    aware(date, 18),
                )
            )
    for child_id, joined in children:
        for week in range(joined, weeks):
            if rng.random() < 0.5:
                attended.setdefault(week, set()).add(child_id)
    singles = list(range(weeks, len(activities)))
    for participant_id, since_on in volunteers:
        later = [i for i in singles if activities[i][3] >= since_on]
        for i in rng.sample(later, min(len(later), rng.randint(1, 4))):
            attended.setdefault(i, set()).add(participant_id)
            date = activities[i][3]
            amount = rng.choice(("2.0", "2.5", "3.0", "4.0"))
            hours.append(
                (participant_id, date, amount, first_activity + i, "Opbouw, begeleiding en opruimen", aware(date, 20))
            )
        for _job in range(rng.randint(1, 4)):
            date = max(since_on, today - datetime.timedelta(days=rng.randint(1, YEAR)))
            amount = rng.choice(("0.5", "1.0", "1.5", "2.0"))
            hours.append((participant_id, date, amount, None, rng.choice(ODD_JOBS), aware(date, 20)))
    for i in singles:
        kind, _series, _title, date, _who, _count, street_ids = activities[i]
        for participant_id, street_id, since_on in takers:
            if since_on <= date and rng.random() < (0.5 if street_id in street_ids else 0.05):
                attended.setdefault(i, set()).add(participant_id)
        if kind == cohesion.kinds["street_play_day"]:
            for child_id, joined in children:
                if dates[joined] <= date and rng.random() < 0.6:
                    attended.setdefault(i, set()).add(child_id)
    for index, activity in enumerate(activities):
        named = len(attended.get(index, ()))
        activity[5] = max(activity[5], named + (rng.randint(0, 4) if index < weeks else 0))
    writer.write(
        Activity,
        [
            "id",
            "programme_id",
            "kind_id",
            "series_id",
            "title",
            "date",
            "organiser",
            "participant_count",
            "note",
            "created_by_id",
            "created_at",
            "version",
        ],
        (
            (
                first_activity + i,
                programme_id,
                kind,
                series,
                title,
                date,
                who,
                count,
                "",
                coordinator,
                aware(date, 21),
                1,
            )
            for i, (kind, series, title, date, who, count, _streets) in enumerate(activities)
        ),
    )
    links = [(first_activity + i, street_id) for i, activity in enumerate(activities) for street_id in activity[6]]
    through: type[models.Model] = Activity.streets.through
    first = writer.reserve(through, len(links))
    writer.write(through, ["id", "activity_id", "street_id"], ((first + i, *row) for i, row in enumerate(links)))
    came = [(first_activity + i, participant_id) for i in sorted(attended) for participant_id in sorted(attended[i])]
    through = Activity.participants.through
    first = writer.reserve(through, len(came))
    writer.write(through, ["id", "activity_id", "participant_id"], ((first + i, *row) for i, row in enumerate(came)))
    first = writer.reserve(VolunteerHours, len(hours))
    writer.write(
        VolunteerHours,
        ["id", "participant_id", "date", "hours", "activity_id", "what", "recorded_by_id", "recorded_at"],
        (
            (first + i, participant_id, date, Decimal(amount), activity_id, what, coordinator, at)
            for i, (participant_id, date, amount, activity_id, what, at) in enumerate(hours)
        ),
    )

    # The second wave at the door: ~10% of the adults, anonymous, by street; six statements each, a
    # few declined, a few broken off after three (no index).
    asked = rng.sample(adults, round(len(adults) * DOOR_SHARE))
    first_response = writer.reserve(WaveResponse, len(asked))
    span = (cohesion.two_ends - cohesion.two_starts).days
    responses: list[tuple] = []
    answers: list[tuple] = []
    statements = ctx.instrument.statements
    for n, person in enumerate(asked):
        answered_on = cohesion.two_starts + datetime.timedelta(days=rng.randint(0, span))
        responses.append(
            (
                first_response + n,
                cohesion.wave_two,
                chunk.area_id,
                household_street[person.household_id],
                answered_on,
                ctx.instrument.number,
                coordinator,
                min(aware(answered_on, 19), now),
            )
        )
        broken_off = rng.random() < 0.05
        for position, statement_id in enumerate(statements):
            if broken_off and position >= 3:
                answers.append((first_response + n, statement_id, None, "not_discussed"))
            elif rng.random() < 0.04:
                answers.append((first_response + n, statement_id, None, "declined"))
            else:
                value = rng.choices((1, 2, 3, 4, 5), cum_weights=DOOR_VALUE_WEIGHTS)[0]
                answers.append((first_response + n, statement_id, value, ""))
    writer.write(
        WaveResponse,
        ["id", "wave_id", "area_id", "street_id", "answered_on", "instrument_version", "recorded_by_id", "recorded_at"],
        responses,
    )
    first = writer.reserve(WaveAnswer, len(answers))
    writer.write(
        WaveAnswer,
        ["id", "response_id", "statement_id", "value", "non_answer"],
        ((first + i, *row) for i, row in enumerate(answers)),
    )
