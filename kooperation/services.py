"""Writes to the cooperation network that follow rules."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kooperation.models import Cooperation, CooperationStatus, CooperationStep, Partner
from sozialraum.concurrency import save_versioned
from sozialraum.models import User

# How many of the records that block a deletion its message names.
BLOCKING_NAMED = 5


def partner_set_active(*, partner: Partner, active: bool, user: User) -> Partner:
    """Deactivate a partner (it stays with its history) or make it active again."""
    partner.is_active = active
    save_versioned(partner, expected_version=None, user=user)
    return partner


def partner_has_history(partner: Partner) -> bool:
    return (
        Cooperation.objects.filter(partner=partner).exists()
        or partner.bodies.exists()
        or partner.convened_bodies.exists()
    )


def partner_delete(*, partner: Partner) -> None:
    """Delete a partner entered by mistake; one with history can only be deactivated."""
    if partner_has_history(partner):
        raise ValidationError(
            _("This partner has a cooperation or belongs to a Gremium: deactivate it instead."),
            code="has_history",
        )
    try:
        partner.delete()
    except ProtectedError as error:
        raise ValidationError(
            _blocked_message(error.protected_objects), code="protected"
        ) from error


def _blocked_message(blocking) -> str:
    """Name what still refers to a partner (e.g. the consultation hours held there)."""
    blocking = list(blocking)
    names = ", ".join(f"{obj._meta.verbose_name} „{obj}“" for obj in blocking[:BLOCKING_NAMED])
    if len(blocking) > BLOCKING_NAMED:
        names += " " + _("and %(count)s more") % {"count": len(blocking) - BLOCKING_NAMED}
    return _(
        "This partner cannot be deleted because other records refer to it: %(names)s. "
        "Change those first, or deactivate the partner instead."
    ) % {"names": names}


@dataclass
class Step:
    """What a user records about a cooperation: a status (maybe unchanged) and what comes next."""

    status: str
    on: datetime.date
    note: str = ""
    agreement_date: datetime.date | None = None
    responsible: User | None = None
    next_step: str = ""
    next_step_due: datetime.date | None = None


def cooperation_record_step(
    *, partner: Partner, step: Step, user: User, expected_version: int | None = None
) -> Cooperation:
    """Record a step of the cooperation with ``partner``, creating the cooperation on the
    first step. A changed status is kept in the history with who recorded it."""
    with transaction.atomic():
        cooperation = Cooperation.objects.filter(partner=partner).first()
        previous = cooperation.status if cooperation else ""
        since = cooperation.since if cooperation else None
        _check_step(step, previous, since)
        if cooperation is None:
            cooperation = Cooperation(partner=partner)
        if step.status != previous:
            cooperation.since = step.on
        cooperation.status = step.status
        cooperation.agreement_date = step.agreement_date
        cooperation.responsible = step.responsible
        cooperation.next_step = step.next_step
        cooperation.next_step_due = step.next_step_due
        save_versioned(cooperation, expected_version=expected_version, user=user)
        if step.status != previous:
            CooperationStep.objects.create(
                cooperation=cooperation,
                status=step.status,
                previous_status=previous,
                on=step.on,
                note=step.note,
                recorded_by=user,
            )
    return cooperation


def _check_step(step: Step, previous: str, since: datetime.date | None) -> None:
    errors = {}
    if step.on > timezone.localdate():
        errors["on"] = _("The date of a step cannot lie in the future.")
    elif since and step.status != previous and step.on < since:
        errors["on"] = _(
            "The current status applies since %(date)s; a new step cannot be earlier."
        ) % {"date": date_format(since, "SHORT_DATE_FORMAT")}
    needs_agreement = step.status == CooperationStatus.AGREED
    if needs_agreement and not step.agreement_date:
        errors["agreement_date"] = _(
            "An agreed cooperation needs the date of the written agreement."
        )
    if step.agreement_date and step.agreement_date > timezone.localdate():
        errors["agreement_date"] = _("The agreement date cannot lie in the future.")
    if step.next_step_due and not step.next_step:
        errors["next_step"] = _("Describe the next step that is due on this date.")
    if step.status == CooperationStatus.ENDED and step.next_step:
        errors["next_step"] = _("An ended cooperation has no next step.")
    if errors:
        raise ValidationError(errors)
