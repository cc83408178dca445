"""Writes of the referrals floor (convention 2): one transaction each, with its audit event."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts import notifications
from stijging.accounts.models import Role, User
from stijging.concurrency import ConflictError
from stijging.privacy import audit
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AccessGrant, AuditAction, Consent, ConsentGivenBy, ConsentPurpose, LegalGround
from stijging.privacy.services import AGE_OF_CONSENT
from stijging.registry.access import require_person_still_in
from stijging.trajectories import services as trajectory_services
from stijging.trajectories.states import TrajectoryStatus

from . import signals, states, workingdays
from .models import (
    DEFAULT_ACCESS_DAYS_AFTER_CLOSING,
    DEFAULT_PRIORITY_WORKING_DAYS,
    GRANT_REASON,
    Referral,
    ReferralEvent,
    ServiceLevel,
)
from .states import ReferralCode, ReferralStatus, Side

__all__ = ["ConflictError"]

PURPOSE = "referral"


def access_days_after_closing(organisation_id: int) -> int:
    """How long a partner keeps a closed referral open to finish its outcome report."""
    level = ServiceLevel.objects.filter(organisation_id=organisation_id).values_list(
        "access_days_after_closing", flat=True
    )
    return next(iter(level), DEFAULT_ACCESS_DAYS_AFTER_CLOSING)


def priority_working_days(organisation) -> int:
    level = ServiceLevel.objects.filter(organisation=organisation).only("priority_working_days").first()
    return level.priority_working_days if level else DEFAULT_PRIORITY_WORKING_DAYS


def consent_problem(consent: Consent, *, person, organisation, on: datetime.date) -> str | None:
    """Why this consent cannot carry a referral of `person` to `organisation` on `on`, or None."""
    if consent.person_id != person.pk:
        return _("This consent is of another person.")
    if consent.purpose != ConsentPurpose.SHARE_WITH_ORGANISATION:
        return _("This consent is not a consent to share with an organisation.")
    if consent.organisation_id != organisation.pk:
        return _("This consent names another organisation.")
    if consent.given_on > on:
        return _("This consent was not yet given on that day.")
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return _("This consent has been withdrawn.")
    if person.age_on(on) < AGE_OF_CONSENT and consent.given_by != ConsentGivenBy.PARENT:
        return _("This person is under 16: a parent or guardian must have given the consent.")
    return None


def _audit(acting_user, action: str, referral: Referral, **detail) -> None:
    audit.record(
        actor=acting_user,
        action=action,
        obj=referral,
        person_ids=[referral.person_id],
        purpose=PURPOSE,
        detail={"organisation_id": referral.organisation_id, **detail},
    )


def partner_users(organisation_id: int, programme_id: int):
    """The organisation's people who answer its referrals in this programme: a partner membership of
    that programme (one filter call: role and programme of the same membership). An organisation
    may work for several programmes; its partners of another programme are nobody here."""
    return User.objects.filter(
        is_active=True,
        is_service_account=False,
        organisation_id=organisation_id,
        memberships__role=Role.PARTNER,
        memberships__programme_id=programme_id,
    ).distinct()


@transaction.atomic
def referral_send(
    *,
    acting_user,
    trajectory,
    organisation,
    domain,
    question: str,
    priority: bool,
    consent: Consent | None = None,
    legal_ground: LegalGround | None = None,
) -> Referral:
    """Send a referral. No referral without a valid, unwithdrawn consent of the person (a parent's
    under 16) for that organisation, unless a ground from the privacy officer's closed list is given."""
    if trajectory.programme_id not in acting_user.programme_ids_with({Role.CASE_MANAGER}):
        raise ValidationError(_("Only a case manager of the programme sends referrals."))
    if trajectory.status == TrajectoryStatus.CLOSED:
        raise ValidationError(_("This trajectory is closed."))
    require_person_still_in(trajectory.person_id, trajectory.programme_id)
    privacy_services.refuse_if_restricted(trajectory.person_id)
    if not question.strip():
        raise ValidationError({"question": _("Write the question to the partner.")})
    person = trajectory.person
    today = timezone.localdate()
    if legal_ground is not None and not LegalGround.objects.filter(pk=legal_ground.pk, active=True).exists():
        raise ValidationError({"legal_ground": _("This legal ground is no longer on the list.")})
    if consent is not None:
        # Re-read: the consent may have been withdrawn since the form was shown.
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        problem = consent_problem(consent, person=person, organisation=organisation, on=today)
        if problem:
            raise ValidationError({"consent": problem})
    if consent is None and legal_ground is None:
        raise ValidationError(
            {"consent": _("A referral needs the person's consent for this organisation, or a listed legal ground.")}
        )
    now = timezone.now()
    referral = Referral.objects.create(
        trajectory=trajectory,
        person=person,
        programme_id=trajectory.programme_id,
        organisation=organisation,
        domain=domain,
        question=question.strip(),
        priority=priority,
        consent=consent,
        legal_ground=legal_ground,
        sent_by=acting_user,
        sent_at=now,
        answer_due_on=workingdays.add_working_days(today, priority_working_days(organisation)) if priority else None,
    )
    ReferralEvent.objects.create(
        referral=referral, from_status="", to_status=ReferralStatus.SENT, by=acting_user, at=now
    )
    AccessGrant.objects.create(
        person=person,
        organisation=organisation,
        programme_id=referral.programme_id,
        reason_type=GRANT_REASON,
        reason_id=referral.pk,
    )
    trajectory_services.trajectory_record_activity(trajectory=trajectory)
    _audit(
        acting_user,
        AuditAction.CREATE,
        referral,
        priority=priority,
        consent_id=consent.pk if consent else None,
        legal_ground=legal_ground.code if legal_ground else None,
    )
    signals.referral_event.send(sender=Referral, referral=referral, event=signals.CREATED)
    link = notifications.absolute_link(reverse("referrals:referral", args=[referral.pk]))
    for user in partner_users(organisation.pk, referral.programme_id):
        notifications.queue(
            to=user.email,
            subject=_("A new referral for your organisation"),
            body=_("A new referral is waiting for you in Stijging:\n%(link)s") % {"link": link},
            dedup_key=f"referral-new:{referral.pk}:{user.pk}",
        )
    return referral


