"""The accounts' own pages: the second person's decisions on role requests (pending requests for
roles that see personal data, approved or refused by another administrator of the programme or its
privacy officer), and the second-factor invitation, the only way to enrol a first second factor."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from stijging.core.views_toolkit import run_service_on_button, visible_or_404
from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, login_required
from stijging.privacy.models import AuditAction, AuditOutcome

from . import selectors, services
from .forms import RoleRequestDecisionForm
from .models import Role


@login_required
@require_http_methods(["GET", "POST"])
def role_requests(request):
    user = request.user
    if not (user.is_superuser or user.has_role(Role.ADMIN, Role.PRIVACY_OFFICER)):
        raise deny_forbidden(request, object_type="view:role_requests")
    form = RoleRequestDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A request of a programme where this user decides nothing does not exist for them.
        role_request = visible_or_404(
            request, selectors.role_request_for_decider, form.cleaned_data["request"], "accounts.rolerequest"
        )
        approve = form.cleaned_data["decision"] == "approve"
        decide = services.role_request_approve if approve else services.role_request_refuse
        return run_service_on_button(
            request,
            lambda: decide(acting_user=user, request=role_request),
            success=_("Approved: the role takes effect now.") if approve else _("Refused: the role is not granted."),
            then=redirect("accounts:role_requests"),
        )
    pending = [
        (role_request, services.may_decide(user, role_request))
        for role_request in selectors.role_requests_for_decider(user)
    ]
    return render(request, "accounts/role_requests.html", {"pending": pending, "form": form})


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
