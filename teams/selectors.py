"""Reads of the teams' work."""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from sozialraum.models import Membership
from teams import permissions
from teams.models import Activity, ConsultationHour, Project
from teams.recurrence import Occurrence, occurrences


def activity_rows(user) -> QuerySet[Activity]:
    """Activities the user may read, whole, with their team, place and series (detail, forms)."""
    return permissions.activities_visible_to(user).select_related(
        "team", "municipality", "consultation_hour__venue", "body", "project"
    )


# The columns a row of the activity list shows, and nothing more: every join and column costs
# planning and reading time on each view of the most used page.
ACTIVITY_LIST_FIELDS = (
    "date",
    "kind",
    "status",
    *Activity.COUNT_FIELDS,
    "team__name",
    "municipality__name",
    "venue__name",
    "body__name",
    "project__title",
)


def activity_list_rows(user) -> QuerySet[Activity]:
    """Activities the user may read, with only what a row of the list shows."""
    return (
        permissions.activities_visible_to(user)
        .select_related("team", "municipality", "venue", "body", "project")
        .only(*ACTIVITY_LIST_FIELDS)
    )


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def series_current(queryset: QuerySet[ConsultationHour], start, end) -> QuerySet[ConsultationHour]:
    """Series valid at some point between start and end, with what a date row needs."""
    return (
        queryset.filter(valid_from__lte=end, team__is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .select_related("venue", "team", "municipality")
    )


def current_team_ids(user) -> QuerySet[Membership]:
    """The teams the user is a member of now (a subquery): someone who moved to another team
    no longer sees the old team's dates, even while still named on its series."""
    return Membership.objects.filter(user=user).values("team")


def my_week(user, monday: datetime.date) -> list[Occurrence]:
    """The expected dates of the series the user staffs in a current team, in the week
    starting ``monday``."""
    sunday = monday + datetime.timedelta(days=6)
    mine = ConsultationHour.objects.filter(staff=user, team__in=current_team_ids(user))
    series = series_current(mine, monday, sunday)
    return occurrences(series.prefetch_related("staff"), monday, sunday)


def week_activities(user, monday: datetime.date) -> list[Activity]:
    """The user's other activities of that week in a current team (not dates of a series)."""
    sunday = monday + datetime.timedelta(days=6)
    return list(
        Activity.objects.filter(
            staff=user,
            team__in=current_team_ids(user),
            date__range=(monday, sunday),
            consultation_hour__isnull=True,
        )
        .select_related("municipality", "body", "project")
        .order_by("date", "start_time", "pk")
    )


def series_with_staff(queryset: QuerySet[ConsultationHour]) -> QuerySet[ConsultationHour]:
    return queryset.select_related("team", "municipality", "venue").prefetch_related(
        Prefetch("staff")
    )


def project_rows(user) -> QuerySet[Project]:
    return (
        permissions.projects_visible_to(user)
        .select_related("team")
        .prefetch_related("municipalities")
    )
