"""Writes of accounts: memberships (role changes are audited), users and their second factor."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from . import notifications
from .models import Membership, SecondFactorInvitation, User


@transaction.atomic
def membership_grant(*, acting_user: User | None, user: User, programme_id: int, role: str) -> Membership:
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
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"revoked": membership.role, "programme_id": membership.programme_id},
    )
    membership.delete()


@transaction.atomic
def membership_change_role(*, acting_user: User | None, membership: Membership, role: str) -> Membership:
    old_role = Membership.objects.values_list("role", flat=True).get(pk=membership.pk)
    membership.role = role
    membership.save(update_fields=["role", "programme"])
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"from": old_role, "to": role, "programme_id": membership.programme_id},
    )
    return membership


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
def second_factor_reset(*, acting_user: User | None, user: User) -> list[str]:
    """Remove every second factor of `user` (a lost or stolen phone): they log in again only after
    a new invitation. Returns the kinds removed."""
    from allauth.mfa.models import Authenticator

    kinds = sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    Authenticator.objects.filter(user=user).delete()
    SecondFactorInvitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    audit.record(actor=acting_user, action=AuditAction.MFA_CHANGE, obj=user, detail={"reset": kinds})
    return kinds
