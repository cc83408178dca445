"""The functional administrator's configuration screens (Django admin, at /beheer/).

Only configuration lives here: organisations, users and their roles, programmes and areas, service
levels, instruments and kinds of activity, never households or persons (the admin would bypass
`visible_to`). Open to users with the `admin` role, who administer the programmes where they hold it
and no more (docs/decisions/0005-administrators-administer.md):

- programmes, their areas and their users are those of the admin's programmes; an organisation is
  changed only while none of its users works in another programme;
- roles are granted, revoked and requested through `accounts.services`, which audit each one; a role
  that sees personal data waits for a second person (the role-request page);
- API clients are managed in `api.admin` (the floor above) through `api.services`, as the
  `api_client` command does (issue 15);
- every save and delete goes through `core.services`, which audits what changed; users are
  deactivated, never deleted; an object that holds data is not deleted, and no delete confirmation
  lists related objects by name (they could be residents).
"""

from __future__ import annotations

from functools import update_wrapper

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stijging.accounts import notifications
from stijging.accounts import selectors as account_selectors
from stijging.accounts import services as account_services
from stijging.accounts.models import (
    PERSONAL_DATA_ROLES,
    Membership,
    Organisation,
    OutgoingEmail,
    OutgoingEmailStatus,
    RoleRequest,
    User,
)
from stijging.cohesion.models import ActivityKind
from stijging.instruments import services as instruments
from stijging.instruments.models import (
    CohesionStatement,
    DefectCategory,
    Domain,
    InstrumentVersion,
    LadderRung,
    ScaleLevel,
)
from stijging.privacy.access import deny_forbidden
from stijging.privacy.models import RetentionPolicy
from stijging.referrals.models import ServiceLevel
from stijging.registry.models import Area, Programme

from . import services as config_services


class StijgingAdminSite(admin.AdminSite):
    site_header = _("Stijging — configuration")
    site_title = _("Stijging configuration")
    index_title = _("Configuration")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and (user.is_superuser or user.has_role("admin")))

    def admin_view(self, view, cacheable=False):
        # Log in through allauth (with MFA), and refuse — audited — instead of showing the admin's
        # own login form to a logged-in user without the admin role.
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise deny_forbidden(request, "beheer", request.path)
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or "/beheer/")
        if not self.has_permission(request):
            raise deny_forbidden(request, "beheer", request.path)
        return redirect("beheer:index")


admin_site = StijgingAdminSite(name="beheer")
# Bulk deletion would go around the refusal of objects that hold data (ConfigAdmin.delete_view).
admin_site.disable_action("delete_selected")


def _administered(request) -> set[int] | None:
    """The programmes the requesting admin administers; None for a superuser (all)."""
    return account_selectors.programme_ids_administered_by(request.user)


