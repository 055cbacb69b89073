"""The audit trail (Änderungsprotokoll): every recorded change, read-only, for the Amtsleitung
and Administration. Other pages link to one record's history with
``/verwaltung/protokoll/?model=<app_label.model_name>&obj=<pk>``."""

import datetime

from django import forms
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from sozialraum import audit_log
from sozialraum.forms import DATE_INPUT
from sozialraum.permissions import reads_whole_district
from sozialraum.views.mixins import RoleRequiredMixin

DATE_ERRORS = {"invalid": _("Enter a valid date, for example 2026-11-25.")}
# Dates far outside the trail's lifetime cannot be turned into local midnights.
DATE_VALIDATORS = [
    MinValueValidator(datetime.date(1900, 1, 1)),
    MaxValueValidator(datetime.date(9998, 12, 31)),
]
DENIED = _("The audit trail is for the Amtsleitung and Administration.")
PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    """The audit trail's filters. ``model`` and ``obj`` are also the parameters by which other
    pages link to the history of one record."""

    model = forms.ChoiceField(
        label=_("Kind of record"),
        required=False,
        error_messages={"invalid_choice": _("Unknown kind of record: choose one from the list.")},
    )
    obj = forms.IntegerField(
        label=_("Record number"),
        required=False,
        min_value=1,
        help_text=_("The number (ID) of one record of the chosen kind."),
        error_messages={"invalid": _("Enter the record number as a whole number.")},
    )
    user = forms.ChoiceField(
        label=_("Changed by"),
        required=False,
        error_messages={"invalid_choice": _("Unknown user: choose one from the list.")},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("all")), *audit_log.ACTIONS.items()],
        error_messages={"invalid_choice": _("Unknown action: choose one from the list.")},
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DATE_INPUT,
        error_messages=DATE_ERRORS,
        validators=DATE_VALIDATORS,
    )
    date_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DATE_INPUT,
        error_messages=DATE_ERRORS,
        validators=DATE_VALIDATORS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("all")), *audit_log.kind_choices()]
        self.fields["user"].choices = [
            ("", _("all")),
            (audit_log.NO_USER, _("no user (commands, imports, system)")),
            *audit_log.user_choices(),
        ]

    def clean(self):
        data = super().clean()
        if data.get("obj") and not data.get("model") and "model" not in self.errors:
            self.add_error("model", _("Choose the kind of record whose history you want to see."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def query(self) -> audit_log.AuditQuery:
        data = self.cleaned_data
        user = data.get("user") or None
        return audit_log.AuditQuery(
            kind=audit_log.audited_kinds()[data["model"]] if data.get("model") else None,
            obj=data.get("obj"),
            user=int(user) if user and user != audit_log.NO_USER else user,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or None,
        )


class AuditListView(RoleRequiredMixin, TemplateView):
    """Who changed which record when, newest first, 50 per page; nothing here writes."""

    template_name = "sozialraum/audit/list.html"
    http_method_names = ["get", "head"]
    allowed = staticmethod(reads_whole_district)
    denied_message = DENIED

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None)
        context = super().get_context_data(**kwargs)
        context.update(form=form, page_obj=None, entries=[], record=None)
        if form.is_bound and not form.is_valid():
            return context  # the errors say what to correct; no list for a filter not understood
        query = form.query() if form.is_bound else audit_log.AuditQuery()
        page = Paginator(audit_log.audit_events(query), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.update(page_obj=page, entries=audit_log.audit_entries(page.object_list))
        if query.kind and query.obj:
            context["record"] = {
                "kind": query.kind,
                "name": audit_log.record_name(query.kind, query.obj),
            }
        return context


urlpatterns = [
    path("verwaltung/protokoll/", AuditListView.as_view(), name="audit_list"),
]
