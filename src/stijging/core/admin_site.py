"""The functional administrator's configuration screens (Django admin, at /beheer/).

Only configuration lives here: organisations, users and their roles, programmes and areas, never
households or persons (the admin would bypass `visible_to`). Open to users with the `admin` role.
Role changes go through the accounts services so that each one leaves an audit event.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from stijging.accounts import services as account_services
from stijging.accounts.models import Membership, Organisation, User
from stijging.conversations import instruments
from stijging.conversations.models import (
    CohesionStatement,
    DefectCategory,
    Domain,
    InstrumentVersion,
    LadderRung,
    ScaleLevel,
)
from stijging.privacy.access import deny_forbidden
from stijging.referrals.models import ServiceLevel
from stijging.registry.models import Area, Programme


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


class ConfigAdmin(admin.ModelAdmin):
    """Permissions follow the site: the admin role may configure, nobody else."""

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


class ConfigInline(admin.TabularInline):
    def has_view_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return admin_site.has_permission(request)


class ServiceLevelInline(ConfigInline):
    model = ServiceLevel
    extra = 1
    max_num = 1
    fields = ["priority_working_days"]


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(ConfigAdmin):
    list_display = ["name", "kind", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [ServiceLevelInline]


class MembershipInline(ConfigInline):
    model = Membership
    extra = 1
    fields = ["programme", "role"]


class UserForm(UserChangeForm):
    class Meta:
        model = User
        fields = ["email", "username", "first_name", "last_name", "organisation", "phone", "is_active"]


@admin.register(User, site=admin_site)
class UserAdmin(ConfigAdmin):
    form = UserForm
    list_display = ["email", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["is_active", "organisation", "memberships__role"]
    search_fields = ["email", "first_name", "last_name"]
    fields = ["email", "username", "first_name", "last_name", "organisation", "phone", "is_active"]
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

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Every grant, change and revocation of a role goes through the services, which audit it.
        formset.save(commit=False)  # sorts the forms into new, changed and deleted objects
        for membership in formset.deleted_objects:
            account_services.membership_revoke(acting_user=request.user, membership=membership)
        for membership, _fields in formset.changed_objects:
            account_services.membership_change_role(
                acting_user=request.user, membership=membership, role=membership.role
            )
        for membership in formset.new_objects:
            account_services.membership_grant(
                acting_user=request.user, user=form.instance, programme_id=membership.programme_id, role=membership.role
            )


class AreaInline(ConfigInline):
    model = Area
    extra = 0
    fields = ["name", "slug", "cbs_buurtcode", "description"]


@admin.register(Programme, site=admin_site)
class ProgrammeAdmin(ConfigAdmin):
    list_display = ["name", "municipality", "start_date", "end_date", "target_participation", "target_uptake"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AreaInline]


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
