"""Reads for the public consultation-hour finder and its iCal feeds (no login).

Only what a series marks as public leaves the office: venue, time, the public note, the team's
institutional contact and, where the series allows it, the names of its staff.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vRecur

from sozialraum.models import Municipality, Team, User
from sozialraum.text import GermanSortKey, german_sort_key, strip_control_characters
from teams.models import Activity, ConsultationHour
from teams.recurrence import describe, occurrences, series_dates

# The finder looks this far ahead for the next dates and shows this many dates that take place.
FINDER_DAYS = 120
NEXT_DATES = 3
# The feeds list the dates that fall away from the start of a series up to this far ahead.
FEED_DAYS_AHEAD = 365
TZID = "Europe/Berlin"
LOCAL = ZoneInfo(TZID)


def local_today() -> datetime.date:
    """Today in the office's time zone; tests replace it to pin the day."""
    return timezone.localdate()


def _public_filter(today: datetime.date) -> Q:
    return Q(is_public=True, team__is_active=True) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def public_series(
    *,
    today: datetime.date | None = None,
    municipality: Municipality | int | None = None,
    team: Team | int | None = None,
) -> QuerySet[ConsultationHour]:
    """The public series of active teams that are still valid today or later, with venue, team,
    municipality and active staff loaded (three queries however many series)."""
    today = today or local_today()
    queryset = ConsultationHour.objects.filter(_public_filter(today))
    if municipality is not None:
        queryset = queryset.filter(municipality=municipality)
    if team is not None:
        queryset = queryset.filter(team=team)
    staff = User.objects.filter(is_active=True).order_by(
        GermanSortKey("last_name"), GermanSortKey("first_name"), "pk"
    )
    return (
        queryset.select_related("venue", "team", "municipality")
        .prefetch_related(Prefetch("staff", queryset=staff))
        .order_by("pk")
    )


def public_municipalities(*, today: datetime.date | None = None) -> list[Municipality]:
    """The municipalities with at least one public series, in German alphabetical order."""
    today = today or local_today()
    with_series = ConsultationHour.objects.filter(_public_filter(today)).values("municipality")
    return list(Municipality.objects.filter(pk__in=with_series).order_by(GermanSortKey("name")))


def staff_names(series: ConsultationHour) -> list[str]:
    """The names the public may see: only with ``show_staff_names``, only full names (a user
    name is an internal login, never shown)."""
    if not series.show_staff_names:
        return []
    return [name for user in series.staff.all() if (name := user.get_full_name())]


def phone_uri(phone: str) -> str:
    """A ``tel:`` link for a phone number as typed ("07191 895-0" → "tel:071918950")."""
    digits = re.sub(r"[^\d+]", "", phone)
    return f"tel:{digits}" if digits else ""


# --- The finder ------------------------------------------------------------------------------


@dataclass
class PublicDate:
    """One date in the finder: it takes place, or it does not (with the reason)."""

    date: datetime.date
    takes_place: bool = True
    reason: str = ""


@dataclass
class PublicSeries:
    series: ConsultationHour
    recurrence: str
    dates: list[PublicDate]
    target_groups: list[str]
    staff_names: list[str]

    @property
    def team(self) -> Team:
        return self.series.team

    @property
    def venue(self):
        return self.series.venue

    @property
    def team_phone_uri(self) -> str:
        return phone_uri(self.series.team.phone)

    @property
    def next_date(self) -> datetime.date | None:
        return next((item.date for item in self.dates if item.takes_place), None)


@dataclass
class MunicipalityGroup:
    municipality: Municipality
    entries: list[PublicSeries] = field(default_factory=list)
    # Filled in by the view: the calendar feeds of the municipality and of its teams.
    feeds: list = field(default_factory=list)

    @property
    def teams(self) -> list[Team]:
        """The teams offering consultation hours here, each once, by name."""
        teams = {entry.team.pk: entry.team for entry in self.entries}
        return sorted(teams.values(), key=lambda team: german_sort_key(team.name))


@dataclass
class Finder:
    municipalities: list[Municipality]
    selected: Municipality | None
    groups: list[MunicipalityGroup]
    today: datetime.date


