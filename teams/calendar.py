"""The team's week and month: every expected date of the team's consultation-hour series, every
activity the team logged, and who is absent with whom standing in (issue 14, points 3 and 4).

Reads only. Expected dates come from ``teams.recurrence.occurrences`` (the same expansion as
"Meine Woche", the series page and the public finder); a period costs the same handful of
queries however many series, dates, activities and absences it holds.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from sozialraum.models import Team, User
from sozialraum.text import GermanSortKey
from teams.models import Absence, AbsenceStandIn, Activity, ConsultationHour
from teams.months import add_months, month_end, month_of
from teams.recurrence import Occurrence, occurrences, public_holiday
from teams.selectors import week_start

WEEK, MONTH = "week", "month"
PERIODS = (WEEK, MONTH)


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the week (Monday to Sunday) or month around ``day``."""
    if period == MONTH:
        return month_of(day), month_end(day)
    monday = week_start(day)
    return monday, monday + datetime.timedelta(days=6)


def period_step(period: str, start: datetime.date, steps: int) -> datetime.date:
    """The first day of the period ``steps`` periods after (or before) the one at ``start``."""
    if period == MONTH:
        return add_months(start, steps)
    return start + datetime.timedelta(weeks=steps)


# --- Absences ------------------------------------------------------------------------------


def _by_name(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.order_by(GermanSortKey("last_name"), GermanSortKey("first_name"), "pk")


def team_absences(team_ids, start: datetime.date, end: datetime.date) -> list[Absence]:
    """The absences of the teams' staff that touch the period (both ends inclusive), by first
    day, with ``user``, ``team`` and ``stand_ins`` (each with ``series`` and ``stand_in``)
    loaded: two queries, however many absences."""
    stand_ins = AbsenceStandIn.objects.select_related("series__venue", "stand_in").order_by(
        "series__start_time", "series_id"
    )
    return list(
        Absence.objects.filter(team_id__in=list(team_ids), start__lte=end, end__gte=start)
        .select_related("user", "team")
        .prefetch_related(Prefetch("stand_ins", queryset=stand_ins))
        .order_by("start", "pk")
    )


def series_without_active_staff(
    team_ids, start: datetime.date, end: datetime.date
) -> QuerySet[ConsultationHour]:
    """The series of the (active) teams, valid at some point in the period, that no active
    member of their team staffs, with venue, municipality and team: one query."""
    active = User.objects.filter(
        is_active=True, consultation_hours=OuterRef("pk"), memberships__team=OuterRef("team")
    )
    return (
        ConsultationHour.objects.filter(
            team_id__in=list(team_ids), team__is_active=True, valid_from__lte=end
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .exclude(Exists(active))
        .select_related("venue", "municipality", "team")
        .order_by("team_id", "start_time", "pk")
    )


# --- The calendar --------------------------------------------------------------------------


@dataclass
class Cover:
    """A staff member of a series who is absent on one of its dates, and who stands in."""

    person: User
    stand_in: User | None


@dataclass
class CalendarDate:
    """One expected date of a series, with its active staff and their absences."""

    occurrence: Occurrence
    staff: list[User]
    covers: list[Cover] = field(default_factory=list)

    @property
    def series(self) -> ConsultationHour:
        return self.occurrence.series

    @property
    def unstaffed(self) -> bool:
        """No active staff member: nobody would come."""
        return not self.staff

    @property
    def uncovered(self) -> bool:
        """Every staff member is absent and nobody stands in."""
        return bool(self.staff) and all(
            any(c.person.pk == u.pk and c.stand_in is None for c in self.covers) for u in self.staff
        )


@dataclass
class CalendarDay:
    date: datetime.date
    holiday: str = ""
    dates: list[CalendarDate] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    absent: list[User] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.dates or self.activities or self.absent)


@dataclass
class TeamCalendar:
    team: Team
    period: str
    start: datetime.date
    end: datetime.date
    today: datetime.date
    days: list[CalendarDay]
    absences: list[Absence]
    series_without_staff: list[ConsultationHour]

    @property
    def not_logged(self) -> int:
        """Dates up to today that took place (no holiday, no closure) but are not logged."""
        return sum(
            1
            for day in self.days
            for item in day.dates
            if item.occurrence.state == "open" and day.date <= self.today
        )


def team_series(team: Team, start: datetime.date, end: datetime.date):
    """The team's series valid at some point in the period, with venue, municipality and their
    active staff (active users who are members of the team) as ``active_staff``."""
    staff = _by_name(User.objects.filter(is_active=True, memberships__team=team))
    return (
        ConsultationHour.objects.filter(team=team, valid_from__lte=end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .select_related("venue", "municipality", "team")
        .prefetch_related(Prefetch("staff", queryset=staff, to_attr="active_staff"))
    )


def team_activities(team: Team, series_ids, start: datetime.date, end: datetime.date):
    """The team's activities in the period and those logged for its series (a series date may
    have been logged by the team responsible that day), with their staff by name."""
    return (
        Activity.objects.filter(Q(team=team) | Q(consultation_hour__in=series_ids))
        .filter(date__range=(start, end))
        .select_related("municipality", "body", "project", "venue", "updated_by")
        .prefetch_related(Prefetch("staff", queryset=_by_name(User.objects.all())))
        .order_by("date", "start_time", "pk")
    )


def team_calendar(
    team: Team, period: str, day: datetime.date, *, today: datetime.date
) -> TeamCalendar:
    """The team's week or month around ``day``: each day with the expected series dates (who
    staffs them, who is absent and who stands in), the other activities and who is absent.

    Seven queries, whatever the number of series, dates, activities and absences."""
    start, end = period_bounds(period, day)
    series = list(team_series(team, start, end))
    activities = list(team_activities(team, [s.pk for s in series], start, end))
    absences = team_absences([team.pk], start, end)
    by_series_date = {
        (a.consultation_hour_id, a.date): a for a in activities if a.consultation_hour_id
    }
    days = {
        start + datetime.timedelta(n): CalendarDay(start + datetime.timedelta(n))
        for n in range((end - start).days + 1)
    }
    for item in occurrences(series, start, end, with_activities=False):
        item.activity = by_series_date.pop((item.series.pk, item.date), None)
        entry = CalendarDate(item, list(item.series.active_staff))
        entry.covers = _covers(entry, absences)
        days[item.date].dates.append(entry)
    logged_for_dates = {a.pk for a in by_series_date.values()}
    for activity in activities:
        # Activities of a series date are shown with it; one of a date the series no longer
        # yields (its rule changed since) stays visible among the day's activities.
        if not activity.consultation_hour_id or activity.pk in logged_for_dates:
            days[activity.date].activities.append(activity)
    for absence in absences:
        for current in days.values():
            if absence.covers(current.date):
                current.absent.append(absence.user)
    for current in days.values():
        current.holiday = public_holiday(current.date)
    return TeamCalendar(
        team=team,
        period=period,
        start=start,
        end=end,
        today=today,
        days=list(days.values()),
        absences=absences,
        series_without_staff=[s for s in series if not s.active_staff],
    )


def _covers(entry: CalendarDate, absences: list[Absence]) -> list[Cover]:
    """The staff members of the date's series absent that day, each with their stand-in."""
    covers = []
    for absence in absences:
        if not absence.covers(entry.occurrence.date):
            continue
        if not any(user.pk == absence.user_id for user in entry.staff):
            continue
        stand_in = next(
            (s.stand_in for s in absence.stand_ins.all() if s.series_id == entry.series.pk),
            None,
        )
        covers.append(Cover(absence.user, stand_in))
    return covers
