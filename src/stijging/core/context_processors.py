from django.conf import settings

from stijging.privacy import audit


def stijging(request):
    context = {"STIJGING_DEMO": settings.STIJGING_DEMO}
    # The alarm lives in the shared cache (no query on any page); only then is the role looked up.
    alarm = audit.current_alarm()
    user = getattr(request, "user", None)
    if alarm and user is not None and user.is_authenticated and user.has_role("privacy_officer"):
        context["AUDIT_ALARM"] = alarm
    return context
