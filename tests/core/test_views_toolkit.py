"""The view toolkit on its own: what a view gets back and what it leaves (messages, form errors,
audit events) for each way a service can answer. The apps' view tests cover it in place."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from stijging.concurrency import ConflictError
from stijging.core.views_toolkit import (
    CONFLICT_MESSAGE,
    record_read,
    run_service_on_button,
    run_service_on_form,
    visible_or_404,
)
from stijging.privacy.models import AuditAction, AuditEvent, AuditOutcome
from stijging.registry.models import Person


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _request(user, data=None):
    request = RequestFactory().post("/somewhere/", data or {})
    request.user = user
    request._messages = CookieStorage(request)  # what the message middleware attaches
    return request


def _texts(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _raise(error: Exception):
    def service(*args):
        raise error

    return service


def _own_person(user, pk):
    """A scoped selector of the shape the apps have: the own programme's adult, else DoesNotExist."""
    return Person.objects.filter(pk=pk, family_name="Ownsen").get()


# --- visible_or_404 -------------------------------------------------------------------------------


def test_visible_or_404_answers_what_the_selector_found(world):
    request = _request(world.user("case_manager"))
    assert visible_or_404(request, _own_person, world.own.adult.pk, "registry.person") == world.own.adult


@pytest.mark.parametrize("selector", [_own_person, lambda user, pk: None], ids=["does-not-exist", "none"])
def test_visible_or_404_refuses_a_foreign_object_as_not_found_and_audits_it(world, selector):
    request = _request(world.user("case_manager"))
    with pytest.raises(Http404):
        visible_or_404(request, selector, world.foreign.adult.pk, "registry.person")
    event = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (event.object_type, event.object_id, event.outcome) == (
        "registry.person",
        str(world.foreign.adult.pk),
        AuditOutcome.DENIED,
    )


def test_visible_or_404_not_allowed_does_not_ask_the_selector(world):
    asked = []
    request = _request(world.user("partner"))
    with pytest.raises(Http404):
        visible_or_404(request, lambda user, pk: asked.append(pk), world.own.adult.pk, "registry.person", allowed=False)
    assert asked == []
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="registry.person").count() == 1


def test_visible_or_404_refuses_what_the_apps_rule_on_the_object_does_not_permit(world):
    request = _request(world.user("case_manager"))
    own = world.own.adult.pk
    assert visible_or_404(request, _own_person, own, "registry.person", permits=lambda p: p.pk == own).pk == own
    with pytest.raises(Http404):
        visible_or_404(request, _own_person, own, "registry.person", permits=lambda person: False)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_id=str(own)).count() == 1


# --- run_service_on_form --------------------------------------------------------------------------


def test_a_valid_form_runs_the_service_says_so_and_redirects(world):
    request = _request(world.user("case_manager"))
    form = NameForm({"name": "Anna", "version": "3"})
    response = run_service_on_form(
        request,
        form,
        lambda data: data["name"].upper(),
        success=lambda result: f"Saved {result}.",
        then=lambda result: redirect(f"/done/{result}/"),
    )
    assert response is not None and response.status_code == 302 and response["Location"] == "/done/ANNA/"
    assert _texts(request) == [("success", "Saved ANNA.")]


def test_an_invalid_form_never_reaches_the_service(world):
    called = []
    form = NameForm({"name": "", "version": "3"})
    request = _request(world.user("case_manager"))
    response = run_service_on_form(request, form, called.append, success="Saved.", then=lambda r: HttpResponse())
    assert response is None and called == [] and "name" in form.errors
    assert _texts(request) == []


def test_a_services_validation_error_lands_on_the_field_it_names(world):
    form = NameForm({"name": "Anna", "version": "3"})
    request = _request(world.user("case_manager"))
    refusal = ValidationError({"name": "Taken.", "elsewhere": "Not a field here."})
    response = run_service_on_form(request, form, _raise(refusal), success="Saved.", then=lambda r: HttpResponse())
    assert response is None
    assert form.errors["name"] == ["Taken."] and form.non_field_errors() == ["Not a field here."]
    assert _texts(request) == []


