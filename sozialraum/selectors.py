"""Reads of the social-space structure."""

import datetime
import itertools
from dataclasses import dataclass

from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone

from sozialraum.models import Assignment, MiddleArea, Municipality, Team, User
from sozialraum.text import GermanSortKey, german_sort_key


def _today(on: datetime.date | None) -> datetime.date:
    return on if on is not None else timezone.localdate()


def assignments_on(on: datetime.date | None = None) -> QuerySet[Assignment]:
    """The assignments valid on a date (today by default)."""
    day = _today(on)
    return Assignment.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
    )


def team_responsible_for(municipality: Municipality, *, on: datetime.date | None = None):
    """The team responsible for a municipality on a date, or None when no team is."""
    assignment = assignments_on(on).filter(municipality=municipality).select_related("team").first()
    return assignment.team if assignment else None


def municipalities_of(team: Team, *, on: datetime.date | None = None) -> QuerySet[Municipality]:
    """The municipalities a team is responsible for on a date."""
    return Municipality.objects.filter(
        assignments__in=assignments_on(on).filter(team=team)
    ).distinct()


def municipalities_without_team(*, on: datetime.date | None = None) -> QuerySet[Municipality]:
    """Municipalities for which no team is responsible on a date."""
    return Municipality.objects.exclude(assignments__in=assignments_on(on))


def example_assignment_in_use(*, on: datetime.date | None = None) -> bool:
    """True while any current assignment is still the example shipped with the software."""
    return assignments_on(on).filter(is_example=True).exists()


def teams_with_municipalities(
    teams: QuerySet[Team], *, on: datetime.date | None = None
) -> QuerySet[Team]:
    """Teams with ``current_assignments`` (municipality loaded) prefetched, in two queries."""
    current = (
        assignments_on(on)
        .select_related("municipality")
        .order_by(GermanSortKey("municipality__name"))
    )
    return teams.select_related("middle_area").prefetch_related(
        Prefetch("assignments", queryset=current, to_attr="current_assignments")
    )


def with_active_teams(
    areas: QuerySet[MiddleArea], *, on: datetime.date | None = None
) -> QuerySet[MiddleArea]:
    """Middle areas with heads and ``active_teams`` (each with ``current_assignments``)."""
    teams = teams_with_municipalities(Team.objects.filter(is_active=True), on=on)
    return areas.prefetch_related(
        "heads", Prefetch("teams", queryset=teams, to_attr="active_teams")
    )


def structure_on(*, on: datetime.date | None = None) -> list[MiddleArea]:
    """Mittelbereiche → teams → municipalities on a date, with heads, in four queries.

    Each middle area and each of its ``active_teams`` gets the sums ``population`` and
    ``municipality_count`` of the municipalities served on that date.
    """
    areas = list(with_active_teams(MiddleArea.objects.all(), on=on))
    for area in areas:
        for team in area.active_teams:
            _add_totals(team, [a.municipality for a in team.current_assignments])
        _add_totals(
            area, [a.municipality for t in area.active_teams for a in t.current_assignments]
        )
    return areas


def _add_totals(target, municipalities: list[Municipality]) -> None:
    target.municipality_count = len(municipalities)
    target.population = sum(m.population or 0 for m in municipalities)


def active_staff(teams=None) -> QuerySet[User]:
    """Active users who work in a team (in one of ``teams``, when given), by name."""
    members = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        if teams is None
        else User.objects.filter(is_active=True, memberships__team__in=teams)
    )
    return members.distinct().order_by("last_name", "first_name", "username")


@dataclass
class MunicipalityAssignments:
    """A municipality with its assignments (oldest first), the one running on a date and the
    next one planned after it."""

    municipality: Municipality
    assignments: list[Assignment]
    current: Assignment | None = None
    planned: Assignment | None = None


def municipality_assignments(*, on: datetime.date | None = None) -> list[MunicipalityAssignments]:
    """Every municipality (in German order) with its assignments; two queries."""
    day = _today(on)
    rows = {m.pk: MunicipalityAssignments(m, []) for m in Municipality.objects.all()}
    assignments = Assignment.objects.select_related("team__middle_area").order_by("valid_from")
    for assignment in assignments:
        row = rows[assignment.municipality_id]
        row.assignments.append(assignment)
        if assignment.covers(day):
            row.current = assignment
        elif assignment.valid_from > day and row.planned is None:
            row.planned = assignment
    return list(rows.values())


def by_middle_area(rows: list[MunicipalityAssignments]) -> list[tuple]:
    """``(middle area or None, rows)`` by the Mittelbereich of the current team, German order,
    the municipalities without a team last."""
    groups: dict = {}
    for row in rows:
        area = row.current.team.middle_area if row.current else None
        groups.setdefault(area, []).append(row)
    ordered = sorted((a for a in groups if a is not None), key=lambda a: german_sort_key(a.name))
    if None in groups:
        ordered.append(None)
    return [(area, groups[area]) for area in ordered]


@dataclass(frozen=True)
class Gap:
    """A period in which no team is responsible for a municipality (``end`` None: open)."""

    municipality: Municipality
    start: datetime.date | None  # None: never assigned
    end: datetime.date | None


def gaps_in(
    municipality: Municipality, periods: list[Assignment], since: datetime.date | None
) -> list[Gap]:
    """The periods without a team in one municipality's assignments (oldest first), counted
    from ``since``, the district's first assignment."""
    if not periods:
        return [Gap(municipality, None, None)]
    one_day = datetime.timedelta(days=1)
    gaps = []
    if since is not None and periods[0].valid_from > since:
        gaps.append(Gap(municipality, since, periods[0].valid_from - one_day))
    for before, after in itertools.pairwise(periods):
        if before.valid_until and before.valid_until + one_day < after.valid_from:
            gaps.append(Gap(municipality, before.valid_until + one_day, after.valid_from - one_day))
    if periods[-1].valid_until is not None:
        gaps.append(Gap(municipality, periods[-1].valid_until + one_day, None))
    return gaps


def assignment_gaps(rows: list[MunicipalityAssignments] | None = None) -> list[Gap]:
    """Every period without a responsible team in the district, from its first assignment on
    (from ``rows`` when the caller has them, else in two queries)."""
    rows = municipality_assignments() if rows is None else rows
    starts = [row.assignments[0].valid_from for row in rows if row.assignments]
    since = min(starts, default=None)
    return [gap for row in rows for gap in gaps_in(row.municipality, row.assignments, since)]


def district_start() -> datetime.date | None:
    """The first day any team was responsible for any municipality."""
    return Assignment.objects.aggregate(first=Min("valid_from"))["first"]
