"""Writes of the neighbourhood track. Every write of personal data (participants, volunteers, their
hours, attendance, the link to the registry) leaves an audit event in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError
from stijging.instruments.models import CohesionStatement, NonAnswer
from stijging.instruments.services import current_instrument
from stijging.privacy import audit
from stijging.privacy.models import AuditAction, AuditOutcome
from stijging.registry import selectors as registry_selectors
from stijging.registry.models import Area, Programme, Street

from .models import (
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

PURPOSE = "cohesion"
MAX_SERIES_DATES = 110  # two years of a weekly group; more is a typing error, not a series


def _streets_of_programme(programme: Programme, streets: Iterable[Street]) -> list[Street]:
    streets = list(streets)
    if not streets:
        raise ValidationError({"streets": _("Choose at least one street.")})
    known = set(
        Street.objects.filter(pk__in=[s.pk for s in streets], addresses__area__programme=programme)
        .values_list("pk", flat=True)
        .distinct()
    )
    if any(s.pk not in known for s in streets):
        raise ValidationError({"streets": _("Choose streets of this programme's neighbourhood.")})
    return streets


def _check_kind(kind: ActivityKind) -> None:
    if not kind.active:
        raise ValidationError({"kind": _("This kind of activity is no longer in use.")})


# --- Activities -----------------------------------------------------------------------------------


@transaction.atomic
def activity_record(
    *,
    acting_user,
    programme: Programme,
    kind: ActivityKind,
    title: str,
    date: datetime.date,
    streets: Iterable[Street],
    organiser: str,
    participant_count: int,
    note: str = "",
) -> Activity:
    _check_kind(kind)
    streets = _streets_of_programme(programme, streets)
    activity = Activity.objects.create(
        programme=programme,
        kind=kind,
        title=title.strip() or kind.name,
        date=date,
        organiser=organiser.strip(),
        participant_count=participant_count,
        note=note,
        created_by=acting_user,
    )
    activity.streets.set(streets)
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=activity, purpose=PURPOSE)
    return activity


@transaction.atomic
def activity_update(
    *,
    acting_user,
    activity: Activity,
    version: int | None,
    kind: ActivityKind,
    title: str,
    date: datetime.date,
    streets: Iterable[Street],
    organiser: str,
    participant_count: int,
    note: str = "",
) -> Activity:
    if kind.pk != activity.kind_id:
        _check_kind(kind)
    streets = _streets_of_programme(activity.programme, streets)
    named = activity.participants.count()
    if participant_count < named:
        raise ValidationError(
            {
                "participant_count": _(
                    "%(named)s participants are registered by name; the number of participants cannot be lower."
                )
                % {"named": named}
            }
        )
    if version is None or not Activity.objects.filter(pk=activity.pk, version=version).update(
        kind=kind,
        title=title.strip() or kind.name,
        date=date,
        organiser=organiser.strip(),
        participant_count=participant_count,
        note=note,
        version=version + 1,
    ):
        raise ConflictError
    activity.refresh_from_db()
    activity.streets.set(streets)
    audit.record(actor=acting_user, action=AuditAction.UPDATE, obj=activity, purpose=PURPOSE)
    return activity


def series_dates(first_date: datetime.date, last_date: datetime.date, every_weeks: int) -> list[datetime.date]:
    step = datetime.timedelta(weeks=every_weeks)
    dates, day = [], first_date
    while day <= last_date:
        dates.append(day)
        day += step
    return dates


@transaction.atomic
def series_create(
    *,
    acting_user,
    programme: Programme,
    kind: ActivityKind,
    title: str,
    first_date: datetime.date,
    last_date: datetime.date,
    every_weeks: int,
    streets: Iterable[Street],
    organiser: str,
    participant_count: int,
    note: str = "",
) -> ActivitySeries:
    """A repeating activity, entered once: one activity per date, each editable on its own later
    (the number of children differs each week)."""
    _check_kind(kind)
    streets = _streets_of_programme(programme, streets)
    if last_date < first_date:
        raise ValidationError({"last_date": _("The last date lies before the first date.")})
    dates = series_dates(first_date, last_date, every_weeks)
    if len(dates) > MAX_SERIES_DATES:
        raise ValidationError(
            {"last_date": _("A series has at most %(max)s dates; enter a shorter period.") % {"max": MAX_SERIES_DATES}}
        )
    series = ActivitySeries.objects.create(
        programme=programme,
        kind=kind,
        title=title.strip() or kind.name,
        first_date=first_date,
        last_date=last_date,
        every_weeks=every_weeks,
        created_by=acting_user,
    )
    activities = Activity.objects.bulk_create(
        Activity(
            programme=programme,
            kind=kind,
            series=series,
            title=series.title,
            date=day,
            organiser=organiser.strip(),
            participant_count=participant_count,
            note=note,
            created_by=acting_user,
        )
        for day in dates
    )
    through = Activity.streets.through
    through.objects.bulk_create(
        through(activity_id=activity.pk, street_id=street.pk) for activity in activities for street in streets
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=series,
        purpose=PURPOSE,
        detail={"activities": len(activities)},
    )
    return series


@transaction.atomic
def attendance_add(*, acting_user, activity: Activity, participant: Participant) -> None:
    if participant.programme_id != activity.programme_id:
        raise ValidationError(_("This participant belongs to another programme."))
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    if locked.participants.filter(pk=participant.pk).exists():
        return
    locked.participants.add(participant)
    # Everyone registered by name took part, so the count is at least that.
    named = locked.participants.count()
    if locked.participant_count < named:
        Activity.objects.filter(pk=locked.pk).update(participant_count=named)
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=participant,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
        detail={"attended": activity.pk},
    )


@transaction.atomic
def attendance_remove(*, acting_user, activity: Activity, participant: Participant) -> None:
    activity.participants.remove(participant)
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=participant,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
        detail={"attendance_removed": activity.pk},
    )


@transaction.atomic
def attendance_record(
    *, acting_user, activity: Activity, shown_ids: set[int], was_ids: set[int], present_ids: set[int]
) -> tuple[list[int], list[int]]:
    """Attendance ticked on a list in one submit. `shown_ids` were on the list, `was_ids` of them
    were ticked when the list was shown, `present_ids` are ticked now. Only what this user changed
    is written: a tick added (added, once), a tick taken away (removed, if still there). Someone
    else's change since the list was shown is never overwritten. One audit event for the submit.
    Returns (added, removed)."""
    if not present_ids <= shown_ids or not was_ids <= shown_ids:
        raise ValidationError(_("The list changed while you ticked it; check it and save again."))
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    people = {p.pk: p for p in Participant.objects.filter(pk__in=shown_ids, programme_id=locked.programme_id)}
    if set(people) != shown_ids:
        raise ValidationError(_("This participant belongs to another programme."))
    now_present = set(locked.participants.filter(pk__in=shown_ids).values_list("pk", flat=True))
    added = sorted(present_ids - now_present)
    removed = sorted((was_ids - present_ids) & now_present)
    if added:
        locked.participants.add(*added)
    if removed:
        locked.participants.remove(*removed)
    if not added and not removed:
        return [], []
    # Everyone registered by name took part, so the count is at least that.
    named = locked.participants.count()
    if locked.participant_count < named:
        Activity.objects.filter(pk=locked.pk).update(participant_count=named)
    changed = [people[pk] for pk in added + removed]
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=locked,
        purpose=PURPOSE,
        person_ids=sorted({p.person_id for p in changed if p.person_id}),
        detail={"attended": added, "attendance_removed": removed},
    )
    return added, removed


# --- Participants and volunteers ------------------------------------------------------------------


def _check_consent(*, is_child: bool, consent_given_by: str, parent_name: str, consent_given_on: datetime.date):
    errors = {}
    if consent_given_on > timezone.localdate():
        errors["consent_given_on"] = _("Consent cannot be given on a date still to come.")
    if is_child and consent_given_by != ConsentBy.PARENT:
        errors["consent_given_by"] = _("For a child under 16 a parent or guardian gives consent.")
    if consent_given_by == ConsentBy.PARENT and not parent_name.strip():
        errors["parent_name"] = _("Enter the name of the parent or guardian who gave consent.")
    if errors:
        raise ValidationError(errors)


def _check_street(programme: Programme, street: Street | None) -> None:
    if street is not None:
        _streets_of_programme(programme, [street])


def _participant_fields(
    programme: Programme,
    *,
    name: str,
    consent_given_on: datetime.date,
    consent_given_by: str,
    phone: str = "",
    email: str = "",
    street: Street | None = None,
    is_child: bool = False,
    parent_name: str = "",
    volunteer: bool = False,
    note: str = "",
) -> dict:
    """The checked and cleaned fields of a participant record, for a new one and an update alike."""
    _check_consent(
        is_child=is_child, consent_given_by=consent_given_by, parent_name=parent_name, consent_given_on=consent_given_on
    )
    _check_street(programme, street)
    return {
        "name": name.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
        "street": street,
        "is_child": is_child,
        "consent_given_on": consent_given_on,
        "consent_given_by": consent_given_by,
        "parent_name": parent_name.strip() if consent_given_by == ConsentBy.PARENT else "",
        "volunteer": volunteer,
        "note": note,
    }


@transaction.atomic
def participant_register(*, acting_user, programme: Programme, **fields) -> Participant:
    """A new participant record; `fields` as _participant_fields takes them."""
    participant = Participant.objects.create(
        programme=programme, created_by=acting_user, **_participant_fields(programme, **fields)
    )
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=participant, purpose=PURPOSE)
    return participant


@transaction.atomic
def participant_update(*, acting_user, participant: Participant, version: int | None, **fields) -> Participant:
    """Save a participant record opened at `version`; a stale save is refused (ConflictError)."""
    values = _participant_fields(participant.programme, **fields)
    if version is None or not Participant.objects.filter(pk=participant.pk, version=version).update(
        **values, version=version + 1
    ):
        raise ConflictError
    participant.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=participant,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
    )
    return participant


# Each look-up answers "does someone born on D live at this address?": a coordinator may ask it a
# few times per participant, not try dates in a loop. Per user, a fixed window in the shared cache.
LINK_LOOKUPS_PER_HOUR = 10


def _link_lookup_allowed(user) -> bool:
    from django.core.cache import cache

    key = f"stijging:participant-link-lookups:{user.pk}"
    cache.add(key, 0, 60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh window
        cache.set(key, 1, 60 * 60)
        count = 1
    return count <= LINK_LOOKUPS_PER_HOUR


def participant_link(
    *,
    acting_user,
    participant: Participant,
    link_consent_on: datetime.date,
    postcode: str,
    huisnummer: int,
    huisletter: str = "",
    toevoeging: str = "",
    date_of_birth: datetime.date,
) -> Participant:
    """Link a participant to the registry person they are, because they (a parent) agreed: found by
    the address and date of birth they give, never by browsing the registry. Says only whether one
    person matched, so the coordinator learns nobody else's data."""
    if link_consent_on > timezone.localdate():
        raise ValidationError({"link_consent_on": _("Consent cannot be given on a date still to come.")})
    # Every look-up is logged, found or not, in its own write (a refusal below must not roll it
    # back); never the address or the date typed, only whom it found.
    if not _link_lookup_allowed(acting_user):
        audit.record(
            actor=acting_user,
            action=AuditAction.SEARCH,
            obj=participant,
            purpose=PURPOSE,
            outcome=AuditOutcome.DENIED,
            detail={"resident_lookup": "throttled"},
        )
        raise ValidationError(
            _("Too many look-ups in the registry in the last hour. Try again later, or ask a colleague to check.")
        )
    person = registry_selectors.resident_born_on(
        programme=participant.programme,
        postcode=postcode,
        huisnummer=huisnummer,
        huisletter=huisletter,
        toevoeging=toevoeging,
        date_of_birth=date_of_birth,
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.SEARCH,
        obj=participant,
        purpose=PURPOSE,
        person_ids=[person.pk] if person is not None else [],
        detail={"resident_lookup": "found" if person is not None else "not_found"},
    )
    if person is None:
        raise ValidationError(
            _(
                "No single resident of this programme lives at that address with that date of birth. "
                "Check the address and the date with the participant."
            )
        )
    with transaction.atomic():
        if (
            Participant.objects.filter(programme=participant.programme, person=person)
            .exclude(pk=participant.pk)
            .exists()
        ):
            raise ValidationError(_("Another participant record is already linked to this resident."))
        return _set_link(acting_user, participant, person, link_consent_on, {"linked_to_person": True})


