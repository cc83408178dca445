"""Login, logout and failed logins go into the audit log; a broken audit chain e-mails the privacy
officers."""

import hashlib

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from stijging.privacy import audit
from stijging.privacy.models import AuditAction, AuditOutcome
from stijging.privacy.signals import audit_alarm


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action=AuditAction.LOGIN, obj=user)
    if request is not None and hasattr(request, "session"):
        from .middleware import mark_session_start

        mark_session_start(request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "stijging_logout_reason", "")
        audit.record(actor=user, action=AuditAction.LOGOUT, obj=user, detail={"reason": reason} if reason else None)


@receiver(mfa_signals.authentication_failed)
def audit_second_factor_failed(sender, request, user, **kwargs):
    # The password was right (that is how the user is known), the code was not: never the code.
    authenticator = kwargs.get("authenticator")
    audit.record(
        actor=None,
        action=AuditAction.MFA_FAILED,
        obj=user,
        outcome=AuditOutcome.FAILED,
        detail={"type": getattr(authenticator, "type", "")},
    )


def _audit_authenticator(change: str, request, user, authenticator) -> None:
    actor = request.user if request is not None and request.user.is_authenticated else user
    audit.record(
        actor=actor, action=AuditAction.MFA_CHANGE, obj=user, detail={change: getattr(authenticator, "type", "")}
    )


@receiver(mfa_signals.authenticator_added)
def audit_authenticator_added(sender, request, user, authenticator, **kwargs):
    _audit_authenticator("added", request, user, authenticator)
    if request is None or authenticator.type != "totp":
        return
    from . import services

    invitation_id = request.session.pop(services.INVITATION_SESSION_KEY, None)
    if invitation_id:
        services.second_factor_invitation_spend(invitation_id=invitation_id, user=user)


@receiver(mfa_signals.authenticator_removed)
def audit_authenticator_removed(sender, request, user, authenticator, **kwargs):
    _audit_authenticator("removed", request, user, authenticator)
    if authenticator.type != "totp":
        return
    from . import services
    from .middleware import HAS_TOTP

    # Removing one's second factor takes effect at once: every other session of the user ends (one
    # may have been opened with it by someone else), and this one asks for it again where required.
    services.user_sessions_end(user=user, keep_request=request if request is not None else None)
    if request is not None and hasattr(request, "session"):
        request.session.pop(HAS_TOTP, None)


@receiver(mfa_signals.authenticator_reset)
def audit_authenticator_reset(sender, request, user, authenticator, **kwargs):
    _audit_authenticator("reset", request, user, authenticator)


def _audit_password(how: str, request, user) -> None:
    actor = request.user if request is not None and request.user.is_authenticated else None
    audit.record(actor=actor, action=AuditAction.PASSWORD_CHANGE, obj=user, detail={"how": how})


@receiver(account_signals.password_changed)
def audit_password_changed(sender, request, user, **kwargs):
    _audit_password("changed", request, user)


@receiver(account_signals.password_set)
def audit_password_set(sender, request, user, **kwargs):
    _audit_password("set", request, user)


@receiver(account_signals.password_reset)
def audit_password_reset(sender, request, user, **kwargs):
    _audit_password("reset", request, user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password; the e-mail tried is what the privacy officer needs to see.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILED,
        detail={"tried": tried},
    )


@receiver(audit_alarm)
def email_privacy_officers_on_audit_alarm(sender, problem: str, **kwargs):
    """Every active privacy officer gets one e-mail per distinct break (the dedup key carries a hash
    of the problem, so a sealer refusing every minute does not flood them)."""
    from django.urls import reverse

    from . import notifications
    from .models import Role, User

    digest = hashlib.sha256(problem.encode()).hexdigest()[:16]
    officers = User.objects.filter(is_active=True, memberships__role=Role.PRIVACY_OFFICER).distinct()
    link = notifications.absolute_link(reverse("privacy:audit_log"))
    for officer in officers:
        with translation.override(settings.LANGUAGE_CODE):
            notifications.queue(
                to=officer.email,
                subject=str(_("Stijging: the audit log's chain is broken; sealing has stopped")),
                body=str(
                    _(
                        "The audit log no longer reaches the last hash anchored outside the database: %(problem)s\n\n"
                        "New events are kept but not sealed until the log is restored. Run `stijging audit_verify` "
                        "and see %(link)s"
                    )
                    % {"problem": problem, "link": link}
                ),
                dedup_key=f"audit-alarm:{digest}:{officer.pk}",
            )
