import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.boundfield import BoundField
from django.forms.models import _get_foreign_key
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sozialraum import permissions, population, structure_cache
from sozialraum.concurrency import (
    FINGERPRINT_FIELD,
    STALE_MESSAGE,
    StaleFingerprint,
    check_fingerprint,
    create_once,
    fingerprint,
    form_differences,
    locked,
    submitted_token,
)
from sozialraum.csvfile import CsvFileError, decode
from sozialraum.form_rendering import PLEASE_CHOOSE
from sozialraum.models import (
    Assignment,
    MiddleArea,
    Municipality,
    Team,
    Versioned,
)

admin.site.site_header = _("Sozialraum administration")
admin.site.site_title = _("Sozialraum")
admin.site.index_title = _("Master data")

# Users, memberships, headships and the role groups change only on the users-and-roles pages
# (sozialraum.accounts.local), which refuse self-escalation and removing the last Administration.
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


class ConflictSafeAdmin:
    """The admin's change form refuses a save from an outdated copy (409, input kept), and its
    add form creates once however often it is sent, as the application's own forms do.

    The change form carries the fingerprint of the record and of its inline rows; the save
    locks the row, recomputes it and, if it differs, shows the form again with the input, the
    current values that differ and the new fingerprint (saving again overwrites deliberately).
    A version column of a ``Versioned`` record counts up, so its own forms see the change too.
    """

    change_form_template = "admin/conflict_safe_change_form.html"

    def fingerprint_related(self, request, obj) -> list:
        """The rows of the page's inlines, which the same save changes."""
        rows = []
        for inline in self.get_inline_instances(request, obj):
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            rows += inline.model._default_manager.filter(**{fk.name: obj}).order_by("pk")
        return rows

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        context = dict(extra_context or {})
        parent = super().changeform_view
        if object_id is None:
            context["submission_token"] = submitted_token(request) or uuid.uuid4()
            if request.method != "POST":
                return parent(request, object_id, form_url, context)
            return create_once(
                request,
                submitted_token(request),
                lambda: parent(request, object_id, form_url, context),
            )
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return parent(request, object_id, form_url, context)
        if request.method != "POST":
            context["fingerprint"] = fingerprint(
                obj, related=self.fingerprint_related(request, obj)
            )
            return parent(request, object_id, form_url, context)
        with transaction.atomic():
            current = locked(obj)
            expected = request.POST.get(FINGERPRINT_FIELD, "")
            try:
                check_fingerprint(
                    current, expected, related=self.fingerprint_related(request, current)
                )
            except StaleFingerprint as stale:
                request.sozialraum_stale = stale  # read by the form class of get_form
                context["fingerprint"] = stale.fingerprint
                response = parent(request, object_id, form_url, context)
                response.status_code = 409
                return response
            context["fingerprint"] = expected
            return parent(request, object_id, form_url, context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        stale = getattr(request, "sozialraum_stale", None)
        if stale is None:
            return form_class

        class StaleForm(form_class):
            def clean(self):
                super().clean()
                self.conflict_differences = form_differences(self, stale.current)
                raise ValidationError(STALE_MESSAGE, code="conflict")

        return StaleForm

    def save_model(self, request, obj, form, change):
        if isinstance(obj, Versioned):
            if change:
                obj.version += 1  # the row is locked since changeform_view read it
            else:
                obj.created_by = request.user
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ChoosingAutocompleteSelect(AutocompleteSelect):
    """Django's search-as-you-type select (``autocomplete_fields``) with PLEASE_CHOOSE as its
    first, empty choice, also where the field is required.

    Django's own markup is invalid HTML in all three cases: a required select without a choice
    has no option at all, a required one with a choice has that choice first (a required
    select must start with an empty choice), an optional one has an empty option without text.
    Select2 shows the empty choice's text as its placeholder."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-placeholder"] = str(PLEASE_CHOOSE)
        return attrs

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        options = groups[0][1]
        if options and options[0]["value"] == "":
            options[0]["label"] = str(PLEASE_CHOOSE)
        else:
            options.insert(0, self.create_option(name, "", str(PLEASE_CHOOSE), False, 0))
        return groups


class ValidAutocomplete:
    """The ``autocomplete_fields`` of a ModelAdmin or an inline as ChoosingAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ChoosingAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HelpTextElsewhereBoundField(BoundField):
    """A field in a table row (a change list's editable column, a tabular inline's cell): the
    row shows no help text, so the input must not point to one with ``aria-describedby``
    (Django adds it wherever a field has a help text; the id would lead nowhere)."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.help_text = ""


class MasterDataAdmin(AdministrationOnly, ConflictSafeAdmin, ValidAutocomplete, admin.ModelAdmin):
    """The base of every ModelAdmin of the project: Administration only, conflict-safe."""

    # Web addresses typed without a scheme are https (the default of Django 6).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_changelist_form(self, request, **kwargs):
        return labelled_row_form(super().get_changelist_form(request, **kwargs))

    def get_changelist_formset(self, request, **kwargs):
        """The editable columns of the change list are conflict-safe as well: each row carries
        its record's fingerprint next to its hidden id; a row that someone else saved since
        the list was shown is refused (409, the input kept, the current values in the rows)."""
        formset = super().get_changelist_formset(request, **kwargs)

        class RowConflictFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if form.instance.pk is not None:
                    # Taken before validation copies the input onto the instance.
                    form.row_fingerprint = fingerprint(form.instance)
                    pk_field = form.fields[self.model._meta.pk.name]
                    pk_field.widget = RowFingerprintInput(form.row_fingerprint)

            def clean(self):
                super().clean()
                stale = [
                    str(form.instance)
                    for form in self.forms
                    if getattr(form, "row_fingerprint", None)
                    and form.data.get(form.add_prefix(FINGERPRINT_FIELD))
                    and form.data[form.add_prefix(FINGERPRINT_FIELD)] != form.row_fingerprint
                ]
                if stale:
                    request.sozialraum_stale_rows = stale
                    raise ValidationError(
                        _(
                            "%(rows)s changed while you were editing this list. Your input is "
                            "still here; compare it with the current values and save again to "
                            "keep yours."
                        ),
                        params={"rows": ", ".join(stale)},
                        code="conflict",
                    )

        return RowConflictFormSet

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if getattr(request, "sozialraum_stale_rows", None):
            response.status_code = 409
        return response

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # A date-and-time field is two inputs under one <label>, which names only the first:
        # name both ("Signed off at: date", "…: time").
        if formfield is not None and isinstance(formfield.widget, forms.SplitDateTimeWidget):
            date, time = formfield.widget.widgets
            date.attrs["aria-label"] = f"{formfield.label}: {gettext('date')}"
            time.attrs["aria-label"] = f"{formfield.label}: {gettext('time')}"
        return formfield


class RowFingerprintInput(forms.HiddenInput):
    """A row's hidden id in the change list, followed by the row's fingerprint."""

    def __init__(self, row_fingerprint: str):
        super().__init__()
        self.row_fingerprint = row_fingerprint

    def render(self, name, value, attrs=None, renderer=None):
        prefix = name.rsplit("-", 1)[0]
        return format_html(
            '{}<input type="hidden" name="{}-{}" value="{}">',
            super().render(name, value, attrs, renderer),
            prefix,
            FINGERPRINT_FIELD,
            self.row_fingerprint,
        )


def labelled_row_form(form_class):
    """Django's change list shows its editable columns without a <label>: name each input by
    its column and row ("Population: Backnang"), or a screen reader announces "edit text"."""

    class LabelledRowForm(form_class):
        bound_field_class = HelpTextElsewhereBoundField

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                if not field.widget.is_hidden:
                    field.widget.attrs["aria-label"] = f"{field.label}: {self.instance}"

    return LabelledRowForm


class AssignmentsOnTheirOwnPage:
    """Assignments change only on the Zuständigkeiten pages, which check the rules, show the
    impact and decide about consultation hours; here they are read, and confirmed."""

    readonly_fields = ["municipality", "team", "valid_from", "valid_until"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LabelledTabularInline(ValidAutocomplete, admin.TabularInline):
    """A tabular inline whose inputs have an accessible name: Django's table has only column
    headers, no <label>, so every input (the "delete" box too) is named by column and row.
    A help text is shown in the column's header only, so no input points to one."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                form.bound_field_class = HelpTextElsewhereBoundField
                row = str(form.instance) if form.instance.pk else gettext("new row")
                for field in form.fields.values():
                    if not field.widget.is_hidden:
                        field.widget.attrs["aria-label"] = f"{field.label}: {row}"

        return LabelledFormSet


class AssignmentInline(AssignmentsOnTheirOwnPage, AdministrationOnly, LabelledTabularInline):
    model = Assignment
    extra = 0
    fields = ["team", "valid_from", "valid_until", "is_example"]
    ordering = ["-valid_from"]

    def has_view_permission(self, request, obj=None):
        # A new municipality has no assignments: no empty table on its add page.
        return obj is not None and super().has_view_permission(request, obj)

    has_change_permission = has_view_permission


@admin.register(MiddleArea)
class MiddleAreaAdmin(MasterDataAdmin):
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
class MunicipalityAdmin(MasterDataAdmin):
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
class TeamAdmin(MasterDataAdmin):
    list_display = ["name", "middle_area", "email", "phone", "is_active"]
    list_filter = ["middle_area", "is_active"]
    search_fields = ["name", "email"]


@admin.register(Assignment)
class AssignmentAdmin(AssignmentsOnTheirOwnPage, MasterDataAdmin):
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
        structure_cache.forget()  # update() sends no signal
        self.message_user(
            request,
            ngettext("%(count)d assignment confirmed.", "%(count)d assignments confirmed.", count)
            % {"count": count},
            messages.SUCCESS,
        )