@transaction.atomic
def participant_unlink(*, acting_user, participant: Participant) -> Participant:
    """The person withdrew their agreement to the link: it ends at once."""
    return _set_link(acting_user, participant, None, None, {"link_withdrawn": True})


def _set_link(acting_user, participant: Participant, person, consent_on, detail: dict) -> Participant:
    concerned = person.pk if person is not None else participant.person_id
    Participant.objects.filter(pk=participant.pk).update(
        person=person, link_consent_on=consent_on, version=participant.version + 1
    )
    participant.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=participant,
        purpose=PURPOSE,
        person_ids=[concerned] if concerned else [],
        detail=detail,
    )
    return participant


@transaction.atomic
def hours_record(
    *,
    acting_user,
    participant: Participant,
    date: datetime.date,
    hours: Decimal,
    activity: Activity | None = None,
    what: str = "",
) -> VolunteerHours:
    errors = _hours_errors(participant=participant, date=date, hours=hours, activity=activity)
    if errors:
        raise ValidationError(errors)
    entry = VolunteerHours.objects.create(
        participant=participant, date=date, hours=hours, activity=activity, what=what.strip(), recorded_by=acting_user
    )
    if not participant.volunteer:
        Participant.objects.filter(pk=participant.pk).update(volunteer=True, version=participant.version + 1)
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=entry,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
        detail={"participant": participant.pk},
    )
    return entry


