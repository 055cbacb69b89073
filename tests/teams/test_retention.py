"""Retention (``manage.py apply_retention``): old notes go, old staff links become pseudonyms,
old audit events go — and every figure stays as it was.

The fixture places activities and audit events one day either side of each cut-off. With
``--today 2026-06-15`` and the default periods the cut-offs are: notes 2025-06-15 (12 months),
staff 2023-06-15 (36 months), audit trail 2025-06-15 (12 months); what lies before goes.
"""

import datetime
import io
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context

from sozialraum.models import User
from sozialraum.selectors import active_staff
from teams.dashboard import Scope, dashboard
from teams.models import (
    Activity,
    ActivityEvent,
    ActivityStaffEvent,
    ActivitySummary,
    Topic,
    TopicEvent,
)
from teams.retention import Periods, event_models, plan_retention
from tests.teams.conftest import make_series

D = datetime.date
TODAY = D(2026, 6, 15)
NOTE_CUTOFF = D(2025, 6, 15)
STAFF_CUTOFF = D(2023, 6, 15)
Staff = Activity.staff.through


def moment(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


AUDIT_CUTOFF = moment(D(2025, 6, 15), hour=0)
BEFORE = moment(D(2025, 6, 14))  # one day before the audit cut-off
AFTER = moment(D(2025, 6, 16))  # one day after


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), *args, stdout=out, **options)
    return out.getvalue()


def default_plan(**overrides):
    return plan_retention(Periods.from_settings(**overrides).cutoffs(TODAY), with_ids=True)


@pytest.fixture
def world(team_backnang, backnang, school, fachkraft, teamleitung, fbl_backnang):
    """Activities around the note and staff cut-offs, audit events around the audit cut-off."""

    def log(day, *, note="", staff=(), created_by=None, updated_by=None, **fields):
        activity = Activity.objects.create(
            team=team_backnang,
            municipality=backnang,
            date=day,
            kind=fields.pop("kind", Activity.Kind.COMMUNITY),
            note=note,
            created_by=created_by,
            updated_by=updated_by,
            **fields,
        )
        activity.staff.set(staff)
        return activity

    series = make_series(team_backnang, backnang, school, weekday=2, valid_from=D(2020, 1, 1))
    pair = [fachkraft, teamleitung]
    trio = [fachkraft, teamleitung, fbl_backnang]
    a = {
        "recent": log(D(2026, 6, 1), note="Neu", staff=pair, created_by=fachkraft, children=3),
        "note_kept": log(NOTE_CUTOFF, note="Am Stichtag", staff=[fachkraft], created_by=fachkraft),
        "note_old": log(
            D(2025, 6, 14), note="Einen Tag zu alt", staff=pair, created_by=teamleitung, parents=2
        ),
        "staff_kept": log(
            STAFF_CUTOFF,
            note="Drei Jahre",
            staff=trio,
            created_by=fachkraft,
            updated_by=teamleitung,
            young_people=4,
        ),
        "staff_old": log(
            D(2023, 6, 14),
            note="Einen Tag älter",
            staff=trio,
            created_by=fachkraft,
            updated_by=teamleitung,
            kind=Activity.Kind.CONSULTATION,
            consultation_hour=series,
            children=5,
            helps_initiated=1,
        ),
        "staff_old_alone": log(
            D(2022, 3, 1),
            staff=[teamleitung],
            status=Activity.Status.CANCELLED,
            cancel_reason="Krank",
        ),
        "no_staff_old": log(D(2021, 1, 13), created_by=fachkraft, professionals=2),
        "moved": log(D(2025, 7, 1), note="Verschoben", staff=[fachkraft], created_by=fachkraft),
    }
    # Corrected to an older date later: its first snapshot still has the newer date.
    Activity.objects.filter(pk=a["moved"].pk).update(date=D(2025, 6, 1))
    # The insert snapshot of the oldest activity is old enough to go with the trail.
    ActivityEvent.objects.filter(pgh_obj=a["no_staff_old"]).update(pgh_created_at=BEFORE)

    contexts = {
        name: Context.objects.create(metadata={"command": name})
        for name in ["old", "mixed", "old_orphan", "recent_orphan"]
    }
    Context.objects.filter(pk__in=[contexts[n].pk for n in ["old", "mixed", "old_orphan"]]).update(
        updated_at=BEFORE
    )
    Context.objects.filter(pk=contexts["recent_orphan"].pk).update(updated_at=AFTER)
    old_topic = Topic.objects.create(name="Alt")
    mixed_topic = Topic.objects.create(name="Gemischt")
    mixed_topic.name = "Gemischt, umbenannt"
    mixed_topic.save()
    TopicEvent.objects.filter(pgh_obj=old_topic).update(
        pgh_context=contexts["old"], pgh_created_at=BEFORE
    )
    TopicEvent.objects.filter(pgh_obj=mixed_topic, pgh_label="insert").update(
        pgh_context=contexts["mixed"], pgh_created_at=BEFORE
    )
    TopicEvent.objects.filter(pgh_obj=mixed_topic, pgh_label="update").update(
        pgh_context=contexts["mixed"], pgh_created_at=AUDIT_CUTOFF
    )
    return {"activities": a, "contexts": contexts, "topics": [old_topic, mixed_topic]}


