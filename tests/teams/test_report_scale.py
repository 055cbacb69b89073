"""The annual report at any size: its figures come from the activity summaries; the only query
on the activities is the per-Gremium ``EXISTS`` of "Gremien that met", and it agrees with a
plain count."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kooperation.models import Body
from sozialraum.models import Municipality, Team
from teams.dashboard import Scope
from teams.models import Activity
from teams.report import MEETING_KINDS, annual_figures

D = datetime.date
TODAY = D(2026, 11, 25)


@pytest.fixture
def meetings(district):
    """Meetings of three Gremien in 2025 (one cancelled, one of another year) and 40 community
    activities, logged by the teams of the Mittelbereich Backnang and by Winnenden."""
    backnang = Team.objects.get(name="Backnang")
    winnenden = Team.objects.get(name="Winnenden")
    place = Municipality.objects.get(name="Backnang")
    bodies = [
        Body.objects.create(name=f"Runder Tisch {n}", kind="round_table", municipality=place)
        for n in range(3)
    ]
    rows = [
        (backnang, bodies[0], "round_table", D(2025, 2, 3), "held"),
        (backnang, bodies[0], "round_table", D(2025, 5, 3), "held"),
        (backnang, bodies[1], "working_group", D(2025, 6, 3), "held"),
        (backnang, bodies[1], "round_table", D(2025, 7, 3), "cancelled"),
        (backnang, bodies[2], "round_table", D(2024, 7, 3), "held"),
        (winnenden, bodies[2], "round_table", D(2025, 8, 3), "held"),
    ]
    for team, body, kind, day, status in rows:
        Activity.objects.create(
            team=team, municipality=place, body=body, kind=kind, date=day, status=status
        )
    Activity.objects.bulk_create(
        Activity(team=backnang, municipality=place, kind="community", date=D(2025, 3, 1 + n % 28))
        for n in range(40)
    )
    return backnang


def meetings_table(user, scope):
    report = annual_figures(user, scope, 2025, TODAY)
    # Meetings held and Gremien that met in 2025 (beside each: 2024 and the change).
    return {row[0]: [row[1], row[4]] for row in report.meetings.rows}


def plain_meetings(**filters) -> dict:
    rows = (
        Activity.objects.filter(date__year=2025, status="held", kind__in=MEETING_KINDS, **filters)
        .values("kind")
        .annotate(n=Count("pk"), bodies=Count("body", distinct=True))
    )
    return {row["kind"]: [row["n"], row["bodies"]] for row in rows}


def test_meetings_and_gremien_of_the_district_equal_a_plain_count(amtsleitung, meetings):
    table = meetings_table(amtsleitung, Scope("district", None, ""))

    expected = plain_meetings()
    assert table == {kind.label: expected.get(kind, [0, 0]) for kind in MEETING_KINDS}
    assert table[Activity.Kind.ROUND_TABLE.label] == [3, 2]


def test_gremien_that_met_count_only_the_scope(fbl_backnang, meetings):
    area = meetings.middle_area

    table = meetings_table(fbl_backnang, Scope("middle_area", area.pk, ""))

    assert table == {
        Activity.Kind.ROUND_TABLE.label: [2, 1],
        Activity.Kind.WORKING_GROUP.label: [1, 1],
    }


def test_the_report_page_reads_the_activities_only_for_the_gremien(
    client_for, amtsleitung, meetings
):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(amtsleitung).get(
            reverse("teams:annual_report"), {"year": 2025, "scope": "district"}
        )

    assert response.context["report"].year == 2025
    on_activities = [q["sql"] for q in queries if '"teams_activity"' in q["sql"]]
    # The Gremien that met in 2025 and 2024, and the networks' meetings: each one query over
    # the Gremien, probing the activities per Gremium.
    assert len(on_activities) == 3
    assert [outer(sql).split(" FROM ")[1].split()[0] for sql in on_activities] == [
        '"kooperation_body"'
    ] * 3


def outer(sql: str) -> str:
    """The SQL without its parenthesised parts (the subqueries)."""
    depth, kept = 0, []
    for char in sql:
        depth += char == "("
        if not depth:
            kept.append(char)
        depth -= char == ")"
    return "".join(kept)
