"""Referral screens: sending (case manager), the referral page (both sides), the partner's inbox.

Thin: parse a form, fetch through a scoped selector, call one service, render. Every page a partner
opens leaves an audit event (they see a person's data through it).
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stijging.core.views_toolkit import record_read, run_service_on_button, run_service_on_form, visible_or_404
from stijging.pagination import CappedPaginator
from stijging.privacy import audit
from stijging.privacy.access import deny_forbidden, deny_not_found, login_required
from stijging.privacy.models import AuditAction, ConsentGivenBy, ConsentPurpose
from stijging.registry import access as registry_access
from stijging.registry.forms import ConsentForm
from stijging.registry.selectors import person_lives_in_programme
from stijging.trajectories import access as trajectory_access
from stijging.trajectories import selectors as trajectory_selectors

from . import access, selectors, services, states
from .forms import AssignForm, OutcomeForm, PartnerStepForm, ReferralSendForm, WithdrawForm
from .models import Referral
from .states import ReferralStatus, Side

# --- Sending --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def send(request, pk: int):
    trajectory = visible_or_404(
        request,
        trajectory_selectors.trajectory_for,
        pk,
        "trajectories.trajectory",
        allowed=trajectory_access.may_read_trajectories(request.user),
        permits=lambda trajectory: access.may_send(request.user, trajectory.programme_id),
    )
    person = trajectory.person
    consents = selectors.share_consents(person)
    domains = trajectory_selectors.current_domains_qs()
    form = ReferralSendForm(
        request.POST or None,
        organisations=selectors.partner_organisations(),
        domains=domains,
        consents=consents,
        grounds=selectors.active_grounds(),
    )
    if request.method == "POST":
        sent = run_service_on_form(
            request,
            form,
            lambda data: services.referral_send(acting_user=request.user, trajectory=trajectory, **data),
            success=_("The referral was sent."),
            then=lambda referral: redirect("referrals:referral", pk=referral.pk),
        )
        if sent:
            return sent
    record_read(request, trajectory, purpose="referral")
    # A missing consent is recorded right here (registry's consent form, which comes back to this
    # form): the referral form offered no consent and no way to record one.
    consent_form = (
        ConsentForm(
            auto_id="consent-%s",
            initial={
                "purpose": ConsentPurpose.SHARE_WITH_ORGANISATION,
                "given_by": ConsentGivenBy.PARENT if person.age < 16 else ConsentGivenBy.PERSON,
                "given_on": timezone.localdate(),
            },
        )
        if registry_access.may_record_consent(request.user)
        else None
    )
    return render(
        request,
        "referrals/send.html",
        {
            "form": form,
            "trajectory": trajectory,
            "person": person,
            "has_consent": consents.exists(),
            "consent_form": consent_form,
        },
        status=400 if form.errors else 200,
    )


# --- The referral page ----------------------------------------------------------------------------


def _detail(request, referral: Referral, *, status: int = 200, **forms):
    as_partner = access.acts_as_partner(request.user, referral)
    if not as_partner and not access.may_read_as_case_role(request.user, referral):
        raise deny_not_found(request, "referrals.referral", referral.pk)
    # The partner visits the person where they live now; the case side sees the address only while
    # the person lives in the referral's programme (after a move it is the new programme's).
    shows_address = as_partner or person_lives_in_programme(referral.person_id, referral.programme_id)
    context: dict = {
        "referral": referral,
        "person": referral.person,
        "address": selectors.current_address(referral.person_id) if shows_address else None,
        "shows_address": shows_address,
        "case_manager": referral.trajectory.case_manager,
        "events": list(referral.events.all()),
        "as_partner": as_partner,
        "overdue": referral.is_overdue(timezone.localdate()),
    }
    if as_partner and referral.status in states.OPEN_STATUSES:
        steps = states.next_for(referral.status, Side.PARTNER)
        context["step_form"] = forms.get("step_form") or PartnerStepForm(
            initial={"version": referral.version}, steps=steps
        )
        context["outcome_form"] = forms.get("outcome_form") or OutcomeForm(initial={"version": referral.version})
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            initial={"version": referral.version, "assigned_to": referral.assigned_to_id},
            colleagues=selectors.colleagues_of(request.user, referral.programme_id),
        )
    elif (
        not as_partner
        and referral.status in states.OPEN_STATUSES
        and access.may_send(request.user, referral.programme_id)
    ):
        context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm(initial={"version": referral.version})
    elif (
        not as_partner
        and referral.status == ReferralStatus.WITHDRAWN
        and access.may_send(request.user, referral.programme_id)
        and services.withdrawal_undo_problem(referral) is None
    ):
        # One tap too many is undone the same day, while nothing happened since.
        context["undo_version"] = referral.version
    record_read(request, referral, purpose="referral", detail={"organisation_id": referral.organisation_id})
    return render(request, "referrals/referral.html", context, status=status)


@login_required
def referral_detail(request, pk: int):
    try:
        referral = selectors.referral_page(request.user, pk)
    except Referral.DoesNotExist:
        withdrawn = selectors.withdrawn_referral_for_partner(request.user, pk)
        if withdrawn is None:
            raise deny_not_found(request, "referrals.referral", pk) from None
        # The partner learns only that the consent was withdrawn, so that its work stops: no name,
        # no question, no address.
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=withdrawn,
            purpose="referral",
            detail={"consent_withdrawn": True},
        )
        return render(request, "referrals/referral_withdrawn.html", {"referral": withdrawn})
    return _detail(request, referral)


def _referral_for_step(request, pk: int, *, as_partner: bool) -> Referral:
    """The referral a POST acts on: scoped, without the page's prefetches; a partner's step only on
    the partner's side, the case side's only by one who may send (both else a 404, audited)."""

    def permits(referral: Referral) -> bool:
        if as_partner:
            return access.acts_as_partner(request.user, referral)
        return not access.acts_as_partner(request.user, referral) and access.may_send(
            request.user, referral.programme_id
        )

    return visible_or_404(request, selectors.referral_for, pk, "referrals.referral", permits=permits)


def _step(request, pk: int, form, service, *, success: str, form_name: str):
    """A step on the referral page: run it, back to the page; refused, the page again with the form."""
    done = run_service_on_form(
        request, form, service, success=success, then=lambda _result: redirect("referrals:referral", pk=pk)
    )
    if done:
        return done
    page = visible_or_404(request, selectors.referral_page, pk, "referrals.referral")
    return _detail(request, page, status=400, **{form_name: form})


@login_required
@require_POST
def respond(request, pk: int):
    referral = _referral_for_step(request, pk, as_partner=True)
    return _step(
        request,
        pk,
        PartnerStepForm(request.POST, steps=states.next_for(referral.status, Side.PARTNER)),
        lambda data: services.referral_transition(
            acting_user=request.user,
            referral=referral,
            version=data["version"],
            to_status=data["to_status"],
            side=Side.PARTNER,
            code=data["code"],
            code_text=data["code_text"],
        ),
        success=_("The referral was updated."),
        form_name="step_form",
    )


@login_required
@require_POST
def outcome(request, pk: int):
    """The partner's outcome in one step, from whichever open state the referral is in."""
    referral = _referral_for_step(request, pk, as_partner=True)
    return _step(
        request,
        pk,
        OutcomeForm(request.POST),
        lambda data: services.referral_report_outcome(
            acting_user=request.user,
            referral=referral,
            version=data["version"],
            code=data["code"],
            code_text=data["code_text"],
        ),
        success=_("The outcome was reported; the referral is completed."),
        form_name="outcome_form",
    )


