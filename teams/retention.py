"""Retention (Aufbewahrung und Löschfristen): old personal details go, aggregated figures stay.

Three steps, each a few set-based statements, so a run stays fast on a million activities:

1. notes of activities dated before the note cut-off are blanked;
2. activities dated before the staff cut-off lose their link to people: the staff links become
   links to placeholder users (``User.is_pseudonym``) — an activity with k staff gets
   ``pseudonym-1`` … ``pseudonym-k``, so the number of staff per activity survives — and
   ``created_by``/``updated_by`` are cleared;
3. audit events recorded before the audit cut-off are deleted, with the contexts no kept event
   refers to any more; the kept activity snapshots are scrubbed like the activities themselves,
   so the trail cannot give back what steps 1 and 2 removed.

``plan_retention`` counts what ``apply_retention`` changes; both use the same conditions, so a dry
run and the real run agree. The counted columns of an activity (contacts, helps, kind, team,
municipality, status, date) are never written: the summary trigger subtracts the old row and
adds the new one, which nets out to zero, and the dashboards stay as they were.
"""

import datetime
import re
from dataclasses import dataclass, field

import pghistory.models
import pgtrigger
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.core import event_models

from sozialraum.models import User
from teams.models import Activity, ActivityEvent, ActivityStaffEvent

PSEUDONYM_PREFIX = "pseudonym-"
Staff = Activity.staff.through
STAFF_LINK_TRIGGERS = ("teams.Activity_staff:insert_insert", "teams.Activity_staff:delete_delete")
# Serialises overlapping runs (e.g. a slow first run and the next day's timer).
ADVISORY_LOCK = 7_462_001
PERIODS = ("note_months", "staff_months", "audit_months")


class RetentionError(Exception):
    """Retention cannot run as configured (the message says why)."""


@dataclass(frozen=True)
class Periods:
    """How many months notes, links to staff and audit events are kept."""

    note_months: int
    staff_months: int
    audit_months: int

    def __post_init__(self):
        for name in PERIODS:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise RetentionError(
                    _("%(name)s must be a whole number of months, at least 1 (not %(value)s).")
                    % {"name": f"RETENTION_{name.upper()}", "value": value}
                )

    @classmethod
    def from_settings(cls, **overrides: int | None) -> "Periods":
        """The configured periods (``RETENTION_*_MONTHS``), with any ``overrides`` that are
        not ``None``."""
        return cls(
            **{
                name: getattr(settings, f"RETENTION_{name.upper()}")
                if overrides.get(name) is None
                else overrides[name]
                for name in PERIODS
            }
        )

    def cutoffs(self, today: datetime.date) -> "Cutoffs":
        return Cutoffs(
            note=today - relativedelta(months=self.note_months),
            staff=today - relativedelta(months=self.staff_months),
            audit=today - relativedelta(months=self.audit_months),
        )


@dataclass(frozen=True)
class Cutoffs:
    """The first day that is kept: what is dated (or recorded) before it goes."""

    note: datetime.date
    staff: datetime.date
    audit: datetime.date

    @property
    def audit_moment(self) -> datetime.datetime:
        """The start of the audit cut-off day in the local time zone."""
        return timezone.make_aware(datetime.datetime.combine(self.audit, datetime.time.min))


@dataclass
class Outcome:
    """What retention would change (the plan) or changed (the result), step by step."""

    cutoffs: Cutoffs
    notes: int = 0
    staff_activities: int = 0
    staff_links: int = 0
    pseudonyms_created: int = 0
    events: dict[str, int] = field(default_factory=dict)  # event model label -> entries
    contexts: int = 0
    snapshot_notes: int = 0
    snapshot_staff: int = 0
    link_events: int = 0
    note_ids: list[int] = field(default_factory=list)  # filled only when asked for
    staff_ids: list[int] = field(default_factory=list)

    @property
    def changes_nothing(self) -> bool:
        counts = [self.notes, self.staff_activities, self.staff_links, self.contexts]
        counts += [self.snapshot_notes, self.snapshot_staff, self.link_events]
        counts += self.events.values()
        return not any(counts)


# --- The conditions, shared by the plan and the run ------------------------------------------


def _note_due(cutoffs: Cutoffs) -> Q:
    return Q(date__lt=cutoffs.note) & ~Q(note="")


def _has_real_staff() -> Exists:
    return Exists(Staff.objects.filter(activity=OuterRef("pk"), user__is_pseudonym=False))


def _staff_due(cutoffs: Cutoffs) -> Q:
    """Old activities still linked to a person; pseudonymised ones are left alone."""
    linked = Q(created_by__isnull=False) | Q(updated_by__isnull=False) | Q(_has_real_staff())
    return Q(date__lt=cutoffs.staff) & linked


