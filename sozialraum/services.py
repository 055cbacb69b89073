"""Writes to the social-space structure that follow rules."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sozialraum.models import Assignment, Municipality, Team


def assignment_reassign_check(
    *, municipality: Municipality, team: Team, effective: datetime.date
) -> Assignment | None:
    """Check that ``team`` may take over ``municipality`` from ``effective`` on; return the
    assignment running on that date (it would end the day before), or None.

    Raises ``ValidationError`` (keyed by form field) when the change breaks a rule.
    """
    if not team.is_active:
        _refuse(
            "team", _("The team “%(team)s” is inactive.") % {"team": team.name}, "inactive_team"
        )
    latest = municipality.assignments.select_related("team").order_by("-valid_from").first()
    if latest is None:
        return None
    _check_can_follow(latest, team, effective)
    return latest if latest.covers(effective) else None


def assignment_reassign(
    *, municipality: Municipality, team: Team, effective: datetime.date
) -> Assignment:
    """Make ``team`` responsible for ``municipality`` from ``effective`` on.

    The assignment running on that date ends the day before; the new one starts on ``effective``
    with an open end. One transaction: either both rows change or neither does. Raises
    ``ValidationError`` (keyed by form field) when the change breaks a rule.
    """
    with transaction.atomic():
        # Serialise concurrent reassignments of the same municipality.
        Municipality.objects.select_for_update().get(pk=municipality.pk)
        previous = assignment_reassign_check(
            municipality=municipality, team=team, effective=effective
        )
        return assignment_replace(
            previous=previous, municipality=municipality, team=team, effective=effective
        )


def assignment_replace(
    *,
    previous: Assignment | None,
    municipality: Municipality,
    team: Team,
    effective: datetime.date,
) -> Assignment:
    """The writes of a reassignment already checked by ``assignment_reassign_check`` (which
    returned ``previous``), inside the caller's transaction and lock."""
    if previous is not None:
        previous.valid_until = effective - datetime.timedelta(days=1)
        previous.save(update_fields=["valid_until"])
    new = Assignment(municipality=municipality, team=team, valid_from=effective)
    new.full_clean()
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError as error:  # a concurrent writer got there first
        raise ValidationError(
            _("This municipality already has a responsible team in this period.")
        ) from error
    return new


def _refuse(field: str, message: str, code: str):
    raise ValidationError({field: ValidationError(message, code=code)})


def _check_can_follow(latest: Assignment, team: Team, effective: datetime.date) -> None:
    """The new assignment must start after the latest one and change the team."""
    if latest.team_id == team.pk and latest.covers(effective):
        _refuse(
            "team",
            _("“%(team)s” is already responsible for this municipality on that date.")
            % {"team": team.name},
            "same_team",
        )
    if effective <= latest.valid_from:
        _refuse(
            "effective",
            _(
                "The effective date must be after %(date)s, the start of the latest "
                "assignment (to “%(team)s”)."
            )
            % {"date": date_format(latest.valid_from), "team": latest.team.name},
            "before_current_start",
        )