def summary_rows():
    return sorted(ActivitySummary.objects.values_list(*SUMMARY_COLUMNS))


SUMMARY_COLUMNS = [f.attname for f in ActivitySummary._meta.fields]


def snapshot():
    """Everything retention may touch, as plain data."""
    return {
        "activities": {row["id"]: row for row in Activity.objects.values()},
        "staff": sorted(Staff.objects.values_list("activity_id", "user_id")),
        "events": {
            model._meta.label: sorted(model.objects.values_list("pgh_id", flat=True))
            for model in event_models()
        },
        "activity_events": sorted(ActivityEvent.objects.values_list()),
        "contexts": sorted(Context.objects.values_list("pk", flat=True)),
        "users": sorted(User.objects.values_list("pk", "username", "is_active")),
        "summary": summary_rows(),
    }


def staff_of(activity) -> list[str]:
    return sorted(activity.staff.values_list("username", flat=True))


def numbers(output: str) -> list[str]:
    return re.findall(r"\d+", output)


# --- Dry run and plan -----------------------------------------------------------------------------


def test_dry_run_changes_nothing(world):
    before = snapshot()

    output = run("--dry-run")

    assert snapshot() == before
    assert "2025-06-15" in output
    assert "2023-06-15" in output


def test_plan_lists_exactly_what_is_past_its_period(world):
    a = world["activities"]

    plan = default_plan()

    assert (plan.cutoffs.note, plan.cutoffs.staff, plan.cutoffs.audit) == (
        NOTE_CUTOFF,
        STAFF_CUTOFF,
        D(2025, 6, 15),
    )
    assert plan.note_ids == sorted(
        a[n].pk for n in ["note_old", "staff_kept", "staff_old", "moved"]
    )
    assert plan.staff_ids == sorted(
        a[n].pk for n in ["staff_old", "staff_old_alone", "no_staff_old"]
    )
    assert (plan.notes, plan.staff_activities, plan.staff_links, plan.pseudonyms_created) == (
        4,
        3,
        4,
        3,
    )
    assert {label: n for label, n in plan.events.items() if n} == {
        "teams.TopicEvent": 2,
        "teams.ActivityEvent": 1,
    }
    assert plan.contexts == 2
    # note_old, staff_kept, staff_old and both snapshots of moved; staff_old only (the old
    # snapshot of no_staff_old is deleted instead).
    assert (plan.snapshot_notes, plan.snapshot_staff) == (5, 1)
    # The audit entries that linked staff_old's three and staff_old_alone's one person.
    assert plan.link_events == 4


# --- The real run ---------------------------------------------------------------------------------


def test_real_run_changes_exactly_what_the_dry_run_listed(world):
    plan = default_plan()
    dry_output = run("--dry-run")
    before = snapshot()

    output = run()

    after = snapshot()
    changed_notes = sorted(
        pk
        for pk, row in before["activities"].items()
        if after["activities"][pk]["note"] != row["note"]
    )
    assert changed_notes == plan.note_ids
    links_before, links_after = set(before["staff"]), set(after["staff"])
    touched = {pk for pk, _user in links_before ^ links_after} | {
        pk
        for pk, row in before["activities"].items()
        if (row["created_by_id"], row["updated_by_id"])
        != (after["activities"][pk]["created_by_id"], after["activities"][pk]["updated_by_id"])
    }
    assert sorted(touched) == plan.staff_ids
    for label, count in plan.events.items():
        gone = set(before["events"][label]) - set(after["events"][label])
        scrubbed = plan.link_events if label == "teams.ActivityStaffEvent" else 0
        assert len(gone) == count + scrubbed, label
    assert len(set(before["contexts"]) - set(after["contexts"])) == plan.contexts
    assert numbers(output) == numbers(dry_output)