def _hours_errors(*, participant: Participant, date: datetime.date, hours: Decimal, activity: Activity | None) -> dict:
    errors = {}
    if date > timezone.localdate():
        errors["date"] = _("Hours are recorded once they were worked; this date is still to come.")
    if not Decimal("0.5") <= hours <= Decimal(24):
        errors["hours"] = _("Enter between 0.5 and 24 hours.")
    if activity is not None and activity.programme_id != participant.programme_id:
        errors["activity"] = _("Choose an activity of this programme.")
    return errors


def _hours_detail(entry: VolunteerHours) -> dict:
    return {
        "date": entry.date.isoformat(),
        "hours": str(entry.hours),
        "activity": entry.activity_id,
        "what": entry.what,
    }


@transaction.atomic
def hours_correct(
    *,
    acting_user,
    entry: VolunteerHours,
    date: datetime.date,
    hours: Decimal,
    activity: Activity | None = None,
    what: str = "",
) -> VolunteerHours:
    """Correct recorded hours (a typo, the wrong day); the log keeps what they were."""
    participant = entry.participant
    errors = _hours_errors(participant=participant, date=date, hours=hours, activity=activity)
    if errors:
        raise ValidationError(errors)
    before = _hours_detail(entry)
    entry.date, entry.hours, entry.activity, entry.what = date, hours, activity, what.strip()
    entry.save(update_fields=["date", "hours", "activity", "what"])
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=entry,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
        detail={"participant": participant.pk, "before": before, "after": _hours_detail(entry)},
    )
    return entry


