"""Apply the retention periods: blank old notes, pseudonymise old staff links, delete old audit
events (see ``teams.retention``). Meant to run daily; ``--dry-run`` shows what it would do."""

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teams.retention import Outcome, Periods, RetentionError, apply_retention, plan_retention


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(value)s is not a date of the form YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "Blank the notes of old activities, replace their links to staff by pseudonyms and "
        "delete old audit events, as the retention periods say. Figures stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="show, change nothing")
        parser.add_argument("--note-months", type=int, help="default: RETENTION_NOTE_MONTHS")
        parser.add_argument("--staff-months", type=int, help="default: RETENTION_STAFF_MONTHS")
        parser.add_argument("--audit-months", type=int, help="default: RETENTION_AUDIT_MONTHS")
        parser.add_argument("--today", type=iso_date, help="count from this day (YYYY-MM-DD)")

    def handle(self, *args, dry_run, today, verbosity, **options):
        months = {name: options[name] for name in ("note_months", "staff_months", "audit_months")}
        for name, value in months.items():
            if value is not None and value < 1:
                raise CommandError(
                    _("--%(option)s must be at least 1 (not %(value)s).")
                    % {"option": name.replace("_", "-"), "value": value}
                )
        try:
            cutoffs = Periods.from_settings(**months).cutoffs(today or timezone.localdate())
            if dry_run:
                outcome = plan_retention(cutoffs, with_ids=verbosity >= 2)
            else:
                outcome = apply_retention(cutoffs, with_ids=verbosity >= 2)
        except RetentionError as error:
            raise CommandError(str(error)) from error
        if verbosity:
            self.stdout.write("\n".join(report(outcome, done=not dry_run, verbosity=verbosity)))


def report(outcome: Outcome, *, done: bool, verbosity: int = 1) -> list[str]:
    """The lines a run prints: the same for the plan and the result, in the future or past."""
    c = outcome.cutoffs
    counts = {
        "note_cutoff": c.note.isoformat(),
        "staff_cutoff": c.staff.isoformat(),
        "audit_cutoff": c.audit.isoformat(),
        "notes": outcome.notes,
        "activities": outcome.staff_activities,
        "links": outcome.staff_links,
        "pseudonyms": outcome.pseudonyms_created,
        "contexts": outcome.contexts,
        "snapshot_notes": outcome.snapshot_notes,
        "snapshot_staff": outcome.snapshot_staff,
        "link_events": outcome.link_events,
        "events": sum(outcome.events.values()),
    }
    lines = [] if done else [_("Dry run: nothing is changed.")]
    lines += [text % counts for text in (DONE if done else PLANNED)]
    if verbosity >= 2:
        lines.append(_("Activities with notes: %(ids)s") % {"ids": _ids(outcome.note_ids)})
        lines.append(_("Activities with staff: %(ids)s") % {"ids": _ids(outcome.staff_ids)})
    entries = _("Audit trail: entries of %(model)s deleted: %(count)s")
    if not done:
        entries = _("Audit trail: entries of %(model)s to delete: %(count)s")
    lines += [
        entries % {"model": label, "count": count}
        for label, count in sorted(outcome.events.items())
        if count or verbosity >= 2
    ]
    return lines


def _ids(ids: list[int]) -> str:
    return ", ".join(str(pk) for pk in ids) or "–"


# One line per step; the numbers are the same in both tenses, so the two runs compare line by line.
PLANNED = [
    gettext_lazy(
        "Notes: activities dated before %(note_cutoff)s whose note would be blanked: %(notes)s"
    ),
    gettext_lazy(
        "Staff: activities dated before %(staff_cutoff)s that would be pseudonymised: "
        "%(activities)s (staff links to replace by pseudonyms: %(links)s, pseudonym users to "
        "create: %(pseudonyms)s)"
    ),
    gettext_lazy(
        "Audit trail: entries recorded before %(audit_cutoff)s to delete: %(events)s; contexts "
        "no longer referenced to delete: %(contexts)s"
    ),
    gettext_lazy(
        "Audit trail: kept activity snapshots whose note would be blanked: %(snapshot_notes)s, "
        "whose creator and editor would be cleared: %(snapshot_staff)s; kept entries linking "
        "staff to those activities to delete: %(link_events)s"
    ),
]
DONE = [
    gettext_lazy(
        "Notes: activities dated before %(note_cutoff)s whose note was blanked: %(notes)s"
    ),
    gettext_lazy(
        "Staff: activities dated before %(staff_cutoff)s that were pseudonymised: "
        "%(activities)s (staff links replaced by pseudonyms: %(links)s, pseudonym users "
        "created: %(pseudonyms)s)"
    ),
    gettext_lazy(
        "Audit trail: entries recorded before %(audit_cutoff)s deleted: %(events)s; contexts "
        "no longer referenced deleted: %(contexts)s"
    ),
    gettext_lazy(
        "Audit trail: kept activity snapshots whose note was blanked: %(snapshot_notes)s, "
        "whose creator and editor were cleared: %(snapshot_staff)s; kept entries linking "
        "staff to those activities deleted: %(link_events)s"
    ),
]
