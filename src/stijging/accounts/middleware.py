import secrets
import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Paths a logged-in user without MFA may still reach: setting it up, logging out, static files.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/", "/i18n/")

# Session keys: when this session logged in, and when it was last seen (epoch seconds).
LOGIN_AT = "stijging_login_at"
LAST_SEEN = "stijging_last_seen"
# Set once the session's user is seen to have TOTP (so a request pays the lookup only until then).
HAS_TOTP = "stijging_has_totp"
# A random tag per session for the browser's kept conversation answers (never the session key).
SESSION_TAG_KEY = "stijging_storage_tag"
# The last-seen time is written at most this often, so that a page does not cost a session UPDATE.
LAST_SEEN_GRANULARITY = 60


class RequireMFAMiddleware:
    """When STIJGING_REQUIRE_MFA is on, a user without TOTP is sent to set it up before anything else.

    Setting up the first factor needs more than the password: the authenticator set-up page opens
    only for a session that came through an open invitation link of this user (accounts.views), so
    whoever knows a not-yet-enrolled user's password cannot put their own phone on the account.
    That holds with MFA required or not."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._activate = None

    def __call__(self, request):
        if request.user.is_authenticated:
            if self._activate is None:
                self._activate = reverse("mfa_activate_totp")
            if request.path == self._activate and not _has_totp(request) and not _invited(request):
                return redirect(reverse("mfa_invitation_needed"))
            if (
                settings.STIJGING_REQUIRE_MFA
                and not request.path.startswith(_ALLOWED_PREFIXES)
                and not _has_totp(request)
            ):
                return redirect(self._activate if _invited(request) else reverse("mfa_invitation_needed"))
        return self.get_response(request)


def _invited(request) -> bool:
    from .services import INVITATION_SESSION_KEY, SecondFactorInvitation

    invitation_id = request.session.get(INVITATION_SESSION_KEY)
    if not invitation_id:
        return False
    invitation = SecondFactorInvitation.objects.filter(pk=invitation_id, user=request.user).first()
    return invitation is not None and invitation.is_open


def _has_totp(request) -> bool:
    # Remembered in the session once seen, so a request pays the lookup only until MFA is set up.
    if request.session.get(HAS_TOTP):
        return True
    from allauth.mfa.models import Authenticator

    found = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    if found:
        request.session[HAS_TOTP] = True
    return found


def mark_session_start(request) -> None:
    """Called at login: the absolute and the idle timeout count from here."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now
    request.session[SESSION_TAG_KEY] = secrets.token_hex(8)


class SessionTimeoutMiddleware:
    """Ends a session after STIJGING_IDLE_TIMEOUT seconds without a request, and after
    SESSION_COOKIE_AGE seconds since login whatever happened in between (the cookie's own expiry
    would slide with every session write, so the login time is kept in the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get(LOGIN_AT)
            last_seen = session.get(LAST_SEEN)
            idle = last_seen is not None and now - last_seen > settings.STIJGING_IDLE_TIMEOUT
            expired = login_at is not None and now - login_at > settings.SESSION_COOKIE_AGE
            if idle or expired:
                return self._end(request, "idle" if idle else "expired")
            if login_at is None:
                # A session from before this middleware: it starts counting now.
                mark_session_start(request)
            elif now - (last_seen or 0) >= LAST_SEEN_GRANULARITY:
                session[LAST_SEEN] = now
        return self.get_response(request)

    def _end(self, request, reason: str):
        request.stijging_logout_reason = reason
        path = request.get_full_path()
        logout(request)
        if reason == "idle":
            minutes = max(1, settings.STIJGING_IDLE_TIMEOUT // 60)
            messages.info(
                request, _("You were logged out after %(minutes)s minutes without activity.") % {"minutes": minutes}
            )
        else:
            messages.info(request, _("Your session ended; please log in again."))
        target = f"{reverse(settings.LOGIN_URL)}?next={quote(path)}&ended=1"
        if request.headers.get("HX-Request"):
            # An htmx request would swap the login page into a fragment: let htmx load the page.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
