import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache

from stijging.privacy.access import login_required
from stijging.registry import selectors as registry_selectors

from .models import JobRun


@login_required
def home(request):
    """Where a logged-in user lands: their programmes, and their role's own start page."""
    programmes = list(registry_selectors.programmes_for(request.user))
    user = request.user
    if user.has_role("privacy_officer") and not user.has_role(
        "fieldworker", "case_manager", "partner", "coordinator", "manager", "admin"
    ):
        # The privacy officer's home is the desk: open requests by deadline.
        return redirect("privacy:desk")
    if len(programmes) == 1 and user.has_role("fieldworker", "case_manager", "coordinator", "manager", "admin"):
        return redirect("monitoring:programme", slug=programmes[0].slug)
    return render(request, "core/home.html", {"programmes": programmes})


@never_cache
def health(request):
    """For the load balancer and for operations: can we reach the database, and is `tick` running?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy; say which
        database = f"error: {error.__class__.__name__}"
    tick = JobRun.objects.filter(name="tick").first() if database == "ok" else None
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "tick_last_started_at": tick.last_started_at.isoformat() if tick and tick.last_started_at else None,
        "tick_last_finished_at": tick.last_finished_at.isoformat() if tick and tick.last_finished_at else None,
        "tick_last_ok": tick.last_ok if tick else None,
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)


# While the database restarts (or cannot be reached) every request fails with one of these.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable() -> HttpResponse:
    """503 "temporarily unavailable" in the site's look, rendered without the request: the user and
    the session live in the database that is away. Retry-After tells a client when to come back."""
    try:
        body = loader.get_template("503.html").render({})
    except Exception:  # noqa: BLE001 - an error page must not fail
        body = (
            "<!DOCTYPE html><html lang=nl><title>Tijdelijk niet beschikbaar</title><h1>Tijdelijk niet beschikbaar</h1>"
        )
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "30"
    return response


def server_error(request):
    """The 500 page in the site's look, with its navigation. Django's own handler renders without the
    request (no user, no menu); this one tries with it and falls back to the bare render, and at
    last to plain Dutch text, because whatever broke the request may break the context too.

    An unreachable database is not a fault of this request: it gets the 503 page instead (Django
    calls this handler while it handles the exception, from a view or any middleware)."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable()
    template = loader.get_template("500.html")
    try:
        return HttpResponseServerError(template.render({}, request))
    except Exception:  # noqa: BLE001 - an error page must not fail
        logging.getLogger(__name__).exception("the 500 page could not be rendered with the request")
    try:
        return HttpResponseServerError(template.render({}))
    except Exception:  # noqa: BLE001
        return HttpResponseServerError(
            "<!DOCTYPE html><html lang=nl><title>Er ging iets mis</title><h1>Er ging iets mis</h1>",
            content_type="text/html",
        )
