from django.utils import timezone
from django.views.generic import TemplateView

from sozialraum import home_panels, permissions
from sozialraum.forms import StructureDateForm
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.selectors import (
    municipalities_without_team,
    structure_on,
    teams_with_municipalities,
    with_active_teams,
)


class HomeView(TemplateView):
    """Start page: what the signed-in user works on, by role."""

    template_name = "sozialraum/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        scope = permissions.scope_of(user)
        own_teams = teams_with_municipalities(Team.objects.filter(pk__in=scope.team_ids))
        headed = with_active_teams(MiddleArea.objects.filter(pk__in=scope.headed_area_ids))
        today = home_panels.local_today()
        context = super().get_context_data(**kwargs)
        context.update(
            today=today,
            # The work first: panels of the apps that know it (sozialraum.home_panels).
            panels=home_panels.panels_for(user, today=today),
            own_teams=[(team, team.pk in scope.lead_team_ids) for team in own_teams],
            headed_areas=headed if scope.headed_area_ids else [],
            district_reader=permissions.reads_whole_district(user),
        )
        if context["district_reader"]:
            context["district"] = {
                "middle_areas": MiddleArea.objects.count(),
                "teams": Team.objects.filter(is_active=True).count(),
                "municipalities": Municipality.objects.count(),
            }
        if permissions.is_administration(user):
            context["without_team"] = list(municipalities_without_team())
        return context


class StructureView(TemplateView):
    """Sozialräume: Mittelbereiche → teams → municipalities on a date, for every signed-in user."""

    template_name = "sozialraum/structure.html"

    def get_context_data(self, **kwargs):
        on = timezone.localdate()
        form = StructureDateForm(self.request.GET or None, initial={"on": on})
        if form.is_valid() and form.cleaned_data["on"]:
            on = form.cleaned_data["on"]
        areas = structure_on(on=on)
        context = super().get_context_data(**kwargs)
        context.update(
            form=form,
            on=on,
            areas=areas,
            total_population=sum(a.population for a in areas),
            total_municipalities=sum(a.municipality_count for a in areas),
            without_team=list(municipalities_without_team(on=on)),
            population_dates=sorted(
                {
                    a.municipality.population_date
                    for area in areas
                    for t in area.active_teams
                    for a in t.current_assignments
                }
                - {None}
            ),
        )
        return context
