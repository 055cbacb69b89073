"""Meine Aktivitäten: the signed-in staff member's own figures, for no one else."""

from django.utils import timezone
from django.views.generic import TemplateView

from teams.personal import activity_years, personal_figures


def chosen_year(value: str | None, years: list[int], this_year: int) -> int:
    """The year asked for when the user has activities in it; this year otherwise."""
    try:
        year = int(value or "")
    except ValueError:
        return this_year
    return year if year in years else this_year


class MyActivitiesView(TemplateView):
    """The user's own activities of a year by kind and month, held and cancelled, with contacts
    and helps initiated. Only ever the signed-in user's: the page takes no user parameter."""

    template_name = "teams/my_activities.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        this_year = timezone.localdate().year
        years = activity_years(user)
        year = chosen_year(self.request.GET.get("year"), years, this_year)
        return {
            **super().get_context_data(**kwargs),
            "figures": personal_figures(user, year),
            "years": sorted({*years, this_year}, reverse=True),
        }
