"""The privacy officer's screens: the audit log, the closed list of legal grounds, and the desk for
data-subject requests and retention (issue 13)."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.core.views_toolkit import record_read, run_service_on_button, run_service_on_form, visible_or_404

from . import audit, retention, selectors, services, subject
from .access import deny_not_found, login_required, role_required
from .forms import (
    AccessLogForm,
    AuditFilterForm,
    CloseForm,
    ErasureDecisionForm,
    ExtendForm,
    LegalGroundForm,
    PersonLookupForm,
    RectificationForm,
    RestrictionForm,
    SubjectRequestForm,
)
from .models import AuditAction, ErasureDecision, LegalGround, RequestKind, RetentionRun, SubjectRequest

PRIVACY_OFFICER = "privacy_officer"


@role_required(PRIVACY_OFFICER)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    # Only the filters actually filled in (a bound form with only ?page= is still a plain list).
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    events = selectors.audit_events(request.user, **filters)
    page = Paginator(events.select_related(None), 50).get_page(request.GET.get("page"))
    # Fetch the page before logging this reading: the paginator counted the rows already, and the new
    # event would otherwise push the oldest row of the page out of the slice.
    page.object_list = list(page.object_list)
    # Reading the log is itself logged: the log names persons, by id.
    audit.record(
        actor=request.user,
        action=AuditAction.SEARCH if filters else AuditAction.LIST,
        object_type="privacy.auditevent",
        person_ids=[filters["person_id"]] if filters.get("person_id") else [],
        purpose="audit",
        detail={key: str(value) for key, value in filters.items()},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


@role_required(PRIVACY_OFFICER)
def legal_ground_list(request):
    return render(request, "privacy/legal_ground_list.html", {"grounds": selectors.legal_grounds()})


def _stored_version(ground: LegalGround | None) -> int:
    assert ground is not None  # only an existing ground has a version to conflict with
    ground.refresh_from_db()
    return ground.version


@role_required(PRIVACY_OFFICER)
@require_http_methods(["GET", "POST"])
def legal_ground_edit(request, pk: int | None = None):
    ground = None
    if pk is not None:
        ground = visible_or_404(request, selectors.legal_ground, pk, "privacy.legalground")
    initial = (
        {
            "code": ground.code,
            "title": ground.title,
            "article": ground.article,
            "description": ground.description,
            "active": ground.active,
            "version": ground.version,
        }
        if ground
        else {"active": True}
    )
    form = LegalGroundForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = run_service_on_form(
            request,
            form,
            lambda data: services.legal_ground_save(
                acting_user=request.user,
                ground=ground,
                version=data.get("version"),
                code=data["code"],
                title=data["title"],
                article=data["article"],
                description=data["description"],
                active=data["active"],
            ),
            success=_("The legal ground was saved."),
            then=lambda _result: redirect("privacy:legal_grounds"),
            current_version=lambda: _stored_version(ground),
        )
        if saved:
            return saved
    return render(request, "privacy/legal_ground_form.html", {"form": form, "ground": ground})


# --- The privacy officer's desk (issue 13) ------------------------------------------------------


def officer_required(object_type: str):
    """For pages about one person or request: anyone but a privacy officer gets a 404 (audited),
    so that not even the existence of a request leaks."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, pk: int, *args, **kwargs):
            if not subject.officer_programme_ids(request.user):
                raise deny_not_found(request, object_type, pk)
            return view(request, pk, *args, **kwargs)

        return wrapper

    return decorator


def _person(request, pk: int):
    return visible_or_404(request, subject.officer_person, pk, "registry.person")


def _subject_request(request, pk: int) -> SubjectRequest:
    return visible_or_404(request, selectors.subject_request, pk, "privacy.subjectrequest")


@role_required(PRIVACY_OFFICER)
def desk(request):
    """The privacy officer's home: open requests by deadline (the nearest first)."""
    requests = list(selectors.subject_requests(request.user, open_only=True))
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="privacy.subjectrequest",
        person_ids=[r.person_id for r in requests],
        purpose="subject_request",
    )
    return render(
        request,
        "privacy/desk.html",
        {"requests": requests, "today": timezone.localdate(), "soon": timezone.localdate() + timedelta(days=7)},
    )


@role_required(PRIVACY_OFFICER)
def lookup(request):
    from stijging.registry.models import bsn_enabled

    form = PersonLookupForm(request.GET or None, bsn_enabled=bsn_enabled())
    found: list[subject.Found] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        found = subject.find_persons(
            programme_ids=subject.officer_programme_ids(request.user),
            name=data.get("name") or "",
            date_of_birth=data.get("date_of_birth"),
            postcode=data.get("postcode") or "",
            huisnummer=data.get("huisnummer"),
            bsn=data.get("bsn") or "",
        )
        # Every lookup is audited: what was asked (the BSN itself is not written to the log) and whom
        # it found.
        audit.record(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type="registry.person",
            person_ids=[f.person_id for f in found],
            purpose="subject_request",
            detail={key: ("***" if key == "bsn" else str(value)) for key, value in data.items() if value},
        )
    return render(request, "privacy/lookup.html", {"form": form, "found": found})


