import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kooperation.models import Partner
from sozialraum.models import Municipality
from teams.models import Activity
from tests.teams.conftest import make_series


def series_data(series, **changes):
    data = {
        "team": series.team_id,
        "municipality": series.municipality_id,
        "venue": series.venue_id,
        "location": "",
        "pattern": "weekly",
        "weekday": 1,
        "interval": "",
        "nth": "",
        "start_time": "14:00",
        "end_time": "16:00",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "staff": [u.pk for u in series.staff.all()],
        "version": series.version,
    }
    return {**data, **changes}


def test_teamleitung_changes_the_pattern(client_for, teamleitung, series):
    response = client_for(teamleitung).post(
        reverse("teams:consultationhour_update", args=[series.pk]),
        series_data(series, pattern="every_n_weeks", interval=3, weekday=3),
    )

    series.refresh_from_db()
    assert response.url == reverse("teams:consultationhour_detail", args=[series.pk])
    assert (series.rrule, series.version) == ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TH", 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_time": "13:00"}, "end_time"),
        ({"pattern": "every_n_weeks", "interval": ""}, "interval"),
        ({"pattern": "monthly", "nth": ""}, "nth"),
        ({"valid_until": "2025-01-01"}, "__all__"),
    ],
)
def test_bad_series_input_changes_nothing(client_for, teamleitung, series, changes, field):
    response = client_for(teamleitung).post(
        reverse("teams:consultationhour_update", args=[series.pk]), series_data(series, **changes)
    )

    assert field in response.context["form"].errors
    series.refresh_from_db()
    assert (series.rrule, series.version) == ("FREQ=WEEKLY;BYDAY=TU", 1)


def test_venue_must_be_in_the_municipality(client_for, teamleitung, series):
    korb = Municipality.objects.get(name="Korb")
    elsewhere = Partner.objects.create(name="Rathaus Korb", kind="town_hall", municipality=korb)

    response = client_for(teamleitung).post(
        reverse("teams:consultationhour_update", args=[series.pk]),
        series_data(series, venue=elsewhere.pk),
    )

    assert response.context["form"].errors["venue"] == [
        "Der Ort muss in der gewählten Stadt/Gemeinde liegen."
    ]


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("fachkraft", 403),
        ("teamleitung", 200),
        ("fbl-backnang", 200),
        ("fbl-waiblingen", 404),
        ("amtsleitung", 403),
        ("admin", 200),
    ],
)
def test_who_may_edit_a_series(client_for, demo_users, series, username, status):
    response = client_for(demo_users[username]).get(
        reverse("teams:consultationhour_update", args=[series.pk])
    )

    assert response.status_code == status
    if status == 200:
        assert response.context["form"].instance == series


def test_other_team_gets_404_on_series_detail(client_for, other_team_member, series):
    response = client_for(other_team_member).get(
        reverse("teams:consultationhour_detail", args=[series.pk])
    )

    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_series_page_shows_states_of_dates(client_for, fachkraft, series):
    today = timezone.localdate()
    last_tuesday = today - datetime.timedelta(days=(today.weekday() - 1) % 7 or 7)
    Activity.objects.create(
        kind="consultation",
        date=last_tuesday,
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status="cancelled",
        cancel_reason="Krankheit",
    )

    response = client_for(fachkraft).get(reverse("teams:consultationhour_detail", args=[series.pk]))

    past_dates = response.context["past"]
    assert past_dates[0].date == last_tuesday
    assert past_dates[0].state == "cancelled"
    assert {o.state for o in past_dates[1:]} <= {"open", "falls_away"}
    assert all(o.date >= today for o in response.context["upcoming"])


@pytest.mark.parametrize("count", [1, 5])
def test_series_page_query_count_is_constant(
    client, fachkraft, series, django_assert_num_queries, count
):
    today = timezone.localdate()
    for n in range(count):
        day = today - datetime.timedelta(days=7 * (n + 1) + (today.weekday() - 1) % 7)
        Activity.objects.create(
            kind="consultation",
            date=day,
            team=series.team,
            municipality=series.municipality,
            consultation_hour=series,
            status="held",
        )
    client.force_login(fachkraft)

    with django_assert_num_queries(11):
        response = client.get(reverse("teams:consultationhour_detail", args=[series.pk]))

    assert sum(1 for o in response.context["past"] if o.state == "held") == count


def test_series_list_shows_only_visible_teams(
    client_for, other_team_member, fachkraft, series, team_backnang, backnang, town_hall
):
    make_series(team_backnang, backnang, town_hall, weekday=3)

    mine = client_for(fachkraft).get(reverse("teams:consultationhour_list"))
    theirs = client_for(other_team_member).get(reverse("teams:consultationhour_list"))

    assert len(mine.context["series_list"]) == 2
    assert list(theirs.context["series_list"]) == []
