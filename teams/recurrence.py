"""Consultation-hour recurrence: the three patterns the form offers, stored as an RFC 5545
RRULE and expanded with python-dateutil; dates fall away on Baden-Württemberg public holidays
and in closure periods that close the venue's kind."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from dateutil.rrule import rrulestr
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teams.models import Activity, ClosurePeriod, ConsultationHour

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# The state (Land) whose public holidays cancel consultation hours; districts of other states
# change it here.
HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION = "DE", "BW"


class Pattern(models.TextChoices):
    WEEKLY = "weekly", gettext_lazy("weekly")
    EVERY_N_WEEKS = "every_n_weeks", gettext_lazy("every n weeks")
    MONTHLY = "monthly", gettext_lazy("n-th weekday of the month")


def build_rrule(*, pattern: str, weekday: int, interval: int = 1, nth: int = 1) -> str:
    """The RRULE (without DTSTART and UNTIL, which come from the series' validity)."""
    day = WEEKDAY_CODES[weekday]
    if pattern == Pattern.MONTHLY:
        return f"FREQ=MONTHLY;BYDAY={nth:+d}{day}"
    if pattern == Pattern.EVERY_N_WEEKS and interval > 1:
        return f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={day}"
    return f"FREQ=WEEKLY;BYDAY={day}"


def parse_rrule(rule: str) -> dict:
    """The form's fields for a stored RRULE: pattern, weekday, interval, nth."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    byday = parts.get("BYDAY", "MO")
    day, number = byday[-2:], byday[:-2]
    result = {
        "weekday": WEEKDAY_CODES.index(day),
        "interval": int(parts.get("INTERVAL", 1)),
        "nth": 1,
    }
    if parts.get("FREQ") == "MONTHLY":
        result.update(pattern=Pattern.MONTHLY, nth=int(number or 1))
    elif result["interval"] > 1:
        result["pattern"] = Pattern.EVERY_N_WEEKS
    else:
        result["pattern"] = Pattern.WEEKLY
    return result


def describe(rule: str) -> str:
    """The recurrence in words, e.g. "weekly on Tuesdays", "on the 2nd Tuesday of the month"."""
    from django.contrib.humanize.templatetags.humanize import ordinal
    from django.utils.dates import WEEKDAYS

    fields = parse_rrule(rule)
    day = WEEKDAYS[fields["weekday"]]
    if fields["pattern"] == Pattern.MONTHLY:
        if fields["nth"] == -1:
            return _("on the last %(day)s of the month") % {"day": day}
        # "3rd" in English, "3." in German (Django's humanize catalogue).
        nth = ordinal(fields["nth"])
        return _("on the %(nth)s %(day)s of the month") % {"nth": nth, "day": day}
    if fields["pattern"] == Pattern.EVERY_N_WEEKS:
        return _("every %(n)s weeks on %(day)s") % {"n": fields["interval"], "day": day}
    return _("every %(day)s") % {"day": day}


def series_dates(series: ConsultationHour, start: datetime.date, end: datetime.date) -> list:
    """The dates the rule yields between start and end (inclusive), within the validity."""
    first = max(start, series.valid_from)
    last = min(end, series.valid_until) if series.valid_until else end
    if first > last:
        return []
    return list(_rule_dates(series.rrule, series.valid_from, first, last))


@lru_cache(maxsize=4096)
def _rule_dates(
    rrule: str, valid_from: datetime.date, first: datetime.date, last: datetime.date
) -> tuple[datetime.date, ...]:
    """The rule's dates from first to last (a pure function of its arguments, so kept: every
    dashboard, week and calendar view expands the same series over the same periods)."""
    dtstart = datetime.datetime.combine(valid_from, datetime.time())
    found = rrulestr(rrule, dtstart=dtstart).between(
        datetime.datetime.combine(first, datetime.time()),
        datetime.datetime.combine(last, datetime.time()),
        inc=True,
    )
    return tuple(moment.date() for moment in found)


@lru_cache(maxsize=32)
def _holidays_of(year: int, language: str) -> dict:
    return dict(
        holidays.country_holidays(
            HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year, language=language
        )
    )


def public_holiday(day: datetime.date) -> str:
    """The name of the public holiday on that day (in the current language), or ''."""
    language = "en_US" if (translation.get_language() or "de").startswith("en") else "de"
    return _holidays_of(day.year, language).get(day, "")


def closures_between(start: datetime.date, end: datetime.date) -> list[ClosurePeriod]:
    return list(ClosurePeriod.objects.filter(start__lte=end, end__gte=start))


def falls_away(day: datetime.date, venue_kind: str, closures: list[ClosurePeriod]) -> str:
    """Why a date falls away (holiday or closure name), or '' when it takes place."""
    holiday = public_holiday(day)
    if holiday:
        return holiday
    for closure in closures:
        if closure.start <= day <= closure.end and closure.closes(venue_kind):
            return closure.name
    return ""


@dataclass
class Occurrence:
    """One expected date of a series, with why it falls away or the activity logged for it."""

    series: ConsultationHour
    date: datetime.date
    falls_away: str = ""
    activity: Activity | None = None
    notice: str = ""  # e.g. who logged it first, when a second person tried

    @property
    def state(self) -> str:
        if self.activity is not None:
            return self.activity.status
        return "falls_away" if self.falls_away else "open"

    @property
    def key(self) -> str:
        return f"{self.series.pk}-{self.date:%Y%m%d}"


def occurrences(
    series_list, start: datetime.date, end: datetime.date, *, with_activities: bool = True
) -> list[Occurrence]:
    """Every expected date of the series between start and end, in date and time order.

    Series need ``venue`` loaded. Two queries in all (closures, activities), whatever the
    number of series or dates.
    """
    series_list = list(series_list)
    closures = closures_between(start, end)
    result = [
        Occurrence(series, day, falls_away(day, series.venue.kind, closures))
        for series in series_list
        for day in series_dates(series, start, end)
    ]
    if with_activities and result:
        logged = Activity.objects.filter(
            consultation_hour__in=[s.pk for s in series_list], date__range=(start, end)
        ).select_related("updated_by")
        by_key = {(a.consultation_hour_id, a.date): a for a in logged}
        for occurrence in result:
            occurrence.activity = by_key.get((occurrence.series.pk, occurrence.date))
    result.sort(key=lambda o: (o.date, o.series.start_time, o.series.pk))
    return result
