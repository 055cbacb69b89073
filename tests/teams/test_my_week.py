import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import Activity
from teams.selectors import week_start
from tests.teams.conftest import make_series

URL = reverse("teams:my_week")


def this_week_day(weekday: int) -> datetime.date:
    return week_start(timezone.localdate()) + datetime.timedelta(days=weekday)


@pytest.fixture
def monday_series(team_backnang, backnang, school, fachkraft):
    """A weekly Monday series staffed by fachkraft: its date this week is never in the future."""
    return make_series(
        team_backnang,
        backnang,
        school,
        weekday=0,
        valid_from=datetime.date(2026, 1, 1),
        staff=[fachkraft],
    )


def log_url(series, day):
    return reverse("teams:my_week_log", args=[series.pk, day.isoformat()])


def quick(series, day, **fields):
    prefix = f"{series.pk}-{day:%Y%m%d}"
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def test_my_week_shows_the_dates_of_the_series_i_staff(
    client_for, fachkraft, monday_series, series, teamleitung, team_backnang, backnang, town_hall
):
    make_series(team_backnang, backnang, town_hall, weekday=2, staff=[teamleitung])

    response = client_for(fachkraft).get(URL)

    items = response.context["occurrences"]
    assert [(o.series, o.date) for o in items] == [
        (monday_series, this_week_day(0)),
        (series, this_week_day(1)),
    ]
    assert response.context["open_count"] >= 1


def test_other_weeks_by_arrows(client_for, fachkraft, monday_series):
    previous = week_start(timezone.localdate()) - datetime.timedelta(days=7)

    response = client_for(fachkraft).get(URL, {"woche": previous.isoformat()})

    assert [o.date for o in response.context["occurrences"]] == [previous]
    assert (
        f"?woche={(previous - datetime.timedelta(days=7)).isoformat()}" in response.content.decode()
    )


def test_log_held_date_without_javascript(client_for, fachkraft, monday_series, topics):
    day = this_week_day(0)

    response = client_for(fachkraft).post(
        log_url(monday_series, day),
        quick(
            monday_series,
            day,
            status="held",
            children="2",
            young_people="5",
            parents="1",
            topics=str(topics[0].pk),
        ),
    )

    activity = Activity.objects.get()
    assert (
        response.url
        == f"{URL}?woche={week_start(day).isoformat()}#occ-{monday_series.pk}-{day:%Y%m%d}"
    )
    assert (activity.kind, activity.date, activity.contacts, activity.consultation_hour) == (
        "consultation",
        day,
        8,
        monday_series,
    )
    assert (activity.team, activity.municipality, activity.created_by) == (
        monday_series.team,
        monday_series.municipality,
        fachkraft,
    )
    assert list(activity.staff.all()) == [fachkraft]
    assert list(activity.partners.all()) == [monday_series.venue]
    assert list(activity.topics.all()) == [topics[0]]


def test_log_cancelled_date_with_htmx_returns_the_card(client_for, fachkraft, monday_series):
    day = this_week_day(0)

    response = client_for(fachkraft).post(
        log_url(monday_series, day),
        quick(monday_series, day, status="cancelled", cancel_reason="Krankheit"),
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    card = f'id="occ-{monday_series.pk}-{day:%Y%m%d}"'
    assert content.strip().startswith(
        f'<li class="card occurrence occurrence-cancelled mb-3" {card}>'
    )
    assert "Krankheit" in content
    assert Activity.objects.get().status == "cancelled"


def test_cancelled_without_reason_shows_the_error_in_place(client_for, fachkraft, monday_series):
    day = this_week_day(0)

    response = client_for(fachkraft).post(
        log_url(monday_series, day),
        quick(monday_series, day, status="cancelled"),
        headers={"HX-Request": "true"},
    )

    assert response.context["occurrence"].form.errors == {
        "cancel_reason": ["Bitte geben Sie den Grund für den Ausfall an."]
    }
    assert not Activity.objects.exists()


def test_logging_twice_keeps_the_first(client_for, fachkraft, monday_series):
    day = this_week_day(0)
    client = client_for(fachkraft)

    client.post(log_url(monday_series, day), quick(monday_series, day, status="held", children="1"))
    client.post(log_url(monday_series, day), quick(monday_series, day, status="held", children="9"))

    assert list(Activity.objects.values_list("children", flat=True)) == [1]


def test_date_not_of_the_series_or_other_team_is_404(
    client_for, fachkraft, other_team_member, monday_series
):
    day = this_week_day(0)

    wrong_day = client_for(fachkraft).post(
        log_url(monday_series, day + datetime.timedelta(days=1)), {}
    )
    other = client_for(other_team_member).post(
        log_url(monday_series, day), quick(monday_series, day, status="held")
    )

    assert (wrong_day.status_code, other.status_code) == (404, 404)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("count", [1, 5])
def test_my_week_query_count_is_constant(
    client, fachkraft, team_backnang, backnang, school, topics, django_assert_num_queries, count
):
    for n in range(count):
        series = make_series(team_backnang, backnang, school, weekday=n % 5, staff=[fachkraft])
        Activity.objects.create(
            kind="consultation",
            date=this_week_day(n % 5),
            team=team_backnang,
            municipality=backnang,
            consultation_hour=series,
            status="held",
        )
    client.force_login(fachkraft)

    with django_assert_num_queries(14):
        response = client.get(URL)

    assert len(response.context["occurrences"]) == count
