"""Writes of accounts: memberships and role requests (every role change is audited), users and their
second factor.

A role is granted through `membership_grant` only. A role that sees personal data
(`PERSONAL_DATA_ROLES`) takes a second person: an administrator asks (`role_request_submit`), another
administrator of the programme or its privacy officer approves (`role_request_approve`, which then
calls `membership_grant`) or refuses. An acting user may only touch roles of the programmes where
they hold the admin role. `acting_user=None` is the system itself (the demo seed, management
commands), which no request can reach.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from . import notifications
from .models import (
    PERSONAL_DATA_ROLES,
    Membership,
    Role,
    RoleRequest,
    RoleRequestStatus,
    SecondFactorInvitation,
    User,
)


def may_administer(acting_user: User | None, programme_id: int) -> bool:
    """Whether `acting_user` administers the programme: the system, a superuser, or an admin there."""
    if acting_user is None:
        return True
    return bool(acting_user.is_superuser or programme_id in acting_user.programme_ids_with({Role.ADMIN}))


def _require_administers(acting_user: User | None, programme_id: int) -> None:
    if not may_administer(acting_user, programme_id):
        raise PermissionDenied(_("You administer roles only in the programmes where you hold the admin role."))


@transaction.atomic
def membership_grant(
    *,
    acting_user: User | None,
    user: User,
    programme_id: int,
    role: str,
    approved_request: RoleRequest | None = None,
) -> Membership:
    existing = Membership.objects.filter(user=user, programme_id=programme_id, role=role).first()
    if existing is not None:
        return existing  # nothing changes, nothing to decide or log
    if role in PERSONAL_DATA_ROLES and acting_user is not None:
        # A person may grant such a role only by carrying out an approved request for exactly it.
        if approved_request is None or (
            approved_request.status != RoleRequestStatus.APPROVED
            or (approved_request.user_id, approved_request.programme_id, approved_request.role)
            != (user.pk, programme_id, role)
        ):
            raise PermissionDenied(
                _("This role sees personal data: it takes effect only after a second person approves it.")
            )
    else:
        _require_administers(acting_user, programme_id)
    membership, created = Membership.objects.get_or_create(user=user, programme_id=programme_id, role=role)
    if created:
        audit.record(
            actor=acting_user,
            action=AuditAction.ROLE_CHANGE,
            obj=user,
            detail={"granted": role, "programme_id": programme_id},
        )
    return membership


@transaction.atomic
def membership_revoke(*, acting_user: User | None, membership: Membership) -> None:
    _require_administers(acting_user, membership.programme_id)
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"revoked": membership.role, "programme_id": membership.programme_id},
    )
    membership.delete()


@transaction.atomic
def membership_change_role(*, acting_user: User | None, membership: Membership, role: str) -> Membership:
    _require_administers(acting_user, membership.programme_id)
    if role in PERSONAL_DATA_ROLES and acting_user is not None:
        # Changing into such a role would skip the second person: revoke, then request the new one.
        raise PermissionDenied(_("This role sees personal data: request it; a second person approves it."))
    old_role = Membership.objects.values_list("role", flat=True).get(pk=membership.pk)
    membership.role = role
    # Only the role: a membership never moves to another programme.
    membership.save(update_fields=["role"])
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"from": old_role, "to": role, "programme_id": membership.programme_id},
    )
    return membership


@transaction.atomic
def role_request_submit(*, acting_user: User, user: User, programme_id: int, role: str) -> Membership | RoleRequest:
    """Ask for a role. Coordinator and manager (aggregates only) take effect at once and return the
    membership; a role that sees personal data returns the pending request."""
    _require_administers(acting_user, programme_id)
    if role not in PERSONAL_DATA_ROLES:
        return membership_grant(acting_user=acting_user, user=user, programme_id=programme_id, role=role)
    existing = Membership.objects.filter(user=user, programme_id=programme_id, role=role).first()
    if existing is not None:
        return existing
    request, created = RoleRequest.objects.get_or_create(
        user=user,
        programme_id=programme_id,
        role=role,
        status=RoleRequestStatus.PENDING,
        defaults={"requested_by": acting_user},
    )
    if created:
        audit.record(
            actor=acting_user,
            action=AuditAction.ROLE_CHANGE,
            obj=user,
            detail={"requested": role, "programme_id": programme_id, "request": request.pk},
        )
        _notify_deciders(request)
    return request


def _notify_deciders(request: RoleRequest) -> None:
    """Tell the ones who may decide; the e-mail holds a link only, no names."""
    link = notifications.absolute_link(reverse("accounts:role_requests"))
    deciders = (
        User.objects.filter(
            is_active=True,
            memberships__programme_id=request.programme_id,
            memberships__role__in=[Role.ADMIN, Role.PRIVACY_OFFICER],
        )
        .exclude(pk__in=[request.user_id, request.requested_by_id or 0])
        .distinct()
    )
    for decider in deciders:
        notifications.queue(
            to=decider.email,
            subject=_("A role request awaits your decision"),
            body=_("A role request is waiting for a second person in Stijging:\n%(link)s") % {"link": link},
            dedup_key=f"role-request:{request.pk}:{decider.pk}",
        )


def may_decide(acting_user: User, request: RoleRequest) -> bool:
    """Another admin of the request's programme or its privacy officer (or a superuser); never the
    one who asked, never the one the role is for."""
    if acting_user.pk in (request.requested_by_id, request.user_id):
        return False
    return bool(
        acting_user.is_superuser
        or request.programme_id in acting_user.programme_ids_with({Role.ADMIN, Role.PRIVACY_OFFICER})
    )


def _decide(acting_user: User, request: RoleRequest, status: str) -> RoleRequest:
    locked = RoleRequest.objects.select_for_update().get(pk=request.pk)
    if not may_decide(acting_user, locked):
        raise PermissionDenied(
            _(
                "A second person decides: another administrator of the programme or its privacy officer, "
                "not the one who asked nor the one the role is for."
            )
        )
    if locked.status != RoleRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    locked.status = status
    locked.decided_by = acting_user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    key = "approved" if status == RoleRequestStatus.APPROVED else "refused"
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=locked.user,
        detail={key: locked.role, "programme_id": locked.programme_id, "request": locked.pk},
    )
    return locked


@transaction.atomic
def role_request_approve(*, acting_user: User, request: RoleRequest) -> Membership:
    approved = _decide(acting_user, request, RoleRequestStatus.APPROVED)
    return membership_grant(
        acting_user=acting_user,
        user=approved.user,
        programme_id=approved.programme_id,
        role=approved.role,
        approved_request=approved,
    )


# --- Second factor: invitation and reset ------------------------------------------------------------

INVITATION_SESSION_KEY = "stijging_mfa_invitation"


@transaction.atomic
def second_factor_invite(*, acting_user: User | None, user: User) -> SecondFactorInvitation:
    """Send `user` a single-use link (72 h) to enrol their first second factor; an earlier open link
    is spent. Refused when the user already has one: reset it first (audited)."""
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise ValidationError(_("This user already has a second factor; reset it first."))
    if not user.is_active:
        raise ValidationError(_("This user is not active."))
    now = timezone.now()
    SecondFactorInvitation.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    invitation = SecondFactorInvitation.objects.create(
        user=user,
        token_hash=SecondFactorInvitation.hash_token(token),
        created_by=acting_user,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=SecondFactorInvitation.VALID_FOR_HOURS),
    )
    link = notifications.absolute_link(reverse("mfa_invitation", args=[token]))
    with translation.override(settings.LANGUAGE_CODE):
        notifications.queue(
            to=user.email,
            subject=str(_("Stijging: set up your second factor")),
            body=str(
                _(
                    "Your functional administrator invites you to set up the authenticator app for Stijging.\n\n"
                    "Log in with your password, then open this link within %(hours)s hours. It works once:\n"
                    "%(link)s\n\nDid you not expect this? Tell your functional administrator."
                )
                % {"hours": SecondFactorInvitation.VALID_FOR_HOURS, "link": link}
            ),
            dedup_key=f"mfa-invitation:{invitation.pk}",
        )
    audit.record(
        actor=acting_user,
        action=AuditAction.MFA_CHANGE,
        obj=user,
        detail={"invitation_sent": invitation.pk, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


def second_factor_invitation_open(*, user: User, token: str) -> SecondFactorInvitation | None:
    """The open invitation this token names for this user, or None (unknown, spent, expired or
    someone else's: the caller does not tell which)."""
    invitation = SecondFactorInvitation.objects.filter(token_hash=SecondFactorInvitation.hash_token(token)).first()
    if invitation is None or invitation.user_id != user.pk or not invitation.is_open:
        return None
    return invitation


@transaction.atomic
def second_factor_invitation_spend(*, invitation_id: int, user: User) -> bool:
    """Mark the invitation used when the factor is activated: True when it was still open."""
    return bool(
        SecondFactorInvitation.objects.filter(
            pk=invitation_id, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
    )


@transaction.atomic
def role_request_refuse(*, acting_user: User, request: RoleRequest) -> RoleRequest:
    return _decide(acting_user, request, RoleRequestStatus.REFUSED)


def check_organisation_change(user: User, organisation_id: int | None) -> None:
    """A partner worker's referral inbox follows their organisation: moving them would silently move
    their scope to the other organisation's referrals. The partner role goes first, then the move
    (docs/decisions/0005-administrators-administer.md)."""
    if user.pk is None or user.organisation_id == organisation_id:
        return
    if Membership.objects.filter(user=user, role=Role.PARTNER).exists():
        raise ValidationError(
            _(
                "This user holds the partner role: their referral inbox follows their organisation. "
                "Revoke the partner role first, then change the organisation."
            ),
            code="partner_role",
        )


@transaction.atomic
def second_factor_reset(*, acting_user: User | None, user: User) -> list[str]:
    """Remove every second factor of `user` (a lost or stolen phone): they log in again only after
    a new invitation. Returns the kinds removed."""
    from allauth.mfa.models import Authenticator

    kinds = sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    Authenticator.objects.filter(user=user).delete()
    SecondFactorInvitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    # Whoever holds the lost phone may be logged in already: every session of the user ends now.
    user_sessions_end(user=user)
    audit.record(actor=acting_user, action=AuditAction.MFA_CHANGE, obj=user, detail={"reset": kinds})
    return kinds


def user_sessions_end(*, user: User, keep_request=None) -> None:
    """End every session of `user` at their next request (the session hash changes), except the
    one of `keep_request` when given (the user acting on themselves stays logged in there)."""
    User.objects.filter(pk=user.pk).update(sessions_epoch=F("sessions_epoch") + 1)
    user.refresh_from_db(fields=["sessions_epoch"])
    if keep_request is not None:
        update_session_auth_hash(keep_request, user)
