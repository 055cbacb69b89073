"""Topics evaluated: the topic month summary always equals the activities' topic links (a
hypothesis test over random sequences of writes), and the topic tables count held activities
by topic, period and scope against the year before."""

import datetime

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sozialraum.models import Municipality, Team
from teams.dashboard import Scope
from teams.models import Activity, Topic
from teams.topics import topic_drift, topic_matrix, topic_table

D = datetime.date
DAYS = [D(2025, 3, 4), D(2025, 3, 30), D(2026, 3, 3), D(2026, 4, 30), D(2026, 12, 31)]


@pytest.fixture
def world(district):
    topics = [Topic.objects.create(name=f"Thema {n}") for n in range(3)]
    teams = list(Team.objects.order_by("pk")[:2])
    places = list(Municipality.objects.order_by("pk")[:2])
    return topics, teams, places


@pytest.mark.django_db(transaction=True)
def test_topic_summary_equals_the_links_after_any_writes(world):
    topics, teams, places = world

    class Writes(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            Activity.objects.all().delete()

        def some(self, index):
            ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
            return Activity.objects.get(pk=ids[index % len(ids)]) if ids else None

        @rule(
            day=st.sampled_from(DAYS),
            team=st.sampled_from(range(2)),
            place=st.sampled_from(range(2)),
            chosen=st.lists(st.sampled_from(range(3)), max_size=3, unique=True),
            status=st.sampled_from(["held", "cancelled"]),
        )
        def create(self, day, team, place, chosen, status):
            activity = Activity.objects.create(
                kind="community",
                date=day,
                team=teams[team],
                municipality=places[place],
                status=status,
            )
            activity.topics.set([topics[i] for i in chosen])

        @rule(index=st.integers(0, 20), topic=st.sampled_from(range(3)))
        def add_topic(self, index, topic):
            if activity := self.some(index):
                activity.topics.add(topics[topic])

        @rule(index=st.integers(0, 20), topic=st.sampled_from(range(3)))
        def remove_topic(self, index, topic):
            if activity := self.some(index):
                activity.topics.remove(topics[topic])

        @rule(index=st.integers(0, 20))
        def clear_topics(self, index):
            if activity := self.some(index):
                activity.topics.clear()

        @rule(
            index=st.integers(0, 20),
            day=st.sampled_from(DAYS),
            team=st.sampled_from(range(2)),
            place=st.sampled_from(range(2)),
            status=st.sampled_from(["held", "cancelled"]),
        )
        def move(self, index, day, team, place, status):
            if activity := self.some(index):
                activity.date, activity.team, activity.municipality = (
                    day,
                    teams[team],
                    places[place],
                )
                activity.status = status
                activity.save()

        @rule(day=st.sampled_from(DAYS), place=st.sampled_from(range(2)))
        def bulk_update(self, day, place):
            Activity.objects.filter(municipality=places[place]).update(date=day)

        @rule(index=st.integers(0, 20))
        def delete(self, index):
            if activity := self.some(index):
                activity.delete()

        @rule(index=st.integers(0, 20))
        def delete_activity_before_its_links(self, index):
            """Raw SQL in the other order: the foreign keys are checked at commit."""
            if activity := self.some(index):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("DELETE FROM teams_activity WHERE id = %s", [activity.pk])
                    cursor.execute(
                        "DELETE FROM teams_activity_topics WHERE activity_id = %s", [activity.pk]
                    )

        @invariant()
        def summary_equals_links(self):
            assert topic_drift() is None

    run_state_machine_as_test(
        Writes,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def test_topic_table_counts_held_activities_against_the_year_before(world, amtsleitung):
    topics, teams, places = world
    family, school, other = topics

    def log(day, chosen, status="held", team=0, place=0):
        activity = Activity.objects.create(
            kind="community",
            date=day,
            team=teams[team],
            municipality=places[place],
            status=status,
        )
        activity.topics.set(chosen)

    log(D(2026, 2, 3), [family, school])
    log(D(2026, 5, 3), [family])
    log(D(2026, 5, 4), [family], status="cancelled")  # not counted
    log(D(2026, 6, 4), [school], team=1, place=1)
    log(D(2025, 5, 3), [family, other])
    district = Scope("district", None, "")
    table = topic_table(amtsleitung, district, D(2026, 1, 1), D(2026, 12, 31))
    assert table.rows == [
        ["Thema 0", 2, 1, 1, 100],
        ["Thema 1", 2, 0, 2, "–"],
        ["Thema 2", 0, 1, -1, -100],
    ]
    # A custom range with partly covered months counts the edge days from the links.
    part = topic_table(amtsleitung, district, D(2026, 2, 3), D(2026, 5, 3))
    assert part.rows[0] == ["Thema 0", 2, 1, 1, 100]
    one_place = Scope("municipality", places[1].pk, places[1].name)
    assert topic_table(amtsleitung, one_place, D(2026, 1, 1), D(2026, 12, 31)).rows == [
        ["Thema 1", 1, 0, 1, "–"]
    ]
    entities = [Scope("municipality", p.pk, p.name) for p in places]
    matrix = topic_matrix(
        amtsleitung, district, entities, "municipality_id", D(2026, 1, 1), D(2026, 12, 31)
    )
    assert matrix.rows[0] == ["Thema 0", 2, 0, 2, 1]


def test_topics_are_on_the_dashboard(world, client_for, amtsleitung):
    topics, teams, places = world
    activity = Activity.objects.create(
        kind="community", date=D(2026, 2, 3), team=teams[0], municipality=places[0]
    )
    activity.topics.set([topics[0]])
    response = client_for(amtsleitung).get(
        reverse("teams:dashboard"), {"period": "year", "day": "2026-02-03"}
    )
    assert [row[:2] for row in response.context["topics"].rows] == [["Thema 0", 1]]
    assert "Thema 0" in response.content.decode()


def test_drift_is_seen(world):
    """The check the invariant relies on notices a summary that does not match."""
    topics, teams, places = world
    activity = Activity.objects.create(
        kind="community", date=D(2026, 2, 3), team=teams[0], municipality=places[0]
    )
    activity.topics.set(topics)
    assert topic_drift() is None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE teams_topicmonthsummary SET activities = 2 WHERE topic_id = %s", [topics[0].pk]
        )
    stored, fresh = topic_drift()
    assert len(stored) == len(fresh) == 3
