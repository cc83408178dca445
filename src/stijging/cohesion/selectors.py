"""Reused reads of the neighbourhood track, already scoped to the programmes the user coordinates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from stijging.registry.models import Area, Programme, Street

from .access import coordinated_programme_ids
from .models import Activity, ActivityKind, Participant, VolunteerHours, Wave, WaveResponse


def coordinated_programme(user, slug: str) -> Programme | None:
    return Programme.objects.filter(slug=slug, pk__in=coordinated_programme_ids(user)).first()


def kinds() -> QuerySet[ActivityKind]:
    return ActivityKind.objects.filter(active=True)


def streets_of_programme(programme: Programme) -> QuerySet[Street]:
    return Street.objects.filter(addresses__area__programme=programme).distinct().order_by("name", "pk")


def areas_of_programme(programme: Programme) -> QuerySet[Area]:
    return Area.objects.filter(programme=programme).order_by("name")


def activities_of(programme: Programme, *, year: int | None = None, kind: ActivityKind | None = None):
    activities = (
        Activity.objects.of_programme(programme.pk)
        .select_related("kind", "series")
        .prefetch_related(Prefetch("streets", queryset=Street.objects.order_by("name")))
        .annotate(named=Count("participants", distinct=True))
        .order_by("-date", "-pk")
    )
    if year is not None:
        activities = activities.filter(date__year=year)
    if kind is not None:
        activities = activities.filter(kind=kind)
    return activities


@dataclass(frozen=True)
class KindTotal:
    kind: str
    activities: int
    participants: int


def activity_totals(programme: Programme, year: int) -> list[KindTotal]:
    """Per kind of activity in a year: how many took place and their participants together."""
    rows = (
        Activity.objects.of_programme(programme.pk)
        .filter(date__year=year, date__lte=timezone.localdate())
        .values("kind__order", "kind_id")
        .annotate(n=Count("pk"), participants=Sum("participant_count"))
        .order_by("kind__order")
    )
    names = {k.pk: k.name for k in ActivityKind.objects.all()}
    return [KindTotal(names[r["kind_id"]], r["n"], r["participants"] or 0) for r in rows]


def activity_for(user, pk: int) -> Activity | None:
    return (
        Activity.objects.filter(pk=pk, programme_id__in=coordinated_programme_ids(user))
        .select_related("programme", "kind", "series")
        .prefetch_related(
            Prefetch("streets", queryset=Street.objects.order_by("name")),
            Prefetch("participants", queryset=Participant.objects.order_by("name", "pk")),
        )
        .first()
    )


def participants_of(programme: Programme, *, query: str = "", volunteers_only: bool = False):
    participants = (
        Participant.objects.filter(programme=programme)
        .select_related("street")
        .annotate(
            attended=Count("activities", distinct=True),
            # A subquery, not a second join: joined with the activities it would be counted per activity.
            total_hours=Subquery(
                VolunteerHours.objects.filter(participant=OuterRef("pk"))
                .values("participant")
                .annotate(total=Sum("hours"))
                .values("total")
            ),
        )
        .order_by("name", "pk")
    )
    if query:
        participants = participants.filter(Q(name__icontains=query) | Q(parent_name__icontains=query))
    if volunteers_only:
        participants = participants.filter(volunteer=True)
    return participants


def participant_for(user, pk: int) -> Participant | None:
    return (
        Participant.objects.filter(pk=pk, programme_id__in=coordinated_programme_ids(user))
        .select_related("programme", "street", "person")
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.select_related("kind").order_by("-date", "-pk")),
            Prefetch("hours", queryset=VolunteerHours.objects.select_related("activity").order_by("-date", "-pk")),
        )
        .first()
    )


def recent_activities(programme: Programme, today: datetime.date | None = None, days: int = 120):
    """The activities a participant or volunteer hours are likely to be recorded for."""
    today = today or timezone.localdate()
    return (
        Activity.objects.of_programme(programme.pk)
        .filter(date__gte=today - datetime.timedelta(days=days), date__lte=today)
        .select_related("kind")
        .order_by("-date", "-pk")
    )


def waves_of(programme: Programme) -> QuerySet[Wave]:
    return Wave.objects.filter(programme=programme).annotate(door_responses=Count("responses")).order_by("starts_on")


def wave_for(user, pk: int) -> Wave | None:
    return (
        Wave.objects.filter(pk=pk, programme_id__in=coordinated_programme_ids(user)).select_related("programme").first()
    )


def door_responses_per_street(wave: Wave) -> list[tuple[str, str, int]]:
    """(area, street, responses recorded at the door): the coordinator's own progress in a wave."""
    rows = (
        WaveResponse.objects.filter(wave=wave)
        .values("area__name", "street__name")
        .annotate(n=Count("pk"))
        .order_by("area__name", "street__name")
    )
    return [(r["area__name"], r["street__name"], r["n"]) for r in rows]


