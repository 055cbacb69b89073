"""The annual report as files that leave the office: the PDF of the report, the one-page
profiles of its towns and municipalities (one, or all of a scope as a background job).

Every file is rendered from the published report (``teams.report.annual_report``), so the page,
the PDF, the profiles and the DOCX hide the same cells.
"""

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sozialraum.models import User
from teams.dashboard import scopes_for
from teams.report import SMALL_COUNT, annual_report, cover_lines, report_sections
from teams.report_docx import report_notes, report_title

REPORT_CSS = "css/report.css"
PDF = "application/pdf"


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


def rendering_context(report) -> dict:
    """What the page, the PDF and the profiles render a report with."""
    return {
        "report": report,
        "sections": report_sections(report),
        "notes": report_notes(),
        "title": report_title(report),
        "cover_lines": cover_lines(report),
        "small_count": SMALL_COUNT,
    }


def report_pdf(report, request=None) -> bytes:
    context = rendering_context(report)
    return render_pdf(render_to_string("teams/annual_report_pdf.html", context, request=request))


def profiles_pdf(report, profiles, request=None) -> bytes:
    """The given profiles of the report, one page each, as one PDF."""
    context = {**rendering_context(report), "profiles": profiles}
    html = render_to_string("teams/annual_report_profiles_pdf.html", context, request=request)
    return render_pdf(html)


def report_filename(report, kind: str, extension: str) -> str:
    return f"{kind}-{report.year}-{report.scope.key}.{extension}"


def profiles_pdf_job(*, job, user_id: int, scope_key: str, year: int, language: str = "de"):
    """Background job: every profile of the report of a scope as one PDF. The scope is checked
    again against what the user may read now."""
    from sozialraum.jobs.services import JobError

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise JobError(_("The export was started by a user who can no longer sign in."))
    with translation.override(language):
        scope = next((s for s in scopes_for(user) if s.key == scope_key), None)
        if scope is None:
            raise JobError(_("You may no longer read this scope."))
        report = annual_report(user, scope, year, timezone.localdate())
        job.progress(0, len(report.profiles))
        data = profiles_pdf(report, report.profiles)
        job.progress(len(report.profiles), len(report.profiles))
        job.finish(
            filename=report_filename(report, "gemeindeprofile", "pdf"), content_type=PDF, data=data
        )
