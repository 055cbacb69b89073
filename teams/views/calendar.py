"""The team calendar: a team's week or month for its staff, its Fachbereichsleitung and the
district's leadership (see ``teams.calendar``)."""

import datetime
import re

from django.contrib import messages
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from sozialraum.permissions import scope_of, teams_visible_to
from sozialraum.text import GermanSortKey
from teams.calendar import MONTH, PERIODS, WEEK, period_step, team_calendar
from teams.views.my_week import FIRST_DAY, LAST_DAY


def requested_day(request) -> datetime.date:
    """The day whose week or month to show (``?date=``), today when none or an unusable one."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("date") or "")
    except ValueError:
        return timezone.localdate()
    # A period around the first or last day must not step outside the calendar.
    if not FIRST_DAY + datetime.timedelta(days=31) <= day <= LAST_DAY - datetime.timedelta(days=31):
        messages.warning(
            request,
            _("Dates from %(first)s to %(last)s can be shown; here is the current period.")
            % {"first": FIRST_DAY.year, "last": LAST_DAY.year},
        )
        return timezone.localdate()
    return day


class TeamCalendarView(TemplateView):
    """Every date of a team's series and every activity it logged in a week or month, with
    who staffs what, who is absent and who stands in. Another team's calendar is 404."""

    template_name = "teams/team_calendar.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        teams = list(
            teams_visible_to(user)
            .filter(is_active=True)
            .select_related("middle_area")
            .order_by(GermanSortKey("middle_area__name"), GermanSortKey("name"))
        )
        team = self.chosen_team(teams)
        context = {**super().get_context_data(**kwargs), "teams": teams, "team": team}
        if team is None:
            return context
        period = self.request.GET.get("period")
        period = period if period in PERIODS else WEEK
        today = timezone.localdate()
        calendar = team_calendar(team, period, requested_day(self.request), today=today)
        scope = scope_of(user)
        return {
            **context,
            "calendar": calendar,
            "period": period,
            "title": self.period_title(calendar),
            "previous": period_step(period, calendar.start, -1),
            "next": period_step(period, calendar.start, 1),
            "shows_today": calendar.start <= today <= calendar.end,
            # Switching between week and month keeps today when it is shown, else the start.
            "anchor": today if calendar.start <= today <= calendar.end else calendar.start,
            "today": today,
            "other_period": MONTH if period == WEEK else WEEK,
            "can_log": team.pk in scope.team_ids,
            "can_record_absence": team.pk in scope.team_ids,
        }

    def chosen_team(self, teams):
        """The team of ``?team=`` among the user's (404 otherwise); without one, the user's
        own team, else the first they read."""
        value = self.request.GET.get("team")
        by_pk = {team.pk: team for team in teams}
        if value:
            if not re.fullmatch(r"[0-9]{1,9}", value) or int(value) not in by_pk:
                raise Http404(_("No such team among the teams you can see."))
            return by_pk[int(value)]
        own = scope_of(self.request.user).team_ids
        return next((t for t in teams if t.pk in own), teams[0] if teams else None)

    @staticmethod
    def period_title(calendar) -> str:
        if calendar.period == MONTH:
            return date_format(calendar.start, "YEAR_MONTH_FORMAT")
        return _("Week %(week)s: %(start)s – %(end)s") % {
            "week": calendar.start.isocalendar().week,
            "start": date_format(calendar.start, "SHORT_DATE_FORMAT"),
            "end": date_format(calendar.end, "SHORT_DATE_FORMAT"),
        }