def _link_targets(cutoffs: Cutoffs):
    """The ids of old activities with at least one real staff member."""
    return Activity.objects.filter(_has_real_staff(), date__lt=cutoffs.staff).values("pk")


def _links_due(cutoffs: Cutoffs):
    """Every staff link of those activities (pseudonym links included: all are rewritten)."""
    return Staff.objects.filter(activity__in=_link_targets(cutoffs))


def _events_due(model, cutoffs: Cutoffs):
    return model.objects.filter(pgh_created_at__lt=cutoffs.audit_moment)


def _contexts_due(cutoffs: Cutoffs):
    """Contexts last updated before the cut-off that no kept event refers to."""
    moment = cutoffs.audit_moment
    contexts = pghistory.models.Context.objects.filter(updated_at__lt=moment)
    for model in event_models():
        kept = model.objects.filter(pgh_context=OuterRef("pk"), pgh_created_at__gte=moment)
        contexts = contexts.filter(~Exists(kept))
    return contexts


def _snapshots_of(day: datetime.date) -> Q:
    """Activity snapshots dated before ``day``, or of an activity now dated before it."""
    moved = Exists(Activity.objects.filter(pk=OuterRef("pgh_obj_id"), date__lt=day))
    return Q(date__lt=day) | Q(moved)


def _kept_snapshots(cutoffs: Cutoffs):
    return ActivityEvent.objects.filter(pgh_created_at__gte=cutoffs.audit_moment)


def _snapshot_notes_due(cutoffs: Cutoffs):
    return _kept_snapshots(cutoffs).filter(_snapshots_of(cutoffs.note)).exclude(note="")


def _snapshot_staff_due(cutoffs: Cutoffs):
    people = Q(created_by__isnull=False) | Q(updated_by__isnull=False)
    return _kept_snapshots(cutoffs).filter(people, _snapshots_of(cutoffs.staff))


def _link_events_due(cutoffs: Cutoffs):
    """Kept audit entries that link a person to an activity dated before the staff cut-off."""
    old = Activity.objects.filter(date__lt=cutoffs.staff).values("pk")
    return ActivityStaffEvent.objects.filter(
        pgh_created_at__gte=cutoffs.audit_moment, activity__in=old, user__is_pseudonym=False
    )


# --- Pseudonyms --------------------------------------------------------------------------------


def _pool() -> dict[int, int]:
    """The placeholder users by their number: {1: user id of pseudonym-1, …}."""
    pattern = re.compile(rf"^{PSEUDONYM_PREFIX}(\d+)$")
    pool = {}
    for username, pk in User.objects.filter(is_pseudonym=True).values_list("username", "pk"):
        if match := pattern.match(username):
            pool[int(match[1])] = pk
    return pool


def _largest_staff(cutoffs: Cutoffs) -> int:
    per_activity = _links_due(cutoffs).values("activity").annotate(k=Count("pk")).order_by()
    return per_activity.aggregate(largest=Max("k"))["largest"] or 0


def _missing_pseudonyms(size: int) -> list[int]:
    pool = _pool()
    return [number for number in range(1, size + 1) if number not in pool]


def _pseudonym_ids(size: int) -> tuple[list[int], int]:
    """The ids of pseudonym-1 … pseudonym-``size``, creating the missing ones; and how many
    were created. They are inactive, cannot log in and belong to no team."""
    missing = _missing_pseudonyms(size)
    names = [f"{PSEUDONYM_PREFIX}{number}" for number in missing]
    taken = list(User.objects.filter(username__in=names).values_list("username", flat=True))
    if taken:
        raise RetentionError(
            _("The user names %(names)s are taken by real users; rename them first.")
            % {"names": ", ".join(taken)}
        )
    users = [User(username=name, is_active=False, is_pseudonym=True) for name in names]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    pool = _pool()
    return [pool[number] for number in range(1, size + 1)], len(users)


REPLACE_LINKS_SQL = """
    WITH removed AS (
        DELETE FROM {staff} s WHERE s.activity_id IN ({targets}) RETURNING s.activity_id
    ), per_activity AS (
        SELECT activity_id, COUNT(*) AS k FROM removed GROUP BY activity_id
    ), added AS (
        INSERT INTO {staff} (activity_id, user_id)
        SELECT p.activity_id, pool.user_id
        FROM per_activity p
        JOIN unnest(%s::bigint[]) WITH ORDINALITY AS pool(user_id, number) ON pool.number <= p.k
        RETURNING 1
    )
    SELECT (SELECT COUNT(*) FROM removed), (SELECT COUNT(*) FROM added)
"""


