"""The expected consultation dates of a team's month, as the sign-off sees them (issue 15, point 1).

A month cannot be signed off blind: the application knows every date a series should have
taken place (``teams.recurrence.occurrences``, the same expansion as the series page, the team
calendar and "Meine Woche"), so the month page lists them per series — held, cancelled, falling
away, not logged — and the overview counts the dates not logged per team and month. Both cost
a fixed number of queries, however many teams, series, months and dates.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from sozialraum.models import Team
from teams.models import Activity, ConsultationHour
from teams.months import month_end, month_of
from teams.recurrence import Occurrence, describe, occurrences
from teams.selectors import series_current

NOT_LOGGED = "open"  # the state of an occurrence that took place and has no activity


def team_series(team_ids, first: datetime.date, last: datetime.date) -> QuerySet:
    """The teams' series valid at some point from ``first`` to ``last``, by time of day."""
    queryset = ConsultationHour.objects.filter(team_id__in=list(team_ids))
    return series_current(queryset, first, last).order_by("start_time", "pk")


def is_not_logged(occurrence: Occurrence, on: datetime.date) -> bool:
    """The date has come (it is not in the future), takes place and nobody logged it."""
    return occurrence.state == NOT_LOGGED and occurrence.date <= on


def occurrence_label(occurrence: Occurrence) -> str:
    """A date in words, e.g. "Mi, 7.10.2026, 14:00 · Grundschule Backnang"."""
    return "{day}, {time} · {venue}".format(
        day=date_format(occurrence.date, _("D, n/j/Y")),
        time=time_format(occurrence.series.start_time, "TIME_FORMAT"),
        venue=occurrence.series.venue.name,
    )


def missing_record(occurrence: Occurrence) -> dict:
    """What the review keeps of a date confirmed as not logged (JSON)."""
    return {
        "key": occurrence.key,
        "series": occurrence.series.pk,
        "date": occurrence.date.isoformat(),
        "label": occurrence_label(occurrence),
    }


# --- One month --------------------------------------------------------------------------------


@dataclass
class SeriesMonth:
    """One series' expected dates in the month, with the counts by state."""

    series: ConsultationHour
    recurrence: str
    dates: list[Occurrence] = field(default_factory=list)
    on: datetime.date | None = None

    def of_state(self, state: str) -> list[Occurrence]:
        return [o for o in self.dates if o.state == state]

    @property
    def expected(self) -> list[Occurrence]:
        """The dates that take place (not on a holiday or in a closure)."""
        return [o for o in self.dates if o.state != "falls_away"]

    @property
    def held(self) -> list[Occurrence]:
        return self.of_state(Activity.Status.HELD)

    @property
    def cancelled(self) -> list[Occurrence]:
        return self.of_state(Activity.Status.CANCELLED)

    @property
    def falls_away(self) -> list[Occurrence]:
        return self.of_state("falls_away")

    @property
    def not_logged(self) -> list[Occurrence]:
        return [o for o in self.dates if is_not_logged(o, self.on)]

    @property
    def upcoming(self) -> list[Occurrence]:
        """Dates still to come (in a month not over yet)."""
        return [o for o in self.of_state(NOT_LOGGED) if o.date > self.on]


def month_series(team: Team, month: datetime.date, on: datetime.date) -> list[SeriesMonth]:
    """Per series of the team valid in the month, its dates with their state. Three queries
    (series, closures, activities)."""
    first, last = month, month_end(month)
    series = list(team_series([team.pk], first, last))
    by_series = {s.pk: SeriesMonth(s, describe(s.rrule), on=on) for s in series}
    for occurrence in occurrences(series, first, last):
        by_series[occurrence.series.pk].dates.append(occurrence)
    return [entry for entry in by_series.values() if entry.dates]


def not_logged_of(rows: list[SeriesMonth]) -> list[Occurrence]:
    """The dates not logged of a month's series, in date order."""
    found = [o for row in rows for o in row.not_logged]
    return sorted(found, key=lambda o: (o.date, o.series.start_time, o.series.pk))


def month_not_logged(team: Team, month: datetime.date, on: datetime.date) -> list[Occurrence]:
    """The team's dates of the month that took place and were not logged, in date order."""
    return not_logged_of(month_series(team, month, on))


# --- The overview -----------------------------------------------------------------------------


def not_logged_counts(
    team_ids, first: datetime.date, last: datetime.date, on: datetime.date
) -> Counter:
    """(team id, month) → the number of dates not logged, for the months ``first`` to ``last``
    (first days) up to ``on``. Three queries (series, closures, logged dates), however many
    teams, months and dates: the dates are expanded in Python, the activities only looked up."""
    end = min(month_end(last), on)
    counts = Counter()
    if end < first:
        return counts
    series = list(team_series(team_ids, first, end))
    expected = occurrences(series, first, end, with_activities=False)
    logged = set(
        # By team, not by the series' ids: the query runs (and counts) with or without series.
        Activity.objects.filter(
            consultation_hour__team__in=list(team_ids), date__range=(first, end)
        )
        .order_by()
        .values_list("consultation_hour_id", "date")
    )
    for occurrence in expected:
        if not occurrence.falls_away and (occurrence.series.pk, occurrence.date) not in logged:
            counts[(occurrence.series.team_id, month_of(occurrence.date))] += 1
    return counts
