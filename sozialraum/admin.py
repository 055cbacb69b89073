from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sozialraum import permissions
from sozialraum.models import (
    Assignment,
    Headship,
    Membership,
    MiddleArea,
    Municipality,
    Team,
    User,
)

admin.site.site_header = _("Sozialraum administration")
admin.site.site_title = _("Sozialraum")
admin.site.index_title = _("Master data")


class AdministrationOnly:
    """Only the Administration role changes master data, whatever Django permissions say."""

    def has_module_permission(self, request):
        return permissions.can_use_admin_site(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_use_admin_site(request.user)

    def has_add_permission(self, request, obj=None):
        return permissions.can_use_admin_site(request.user)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class MembershipInline(AdministrationOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "team"]


class HeadshipInline(AdministrationOnly, admin.TabularInline):
    model = Headship
    extra = 0
    autocomplete_fields = ["user", "middle_area"]


class AssignmentInline(AdministrationOnly, admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["team", "valid_from", "valid_until", "is_example"]
    autocomplete_fields = ["team"]
    ordering = ["-valid_from"]


@admin.register(User)
class UserAdmin(AdministrationOnly, DjangoUserAdmin):
    # No superuser flag or single permissions here: roles come from teams, headships and groups.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline, HeadshipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "memberships__team", "headships__middle_area"]


@admin.register(MiddleArea)
class MiddleAreaAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [HeadshipInline]


@admin.register(Municipality)
class MunicipalityAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "is_major_district_town",
        "population",
        "population_date",
        "ags",
    ]
    list_filter = ["kind", "is_major_district_town", "assignments__team__middle_area"]
    search_fields = ["name", "ags"]
    inlines = [AssignmentInline]


@admin.register(Team)
class TeamAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name", "middle_area", "email", "phone", "is_active"]
    list_filter = ["middle_area", "is_active"]
    search_fields = ["name", "email"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team__middle_area", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]


@admin.register(Headship)
class HeadshipAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["user", "middle_area"]
    list_filter = ["middle_area"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "middle_area__name"]
    autocomplete_fields = ["user", "middle_area"]
    list_select_related = ["user", "middle_area"]


@admin.register(Assignment)
class AssignmentAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["municipality", "team", "valid_from", "valid_until", "is_example"]
    list_filter = ["is_example", "team__middle_area", "team"]
    search_fields = ["municipality__name", "team__name"]
    autocomplete_fields = ["municipality", "team"]
    list_select_related = ["municipality", "team"]
    date_hierarchy = "valid_from"
    actions = ["confirm_assignments"]

    @admin.action(description=_("Confirm the selected assignments (no longer an example)"))
    def confirm_assignments(self, request, queryset):
        # pghistory's row triggers record bulk updates in the audit trail as well.
        count = queryset.filter(is_example=True).update(is_example=False)
        self.message_user(
            request,
            ngettext("%(count)d assignment confirmed.", "%(count)d assignments confirmed.", count)
            % {"count": count},
            messages.SUCCESS,
        )
