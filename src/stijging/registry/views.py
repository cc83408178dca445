"""Registry screens. Thin: parse a form, fetch through a scoped selector, call one service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.core.views_toolkit import record_read, run_service_on_form, visible_or_404
from stijging.privacy import audit
from stijging.privacy import services as privacy_services
from stijging.privacy.access import deny_forbidden, deny_not_found, login_required
from stijging.privacy.models import AuditAction, Consent

from . import access, import_preview, imports, panels, people_preview, selectors, services
from .forms import (
    AddressImportConfirmForm,
    AddressImportForm,
    ConsentForm,
    ConsentWithdrawForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    MemberAddForm,
    MoveForm,
    PeopleImportForm,
    PersonEditForm,
)
from .models import Address, Area, Household, Person, bsn_enabled
from .search import search as search_registry

# --- Programme, area, street ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request, slug: str, area_id: int):
    """Upload → preview (nothing changes) → confirm. The preview says what the import would create,
    change, move and retire; the confirmation imports exactly that, or shows a new preview when the
    addresses changed in between."""
    area = Area.objects.select_related("programme").filter(pk=area_id, programme__slug=slug).first()
    if area is None or not access.may_import_addresses(request.user, area.programme_id):
        raise deny_not_found(request, "registry.area", area_id)
    return _import_page(
        request,
        area,
        AddressImportForm,
        import_preview,
        "registry/area_import.html",
        options=("valid_rows_only", "complete", "move_from_other_programmes"),
    )


def _import_page(request, area, form_class, preview_module, template: str, *, options, initial=None):
    """The address and the people import's one flow: upload → preview (nothing changes) → confirm with
    the preview's token. `options` are the form's fields passed on to the preview."""
    confirming = request.method == "POST" and "token" in request.POST
    posted = request.method == "POST" and not confirming
    form = form_class(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    report, token, expired = None, "", False
    if confirming:
        confirm_form = AddressImportConfirmForm(request.POST)
        if confirm_form.is_valid():
            report, token = preview_module.confirm(acting_user=request.user, area=area, **confirm_form.cleaned_data)
        expired = report is None
    elif posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report, token = preview_module.preview(
                acting_user=request.user,
                area=area,
                data=upload.read(),
                filename=upload.name,
                **{name: form.cleaned_data[name] for name in options},
            )
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
    return render(
        request,
        template,
        {
            "programme": area.programme,
            "area": area,
            "form": form,
            "report": report,
            "token": token,
            "expired": expired,
            # What the page shows: the outcome of an import, a preview to confirm, or a refused file.
            "stage": ("" if report is None else "imported" if report.committed else "preview" if token else "refused"),
        },
        status=400 if form.errors or expired else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request, slug: str, area_id: int):
    """Upload a tenant list or population-register extract → preview (nothing changes) → confirm.
    The page shows counts and rejected rows by number and reason, never a person's name."""
    area = Area.objects.select_related("programme").filter(pk=area_id, programme__slug=slug).first()
    if area is None or not access.may_import_people(request.user, area.programme_id):
        raise deny_not_found(request, "registry.area", area_id)
    return _import_page(
        request,
        area,
        PeopleImportForm,
        people_preview,
        "registry/people_import.html",
        options=("extract_date", "complete", "valid_rows_only"),
        initial={"extract_date": timezone.localdate()},
    )


@login_required
def search(request):
    if not access.may_edit_registry(request.user):
        raise deny_forbidden(request, "view:search")
    query = request.GET.get("q", "")
    result = search_registry(request.user, query, request.GET.get("page"))
    if result.kind:
        audit.record(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type="registry.search",
            person_ids=result.shown_person_ids,
            purpose="registry",
            # What kind of search, and how much it found; never the typed name itself.
            detail={"kind": result.kind, "page": result.persons.number if result.persons else 1},
        )
    context = {"query": query, "result": result, "page_query": urlencode({"q": query})}
    return render(request, "registry/search.html", context)


# --- Households ----------------------------------------------------------------------------------


def _household(request, pk: int, *, detail: bool = False) -> Household:
    # Partners may see a person through a referral, but never the registry's own pages.
    selector = selectors.household_detail if detail else selectors.household_for
    return visible_or_404(request, selector, pk, "registry.household", allowed=access.may_edit_registry(request.user))


