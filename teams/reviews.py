"""The team-month review (Prüfung): a Fachbereichsleitung signs off a team's month.

Who: the heads of the team's Mittelbereich and Administration sign off and reopen; everyone who
reads the team (``teams_visible_to``: its staff, Amtsleitung, …) sees the state. A signed-off
month is locked for staff edits (``teams.permissions.is_month_locked``); reopening needs a
reason. Every change of a review row is kept by the audit trail (``TeamMonthReviewEvent``).

Selectors read the overview and a month in a constant number of queries and from the activity
summary, never by adding up activities: the cost of a page does not grow with the month's size.
The month page lists only its first ``MONTH_ROWS`` activities and links to the activity list for
the rest. Services write with a row lock, so two heads signing off the same month at once make
one row and one sign-off.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sozialraum.models import Team, User
from sozialraum.permissions import is_administration, scope_of, teams_visible_to
from teams.models import Activity, ActivityMonthSummary, TeamMonthReview
from teams.months import add_months, month_end, month_of, month_range
from teams.review_dates import missing_record, month_not_logged, not_logged_counts, occurrence_label

COUNT_FIELDS = Activity.COUNT_FIELDS
# The months the pages know: earlier or later ones answer 404 (and their neighbours' links are
# left out), so that no date arithmetic runs off the calendar (years 1 and 9999).
FIRST_YEAR = 2000
LAST_YEAR = 2100
# The month page lists this many activities; the activity list, filtered to the team and the
# month, shows all of them.
MONTH_ROWS = 100


class State:
    """The state of a team-month, as the pages show it."""

    RUNNING = "running"  # the month is not over yet
    OPEN = "open"  # over, never signed off
    SIGNED_OFF = "signed_off"
    REOPENED = "reopened"  # signed off once, reopened since

    LABELS = {
        RUNNING: gettext_lazy("running"),
        OPEN: gettext_lazy("open"),
        SIGNED_OFF: gettext_lazy("signed off"),
        REOPENED: gettext_lazy("reopened"),
    }


def today() -> datetime.date:
    """The local date; one place, so that tests can set it."""
    return timezone.localdate()


# --- Who ------------------------------------------------------------------------------------


def can_review(user, team: Team) -> bool:
    """Signs off and reopens: the heads of the team's Mittelbereich and Administration."""
    return is_administration(user) or team.middle_area_id in scope_of(user).headed_area_ids


def review_refusal(user, team: Team) -> str:
    """Why the user may not sign off or reopen this team's months (for 403), or ''."""
    if can_review(user, team):
        return ""
    return _(
        "Months are signed off and reopened by the Fachbereichsleitung of the team's "
        "Mittelbereich and by Administration."
    )


def team_for(user, team_id: int) -> Team | None:
    """The team if the user may read its work, else None (the pages answer 404)."""
    return teams_visible_to(user).select_related("middle_area").filter(pk=team_id).first()


# --- Months ---------------------------------------------------------------------------------


def is_over(month: datetime.date, on: datetime.date) -> bool:
    """A month can be signed off from the first day of the next month on."""
    return month < month_of(on)


def month_or_none(year: int, month: int) -> datetime.date | None:
    """The first day of the month, or None for a month the pages do not show."""
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def is_shown(month: datetime.date) -> bool:
    return FIRST_YEAR <= month.year <= LAST_YEAR


def overview_months(on: datetime.date, year: int | None = None) -> list[datetime.date]:
    """The months the overview shows, oldest first.

    Without a year: January of the year of the last complete month up to the current month (in
    January, the whole previous year is still there to be signed off). With a year: its
    months, up to the current month.
    """
    current = month_of(on)
    if year is None:
        first = datetime.date(add_months(current, -1).year, 1, 1)
        last = current
    else:
        first = datetime.date(year, 1, 1)
        last = min(datetime.date(year, 12, 1), current)
    return month_range(first, last)


# --- The overview ---------------------------------------------------------------------------


@dataclass
class TeamMonth:
    """One team's month on the overview: the review (if any) and the activity counts."""

    team: Team
    month: datetime.date
    review: TeamMonthReview | None
    is_over: bool
    activities: int = 0
    held: int = 0
    cancelled: int = 0
    not_logged: int = 0  # consultation dates that took place and were not logged

    @property
    def state(self) -> str:
        return state_of(self.review, is_over=self.is_over)

    @property
    def is_complete(self) -> bool:
        """Over, waiting for the sign-off and every consultation date logged: it can be signed
        off from the overview, together with others."""
        return self.needs_review and not self.not_logged

    @property
    def key(self) -> str:
        """The value of the month's checkbox on the overview: team id and month."""
        return f"{self.team.pk}-{self.month:%Y-%m}"

    @property
    def state_label(self) -> str:
        return State.LABELS[self.state]

    @property
    def needs_review(self) -> bool:
        return self.state in (State.OPEN, State.REOPENED)


