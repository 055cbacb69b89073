"""Downloads of the activity list and the dashboard (CSV streamed, Excel built or queued)."""

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from sozialraum.jobs.services import job_start
from sozialraum.middleware import long_running
from sozialraum.spreadsheets import CSV_CONTENT_TYPE, attachment, csv_response, xlsx_response
from teams import exports


class ActivityCsvExportView(View):
    """The filtered activity list as CSV (without the note and staff), streamed as PostgreSQL
    writes it. One ``COPY`` statement runs while the file is downloaded, so a slow connection
    gets the long statement timeout rather than a file cut off after the usual one."""

    @method_decorator(long_running())
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        rows = exports.filtered_activities_for(request.user, request.GET)
        response = StreamingHttpResponse(
            exports.activity_csv_stream(rows), content_type=CSV_CONTENT_TYPE
        )
        return attachment(response, exports.activity_export_filename("csv"))


class ActivityXlsxExportView(View):
    """The filtered activity list as an Excel workbook; a large one as a background job."""

    def get(self, request, *args, **kwargs):
        rows = exports.filtered_activities_for(request.user, request.GET)
        total = rows.count()
        if total > exports.export_job_threshold():
            return self.start_job(request, total)
        return xlsx_response(
            exports.activity_workbook(rows), exports.activity_export_filename("xlsx")
        )

    def start_job(self, request, total: int):
        count = number_format(total, force_grouping=True)
        job = job_start(
            user=request.user,
            title=_("Excel export of %(count)s activities") % {"count": count},
            runner="teams.exports.activity_xlsx_job",
            params={
                "user_id": request.user.pk,
                "query": request.GET.urlencode(),
                "language": get_language(),
            },
        )
        messages.info(
            request,
            _(
                "The export has %(count)s rows and is prepared in the background. It appears "
                "here with a download link when it is ready."
            )
            % {"count": count},
        )
        return redirect(job.get_absolute_url())


def dashboard_export(tables, gaps, key: str, format: str, start, end):
    """A dashboard download: the whole dashboard as one workbook (``key`` "all") or one table
    as CSV or Excel. None for an unknown table."""
    period = f"{start.isoformat()}-{end.isoformat()}"
    if key == "all":
        return xlsx_response(exports.dashboard_workbook(tables, gaps), f"auswertung-{period}.xlsx")
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        return None
    name = f"{table.key}-{period}"
    if format == "xlsx":
        return xlsx_response(exports.dashboard_workbook([table]), f"{name}.xlsx")
    return csv_response(table.headers, table.rows, f"{name}.csv")
