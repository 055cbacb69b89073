"""Jahresbericht: the annual report of a scope as a page and as a PDF to hand out.

A scope the user may not read, or a year without a report, is a 404: the report leaves the
office, so it must never silently show another scope than the one asked for.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from teams.dashboard import scopes_for
from teams.report import SMALL_COUNT, annual_report, report_years

REPORT_CSS = "css/report.css"


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    def __init__(self, *args, scopes, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(scope.key, scope.label) for scope in scopes]
        self.fields["year"].choices = [(year, year) for year in years]


class ReportMixin:
    """Reads ``?year=…&scope=…`` (this year and the widest scope by default) and builds the
    published report."""

    def report_context(self, request) -> dict:
        scopes = scopes_for(request.user)
        if not scopes:
            raise Http404
        today = timezone.localdate()
        years = report_years(today)
        scope_key = request.GET.get("scope") or scopes[0].key
        scope = next((s for s in scopes if s.key == scope_key), None)
        try:
            year = int(request.GET.get("year") or today.year)
        except ValueError:
            raise Http404 from None
        if scope is None or year not in years:
            raise Http404
        form = ReportForm(initial={"scope": scope.key, "year": year}, scopes=scopes, years=years)
        return {
            "form": form,
            "report": annual_report(request.user, scope, year, today),
            "query": urlencode({"year": year, "scope": scope.key}),
            "small_count": SMALL_COUNT,
        }


class AnnualReportView(ReportMixin, TemplateView):
    """The report on screen, with the link to its PDF."""

    template_name = "teams/annual_report.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(**self.report_context(request)))


class AnnualReportPdfView(ReportMixin, View):
    """The same report as an A4 PDF (WeasyPrint), with page numbers and the date."""

    def get(self, request, *args, **kwargs):
        context = self.report_context(request)
        report = context["report"]
        html = render_to_string("teams/annual_report_pdf.html", context, request=request)
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        name = f"jahresbericht-{report.year}-{report.scope.key}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def render_pdf(html: str) -> bytes:
    """The HTML as PDF with the print stylesheet; WeasyPrint may read local files only (there is
    nothing to fetch, and it must never call out to the network or back to this server)."""
    import weasyprint  # loads Pango and friends: only when a PDF is asked for
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["file"])
    # The source file (development, tests) or the collected one (production).
    css_path = finders.find(REPORT_CSS) or staticfiles_storage.path(REPORT_CSS)
    stylesheet = weasyprint.CSS(filename=css_path, url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    # PDF/UA-1: tagged (headings, tables, reading order for screen readers), with the title
    # and the language of the HTML document (BITV 2.0 applies to published PDFs too).
    return document.write_pdf(stylesheets=[stylesheet], pdf_variant="pdf/ua-1")
