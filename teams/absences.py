"""Absences of staff members and their stand-ins (issue 14, point 4).

A person records their own absence, the Teamleitung any absence in the team
(``teams.permissions.can_record_absence``). No reason is stored. For each consultation-hour
series the person staffs, a stand-in from the team's active staff may be named; the team
calendar (``teams.calendar``) shows who is away and who stands in.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from sozialraum.concurrency import EditConflict, save_versioned
from sozialraum.models import Team, User
from sozialraum.selectors import active_staff
from teams.models import Absence, AbsenceStandIn, ConsultationHour

OVERLAP_CONSTRAINT = "absence_no_overlap"


class AbsenceOverlap(Exception):  # noqa: N818 - a refusal, not a programming error
    """The person is already absent on a day of the period (the database said so)."""


def absence_series(
    person: User, team: Team, start: datetime.date, end: datetime.date | None = None
) -> QuerySet[ConsultationHour]:
    """The team's series the person staffs that are valid at some point from ``start`` (to
    ``end``), with their venue: the series that need a stand-in."""
    series = ConsultationHour.objects.filter(team=team, staff=person).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    if end is not None:
        series = series.filter(valid_from__lte=end)
    return series.select_related("venue").order_by("start_time", "pk")


def stand_in_candidates(team: Team, person: User) -> QuerySet[User]:
    """Who may stand in: the team's active staff except the absent person."""
    return active_staff([team.pk]).exclude(pk=person.pk)


def _is_overlap(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") == OVERLAP_CONSTRAINT


def absence_save(
    *,
    absence: Absence,
    stand_ins: dict[int, User | None],
    expected_version: int | None,
    user: User,
) -> Absence:
    """Create or update ``absence`` and set its stand-ins (series id → stand-in, ``None`` for
    none) in one transaction. Raises ``EditConflict`` when someone saved the absence since
    ``expected_version`` and ``AbsenceOverlap`` when the person is already absent then."""
    try:
        with transaction.atomic():
            save_versioned(absence, expected_version=expected_version, user=user)
            chosen = {pk: person for pk, person in stand_ins.items() if person is not None}
            absence.stand_ins.exclude(series_id__in=list(chosen)).delete()
            for series_id, person in chosen.items():
                AbsenceStandIn.objects.update_or_create(
                    absence=absence, series_id=series_id, defaults={"stand_in": person}
                )
    except IntegrityError as error:
        if absence._state.adding:
            absence.pk = None
        if _is_overlap(error):
            raise AbsenceOverlap from error
        raise
    return absence


def absence_delete(*, absence: Absence, expected_version: int | None) -> None:
    """Delete the absence (and its stand-ins) unless someone saved it since
    ``expected_version`` (then ``EditConflict``)."""
    with transaction.atomic():
        current = Absence.objects.select_for_update().get(pk=absence.pk)
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        current.delete()


def overlapping_absence(
    person: User, start: datetime.date, end: datetime.date, *, exclude_pk=None
) -> Absence | None:
    """An absence of the person that shares a day with the period, if any."""
    found = Absence.objects.filter(user=person, start__lte=end, end__gte=start)
    return found.exclude(pk=exclude_pk).order_by("start").first()