class ConfigAdmin(admin.ModelAdmin):
    """Permissions follow the site: the admin role may configure, nobody else. Saves and deletes go
    through `core.services` (audited); a delete confirmation lists counts, never names."""

    def has_module_permission(self, request) -> bool:
        return admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def save_model(self, request, obj, form, change):
        config_services.config_save(acting_user=request.user, obj=obj)

    def delete_model(self, request, obj):
        config_services.config_delete(acting_user=request.user, obj=obj)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # sorts the forms into new, changed and deleted objects
        for obj in formset.deleted_objects:
            config_services.config_delete(acting_user=request.user, obj=obj)
        for obj, _fields in formset.changed_objects:
            config_services.config_save(acting_user=request.user, obj=obj)
        for obj in formset.new_objects:
            config_services.config_save(acting_user=request.user, obj=obj)
        formset.save_m2m()

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            held = config_services.data_held_by(obj)
            if held:
                self.message_user(request, config_services.refusal_message(obj, held), level=messages.ERROR)
                opts = self.opts
                return redirect(reverse(f"beheer:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        # Django lists every object a deletion takes along, by name; those could be residents. Only
        # configuration is ever deleted here (see delete_view), yet the page says counts only.
        _to_delete, model_count, perms_needed, _protected = super().get_deleted_objects(objs, request)
        summary = [f"{name}: {count}" for name, count in model_count.items()]
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        protected: dict[str, int] = {}
        for obj in collector.protected:
            name = str(obj._meta.verbose_name_plural)
            protected[name] = protected.get(name, 0) + 1
        return summary, model_count, perms_needed, [f"{name}: {n}" for name, n in protected.items()]


class ConfigInlineFormSet(BaseInlineFormSet):
    """An inline row that holds data (an area with addresses) cannot be deleted: said on the form,
    before anything is saved."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is None:
                continue
            held = config_services.data_held_by(form.instance)
            if held:
                raise ValidationError(config_services.refusal_message(form.instance, held))


class ConfigInline(admin.TabularInline):
    formset = ConfigInlineFormSet

    def has_view_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)


# --- Organisations --------------------------------------------------------------------------------


def _organisation_editable(request, organisation: Organisation | None) -> bool:
    """An organisation serves several programmes; its settings (name, notification address, service
    level) are changed only by an admin of every programme its users work in."""
    programme_ids = _administered(request)
    if programme_ids is None or organisation is None:
        return True
    return not (
        Membership.objects.filter(user__organisation=organisation).exclude(programme_id__in=programme_ids).exists()
        or User.objects.filter(organisation=organisation, is_superuser=True).exists()
    )


class ServiceLevelInline(ConfigInline):
    model = ServiceLevel
    extra = 1
    max_num = 1
    fields = ["priority_working_days"]

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and _organisation_editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _organisation_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _organisation_editable(request, obj)


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(ConfigAdmin):
    list_display = ["name", "kind", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [ServiceLevelInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _organisation_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _organisation_editable(request, obj)


# --- Users and their roles ------------------------------------------------------------------------


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["programme", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A membership never changes in place (that would move a role between programmes, or
            # into one that sees personal data without a second person): revoke it and add another.
            for name in ("programme", "role"):
                self.fields[name].disabled = True


class MembershipInline(ConfigInline):
    model = Membership
    form = MembershipInlineForm
    formset = BaseInlineFormSet  # type: ignore[assignment]  # a revoked role holds no data to check
    extra = 1
    fields = ["programme", "role"]
    verbose_name_plural = _("roles in your programmes")

    def get_queryset(self, request):
        # Roles in other programmes are not this admin's: not shown, not in the formset, so a
        # crafted row id of one is an invalid choice.
        queryset = super().get_queryset(request).select_related("programme")
        programme_ids = _administered(request)
        return queryset if programme_ids is None else queryset.filter(programme_id__in=programme_ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            programme_ids = _administered(request)
            queryset = Programme.objects.all()
            kwargs["queryset"] = queryset if programme_ids is None else queryset.filter(pk__in=programme_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["email", "username", "first_name", "last_name", "organisation", "phone", "is_active"]

    def clean_organisation(self):
        organisation = self.cleaned_data.get("organisation")
        account_services.check_organisation_change(self.instance, organisation.pk if organisation else None)
        return organisation


# Who the user is: changed only by an admin of every programme the user works in.
_IDENTITY_FIELDS: list[str | list[str] | tuple[str, ...] | tuple[()]] = [
    "email",
    "username",
    "first_name",
    "last_name",
    "organisation",
    "phone",
    "is_active",
]


@admin.register(User, site=admin_site)
class UserAdmin(ConfigAdmin):
    form = UserForm
    list_display = ["email", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["is_active", "organisation", "memberships__role"]
    search_fields = ["email", "first_name", "last_name"]
    fields = _IDENTITY_FIELDS
    inlines = [MembershipInline]
    actions = ["send_second_factor_invitation", "reset_second_factor"]

    @admin.action(description=_("Send a second-factor invitation (single use, 72 hours)"))
    def send_second_factor_invitation(self, request, queryset):
        # The only way a user enrols a first second factor: the password alone never does.
        for user in queryset:
            try:
                account_services.second_factor_invite(acting_user=request.user, user=user)
            except ValidationError as error:
                self.message_user(request, f"{user.email}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(request, _("Invitation sent to %(email)s.") % {"email": user.email})

    @admin.action(description=_("Reset the second factor (lost or stolen phone)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            account_services.second_factor_reset(acting_user=request.user, user=user)
            self.message_user(
                request, _("The second factor of %(email)s was removed; send an invitation.") % {"email": user.email}
            )

    def get_queryset(self, request):
        return account_selectors.users_administered_by(request.user).select_related("organisation")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # users are deactivated, never deleted: the audit log and records point at them

    def get_readonly_fields(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return []
        if not account_selectors.works_only_where_administered(request.user, obj):
            return _IDENTITY_FIELDS
        if obj.memberships.filter(role__in=PERSONAL_DATA_ROLES).exists():
            # A new e-mail address plus a password reset would be a way to log in as someone who
            # sees personal data, or who approves role requests: the superuser changes it.
            return ["email", "username"]
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Every grant, request and revocation of a role goes through the services, which audit it.
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            account_services.membership_revoke(acting_user=request.user, membership=membership)
        for membership in formset.new_objects:
            try:
                result = account_services.role_request_submit(
                    acting_user=request.user,
                    user=form.instance,
                    programme_id=membership.programme_id,
                    role=membership.role,
                )
            except PermissionDenied as error:
                self.message_user(request, str(error), level=messages.ERROR)
                continue
            if isinstance(result, RoleRequest):
                self.message_user(
                    request,
                    gettext(
                        "The role “%(role)s” in %(programme)s awaits approval by another administrator of the "
                        "programme or its privacy officer (Role requests)."
                    )
                    % {"role": result.get_role_display(), "programme": result.programme},
                    level=messages.WARNING,
                )


# --- Programmes and their areas -------------------------------------------------------------------


class AreaInline(ConfigInline):
    model = Area
    extra = 0
    fields = ["name", "slug", "cbs_buurtcode", "description"]


@admin.register(Programme, site=admin_site)
class ProgrammeAdmin(ConfigAdmin):
    list_display = ["name", "municipality", "start_date", "end_date", "target_participation", "target_uptake"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AreaInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        programme_ids = _administered(request)
        return queryset if programme_ids is None else queryset.filter(pk__in=programme_ids)

    def has_add_permission(self, request) -> bool:
        # A new programme would have no administrator and nobody to approve its roles: the
        # platform's superuser founds programmes.
        return bool(request.user.is_superuser)


# --- Kinds of activity ----------------------------------------------------------------------------


@admin.register(ActivityKind, site=admin_site)
class ActivityKindAdmin(ConfigAdmin):
    list_display = ["code", "name_nl", "name_en", "order", "active"]
    fields = ["code", "name_nl", "name_en", "order", "active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # activities point at their kind; a kind no longer used is switched off ("in use")


# --- Instruments ----------------------------------------------------------------------------------


class InstrumentItemInline(ConfigInline):
    extra = 0

    def _editable(self, obj) -> bool:
        # A published version is read-only: its answers keep the meaning they were given in.
        return obj is None or obj.published_at is None

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(obj)


class DomainInline(InstrumentItemInline):
    model = Domain
    fields = ["order", "code", "name_nl", "name_en", "min_age", "max_age"]


class ScaleLevelInline(InstrumentItemInline):
    model = ScaleLevel
    fields = ["value", "label_nl", "label_en", "criteria"]


class LadderRungInline(InstrumentItemInline):
    model = LadderRung
    fields = ["number", "label_nl", "label_en"]


class CohesionStatementInline(InstrumentItemInline):
    model = CohesionStatement
    fields = ["order", "code", "text_nl", "text_en", "reverse_coded"]


class DefectCategoryInline(InstrumentItemInline):
    model = DefectCategory
    fields = ["order", "code", "name_nl", "name_en"]


@admin.register(InstrumentVersion, site=admin_site)
class InstrumentVersionAdmin(ConfigAdmin):
    list_display = ["number", "published_at", "note"]
    fields = ["number", "note", "published_at"]
    readonly_fields = ["number", "published_at"]
    inlines = [DomainInline, ScaleLevelInline, LadderRungInline, CohesionStatementInline, DefectCategoryInline]
    actions = ["copy_as_draft", "publish"]

    def has_add_permission(self, request) -> bool:
        return False  # a new version starts as a copy: the "copy as a new draft" action

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # answers point at versions; none is ever deleted

    @admin.action(description=_("Copy as a new draft version"))
    def copy_as_draft(self, request, queryset):
        for version in queryset:
            draft = instruments.instrument_draft_from(acting_user=request.user, source=version)
            self.message_user(request, _("Draft version %(n)s made; edit it, then publish it.") % {"n": draft.number})

    @admin.action(description=_("Publish"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                instruments.instrument_publish(acting_user=request.user, draft=version)
            except ValidationError as error:
                self.message_user(request, f"v{version.number}: {' '.join(error.messages)}", level=messages.ERROR)
            else:
                self.message_user(
                    request, _("Version %(n)s is published; new conversations use it.") % {"n": version.number}
                )


@admin.register(RetentionPolicy, site=admin_site)
class RetentionPolicyAdmin(ConfigAdmin):
    """The retention period per kind of record (issue 13): the admin sets it, the privacy officer
    sees it on the retention page. One row per kind; the defaults come with the migration."""

    list_display = ["kind", "months", "updated_at"]
    fields = ["kind", "months", "reasoning"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False  # every kind has its row from the migration

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # without a row the default would apply silently

    # Saved and audited with what changed by ConfigAdmin.save_model, as every configuration change.


# --- The outbox -------------------------------------------------------------------------------------


@admin.register(OutgoingEmail, site=admin_site)
class OutgoingEmailAdmin(ConfigAdmin):
    """The outbox as the tick leaves it (issue 18): what waits for its next attempt, what failed and
    what is uncertain (its sending was interrupted), each with its error and Message-ID. Read-only;
    the one thing an admin does here is send failed or uncertain e-mails again. An admin sees the
    e-mails to the users they administer (no personal data of residents: a link and a subject)."""

    list_display = ["created_at", "to", "subject", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["to", "message_id"]
    fields = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "message_id",
        "sent_at",
        "body",
    ]
    readonly_fields = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "message_id",
        "sent_at",
        "body",
    ]
    actions = ["send_again"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if account_selectors.programme_ids_administered_by(request.user) is None:
            return queryset
        return queryset.filter(to__in=account_selectors.users_administered_by(request.user).values("email"))

    def has_add_permission(self, request) -> bool:
        return False  # services queue e-mail, people do not

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # what failed stays visible

    @admin.action(description=_("Send the selected failed or uncertain e-mails again"))
    def send_again(self, request, queryset):
        pks = list(
            queryset.filter(status__in=(OutgoingEmailStatus.FAILED, OutgoingEmailStatus.UNCERTAIN)).values_list(
                "pk", flat=True
            )
        )
        count = notifications.send_again(acting_user=request.user, pks=pks)
        self.message_user(request, gettext("%(count)d e-mail(s) will be sent again.") % {"count": count})
