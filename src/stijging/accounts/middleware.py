from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a logged-in user without MFA may still reach: setting it up, logging out, static files.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/", "/i18n/")


class RequireMFAMiddleware:
    """When STIJGING_REQUIRE_MFA is on, a user without TOTP is sent to set it up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STIJGING_REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not _has_totp(request)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(request) -> bool:
    # Remembered in the session once seen, so a request pays the lookup only until MFA is set up.
    if request.session.get("stijging_has_totp"):
        return True
    from allauth.mfa.models import Authenticator

    found = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    if found:
        request.session["stijging_has_totp"] = True
    return found