def _check_side(acting_user, referral: Referral, side: str) -> None:
    # The role held in the referral's own programme and organisation decides, never "a partner
    # somewhere" (a partner of programme A is nobody in programme B).
    if side == Side.PARTNER:
        if not (
            acting_user.organisation_id == referral.organisation_id
            and referral.programme_id in acting_user.programme_ids_with({Role.PARTNER})
        ):
            raise ValidationError(_("Only the addressed organisation answers this referral."))
    elif side == Side.CASE and referral.programme_id not in acting_user.programme_ids_with({Role.CASE_MANAGER}):
        raise ValidationError(_("Only a case manager of the programme withdraws a referral."))


def _apply(
    *,
    acting_user,
    referral: Referral,
    version: int | None,
    to_status: str,
    rule: states.Transition,
    code: str,
    code_text: str,
) -> Referral:
    code_text = code_text.strip()
    if rule.needs_code:
        if code not in rule.codes:
            raise ValidationError({"code": _("Choose a reason from the list.")})
        if code == ReferralCode.OTHER and not code_text:
            raise ValidationError({"code_text": _("Say in short what the reason is.")})
    else:
        code = ""
    if code != ReferralCode.OTHER:
        code_text = ""
    if len(code_text) > 200:
        raise ValidationError({"code_text": _("At most 200 characters.")})
    from_status = referral.status
    now = timezone.now()
    changes: dict = {"status": to_status, "code": code, "code_text": code_text, "version": F("version") + 1}
    if from_status == ReferralStatus.SENT and to_status in states.ANSWERED_STATUSES:
        changes["answered_at"] = now
    if to_status in states.FINAL_STATUSES:
        changes["closed_at"] = now
    queryset = Referral.objects.filter(pk=referral.pk, status=from_status)
    if version is not None:
        queryset = queryset.filter(version=version)
    if not queryset.update(**changes):
        raise ConflictError
    referral.refresh_from_db()
    ReferralEvent.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        at=now,
        by=acting_user,
        code=code,
        code_text=code_text,
    )
    grants = AccessGrant.objects.filter(reason_type=GRANT_REASON, reason_id=referral.pk, revoked_at__isnull=True)
    if to_status == ReferralStatus.WITHDRAWN:
        # Withdrawal ends the partner's access at once.
        grants.update(revoked_at=now)
        signals.referral_event.send(sender=Referral, referral=referral, event=signals.WITHDRAWN)
    elif to_status in states.FINAL_STATUSES:
        # A closed referral stays open to the partner just long enough to finish its own report.
        grants.update(valid_until=now + datetime.timedelta(days=access_days_after_closing(referral.organisation_id)))
    trajectory_services.trajectory_record_activity(trajectory=referral.trajectory)
    _audit(acting_user, AuditAction.UPDATE, referral, transition=f"{from_status}>{to_status}", code=code)
    return referral


