from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sozialraum import permissions, population
from sozialraum.csvfile import CsvFileError, decode
from sozialraum.models import (
    Assignment,
    MiddleArea,
    Municipality,
    Team,
)

admin.site.site_header = _("Sozialraum administration")
admin.site.site_title = _("Sozialraum")
admin.site.index_title = _("Master data")

# Users, memberships, headships and the role groups change only on the users-and-roles pages
# (sozialraum.accounts), which refuse self-escalation and removing the last Administration.
admin.site.unregister(Group)


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


class AssignmentsOnTheirOwnPage:
    """Assignments change only on the Zuständigkeiten pages, which check the rules, show the
    impact and decide about consultation hours; here they are read, and confirmed."""

    readonly_fields = ["municipality", "team", "valid_from", "valid_until"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignmentInline(AssignmentsOnTheirOwnPage, AdministrationOnly, admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["team", "valid_from", "valid_until", "is_example"]
    ordering = ["-valid_from"]


@admin.register(MiddleArea)
class MiddleAreaAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class MunicipalityAdminForm(forms.ModelForm):
    """One form for the change page and the change list's editable columns, so that both refuse
    a population without its reference date or with a date in the future."""

    class Meta:
        model = Municipality
        fields = ["name", "kind", "is_major_district_town", "population", "population_date", "ags"]
        help_texts = {
            "population": _("Inhabitants according to the State Statistical Office."),
            "population_date": _(
                "The day the population refers to (e.g. 31.12.2024); required with a population, "
                "not in the future."
            ),
        }

    def clean(self):
        cleaned_data = super().clean()
        fields = {"population", "population_date"}
        if fields <= self.fields.keys() and not fields & self.errors.keys():
            errors = population.population_errors(
                cleaned_data.get("population"), cleaned_data.get("population_date")
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned_data


@admin.register(Municipality)
class MunicipalityAdmin(AdministrationOnly, admin.ModelAdmin):
    form = MunicipalityAdminForm
    change_list_template = "admin/sozialraum/municipality/change_list.html"
    list_display = [
        "name",
        "kind",
        "is_major_district_town",
        "population",
        "population_date",
        "ags",
    ]
    list_editable = ["population", "population_date"]
    list_filter = ["kind", "is_major_district_town", "assignments__team__middle_area"]
    search_fields = ["name", "ags"]
    inlines = [AssignmentInline]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=MunicipalityAdminForm, **kwargs)

    def get_urls(self):
        return [csv_import_url(self, self.import_view), *super().get_urls()]

    def import_view(self, request):
        return csv_import_view(
            self,
            request,
            title=_("Import populations"),
            columns=population.COLUMNS,
            explanation=_(
                "A row names its town or municipality by the official key (ags) or, without "
                "one, by its name; the population is a whole number, “population as of” a date "
                "as DD.MM.YYYY or YYYY-MM-DD, not in the future."
            ),
            parse=population.parse_populations,
            save=population.populations_import,
            summary=self.import_summary,
        )

    @staticmethod
    def import_summary(result: population.PopulationImportResult) -> str:
        return gettext("Import finished: %(updated)d updated, %(unchanged)d unchanged.") % {
            "updated": result.updated,
            "unchanged": result.unchanged,
        }


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma or semicolon separated, with the columns described below."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )


def csv_import_url(model_admin, view):
    """The URL of a model's CSV import page. It goes before the admin's own URLs, whose
    ``<path:object_id>/`` would otherwise take "import/" for an object."""
    opts = model_admin.opts
    return path(
        "import/",
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_import",
    )


def csv_import_view(
    model_admin, request, *, title, columns, explanation, parse, save, summary, example_url=""
):
    """An admin page that uploads a CSV file. Every row is checked first (``parse`` raises
    ``CsvFileError`` with every problem by line and column); any bad row means nothing is
    saved. ``save`` stores the checked rows and ``summary`` words its result."""
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    opts = model_admin.opts
    form = CsvUploadForm(request.POST, request.FILES) if request.method == "POST" else None
    import_errors = []
    if form is not None and form.is_valid():
        try:
            rows = parse(decode(form.cleaned_data["file"].read()))
        except CsvFileError as error:
            import_errors = error.errors
        else:
            model_admin.message_user(request, summary(save(rows)), messages.SUCCESS)
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": title,
        "form": form or CsvUploadForm(),
        "import_errors": import_errors,
        "columns": columns,
        "explanation": explanation,
        "example_url": example_url,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/csv_import.html", context)


@admin.register(Team)
class TeamAdmin(AdministrationOnly, admin.ModelAdmin):
    list_display = ["name", "middle_area", "email", "phone", "is_active"]
    list_filter = ["middle_area", "is_active"]
    search_fields = ["name", "email"]


@admin.register(Assignment)
class AssignmentAdmin(AssignmentsOnTheirOwnPage, AdministrationOnly, admin.ModelAdmin):
    list_display = ["municipality", "team", "valid_from", "valid_until", "is_example"]
    list_filter = ["is_example", "team__middle_area", "team"]
    search_fields = ["municipality__name", "team__name"]
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
