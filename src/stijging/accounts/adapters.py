from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from stijging.privacy import audit
from stijging.privacy.models import AuditAction, AuditOutcome


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are made by the functional administrator, never by self sign-up."""

    def get_client_ip(self, request) -> str:
        # The throttle counts per client: behind nginx that is the address nginx saw, not 127.0.0.1
        # (which would let ten wrong passwords a minute from anyone lock out every colleague). The
        # audit log's rule, so both name the same address; a short X-Forwarded-For falls back to
        # the peer address instead of a server error.
        from stijging.privacy.middleware import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a key for the counter, not a bind address

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        # An API client's service account acts through its token only: even with a password an
        # administrator gave it, it never signs in (it reads as an inactive account).
        if getattr(user, "is_service_account", False):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def pre_authenticate(self, request, **credentials) -> None:
        # A login refused by the brute-force throttle never reaches Django's authenticate(), so the
        # user_login_failed signal does not fire: log it here, or a guessing attack stays invisible.
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
            audit.record(
                actor=None,
                action=AuditAction.LOGIN_FAILED,
                outcome=AuditOutcome.DENIED,
                detail={"tried": tried, "reason": "rate_limited"},
            )
            raise
