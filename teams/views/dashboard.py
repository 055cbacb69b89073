import datetime

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from sozialraum.forms import DATE_INPUT
from teams.dashboard import dashboard, scopes_for
from teams.dashboard_map import presence_map
from teams.months import add_months, month_end, month_of, quarter_of
from teams.views.exports import dashboard_export

PERIODS = [
    ("month", _("month")),
    ("quarter", _("quarter")),
    ("year", _("year")),
    ("custom", _("custom range")),
]


# The dates the dashboard accepts: the figures start long after 2000, and a year such as 1 or
# 9999 would run the month and year-before arithmetic off the calendar.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)


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

    def _clean_date(self, name: str) -> datetime.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={
                    "first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"),
                    "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT"),
                },
            )
        return day

    def clean_day(self):
        return self._clean_date("day")

    def clean_start(self):
        return self._clean_date("start")

    def clean_end(self):
        return self._clean_date("end")

    def clean(self):
        cleaned = super().clean()
        # A date already refused at its field needs no second message here.
        refused = self.has_error("start") or self.has_error("end")
        if cleaned.get("period") == "custom" and not refused:
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
            start = quarter_of(day)
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
            response = dashboard_export(
                tables, facts["gaps"], export, request.GET.get("format", "csv"), start, end
            )
            if response is None:
                raise Http404
            return response
        context = self.get_context_data(
            form=form,
            scope=scope,
            start=start,
            end=end,
            tables=tables,
            facts=facts,
            as_of=timezone.now(),
            query=request.GET.urlencode(),
            presence_map=presence_map(
                request.user,
                scope,
                scopes,
                start,
                end,
                today,
                request.GET,
                held=facts.get("held_by_municipality"),
            ),
            **steering_context(request.user, scope, start, end, today),
        )
        return self.render_to_response(context)


def steering_context(user, scope, start, end, today) -> dict:
    """Targets of the period's first year and the topics, for the includes at the end of the
    dashboard (teams/_targets.html, teams/_topics.html)."""
    from teams.targets import target_rows
    from teams.topics import topic_table
    from teams.views.targets import may_set_targets

    return {
        "target_rows": target_rows(user, scope, start.year, today),
        "target_year": start.year,
        "may_set_targets": may_set_targets(user),
        "topics": topic_table(user, scope, start, end),
    }