@dataclass
class TeamRow:
    team: Team
    months: list[TeamMonth]
    may_review: bool

    @property
    def open_months(self) -> list[TeamMonth]:
        return [m for m in self.months if m.needs_review]

    @property
    def complete_months(self) -> list[TeamMonth]:
        return [m for m in self.open_months if m.is_complete]


def state_of(review: TeamMonthReview | None, *, is_over: bool) -> str:
    if review is not None and review.signed_off_at is not None:
        return State.SIGNED_OFF
    if review is not None and review.reopened_at is not None:
        return State.REOPENED
    return State.OPEN if is_over else State.RUNNING


def month_summary(first: datetime.date, last: datetime.date) -> QuerySet:
    """The month-summary rows of the months ``first`` to ``last`` (first days)."""
    return ActivityMonthSummary.objects.filter(month__range=(first, last))


def overview_teams(user, first: datetime.date, last: datetime.date) -> QuerySet[Team]:
    """The teams the user reads: the active ones and those with activities in the period."""
    active_then = month_summary(first, last).values("team_id")
    return (
        teams_visible_to(user)
        .filter(Q(is_active=True) | Q(pk__in=active_then))
        .select_related("middle_area")
    )


def month_counts(team_ids, first: datetime.date, last: datetime.date) -> dict:
    """(team id, month) → (activities, held, cancelled), in one query on the summary."""
    rows = (
        month_summary(first, last)
        .filter(team__in=team_ids)
        .values("team_id", "month")
        .annotate(
            held=Sum("activities", filter=Q(status=Activity.Status.HELD), default=0),
            cancelled=Sum("activities", filter=Q(status=Activity.Status.CANCELLED), default=0),
        )
        .order_by()
    )
    return {
        (row["team_id"], row["month"]): (
            row["held"] + row["cancelled"],
            row["held"],
            row["cancelled"],
        )
        for row in rows
    }


def overview(user, months: list[datetime.date], on: datetime.date) -> list[TeamRow]:
    """Per team the user reads, its months with state, counts and the consultation dates not
    logged. Six queries, however many teams and months."""
    if not months:
        return []
    first, last = months[0], months[-1]
    teams = list(overview_teams(user, first, last))
    team_ids = [team.pk for team in teams]
    counts = month_counts(team_ids, first, last)
    not_logged = not_logged_counts(team_ids, first, last, on)
    reviews = {
        (review.team_id, review.month): review
        for review in TeamMonthReview.objects.filter(
            team__in=team_ids, month__range=(first, last)
        ).select_related("signed_off_by", "reopened_by")
    }
    rows = []
    for team in teams:
        cells = []
        for month in months:
            total, held, cancelled = counts.get((team.pk, month), (0, 0, 0))
            cells.append(
                TeamMonth(
                    team=team,
                    month=month,
                    review=reviews.get((team.pk, month)),
                    is_over=is_over(month, on),
                    activities=total,
                    held=held,
                    cancelled=cancelled,
                    not_logged=not_logged[(team.pk, month)],
                )
            )
        rows.append(TeamRow(team=team, months=cells, may_review=can_review(user, team)))
    return rows


# --- One month ------------------------------------------------------------------------------


def month_activities(team: Team, month: datetime.date) -> QuerySet[Activity]:
    """The team's activities of the month, oldest first. The page slices it to ``MONTH_ROWS``:
    the index on (team, date) hands the rows over in date order, so PostgreSQL sorts only the
    first days' rows (incremental sort), however full the month is."""
    return (
        Activity.objects.filter(team=team, date__range=(month, month_end(month)))
        .select_related("municipality", "consultation_hour__venue", "body", "project")
        .order_by("date", "start_time", "pk")
    )


def month_list_url(team: Team, month: datetime.date) -> str:
    """The activity list, filtered to the team and the month: every activity of the month."""
    query = {
        "team": team.pk,
        "date_from": month.isoformat(),
        "date_to": month_end(month).isoformat(),
    }
    return f"{reverse('teams:activity_list')}?{urlencode(query)}"