def test_second_run_changes_nothing(world):
    run()
    before = snapshot()

    run()

    assert snapshot() == before
    assert default_plan().changes_nothing


def test_writes_are_recorded_as_the_command_in_the_audit_trail(world):
    a = world["activities"]

    run()

    event = ActivityEvent.objects.filter(pgh_obj=a["staff_old"], pgh_label="update").get()
    context = Context.objects.get(pk=event.pgh_context_id)
    assert context.metadata["command"] == "apply_retention"
    assert (event.note, event.created_by_id, event.updated_by_id) == ("", None, None)


def test_a_failing_run_changes_nothing(world):
    """A real user called like a pseudonym stops the run before anything is written."""
    User.objects.create_user("pseudonym-2", password="ein-langes-passwort")
    before = snapshot()

    with pytest.raises(CommandError, match="pseudonym-2"):
        run()

    assert snapshot() == before


def test_verbose_run_lists_the_activity_ids(world):
    plan = default_plan()

    output = run("--dry-run", verbosity=2)

    assert ", ".join(str(pk) for pk in plan.note_ids) in output
    assert ", ".join(str(pk) for pk in plan.staff_ids) in output


# --- Notes ----------------------------------------------------------------------------------------


def test_notes_before_the_cutoff_are_blanked_the_others_kept(world):
    a = world["activities"]

    run()

    notes = {name: Activity.objects.get(pk=activity.pk).note for name, activity in a.items()}
    assert notes == {
        "recent": "Neu",
        "note_kept": "Am Stichtag",
        "note_old": "",
        "staff_kept": "",
        "staff_old": "",
        "staff_old_alone": "",
        "no_staff_old": "",
        "moved": "",
    }


def test_a_changed_activity_gets_a_new_version(world):
    """A form opened before the run cannot write the old note back (see concurrency.py)."""
    a = world["activities"]

    run()

    versions = dict(Activity.objects.values_list("pk", "version"))
    assert versions[a["note_old"].pk] == a["note_old"].version + 1
    assert versions[a["recent"].pk] == a["recent"].version


# --- Aggregates -----------------------------------------------------------------------------------


def figures(user):
    tables, facts = dashboard(
        user, Scope("district", None, "Landkreis"), D(2021, 1, 1), TODAY, TODAY
    )
    plain = [
        (table.key, [str(h) for h in table.headers], [[str(c) for c in row] for row in table.rows])
        for table in tables
    ]
    return plain, {**facts, "gaps": [m.pk for m in facts["gaps"]]}


def test_dashboard_figures_stay_the_same(world, amtsleitung):
    summary_before, figures_before = summary_rows(), figures(amtsleitung)

    run()

    assert summary_rows() == summary_before
    assert figures(amtsleitung) == figures_before
    assert sum(row[SUMMARY_COLUMNS.index("activities")] for row in summary_before) == 8


def test_counts_kinds_teams_and_municipalities_are_untouched(world):
    kept = [
        "kind",
        "date",
        "team_id",
        "municipality_id",
        "status",
        "cancel_reason",
        "consultation_hour_id",
        "helps_initiated",
        *Activity.COUNT_FIELDS,
    ]
    before = list(Activity.objects.order_by("pk").values(*kept))

    run()

    assert list(Activity.objects.order_by("pk").values(*kept)) == before


# --- Pseudonyms -----------------------------------------------------------------------------------


def staff_counts():
    return {a.pk: a.staff.count() for a in Activity.objects.all()}