def _replace_links(cutoffs: Cutoffs, pseudonym_ids: list[int]) -> int:
    """Replace every staff link of the due activities by pseudonym links, k for k, in one
    statement; returns the number of links written."""
    targets, params = _link_targets(cutoffs).query.sql_with_params()
    sql = REPLACE_LINKS_SQL.format(staff=Staff._meta.db_table, targets=targets)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pseudonym_ids])
        removed, added = cursor.fetchone()
    if removed != added:  # the pool was too small: never lose a staff count
        raise RetentionError(
            _("%(removed)s staff links removed but %(added)s written.")
            % {"removed": removed, "added": added}
        )
    return added


# --- Plan and run ------------------------------------------------------------------------------


def plan_retention(cutoffs: Cutoffs, *, with_ids: bool = False) -> Outcome:
    """What ``apply_retention`` would change now, changing nothing."""
    plan = Outcome(
        cutoffs=cutoffs,
        notes=Activity.objects.filter(_note_due(cutoffs)).count(),
        staff_activities=Activity.objects.filter(_staff_due(cutoffs)).count(),
        staff_links=_links_due(cutoffs).count(),
        pseudonyms_created=len(_missing_pseudonyms(_largest_staff(cutoffs))),
        events=_count_events(cutoffs),
        contexts=_contexts_due(cutoffs).count(),
        snapshot_notes=_snapshot_notes_due(cutoffs).count(),
        snapshot_staff=_snapshot_staff_due(cutoffs).count(),
        link_events=_link_events_due(cutoffs).count(),
    )
    if with_ids:
        _add_ids(plan)
    return plan


def _count_events(cutoffs: Cutoffs) -> dict[str, int]:
    return {model._meta.label: _events_due(model, cutoffs).count() for model in event_models()}


def _add_ids(outcome: Outcome) -> None:
    def ids(condition):
        return list(Activity.objects.filter(condition).order_by("pk").values_list("pk", flat=True))

    outcome.note_ids = ids(_note_due(outcome.cutoffs))
    outcome.staff_ids = ids(_staff_due(outcome.cutoffs))


def apply_retention(cutoffs: Cutoffs, *, with_ids: bool = False) -> Outcome:
    """Blank, pseudonymise and delete what is past its period, in one transaction recorded in
    the audit trail as the command ``apply_retention``; returns what was changed."""
    result = Outcome(cutoffs=cutoffs)
    with transaction.atomic(), pghistory.context(command="apply_retention"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        if with_ids:
            _add_ids(result)
        _apply_activities(result)
        _apply_audit(result)
    return result


def _apply_activities(result: Outcome) -> None:
    """Steps 1 and 2. Each activity row is written once (one audit event with the final state,
    so no intermediate snapshot keeps a note or a creator), and its version goes up so that a
    form opened before cannot write the old values back."""
    cutoffs = result.cutoffs
    note, staff = _note_due(cutoffs), _staff_due(cutoffs)
    blank = {"note": ""}
    anonymous = {"created_by": None, "updated_by": None}
    bump = {"version": F("version") + 1}
    # In this order no statement matches a row an earlier one wrote (a blanked note is no
    # longer due, the real staff links still are); the links are replaced after the rows.
    only_staff = Activity.objects.filter(~note & staff).update(**anonymous, **bump)
    both = Activity.objects.filter(note & staff).update(**blank, **anonymous, **bump)
    only_note = Activity.objects.filter(note & ~staff).update(**blank, **bump)
    result.notes = only_note + both
    result.staff_activities = both + only_staff
    size = _largest_staff(cutoffs)
    if size:
        pseudonym_ids, result.pseudonyms_created = _pseudonym_ids(size)
        # Not recorded link by link: a "removed" entry would name the very person whose link
        # goes. The activities' own rows record the run (created_by/updated_by cleared).
        with pgtrigger.ignore(*STAFF_LINK_TRIGGERS):
            result.staff_links = _replace_links(cutoffs, pseudonym_ids)


def _apply_audit(result: Outcome) -> None:
    """Step 3: old events go, then the contexts left without a kept event, then the kept
    activity snapshots are scrubbed."""
    cutoffs = result.cutoffs
    for model in event_models():
        result.events[model._meta.label] = _events_due(model, cutoffs).delete()[0]
    result.contexts = _contexts_due(cutoffs).delete()[0]
    result.snapshot_notes = _snapshot_notes_due(cutoffs).update(note="")
    result.snapshot_staff = _snapshot_staff_due(cutoffs).update(created_by=None, updated_by=None)
    result.link_events = _link_events_due(cutoffs).delete()[0]
