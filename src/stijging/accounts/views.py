"""The second-factor invitation: the only way to enrol a first second factor."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from stijging.privacy import audit
from stijging.privacy.access import login_required
from stijging.privacy.models import AuditAction, AuditOutcome

from . import services


@never_cache
@login_required
def mfa_invitation(request, token: str):
    """Opened from the e-mail after logging in with the password: an open invitation of this user
    lets this session reach the authenticator set-up; anything else is refused without saying why."""
    invitation = services.second_factor_invitation_open(user=request.user, token=token)
    if invitation is None:
        audit.record(
            actor=request.user,
            action=AuditAction.MFA_FAILED,
            obj=request.user,
            outcome=AuditOutcome.DENIED,
            detail={"reason": "invitation_invalid"},
        )
        return render(request, "accounts/mfa_invitation.html", {"invalid": True}, status=400)
    request.session[services.INVITATION_SESSION_KEY] = invitation.pk
    return redirect("mfa_activate_totp")


@never_cache
@login_required
def mfa_invitation_needed(request):
    return render(request, "accounts/mfa_invitation.html", {"invalid": False})