@transaction.atomic
def referral_transition(
    *, acting_user, referral: Referral, version: int, to_status: str, side: str, code: str = "", code_text: str = ""
) -> Referral:
    """One step of the state machine (states.TRANSITIONS), taken by the side the table names."""
    rule = states.transition(referral.status, to_status)
    if rule is None or rule.side != side:
        raise ValidationError(
            {
                "to_status": _("A referral cannot go from %(from)s to %(to)s here.")
                % {"from": ReferralStatus(referral.status).label, "to": ReferralStatus(to_status).label}
            }
        )
    _check_side(acting_user, referral, side)
    if code and not rule.needs_code:
        # A result code chosen on a step that takes none was silently dropped: say so instead.
        raise ValidationError(
            {"code": _("This step takes no reason or outcome. To report the outcome, use “Report the outcome”.")}
        )
    return _apply(
        acting_user=acting_user,
        referral=referral,
        version=version,
        to_status=to_status,
        rule=rule,
        code=code,
        code_text=code_text,
    )


@transaction.atomic
def referral_report_outcome(
    *, acting_user, referral: Referral, version: int, code: str, code_text: str = ""
) -> Referral:
    """The partner reports the outcome in one step from any open state. The state machine's steps up
    to "completed" (states.OUTCOME_PATH) are taken one after the other in this one transaction, each
    with its own event and audit event, so the history reads as it always does; the outcome's code
    goes with the last step and is never dropped on the way. The version is that of the page the
    partner saw: a change by someone else since is a conflict, not an overwrite."""
    _check_side(acting_user, referral, Side.PARTNER)
    steps = states.outcome_steps(referral.status)
    if not steps:
        raise ValidationError(_("This referral is closed; its outcome can no longer be reported."))
    final = states.transition(ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)
    assert final is not None
    # Checked before the first step, so that a bad code never leaves the referral half-way.
    if code not in final.codes:
        raise ValidationError({"code": _("Choose an outcome from the list.")})
    if code == ReferralCode.OTHER and not code_text.strip():
        raise ValidationError({"code_text": _("Say in short what the reason is.")})
    current_version: int | None = version
    for to_status in steps:
        rule = states.transition(referral.status, to_status)
        if rule is None or rule.side != Side.PARTNER:  # the table changed: refuse rather than skip a step
            raise ValidationError(_("This referral cannot be completed from its present state."))
        referral = _apply(
            acting_user=acting_user,
            referral=referral,
            version=current_version,
            to_status=to_status,
            rule=rule,
            code=code if rule.needs_code else "",
            code_text=code_text if rule.needs_code else "",
        )
        current_version = referral.version
    return referral


def withdrawal_undo_problem(referral: Referral, *, today: datetime.date | None = None) -> str | None:
    """Why the withdrawal of this referral can no longer be undone, or None.

    Only the case manager's own withdrawal (not one because the consent was withdrawn), only on the
    day it was made, and only while nothing happened since: the withdrawal is the referral's last
    step, the consent still holds, the trajectory is open."""
    if referral.status != ReferralStatus.WITHDRAWN:
        return _("This referral is not withdrawn.")
    events = list(referral.events.all())  # in order of time (Meta); prefetched on the referral page
    last = events[-1] if events else None
    if last is None or last.to_status != ReferralStatus.WITHDRAWN or last.from_status not in states.OPEN_STATUSES:
        return _("Something happened to this referral after the withdrawal; send a new referral instead.")
    if last.code == ReferralCode.CONSENT_WITHDRAWN:
        return _("This referral was withdrawn because the consent was withdrawn; it cannot be undone.")
    if timezone.localdate(last.at) != (today or timezone.localdate()):
        return _("A withdrawal can only be undone on the day it was made; send a new referral instead.")
    if referral.trajectory.status == TrajectoryStatus.CLOSED:
        return _("This trajectory is closed.")
    consent = referral.consent  # no query without one; joined on the page and in the undo
    if consent is not None:
        problem = consent_problem(
            consent, person=referral.person, organisation=referral.organisation, on=today or timezone.localdate()
        )
        if problem:
            return problem
    elif (
        referral.legal_ground_id is not None
        and not LegalGround.objects.filter(pk=referral.legal_ground_id, active=True).exists()
    ):
        return _("This legal ground is no longer on the list.")
    return None


