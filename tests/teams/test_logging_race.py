"""Two people logging the same consultation date: the second is told who was first, with a
link, never an error page (issue 12, point 4). The race is made deterministic: the first
person's transaction has inserted its row but not committed when the second one posts, so
the second passes every check and then waits on the unique index."""

import datetime
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from teams.models import Activity
from teams.recurrence import occurrences
from teams.selectors import week_start
from teams.services import activity_log_occurrence
from tests.teams.conftest import make_series

COUNTS = ("children", "young_people", "parents", "professionals", "others", "helps_initiated")


@pytest.fixture
def monday():
    return week_start(timezone.localdate())


@pytest.fixture
def monday_series(team_backnang, backnang, school, fachkraft, teamleitung):
    return make_series(
        team_backnang, backnang, school, weekday=0, valid_from=datetime.date(2026, 1, 1),
        staff=[fachkraft, teamleitung],
    )  # fmt: skip


def waiting_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def first_logs_while(second, *, series, day, user):
    """Log the date as ``user`` in a transaction that commits only once ``second`` (run in
    this thread) waits on the row; returns what ``second`` returned."""
    inserted, result = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                [occurrence] = occurrences([series], day, day)
                activity_log_occurrence(
                    occurrence=occurrence, data={"status": "held", "parents": 2}, user=user
                )
                inserted.set()
                deadline = time.monotonic() + 10
                while not waiting_on_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.05)
                result["raced"] = waiting_on_a_lock()
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inserted.wait(10)
    result["response"] = second()
    thread.join(10)
    assert result["raced"], "the second request never waited for the first"
    return result["response"]


def expected_notice(activity) -> str:
    return f'<a href="{reverse("teams:activity_detail", args=[activity.pk])}">'


@pytest.mark.django_db(transaction=True)
def test_second_quick_log_at_the_same_moment_is_told_who_was_first(
    client_for, fachkraft, teamleitung, monday_series, monday
):
    client = client_for(fachkraft)
    url = reverse("teams:my_week_log", args=[monday_series.pk, monday.isoformat()])
    prefix = f"{monday_series.pk}-{monday:%Y%m%d}"

    response = first_logs_while(
        lambda: client.post(url, {f"{prefix}-status": "held", f"{prefix}-children": "5"}),
        series=monday_series, day=monday, user=teamleitung,
    )  # fmt: skip

    activity = Activity.objects.get()
    assert (activity.created_by, activity.parents, activity.children) == (teamleitung, 2, 0)
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert teamleitung.get_full_name() in message
    assert expected_notice(activity) in message


@pytest.mark.django_db(transaction=True)
def test_second_full_form_at_the_same_moment_is_told_who_was_first(
    client_for, fachkraft, teamleitung, monday_series, monday, backnang
):
    client = client_for(fachkraft)
    data = {
        "kind": "consultation", "date": monday.isoformat(), "team": monday_series.team_id,
        "municipality": backnang.pk, "consultation_hour": monday_series.pk, "status": "held",
        "staff": [fachkraft.pk], "note": "", **dict.fromkeys(COUNTS, "0"),
    }  # fmt: skip

    response = first_logs_while(
        lambda: client.post(reverse("teams:activity_create"), data),
        series=monday_series, day=monday, user=teamleitung,
    )  # fmt: skip

    activity = Activity.objects.get()
    assert activity.created_by == teamleitung
    assert response.status_code == 200
    [error] = response.context["form"].errors["date"]
    assert teamleitung.get_full_name() in error
    assert expected_notice(activity) in error
    assert expected_notice(activity) in response.content.decode()


def test_full_form_for_a_logged_date_names_who_logged_it(
    client_for, fachkraft, teamleitung, monday_series, monday, backnang
):
    [occurrence] = occurrences([monday_series], monday, monday)
    first = activity_log_occurrence(
        occurrence=occurrence, data={"status": "held"}, user=teamleitung
    )
    data = {
        "kind": "consultation", "date": monday.isoformat(), "team": monday_series.team_id,
        "municipality": backnang.pk, "consultation_hour": monday_series.pk, "status": "held",
        "staff": [fachkraft.pk], **dict.fromkeys(COUNTS, "0"),
    }  # fmt: skip

    response = client_for(fachkraft).post(reverse("teams:activity_create"), data)

    [error] = response.context["form"].errors["date"]
    assert teamleitung.get_full_name() in error
    assert expected_notice(first) in error
    assert list(Activity.objects.all()) == [first]


def test_quick_log_with_htmx_of_a_logged_date_shows_who_on_the_card(
    client_for, fachkraft, teamleitung, monday_series, monday
):
    [occurrence] = occurrences([monday_series], monday, monday)
    first = activity_log_occurrence(
        occurrence=occurrence, data={"status": "held"}, user=teamleitung
    )
    prefix = f"{monday_series.pk}-{monday:%Y%m%d}"

    response = client_for(fachkraft).post(
        reverse("teams:my_week_log", args=[monday_series.pk, monday.isoformat()]),
        {f"{prefix}-status": "held"},
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert teamleitung.get_full_name() in content
    assert expected_notice(first) in content
    assert list(Activity.objects.all()) == [first]
