"""Writes of the privacy floor: consents and the closed list of legal grounds."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.concurrency import ConflictError

from . import audit
from .models import AuditAction, Consent, ConsentGivenBy, ConsentPurpose, LegalGround

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
