"""The teams' panels of the start page (registered in ``TeamsConfig.ready``).

For staff: the dates of their series not logged yet (this week and the two before) and the
team's series that nobody staffs. For heads (Fachbereichsleitung for the Mittelbereich,
Amtsleitung for the district): the months waiting to be signed off and the municipalities
without a held activity this quarter. Each panel costs a fixed number of queries.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sozialraum.home_panels import Panel
from sozialraum.models import MiddleArea, User
from sozialraum.permissions import Role, is_head, scope_of
from teams import dashboard, reviews
from teams.calendar import series_without_active_staff
from teams.models import ConsultationHour
from teams.months import quarter_of
from teams.recurrence import Occurrence, describe, occurrences
from teams.selectors import current_team_ids, series_current, week_start

# "Open dates" looks back over this week and the two before.
OPEN_DATES_WEEKS = 3


def is_staff(user: User) -> bool:
    return bool(scope_of(user).team_ids)


# --- Staff ------------------------------------------------------------------------------------


def open_dates(user: User, today: datetime.date) -> list[Occurrence]:
    """The expected dates of the user's series from the Monday two weeks ago up to today that
    take place (no holiday or closure) and are not logged yet. Three queries."""
    start = week_start(today) - datetime.timedelta(weeks=OPEN_DATES_WEEKS - 1)
    mine = ConsultationHour.objects.filter(staff=user, team__in=current_team_ids(user))
    series = series_current(mine, start, today)
    return [o for o in occurrences(series, start, today) if o.state == "open"]


def open_dates_panel(user: User, today: datetime.date) -> Panel | None:
    if not is_staff(user):
        return None
    return Panel(
        "teams/_home_open_dates.html",
        {"dates": open_dates(user, today), "this_week": week_start(today)},
        order=10,
    )


def series_without_staff(user: User, today: datetime.date) -> list[ConsultationHour]:
    """The running and coming series of the user's teams that no active member of the team
    staffs (everyone on it left the team or was deactivated): nobody would come. One query."""
    unstaffed = series_without_active_staff(scope_of(user).team_ids, today, datetime.date.max)
    return list(unstaffed.order_by("team__name", "municipality__name", "start_time", "pk"))


@dataclass
class UnstaffedSeries:
    series: ConsultationHour
    recurrence: str


def unstaffed_panel(user: User, today: datetime.date) -> Panel | None:
    if not is_staff(user):
        return None
    found = series_without_staff(user, today)
    if not found:
        return None
    rows = [UnstaffedSeries(series, describe(series.rrule)) for series in found]
    return Panel("teams/_home_unstaffed.html", {"rows": rows}, order=20)


# --- Heads ------------------------------------------------------------------------------------


def sign_off_panel(user: User, today: datetime.date) -> Panel | None:
    """The finished months of the teams the head reads that are not signed off (the overview of
    the review page, read from the month summary: three queries)."""
    if not is_head(user):
        return None
    rows = [
        row
        for row in reviews.overview(user, reviews.overview_months(today), today)
        if row.open_months
    ]
    return Panel("teams/_home_sign_off.html", {"rows": rows}, order=30)


@dataclass
class GapGroup:
    label: str
    municipalities: list


def presence_gaps(user: User, today: datetime.date) -> list[GapGroup]:
    """The municipalities without a held activity since the quarter began, like the
    dashboard's gap list: the district for Amtsleitung, else each headed Mittelbereich (three
    queries per Mittelbereich, one more for their names)."""
    start = quarter_of(today)
    scope = scope_of(user)
    if Role.AMTSLEITUNG in scope.roles:
        district = dashboard.Scope("district", None, _("whole district"))
        return [GapGroup(district.label, dashboard._gaps(user, district, start, today, today))]
    groups = []
    for area in MiddleArea.objects.filter(pk__in=scope.headed_area_ids):
        label = _("Mittelbereich %(name)s") % {"name": area.name}
        area_scope = dashboard.Scope("middle_area", area.pk, label)
        groups.append(GapGroup(label, dashboard._gaps(user, area_scope, start, today, today)))
    return groups


def presence_gaps_panel(user: User, today: datetime.date) -> Panel | None:
    if not is_head(user):
        return None
    return Panel(
        "teams/_home_presence_gaps.html",
        {"groups": presence_gaps(user, today), "since": quarter_of(today)},
        order=40,
    )


def register_panels() -> None:
    from sozialraum import home_panels

    home_panels.register("teams.open_dates", open_dates_panel)
    home_panels.register("teams.unstaffed", unstaffed_panel)
    home_panels.register("teams.sign_off", sign_off_panel)
    home_panels.register("teams.presence_gaps", presence_gaps_panel)
