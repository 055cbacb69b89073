"""Meine Woche at the calendar's edges and after a move to another team (issue 12)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from sozialraum.models import Membership, Team
from teams.models import Activity
from teams.selectors import week_start
from tests.teams.conftest import make_series

URL = reverse("teams:my_week")
with translation.override("de"):
    OUT_OF_RANGE = translation.gettext(
        "Weeks from %(first)s to %(last)s can be shown; here is the current week."
    ) % {"first": 1900, "last": 2199}


@pytest.fixture
def monday_series(team_backnang, backnang, school, fachkraft):
    return make_series(
        team_backnang, backnang, school, weekday=0, valid_from=datetime.date(2026, 1, 1),
        staff=[fachkraft],
    )  # fmt: skip


@pytest.mark.parametrize("woche", ["0001-01-01", "0001-01-03", "9999-12-31", "9999-12-27"])
def test_week_at_the_calendars_edge_shows_this_week_with_message(
    client_for, fachkraft, monday_series, woche
):
    response = client_for(fachkraft).get(URL, {"woche": woche})

    assert response.status_code == 200
    assert response.context["monday"] == week_start(timezone.localdate())
    assert OUT_OF_RANGE in response.content.decode()


def test_logging_a_date_at_the_calendars_edge_is_not_found(client_for, fachkraft, monday_series):
    url = reverse("teams:my_week_log", args=[monday_series.pk, "9999-12-27"])

    response = client_for(fachkraft).post(url, {})

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_former_member_no_longer_sees_the_old_teams_dates(
    client_for, fachkraft, monday_series, team_backnang
):
    Membership.objects.filter(user=fachkraft, team=team_backnang).delete()
    Membership.objects.create(user=fachkraft, team=Team.objects.get(name="Winnenden"))

    response = client_for(fachkraft).get(URL)

    assert response.context["occurrences"] == []
    assert response.context["open_count"] == 0


def test_former_member_no_longer_sees_the_old_teams_other_activities(
    client_for, fachkraft, team_backnang, backnang
):
    day = week_start(timezone.localdate())
    activity = Activity.objects.create(
        kind=Activity.Kind.OTHER, date=day, team=team_backnang, municipality=backnang
    )
    activity.staff.set([fachkraft])
    before = client_for(fachkraft).get(URL).context["other_activities"]
    Membership.objects.filter(user=fachkraft, team=team_backnang).delete()

    after = client_for(fachkraft).get(URL).context["other_activities"]

    assert before == [activity]
    assert after == []