def test_a_permission_denied_of_the_service_lands_above_the_form(world):
    form = NameForm({"name": "Anna", "version": "3"})
    request = _request(world.user("case_manager"))
    refusal = PermissionDenied("Another administrator decides this.")
    assert run_service_on_form(request, form, _raise(refusal), success="S", then=lambda r: HttpResponse()) is None
    assert form.non_field_errors() == ["Another administrator decides this."]


def test_a_conflict_keeps_the_input_with_the_old_version_when_no_current_version_is_given(world):
    form = NameForm({"name": "Anna", "version": "3"})
    request = _request(world.user("case_manager"))
    run_service_on_form(request, form, _raise(ConflictError()), success="S", then=lambda r: HttpResponse())
    assert form.non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert form.data["name"] == "Anna" and form.data["version"] == "3"


def test_a_conflict_with_the_current_version_lets_the_next_save_go_against_it(world):
    form = NameForm({"name": "Anna", "version": "3"})
    request = _request(world.user("case_manager"))
    run_service_on_form(
        request, form, _raise(ConflictError()), success="S", then=lambda r: HttpResponse(), current_version=lambda: 5
    )
    assert form.non_field_errors() == [str(CONFLICT_MESSAGE)]
    assert form.data["name"] == "Anna" and form.data["version"] == "5"


def test_an_unexpected_error_of_the_service_is_not_swallowed(world):
    form = NameForm({"name": "Anna", "version": "3"})
    request = _request(world.user("case_manager"))
    with pytest.raises(ZeroDivisionError):
        run_service_on_form(request, form, lambda data: 1 / 0, success="S", then=lambda r: HttpResponse())


# --- run_service_on_button ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        (lambda: None, [("success", "Undone.")]),
        (_raise(ConflictError()), [("error", CONFLICT_MESSAGE)]),
        (
            _raise(ValidationError(["Too late.", "Ask the partner."])),
            [("error", "Too late."), ("error", "Ask the partner.")],
        ),
        (_raise(PermissionDenied("Not yours.")), [("error", "Not yours.")]),
    ],
    ids=["done", "conflict", "refused", "denied"],
)
def test_a_button_always_goes_back_with_what_happened_as_a_message(world, service, expected):
    request = _request(world.user("case_manager"))
    back = redirect("/the-page/")
    assert run_service_on_button(request, service, success="Undone.", then=back) is back
    # str() here, not at collection: the message is lazy and the test's language is set per test.
    assert _texts(request) == [(level, str(text)) for level, text in expected]


# --- record_read ----------------------------------------------------------------------------------


def test_reading_a_person_names_that_person(world):
    request = _request(world.user("case_manager"))
    record_read(request, world.own.adult, purpose="timeline")
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.object_type, event.object_id, event.purpose) == (
        "registry.person",
        str(world.own.adult.pk),
        "timeline",
    )
    assert event.actor_id == world.user("case_manager").pk
    assert list(event.person_ids) == [world.own.adult.pk]


def test_reading_a_record_of_a_person_names_its_person_and_a_list_names_whom_it_showed(world):
    request = _request(world.user("case_manager"))
    record_read(request, world.own.membership_adult, purpose="outreach")
    record_read(
        request,
        world.own.household,
        purpose="outreach",
        person_ids=[world.own.adult.pk, world.own.child.pk],
        action=AuditAction.LIST,
        detail={"page": 2},
    )
    member, household = AuditEvent.objects.filter(action__in=[AuditAction.VIEW, AuditAction.LIST]).order_by("id")
    assert list(member.person_ids) == [world.own.adult.pk]
    assert household.action == AuditAction.LIST and list(household.person_ids) == [
        world.own.adult.pk,
        world.own.child.pk,
    ]
    assert household.detail == {"page": 2}
