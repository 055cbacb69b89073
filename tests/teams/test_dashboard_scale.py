"""The dashboard at any size: it reads the month and day summaries only (never an activity row),
its figures over any period equal a plain GROUP BY over the activities, and dates at the edges
of the calendar get a German message instead of a 500."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, override
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sozialraum.models import MiddleArea, Municipality, Team
from teams.dashboard import (
    GROUPS,
    Scope,
    _trend_table,
    dashboard,
    figures,
    period_parts,
    period_pieces,
    year_earlier,
)
from teams.models import Activity, ActivityMonthSummary
from teams.months import month_of, month_range
from teams.views.dashboard import FIRST_DAY, LAST_DAY

D = datetime.date
TODAY = D(2026, 11, 25)
FIRST, LAST = D(2024, 1, 1), D(2026, 11, 30)
KINDS = [Activity.Kind.COMMUNITY, Activity.Kind.ROUND_TABLE, Activity.Kind.EVENT]


@pytest.fixture
def logged(district):
    """About 200 activities of four teams in six municipalities over three years."""
    teams = list(Team.objects.order_by("pk")[:4])
    places = list(Municipality.objects.order_by("pk")[:6])
    days = (LAST - FIRST).days
    Activity.objects.bulk_create(
        Activity(
            team=teams[n % 4],
            municipality=places[(n * 7) % 6],
            date=FIRST + datetime.timedelta(days=(n * 37) % days),
            kind=KINDS[n % 3],
            status=Activity.Status.CANCELLED if n % 5 == 4 else Activity.Status.HELD,
            children=0 if n % 5 == 4 else n % 4,
            parents=0 if n % 5 == 4 else n % 3,
            helps_initiated=0 if n % 5 == 4 else n % 2,
        )
        for n in range(200)
    )
    return teams


def table(tables, key):
    return next(t for t in tables if t.key == key)


def touches_activities(queries) -> list[str]:
    return [q["sql"] for q in queries if '"teams_activity"' in q["sql"]]


# --- Only summary-sized data ------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"period": "year", "day": "2025-06-01"},
        {"period": "month", "day": "2025-06-15"},
        {"period": "custom", "start": "2024-03-17", "end": "2026-02-11"},
        {"period": "custom", "start": "2025-05-03", "end": "2025-05-20"},
    ],
)
@pytest.mark.parametrize("scope", ["district", "middle_area"])
def test_the_dashboard_reads_no_activity_row(client_for, amtsleitung, logged, params, scope):
    area = MiddleArea.objects.get(name="Backnang")
    key = "district" if scope == "district" else f"middle_area-{area.pk}"

    with CaptureQueriesContext(connection) as queries:
        response = client_for(amtsleitung).get(reverse("teams:dashboard"), {**params, "scope": key})

    assert response.context["scope"].key == key
    assert touches_activities(queries) == []
    assert any('"teams_activitymonthsummary"' in q["sql"] for q in queries) or (
        params["period"] == "custom" and params["start"][:7] == params["end"][:7]
    )


def test_the_trend_has_no_or_of_two_date_ranges(amtsleitung, logged):
    with CaptureQueriesContext(connection) as queries:
        dashboard(amtsleitung, Scope("district", None, ""), D(2025, 2, 10), D(2025, 9, 20), TODAY)

    summary_sql = [q["sql"] for q in queries if "summary" in q["sql"]]
    assert summary_sql
    assert not [sql for sql in summary_sql if re.search(r"BETWEEN.*\bOR\b.*BETWEEN", sql)]
    assert any("UNION ALL" in sql for sql in summary_sql)


def test_the_period_is_split_into_whole_months_and_edge_days():
    assert period_parts(D(2025, 1, 1), D(2025, 12, 31)) == ((D(2025, 1, 1), D(2025, 12, 1)), [])
    assert period_parts(D(2025, 2, 10), D(2025, 9, 20)) == (
        (D(2025, 3, 1), D(2025, 8, 1)),
        [(D(2025, 2, 10), D(2025, 2, 28)), (D(2025, 9, 1), D(2025, 9, 20))],
    )
    assert period_parts(D(2025, 5, 3), D(2025, 5, 20)) == (None, [(D(2025, 5, 3), D(2025, 5, 20))])
    assert period_parts(D(2025, 5, 3), D(2025, 6, 2)) == (None, [(D(2025, 5, 3), D(2025, 6, 2))])


def test_whole_years_are_taken_out_of_the_months():
    assert period_pieces(D(2025, 1, 1), D(2025, 12, 31)) == ((D(2025, 1, 1), D(2025, 1, 1)), [], [])
    assert period_pieces(D(2024, 3, 17), D(2026, 2, 11)) == (
        (D(2025, 1, 1), D(2025, 1, 1)),
        [(D(2024, 4, 1), D(2024, 12, 1)), (D(2026, 1, 1), D(2026, 1, 1))],
        [(D(2024, 3, 17), D(2024, 3, 31)), (D(2026, 2, 1), D(2026, 2, 11))],
    )
    assert period_pieces(D(2024, 1, 1), D(2026, 12, 31)) == (
        (D(2024, 1, 1), D(2026, 1, 1)),
        [],
        [],
    )
    assert period_pieces(D(2025, 2, 1), D(2025, 11, 30)) == (
        None,
        [(D(2025, 2, 1), D(2025, 11, 1))],
        [],
    )
    assert period_pieces(D(2025, 5, 3), D(2025, 5, 20)) == (
        None,
        [],
        [(D(2025, 5, 3), D(2025, 5, 20))],
    )


@pytest.mark.parametrize("scope", ["district", "middle_area"])
def test_a_year_is_one_statement_over_the_year_and_month_summaries(
    client_for, amtsleitung, logged, scope
):
    """The by-kind, consultation, contact and gap figures of a whole year come from the year
    summary, the trend from the month summary, all in one statement."""
    area = MiddleArea.objects.get(name="Backnang")
    key = "district" if scope == "district" else f"middle_area-{area.pk}"

    with CaptureQueriesContext(connection) as queries:
        response = client_for(amtsleitung).get(
            reverse("teams:dashboard"), {"period": "year", "day": "2025-06-01", "scope": key}
        )

    summary_sql = [q["sql"] for q in queries if "summary" in q["sql"]]
    figures = [sql for sql in summary_sql if "GROUPING SETS" in sql]
    assert len(figures) == 1
    assert '"teams_activityyearsummary"' in figures[0]
    assert '"teams_activitymonthsummary"' in figures[0]
    assert '"teams_activitysummary"' not in figures[0]
    assert response.context["facts"]["meetings"] == sum(
        row[1] for row in table(response.context["tables"], "by_kind").rows[1:3]
    )


def test_a_municipality_is_present_by_its_sum_not_by_a_row(amtsleitung, logged):
    """A row with no activities (as a stale row would be) is no presence."""
    team = logged[0]
    empty = Municipality.objects.exclude(pk__in=Activity.objects.values("municipality_id")).first()
    ActivityMonthSummary.objects.create(
        month=D(2025, 3, 1),
        team=team,
        municipality=empty,
        kind=Activity.Kind.COMMUNITY,
        status=Activity.Status.HELD,
        activities=0,
    )

    _, facts = dashboard(
        amtsleitung, Scope("district", None, ""), D(2025, 1, 1), D(2025, 12, 31), TODAY
    )

    assert empty in facts["gaps"]


# --- The same figures as a plain GROUP BY -----------------------------------------------------


def plain(start, end, **filters):
    return Activity.objects.filter(date__range=(start, end), **filters)


def held_per_month(start, end) -> dict:
    months = {}
    for day in plain(start, end, status="held").values_list("date", flat=True):
        key = day.replace(day=1)
        months[key] = months.get(key, 0) + 1
    return months


dates = st.dates(min_value=D(2023, 11, 1), max_value=D(2026, 12, 31))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=dates, second=dates)
@example(first=D(2025, 1, 1), second=D(2025, 12, 31))
@example(first=D(2024, 3, 17), second=D(2026, 2, 11))
@example(first=D(2024, 1, 1), second=D(2025, 12, 31))
def test_figures_over_any_period_equal_a_group_by(amtsleitung, logged, first, second):
    start, end = min(first, second), max(first, second)

    tables, facts = dashboard(amtsleitung, Scope("district", None, ""), start, end, TODAY)

    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in plain(start, end).values("kind", "status").annotate(n=Count("pk"))
    }
    by_kind = {row[0]: row[1:] for row in table(tables, "by_kind").rows}
    for kind in Activity.Kind:
        assert by_kind[kind.label] == [
            counts.get((kind, "held"), 0),
            counts.get((kind, "cancelled"), 0),
        ]
    sums = plain(start, end, status="held").aggregate(**{g: Sum(g) for g in GROUPS})
    assert [row[1] for row in table(tables, "contacts").rows] == [sums[g] or 0 for g in GROUPS]
    this, before = (
        held_per_month(start, end),
        held_per_month(year_earlier(start), year_earlier(end)),
    )
    assert [row[1:] for row in table(tables, "trend").rows] == [
        [None if m > month_of(TODAY) else this.get(m, 0), before.get(year_earlier(m), 0)]
        for m in month_range(start, end)
    ]
    present = set(plain(start, end, status="held").values_list("municipality_id", flat=True))
    assert not present & {m.pk for m in facts["gaps"]}
    assert set(Municipality.objects.exclude(pk__in=present)) == set(facts["gaps"])


# --- Dates at the edges of the calendar -------------------------------------------------------


def out_of_range_message() -> str:
    with override("de"):
        return gettext("Choose a date between %(first)s and %(last)s.") % {
            "first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"),
            "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT"),
        }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year", "day": "0001-01-01"}, "day"),
        ({"period": "month", "day": "9999-12-31"}, "day"),
        ({"period": "custom", "start": "0001-01-01", "end": "0001-12-31"}, "start"),
        ({"period": "custom", "start": "2025-01-01", "end": "9999-12-31"}, "end"),
        ({"period": "quarter", "day": "1999-12-31"}, "day"),
    ],
)
def test_a_date_off_the_calendar_gets_a_message(client_for, amtsleitung, district, params, field):
    response = client_for(amtsleitung).get(reverse("teams:dashboard"), params)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [out_of_range_message()]
    assert out_of_range_message() in response.content.decode()
    assert (response.context["start"], response.context["end"]) == (
        D(timezone.localdate().year, 1, 1),
        D(timezone.localdate().year, 12, 31),
    )


def test_the_first_and_last_accepted_days_are_shown(client_for, amtsleitung, district):
    response = client_for(amtsleitung).get(
        reverse("teams:dashboard"),
        {"period": "custom", "start": FIRST_DAY.isoformat(), "end": "2000-03-31"},
    )

    assert response.context["form"].errors == {}
    assert response.context["start"] == FIRST_DAY


def test_the_year_before_never_runs_off_the_calendar(amtsleitung, district):
    start, end = D(1, 1, 1), D(1, 12, 31)
    held = figures(amtsleitung, Scope("district", None, ""), start, end).held_by_month
    trend = _trend_table(start, end, held)

    assert (year_earlier(D(1, 6, 1)), year_earlier(D(2024, 2, 29))) == (None, D(2023, 2, 28))
    assert [row[1:] for row in trend.rows] == [[0, 0]] * 12
