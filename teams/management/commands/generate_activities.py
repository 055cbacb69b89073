"""Fill the database with many realistic activities, to measure the application at scale."""

import datetime
import random
import sys

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sozialraum.models import Assignment, Team, User
from sozialraum.pgtools import analyze
from teams.models import Activity, ActivityMonthSummary, ActivitySummary
from teams.summary import rebuild_activity_summary

KINDS = [
    (Activity.Kind.CONSULTATION, 62),
    (Activity.Kind.PROJECT, 12),
    (Activity.Kind.ROUND_TABLE, 5),
    (Activity.Kind.WORKING_GROUP, 5),
    (Activity.Kind.EVENT, 4),
    (Activity.Kind.COMMUNITY, 10),
    (Activity.Kind.OTHER, 2),
]
BATCH = 5000


class Command(BaseCommand):
    help = (
        "Create N realistic activities (deterministic for a seed) spread over the last years, "
        "for load tests. The audit trail is skipped for them; the dashboard summary is rebuilt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=3, help="spread over this many years")

    def handle(self, *args, count: int, seed: int, years: int, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        rng = random.Random(seed)  # noqa: S311 - test data, not security
        plan = self._plan()
        if not plan:
            raise CommandError("No teams with municipalities: run load_district first.")
        today = timezone.localdate()
        first = today - datetime.timedelta(days=365 * years)
        kinds, weights = zip(*KINDS, strict=True)
        creator = User.objects.filter(memberships__isnull=False).first()
        created = 0
        # Generated rows are test data: no audit events; the summary is rebuilt once at the end.
        with pgtrigger.ignore("teams.Activity:insert_insert", "teams.Activity:activity_summary"):
            while created < count:
                size = min(BATCH, count - created)
                rows = [
                    self._activity(rng, plan, first, today, kinds, weights, creator)
                    for _ in range(size)
                ]
                with transaction.atomic():
                    Activity.objects.bulk_create(rows, batch_size=BATCH)
                created += size
                self._progress(created, count)
        self.stderr.write("\nRebuilding the dashboard summary …")
        rebuild_activity_summary()
        # Fresh statistics, or the planner guesses from an empty table until autovacuum runs.
        analyze(
            Activity,
            ActivitySummary,
            ActivityMonthSummary,
            Activity.staff.through,
            Activity.partners.through,
            Activity.topics.through,
        )
        self.stdout.write(self.style.SUCCESS(f"{created} activities created (seed {seed})."))

    def _plan(self):
        """(team id, [municipality ids it serves today]) for every active team."""
        municipalities = {}
        for team_id, municipality_id in Assignment.objects.filter(
            valid_until__isnull=True
        ).values_list("team_id", "municipality_id"):
            municipalities.setdefault(team_id, []).append(municipality_id)
        return [
            (team.pk, municipalities[team.pk])
            for team in Team.objects.filter(is_active=True)
            if team.pk in municipalities
        ]

    def _activity(self, rng, plan, first, today, kinds, weights, creator) -> Activity:
        # Generated dates are not dates of a series (one activity per series date), so the rows
        # are not linked to consultation-hour series.
        team_id, municipality_ids = rng.choice(plan)
        held = rng.random() < 0.88
        start = datetime.time(rng.choice([9, 10, 14, 15, 16]))
        return Activity(
            kind=rng.choices(kinds, weights)[0],
            date=first + datetime.timedelta(days=rng.randrange((today - first).days)),
            start_time=start,
            end_time=datetime.time(start.hour + 2),
            team_id=team_id,
            municipality_id=rng.choice(municipality_ids),
            status=Activity.Status.HELD if held else Activity.Status.CANCELLED,
            cancel_reason="" if held else "Krankheit",
            children=rng.choice([0, 0, 1, 2, 3, 5]) if held else 0,
            young_people=rng.choice([0, 1, 2, 4, 6]) if held else 0,
            parents=rng.choice([0, 0, 1, 2]) if held else 0,
            professionals=rng.choice([0, 0, 1]) if held else 0,
            helps_initiated=1 if held and rng.random() < 0.08 else 0,
            created_by=creator,
            updated_by=creator,
        )

    def _progress(self, done: int, total: int) -> None:
        width = 40
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>9}/{total}")
        sys.stderr.flush()