def _person(request, pk: int, *, detail: bool = False, allowed: bool | None = None) -> Person:
    selector = selectors.person_detail if detail else selectors.person_for
    if allowed is None:
        allowed = access.may_edit_registry(request.user)
    return visible_or_404(request, selector, pk, "registry.person", allowed=allowed)


@login_required
def household_detail(request, pk: int):
    household = _household(request, pk, detail=True)
    residences = list(household.residences.all())
    residence = selectors.current_residence(household)
    memberships = list(household.memberships.all())
    current = [m for m in memberships if m.end_date is None]
    former = [m for m in memberships if m.end_date is not None]
    record_read(request, household, person_ids=[m.person_id for m in memberships], purpose="registry")
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "residence": residence,
            "residences": residences,
            "programme": residence.address.area.programme if residence else None,
            # Residences come newest first: without a current one, the newest says when it left.
            "moved_away": residences[0] if residence is None and residences else None,
            "members": current,
            "former_members": former,
            "panels": panels.household_page.panels(request.user, household),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request, address_id: int):
    address = visible_or_404(
        request, selectors.address_for, address_id, "registry.address", allowed=access.may_edit_registry(request.user)
    )
    form = HouseholdCreateForm(request.POST or None, initial={"moved_in_on": timezone.localdate()})
    if request.method == "POST":
        done = run_service_on_form(
            request,
            form,
            lambda data: services.household_register(
                acting_user=request.user,
                name=data["name"],
                address=address,
                moved_in_on=data["moved_in_on"],
                note=data["note"],
            ),
            success=_("The household was registered. Add its members now."),
            then=lambda household: redirect("registry:member_add", pk=household.pk),
        )
        if done:
            return done
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "address": address, "programme": address.area.programme},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    household = _household(request, pk)
    form = HouseholdEditForm(
        request.POST or None, initial={"name": household.name, "note": household.note, "version": household.version}
    )
    refused: list[Household] = []
    if request.method == "POST":
        done = run_service_on_form(
            request,
            form,
            lambda data: services.household_update(
                acting_user=request.user,
                household=household,
                version=data["version"],
                name=data["name"],
                note=data["note"],
            ),
            success=_("The household was saved."),
            then=lambda _result: redirect("registry:household", pk=household.pk),
            current_version=lambda: _stored_version(household, refused),
        )
        if done:
            return done
    else:
        record_read(request, household, person_ids=[], purpose="registry")
    return render(
        request,
        "registry/household_edit.html",
        {"form": form, "household": household, "conflict": bool(refused)},
    )


def _stored_version[T: (Household, Person)](record: T, refused: list[T]) -> int:
    """After a refused stale save: the record as stored now (the page shows it beside the input the
    user keeps), noted in `refused`, and its version, which the next save goes against."""
    record.refresh_from_db()
    refused.append(record)
    return record.version