@transaction.atomic
def hours_remove(*, acting_user, entry: VolunteerHours) -> None:
    """Remove hours recorded by mistake (twice, or for the wrong person); the log keeps what they were."""
    participant = entry.participant
    audit.record(
        actor=acting_user,
        action=AuditAction.DELETE,
        obj=entry,
        purpose=PURPOSE,
        person_ids=[participant.person_id] if participant.person_id else [],
        detail={"participant": participant.pk, "removed": _hours_detail(entry)},
    )
    entry.delete()


# --- Waves of the cohesion survey -----------------------------------------------------------------


@transaction.atomic
def wave_create(
    *, acting_user, programme: Programme, name: str, starts_on: datetime.date, ends_on: datetime.date, note: str = ""
) -> Wave:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The wave ends before it starts.")})
    # Locked per programme, so two coordinators cannot add overlapping waves at the same moment.
    Programme.objects.select_for_update().get(pk=programme.pk)
    overlapping = (
        Wave.objects.filter(programme=programme, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            _("These dates overlap with the wave “%(name)s” (%(start)s – %(end)s); waves do not overlap.")
            % {"name": overlapping.name, "start": overlapping.starts_on, "end": overlapping.ends_on}
        )
    wave = Wave.objects.create(
        programme=programme, name=name.strip(), starts_on=starts_on, ends_on=ends_on, note=note, created_by=acting_user
    )
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=wave, purpose=PURPOSE)
    return wave


