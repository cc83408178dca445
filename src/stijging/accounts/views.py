"""The accounts' own pages: the second person's decisions on role requests (pending requests for
roles that see personal data, approved or refused by another administrator of the programme or its
privacy officer), and the second-factor invitation, the only way to enrol a first second factor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, deny_not_found, login_required
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
        pk = form.cleaned_data["request"]
        # A request of a programme where this user decides nothing does not exist for them.
        role_request = selectors.role_requests_for_decider(user).filter(pk=pk).first()
        if role_request is None:
            raise deny_not_found(request, "accounts.rolerequest", pk)
        try:
            if form.cleaned_data["decision"] == "approve":
                services.role_request_approve(acting_user=user, request=role_request)
                messages.success(request, _("Approved: the role takes effect now."))
            else:
                services.role_request_refuse(acting_user=user, request=role_request)
                messages.success(request, _("Refused: the role is not granted."))
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
        return redirect("accounts:role_requests")
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
