"""Jahresbericht: the annual report of a scope as a page, a PDF and a Word document to hand out,
the profiles of its towns and municipalities (one as a PDF, all as a background job), and the
office's own text per section.

A scope the user may not read, or a year without a report, is a 404: the report leaves the
office, so it must never silently show another scope than the one asked for.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sozialraum.concurrency import EditConflict
from sozialraum.jobs.services import job_start
from teams.dashboard import scopes_for
from teams.models import ReportSection
from teams.report import annual_report, report_years
from teams.report_docx import DOCX, report_docx
from teams.report_files import (
    PDF,
    profiles_pdf,
    rendering_context,
    report_filename,
    report_pdf,
)
from teams.report_texts import (
    NO_SINGLE_CASES,
    ReportTextForm,
    can_write_texts,
    report_text_for,
    report_text_save,
)


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Scope"))
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)

    def __init__(self, *args, scopes, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(scope.key, scope.label) for scope in scopes]
        self.fields["year"].choices = [(year, year) for year in years]


def chosen_scope_and_year(request):
    """The scope and year of ``?year=…&scope=…`` (this year and the widest scope by default),
    with every scope and year the user may choose; 404 for anything else."""
    scopes = scopes_for(request.user)
    if not scopes:
        raise Http404
    years = report_years(timezone.localdate())
    scope_key = request.GET.get("scope") or scopes[0].key
    scope = next((s for s in scopes if s.key == scope_key), None)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if scope is None or year not in years:
        raise Http404
    return scope, year, scopes, years


class ReportMixin:
    """Builds the published report of the chosen scope and year."""

    def report_context(self, request) -> dict:
        scope, year, scopes, years = chosen_scope_and_year(request)
        report = annual_report(request.user, scope, year, timezone.localdate())
        return {
            **rendering_context(report),
            "form": ReportForm(
                initial={"scope": scope.key, "year": year}, scopes=scopes, years=years
            ),
            "query": urlencode({"year": year, "scope": scope.key}),
        }


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class AnnualReportView(ReportMixin, TemplateView):
    """The report on screen, with the links to its PDF, its DOCX, the profiles and the texts."""

    template_name = "teams/annual_report.html"

    def get(self, request, *args, **kwargs):
        context = self.report_context(request)
        context["can_write"] = can_write_texts(request.user, context["report"].scope)
        return self.render_to_response(self.get_context_data(**context))


class AnnualReportPdfView(ReportMixin, View):
    """The same report as an A4 PDF (WeasyPrint, tagged), with running head and page numbers."""

    def get(self, request, *args, **kwargs):
        report = self.report_context(request)["report"]
        data = report_pdf(report, request)
        return attachment(data, PDF, report_filename(report, "jahresbericht", "pdf"))


class AnnualReportDocxView(ReportMixin, View):
    """The same report as an editable Word document for the Sitzungsvorlage."""

    def get(self, request, *args, **kwargs):
        report = self.report_context(request)["report"]
        return attachment(
            report_docx(report), DOCX, report_filename(report, "jahresbericht", "docx")
        )


class MunicipalityProfilePdfView(ReportMixin, View):
    """The one-page profile of one town or municipality of the report's scope."""

    def get(self, request, *args, pk, **kwargs):
        report = self.report_context(request)["report"]
        profiles = [p for p in report.profiles if p.municipality.pk == pk]
        if not profiles:
            raise Http404
        name = f"gemeindeprofil-{report.year}-{profiles[0].municipality.pk}.pdf"
        return attachment(profiles_pdf(report, profiles, request), PDF, name)


class MunicipalityProfilesJobView(View):
    """Every profile of the report's scope as one PDF, made by the background worker."""

    def post(self, request, *args, **kwargs):
        scope, year, _scopes, _years = chosen_scope_and_year(request)
        job = job_start(
            user=request.user,
            title=_("Profiles of the towns and municipalities %(year)s – %(scope)s")
            % {"year": year, "scope": scope.label},
            runner="teams.report_files.profiles_pdf_job",
            params={
                "user_id": request.user.pk,
                "scope_key": scope.key,
                "year": year,
                "language": get_language(),
            },
        )
        messages.info(
            request,
            _(
                "The profiles are prepared in the background. They appear here with a download "
                "link when they are ready."
            ),
        )
        return redirect(job.get_absolute_url())


class ReportTextView(View):
    """The office's text of one section of the report of a year and scope."""

    template_name = "teams/annual_report_text_form.html"

    def dispatch(self, request, *args, section, **kwargs):
        if section not in ReportSection.values:
            raise Http404
        self.scope, self.year, _scopes, _years = chosen_scope_and_year(request)
        if not can_write_texts(request.user, self.scope):
            raise PermissionDenied
        self.section = ReportSection(section)
        self.text = report_text_for(self.scope, self.year, section)
        self.report_url = (
            reverse("teams:annual_report")
            + "?"
            + urlencode({"year": self.year, "scope": self.scope.key})
            + f"#section-{section}"
        )
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        context = {
            "form": form,
            "section": self.section,
            "scope": self.scope,
            "year": self.year,
            "no_single_cases": NO_SINGLE_CASES,
            "cancel_url": self.report_url,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(ReportTextForm(instance=self.text))

    def post(self, request, *args, **kwargs):
        form = ReportTextForm(request.POST, instance=self.text)
        if not form.is_valid():
            return self.render_form(form)
        try:
            report_text_save(
                text=form.save(commit=False),
                expected_version=form.cleaned_data.get("version"),
                user=request.user,
            )
        except EditConflict as conflict:
            form.add_conflict_error(conflict)
            return self.render_form(form, status=409)
        messages.success(
            request, _("Text of the section “%(section)s” saved.") % {"section": self.section.label}
        )
        return redirect(self.report_url)
