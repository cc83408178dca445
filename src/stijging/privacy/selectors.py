from __future__ import annotations

import datetime

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from .models import AuditEvent, LegalGround, Restriction, RetentionPolicy, RetentionRun, SubjectRequest


def audit_events(
    user,
    *,
    person_id: int | None = None,
    actor: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered. Only the privacy officer's views call this.

    Scoped to what was done by the people of the officer's own programmes: a privacy officer of one
    municipality's programme has no business with another's log. An event counts when its actor holds
    any role in one of those programmes (a user with roles in two programmes shows in both logs: the
    event does not record the programme it was done for). Events without an actor (the tick, a failed
    sign-in with an unknown e-mail) belong to no programme and are the administrator's (`stijging
    audit_verify`, the alarm)."""
    from django.apps import apps

    membership = apps.get_model("accounts", "Membership")
    programme_ids = user.programme_ids_with({"privacy_officer"})
    actors = membership.objects.filter(programme_id__in=programme_ids).values("user_id")
    events = AuditEvent.objects.filter(actor_id__in=actors).order_by("-id")
    if actor:
        events = events.filter(actor_label__iexact=actor.strip())
    if action:
        events = events.filter(action=action)
    return _of_person_in_period(events, person_id, date_from, date_to)


def person_audit_events(
    person_id: int, *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> QuerySet[AuditEvent]:
    """Every event on one person, whoever acted (NEN 7513: the resident sees who viewed their file).
    Only for a person the privacy officer may open (the caller checks)."""
    return _of_person_in_period(AuditEvent.objects.order_by("-id"), person_id, date_from, date_to)


def _of_person_in_period(
    events: QuerySet[AuditEvent],
    person_id: int | None,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> QuerySet[AuditEvent]:
    if person_id:
        events = _with_person(events, person_id)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events


def _with_person(events: QuerySet[AuditEvent], person_id: int) -> QuerySet[AuditEvent]:
    from django.db import connection

    if connection.features.supports_json_field_contains:
        return events.filter(person_ids__contains=[person_id])
    # SQLite has no JSON containment lookup; json_each matches the exact id, not a substring.
    return events.extra(  # noqa: S610 (a constant clause; the id is a bound parameter)
        where=["EXISTS (SELECT 1 FROM json_each(privacy_auditevent.person_ids) WHERE json_each.value = %s)"],
        params=[int(person_id)],
    )


def legal_grounds(*, active_only: bool = False) -> QuerySet[LegalGround]:
    grounds = LegalGround.objects.order_by("-active", "title")
    return grounds.filter(active=True) if active_only else grounds


# --- The privacy officer's desk (issue 13) ------------------------------------------------------


def legal_ground(user, pk: int) -> LegalGround | None:
    """Any ground of the closed list: the privacy officer's role (checked by the view) is the scope."""
    return LegalGround.objects.filter(pk=pk).first()


def person_is_restricted(person_id: int) -> bool:
    """AVG art. 18: while a restriction is active, every write service refuses to change the
    person's records (one query). Write services call this; it is the only rule they need."""
    return Restriction.objects.active().filter(person_id=person_id).exists()


def restricted_person_ids():
    """The persons whose processing is restricted, as a subquery: partner selectors exclude them."""
    return Restriction.objects.active().values("person_id")


def subject_requests(user, *, open_only: bool = False):
    """The requests of the programmes where the user is the privacy officer, by deadline."""
    requests = SubjectRequest.objects.visible_to(user).select_related("person", "programme")
    if open_only:
        requests = requests.open()
    return requests.annotate(due=Coalesce(F("extended_until"), F("deadline_on"))).order_by("due", "pk")


def subject_request(user, pk: int):
    return (
        SubjectRequest.objects.visible_to(user)
        .select_related("person", "programme", "created_by")
        .prefetch_related("exports", "restrictions")
        .get(pk=pk)
    )


def retention_policies():
    return RetentionPolicy.objects.order_by("kind")


def retention_runs(limit: int = 10):
    return RetentionRun.objects.select_related("decided_by").order_by("-created_at", "-pk")[:limit]