@dataclass
class KindTotal:
    kind: str
    label: str
    held: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.held + self.cancelled


@dataclass
class MonthTotals:
    """What a team did in a month, summed from its activities."""

    activities: int = 0
    held: int = 0
    cancelled: int = 0
    by_kind: list[KindTotal] = field(default_factory=list)
    contacts: dict[str, int] = field(default_factory=dict)
    helps_initiated: int = 0

    @property
    def contacts_total(self) -> int:
        return sum(self.contacts.values())

    @property
    def contact_rows(self) -> list[tuple[str, int]]:
        """(label, sum) per group, in the order of the form."""
        return [
            (Activity._meta.get_field(name).verbose_name, self.contacts[name])
            for name in COUNT_FIELDS
        ]


def month_totals(team: Team, month: datetime.date) -> MonthTotals:
    """Sums of a team's month: by kind (held/cancelled), contacts by group, helps initiated.

    One query on the summary, grouped by kind and status: a handful of rows, whatever the
    number of activities."""
    rows = (
        month_summary(month, month)
        .filter(team=team)
        .values("kind", "status")
        .annotate(
            n=Sum("activities"),
            helps=Sum("helps_initiated"),
            **{name: Sum(name) for name in COUNT_FIELDS},
        )
        .order_by()
    )
    held, cancelled = Counter(), Counter()
    contacts = dict.fromkeys(COUNT_FIELDS, 0)
    helps = 0
    for row in rows:
        counter = cancelled if row["status"] == Activity.Status.CANCELLED else held
        counter[row["kind"]] += row["n"]
        for name in COUNT_FIELDS:
            contacts[name] += row[name]
        helps += row["helps"]
    by_kind = [
        KindTotal(kind, label, held[kind], cancelled[kind])
        for kind, label in Activity.Kind.choices
        if held[kind] or cancelled[kind]
    ]
    return MonthTotals(
        activities=sum(held.values()) + sum(cancelled.values()),
        held=sum(held.values()),
        cancelled=sum(cancelled.values()),
        by_kind=by_kind,
        contacts=contacts,
        helps_initiated=helps,
    )


def review_of(team: Team, month: datetime.date) -> TeamMonthReview | None:
    return (
        TeamMonthReview.objects.filter(team=team, month=month)
        .select_related("signed_off_by", "reopened_by")
        .first()
    )


@dataclass
class HistoryEntry:
    at: datetime.datetime | None
    action: str
    label: str
    user: User | None
    text: str
    missing: list[str] = field(default_factory=list)  # dates confirmed as not logged


def review_history(review: TeamMonthReview | None) -> list[HistoryEntry]:
    """What happened to the review row, oldest first, from the audit trail."""
    if review is None:
        return []
    events = review.events.select_related("signed_off_by", "reopened_by").order_by("pgh_id")
    entries = []
    previous = None
    for event in events:
        signed_now = event.signed_off_at is not None and (
            previous is None or previous.signed_off_at != event.signed_off_at
        )
        reopened_now = event.reopened_at is not None and (
            previous is None or previous.reopened_at != event.reopened_at
        )
        if signed_now:
            entry = HistoryEntry(
                event.signed_off_at,
                State.SIGNED_OFF,
                _("signed off"),
                event.signed_off_by,
                event.comment,
                [item.get("label", "") for item in event.missing_dates or []],
            )
        elif reopened_now:
            entry = HistoryEntry(
                event.reopened_at,
                State.REOPENED,
                _("reopened"),
                event.reopened_by,
                event.reopen_reason,
            )
        else:
            entry = HistoryEntry(event.pgh_created_at, "changed", _("changed"), None, "")
        entries.append(entry)
        previous = event
    return entries


# --- Writing --------------------------------------------------------------------------------


