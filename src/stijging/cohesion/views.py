"""The neighbourhood coordinator's screens: activities (single and series), participants and
volunteers with their hours, and the waves of the cohesion survey with the answers given at the door.
The coordinator sees no case data; the street index and turnover are in monitoring."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.core.views_toolkit import record_read, run_service_on_form, visible_or_404
from stijging.privacy import audit
from stijging.privacy.access import login_required
from stijging.privacy.models import AuditAction
from stijging.registry.models import Programme

from . import selectors, services
from .forms import (
    ActivityForm,
    DoorResponseForm,
    HoursForm,
    LinkForm,
    ParticipantForm,
    SeriesForm,
    WaveForm,
)
from .models import Activity, Participant


def _programme(request, slug: str) -> Programme:
    """The programme this coordinator coordinates (else a 404, audited)."""
    return visible_or_404(request, selectors.coordinated_programme, slug, "registry.programme")


def _year(request) -> int:
    value = request.GET.get("year", "")
    today = timezone.localdate()
    return int(value) if value.isdigit() and 2000 <= int(value) <= today.year + 1 else today.year


# --- Activities -----------------------------------------------------------------------------------


@login_required
def activities(request, slug: str):
    programme = _programme(request, slug)
    year = _year(request)
    kinds = list(selectors.kinds())
    kind_code = request.GET.get("kind", "")
    kind = next((k for k in kinds if k.code == kind_code), None)
    page = Paginator(selectors.activities_of(programme, year=year, kind=kind), 50).get_page(request.GET.get("page"))
    context = {
        "programme": programme,
        "year": year,
        "years": list(range(timezone.localdate().year + 1, programme.start_date.year - 1, -1)),
        "kinds": kinds,
        "kind": kind,
        "page": page,
        "totals": selectors.activity_totals(programme, year),
        "page_query": urlencode({"year": year, "kind": kind.code if kind else ""}),
    }
    return render(request, "cohesion/activities.html", context)


def _activity_form_kwargs(programme: Programme) -> dict:
    return {"kinds": selectors.kinds(), "streets": selectors.streets_of_programme(programme)}


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request, slug: str):
    programme = _programme(request, slug)
    form = ActivityForm(
        request.POST or None, initial={"date": timezone.localdate()}, **_activity_form_kwargs(programme)
    )
    if request.method == "POST":
        recorded = run_service_on_form(
            request,
            form,
            lambda data: services.activity_record(
                acting_user=request.user, programme=programme, **{k: v for k, v in data.items() if k != "version"}
            ),
            success=_("The activity was recorded."),
            then=lambda activity: redirect("cohesion:activity", pk=activity.pk),
        )
        if recorded:
            return recorded
    status = 400 if request.method == "POST" else 200
    return render(request, "cohesion/activity_form.html", {"programme": programme, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request, slug: str):
    programme = _programme(request, slug)
    today = timezone.localdate()
    form = SeriesForm(
        request.POST or None,
        initial={"first_date": today, "last_date": today + datetime.timedelta(weeks=12)},
        **_activity_form_kwargs(programme),
    )
    if request.method == "POST":
        recorded = run_service_on_form(
            request,
            form,
            lambda data: services.series_create(acting_user=request.user, programme=programme, **data),
            success=lambda series: _("The series was recorded: %(n)s dates.") % {"n": series.activities.count()},
            then=lambda _series: redirect("cohesion:activities", slug=programme.slug),
        )
        if recorded:
            return recorded
    status = 400 if request.method == "POST" else 200
    return render(request, "cohesion/series_form.html", {"programme": programme, "form": form}, status=status)


def _activity_page(request, activity: Activity, *, form=None, attendance_error: str = "", status=200):
    programme = activity.programme
    query = request.GET.get("q", "").strip()[:100]
    rows = selectors.attendance_list(activity, query=query)
    present = [row.participant for row in rows if row.present]
    context = {
        "programme": programme,
        "activity": activity,
        "rows": rows,
        "present_count": len(present),
        "query": query,
        "attendance_error": attendance_error,
        "form": form
        or ActivityForm(
            initial={
                "kind": activity.kind_id,
                "title": activity.title,
                "date": activity.date,
                "streets": [s.pk for s in activity.streets.all()],
                "organiser": activity.organiser,
                "participant_count": activity.participant_count,
                "note": activity.note,
                "version": activity.version,
            },
            **_activity_form_kwargs(programme),
        ),
    }
    # Participants by name are personal data: reading them (and the list to tick) is logged.
    record_read(
        request,
        activity,
        purpose=services.PURPOSE,
        person_ids=sorted({row.participant.person_id for row in rows if row.participant.person_id}),
        detail={
            "participants": [p.pk for p in present],
            "listed": [row.participant.pk for row in rows if not row.present],
            **({"query": query} if query else {}),
        },
    )
    return render(request, "cohesion/activity.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activity(request, pk: int):
    activity = visible_or_404(request, selectors.activity_for, pk, "cohesion.activity")
    if request.method == "GET":
        return _activity_page(request, activity)
    form = ActivityForm(request.POST, **_activity_form_kwargs(activity.programme))
    saved = run_service_on_form(
        request,
        form,
        lambda data: services.activity_update(acting_user=request.user, activity=activity, **data),
        success=_("The activity was saved."),
        then=lambda _result: redirect("cohesion:activity", pk=activity.pk),
        current_version=lambda: Activity.objects.get(pk=activity.pk).version,
    )
    if saved:
        return saved
    return _activity_page(
        request, visible_or_404(request, selectors.activity_for, pk, "cohesion.activity"), form=form, status=400
    )


def _id_set(values: list[str]) -> set[int]:
    """Participant ids from the attendance list; anything else is a tampered form."""
    if not all(value.isdigit() for value in values):
        raise ValidationError(_("The list changed while you ticked it; check it and save again."))
    return {int(value) for value in values}


@login_required
@require_POST
def attendance(request, pk: int):
    """Attendance ticked on the list of likely participants, one submit for all of them. The search
    for someone else is a button of the same form: it saves what was ticked, then shows the search,
    so a tick is never lost to a search."""
    activity = visible_or_404(request, selectors.activity_for, pk, "cohesion.activity")
    try:
        added, removed = services.attendance_record(
            acting_user=request.user,
            activity=activity,
            shown_ids=_id_set(request.POST.getlist("shown")),
            was_ids=_id_set(request.POST.getlist("was")),
            present_ids=_id_set(request.POST.getlist("present")),
        )
    except ValidationError as error:
        return _activity_page(request, activity, attendance_error=" ".join(error.messages), status=400)
    if added or removed:
        messages.success(
            request,
            _("Attendance saved: %(added)s added, %(removed)s taken off.")
            % {"added": len(added), "removed": len(removed)},
        )
    elif "search" not in request.POST:
        messages.info(request, _("Nothing changed in the attendance."))
    if "search" in request.POST:
        query = request.POST.get("q", "").strip()[:100]
        url = reverse("cohesion:activity", args=[activity.pk])
        return redirect(f"{url}?{urlencode({'q': query})}#attendance" if query else f"{url}#attendance")
    return redirect("cohesion:activity", pk=activity.pk)


# --- Participants and volunteers ------------------------------------------------------------------


@login_required
def participants(request, slug: str):
    programme = _programme(request, slug)
    query = request.GET.get("q", "").strip()[:100]
    volunteers_only = request.GET.get("volunteers") == "1"
    page = Paginator(selectors.participants_of(programme, query=query, volunteers_only=volunteers_only), 50).get_page(
        request.GET.get("page")
    )
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="cohesion.participant",
        purpose=services.PURPOSE,
        person_ids=[p.person_id for p in page if p.person_id],
        # Never the typed name: the log is sealed and cannot be erased, so a name typed here would
        # outlive every erasure. A keyed hash lets the privacy officer match a known search
        # (recompute it with the same text) without the log holding the text.
        detail={"participants": [p.pk for p in page], "q_hash": audit.search_hash(query) if query else ""},
    )
    context = {
        "programme": programme,
        "page": page,
        "query": query,
        "volunteers_only": volunteers_only,
        "page_query": urlencode({"q": query, "volunteers": "1" if volunteers_only else ""}),
    }
    return render(request, "cohesion/participants.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def participant_create(request, slug: str):
    programme = _programme(request, slug)
    form = ParticipantForm(
        request.POST or None,
        initial={"consent_given_on": timezone.localdate()},
        streets=selectors.streets_of_programme(programme),
    )
    if request.method == "POST":
        registered = run_service_on_form(
            request,
            form,
            lambda data: services.participant_register(
                acting_user=request.user, programme=programme, **{k: v for k, v in data.items() if k != "version"}
            ),
            success=lambda participant: _("%(name)s was registered.") % {"name": participant.name},
            then=lambda participant: redirect("cohesion:participant", pk=participant.pk),
        )
        if registered:
            return registered
    status = 400 if request.method == "POST" else 200
    return render(request, "cohesion/participant_form.html", {"programme": programme, "form": form}, status=status)


def _participant_page(request, participant: Participant, *, form=None, hours_form=None, status=200):
    programme = participant.programme
    today = timezone.localdate()
    volunteering = (
        selectors.volunteering_of([participant.person_id], today).get(participant.person_id)
        if participant.person_id
        else None
    )
    context = {
        "programme": programme,
        "participant": participant,
        "activities": list(participant.activities.all()),
        "hours": list(participant.hours.all()),
        "volunteering": volunteering,
        "form": form
        or ParticipantForm(
            initial={
                "name": participant.name,
                "phone": participant.phone,
                "email": participant.email,
                "street": participant.street_id,
                "is_child": participant.is_child,
                "consent_given_on": participant.consent_given_on,
                "consent_given_by": participant.consent_given_by,
                "parent_name": participant.parent_name,
                "volunteer": participant.volunteer,
                "note": participant.note,
                "version": participant.version,
            },
            streets=selectors.streets_of_programme(programme),
        ),
        "hours_form": hours_form
        or HoursForm(initial={"date": today}, activities=selectors.recent_activities(programme, today)),
    }
    record_read(request, participant, purpose=services.PURPOSE)
    return render(request, "cohesion/participant.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def participant(request, pk: int):
    participant = visible_or_404(request, selectors.participant_for, pk, "cohesion.participant")
    if request.method == "GET":
        return _participant_page(request, participant)
    form = ParticipantForm(request.POST, streets=selectors.streets_of_programme(participant.programme))
    saved = run_service_on_form(
        request,
        form,
        lambda data: services.participant_update(acting_user=request.user, participant=participant, **data),
        success=_("The details were saved."),
        then=lambda _result: redirect("cohesion:participant", pk=participant.pk),
        current_version=lambda: Participant.objects.get(pk=participant.pk).version,
    )
    if saved:
        return saved
    return _participant_page(
        request, visible_or_404(request, selectors.participant_for, pk, "cohesion.participant"), form=form, status=400
    )


@login_required
@require_POST
def hours_add(request, pk: int):
    participant = visible_or_404(request, selectors.participant_for, pk, "cohesion.participant")
    activities = selectors.recent_activities(participant.programme)
    form = HoursForm(request.POST, activities=activities)
    if form.is_valid():
        same_day = selectors.hours_on(participant, form.cleaned_data["date"])
        if same_day and not request.POST.get("confirm_duplicate"):
            # Entered twice is the likelier story than two stints on one day: ask before recording.
            form = HoursForm(request.POST, activities=activities, duplicates=same_day)
            form.is_valid()
            form.add_error(
                "confirm_duplicate",
                _(
                    "Hours were already recorded for this day. Tick this to record these as well, or correct the entry above."
                ),
            )
            return _participant_page(request, participant, hours_form=form, status=400)
    recorded = run_service_on_form(
        request,
        form,
        lambda data: services.hours_record(
            acting_user=request.user,
            participant=participant,
            **{k: v for k, v in data.items() if k != "confirm_duplicate"},
        ),
        success=_("The hours were recorded."),
        then=lambda _result: redirect("cohesion:participant", pk=participant.pk),
    )
    return recorded or _participant_page(request, participant, hours_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def hours_edit(request, pk: int):
    """Correct or remove one entry of volunteer hours (both audited, with the values before)."""
    entry = visible_or_404(request, selectors.hours_entry_for, pk, "cohesion.volunteerhours")
    participant = entry.participant
    if request.method == "POST" and request.POST.get("remove"):
        services.hours_remove(acting_user=request.user, entry=entry)
        messages.success(request, _("The hours were removed."))
        return redirect("cohesion:participant", pk=participant.pk)
    activities = selectors.recent_activities(participant.programme)
    initial = {"date": entry.date, "hours": entry.hours, "activity": entry.activity_id, "what": entry.what}
    form = HoursForm(request.POST or None, activities=activities, initial=initial)
    if request.method == "POST":
        corrected = run_service_on_form(
            request,
            form,
            lambda data: services.hours_correct(acting_user=request.user, entry=entry, **data),
            success=_("The hours were corrected."),
            then=lambda _result: redirect("cohesion:participant", pk=participant.pk),
        )
        if corrected:
            return corrected
    context = {"programme": participant.programme, "participant": participant, "entry": entry, "form": form}
    return render(request, "cohesion/hours_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def participant_link(request, pk: int):
    participant = visible_or_404(request, selectors.participant_for, pk, "cohesion.participant")
    if request.method == "POST" and request.POST.get("unlink"):
        services.participant_unlink(acting_user=request.user, participant=participant)
        messages.success(request, _("The link with the registry was removed."))
        return redirect("cohesion:participant", pk=participant.pk)
    form = LinkForm(request.POST or None, initial={"link_consent_on": timezone.localdate()})
    if request.method == "POST":
        linked = run_service_on_form(
            request,
            form,
            lambda data: services.participant_link(acting_user=request.user, participant=participant, **data),
            success=_("The record is linked to the resident."),
            then=lambda _result: redirect("cohesion:participant", pk=participant.pk),
        )
        if linked:
            return linked
    record_read(request, participant, purpose=services.PURPOSE)
    status = 400 if request.method == "POST" else 200
    context = {"programme": participant.programme, "participant": participant, "form": form}
    return render(request, "cohesion/participant_link.html", context, status=status)


# --- Waves of the cohesion survey -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def waves(request, slug: str):
    programme = _programme(request, slug)
    form = WaveForm(request.POST or None)
    if request.method == "POST":
        created = run_service_on_form(
            request,
            form,
            lambda data: services.wave_create(acting_user=request.user, programme=programme, **data),
            success=_("The wave was added."),
            then=lambda wave: redirect("cohesion:wave", pk=wave.pk),
        )
        if created:
            return created
    status = 400 if request.method == "POST" else 200
    context = {"programme": programme, "waves": list(selectors.waves_of(programme)), "form": form}
    return render(request, "cohesion/waves.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def wave(request, pk: int):
    wave = visible_or_404(request, selectors.wave_for, pk, "cohesion.wave")
    programme = wave.programme
    statements = services.door_statements()
    today = timezone.localdate()
    form_kwargs = {
        "areas": selectors.areas_of_programme(programme),
        "streets": selectors.streets_of_programme(programme),
        "statements": statements,
    }
    form = DoorResponseForm(
        request.POST or None,
        initial={"answered_on": min(max(today, wave.starts_on), wave.ends_on), "area": request.GET.get("area")},
        **form_kwargs,
    )
    if request.method == "POST":
        recorded = run_service_on_form(
            request,
            form,
            lambda data: services.wave_response_record(
                acting_user=request.user,
                wave=wave,
                area=data["area"],
                street=data["street"],
                answered_on=data["answered_on"],
                answers=form.answers(),
            ),
            success=_("The answers were recorded. Next respondent:"),
            # The next respondent is usually in the same street: keep area and street.
            then=lambda _result: redirect(
                f"{request.path}?area={form.cleaned_data['area'].pk}&street={form.cleaned_data['street'].pk}"
            ),
        )
        if recorded:
            return recorded
    elif request.method == "GET" and request.GET.get("street", "").isdigit():
        form.initial["street"] = int(request.GET["street"])
    status = 400 if request.method == "POST" else 200
    context = {
        "programme": programme,
        "wave": wave,
        "form": form,
        "per_street": selectors.door_responses_per_street(wave),
        "open": wave.starts_on <= today,
    }
    return render(request, "cohesion/wave.html", context, status=status)
