"""Every series saves unchanged from its own edit form (issue 12, point 6), and the
recurrence fields that do not fit the chosen pattern are ignored."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from kooperation import demo as kooperation_demo
from teams import demo as teams_demo
from teams.models import ConsultationHour
from tests.form_values import shown_values
from tests.teams.conftest import make_series

SERIES_FIELDS = [
    "team", "municipality", "venue", "location", "rrule", "start_time", "end_time",
    "valid_from", "valid_until", "target_groups", "is_public", "public_note",
    "show_staff_names",
]  # fmt: skip


def snapshot(series: ConsultationHour) -> dict:
    series.refresh_from_db()
    return {
        **model_to_dict(series, fields=SERIES_FIELDS),
        "staff": sorted(series.staff.values_list("pk", flat=True)),
    }


@pytest.fixture
def demo(demo_users):
    kooperation_demo.demo_load()
    teams_demo.demo_load()
    return demo_users


def test_every_demo_series_saves_unchanged_from_its_edit_form(client_for, demo):
    client = client_for(demo["admin"])
    refused = {}
    all_series = list(ConsultationHour.objects.order_by("pk"))

    for series in all_series:
        url = reverse("teams:consultationhour_update", args=[series.pk])
        before = snapshot(series)
        response = client.post(url, shown_values(client.get(url).context["form"]))
        if response.status_code != 302:
            refused[series.pk] = response.context["form"].errors
        elif snapshot(series) != before:
            refused[series.pk] = "changed"

    assert len(all_series) >= 30
    assert refused == {}


@pytest.fixture
def weekly(team_backnang, backnang, school, fachkraft, teamleitung):
    return make_series(team_backnang, backnang, school, weekday=3, staff=[fachkraft])


@pytest.mark.parametrize(
    ("pattern", "interval", "nth", "rrule"),
    [
        ("weekly", "1", "", "FREQ=WEEKLY;BYDAY=TH"),
        ("weekly", "99", "7", "FREQ=WEEKLY;BYDAY=TH"),
        ("every_n_weeks", "3", "kein", "FREQ=WEEKLY;INTERVAL=3;BYDAY=TH"),
        ("monthly", "1", "-1", "FREQ=MONTHLY;BYDAY=-1TH"),
    ],
)
def test_fields_outside_the_chosen_pattern_are_ignored(
    client_for, teamleitung, weekly, pattern, interval, nth, rrule
):
    url = reverse("teams:consultationhour_update", args=[weekly.pk])
    client = client_for(teamleitung)
    data = shown_values(client.get(url).context["form"])

    response = client.post(url, {**data, "pattern": pattern, "interval": interval, "nth": nth})

    assert response.status_code == 302
    weekly.refresh_from_db()
    assert weekly.rrule == rrule


def test_every_n_weeks_still_needs_a_valid_interval(client_for, teamleitung, weekly):
    url = reverse("teams:consultationhour_update", args=[weekly.pk])
    client = client_for(teamleitung)
    data = shown_values(client.get(url).context["form"])

    response = client.post(url, {**data, "pattern": "every_n_weeks", "interval": "1"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["interval"]
    weekly.refresh_from_db()
    assert weekly.rrule == "FREQ=WEEKLY;BYDAY=TH"


def test_weekly_series_shows_no_interval_of_one(client_for, teamleitung, weekly):
    url = reverse("teams:consultationhour_update", args=[weekly.pk])

    form = client_for(teamleitung).get(url).context["form"]

    assert form["pattern"].value() == "weekly"
    assert form["interval"].value() != 1
    assert weekly.valid_from == datetime.date(2026, 1, 1)