@transaction.atomic
def referral_withdrawal_undo(*, acting_user, referral: Referral, version: int) -> Referral:
    """Undo a withdrawal the same day (states.UNDO_WITHDRAWAL): the referral returns to the status
    it had, the partner's access returns with it, and the step is one more event (nothing is erased)."""
    _check_side(acting_user, referral, states.UNDO_WITHDRAWAL.side)
    # The referral locked alone (PostgreSQL locks no nullable side of a join), then its consent, as
    # referral_send does: a consent withdrawn at this moment either waits for us or is seen here.
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("trajectory", "consent", "person", "organisation")
        .get(pk=referral.pk)
    )
    if referral.version != version:
        raise ConflictError
    if referral.consent_id is not None:
        referral.consent = Consent.objects.select_for_update().get(pk=referral.consent_id)
    problem = withdrawal_undo_problem(referral)
    if problem:
        raise ValidationError(problem)
    require_person_still_in(referral.person_id, referral.programme_id)
    privacy_services.refuse_if_restricted(referral.person_id)
    withdrawal = list(referral.events.all())[-1]
    back_to = withdrawal.from_status
    now = timezone.now()
    if not Referral.objects.filter(pk=referral.pk, version=version, status=ReferralStatus.WITHDRAWN).update(
        status=back_to, code="", code_text="", closed_at=None, version=F("version") + 1
    ):
        raise ConflictError
    referral.refresh_from_db()
    ReferralEvent.objects.create(
        referral=referral, from_status=ReferralStatus.WITHDRAWN, to_status=back_to, at=now, by=acting_user
    )
    # The grant the withdrawal revoked (at the withdrawal's moment) opens again.
    AccessGrant.objects.filter(reason_type=GRANT_REASON, reason_id=referral.pk, revoked_at=withdrawal.at).update(
        revoked_at=None
    )
    trajectory_services.trajectory_record_activity(trajectory=referral.trajectory)
    _audit(
        acting_user,
        AuditAction.UPDATE,
        referral,
        transition=f"{ReferralStatus.WITHDRAWN}>{back_to}",
        undid_withdrawal=True,
    )
    return referral


def referrals_withdraw_for_consent(*, consent: Consent, acting_user) -> int:
    """The consent was withdrawn: withdraw every open referral resting on it and end the partner's
    access to every referral resting on it, whatever its status (SPEC §5: withdrawal ends partner
    access). Runs inside consent_withdraw's transaction (privacy.signals.consent_withdrawn)."""
    closed_ids = list(
        Referral.objects.filter(consent=consent).exclude(status__in=states.OPEN_STATUSES).values_list("pk", flat=True)
    )
    if closed_ids:
        revoked = AccessGrant.objects.filter(
            reason_type=GRANT_REASON, reason_id__in=closed_ids, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        audit.record(
            actor=acting_user,
            action=AuditAction.UPDATE,
            object_type="privacy.accessgrant",
            person_ids=[consent.person_id],
            purpose=PURPOSE,
            detail={"consent_id": consent.pk, "closed_referral_ids": closed_ids, "grants_revoked": revoked},
        )
    count = 0
    for referral in Referral.objects.filter(consent=consent, status__in=states.OPEN_STATUSES).select_related(
        "trajectory"
    ):
        _apply(
            acting_user=acting_user,
            referral=referral,
            version=None,
            to_status=ReferralStatus.WITHDRAWN,
            rule=states.SYSTEM_WITHDRAWAL,
            code=ReferralCode.CONSENT_WITHDRAWN,
            code_text="",
        )
        count += 1
    return count


@transaction.atomic
def referral_assign(*, acting_user, referral: Referral, version: int, assignee) -> Referral:
    """A partner assigns the referral to a colleague of the same organisation."""
    _check_side(acting_user, referral, Side.PARTNER)
    # A colleague who answers referrals of this programme: one of another programme could not open it.
    if not partner_users(referral.organisation_id, referral.programme_id).filter(pk=assignee.pk).exists():
        raise ValidationError({"assigned_to": _("Assign to a colleague of your own organisation.")})
    if not Referral.objects.filter(pk=referral.pk, version=version).update(
        assigned_to=assignee, version=F("version") + 1
    ):
        raise ConflictError
    referral.refresh_from_db()
    _audit(acting_user, AuditAction.UPDATE, referral, assigned_to=assignee.pk)
    return referral
