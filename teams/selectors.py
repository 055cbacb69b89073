"""Reads of the teams' work."""

import datetime

from django.db.models import CharField, F, Prefetch, Q, QuerySet, Value

from kooperation.models import Body, Partner
from sozialraum import structure_cache
from sozialraum.models import Membership, Municipality, Team
from teams import permissions
from teams.models import Activity, ConsultationHour, Project
from teams.recurrence import Occurrence, occurrences


def activity_rows(user) -> QuerySet[Activity]:
    """Activities the user may read, whole, with their team, place and series (detail, forms)."""
    return permissions.activities_visible_to(user).select_related(
        "team", "municipality", "consultation_hour__venue", "body", "project"
    )


# The columns a row of the activity list shows, and nothing more: every join and column costs
# planning and reading time on each view of the most used page. No join at all: planning a join
# of six tables cost more than running it (7 ms against 1 ms at a million activities); the names
# come from ``activity_row_names``.
ACTIVITY_LIST_FIELDS = (
    "date",
    "kind",
    "status",
    *Activity.COUNT_FIELDS,
    "team_id",
    "municipality_id",
    "venue_id",
    "body_id",
    "project_id",
)


def activity_list_rows(user) -> QuerySet[Activity]:
    """Activities the user may read, with only what a row of the list shows."""
    return permissions.activities_visible_to(user).only(*ACTIVITY_LIST_FIELDS)


def activity_row_names(rows: list[Activity]) -> None:
    """Set ``team_name``, ``municipality_name`` and ``where`` (venue, Gremium or project) on
    the rows of a list page: teams and municipalities from the structure cache, the others in
    one query for the page."""
    teams = dict(
        structure_cache.rows_of(Team.objects.all(), lambda t: (t.pk, t.name), exact=("team-names",))
    )
    municipalities = dict(
        structure_cache.rows_of(
            Municipality.objects.all(), lambda m: (m.pk, m.name), exact=("municipality-names",)
        )
    )
    keys = [_where_key(row) for row in rows]
    wanted = {source: {pk for kind, pk in keys if kind == source and pk} for source in "vbp"}
    parts = [
        model.objects.filter(pk__in=ids)
        .annotate(source=Value(source, output_field=CharField()), label=F(column))
        .values_list("source", "pk", "label")
        for source, model, column in (
            ("v", Partner, "name"),
            ("b", Body, "name"),
            ("p", Project, "title"),
        )
        if (ids := wanted[source])
    ]
    names = {}
    if parts:
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        names = {(source, pk): label for source, pk, label in union}
    for row, key in zip(rows, keys, strict=True):
        row.team_name = teams.get(row.team_id, "")
        row.municipality_name = municipalities.get(row.municipality_id, "")
        row.where = names.get(key, "")


def _where_key(row: Activity) -> tuple[str, int | None]:
    """What a row names as its place: the venue, else the Gremium, else the project."""
    if row.venue_id:
        return "v", row.venue_id
    if row.body_id:
        return "b", row.body_id
    return "p", row.project_id


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
