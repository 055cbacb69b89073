from urllib.parse import urlencode

from django.utils import timezone
from django.views.generic import ListView, TemplateView

from kooperation import coverage_export
from kooperation.models import STATUS_RANK, PartnerKind
from kooperation.selectors import coverage, open_next_steps
from sozialraum.models import MiddleArea
from sozialraum.permissions import scope_of


class NextStepsView(ListView):
    """Nächste Schritte: the open next steps of cooperations in the user's scope."""

    template_name = "kooperation/next_steps.html"
    context_object_name = "cooperations"
    paginate_by = 50

    def get_queryset(self):
        return open_next_steps(self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "today": timezone.localdate()}


def default_middle_area(user):
    """The Mittelbereich a user works in: the headed one, else the one of the first team."""
    scope = scope_of(user)
    if scope.headed_area_ids:
        return MiddleArea.objects.filter(pk__in=scope.headed_area_ids).first()
    if scope.team_ids:
        return MiddleArea.objects.filter(teams__in=scope.team_ids).first()
    return None


class CoverageView(TemplateView):
    """Abdeckung: municipalities by partner kinds, so gaps in the network stand out."""

    template_name = "kooperation/coverage.html"

    def selection(self):
        """The Mittelbereiche offered, the chosen one (None: the whole district) and the
        matrix for it; the page and its exports show the same."""
        areas = list(MiddleArea.objects.all())
        selected = self.request.GET.get("middle_area")
        if selected is None:
            middle_area = default_middle_area(self.request.user)
        else:
            middle_area = next((a for a in areas if str(a.pk) == selected), None)
        rows, district_wide = coverage(middle_area=middle_area)
        return areas, middle_area, rows, district_wide

    def get_context_data(self, **kwargs):
        areas, middle_area, rows, district_wide = self.selection()
        query = urlencode({"middle_area": middle_area.pk if middle_area else ""})
        return {
            **super().get_context_data(**kwargs),
            "middle_areas": areas,
            "middle_area": middle_area,
            "coverage_areas": rows,
            "district_wide": district_wide,
            "kinds": list(PartnerKind),
            "status_legend": sorted(STATUS_RANK, key=STATUS_RANK.get, reverse=True),
            "today": timezone.localdate(),
            "export_query": query,
        }


class CoverageExportView(CoverageView):
    """The matrix of the page (same Mittelbereich) as CSV or Excel."""

    def get(self, request, *args, format="csv", **kwargs):
        _areas, _middle_area, rows, district_wide = self.selection()
        export = coverage_export.coverage_xlsx if format == "xlsx" else coverage_export.coverage_csv
        return export(rows, district_wide, list(PartnerKind))
