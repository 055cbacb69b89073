from django.contrib import admin

from sozialraum.admin import AdministrationOnly
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project, TeamMonthReview, Topic

VERSIONED = ["version", "created_at", "created_by", "updated_at", "updated_by"]


@admin.register(Topic)
class TopicAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


@admin.register(ClosurePeriod)
class ClosurePeriodAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name", "start", "end", "venue_kinds"]
    search_fields = ["name"]
    date_hierarchy = "start"


@admin.register(ConsultationHour)
class ConsultationHourAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["venue", "team", "municipality", "rrule", "start_time", "is_public"]
    list_filter = ["is_public", "team"]
    search_fields = ["venue__name", "location"]
    list_select_related = ["venue", "team", "municipality"]
    autocomplete_fields = ["venue", "municipality", "team"]
    readonly_fields = VERSIONED


@admin.register(Project)
class ProjectAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["title", "team", "status", "start", "end"]
    list_filter = ["status", "team"]
    search_fields = ["title"]
    readonly_fields = VERSIONED


@admin.register(Activity)
class ActivityAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["date", "kind", "team", "municipality", "status"]
    list_filter = ["kind", "status", "team"]
    date_hierarchy = "date"
    list_select_related = ["team", "municipality"]
    raw_id_fields = ["consultation_hour", "body", "project"]
    readonly_fields = VERSIONED

    # Activities are logged by the teams; the admin only looks.
    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TeamMonthReview)
class TeamMonthReviewAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["team", "month", "signed_off_by", "signed_off_at"]
    list_filter = ["team"]