def upcoming_dates(series_occurrences, count: int = NEXT_DATES) -> list[PublicDate]:
    """The next ``count`` dates that take place, with the dates before them that do not (a
    public holiday, a closure, or logged as cancelled); a date logged as held takes place."""
    result = []
    taking_place = 0
    for occurrence in series_occurrences:
        if taking_place == count:
            break
        state = occurrence.state
        if state == Activity.Status.CANCELLED:
            # The internal reason (e.g. illness) is not for the public.
            result.append(PublicDate(occurrence.date, False, ""))
        elif state == "falls_away":
            result.append(PublicDate(occurrence.date, False, occurrence.falls_away))
        else:
            result.append(PublicDate(occurrence.date))
            taking_place += 1
    return result


def finder(*, municipality=None, today: datetime.date | None = None) -> Finder:
    """The public series grouped by municipality, optionally narrowed to one municipality (a
    pk; an unknown one shows all). Five queries whatever the number of series."""
    today = today or local_today()
    municipalities = public_municipalities(today=today)
    selected = next((m for m in municipalities if str(m.pk) == str(municipality)), None)
    series_list = list(public_series(today=today, municipality=selected))
    by_series = defaultdict(list)
    if series_list:
        horizon = today + datetime.timedelta(days=FINDER_DAYS)
        for occurrence in occurrences(series_list, today, horizon):
            by_series[occurrence.series.pk].append(occurrence)

    groups: dict[int, MunicipalityGroup] = {}
    for series in series_list:
        group = groups.setdefault(series.municipality_id, MunicipalityGroup(series.municipality))
        group.entries.append(
            PublicSeries(
                series=series,
                recurrence=describe(series.rrule),
                dates=upcoming_dates(by_series[series.pk]),
                target_groups=series.target_group_labels,
                staff_names=staff_names(series),
            )
        )
    for group in groups.values():
        group.entries.sort(
            key=lambda entry: (
                entry.next_date or datetime.date.max,
                entry.series.start_time,
                german_sort_key(entry.venue.name),
                entry.series.pk,
            )
        )
    ordered = sorted(groups.values(), key=lambda group: german_sort_key(group.municipality.name))
    return Finder(municipalities, selected, ordered, today)


# --- iCal feeds ------------------------------------------------------------------------------