def door_statements() -> list[CohesionStatement]:
    """The statements asked at the door: those of the current instrument version."""
    return list(CohesionStatement.objects.filter(version=current_instrument()).order_by("order"))


@transaction.atomic
def wave_response_record(
    *,
    acting_user,
    wave: Wave,
    area: Area,
    street: Street,
    answered_on: datetime.date,
    answers: Mapping[int, int | str],
) -> WaveResponse:
    """One anonymous respondent of 15 or older at the door: a value 1–5 or a non-answer per statement
    of the current instrument version. Nothing that identifies the respondent is kept."""
    errors: dict[str, str] = {}
    if area.programme_id != wave.programme_id:
        errors["area"] = _("Choose an area of this programme.")
    elif not street.addresses.filter(area=area).exists():
        errors["street"] = _("This street has no addresses in the chosen area.")
    if not wave.starts_on <= answered_on <= wave.ends_on:
        errors["answered_on"] = _("The date lies outside this wave (%(start)s – %(end)s).") % {
            "start": wave.starts_on,
            "end": wave.ends_on,
        }
    if answered_on > timezone.localdate():
        errors["answered_on"] = _("This date is still to come.")
    statements = door_statements()
    for statement in statements:
        answer = answers.get(statement.pk)
        if answer is None or answer == "":
            errors[f"statement_{statement.pk}"] = _("Give an answer or say why there is none.")
        elif (
            isinstance(answer, int)
            and not 1 <= answer <= 5
            or isinstance(answer, str)
            and answer not in NonAnswer.values
        ):
            errors[f"statement_{statement.pk}"] = _("Choose a value from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    response = WaveResponse.objects.create(
        wave=wave,
        area=area,
        street=street,
        answered_on=answered_on,
        instrument_version=statements[0].version.number if statements else 0,
        recorded_by=acting_user,
    )
    WaveAnswer.objects.bulk_create(
        WaveAnswer(
            response=response,
            statement=statement,
            value=answers[statement.pk] if isinstance(answers[statement.pk], int) else None,
            non_answer=answers[statement.pk] if isinstance(answers[statement.pk], str) else "",
        )
        for statement in statements
    )
    audit.record(actor=acting_user, action=AuditAction.CREATE, obj=response, purpose=PURPOSE)
    return response
