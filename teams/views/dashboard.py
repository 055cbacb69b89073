import csv
import datetime
import io

from django import forms
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from sozialraum.forms import DATE_INPUT
from sozialraum.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes
from teams.dashboard import Table, dashboard, scopes_for
from teams.months import add_months, month_end, month_of

PERIODS = [
    ("month", _("month")),
    ("quarter", _("quarter")),
    ("year", _("year")),
    ("custom", _("custom range")),
]


class DashboardForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="year")
    day = forms.DateField(
        label=_("Month, quarter or year of"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Any day in it; today when empty."),
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.key: scope for scope in scopes}
        self.fields["scope"].choices = [(scope.key, scope.label) for scope in scopes]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                self.add_error("start", _("A custom range needs a start and an end."))
            elif end < start:
                self.add_error("end", _("The end must not be before the start."))
            elif (end - start).days > 5 * 366:
                self.add_error("end", _("Choose at most five years."))
        return cleaned

    def period_range(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period, day = data.get("period", "year"), data.get("day") or today
        if period == "custom":
            return data["start"], data["end"]
        if period == "month":
            return month_of(day), month_end(day)
        if period == "quarter":
            start = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
            return start, month_end(add_months(start, 2))
        return day.replace(month=1, day=1), day.replace(month=12, day=31)

    def selected_scope(self):
        key = self.cleaned_data.get("scope") if self.is_bound and self.is_valid() else None
        return self.scopes.get(key) or next(iter(self.scopes.values()))


class DashboardView(TemplateView):
    """Dashboard: the presence figures of a scope and period, as charts and tables."""

    template_name = "teams/dashboard.html"

    def get(self, request, *args, **kwargs):
        scopes = scopes_for(request.user)
        if not scopes:
            raise Http404
        form = DashboardForm(request.GET or None, scopes=scopes, initial={"scope": scopes[0].key})
        today = timezone.localdate()
        scope, (start, end) = form.selected_scope(), form.period_range(today)
        tables, facts = dashboard(request.user, scope, start, end, today)
        export = request.GET.get("export")
        if export:
            table = next((t for t in tables if t.key == export), None)
            if table is None:
                raise Http404
            return export_table(table, request.GET.get("format", "csv"), start, end)
        context = self.get_context_data(
            form=form,
            scope=scope,
            start=start,
            end=end,
            tables=tables,
            facts=facts,
            as_of=timezone.now(),
            query=request.GET.urlencode(),
        )
        return self.render_to_response(context)


def export_table(table: Table, format: str, start, end) -> HttpResponse:
    """One dashboard table as CSV or XLSX: exactly the numbers on the screen."""
    name = f"{table.key}-{start.isoformat()}-{end.isoformat()}"
    rows = [
        [str(h) for h in table.headers],
        *[[str(c) if not isinstance(c, int) else c for c in row] for row in table.rows],
    ]
    if format == "xlsx":
        response = HttpResponse(xlsx_bytes(table.title, rows), content_type=XLSX_CONTENT_TYPE)
    else:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        format = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response
