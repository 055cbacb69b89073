"""The teams' reminders by e-mail (registered in ``TeamsConfig.ready`` with
``sozialraum.reminders``).

Each reads what the start page shows (``teams.home``, ``kooperation.home``), so a reminder never
says more than the page its link opens: to staff, their dates not logged yet and their next
steps due; to the Teamleitung, the team's series nobody staffs; to heads, months to sign off
and overdue next steps, and once a month the dashboard's key figures of the month before —
for teams, Mittelbereiche or the district, never per person. Mails carry dates, places and
counts only, never client data.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kooperation.home import own_steps_due
from kooperation.selectors import open_next_steps
from sozialraum import reminders
from sozialraum.mail import absolute_url
from sozialraum.models import MiddleArea, User
from sozialraum.permissions import Role, is_head, scope_of
from sozialraum.reminders import MONTHLY, WEEKLY, Reminder, ReminderKind
from teams import dashboard, reviews
from teams.calendar import series_without_active_staff
from teams.home import UnstaffedSeries, is_staff, open_dates
from teams.months import add_months, month_end, month_of
from teams.recurrence import describe

# A reminder lists this many entries and links to the page for the rest.
MAIL_ROWS = 20
# The digest's tables (keys of teams.dashboard's tables): counts by kind, contact group and venue.
DIGEST_TABLES = ("by_kind", "consultations", "contacts")


def is_team_lead(user: User) -> bool:
    return bool(scope_of(user).lead_team_ids)


# --- Staff: dates not logged and next steps due ------------------------------------------------


def staff_weekly(user: User, today: datetime.date) -> Reminder | None:
    """The dates up to yesterday not logged yet and the own next steps due within a week."""
    dates = open_dates(user, today - datetime.timedelta(days=1))
    steps = list(own_steps_due(user, today)[: MAIL_ROWS + 1])
    if not dates and not steps:
        return None
    return Reminder(
        "staff_weekly",
        {
            "dates": dates[:MAIL_ROWS],
            "more_dates": len(dates) > MAIL_ROWS,
            "steps": steps[:MAIL_ROWS],
            "more_steps": len(steps) > MAIL_ROWS,
            "today": today,
            "my_week_url": absolute_url(reverse("teams:my_week")),
            "next_steps_url": absolute_url(reverse("kooperation:next_steps")),
        },
    )


# --- Teamleitung: series without active staff -------------------------------------------------


def team_unstaffed(user: User, today: datetime.date) -> Reminder | None:
    """The running and coming series of the teams the user leads that no active member staffs."""
    found = series_without_active_staff(scope_of(user).lead_team_ids, today, datetime.date.max)
    rows = [UnstaffedSeries(series, describe(series.rrule)) for series in found[: MAIL_ROWS + 1]]
    if not rows:
        return None
    return Reminder(
        "team_unstaffed",
        {
            "rows": rows[:MAIL_ROWS],
            "more": len(rows) > MAIL_ROWS,
            "series_url": absolute_url(reverse("teams:consultationhour_list")),
        },
    )


# --- Heads: months to sign off, overdue next steps, the monthly digest -----------------------


def head_weekly(user: User, today: datetime.date) -> Reminder | None:
    """The finished months not signed off and the overdue next steps in the head's area."""
    months = [
        row
        for row in reviews.overview(user, reviews.overview_months(today), today)
        if row.open_months
    ]
    overdue = open_next_steps(user, on=today).filter(next_step_due__lt=today)
    steps = list(overdue[: MAIL_ROWS + 1])
    if not months and not steps:
        return None
    return Reminder(
        "head_weekly",
        {
            "months": months,
            "steps": steps[:MAIL_ROWS],
            "more_steps": len(steps) > MAIL_ROWS,
            "review_url": absolute_url(reverse("teams:review_list")),
            "next_steps_url": absolute_url(reverse("kooperation:next_steps")),
        },
    )


def head_scopes(user: User) -> list[dashboard.Scope]:
    """What a head's figures cover: the district for Amtsleitung, else each headed
    Mittelbereich."""
    scope = scope_of(user)
    if Role.AMTSLEITUNG in scope.roles:
        return [dashboard.Scope("district", None, _("whole district"))]
    return [
        dashboard.Scope("middle_area", area.pk, _("Mittelbereich %(name)s") % {"name": area.name})
        for area in MiddleArea.objects.filter(pk__in=scope.headed_area_ids).order_by("name")
    ]


@dataclass
class DigestPart:
    """The key figures of one scope: the dashboard's tables and facts, without persons."""

    scope: dashboard.Scope
    tables: list
    meetings: int
    helps: int
    projects: int
    gaps: list


def digest_parts(user: User, first: datetime.date, last: datetime.date, today: datetime.date):
    parts = []
    for scope in head_scopes(user):
        tables, facts = dashboard.dashboard(user, scope, first, last, today)
        parts.append(
            DigestPart(
                scope=scope,
                tables=[table for table in tables if table.key in DIGEST_TABLES],
                meetings=facts["meetings"],
                helps=facts["helps"],
                projects=facts["projects"],
                gaps=[municipality.name for municipality in facts["gaps"]],
            )
        )
    return parts


def head_digest(user: User, today: datetime.date) -> Reminder | None:
    """The month before ``today`` in the dashboard's figures, for each of the head's scopes."""
    first = add_months(month_of(today), -1)
    parts = digest_parts(user, first, month_end(first), today)
    if not parts:
        return None
    query = f"?period=month&day={first:%Y-%m-%d}"
    return Reminder(
        "head_digest",
        {
            "month": first,
            "parts": parts,
            "dashboard_url": absolute_url(reverse("teams:dashboard") + query),
        },
    )


KINDS = [
    ReminderKind(
        key="staff_weekly",
        label=gettext_lazy("Weekly note of your open dates and next steps"),
        description=gettext_lazy(
            "On Mondays: the dates of your consultation hours not logged yet and your next "
            "steps that are due."
        ),
        cadence=WEEKLY,
        audience=is_staff,
        compose=staff_weekly,
        order=10,
    ),
    ReminderKind(
        key="team_unstaffed",
        label=gettext_lazy("Consultation hours without staff"),
        description=gettext_lazy(
            "On Mondays, for the teams you lead: consultation-hour series that no active "
            "member of the team staffs."
        ),
        cadence=WEEKLY,
        audience=is_team_lead,
        compose=team_unstaffed,
        order=20,
    ),
    ReminderKind(
        key="head_weekly",
        label=gettext_lazy("Months to sign off and overdue next steps"),
        description=gettext_lazy(
            "On Mondays: the finished months not signed off yet and the overdue next steps in "
            "your area."
        ),
        cadence=WEEKLY,
        audience=is_head,
        compose=head_weekly,
        order=30,
    ),
    ReminderKind(
        key="head_digest",
        label=gettext_lazy("Monthly key figures"),
        description=gettext_lazy(
            "On the first of the month: the key figures of the month before for your area, "
            "as on the dashboard."
        ),
        cadence=MONTHLY,
        audience=is_head,
        compose=head_digest,
        order=40,
    ),
]


def register_reminders() -> None:
    for kind in KINDS:
        reminders.register(kind)