@officer_required("registry.person")
def person(request, pk: int):
    person = _person(request, pk)
    requests = list(selectors.subject_requests(request.user).filter(person_id=pk).order_by("-received_on", "-pk"))
    record_read(request, person, purpose="subject_request")
    return render(
        request,
        "privacy/person.html",
        {"person": person, "requests": requests, "holds": subject.legal_holds(pk)},
    )


@officer_required("registry.person")
@require_http_methods(["GET", "POST"])
def request_create(request, pk: int):
    person = _person(request, pk)
    programmes = sorted(subject.person_programme_ids(pk) & subject.officer_programme_ids(request.user))
    form = SubjectRequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST":
        registered = run_service_on_form(
            request,
            form,
            lambda data: services.subject_request_register(
                acting_user=request.user, programme_id=programmes[0], person_id=pk, **data
            ),
            success=lambda created: (
                _("The request was registered. Its deadline is %(date)s.") % {"date": date_format(created.deadline_on)}
            ),
            then=lambda created: redirect("privacy:request", pk=created.pk),
        )
        if registered:
            return registered
    record_read(request, person, purpose="subject_request")
    return render(request, "privacy/request_form.html", {"form": form, "person": person})


@officer_required("privacy.subjectrequest")
def request_detail(request, pk: int):
    subject_request = _subject_request(request, pk)
    version = {"version": subject_request.version}
    person = subject_request.person
    context = {
        "req": subject_request,
        "person": person,
        "holds": subject.legal_holds(person.pk, except_request_id=pk) if subject_request.kind == "erasure" else [],
        "restriction": next((r for r in subject_request.restrictions.all() if r.lifted_at is None), None),
        "extend_form": ExtendForm(initial=version),
        "close_form": CloseForm(initial=version),
        "erasure_form": ErasureDecisionForm(initial=version),
        "restriction_form": RestrictionForm(),
        "today": timezone.localdate(),
    }
    record_read(request, subject_request, purpose="subject_request")
    return render(request, "privacy/request.html", context)


