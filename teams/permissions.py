"""Who may see and change the teams' work.

Reading follows ``sozialraum.permissions.teams_visible_to``: the own teams, the teams of a
headed Mittelbereich, every team for Amtsleitung and Administration; anything else is 404.
Activities are logged and changed by the team's own staff (Fachkraft, Teamleitung), not in a
signed-off month. Consultation-hour series are managed by the team's lead, the heads of its
Mittelbereich and Administration. Projects are kept by the team's staff and its heads.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sozialraum.models import Team
from sozialraum.permissions import (
    is_administration,
    reads_whole_district,
    scope_of,
    teams_visible_to,
)
from teams.models import Absence, Activity, ConsultationHour, Project, TeamMonthReview
from teams.months import month_of


def activities_visible_to(user) -> QuerySet[Activity]:
    """Activities of the teams the user reads. The whole district reads without a condition,
    others by a literal list of team ids: a ``team_id IN (SELECT …)`` costs planning time on
    every list view and, for the whole district, filters nothing."""
    if reads_whole_district(user):
        return Activity.objects.all()
    return Activity.objects.filter(team_id__in=visible_team_ids(user))


def visible_team_ids(user) -> list[int]:
    """The ids of the teams the user reads (``teams_visible_to``) as a list: from the cached
    scope for team staff, in one query per request for a Fachbereichsleitung."""
    scope = scope_of(user)
    if not scope.headed_area_ids:
        return sorted(scope.team_ids)
    cached = getattr(user, "_visible_team_ids", None)
    if cached is None or cached[0] is not scope:
        # Cached with the scope it was read for: a forgotten scope forgets these too.
        cached = (scope, list(teams_visible_to(user).values_list("pk", flat=True)))
        user._visible_team_ids = cached
    return list(cached[1])


def series_visible_to(user) -> QuerySet[ConsultationHour]:
    return ConsultationHour.objects.filter(team__in=teams_visible_to(user))


def projects_visible_to(user) -> QuerySet[Project]:
    return Project.objects.filter(team__in=teams_visible_to(user))


def teams_logging_for(user) -> QuerySet[Team]:
    """The teams the user logs activities for: the own active teams."""
    return Team.objects.filter(pk__in=scope_of(user).team_ids, is_active=True)


def can_log_for(user, team_id: int) -> bool:
    return team_id in scope_of(user).team_ids


def locked_months(
    team_ids, start: datetime.date, end: datetime.date
) -> set[tuple[int, datetime.date]]:
    """(team id, first of month) of the signed-off months in a period, in one query."""
    return set(
        TeamMonthReview.objects.filter(
            team__in=team_ids,
            month__range=(month_of(start), month_of(end)),
            signed_off_at__isnull=False,
        ).values_list("team_id", "month")
    )


def is_month_locked(team_id: int, day: datetime.date) -> bool:
    return bool(locked_months([team_id], day, day))


def activity_change_refusal(user, activity: Activity) -> str:
    """Why the user may not change this activity (for 403), or '' when allowed."""
    if not can_log_for(user, activity.team_id):
        return _("Activities are logged and changed by the staff of their team.")
    if is_month_locked(activity.team_id, activity.date):
        return locked_message(activity.date)
    return ""


def locked_message(day: datetime.date) -> str:
    return _(
        "%(month)s has been signed off by the Fachbereichsleitung and is locked. Ask for it to be "
        "reopened to change it."
    ) % {"month": date_format(day, "YEAR_MONTH_FORMAT")}


def can_manage_series(user, team: Team) -> bool:
    """Teamleitung of the team, the heads of its Mittelbereich and Administration."""
    scope = scope_of(user)
    return (
        is_administration(user)
        or team.pk in scope.lead_team_ids
        or team.middle_area_id in scope.headed_area_ids
    )


def series_teams_for(user) -> QuerySet[Team]:
    """Teams whose consultation-hour series the user manages."""
    if is_administration(user):
        return Team.objects.filter(is_active=True)
    scope = scope_of(user)
    return Team.objects.filter(
        Q(pk__in=scope.lead_team_ids) | Q(middle_area__in=scope.headed_area_ids), is_active=True
    )


def can_edit_project(user, team: Team) -> bool:
    scope = scope_of(user)
    return team.pk in scope.team_ids or team.middle_area_id in scope.headed_area_ids


def project_teams_for(user) -> QuerySet[Team]:
    scope = scope_of(user)
    return Team.objects.filter(
        Q(pk__in=scope.team_ids) | Q(middle_area__in=scope.headed_area_ids), is_active=True
    )


# --- Absences (teams.absences) ---------------------------------------------------------------


def absences_visible_to(user) -> QuerySet[Absence]:
    """Absences of the teams the user reads (the team calendar shows them)."""
    if reads_whole_district(user):
        return Absence.objects.all()
    return Absence.objects.filter(team_id__in=visible_team_ids(user))


def can_record_absence(user, *, team_id: int, person_id: int) -> bool:
    """A person records their own absence in their team; the Teamleitung records any absence
    in the team it leads."""
    scope = scope_of(user)
    if team_id in scope.lead_team_ids:
        return True
    return person_id == user.pk and team_id in scope.team_ids


def absence_teams_for(user) -> QuerySet[Team]:
    """The active teams in which the user records absences (their own, or others' as lead)."""
    return Team.objects.filter(pk__in=scope_of(user).team_ids, is_active=True)