def test_staff_counts_stay_but_no_person_is_linked_to_old_activities(world):
    a = world["activities"]
    counts_before = staff_counts()

    run()

    assert staff_counts() == counts_before
    old = Activity.objects.filter(date__lt=STAFF_CUTOFF)
    assert not Staff.objects.filter(activity__in=old, user__is_pseudonym=False).exists()
    assert list(old.exclude(created_by=None, updated_by=None)) == []
    assert staff_of(a["staff_old"]) == ["pseudonym-1", "pseudonym-2", "pseudonym-3"]
    assert staff_of(a["staff_old_alone"]) == ["pseudonym-1"]
    assert staff_of(a["staff_kept"]) == ["fachkraft", "fbl-backnang", "teamleitung"]
    assert Activity.objects.get(pk=a["staff_kept"].pk).created_by_id is not None


def test_pseudonyms_are_inactive_cannot_log_in_and_are_no_staff_choice(world, rf):
    run()

    pseudonyms = list(User.objects.filter(is_pseudonym=True).order_by("username"))
    assert [u.username for u in pseudonyms] == ["pseudonym-1", "pseudonym-2", "pseudonym-3"]
    assert [(u.is_active, u.has_usable_password()) for u in pseudonyms] == [(False, False)] * 3
    assert [u.memberships.count() for u in pseudonyms] == [0, 0, 0]
    request = rf.post(reverse("login"))
    assert authenticate(request, username="pseudonym-1", password="sozialraum-demo") is None
    assert set(active_staff()) & set(pseudonyms) == set()


def test_the_pseudonym_pool_is_reused_and_grows_only_as_needed(world, team_backnang, backnang):
    a = world["activities"]
    run()
    pool = dict(User.objects.filter(is_pseudonym=True).values_list("username", "pk"))
    # Edited after it was pseudonymised: a real staff member joined the three pseudonyms.
    a["staff_old"].staff.add(User.objects.get(username="fachkraft"))
    later = Activity.objects.create(
        team=team_backnang, municipality=backnang, date=D(2022, 5, 5), kind="other"
    )
    later.staff.set(User.objects.filter(username__in=["fachkraft", "teamleitung"]))

    run()

    assert staff_of(a["staff_old"]) == [f"pseudonym-{n}" for n in range(1, 5)]
    assert staff_of(later) == ["pseudonym-1", "pseudonym-2"]
    new_pool = dict(User.objects.filter(is_pseudonym=True).values_list("username", "pk"))
    assert new_pool == {**pool, "pseudonym-4": new_pool["pseudonym-4"]}


# --- Audit trail ----------------------------------------------------------------------------------


def test_old_events_and_orphan_contexts_go_recent_ones_stay(world):
    contexts = world["contexts"]
    old_topic, mixed_topic = world["topics"]

    run()

    assert list(TopicEvent.objects.filter(pgh_obj=old_topic)) == []
    assert list(TopicEvent.objects.filter(pgh_obj=mixed_topic).values_list("pgh_label")) == [
        ("update",)
    ]
    assert set(Context.objects.filter(pk__in=[c.pk for c in contexts.values()])) == {
        contexts["mixed"],
        contexts["recent_orphan"],
    }
    assert not ActivityEvent.objects.filter(pgh_created_at__lt=AUDIT_CUTOFF).exists()
    assert ActivityEvent.objects.filter(pgh_obj=world["activities"]["recent"]).exists()


def test_the_trail_keeps_no_link_from_old_activities_to_people(world):
    a = world["activities"]
    recent_links = set(
        ActivityStaffEvent.objects.filter(activity=a["recent"]).values_list("pk", flat=True)
    )

    run()

    old = [a[n].pk for n in ["staff_old", "staff_old_alone", "no_staff_old"]]
    assert not ActivityStaffEvent.objects.filter(activity__in=old).exists()
    # Replacing the links by pseudonyms is not recorded link by link either.
    assert not ActivityStaffEvent.objects.filter(user__is_pseudonym=True).exists()
    assert set(ActivityStaffEvent.objects.values_list("pk", flat=True)) >= recent_links
    assert len(recent_links) == 2