@login_required
@require_http_methods(["GET", "POST"])
def household_move(request, pk: int):
    household = _household(request, pk, detail=True)
    residence = selectors.current_residence(household)
    form = MoveForm(request.POST or None, initial={"version": household.version, "moved_on": timezone.localdate()})
    if request.method == "POST":

        def move(data):
            to_address = None
            if not data["left_area"]:
                try:
                    to_address = selectors.address_by_bag(
                        request.user,
                        postcode=data["postcode"],
                        huisnummer=data["huisnummer"],
                        huisletter=data["huisletter"] or "",
                        toevoeging=data["huisnummertoevoeging"] or "",
                    )
                except Address.DoesNotExist:
                    raise ValidationError(
                        {"postcode": _("This address is not in the registry of your programme's areas.")}
                    ) from None
            return services.household_move(
                acting_user=request.user,
                household=household,
                version=data["version"],
                moved_on=data["moved_on"],
                to_address=to_address,
            )

        done = run_service_on_form(
            request,
            form,
            move,
            success=_("The move was recorded."),
            then=lambda _result: redirect("registry:household", pk=household.pk),
            current_version=lambda: _stored_version(household, []),
        )
        if done:
            return done
    else:
        record_read(request, household, person_ids=[], purpose="registry")
    return render(
        request,
        "registry/household_move.html",
        {"form": form, "household": household, "residence": residence},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    household = _household(request, pk)
    form = MemberAddForm(request.POST or None, initial={"member_since": timezone.localdate()})
    if request.method == "POST":
        done = run_service_on_form(
            request,
            form,
            lambda data: services.person_add_to_household(
                acting_user=request.user,
                household=household,
                relation=data["relation"],
                member_since=data["member_since"],
                **form.person_fields(),
            ),
            success=lambda person: _("%(name)s was added to the household.") % {"name": person.full_name},
            then=lambda _person: redirect(
                "registry:member_add" if "add_another" in request.POST else "registry:household", pk=household.pk
            ),
        )
        if done:
            return done
    else:
        record_read(request, household, person_ids=[], purpose="registry")
    return render(
        request,
        "registry/member_add.html",
        {"form": form, "household": household},
    )


# --- Persons -------------------------------------------------------------------------------------


@login_required
def person_detail(request, pk: int):
    person = _person(request, pk, detail=True)
    memberships = list(person.household_memberships.all())
    record_read(request, person, purpose="registry")
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "current_membership": next((m for m in memberships if m.end_date is None), None),
            "consents": list(person.consents.all()),
            "show_bsn": bsn_enabled(),
            "consent_form": ConsentForm(initial={"given_on": timezone.localdate()}),
            "panels": panels.person_page.panels(request.user, person),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = _person(request, pk)
    initial = {
        "given_names": person.given_names,
        "tussenvoegsel": person.tussenvoegsel,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "phone": person.phone,
        "email": person.email,
        "bsn": person.bsn,
        "version": person.version,
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    refused: list[Person] = []
    if request.method == "POST":
        done = run_service_on_form(
            request,
            form,
            lambda data: services.person_update(
                acting_user=request.user, person=person, version=data["version"], **form.person_fields()
            ),
            success=_("The person was saved."),
            then=lambda _result: redirect("registry:person", pk=person.pk),
            current_version=lambda: _stored_version(Person.objects.get(pk=person.pk), refused),
        )
        if done:
            return done
    record_read(request, person, purpose="registry")
    return render(
        request,
        "registry/person_edit.html",
        {"form": form, "person": person, "current": refused[0] if refused else None},
    )


@login_required
@require_POST
def consent_create(request, pk: int):
    person = _person(request, pk, allowed=access.may_record_consent(request.user))
    form = ConsentForm(request.POST)

    def back(_consent):
        # Recorded from another form (the referral form asks for it in place): back to that form.
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        return redirect("registry:person", pk=person.pk)

    done = run_service_on_form(
        request,
        form,
        lambda data: privacy_services.consent_record(
            acting_user=request.user,
            person=person,
            purpose=data["purpose"],
            organisation=data["organisation"],
            given_by=data["given_by"],
            parent_name=data["parent_name"],
            given_on=data["given_on"],
            note=data["note"],
        ),
        success=_("The consent was recorded."),
        then=back,
    )
    if done:
        return done
    record_read(request, person, purpose="consent")
    context = {"form": form, "person": person, "next": request.POST.get("next", "")}
    return render(request, "registry/consent_form.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk: int):
    consent = visible_or_404(
        request,
        lambda user, key: (
            Consent.objects.visible_to(user).select_related("person", "organisation").filter(pk=key).first()
        ),
        pk,
        "privacy.consent",
        allowed=access.may_record_consent(request.user),
    )
    form = ConsentWithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST":
        done = run_service_on_form(
            request,
            form,
            lambda data: privacy_services.consent_withdraw(
                acting_user=request.user, consent=consent, withdrawn_on=data["withdrawn_on"], note=data["note"]
            ),
            success=_("The consent was withdrawn."),
            then=lambda _result: redirect("registry:person", pk=consent.person_id),
        )
        if done:
            return done
    record_read(request, consent, purpose="consent")
    return render(
        request,
        "registry/consent_withdraw.html",
        {"form": form, "consent": consent, "person": consent.person},
    )
