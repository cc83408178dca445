"""The functional administrator's configuration screens (Django admin, at /beheer/).

Only configuration lives here: organisations, users and their roles, programmes and areas, never
households or persons (the admin would bypass `visible_to`). Open to users with the `admin` role.
Role changes go through the accounts services so that each one leaves an audit event.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from stijging.accounts import services as account_services
from stijging.accounts.models import Membership, Organisation, User
from stijging.privacy.access import deny_forbidden
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


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(ConfigAdmin):
    list_display = ["name", "kind", "email"]
    list_filter = ["kind"]
    search_fields = ["name"]


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
