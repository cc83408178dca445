"""Writes of the privacy floor: consents and the closed list of legal grounds."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError

from . import audit
from .models import (
    AuditAction,
    Consent,
    ConsentGivenBy,
    ConsentPurpose,
    ErasureDecision,
    LegalGround,
    RequestKind,
    RequestStatus,
    Restriction,
    SubjectExport,
    SubjectRequest,
)

# Under this age a parent or guardian gives consent (UAVG art. 5).
AGE_OF_CONSENT = 16


def _age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


@transaction.atomic
def consent_record(
    *,
    acting_user,
    person,
    purpose: str,
    given_by: str,
    given_on: datetime.date,
    organisation=None,
    parent_name: str = "",
    note: str = "",
) -> Consent:
    errors: dict[str, str] = {}
    if given_on > timezone.localdate():
        errors["given_on"] = _("Consent cannot be given in the future.")
    if given_on < person.date_of_birth:
        errors["given_on"] = _("Consent cannot be given before the person was born.")
    elif _age_on(person.date_of_birth, given_on) < AGE_OF_CONSENT and given_by != ConsentGivenBy.PARENT:
        errors["given_by"] = _("This person was under 16 on that date: a parent or guardian gives consent.")
    if given_by == ConsentGivenBy.PARENT and not parent_name.strip():
        errors["parent_name"] = _("Give the name of the parent or guardian who consented.")
    if purpose == ConsentPurpose.SHARE_WITH_ORGANISATION and organisation is None:
        errors["organisation"] = _("Name the organisation the data may be shared with.")
    if purpose == ConsentPurpose.RECEIVE_HELP:
        organisation = None
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        organisation=organisation,
        given_by=given_by,
        parent_name=parent_name.strip() if given_by == ConsentGivenBy.PARENT else "",
        given_on=given_on,
        note=note,
        recorded_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=consent,
        person_ids=[person.pk],
        detail={"purpose": purpose, "organisation_id": organisation.pk if organisation else None},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, acting_user, consent: Consent, withdrawn_on: datetime.date, note: str = "") -> Consent:
    """Withdraw a consent. Later parts hook in here to withdraw what rests on it (referrals)."""
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("A consent cannot be withdrawn before it was given.")})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("A withdrawal cannot be dated in the future.")})
    updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
        withdrawn_on=withdrawn_on, withdrawn_by=acting_user, withdrawal_note=note
    )
    if not updated:
        raise ValidationError(_("This consent has already been withdrawn."))
    consent.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=consent,
        person_ids=[consent.person_id],
        detail={"withdrawn_on": withdrawn_on.isoformat()},
    )
    from .signals import consent_withdrawn

    consent_withdrawn.send(sender=Consent, consent=consent, acting_user=acting_user)
    return consent


@transaction.atomic
def legal_ground_save(
    *,
    acting_user,
    ground: LegalGround | None,
    version: int | None,
    code: str,
    title: str,
    article: str,
    description: str,
    active: bool,
) -> LegalGround:
    if ground is None:
        ground = LegalGround(code=code, title=title, article=article, description=description, active=active)
        ground.full_clean()
        ground.save()
        action = AuditAction.CREATE
    else:
        candidate = LegalGround(
            pk=ground.pk, code=code, title=title, article=article, description=description, active=active
        )
        candidate.full_clean(exclude=["version"], validate_unique=False)
        if LegalGround.objects.exclude(pk=ground.pk).filter(code=code).exists():
            raise ValidationError({"code": _("Another legal ground already has this code.")})
        if version is None or not LegalGround.objects.filter(pk=ground.pk, version=version).update(
            code=code,
            title=title,
            article=article,
            description=description,
            active=active,
            version=(version or 0) + 1,
            updated_at=timezone.now(),
        ):
            raise ConflictError
        ground.refresh_from_db()
        action = AuditAction.UPDATE
    audit.record(actor=acting_user, action=action, obj=ground, detail={"code": code, "active": active})
    return ground


# --- The privacy officer's desk (issue 13) ------------------------------------------------------

PRIVACY_OFFICER = "privacy_officer"
# The statutory deadline: one month after receipt; extendable once by at most two months (art. 12(3)).
DEADLINE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day where that day does not exist (31 Jan + 1
    month = 28/29 Feb), the way a "month" deadline is counted (Algemene termijnenwet)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _refuse_unless_privacy_officer(acting_user, programme_id: int) -> None:
    if programme_id not in acting_user.programme_ids_with({PRIVACY_OFFICER}):
        raise PermissionDenied


def _refuse_unless_open(request: SubjectRequest) -> None:
    if not request.is_open:
        raise ValidationError(_("This request is closed."))


def _bump(request: SubjectRequest, version: int, **changes) -> SubjectRequest:
    if not SubjectRequest.objects.filter(pk=request.pk, version=version).update(version=version + 1, **changes):
        raise ConflictError
    request.refresh_from_db()
    return request


def _audit_request(acting_user, action: str, request: SubjectRequest, **detail) -> None:
    audit.record(
        actor=acting_user,
        action=action,
        obj=request,
        person_ids=[request.person_id],
        purpose="subject_request",
        detail={"kind": request.kind, **detail},
    )


@transaction.atomic
def subject_request_register(
    *,
    acting_user,
    programme_id: int,
    person_id: int,
    kind: str,
    received_on: datetime.date,
    identity_check: str,
    identity_note: str = "",
    requested_by_other: str = "",
    description: str = "",
) -> SubjectRequest:
    from .subject import person_programme_ids

    _refuse_unless_privacy_officer(acting_user, programme_id)
    if programme_id not in person_programme_ids(person_id):
        raise ValidationError(_("This person never lived in the programme's area."))
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("A request cannot be received in the future.")})
    request = SubjectRequest(
        programme_id=programme_id,
        person_id=person_id,
        kind=kind,
        received_on=received_on,
        identity_check=identity_check,
        identity_note=identity_note,
        requested_by_other=requested_by_other.strip(),
        description=description,
        deadline_on=add_months(received_on, DEADLINE_MONTHS),
        created_by=acting_user,
    )
    request.full_clean()
    request.save()
    _audit_request(acting_user, AuditAction.CREATE, request)
    return request


@transaction.atomic
def subject_request_extend(
    *, acting_user, request: SubjectRequest, version: int, months: int, reason: str
) -> SubjectRequest:
    _refuse_unless_privacy_officer(acting_user, request.programme_id)
    _refuse_unless_open(request)
    if request.extended_until:
        raise ValidationError(_("The deadline was extended before; the law allows it once."))
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValidationError({"months": _("The deadline can be extended by one or two months.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the requester must be told it.")})
    request = _bump(
        request,
        version,
        extended_until=add_months(request.deadline_on, months),
        extension_reason=reason.strip(),
        status=RequestStatus.IN_PROGRESS,
    )
    _audit_request(acting_user, AuditAction.UPDATE, request, extended_until=str(request.extended_until))
    return request


@transaction.atomic
def subject_request_close(
    *, acting_user, request: SubjectRequest, version: int, status: str, outcome: str
) -> SubjectRequest:
    _refuse_unless_privacy_officer(acting_user, request.programme_id)
    _refuse_unless_open(request)
    if status not in (RequestStatus.DONE, RequestStatus.REFUSED, RequestStatus.WITHDRAWN):
        raise ValidationError({"status": _("Choose how the request ended.")})
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write down the outcome the requester was told.")})
    if request.kind == RequestKind.RESTRICTION and request.restrictions.filter(lifted_at__isnull=True).exists():
        raise ValidationError(_("Lift the restriction before closing its request."))
    request = _bump(request, version, status=status, outcome=outcome.strip(), closed_at=timezone.now())
    _audit_request(acting_user, AuditAction.UPDATE, request, status=status)
    return request


def render_export_pdf(data: dict, request: SubjectRequest) -> bytes:
    """The resident's copy in Dutch, whatever language the privacy officer works in."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML  # imported here: start-up stays fast, and the rest runs without Pango

    with translation.override("nl"):
        html = render_to_string(
            "privacy/export_pdf.html", {"data": data, "request": request, "today": timezone.localdate()}
        )
    return HTML(string=html).write_pdf()