def _post_form(request, form_class, pk: int, act, *, success: str):
    """The common shape of the request page's POST actions: validate, act, report, back to the page."""
    subject_request = _subject_request(request, pk)
    back = redirect("privacy:request", pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return back
    return run_service_on_button(request, lambda: act(subject_request, form.cleaned_data), success=success, then=back)


@officer_required("privacy.subjectrequest")
@require_POST
def request_extend(request, pk: int):
    def act(subject_request, data):
        services.subject_request_extend(
            acting_user=request.user,
            request=subject_request,
            version=data["version"],
            months=data["months"],
            reason=data["reason"],
        )

    return _post_form(request, ExtendForm, pk, act, success=_("The deadline was extended."))


@officer_required("privacy.subjectrequest")
@require_POST
def request_close(request, pk: int):
    def act(subject_request, data):
        services.subject_request_close(
            acting_user=request.user,
            request=subject_request,
            version=data["version"],
            status=data["status"],
            outcome=data["outcome"],
        )

    return _post_form(request, CloseForm, pk, act, success=_("The request was closed."))


@officer_required("privacy.subjectrequest")
@require_POST
def export_create(request, pk: int):
    subject_request = _subject_request(request, pk)
    return run_service_on_button(
        request,
        lambda: services.subject_export_create(acting_user=request.user, request=subject_request),
        success=_("The export is ready: download the PDF for the resident and the JSON."),
        then=redirect("privacy:request", pk=pk),
    )


def _latest_export(request, pk: int):
    subject_request = _subject_request(request, pk)
    export = subject_request.exports.order_by("-created_at", "-pk").first()
    return subject_request, export


def _export_download(request, pk: int, kind: str):
    subject_request, export = _latest_export(request, pk)
    if export is None:
        messages.info(request, _("There is no export for this request yet."))
        return redirect("privacy:request", pk=pk)
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=subject_request,
        person_ids=[subject_request.person_id],
        purpose="subject_request",
        detail={"export_id": export.pk, "format": kind},
    )
    if kind == "pdf":
        response = HttpResponse(bytes(export.pdf or b""), content_type="application/pdf")
        filename = f"inzage-{subject_request.pk}.pdf"
    else:
        response = HttpResponse(
            json.dumps(export.data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        filename = f"gegevens-{subject_request.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@officer_required("privacy.subjectrequest")
def export_pdf(request, pk: int):
    return _export_download(request, pk, "pdf")


@officer_required("privacy.subjectrequest")
def export_json(request, pk: int):
    return _export_download(request, pk, "json")


@officer_required("privacy.subjectrequest")
@require_POST
def erasure_decide(request, pk: int):
    def act(subject_request, data):
        services.erasure_decide(
            acting_user=request.user,
            request=subject_request,
            version=data["version"],
            grant=data["decision"] == ErasureDecision.GRANTED,
            outcome=data["outcome"],
        )

    return _post_form(request, ErasureDecisionForm, pk, act, success=_("The decision was recorded."))


@officer_required("privacy.subjectrequest")
@require_POST
def restriction_place(request, pk: int):
    def act(subject_request, data):
        services.restriction_place(acting_user=request.user, request=subject_request, reason=data["reason"])

    return _post_form(
        request,
        RestrictionForm,
        pk,
        act,
        success=_("Processing is restricted: the records are read-only and hidden from partners."),
    )


@officer_required("privacy.subjectrequest")
@require_POST
def restriction_lift(request, pk: int):
    subject_request = _subject_request(request, pk)
    restriction = subject_request.restrictions.filter(lifted_at__isnull=True).first()
    back = redirect("privacy:request", pk=pk)
    if restriction is None:
        messages.error(request, _("There is no active restriction on this request."))
        return back
    return run_service_on_button(
        request,
        lambda: services.restriction_lift(acting_user=request.user, restriction=restriction),
        success=_("The restriction was lifted."),
        then=back,
    )


@officer_required("privacy.subjectrequest")
@require_http_methods(["GET", "POST"])
def rectify(request, pk: int):
    """Rectification (art. 16): the correction goes through the registry's own service, with the
    request as its reason, so it is validated and audited like any other change."""
    from stijging.registry import services as registry_services

    subject_request = _subject_request(request, pk)
    person = subject_request.person
    initial = {field: getattr(person, field) for field in RectificationForm.base_fields if field != "version"}
    form = RectificationForm(request.POST or None, initial=initial | {"version": person.version})
    if request.method == "POST":
        if subject_request.kind != RequestKind.RECTIFICATION or not subject_request.is_open:
            if form.is_valid():
                form.add_error(None, _("Only an open rectification request corrects a person's data."))
        else:
            corrected = run_service_on_form(
                request,
                form,
                lambda data: registry_services.person_update(
                    acting_user=request.user,
                    person=person,
                    subject_request_id=subject_request.pk,
                    **data,
                ),
                success=_("The correction was saved."),
                then=lambda _result: redirect("privacy:request", pk=pk),
            )
            if corrected:
                return corrected
    record_read(request, person, purpose="subject_request")
    return render(request, "privacy/rectify.html", {"form": form, "req": subject_request, "person": person})


@officer_required("registry.person")
def access_log(request, pk: int):
    """Who viewed or changed this person's file (NEN 7513), over a period."""
    person = _person(request, pk)
    form = AccessLogForm(request.GET or None)
    period = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = subject.access_log(pk, date_from=period.get("date_from"), date_to=period.get("date_to"))
    audit.record(
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="privacy.auditevent",
        person_ids=[pk],
        purpose="subject_request",
        detail={"access_log": True, **{key: str(value) for key, value in period.items() if value}},
    )
    query = request.GET.urlencode()
    return render(request, "privacy/access_log.html", {"person": person, "rows": rows, "form": form, "query": query})


@officer_required("registry.person")
def access_log_pdf(request, pk: int):
    """The same log as the resident's PDF section, on its own."""
    from django.utils import translation
    from weasyprint import HTML  # imported here: start-up stays fast, and the rest runs without Pango

    person = _person(request, pk)
    form = AccessLogForm(request.GET or None)
    period = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = subject.access_log(pk, date_from=period.get("date_from"), date_to=period.get("date_to"))
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="privacy.auditevent",
        person_ids=[pk],
        purpose="subject_request",
        detail={"access_log": "pdf"},
    )
    with translation.override("nl"):
        html = render_to_string(
            "privacy/access_log_pdf.html",
            {"person": person, "rows": rows, "period": period, "today": timezone.localdate()},
        )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inzagelog-{pk}.pdf"'
    return response


@role_required(PRIVACY_OFFICER)
@require_http_methods(["GET", "POST"])
def retention_page(request):
    """The retention periods (set by the admin), the dry runs waiting for approval and the reports."""
    if request.method == "POST":
        run = RetentionRun.objects.filter(pk=request.POST.get("run") or 0).first()
        if run is None:
            messages.error(request, _("Choose a retention run."))
            return redirect("privacy:retention")
        return run_service_on_button(
            request,
            lambda: retention.retention_run_decide(
                acting_user=request.user, run=run, approve=request.POST.get("decision") == "approve"
            ),
            success=_("Your decision was recorded; the next runs of the tick apply it."),
            then=redirect("privacy:retention"),
        )
    return render(
        request,
        "privacy/retention.html",
        {"policies": list(selectors.retention_policies()), "runs": list(selectors.retention_runs())},
    )
