from django.conf import settings

from stijging.accounts.middleware import SESSION_TAG_KEY
from stijging.privacy import audit


def stijging(request):
    context: dict[str, object] = {"STIJGING_DEMO": settings.STIJGING_DEMO}
    # The alarm lives in the shared cache (no query on any page); only then is the role looked up.
    alarm = audit.current_alarm()
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is not None and user.is_authenticated and session is not None:
        # The tag the browser's kept conversation answers carry (static/js/session-guard.js).
        context["SESSION_TAG"] = session.get(SESSION_TAG_KEY, "")
    if alarm and user is not None and user.is_authenticated and user.has_role("privacy_officer"):
        context["AUDIT_ALARM"] = alarm
    return context