def test_kept_activity_snapshots_lose_what_the_activity_lost(world):
    a = world["activities"]

    run()

    def snapshots(name):
        return list(
            ActivityEvent.objects.filter(pgh_obj=a[name], pgh_label="insert").values_list(
                "note", "created_by_id", "updated_by_id"
            )
        )

    fachkraft_id, teamleitung_id = a["recent"].created_by_id, a["note_old"].created_by_id
    assert snapshots("recent") == [("Neu", fachkraft_id, None)]
    assert snapshots("note_old") == [("", teamleitung_id, None)]
    assert snapshots("moved") == [("", fachkraft_id, None)]
    assert snapshots("staff_old") == [("", None, None)]
    assert not ActivityEvent.objects.filter(pgh_obj=a["moved"]).exclude(note="").exists()


# --- Periods --------------------------------------------------------------------------------------


def test_periods_come_from_the_settings(world, settings):
    settings.RETENTION_NOTE_MONTHS = 24
    settings.RETENTION_STAFF_MONTHS = 48
    settings.RETENTION_AUDIT_MONTHS = 24
    a = world["activities"]

    plan = default_plan()

    assert (plan.cutoffs.note, plan.cutoffs.staff, plan.cutoffs.audit) == (
        D(2024, 6, 15),
        D(2022, 6, 15),
        D(2024, 6, 15),
    )
    assert plan.note_ids == sorted(a[n].pk for n in ["staff_kept", "staff_old"])
    assert plan.staff_ids == sorted(a[n].pk for n in ["staff_old_alone", "no_staff_old"])
    assert (sum(plan.events.values()), plan.contexts) == (0, 0)


def test_options_override_the_settings(world):
    a = world["activities"]

    run("--note-months", "1", "--staff-months", "48", "--audit-months", "24")

    assert Activity.objects.get(pk=a["note_kept"].pk).note == ""
    assert Activity.objects.get(pk=a["recent"].pk).note == "Neu"
    assert staff_of(a["staff_old"]) == ["fachkraft", "fbl-backnang", "teamleitung"]
    assert staff_of(a["staff_old_alone"]) == ["pseudonym-1"]
    assert TopicEvent.objects.filter(pgh_obj__in=world["topics"]).count() == 3


def test_the_environment_sets_the_periods():
    """The settings read DJANGO_RETENTION_*_MONTHS; unset, the defaults are 12, 36 and 12."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "only-for-this-test",
        "DATABASE_URL": "postgres://nobody@localhost/none",  # parsed, never connected
        "DJANGO_RETENTION_NOTE_MONTHS": "6",
        "DJANGO_RETENTION_STAFF_MONTHS": "24",
    }
    code = (
        "from sozialraum import settings as s; "
        "print(s.RETENTION_NOTE_MONTHS, s.RETENTION_STAFF_MONTHS, s.RETENTION_AUDIT_MONTHS)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.split() == ["6", "24", "12"]


@pytest.mark.parametrize(
    "args",
    [
        ["--note-months", "0"],
        ["--staff-months", "-1"],
        ["--audit-months", "0"],
        ["--note-months", "zwölf"],
        ["--today", "2026-13-01"],
    ],
)
def test_bad_options_are_refused_and_change_nothing(world, args):
    before = snapshot()

    with pytest.raises(CommandError, match=re.escape(args[1])):
        run(*args)

    assert snapshot() == before


def test_a_nonsensical_setting_is_refused(world, settings):
    settings.RETENTION_AUDIT_MONTHS = 0
    before = snapshot()

    with pytest.raises(CommandError, match="RETENTION_AUDIT_MONTHS"):
        run()

    assert snapshot() == before


# --- Scale ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 6])
def test_queries_do_not_grow_with_the_number_of_activities(
    rows, team_backnang, backnang, fachkraft, teamleitung
):
    for day in range(1, rows + 1):
        activity = Activity.objects.create(
            team=team_backnang,
            municipality=backnang,
            date=D(2020, 1, day),
            kind="other",
            note="Alt",
            created_by=fachkraft,
        )
        activity.staff.set([fachkraft, teamleitung])

    with CaptureQueriesContext(connection) as queries:
        output = run()

    assert numbers(output)[:9] == [
        *["2025", "06", "15", str(rows)],
        *["2023", "06", "15", str(rows), str(2 * rows)],
    ]
    # Savepoint and lock, 3 activity updates, the pool (4), the links (with the link triggers
    # paused), one delete per event table, the contexts, 2 snapshot scrubs, the link entries,
    # release: never one per row.
    assert len(queries) == 17 + len(event_models())
