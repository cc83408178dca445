"""The API clients in the admin site at /beheer/ (issue 15): listed, made, approved by a second admin,
rotated, revoked (after a confirmation page of its own) and given a webhook, each through `api.services` — the `api_client` command's own
functions, so the rule (an admin of every programme of the client) and the audit are theirs.

Here and not in core's admin_site: the API is the floor above core (it reads every app, core's admin
site included); Django's admin autodiscovery imports this module."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import Organisation
from stijging.concurrency import ConflictError
from stijging.core.admin_site import ConfigAdmin, _administered, admin_site
from stijging.privacy.access import deny_not_found
from stijging.registry.models import Programme

from . import services as api_services
from .models import ApiClient, Scope

# --- API clients ----------------------------------------------------------------------------------


class ApiClientCreateForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    organisation = forms.ModelChoiceField(label=_("organisation"), queryset=Organisation.objects.order_by("name"))
    programmes = forms.ModelMultipleChoiceField(
        label=_("programmes"), queryset=Programme.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programmes"].queryset = programmes  # type: ignore[attr-defined]


class ApiClientAccessForm(forms.Form):
    """A new set of scopes and programmes: a widening waits for a second admin again."""

    programmes = forms.ModelMultipleChoiceField(
        label=_("programmes"), queryset=Programme.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programmes"].queryset = programmes  # type: ignore[attr-defined]


class ApiClientWebhookForm(forms.Form):
    url = forms.CharField(
        label=_("webhook URL"),
        max_length=500,
        required=False,
        help_text=_("https only; leave empty to remove the webhook. Its signing secret is shown once."),
    )


@admin.register(ApiClient, site=admin_site)
class ApiClientAdmin(ConfigAdmin):
    """Other organisations' systems that use the API (issue 15). Every action goes through
    `stijging.api.services`, the command's own functions: only an admin of every programme of the
    client acts on it, each action is audited, a new client or a widening waits for a second admin.
    The list shows the clients the admin may act on: all their programmes administered by them.
    A token or webhook secret is shown once, on the page that answers the POST, never stored or
    sent through the messages (those live in the session)."""

    list_display = ["name", "organisation", "programme_list", "scope_list", "status", "last_used_at", "webhook"]
    list_display_links = ["name"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("organisation", "created_by", "approval_requested_by", "approved_by")
            .prefetch_related("programmes")
        )
        programme_ids = _administered(request)
        if programme_ids is None:
            return queryset
        # Every client serves at least one programme: without one outside the admin's, all are theirs.
        return queryset.exclude(programmes__in=Programme.objects.exclude(pk__in=programme_ids))

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the client's page (change_view below) acts through the services, not a model form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted: the audit log points at its service account

    @admin.display(description=_("programmes"))
    def programme_list(self, obj: ApiClient) -> str:
        return ", ".join(p.name for p in obj.programmes.all())

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiClient) -> str:
        return ", ".join(obj.scope_labels())

    @admin.display(description=_("status"))
    def status(self, obj: ApiClient) -> str:
        if not obj.active:
            return gettext("revoked")
        return gettext("awaits approval") if obj.awaits_approval else gettext("active")

    @admin.display(description=_("webhook URL"))
    def webhook(self, obj: ApiClient) -> str:
        return obj.webhook_url or "—"

    def _programmes(self, request):
        programme_ids = _administered(request)
        queryset = Programme.objects.order_by("name")
        return queryset if programme_ids is None else queryset.filter(pk__in=programme_ids)

    def _render(self, request, template: str, context: dict):
        return TemplateResponse(
            request,
            f"admin/api/apiclient/{template}",
            {**self.admin_site.each_context(request), "opts": self.opts, **context},
        )

    def add_view(self, request, form_url="", extra_context=None):
        form = ApiClientCreateForm(request.POST or None, programmes=self._programmes(request))
        if request.method == "POST" and form.is_valid():
            try:
                client, token = api_services.api_client_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return self._render(request, "secret.html", {"client": client, "token": token, "created": True})
        return self._render(request, "create.html", {"form": form, "title": gettext("New API client")})

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="api_apiclient_revoke",
            ),
            *super().get_urls(),
        ]

    def _client_or_404(self, request, object_id) -> ApiClient:
        client = self.get_object(request, unquote(object_id))
        if client is None:
            # Another admin's client, or none: the same 404 either way (existence does not leak);
            # an attempt at an existing client of programmes the admin does not all administer is
            # audited as a refusal.
            if str(object_id).isdigit() and ApiClient.objects.filter(pk=int(object_id)).exists():
                raise deny_not_found(request, "api.apiclient", object_id)
            raise Http404()
        return client

    def revoke_view(self, request, object_id):
        """Revoking takes a confirmation: the GET says what stops and for whom, the POST of its form
        (with `confirm`) revokes through the service. Anything else changes nothing."""
        client = self._client_or_404(request, object_id)
        back = redirect(reverse("beheer:api_apiclient_change", args=[client.pk]))
        if not client.active:
            self.message_user(request, gettext("This client is already revoked."), level=messages.WARNING)
            return back
        if request.method == "POST":
            if request.POST.get("confirm") == "yes":
                try:
                    api_services.api_client_revoke(acting_user=request.user, client=client)
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), level=messages.ERROR)
                else:
                    self.message_user(request, gettext("The client is revoked: its token no longer works."))
                return back
            self.message_user(
                request, gettext("Nothing was revoked: confirm with the button below."), level=messages.ERROR
            )
        return self._render(
            request,
            "revoke.html",
            {"client": client, "title": gettext("Revoke the API client “%(name)s”?") % {"name": client.name}},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self._client_or_404(request, object_id)
        access_form = ApiClientAccessForm(
            initial={"programmes": list(client.programmes.all()), "scopes": client.scopes, "version": client.version},
            programmes=self._programmes(request),
        )
        webhook_form = ApiClientWebhookForm(initial={"url": client.webhook_url})
        if request.method == "POST":
            response = self._act(request, client)
            if response is not None:
                return response
            return redirect(reverse("beheer:api_apiclient_change", args=[client.pk]))
        context = {
            "client": client,
            "title": str(client),
            "access_form": access_form,
            "webhook_form": webhook_form,
            # The services decide (a forged POST is refused there too); the button is left out where
            # it would certainly be refused.
            "may_approve": client.active
            and client.awaits_approval
            and request.user.pk != client.approval_requested_by_id
            and not (client.approved_at is None and request.user.pk == client.created_by_id),
        }
        return self._render(request, "detail.html", context)

    def _act(self, request, client: ApiClient):
        """One action of the client's page; a page with a secret, or None to go back to the client."""
        action = request.POST.get("action", "")
        try:
            if action == "approve":
                version = forms.IntegerField().clean(request.POST.get("version"))
                api_services.api_client_approve(acting_user=request.user, client=client, version=version)
                self.message_user(request, gettext("The client is approved: it works now."))
            elif action == "rotate":
                token = api_services.api_client_rotate(acting_user=request.user, client=client)
                return self._render(request, "secret.html", {"client": client, "token": token})
            elif action == "webhook":
                webhook_form = ApiClientWebhookForm(request.POST)
                if not webhook_form.is_valid():
                    raise ValidationError(list(webhook_form.errors["url"]))
                secret = api_services.api_client_set_webhook(
                    acting_user=request.user, client=client, url=webhook_form.cleaned_data["url"]
                )
                if secret:
                    return self._render(request, "secret.html", {"client": client, "webhook_secret": secret})
                self.message_user(request, gettext("The webhook is removed."))
            elif action == "access":
                access_form = ApiClientAccessForm(request.POST, programmes=self._programmes(request))
                if not access_form.is_valid():
                    raise ValidationError([e for errors in access_form.errors.values() for e in errors])
                changed = api_services.api_client_change_access(
                    acting_user=request.user, client=client, **access_form.cleaned_data
                )
                if changed.awaits_approval:
                    self.message_user(
                        request,
                        gettext("Saved. The client now awaits approval by another administrator."),
                        level=messages.WARNING,
                    )
                else:
                    self.message_user(request, gettext("Saved."))
            else:
                raise ValidationError(gettext("Unknown action."))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
        except ConflictError as error:
            self.message_user(request, str(error), level=messages.ERROR)
        return None


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
