"""The personal calendar feed (Kalender-Abo): a staff member's own dates for Outlook or a phone.

What it holds: the consultation-hour series the user staffs in a current team (one recurring
event each, with the dates that fall away or were cancelled excluded, computed like the public
feed), the dates the user stands in for during a colleague's absence, the Gremium meetings the
user attended or will attend (logged activities with a body and the user among the staff), and
the absences in the user's teams (who is away, never why).

What it never holds: anything about clients, the note of an activity, the reason a date was
cancelled (a cancelled meeting says "cancelled", nothing more), the public note, or the dates of
series the user does not staff. The reads take the user and nothing else; a constant number of
queries whatever the number of series, meetings or absences.
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from icalendar import Calendar, Event

from sozialraum.models import User
from teams.calendar import team_absences
from teams.models import AbsenceStandIn, Activity, ConsultationHour
from teams.public import (
    FEED_DAYS_AHEAD,
    _local,
    _local_timezone,
    add_recurrence,
    excluded_dates,
    feed_text,
    first_date,
    local_today,
    series_location,
)
from teams.recurrence import occurrences
from teams.selectors import current_team_ids

# The feed reaches this far back (recent meetings and absences stay visible for a while).
FEED_DAYS_BACK = 90
# A meeting logged without an end time is shown as lasting this long.
MEETING_LENGTH = datetime.timedelta(hours=1)


def feed_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return (
        today - datetime.timedelta(days=FEED_DAYS_BACK),
        today + datetime.timedelta(days=FEED_DAYS_AHEAD),
    )


def staffed_series(user: User, today: datetime.date):
    """The series the user staffs in a current, active team that run in the feed's window."""
    start, end = feed_window(today)
    return (
        ConsultationHour.objects.filter(
            staff=user,
            team__in=current_team_ids(user),
            team__is_active=True,
            valid_from__lte=end,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .select_related("venue", "team", "municipality")
        .order_by("pk")
    )


def gremium_meetings(user: User, today: datetime.date):
    """The meetings of a Gremium (activities with a body) the user is among the staff of."""
    start, end = feed_window(today)
    return (
        Activity.objects.filter(staff=user, body__isnull=False, date__range=(start, end))
        .select_related("body", "municipality")
        .only(
            "pk",
            "kind",
            "date",
            "start_time",
            "end_time",
            "status",
            "updated_at",
            "body__name",
            "municipality__name",
        )
        .order_by("date", "pk")
    )


def stand_ins_of(user: User, today: datetime.date) -> list[AbsenceStandIn]:
    """The series the user stands in for during a colleague's absence, in the feed's window."""
    start, end = feed_window(today)
    return list(
        AbsenceStandIn.objects.filter(
            stand_in=user, absence__start__lte=end, absence__end__gte=start
        )
        .select_related("absence", "series__venue", "series__municipality")
        .order_by("absence__start", "pk")
    )


def stand_in_dates(stand_ins: list[AbsenceStandIn], today: datetime.date) -> list:
    """(stand-in, occurrence) for each date of the series during the absence that takes place
    (no holiday, closure or cancelled date). Two queries, none without stand-ins."""
    if not stand_ins:
        return []
    start, end = feed_window(today)
    start = max(start, min(s.absence.start for s in stand_ins))
    end = min(end, max(s.absence.end for s in stand_ins))
    if start > end:
        return []
    series = {s.series.pk: s.series for s in stand_ins}
    dates = occurrences(list(series.values()), start, end)
    return [
        (stand_in, occurrence)
        for stand_in in stand_ins
        for occurrence in dates
        if occurrence.series.pk == stand_in.series_id
        and stand_in.absence.start <= occurrence.date <= stand_in.absence.end
        and occurrence.state in ("open", Activity.Status.HELD)
    ]


def stand_in_event(stand_in: AbsenceStandIn, occurrence, *, stamp) -> Event:
    """One date the user stands in for: a single event, not a rule."""
    series = occurrence.series
    venue = series.venue
    return Event.new(
        uid=f"stand-in-{stand_in.pk}-{occurrence.date:%Y%m%d}@sozialraum",
        summary=feed_text(
            _("Standing in: consultation hour %(venue)s (%(municipality)s)")
            % {"venue": venue.name, "municipality": series.municipality.name}
        ),
        start=_local(occurrence.date, series.start_time),
        end=_local(occurrence.date, series.end_time),
        location=series_location(series),
        stamp=stamp,
    )


def series_event(series: ConsultationHour, exdates, *, stamp, link: str) -> Event | None:
    """One recurring VEVENT for a staffed series: the rule with UNTIL, the excluded dates."""
    first = first_date(series)
    if first is None:
        return None
    venue = series.venue
    event = Event.new(
        uid=f"staff-consultationhour-{series.pk}@sozialraum",
        summary=feed_text(
            _("Consultation hour %(venue)s (%(municipality)s)")
            % {"venue": venue.name, "municipality": series.municipality.name}
        ),
        start=_local(first, series.start_time),
        end=_local(first, series.end_time),
        location=series_location(series),
        description=feed_text(
            _("Sozialraumteam %(team)s. Log the dates in “My week”: %(link)s")
            % {"team": series.team.name, "link": link}
        ),
        stamp=stamp,
        last_modified=series.updated_at,
    )
    add_recurrence(event, series, exdates)
    return event


def meeting_event(activity: Activity, *, stamp) -> Event:
    """A Gremium meeting: timed when a start time is logged, else all day. A cancelled one says
    so in its title and status, and nothing about why."""
    summary = f"{activity.get_kind_display()}: {activity.body.name}"
    cancelled = activity.status == Activity.Status.CANCELLED
    if cancelled:
        summary = f"{pgettext('calendar event', 'cancelled')}: {summary}"
    if activity.start_time:
        start = _local(activity.date, activity.start_time)
        end = (
            _local(activity.date, activity.end_time)
            if activity.end_time
            else start + MEETING_LENGTH
        )
    else:
        start, end = activity.date, activity.date + datetime.timedelta(days=1)
    return Event.new(
        uid=f"activity-{activity.pk}@sozialraum",
        summary=feed_text(summary),
        start=start,
        end=end,
        location=feed_text(activity.municipality.name),
        status="CANCELLED" if cancelled else "CONFIRMED",
        stamp=stamp,
        last_modified=activity.updated_at,
    )


def absence_event(absence, *, stamp) -> Event:
    """A colleague's (or the user's own) absence, all day from the first to the last day."""
    return Event.new(
        uid=f"absence-{absence.pk}@sozialraum",
        summary=feed_text(_("Absent: %(person)s") % {"person": absence.user}),
        start=absence.start,
        end=absence.end + datetime.timedelta(days=1),
        transparency="TRANSPARENT",
        stamp=stamp,
        last_modified=absence.updated_at,
    )


def team_absences_of(user: User, today: datetime.date) -> list:
    """The absences in the user's current teams that touch the feed's window."""
    start, end = feed_window(today)
    team_ids = list(current_team_ids(user).values_list("team", flat=True))
    if not team_ids:
        return []
    return team_absences(team_ids, start, end)


def personal_calendar(user: User, *, link: str, today: datetime.date | None = None) -> Calendar:
    """The user's own dates as a VCALENDAR (with the VTIMEZONE of Europe/Berlin, so that an
    empty calendar is still a valid one). ``link`` is the address of "My week"."""
    today = today or local_today()
    result = Calendar.new(
        prodid="-//Sozialraum//Mein Kalender//DE",
        name=feed_text(_("Sozialraum: my dates")),
        uid=f"personal-{user.pk}@sozialraum",
        refresh_interval=datetime.timedelta(hours=1),
    )
    result.add("X-PUBLISHED-TTL", "PT1H")  # Outlook's name for REFRESH-INTERVAL
    result.add_component(_local_timezone())
    stamp = timezone.now()
    series_list = list(staffed_series(user, today))
    exdates = excluded_dates(series_list, today=today)
    for series in series_list:
        event = series_event(series, exdates.get(series.pk, []), stamp=stamp, link=link)
        if event is not None:
            result.add_component(event)
    for stand_in, occurrence in stand_in_dates(stand_ins_of(user, today), today):
        result.add_component(stand_in_event(stand_in, occurrence, stamp=stamp))
    for activity in gremium_meetings(user, today):
        result.add_component(meeting_event(activity, stamp=stamp))
    for absence in team_absences_of(user, today):
        result.add_component(absence_event(absence, stamp=stamp))
    return result
