"""Rules for logging activities, shared by the full form and the inline form of "Meine Woche"."""

import datetime

from django.db import transaction
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
    with transaction.atomic():
        save_versioned(activity, expected_version=None, user=user)
        staff = list(occurrence.series.staff.all()) or [user]
        activity.staff.set(staff)
        activity.partners.set([occurrence.series.venue])
        activity.topics.set(data.get("topics") or [])
    return activity
