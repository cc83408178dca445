from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
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
