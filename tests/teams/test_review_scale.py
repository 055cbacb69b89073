"""The month review and the review overview at any size: totals from the summary, the first
``MONTH_ROWS`` activities with a link to the filtered activity list, a constant number of queries
whatever the month holds, and months off the calendar answering 404 instead of 500."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext, override

from sozialraum.models import Municipality, Team
from teams import reviews
from teams.models import Activity

D = datetime.date
TODAY = D(2026, 11, 25)
OCTOBER = D(2026, 10, 1)
MANY = reviews.MONTH_ROWS + 30


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(reviews, "today", lambda: TODAY)


def detail_url(team, year=2026, month=10):
    return reverse("teams:review_detail", args=[team.pk, year, month])


def log_month(team, count, month=OCTOBER):
    """``count`` activities spread over the month; every third cancelled."""
    backnang = Municipality.objects.get(name="Backnang")
    Activity.objects.bulk_create(
        Activity(
            team=team,
            municipality=backnang,
            date=month + datetime.timedelta(days=n % 28),
            kind=Activity.Kind.COMMUNITY if n % 2 else Activity.Kind.CONSULTATION,
            status=Activity.Status.CANCELLED if n % 3 == 2 else Activity.Status.HELD,
            children=0 if n % 3 == 2 else 2,
            helps_initiated=0 if n % 3 == 2 else 1,
        )
        for n in range(count)
    )


def not_found_text() -> str:
    with override("de"):
        return gettext("This page does not exist, or it is not available to you.")


# --- The month page ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, MANY])
def test_month_page_query_count_does_not_grow_with_the_month(
    client_for, fbl_backnang, team_backnang, django_assert_num_queries, count
):
    log_month(team_backnang, count)
    client = client_for(fbl_backnang)

    # 11, and 3 for the consultation dates (series, closures) and the absences.
    with django_assert_num_queries(14):
        response = client.get(detail_url(team_backnang))

    assert response.context["totals"].activities == count
    assert len(response.context["activities"]) == min(count, reviews.MONTH_ROWS)


def test_month_page_lists_the_first_rows_and_links_to_all_of_them(
    client_for, fbl_backnang, team_backnang
):
    log_month(team_backnang, MANY)

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    activities = response.context["activities"]
    assert len(activities) == reviews.MONTH_ROWS
    assert [a.date for a in activities] == sorted(a.date for a in activities)
    assert response.context["more_activities"] == MANY - reviews.MONTH_ROWS
    content = response.content.decode()
    assert 'id="more-activities"' in content
    list_url = reverse("teams:activity_list") + (
        f"?team={team_backnang.pk}&amp;date_from=2026-10-01&amp;date_to=2026-10-31"
    )
    assert list_url in content
    assert content.count('href="/aktivitaeten/') - content.count("/aktivitaeten/?") >= 100


def test_the_link_opens_the_list_of_exactly_that_team_and_month(
    client_for, fbl_backnang, team_backnang
):
    log_month(team_backnang, MANY)
    log_month(team_backnang, 3, month=D(2026, 9, 1))
    log_month(Team.objects.get(name="Backnang Umland"), 3)
    client = client_for(fbl_backnang)

    link = client.get(detail_url(team_backnang)).context["list_url"]
    response = client.get(link)

    rows = response.context["activities"]
    assert rows and {(a.team_id, a.date.month) for a in rows} == {(team_backnang.pk, 10)}
    assert response.context["filter"].qs.count() == MANY


def test_totals_come_from_the_summary_and_count_every_activity(
    client_for, fbl_backnang, team_backnang
):
    log_month(team_backnang, MANY)

    with CaptureQueriesContext(connection) as queries:
        response = client_for(fbl_backnang).get(detail_url(team_backnang))

    totals = response.context["totals"]
    cancelled = len([n for n in range(MANY) if n % 3 == 2])
    assert (totals.activities, totals.cancelled) == (MANY, cancelled)
    assert (totals.contacts["children"], totals.helps_initiated) == (
        2 * (MANY - cancelled),
        MANY - cancelled,
    )
    on_activities = [q["sql"] for q in queries if re.search(r'FROM "teams_activity"', q["sql"])]
    assert len(on_activities) == 1
    assert f"LIMIT {reviews.MONTH_ROWS}" in on_activities[0]
    assert "SUM(" not in on_activities[0] and "COUNT(" not in on_activities[0]


def test_a_small_month_shows_all_its_rows_and_no_notice(client_for, fbl_backnang, team_backnang):
    log_month(team_backnang, 3)

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    assert len(response.context["activities"]) == 3
    assert response.context["more_activities"] == 0
    assert 'id="more-activities"' not in response.content.decode()


# --- The overview -----------------------------------------------------------------------------


def test_overview_reads_the_summary_not_the_activities(client_for, fbl_backnang, team_backnang):
    log_month(team_backnang, 7)

    with CaptureQueriesContext(connection) as queries:
        response = client_for(fbl_backnang).get(reverse("teams:review_list"))

    october = next(c for c in response.context["rows"][0].months if c.month == OCTOBER)
    assert (october.activities, october.held, october.cancelled) == (7, 5, 2)
    # The counts come from the summary; the activities are read only for the consultation
    # dates not logged: the dates logged for a series (one per expected date), not all of them.
    read = [q["sql"] for q in queries if '"teams_activity"' in q["sql"]]
    assert len(read) == 1
    assert read[0].startswith(
        'SELECT "teams_activity"."consultation_hour_id" AS "consultation_hour_id", '
        '"teams_activity"."date" AS "date" FROM "teams_activity" INNER JOIN'
    )


# --- Months off the calendar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month"), [(1, 1), (99999999999, 1), (9999, 12), (1999, 12), (2101, 1), (2026, 13)]
)
def test_a_month_off_the_calendar_is_not_found(
    client_for, fbl_backnang, team_backnang, year, month
):
    client = client_for(fbl_backnang)

    responses = [
        client.get(detail_url(team_backnang, year, month)),
        client.post(
            reverse("teams:review_sign_off", args=[team_backnang.pk, year, month]), {"comment": ""}
        ),
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert [r.templates[0].name for r in responses] == ["404.html", "404.html"]
    assert not_found_text() in responses[0].content.decode()


def test_the_first_month_links_to_no_earlier_one(client_for, fbl_backnang, team_backnang):
    response = client_for(fbl_backnang).get(detail_url(team_backnang, reviews.FIRST_YEAR, 1))

    assert response.status_code == 200
    assert response.context["previous_url"] == ""
    assert detail_url(team_backnang, reviews.FIRST_YEAR - 1, 12) not in response.content.decode()


def test_the_last_month_links_to_no_later_one(client_for, fbl_backnang, team_backnang, monkeypatch):
    monkeypatch.setattr(reviews, "today", lambda: D(reviews.LAST_YEAR + 1, 6, 1))

    response = client_for(fbl_backnang).get(detail_url(team_backnang, reviews.LAST_YEAR, 12))

    assert response.status_code == 200
    assert response.context["next_url"] == ""
    assert response.context["previous_url"] == detail_url(team_backnang, reviews.LAST_YEAR, 11)