class ReviewRefused(Exception):  # noqa: N818 - a refusal with a message for the user
    """A sign-off or reopening the rules do not allow; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


def month_label(month: datetime.date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def missing_refusal(month: datetime.date, missing) -> ReviewRefused:
    """The refusal of a sign-off whose dates not logged were not all confirmed; names them."""
    message = ngettext(
        "In %(month)s, %(count)s consultation date was not logged: %(dates)s. Please confirm "
        "that it was not logged, or log it first.",
        "In %(month)s, %(count)s consultation dates were not logged: %(dates)s. Please confirm "
        "that they were not logged, or log them first.",
        len(missing),
    ) % {
        "month": month_label(month),
        "count": len(missing),
        "dates": "; ".join(occurrence_label(o) for o in missing),
    }
    return ReviewRefused(message, field=CONFIRM_FIELD)


# The sign-off form's checkbox that confirms the dates not logged.
CONFIRM_FIELD = "confirm_missing"


def sign_off(
    *,
    team: Team,
    month: datetime.date,
    user: User,
    comment: str = "",
    confirmed: frozenset[str] | set[str] = frozenset(),
) -> TeamMonthReview:
    """Sign off a team's month: from now on its activities are locked for staff edits.

    The consultation dates of the month that took place and were not logged must each be
    confirmed (``confirmed`` holds their ``Occurrence.key``); the review keeps them. Raises
    ``PermissionDenied`` for a user who may not review the team and ``ReviewRefused`` for a
    month that is not over yet, has dates not logged that were not confirmed (e.g. one deleted
    after the page was loaded), or is already signed off (e.g. by a second head a moment
    earlier: the row is locked, so the second sign-off sees the first).
    """
    if not can_review(user, team):
        raise PermissionDenied(review_refusal(user, team))
    month = month_of(month)
    if not is_over(month, today()):
        raise ReviewRefused(
            _(
                "%(month)s is not over yet. A month can be signed off from the first day of the "
                "next month on."
            )
            % {"month": month_label(month)}
        )
    missing = month_not_logged(team, month, today())
    signed = {
        "signed_off_by": user,
        "signed_off_at": timezone.now(),
        "comment": comment.strip(),
        "missing_dates": [missing_record(o) for o in missing],
    }
    with transaction.atomic():
        # Locks the row if it exists; creates it (in a savepoint) otherwise. A concurrent
        # creator makes the insert fail on the unique constraint and the row is read instead.
        review, created = TeamMonthReview.objects.select_for_update().get_or_create(
            team=team, month=month, defaults=signed
        )
        if not created and review.signed_off_at is not None:
            raise ReviewRefused(
                _("%(month)s was already signed off by %(user)s at %(time)s.")
                % {
                    "month": month_label(month),
                    "user": review.signed_off_by or _("someone"),
                    "time": _when(review.signed_off_at),
                },
                conflict=True,
            )
        if any(o.key not in confirmed for o in missing):
            raise missing_refusal(month, missing)  # rolls back a row just created
        if created:
            return review
        for name, value in signed.items():
            setattr(review, name, value)
        review.save(update_fields=list(signed))
    return review


@dataclass
class BulkResult:
    """What a sign-off of several months did: the months signed off and the refused ones, each
    (team, month, reason); ``conflict`` when one was signed off by someone else meanwhile."""

    signed: list[tuple[Team, datetime.date]] = field(default_factory=list)
    refused: list[tuple[Team, datetime.date, str]] = field(default_factory=list)
    conflict: bool = False


def sign_off_many(*, months: list[tuple[Team, datetime.date]], user: User) -> BulkResult:
    """Sign off several complete months at once, each through ``sign_off`` (lock and audit
    trail as for one). A month not over, with dates not logged (they need the confirmation on
    the month page) or already signed off is refused with its reason; the others are signed off.
    """
    result = BulkResult()
    for team, month in months:
        try:
            sign_off(team=team, month=month, user=user)
        except ReviewRefused as refused:
            result.refused.append((team, month, refused.message))
            result.conflict |= refused.conflict
        else:
            result.signed.append((team, month))
    return result


def reopen(*, team: Team, month: datetime.date, user: User, reason: str) -> TeamMonthReview:
    """Reopen a signed-off month, with a reason: its activities can be changed again."""
    if not can_review(user, team):
        raise PermissionDenied(review_refusal(user, team))
    reason = reason.strip()
    if not reason:
        raise ReviewRefused(_("Please give the reason for reopening."), field="reason")
    month = month_of(month)
    with transaction.atomic():
        review = TeamMonthReview.objects.select_for_update().filter(team=team, month=month).first()
        if review is None or review.signed_off_at is None:
            raise ReviewRefused(
                _("%(month)s is not signed off, so it cannot be reopened.")
                % {"month": month_label(month)},
                conflict=True,
            )
        review.signed_off_by = None
        review.signed_off_at = None
        review.reopened_by = user
        review.reopened_at = timezone.now()
        review.reopen_reason = reason
        review.save(
            update_fields=[
                "signed_off_by",
                "signed_off_at",
                "reopened_by",
                "reopened_at",
                "reopen_reason",
            ]
        )
    return review