@login_required
@require_POST
def withdraw(request, pk: int):
    referral = _referral_for_step(request, pk, as_partner=False)
    return _step(
        request,
        pk,
        WithdrawForm(request.POST),
        lambda data: services.referral_transition(
            acting_user=request.user,
            referral=referral,
            version=data["version"],
            to_status=ReferralStatus.WITHDRAWN,
            side=Side.CASE,
            code=data["code"],
            code_text=data["code_text"],
        ),
        success=_("The referral was withdrawn; the partner no longer sees it. You can undo this today."),
        form_name="withdraw_form",
    )


@login_required
@require_POST
def withdrawal_undo(request, pk: int):
    referral = _referral_for_step(request, pk, as_partner=False)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    return run_service_on_button(
        request,
        lambda: services.referral_withdrawal_undo(acting_user=request.user, referral=referral, version=version),
        success=_("The withdrawal was undone; the partner sees the referral again."),
        then=redirect("referrals:referral", pk=pk),
    )


@login_required
@require_POST
def assign(request, pk: int):
    referral = _referral_for_step(request, pk, as_partner=True)
    return _step(
        request,
        pk,
        AssignForm(request.POST, colleagues=selectors.colleagues_of(request.user, referral.programme_id)),
        lambda data: services.referral_assign(
            acting_user=request.user, referral=referral, version=data["version"], assignee=data["assigned_to"]
        ),
        success=_("The referral was assigned."),
        form_name="assign_form",
    )


# --- The partner's inbox and person page ----------------------------------------------------------


@login_required
def inbox(request):
    if not access.is_partner(request.user):
        raise deny_forbidden(request, "view:referral_inbox")
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    # Capped: at a region's size an organisation's inbox holds tens of thousands of referrals, and
    # counting them all against their access grants cost more than the page itself (ten pages are
    # counted; past them the pager says "of more than 10", and the status filter narrows the list).
    page = CappedPaginator(
        selectors.partner_inbox(request.user, status=status), selectors.INBOX_PER_PAGE, cap=selectors.INBOX_CAP
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    today = timezone.localdate()
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        object_type="referrals.referral",
        person_ids=[r.person_id for r in rows],
        purpose="referral",
        detail={"status": status, "page": page.number},
    )
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "rows": [(r, r.is_overdue(today)) for r in rows],
            "status": status,
            "statuses": ReferralStatus.choices,
            "query": f"status={status}" if status else "",
        },
    )


@login_required
def partner_person(request, pk: int):
    person = visible_or_404(
        request, selectors.partner_person, pk, "registry.person", allowed=access.is_partner(request.user)
    )
    referrals = selectors.referrals_of_person_for_partner(request.user, person)
    if not referrals:
        raise deny_not_found(request, "registry.person", pk)
    record_read(request, person, purpose="referral")
    return render(
        request,
        "referrals/person.html",
        {"person": person, "address": selectors.current_address(person.pk), "referrals": referrals},
    )