# --- Volunteering and the ladder ------------------------------------------------------------------

REGULAR_WINDOWS = 3  # "at least monthly over the last three months"
WINDOW_DAYS = 30


@dataclass(frozen=True)
class Volunteering:
    """Regular volunteering of a linked person: a hint for rung 4 (onbetaald werk), never a change."""

    person_id: int
    hours: Decimal  # over the last three months (90 days)
    windows_active: int  # of the three 30-day windows before today, those with hours
    since: datetime.date  # the consent to the link

    @property
    def regular(self) -> bool:
        return self.windows_active >= REGULAR_WINDOWS


def volunteering_of(person_ids: list[int], today: datetime.date | None = None) -> dict[int, Volunteering]:
    """Volunteer hours of the last 90 days of persons whose volunteer record is linked to them with
    their consent — in one query. Regular means hours in each of the three 30-day windows that end
    today (today − 29 … today, today − 59 … today − 30, today − 89 … today − 60)."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=REGULAR_WINDOWS * WINDOW_DAYS - 1)
    rows = VolunteerHours.objects.filter(
        participant__person_id__in=person_ids,
        participant__link_consent_on__isnull=False,
        date__gte=start,
        date__lte=today,
    ).values_list("participant__person_id", "participant__link_consent_on", "date", "hours")
    per: dict[int, dict] = {}
    for person_id, since, day, hours in rows:
        entry = per.setdefault(person_id, {"hours": Decimal(0), "windows": set(), "since": since})
        entry["hours"] += hours
        entry["windows"].add((today - day).days // WINDOW_DAYS)
    return {
        person_id: Volunteering(
            person_id=person_id, hours=entry["hours"], windows_active=len(entry["windows"]), since=entry["since"]
        )
        for person_id, entry in per.items()
    }


def waves_in_order(programme: Programme) -> list[Wave]:
    return list(Wave.objects.filter(programme=programme).order_by("starts_on", "pk"))


def hours_entry_for(user, pk: int) -> VolunteerHours | None:
    """One entry of volunteer hours, for the coordinator of its programme only."""
    return (
        VolunteerHours.objects.filter(pk=pk, participant__programme_id__in=coordinated_programme_ids(user))
        .select_related("participant__programme", "activity")
        .first()
    )


def hours_on(participant: Participant, date, *, exclude_pk: int | None = None) -> list[VolunteerHours]:
    """The hours already recorded for this participant on that day: a likely duplicate."""
    queryset = VolunteerHours.objects.filter(participant=participant, date=date).select_related("activity")
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset.order_by("pk"))


# How far back "took part before" looks, and how many people the attendance list shows at most.
LIKELY_LOOKBACK_DAYS = 365
ATTENDANCE_LIST_CAP = 200


@dataclass(frozen=True)
class AttendanceRow:
    participant: Participant
    present: bool
    why: str  # "present", "street", "earlier", "search": why the person is on the list


def attendance_list(activity: Activity, *, query: str = "") -> list[AttendanceRow]:
    """The people to tick for an activity: those registered for it already, the participants who
    live on its streets, those who took part in an earlier activity on its streets or of its series
    in the past year, and those whose name matches `query` (for anyone else). One query for the
    present, one for the likely, one for the search; sorted by name."""
    present = list(activity.participants.all().order_by("name", "pk"))
    present_ids = {p.pk for p in present}
    street_ids = [s.pk for s in activity.streets.all()]
    since = activity.date - datetime.timedelta(days=LIKELY_LOOKBACK_DAYS)
    earlier = Activity.objects.filter(programme_id=activity.programme_id, date__gte=since).exclude(pk=activity.pk)
    same_place = Q(streets__in=street_ids)
    if activity.series_id:
        same_place |= Q(series_id=activity.series_id)
    earlier = earlier.filter(same_place)
    likely = (
        Participant.objects.filter(programme_id=activity.programme_id)
        .exclude(pk__in=present_ids)
        .filter(Q(street_id__in=street_ids) | Q(activities__in=earlier))
        .distinct()
        .order_by("name", "pk")[:ATTENDANCE_LIST_CAP]
    )
    rows = [AttendanceRow(p, True, "present") for p in present]
    rows += [AttendanceRow(p, False, "street" if p.street_id in street_ids else "earlier") for p in likely]
    if query:
        listed = {row.participant.pk for row in rows}
        found = (
            Participant.objects.filter(programme_id=activity.programme_id, name__icontains=query)
            .exclude(pk__in=listed)
            .order_by("name", "pk")[:50]
        )
        rows += [AttendanceRow(p, False, "search") for p in found]
    return sorted(rows, key=lambda row: (row.participant.name.lower(), row.participant.pk))
