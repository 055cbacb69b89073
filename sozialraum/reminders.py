"""Reminders by e-mail: a registry of kinds, and the periodic jobs that send them.

The contents of most reminders live in apps that depend on this one (``teams``: dates not
logged, series without staff, months to sign off, the heads' digest). So that dependencies keep
pointing one way, those apps register their kinds here in ``AppConfig.ready``, as they register
the panels of the start page (``sozialraum.home_panels``). A kind says who it concerns, how often
it goes out and what it says to one user; each user can switch each kind off
(``sozialraum.accounts.notifications``).

A reminder goes out once per occasion (the week, the month, the finished job): its key (user,
kind, occasion) is unique in ``SentReminder`` and written in the same transaction that queues
the mail, so a job that runs twice, or again after a restart, queues nothing twice.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app

from sozialraum.jobs.models import Job, JobState
from sozialraum.mail import absolute_url, mail_queue, mail_render
from sozialraum.models import NotificationPreference, SentReminder, User

WEEKLY, MONTHLY, EVENT = "weekly", "monthly", "event"


@dataclass(frozen=True)
class Reminder:
    """What a kind has to say to one user: the mail template (``templates/mail/<name>.*``) and
    its context (never client data: the mails leave the office's systems)."""

    template: str
    context: dict


@dataclass(frozen=True)
class ReminderKind:
    """One kind of reminder, switchable per user.

    ``audience(user)`` says whom it concerns (they see its switch); ``compose(user, today)``
    returns the reminder, or None when there is nothing to say (no mail then). Kinds sent on an
    event (``EVENT``) have no ``compose``: the event sends them."""

    key: str
    label: str
    description: str
    cadence: str
    audience: Callable[[User], bool]
    compose: Callable[[User, datetime.date], Reminder | None] | None = None
    order: int = 100


_kinds: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> None:
    """Register a kind under its key (registering a key again replaces it)."""
    _kinds[kind.key] = kind


def kinds() -> list[ReminderKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.order)


def kinds_for(user: User) -> list[ReminderKind]:
    """The kinds that concern the user, in their order."""
    return [kind for kind in kinds() if kind.audience(user)]


def occasion_of(cadence: str, today: datetime.date) -> str:
    """The occasion a periodic reminder is sent for: the ISO week, or the month before."""
    if cadence == WEEKLY:
        year, week, _weekday = today.isocalendar()
        return f"{year}-W{week:02d}"
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last_month:%Y-%m}"


def recipients() -> QuerySet[User]:
    """Everyone who can receive mail: active accounts with an address (no placeholders)."""
    return User.objects.filter(is_active=True, is_pseudonym=False).exclude(email="").order_by("pk")


def switched_off(user_ids, key: str) -> set[int]:
    """Of ``user_ids``, those who switched the kind ``key`` off."""
    return set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=key, enabled=False
        ).values_list("user_id", flat=True)
    )


def reminder_queue(*, user: User, kind: str, occasion: str, reminder: Reminder) -> bool:
    """Record the reminder's key and queue its mail, in one transaction; False (nothing
    queued) when it was sent for this occasion already."""
    mail = mail_render(
        reminder.template, to=user.email, context={"recipient": user, **reminder.context}
    )
    try:
        with transaction.atomic():
            SentReminder.objects.create(user=user, kind=kind, occasion=occasion)
            mail_queue(mail)
    except IntegrityError:
        return False
    return True


def reminders_send(*, cadence: str, today: datetime.date) -> int:
    """Send the reminders of every kind of ``cadence`` that are due for ``today``; returns how
    many were queued."""
    users = list(recipients())
    occasion = occasion_of(cadence, today)
    queued = 0
    for kind in kinds():
        if kind.cadence != cadence or kind.compose is None:
            continue
        skip = switched_off([u.pk for u in users], kind.key) | set(
            SentReminder.objects.filter(kind=kind.key, occasion=occasion).values_list(
                "user_id", flat=True
            )
        )
        for user in users:
            if user.pk in skip or not kind.audience(user):
                continue
            reminder = kind.compose(user, today)
            if reminder is not None:
                queued += reminder_queue(
                    user=user, kind=kind.key, occasion=occasion, reminder=reminder
                )
    return queued


def day_of(timestamp: int) -> datetime.date:
    """The office's date at a periodic task's scheduled time."""
    return timezone.localtime(datetime.datetime.fromtimestamp(timestamp, datetime.UTC)).date()


# Monday morning (UTC) for the weekly notes, the first of the month for the digest.
@app.periodic(cron="0 5 * * 1", periodic_id="weekly_reminders")
@app.task(name="sozialraum.reminders.weekly", queueing_lock="weekly_reminders")
def send_weekly_reminders(timestamp: int) -> None:
    reminders_send(cadence=WEEKLY, today=day_of(timestamp))


@app.periodic(cron="0 5 1 * *", periodic_id="monthly_reminders")
@app.task(name="sozialraum.reminders.monthly", queueing_lock="monthly_reminders")
def send_monthly_reminders(timestamp: int) -> None:
    reminders_send(cadence=MONTHLY, today=day_of(timestamp))


# --- "Your export is ready" -------------------------------------------------------------------

EXPORT_READY = "export_ready"


def export_ready_notify(job_id: UUID) -> bool:
    """Tell the owner of a finished job with a file that it can be downloaded (once per job,
    unless they switched it off)."""
    job = (
        Job.objects.select_related("user")
        .defer("result", "params")
        .filter(pk=job_id, state=JobState.DONE, result__isnull=False)
        .first()
    )
    user = job.user if job else None
    if user is None or not user.is_active or not user.email:
        return False
    if switched_off([user.pk], EXPORT_READY):
        return False
    reminder = Reminder(
        "export_ready",
        {
            "title": job.title,
            "jobs_url": absolute_url(job.get_absolute_url()),
            "hours": settings.JOB_RESULT_HOURS,
        },
    )
    return reminder_queue(user=user, kind=EXPORT_READY, occasion=str(job.pk), reminder=reminder)


register(
    ReminderKind(
        key=EXPORT_READY,
        label=_("Your export is ready"),
        description=_("When a background job such as a large export has finished."),
        cadence=EVENT,
        audience=lambda user: True,
        order=90,
    )
)
