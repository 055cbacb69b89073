from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from kooperation.importing import ImportResult
from kooperation.models import PartnerKind
from sozialraum.admin import MasterDataAdmin, csv_import_url, csv_import_view
from teams import closures
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project, TeamMonthReview, Topic

VERSIONED = ["version", "created_at", "created_by", "updated_at", "updated_by"]


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "is_active"]
        help_texts = {
            "name": _("As staff pick it when they log an activity, e.g. “Schule und Ausbildung”."),
            "is_active": _(
                "Only active topics are offered for new activities; activities keep an inactive "
                "topic, and the figures still count it."
            ),
        }


@admin.register(Topic)
class TopicAdmin(MasterDataAdmin):
    """The topics list. A topic that activities use is deactivated, never deleted: deleting it
    would silently take it off those activities and out of the figures."""

    form = TopicForm
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "is_active"],
                "description": _(
                    "Staff tag their activities with topics from this list. A topic in use "
                    "cannot be deleted: deactivate it instead."
                ),
            },
        )
    ]
    list_display = ["name", "is_active", "activity_count"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    actions = ["deactivate", "activate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(activity_count=Count("activities"))

    @admin.display(description=_("activities"), ordering="activity_count")
    def activity_count(self, topic):
        return topic.activity_count

    def get_deleted_objects(self, objs, request):
        # Both the delete page and the "delete selected" action ask here; a protected entry
        # makes Django refuse the deletion and list the reason.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = Topic.objects.filter(pk__in=[topic.pk for topic in objs]).annotate(
            used=Count("activities")
        )
        protected = [*protected, *(self._in_use(topic) for topic in in_use if topic.used)]
        return deleted, model_count, perms_needed, protected

    @staticmethod
    def _in_use(topic) -> str:
        return ngettext(
            "“%(topic)s” is used by %(count)d activity: deactivate it instead.",
            "“%(topic)s” is used by %(count)d activities: deactivate it instead.",
            topic.used,
        ) % {"topic": topic.name, "count": topic.used}

    @admin.action(description=_("Deactivate the selected topics (no longer offered)"))
    def deactivate(self, request, queryset):
        count = self._set_active(queryset, False)
        self.message_user(
            request,
            ngettext("%(count)d topic deactivated.", "%(count)d topics deactivated.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Activate the selected topics (offered again)"))
    def activate(self, request, queryset):
        count = self._set_active(queryset, True)
        self.message_user(
            request,
            ngettext("%(count)d topic activated.", "%(count)d topics activated.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @staticmethod
    def _set_active(queryset, active: bool) -> int:
        """Change only the topics not in that state yet; how many changed."""
        selected = Topic.objects.filter(pk__in=queryset.values("pk"), is_active=not active)
        return selected.update(is_active=active)


class ClosurePeriodForm(forms.ModelForm):
    venue_kinds = forms.MultipleChoiceField(
        label=_("closes venues of these kinds"),
        choices=PartnerKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Consultation hours at venues of the ticked kinds fall away in this period (school "
            "holidays: schools and school social work). Tick none to close every venue."
        ),
    )

    class Meta:
        model = ClosurePeriod
        fields = ["name", "start", "end", "venue_kinds"]
        help_texts = {
            "name": _("E.g. “Sommerferien 2026” or “Betriebsruhe zwischen den Jahren”."),
            "end": _("The period includes its first and its last day."),
        }

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start"), cleaned_data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day must not be before the first day."))
        return cleaned_data


class ClosureYearFilter(admin.SimpleListFilter):
    """A period belongs to every year it touches (Christmas holidays to two)."""

    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        span = ClosurePeriod.objects.aggregate(first=Min("start__year"), last=Max("end__year"))
        if span["first"] is None:
            return []
        return [(str(year), str(year)) for year in range(span["last"], span["first"] - 1, -1)]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        year = int(self.value())
        return queryset.filter(start__year__lte=year, end__year__gte=year)


@admin.register(ClosurePeriod)
class ClosurePeriodAdmin(MasterDataAdmin):
    form = ClosurePeriodForm
    change_list_template = "admin/teams/closureperiod/change_list.html"
    list_display = ["name", "first_day", "last_day", "closed_venues"]
    list_filter = [ClosureYearFilter]
    search_fields = ["name"]

    @admin.display(description=_("first day"), ordering="start")
    def first_day(self, period):
        return f"{period.start:%d.%m.%Y}"

    @admin.display(description=_("last day"), ordering="end")
    def last_day(self, period):
        return f"{period.end:%d.%m.%Y}"

    @admin.display(description=_("closes venues of these kinds"))
    def closed_venues(self, period):
        if not period.venue_kinds:
            return gettext("all venues")
        labels = dict(PartnerKind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in period.venue_kinds)

    def get_urls(self):
        example = path(
            "import/schulferien-beispiel.csv",
            self.admin_site.admin_view(self.example_view),
            name="teams_closureperiod_import_example",
        )
        return [csv_import_url(self, self.import_view), example, *super().get_urls()]

    def import_view(self, request):
        return csv_import_view(
            self,
            request,
            title=_("Import closure periods"),
            columns=closures.COLUMNS,
            explanation=_(
                "Dates as DD.MM.YYYY or YYYY-MM-DD. “venue kinds” may be left out or empty "
                "(every venue closes); otherwise name the kinds as shown in the application "
                "(e.g. “Schule”) or by their keys (e.g. “school”), separated by “|”. A period "
                "with the same name, first and last day as an existing one updates it."
            ),
            parse=closures.parse_closures,
            save=closures.closures_import,
            summary=self.import_summary,
            example_url=reverse("admin:teams_closureperiod_import_example"),
        )

    @staticmethod
    def import_summary(result: ImportResult) -> str:
        return gettext(
            "Import finished: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
        ) % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    def example_view(self, request):
        """The school holidays of the demo data as a file to start from."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return FileResponse(
            closures.EXAMPLE_FILE.open("rb"),
            as_attachment=True,
            filename=closures.EXAMPLE_FILE.name,
            content_type="text/csv; charset=utf-8",
        )


@admin.register(ConsultationHour)
class ConsultationHourAdmin(MasterDataAdmin):
    list_display = ["venue", "team", "municipality", "rrule", "start_time", "is_public"]
    list_filter = ["is_public", "team"]
    search_fields = ["venue__name", "location"]
    list_select_related = ["venue", "team", "municipality"]
    autocomplete_fields = ["venue", "municipality", "team"]
    readonly_fields = VERSIONED


@admin.register(Project)
class ProjectAdmin(MasterDataAdmin):
    list_display = ["title", "team", "status", "start", "end"]
    list_filter = ["status", "team"]
    search_fields = ["title"]
    readonly_fields = VERSIONED


@admin.register(Activity)
class ActivityAdmin(MasterDataAdmin):
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
class TeamMonthReviewAdmin(MasterDataAdmin):
    list_display = ["team", "month", "signed_off_by", "signed_off_at"]
    list_filter = ["team"]
