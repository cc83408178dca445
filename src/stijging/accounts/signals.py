"""Login, logout and failed logins go into the audit log; a broken audit chain e-mails the privacy
officers."""

import hashlib

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


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT, obj=user)


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