def subject_export_create(*, acting_user, request: SubjectRequest) -> SubjectExport:
    """Everything held on the person, as JSON and as the resident's PDF, kept with the request.

    Gathered and rendered before the write transaction, not inside it: rendering takes seconds, and
    on SQLite an open write transaction would hold every other request's audit insert that long."""
    from .subject import person_data

    _refuse_unless_privacy_officer(acting_user, request.programme_id)
    _refuse_unless_open(request)
    if request.kind not in (RequestKind.ACCESS, RequestKind.PORTABILITY):
        raise ValidationError(_("Only an access or portability request produces an export."))
    data = person_data(request.person_id)
    pdf = render_export_pdf(data, request)
    with transaction.atomic():
        _audit_request(acting_user, AuditAction.EXPORT, request)
        export = SubjectExport.objects.create(request=request, created_by=acting_user, data=data, pdf=pdf)
        SubjectRequest.objects.filter(pk=request.pk, status=RequestStatus.RECEIVED).update(
            status=RequestStatus.IN_PROGRESS
        )
    return export


@transaction.atomic
def erasure_decide(*, acting_user, request: SubjectRequest, version: int, grant: bool, outcome: str) -> SubjectRequest:
    """Assess an erasure request against the legal holds the system knows and record the decision.
    Granted without holds: the person is anonymised in this transaction and the request is done.
    A hold makes a grant impossible; a refusal records the holds it rests on."""
    from .subject import anonymise_person, legal_holds

    _refuse_unless_privacy_officer(acting_user, request.programme_id)
    _refuse_unless_open(request)
    if request.kind != RequestKind.ERASURE:
        raise ValidationError(_("Only an erasure request is decided here."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write down the outcome the requester was told.")})
    holds = legal_holds(request.person_id, except_request_id=request.pk)
    if grant and holds:
        raise ValidationError(_("A legal hold applies: the person cannot be anonymised now."))
    request = _bump(
        request,
        version,
        erasure_decision=ErasureDecision.GRANTED if grant else ErasureDecision.REFUSED,
        legal_holds=holds,
        status=RequestStatus.DONE if grant else RequestStatus.REFUSED,
        outcome=outcome.strip(),
        closed_at=timezone.now(),
    )
    _audit_request(acting_user, AuditAction.UPDATE, request, decision=request.erasure_decision, holds=len(holds))
    if grant:
        counts = anonymise_person(request.person_id)
        audit.record(
            actor=acting_user,
            action=AuditAction.ANONYMISE,
            object_type="registry.person",
            object_id=request.person_id,
            person_ids=[request.person_id],
            purpose="subject_request",
            detail={"request_id": request.pk, "counts": counts},
        )
    return request


@transaction.atomic
def restriction_place(*, acting_user, request: SubjectRequest, reason: str) -> Restriction:
    _refuse_unless_privacy_officer(acting_user, request.programme_id)
    _refuse_unless_open(request)
    if request.kind not in (RequestKind.RESTRICTION, RequestKind.RECTIFICATION, RequestKind.OBJECTION):
        raise ValidationError(_("Processing is restricted on a restriction, rectification or objection request."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the ground of art. 18(1) that applies.")})
    if Restriction.objects.active().filter(person_id=request.person_id).exists():
        raise ValidationError(_("Processing of this person is already restricted."))
    restriction = Restriction.objects.create(
        person_id=request.person_id, request=request, reason=reason.strip(), started_by=acting_user
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=restriction,
        person_ids=[request.person_id],
        purpose="subject_request",
        detail={"request_id": request.pk},
    )
    return restriction


@transaction.atomic
def restriction_lift(*, acting_user, restriction: Restriction) -> Restriction:
    _refuse_unless_privacy_officer(acting_user, restriction.request.programme_id)
    if not Restriction.objects.filter(pk=restriction.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=acting_user
    ):
        raise ValidationError(_("This restriction was lifted before."))
    restriction.refresh_from_db()
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=restriction,
        person_ids=[restriction.person_id],
        purpose="subject_request",
        detail={"lifted": True},
    )
    return restriction


def refuse_if_restricted(person_id: int) -> None:
    """For the write services of every app: a restricted person's records are read-only (art. 18)."""
    from .selectors import person_is_restricted

    if person_is_restricted(person_id):
        raise ValidationError(
            _("Processing of this person's data is restricted (AVG art. 18): their records are read-only for now.")
        )
