"""Rules for logging activities, shared by the full form and the inline form of "Meine Woche"."""

import datetime
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sozialraum.concurrency import save_versioned
from sozialraum.models import Municipality, Team, User
from sozialraum.selectors import team_responsible_for
from teams.models import Activity
from teams.permissions import is_month_locked, locked_message
from teams.recurrence import Occurrence


def activity_errors(data: dict) -> dict[str, str]:
    """Field → message for every rule the data breaks (an empty dict when all is well).

    ``data`` holds the cleaned values of an activity form; missing keys are not checked.
    """
    errors = {}
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and end <= start:
        errors["end_time"] = _("The end must be after the start.")
    day = data.get("date")
    held = data.get("status") == Activity.Status.HELD
    if day and held and day > timezone.localdate() + datetime.timedelta(days=1):
        errors["date"] = _("A held activity cannot lie more than one day in the future.")
    if data.get("status") == Activity.Status.CANCELLED:
        if not data.get("cancel_reason"):
            errors["cancel_reason"] = _("Please give the reason for cancelling.")
        counted = [name for name in (*Activity.COUNT_FIELDS, "helps_initiated") if data.get(name)]
        if counted:
            errors[counted[0]] = _("A cancelled activity has no contacts.")
    team, municipality = data.get("team"), data.get("municipality")
    if day and team and is_month_locked(team.pk, day):
        errors["date"] = locked_message(day)
    confirmed = data.get("confirm_outside_area")
    if day and team and municipality and not confirmed and not serves(team, municipality, day):
        errors["confirm_outside_area"] = _(
            "%(municipality)s is not in the area of the team %(team)s on this date. Confirm "
            "that the activity took place there."
        ) % {"municipality": municipality.name, "team": team.name}
    return errors


def serves(team: Team, municipality: Municipality, day: datetime.date) -> bool:
    responsible = team_responsible_for(municipality, on=day)
    return responsible is not None and responsible.pk == team.pk


def activity_from_occurrence(occurrence: Occurrence) -> Activity:
    """A new consultation-hour activity pre-filled from an expected date of a series."""
    series = occurrence.series
    return Activity(
        kind=Activity.Kind.CONSULTATION,
        date=occurrence.date,
        start_time=series.start_time,
        end_time=series.end_time,
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
    )


class AlreadyLogged(Exception):  # noqa: N818 - a refusal, not a programming error
    """Someone else logged this date of the series first; ``activity`` is their record."""

    def __init__(self, activity: Activity):
        super().__init__(f"consultation hour {activity.consultation_hour_id} on {activity.date}")
        self.activity = activity


def logged_activity(series_id, day: datetime.date, *, exclude_pk=None) -> Activity | None:
    """The activity already logged for this date of the series (with who logged it)."""
    found = Activity.objects.filter(consultation_hour=series_id, date=day).exclude(pk=exclude_pk)
    return found.select_related("created_by").first()


@contextmanager
def refusing_double_logging(series, day):
    """A transaction in which an activity for a date of ``series`` is saved. Two people who
    log the same date at the same moment both pass the form's check; the database's unique
    constraint stops the second, whose error becomes ``AlreadyLogged`` with the first's
    record."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        existing = logged_activity(series, day) if series and day else None
        if existing is None:
            raise
        raise AlreadyLogged(existing) from error


def activity_log_occurrence(*, occurrence: Occurrence, data: dict, user: User) -> Activity:
    """Log an expected date of a series as held or cancelled (the "Meine Woche" form)."""
    activity = activity_from_occurrence(occurrence)
    activity.status = data["status"]
    activity.cancel_reason = data.get("cancel_reason", "")
    activity.note = data.get("note", "")
    for name in (*Activity.COUNT_FIELDS, "helps_initiated"):
        setattr(activity, name, data.get(name) or 0)
    activity.outside_area_confirmed = not serves(
        activity.team, activity.municipality, activity.date
    )
    with refusing_double_logging(occurrence.series, occurrence.date):
        save_versioned(activity, expected_version=None, user=user)
        staff = list(occurrence.series.staff.all()) or [user]
        activity.staff.set(staff)
        activity.partners.set([occurrence.series.venue])
        activity.topics.set(data.get("topics") or [])
    return activity
