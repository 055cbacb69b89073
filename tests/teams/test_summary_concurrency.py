"""Concurrent writes keep the summaries right: several threads, each with its own database
connection, create, change and delete activities of one team-day (the same summary rows) while
another corrects a venue's kind. No error reaches the caller (a deadlock PostgreSQL resolves by
aborting one transaction is retried by ``retry_on_deadlock``), and afterwards the day, month and
year summaries equal a fresh aggregation of the activities. The dates fall in two months of one
year and in the year before, so that writes to different month rows meet in one year row."""

import datetime
import random
import threading

import pytest
from django.db import connections
from django.db.models import F

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team
from sozialraum.transactions import retry_on_deadlock
from teams.models import Activity, ActivitySummary, ActivityYearSummary
from teams.summary import summary_drift

DAY = datetime.date(2026, 3, 3)
THREADS = 4
STEPS = 25


def writer(seed, team, municipalities, partners, errors, barrier):
    rng = random.Random(seed)  # noqa: S311 - test data

    def create():
        Activity.objects.create(
            team=team,
            municipality=rng.choice(municipalities),
            date=DAY + datetime.timedelta(days=rng.choice([0, 0, 1, 40, -70])),
            kind=rng.choice(["community", "consultation", "event"]),
            status=rng.choice(["held", "held", "cancelled"]),
            venue=rng.choice([None, *partners]),
            children=rng.randrange(5),
            helps_initiated=rng.randrange(2),
        )

    def change_one():
        ids = list(Activity.objects.filter(team=team).values_list("pk", flat=True)[:50])
        if ids:
            Activity.objects.filter(pk=rng.choice(ids)).update(
                kind=rng.choice(["community", "event", "other"]),
                status=rng.choice(["held", "cancelled"]),
                venue=rng.choice([None, *partners]),
                municipality=rng.choice(municipalities),
            )

    def change_all():
        # Many rows in one statement: their summary rows are locked in the scan's order.
        Activity.objects.filter(team=team, date=DAY).update(children=F("children") + 1)

    def save_one():
        activity = Activity.objects.filter(team=team).order_by("?").first()
        if activity:
            activity.young_people = rng.randrange(4)
            activity.date = DAY + datetime.timedelta(days=rng.choice([0, 1]))
            activity.save()

    def delete_some():
        ids = list(Activity.objects.filter(team=team).values_list("pk", flat=True)[:50])
        Activity.objects.filter(pk__in=rng.sample(ids, min(len(ids), 2))).delete()

    def correct_kind():
        partner = rng.choice(partners)
        partner.kind = rng.choice([PartnerKind.SCHOOL, PartnerKind.TOWN_HALL])
        Partner.objects.filter(pk=partner.pk).update(kind=partner.kind)

    operations = [create, create, create, change_one, change_all, save_one, delete_some]
    operations += [correct_kind]
    try:
        barrier.wait()
        for _step in range(STEPS):
            retry_on_deadlock(rng.choice(operations), attempts=10)
    except Exception as error:
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_keep_the_summaries_right(district):
    team = Team.objects.get(name="Backnang")
    municipalities = list(Municipality.objects.order_by("pk")[:2])
    partners = [
        Partner.objects.create(name=f"Ort {kind}", kind=kind, municipality=municipalities[0])
        for kind in (PartnerKind.SCHOOL, PartnerKind.TOWN_HALL)
    ]
    for _ in range(6):
        Activity.objects.create(team=team, municipality=municipalities[0], date=DAY, kind="event")
    errors = []
    barrier = threading.Barrier(THREADS)
    threads = [
        threading.Thread(
            target=writer, args=(seed, team, municipalities, partners, errors, barrier)
        )
        for seed in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert summary_drift() == {}
    assert not ActivitySummary.objects.filter(activities__lte=0).exists()
    assert not ActivityYearSummary.objects.filter(activities__lte=0).exists()
    assert Activity.objects.exists()
