"""Outreach screens: streets with their households and outreach status, a household's contact
attempts and appointments, agendas and walking lists (with a PDF to print)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.accounts.models import User
from stijging.core.views_toolkit import record_read, run_service_on_button, run_service_on_form, visible_or_404
from stijging.links import row_link
from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, login_required
from stijging.privacy.disclosure import Disclosed, protect, relation
from stijging.privacy.models import AuditAction
from stijging.registry import access as registry_access
from stijging.registry.models import Address, Household
from stijging.registry.selectors import where_it_went

from . import access, selectors, services
from .forms import AddressNoteForm, AgendaForm, AppointmentForm, AppointmentStatusForm, AttemptForm
from .models import Appointment, AppointmentKind, OutreachStatus


def disclosure_safe(
    rows: list[selectors.StreetRow], counted: dict[str, int]
) -> tuple[list[selectors.StreetRow], dict[str, Disclosed]]:
    """The street overview as a role without access to persons sees it, through the one disclosure
    layer: per street the households are the sum of its households per status, and per status the
    area's count is the sum of the streets' — so a street's small cell is not left to be worked out
    from the area's total (issue 14: 5 objections on one street, "< 5" on the other, 6 in all). An
    address is either empty or not: the empty addresses are at most the (public) addresses."""
    statuses = list(OutreachStatus.values)
    counts: dict = {}
    rels = []
    unpublished = []
    for i, row in enumerate(rows):
        # The selector's rows hold every count (None only after this layer).
        households, empty = row.households or 0, row.empty_addresses or 0
        by_status = {status: row.by_status.get(status) or 0 for status in statuses}
        counts[(i, "households")] = households
        counts[(i, "empty")] = empty
        counts[(i, "addresses")] = row.addresses  # public (the address register): a fixed bound
        counts[(i, "occupied")] = row.addresses - empty
        unpublished.append((i, "occupied"))
        rels.append(relation((i, "addresses"), [(i, "empty"), (i, "occupied")]))
        for status in statuses:
            counts[(i, status)] = by_status[status]
        if sum(by_status.values()) == households:
            rels.append(relation((i, "households"), [(i, status) for status in statuses]))
    for status in statuses:
        counts[("area", status)] = counted.get(status, 0)
        rels.append(relation(("area", status), [(i, status) for i in range(len(rows))]))
    # The area's households: the sum of the streets' and of the statuses' (a reader adds up both).
    counts[("area", "households")] = sum(row.households or 0 for row in rows)
    rels.append(relation(("area", "households"), [(i, "households") for i in range(len(rows))]))
    if sum(counted.values()) == counts[("area", "households")]:
        rels.append(relation(("area", "households"), [("area", status) for status in statuses]))
    # The addresses are shown as they are (public), whatever their size.
    public = [(i, "addresses") for i in range(len(rows))]
    cells = protect(counts, rels, unpublished=unpublished, public=public)
    safe = [
        selectors.StreetRow(
            street=row.street,
            addresses=row.addresses,
            households=cells[(i, "households")].value,
            empty_addresses=cells[(i, "empty")].value,
            by_status={status: cells[(i, status)].value for status in statuses},
            disclosed={key: cells[(i, key)] for key in ("households", "empty", *statuses)},
        )
        for i, row in enumerate(rows)
    ]
    return safe, {status: cells[("area", status)] for status in statuses}


def _area_and_street(request, slug: str, area_id: int, street_id: int):
    """The area of the URL (in the slug's programme, where the user works) and a street of it; any
    other answers a 404, audited."""
    area = visible_or_404(
        request,
        lambda user, pk: selectors.area_for(slug=slug, area_id=pk),
        area_id,
        "registry.area",
        permits=lambda area: access.may_work(request.user, area.programme_id),
    )
    street = visible_or_404(
        request, lambda user, pk: selectors.street_in_area(area=area, street_id=pk), street_id, "registry.street"
    )
    return area, street


@login_required
def area_streets(request, slug: str, area_id: int):
    area = visible_or_404(
        request,
        lambda user, pk: selectors.area_for(slug=slug, area_id=pk),
        area_id,
        "registry.area",
        permits=lambda area: access.may_list_streets(request.user, area.programme_id),
    )
    rows, counted = selectors.streets_of_area(area)
    sees_persons = access.may_work(request.user, area.programme_id)
    totals: dict[str, Disclosed] = {status: Disclosed.plain(counted.get(status, 0)) for status in OutreachStatus.values}
    if not sees_persons:
        # The coordinator and the administrator see counts only: small cells suppressed (SPEC §4).
        rows, totals = disclosure_safe(rows, dict(counted))
    context = {
        "programme": area.programme,
        "area": area,
        "streets": rows,
        "sees_persons": sees_persons,
        "totals": [(status, label, totals[status]) for status, label in OutreachStatus.choices],
        "statuses": OutreachStatus.choices,
        "may_import": registry_access.may_import_addresses(request.user, area.programme_id),
        "may_work": access.may_work(request.user, area.programme_id),
    }
    return render(request, "outreach/area_streets.html", context)


@login_required
def street_addresses(request, slug: str, area_id: int, street_id: int):
    area, street = _area_and_street(request, slug, area_id, street_id)
    addresses = selectors.street_page(request.user, area=area, street=street)
    counts: dict[str, int] = {}
    person_ids: list[int] = []
    for address in addresses:
        for household in address.households:
            counts[household.status] = counts.get(household.status, 0) + 1
            person_ids.extend(household.members)
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        obj=street,
        person_ids=person_ids,
        purpose="outreach",
        detail={"area_id": area.pk},
    )
    labels = dict(OutreachStatus.choices)
    context = {
        "programme": area.programme,
        "area": area,
        "street": street,
        "addresses": addresses,
        "labels": labels,
        "counts": [(status, label, counts.get(status, 0)) for status, label in OutreachStatus.choices],
        # The three links of every row, reversed once: a street has dozens of rows.
        "household_url": row_link("registry:household"),
        "outreach_url": row_link("outreach:household"),
        "register_url": row_link("registry:household_create"),
    }
    return render(request, "outreach/street_addresses.html", context)


def _walking_context(request, slug, area_id, street_id):
    area, street = _area_and_street(request, slug, area_id, street_id)
    odd, even = selectors.walking_list(request.user, area=area, street=street)
    return {
        "programme": area.programme,
        "area": area,
        "street": street,
        "odd": odd,
        "even": even,
        "today": timezone.localdate(),
    }


def _listed(context) -> tuple[list[int], list[int]]:
    """The households a walking list names and their current members (prefetched with the list): the
    audit log says whose addresses went out on the street, not only which street."""
    households = [h for stop in (*context["odd"], *context["even"]) for h in stop.households]
    persons = [m.person_id for h in households for m in h.current_members]
    return [h.pk for h in households], persons


@login_required
def walking_list(request, slug: str, area_id: int, street_id: int):
    context = _walking_context(request, slug, area_id, street_id)
    household_ids, person_ids = _listed(context)
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        obj=context["street"],
        purpose="outreach",
        person_ids=person_ids,
        detail={"walking_list": True, "households": household_ids},
    )
    return render(request, "outreach/walking_list.html", context)


@login_required
def walking_list_pdf(request, slug: str, area_id: int, street_id: int):
    context = _walking_context(request, slug, area_id, street_id)
    from weasyprint import HTML  # imported here: start-up stays fast, and the rest runs without Pango

    html = render_to_string("outreach/walking_list_print.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    household_ids, person_ids = _listed(context)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=context["street"],
        purpose="outreach",
        person_ids=person_ids,
        detail={"walking_list": "pdf", "households": household_ids},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="looplijst-{context["street"].pk}.pdf"'
    return response


def _household_page_of(request, pk: int) -> Household:
    """The household with everything its page shows, for a worker (else a 404, audited)."""
    return visible_or_404(
        request, selectors.household_outreach, pk, "registry.household", allowed=access.may_work(request.user)
    )


def _household_page(request, household, *, attempt_form=None, appointment_form=None, status=200):
    residence = household.current_residences[0] if household.current_residences else None
    programme = residence.address.area.programme if residence else None
    # A household that left without a known new address has no current residence: no one to plan a
    # visit with, and the page says where it lived last.
    workers = selectors.colleagues(request.user, programme) if programme else User.objects.none()
    now = timezone.localtime()
    context = {
        "household": household,
        "residence": residence,
        "moved_away": None if residence else where_it_went(household.pk),
        "programme": programme,
        "status": selectors.status_of(household),
        "attempts": list(household.contact_attempts.all()),
        "appointments": list(household.appointments.all()),
        "members": household.current_members,
        "attempt_form": attempt_form
        or AttemptForm(initial={"date": timezone.localdate(), "channel": selectors.usual_channel(request.user)}),
        "appointment_form": appointment_form
        or AppointmentForm(
            workers=workers,
            initial={"worker": request.user.pk, "date": now.date() + datetime.timedelta(days=1), "time": "10:00"},
        ),
        "do_not_contact": selectors.status_of(household) == OutreachStatus.OBJECTED,
    }
    note = getattr(residence.address, "worker_note", None) if residence else None
    record_read(
        request,
        household,
        purpose="outreach",
        person_ids=[m.person_id for m in household.current_members],
        # The page shows the address's safety note: say so, and which address's.
        detail={"safety_note_of_address": residence.address.pk} if residence and note and note.safety_note else {},
    )
    return render(request, "outreach/household.html", context, status=status)


@login_required
def household(request, pk: int):
    return _household_page(request, _household_page_of(request, pk))


@login_required
@require_POST
def attempt_create(request, pk: int):
    household = visible_or_404(
        request, selectors.household_for, pk, "registry.household", allowed=access.may_work(request.user)
    )
    form = AttemptForm(request.POST)
    recorded = run_service_on_form(
        request,
        form,
        lambda data: services.attempt_record(acting_user=request.user, household=household, **data),
        success=_("The contact attempt was recorded."),
        then=lambda _result: redirect("outreach:household", pk=household.pk),
    )
    return recorded or _household_page(request, _household_page_of(request, pk), attempt_form=form, status=400)


@login_required
@require_POST
def appointment_create(request, pk: int):
    household = _household_page_of(request, pk)
    residences = household.current_residences  # type: ignore[attr-defined]  # Prefetch(to_attr=...)
    residence = residences[0] if residences else None
    workers = selectors.colleagues(request.user, residence.address.area.programme) if residence else None
    form = AppointmentForm(request.POST, workers=workers)
    planned = run_service_on_form(
        request,
        form,
        lambda data: services.appointment_plan(
            acting_user=request.user,
            household=household,
            worker=data["worker"],
            starts_at=form.starts_at(),
            duration_minutes=data["duration_minutes"],
            kind=data["kind"],
            reason=data["reason"],
            reason_category=data["reason_category"] or None,
            note=data["note"],
        ),
        success=_("The appointment was planned."),
        then=lambda _result: redirect("outreach:household", pk=household.pk),
    )
    return planned or _household_page(request, household, appointment_form=form, status=400)


@login_required
@require_POST
def appointment_status(request, pk: int):
    appointment = visible_or_404(
        request, selectors.appointment_for, pk, "outreach.appointment", allowed=access.may_work(request.user)
    )
    if request.POST.get("next_page") == "agenda":
        back = redirect("outreach:agenda")
    else:
        back = redirect("outreach:household", pk=appointment.household_id)
    form = AppointmentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The appointment could not be updated."))
        return back
    cancelled = form.cleaned_data["status"] == "cancelled"
    return run_service_on_button(
        request,
        lambda: services.appointment_set_status(
            acting_user=request.user,
            appointment=appointment,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        ),
        success=_("The appointment was cancelled. You can undo this today, in the list of appointments.")
        if cancelled
        else _("The appointment was updated."),
        then=back,
    )


def _after_note(request, address: Address):
    """Back to the household the note was opened from, else to the address's street."""
    next_household = request.GET.get("household")
    if next_household and next_household.isdigit():
        return redirect("outreach:household", pk=int(next_household))
    return redirect(
        "outreach:street", slug=address.area.programme.slug, area_id=address.area_id, street_id=address.street_id
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_note(request, address_id: int):
    address = visible_or_404(
        request, selectors.address_for_worker, address_id, "registry.address", allowed=access.may_work(request.user)
    )
    note = getattr(address, "worker_note", None)
    initial = (
        {
            "safety_note": note.safety_note,
            "interpreter_needed": note.interpreter_needed,
            "interpreter_language": note.interpreter_language,
            "version": note.version,
        }
        if note
        else {}
    )
    form = AddressNoteForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = run_service_on_form(
            request,
            form,
            lambda data: services.address_note_save(
                acting_user=request.user,
                address=address,
                version=data.get("version"),
                safety_note=data["safety_note"],
                interpreter_needed=data["interpreter_needed"],
                interpreter_language=data["interpreter_language"],
            ),
            success=_("The note was saved."),
            then=lambda _result: _after_note(request, address),
            current_version=lambda: selectors.stored_note(address).version,  # type: ignore[union-attr]  # a conflict needs a stored note
        )
        if saved:
            return saved
        # Refused: the page (and the audit of reading the safety note) goes by the note stored now.
        note = selectors.stored_note(address)
    if note is not None and note.safety_note:
        # Reading a safety note is reading about the household at that address (who may be
        # dangerous, who is vulnerable): logged like any view of personal data.
        record_read(
            request,
            address,
            purpose="outreach",
            person_ids=selectors.resident_ids(address),
            detail={"safety_note": True},
        )
    return render(request, "outreach/address_note.html", {"form": form, "address": address, "note": note})


@login_required
def agenda(request):
    if not access.may_work(request.user):
        raise deny_forbidden(request, "view:agenda")
    form = AgendaForm(request.GET or None)
    start = timezone.localdate()
    view = "day"
    if form.is_valid():
        start = form.cleaned_data["date"] or start
        view = form.cleaned_data["view"] or "day"
    days = 1
    if view == "week":
        start = start - datetime.timedelta(days=start.weekday())
        days = 7
    appointments = selectors.agenda(request.user, worker=request.user, start=start, days=days)
    by_day: dict[datetime.date, list[Appointment]] = {start + datetime.timedelta(days=n): [] for n in range(days)}
    for appointment in appointments:
        by_day.setdefault(timezone.localtime(appointment.starts_at).date(), []).append(appointment)
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="outreach.agenda",
        purpose="outreach",
        detail={"start": start.isoformat(), "days": days, "households": len({a.household_id for a in appointments})},
    )
    context = {
        "view": view,
        "start": start,
        "by_day": sorted(by_day.items()),
        "previous": start - datetime.timedelta(days=days),
        "next": start + datetime.timedelta(days=days),
        "revisit": AppointmentKind.REVISIT,
        "count": len(appointments),
    }
    return render(request, "outreach/agenda.html", context)
