"""Vergleich: Mittelbereiche, teams or municipalities side by side, with targets, topics and
(for municipalities) the district map; the same as one Excel workbook.

Who: Fachbereichsleitung (the own Mittelbereiche's teams and municipalities), Teamleitung (the
own team's), Amtsleitung and Administration (all). An id in the query that is not among the
user's scopes answers 404: the page never silently compares something else than asked.
"""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from sozialraum.districtmap import MapEntry, bands_for, district_map
from sozialraum.permissions import Role, has_role, is_head, reads_whole_district
from sozialraum.spreadsheets import xlsx_response
from teams.comparison import (
    GROUP_KEY,
    KINDS,
    comparable,
    compare,
    per_thousand,
    value,
    widest_scope,
)
from teams.dashboard import Table
from teams.exports import dashboard_workbook
from teams.months import month_end
from teams.targets import actual_values, format_value, rows_for, targets_of
from teams.topics import topic_matrix
from teams.views.dashboard import FIRST_DAY, LAST_DAY

MEASURES = [
    ("per_thousand", _("held activities per 1,000 inhabitants")),
    ("targets", _("targets met")),
    ("school", _("schools with an agreed or active cooperation (%)")),
]


def may_compare(user) -> bool:
    return is_head(user) or reads_whole_district(user) or has_role(user, Role.TEAMLEITUNG)


class ComparisonForm(forms.Form):
    kind = forms.ChoiceField(label=_("Compare"), choices=list(KINDS.items()))
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=FIRST_DAY.year,
        max_value=LAST_DAY.year,
        help_text=_("Or choose months below."),
    )
    start = forms.DateField(
        label=_("From month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=_("Until month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    measure = forms.ChoiceField(label=_("Map shows"), choices=MEASURES, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if bool(start) != bool(end) and not (self.has_error("start") or self.has_error("end")):
            self.add_error("start", _("Give both months, or neither."))
        elif start and end:
            if end < start:
                self.add_error("end", _("The last month must not be before the first."))
            elif not (start >= FIRST_DAY and end <= LAST_DAY):
                self.add_error("start", _("Choose months between 2000 and 2100."))
            elif (end.year - start.year) * 12 + end.month - start.month >= 60:
                self.add_error("end", _("Choose at most five years."))
        return cleaned

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("start") and data.get("end"):
            return data["start"], month_end(data["end"])
        year = data.get("year") or today.year
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def chosen_scopes(request, kind: str) -> list:
    """The compared scopes: those named by ``ids`` (each must be the user's, else 404), or all
    of the kind."""
    scopes = comparable(request.user, kind)
    wanted = request.GET.getlist("ids")
    if not wanted:
        return scopes
    by_pk = {str(scope.pk): scope for scope in scopes}
    if any(pk not in by_pk for pk in wanted):
        raise Http404
    return [scope for scope in scopes if str(scope.pk) in set(wanted)]


class ComparisonView(TemplateView):
    template_name = "teams/comparison.html"

    def get(self, request, *args, **kwargs):
        if not may_compare(request.user):
            raise PermissionDenied
        data = request.GET.copy()
        data.setdefault("kind", "middle_area" if reads_whole_district(request.user) else "team")
        form = ComparisonForm(data)
        kind = data["kind"] if data["kind"] in KINDS else None
        if kind is None:
            raise Http404
        scopes = chosen_scopes(request, kind)
        if not scopes:
            raise Http404
        today = timezone.localdate()
        start, end = form.period(today)
        comparison = compare(request.user, kind, scopes, start, end, today)
        targets = rows_for(request.user, targets_of(scopes, start.year), start.year, today)
        topics = topic_matrix(
            request.user, widest_scope(), comparison.entities, GROUP_KEY[kind], start, end
        )
        if request.GET.get("export") == "xlsx":
            return self.workbook(comparison, targets, topics)
        measure = form.cleaned_data.get("measure") if form.is_valid() else None
        context = self.get_context_data(
            form=form,
            comparison=comparison,
            targets=targets,
            topics=topics,
            all_scopes=comparable(request.user, kind),
            selected={str(s.pk) for s in scopes},
            may_set_targets=is_head(request.user) or has_role(request.user, Role.AMTSLEITUNG),
            map=comparison_map(request.user, comparison, targets, measure or "per_thousand")
            if kind == "municipality"
            else None,
            query=request.GET.urlencode(),
        )
        return self.render_to_response(context)

    def workbook(self, comparison, targets, topics):
        sheet = Table(
            "targets",
            str(_("Targets")),
            [
                str(_("Scope")),
                str(_("Indicator")),
                str(_("target")),
                str(_("actual")),
                str(_("gap")),
            ],
        )
        sheet.rows = [
            [r.scope_label, r.indicator, r.target_value, r.actual_value, r.gap] for r in targets
        ]
        data = dashboard_workbook([*comparison.tables, sheet, topics])
        name = f"vergleich-{comparison.kind}-{comparison.start:%Y-%m}-{comparison.end:%Y-%m}.xlsx"
        return xlsx_response(data, name)


def comparison_map(user, comparison, targets, measure: str):
    """The municipalities on the district map, shaded by the chosen measure."""
    dashboard = reverse("teams:dashboard")
    entities = comparison.entities
    if measure == "targets":
        return _targets_map(entities, targets, dashboard)
    if measure == "school":
        year = comparison.start.year
        actual = actual_values(user, [e.scope for e in entities], year, timezone.localdate())
        values = [actual.get((e.scope.key, "school_cooperation")) for e in entities]
        labels = [format_value("school_cooperation", v) for v in values]
        header = gettext("schools with an agreed or active cooperation (%)")
    else:
        values = [
            None
            if e.population is None
            else per_thousand(value(comparison, "held", e), e.population)
            for e in entities
        ]
        labels = ["–" if v is None else number_format(v, decimal_pos=2) for v in values]
        header = gettext("held activities per 1,000 inhabitants")
    bands = bands_for(values)
    entries = [
        MapEntry(
            e.pk,
            e.label,
            v,
            label,
            f"{dashboard}?scope={e.scope.key}",
            band,
            "" if v is not None else gettext("no data"),
        )
        for e, v, label, band in zip(entities, values, labels, bands.bands, strict=True)
    ]
    return district_map(
        entries,
        title=header,
        description=gettext("Each town or municipality is shaded by the figure in the table."),
        legend=[*bands.legend(), (None, gettext("no data"))],
        id_prefix=f"compare-{measure}",
        value_header=header,
        band_count=bands.count,
    )


def _targets_map(entities, targets, dashboard):
    """Met (dark), not met (hatched) or without a target (light), per municipality."""
    by_place = {}
    for row in targets:
        if row.target.municipality_id and row.met is not None:
            by_place.setdefault(row.target.municipality_id, []).append(row.met)
    entries = []
    for e in entities:
        results = by_place.get(e.pk)
        if not results:
            band, text = 0, gettext("no target")
        elif all(results):
            band, text = 1, gettext("all targets met")
        else:
            band, text = None, gettext("a target not met")
        met = sum(results or [])
        entries.append(
            MapEntry(
                e.pk,
                e.label,
                met,
                f"{met}/{len(results or [])}",
                f"{dashboard}?scope={e.scope.key}",
                band,
                text,
            )
        )
    header = gettext("targets met")
    return district_map(
        entries,
        title=header,
        description=gettext("Dark: all targets met; hatched: a target not met; light: no target."),
        legend=[
            (0, gettext("no target")),
            (1, gettext("all targets met")),
            (None, gettext("a target not met")),
        ],
        id_prefix="compare-targets",
        value_header=header,
        band_count=2,
    )