@cache
def _local_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Berlin (built once; the component is only read afterwards)."""
    return Timezone.from_tzid(TZID)


def _local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=LOCAL)


def first_date(series: ConsultationHour) -> datetime.date | None:
    """The first date the rule yields on or after ``valid_from`` (within the validity)."""
    dates = series_dates(
        series, series.valid_from, series.valid_from + datetime.timedelta(days=FEED_DAYS_AHEAD)
    )
    return dates[0] if dates else None


def excluded_dates(series_list, *, today: datetime.date) -> dict[int, list[datetime.date]]:
    """Per series, the dates that do not take place from the start of the series up to a year
    ahead: public holidays and closures (unless logged as held) and dates logged as cancelled.
    Two queries whatever the number of series."""
    series_list = list(series_list)
    if not series_list:
        return {}
    start = min(series.valid_from for series in series_list)
    end = today + datetime.timedelta(days=FEED_DAYS_AHEAD)
    activities = Activity.objects.filter(
        consultation_hour__in=[series.pk for series in series_list], date__range=(start, end)
    ).values_list("consultation_hour_id", "date", "status")
    logged = {(series_pk, day): status for series_pk, day, status in activities}
    result = defaultdict(list)
    for occurrence in occurrences(series_list, start, end, with_activities=False):
        status = logged.get((occurrence.series.pk, occurrence.date))
        if status == Activity.Status.CANCELLED or (
            occurrence.falls_away and status != Activity.Status.HELD
        ):
            result[occurrence.series.pk].append(occurrence.date)
    return result


def _event_description(series: ConsultationHour) -> str:
    team = series.team
    lines = []
    if series.public_note:
        lines.append(series.public_note)
    if groups := series.target_group_labels:
        lines.append(_("For: %(groups)s") % {"groups": ", ".join(groups)})
    if names := staff_names(series):
        lines.append(_("With: %(names)s") % {"names": ", ".join(names)})
    if lines:
        lines.append("")
    lines.append(_("Contact: Sozialraumteam %(team)s") % {"team": team.name})
    if team.address:
        lines.append(team.address)
    if team.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": team.phone})
    if team.email:
        lines.append(_("E-mail: %(email)s") % {"email": team.email})
    return "\n".join(lines)


def feed_text(value: str) -> str:
    """Text for the feed without control characters: the forms refuse them today, but rows
    saved before may hold them, and calendar programs choke on them. Line breaks become LF."""
    return strip_control_characters(value).replace("\r\n", "\n").replace("\r", "\n")


def series_location(series: ConsultationHour) -> str:
    """Where a series takes place, for a calendar: venue, its address, the room."""
    venue = series.venue
    return feed_text(
        ", ".join(part for part in (venue.name, venue.address, series.location) if part)
    )


def series_event(
    series: ConsultationHour, exdates: list[datetime.date], *, stamp: datetime.datetime
) -> Event | None:
    """One VEVENT for a series: its first date, the RRULE with UNTIL, the excluded dates.
    None for a series whose rule yields no date at all."""
    first = first_date(series)
    if first is None:
        return None
    venue = series.venue
    event = Event.new(
        uid=f"consultationhour-{series.pk}@sozialraum",
        summary=feed_text(
            _("Consultation hour Sozialraumteam %(team)s – %(venue)s")
            % {"team": series.team.name, "venue": venue.name}
        ),
        start=_local(first, series.start_time),
        end=_local(first, series.end_time),
        location=series_location(series),
        description=feed_text(_event_description(series)),
        stamp=stamp,
        last_modified=series.updated_at,
    )
    add_recurrence(event, series, exdates)
    return event


def add_recurrence(event: Event, series: ConsultationHour, exdates) -> None:
    """The series' rule (UNTIL from its last date) and the dates that fall away (EXDATE)."""
    rule = vRecur.from_ical(series.rrule)
    if series.valid_until:
        # With a DTSTART in a time zone, RFC 5545 wants UNTIL in UTC.
        until = _local(series.valid_until, datetime.time(23, 59, 59))
        rule["UNTIL"] = [until.astimezone(datetime.UTC)]
    event.add("RRULE", rule)
    if exdates:
        event.add("EXDATE", [_local(day, series.start_time) for day in sorted(exdates)])


def calendar(series_list, *, name: str, uid: str, today: datetime.date | None = None) -> Calendar:
    """A VCALENDAR with one VEVENT per series and the VTIMEZONE of Europe/Berlin (always
    there, so an empty calendar is still a valid one)."""
    today = today or local_today()
    series_list = list(series_list)
    result = Calendar.new(
        prodid="-//Sozialraum//Sprechstunden//DE",
        name=feed_text(name),
        uid=uid,
        refresh_interval=datetime.timedelta(hours=12),
    )
    result.add("X-PUBLISHED-TTL", "PT12H")  # Outlook's name for REFRESH-INTERVAL
    result.add_component(_local_timezone())
    exdates = excluded_dates(series_list, today=today)
    stamp = timezone.now()
    for series in series_list:
        event = series_event(series, exdates.get(series.pk, []), stamp=stamp)
        if event is not None:
            result.add_component(event)
    return result


def municipality_calendar(municipality: Municipality, *, today=None) -> Calendar:
    return calendar(
        public_series(today=today, municipality=municipality),
        name=_("Consultation hours in %(municipality)s") % {"municipality": municipality.name},
        uid=f"consultation-hours-municipality-{municipality.pk}@sozialraum",
        today=today,
    )


def team_calendar(team: Team, *, today=None) -> Calendar:
    return calendar(
        public_series(today=today, team=team),
        name=_("Consultation hours of Sozialraumteam %(team)s") % {"team": team.name},
        uid=f"consultation-hours-team-{team.pk}@sozialraum",
        today=today,
    )
