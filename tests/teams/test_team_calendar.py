"""The team calendar (issue 14, point 3): every expected date of the team's series and every
activity of the team in a week or month, who staffs what, absences and stand-ins, flags."""

import datetime

import pytest
from django.urls import reverse

from sozialraum.models import Membership, Team, User
from teams.calendar import (
    period_bounds,
    series_without_active_staff,
    team_absences,
    team_calendar,
)
from teams.models import Absence, AbsenceStandIn, Activity, ClosurePeriod
from tests.teams.conftest import make_series

URL = reverse("teams:team_week")
D = datetime.date
# A week without public holidays: Monday 9 to Sunday 15 March 2026; "today" is after it.
MONDAY = D(2026, 3, 9)
TUESDAY = D(2026, 3, 10)
TODAY = D(2026, 3, 20)


def week(client, team=None, **params):
    query = {"date": MONDAY.isoformat(), **params}
    if team is not None:
        query["team"] = team.pk
    return client.get(URL, query)


def dates_of(calendar) -> list[tuple[int, datetime.date, str]]:
    return [
        (item.series.pk, day.date, item.occurrence.state)
        for day in calendar.days
        for item in day.dates
    ]


def log(series, day, *, status="held", staff=(), **extra):
    activity = Activity.objects.create(
        kind="consultation",
        date=day,
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status=status,
        **extra,
    )
    activity.staff.set(staff)
    return activity


@pytest.fixture
def town_hall_series(team_backnang, backnang, town_hall, teamleitung):
    """A weekly Thursday series of team Backnang at the town hall, staffed by teamleitung."""
    return make_series(team_backnang, backnang, town_hall, weekday=3, staff=[teamleitung])


# --- Behaviour -------------------------------------------------------------------------------


def test_week_shows_every_expected_date_with_its_state(
    team_backnang, series, town_hall_series, fachkraft
):
    held = log(series, TUESDAY, staff=[fachkraft], children=3)

    calendar = team_calendar(team_backnang, "week", MONDAY, today=TODAY)

    assert (calendar.start, calendar.end) == (MONDAY, D(2026, 3, 15))
    assert dates_of(calendar) == [
        (series.pk, TUESDAY, "held"),
        (town_hall_series.pk, D(2026, 3, 12), "open"),
    ]
    assert calendar.days[1].dates[0].occurrence.activity == held
    assert calendar.not_logged == 1


def test_cancelled_date_and_closure_are_shown(team_backnang, series, school):
    log(series, TUESDAY, status="cancelled", cancel_reason="Fortbildung")
    ClosurePeriod.objects.create(name="Osterferien", start=D(2026, 3, 17), end=D(2026, 3, 17))

    calendar = team_calendar(team_backnang, "month", MONDAY, today=TODAY)

    states = {day: state for _pk, day, state in dates_of(calendar)}
    assert states[TUESDAY] == "cancelled"
    assert states[D(2026, 3, 17)] == "falls_away"
    assert len(calendar.days) == 31


def test_staff_names_and_other_activities_of_the_team(
    client_for, teamleitung, fachkraft, series, team_backnang, backnang
):
    round_table = Activity.objects.create(
        kind="round_table", date=D(2026, 3, 11), team=team_backnang, municipality=backnang
    )
    round_table.staff.set([teamleitung])

    response = week(client_for(teamleitung), team_backnang)

    wednesday = response.context["calendar"].days[2]
    assert wednesday.activities == [round_table]
    assert [u.username for u in response.context["calendar"].days[1].dates[0].staff] == [
        "fachkraft"
    ]
    html = response.content.decode()
    assert "Friederike Fachkraft" in html
    assert f'id="activity-{round_table.pk}"' in html


def test_a_series_whose_only_staff_member_was_deactivated_is_flagged(
    client_for, teamleitung, fachkraft, series, team_backnang
):
    fachkraft.is_active = False
    fachkraft.save()

    response = week(client_for(teamleitung), team_backnang)

    calendar = response.context["calendar"]
    assert calendar.series_without_staff == [series]
    assert calendar.days[1].dates[0].unstaffed is True
    html = response.content.decode()
    assert 'id="series-without-staff"' in html
    assert f'href="{reverse("teams:consultationhour_detail", args=[series.pk])}"' in html


def test_a_staff_member_who_left_the_team_does_not_count_as_staff(
    teamleitung, fachkraft, series, team_backnang
):
    Membership.objects.filter(user=fachkraft, team=team_backnang).delete()

    calendar = team_calendar(team_backnang, "week", MONDAY, today=TODAY)

    assert calendar.series_without_staff == [series]


def test_series_without_active_staff_across_teams(
    fachkraft, teamleitung, series, town_hall_series, team_backnang, district
):
    fachkraft.is_active = False
    fachkraft.save()
    winnenden = Team.objects.get(name="Winnenden")
    nobody = make_series(winnenden, series.municipality, series.venue, staff=[])

    found = series_without_active_staff([team_backnang.pk, winnenden.pk], MONDAY, MONDAY)

    assert sorted(found, key=lambda s: s.pk) == [series, nobody]


def test_absence_with_stand_in_is_shown_on_the_series_date(
    team_backnang, series, fachkraft, teamleitung
):
    absence = Absence.objects.create(
        user=fachkraft, team=team_backnang, start=D(2026, 3, 10), end=D(2026, 3, 10)
    )
    AbsenceStandIn.objects.create(absence=absence, series=series, stand_in=teamleitung)

    calendar = team_calendar(team_backnang, "week", MONDAY, today=TODAY)

    tuesday = calendar.days[1]
    assert tuesday.absent == [fachkraft]
    assert [(c.person, c.stand_in) for c in tuesday.dates[0].covers] == [(fachkraft, teamleitung)]
    assert tuesday.dates[0].uncovered is False
    assert calendar.absences == [absence]
    assert calendar.days[2].absent == []


def test_absence_without_stand_in_is_flagged(
    client_for, team_backnang, series, fachkraft, teamleitung
):
    Absence.objects.create(user=fachkraft, team=team_backnang, start=MONDAY, end=D(2026, 4, 30))

    response = week(client_for(teamleitung), team_backnang)

    item = response.context["calendar"].days[1].dates[0]
    assert [(c.person, c.stand_in) for c in item.covers] == [(fachkraft, None)]
    assert item.uncovered is True
    assert f'id="date-{series.pk}-20260310"' in response.content.decode()


def test_team_absences_between_two_dates(team_backnang, fachkraft, teamleitung, district):
    inside = Absence.objects.create(
        user=fachkraft, team=team_backnang, start=D(2026, 3, 1), end=D(2026, 3, 9)
    )
    Absence.objects.create(
        user=teamleitung, team=team_backnang, start=D(2026, 3, 16), end=D(2026, 3, 20)
    )
    other_team = Team.objects.get(name="Winnenden")
    outsider = User.objects.create_user("w")
    Absence.objects.create(user=outsider, team=other_team, start=MONDAY, end=MONDAY)

    assert team_absences([team_backnang.pk], MONDAY, D(2026, 3, 15)) == [inside]


def test_month_and_navigation(client_for, teamleitung, series, team_backnang):
    response = week(client_for(teamleitung), team_backnang, period="month")

    assert response.context["period"] == "month"
    assert (response.context["previous"], response.context["next"]) == (
        D(2026, 2, 1),
        D(2026, 4, 1),
    )
    assert [day for _pk, day, _state in dates_of(response.context["calendar"])] == [
        D(2026, 3, 3),
        D(2026, 3, 10),
        D(2026, 3, 17),
        D(2026, 3, 24),
        D(2026, 3, 31),
    ]
    assert f"?team={team_backnang.pk}&amp;period=month&amp;date=2026-04-01" in (
        response.content.decode()
    )


@pytest.mark.parametrize("value", ["", "xyz", "month ", "<script>"])
def test_unknown_period_shows_the_week(client_for, teamleitung, team_backnang, value):
    response = week(client_for(teamleitung), team_backnang, period=value)

    assert (response.context["period"], response.context["calendar"].start) == ("week", MONDAY)


@pytest.mark.parametrize("value", ["2026-02-30", "x", "0001-01-01", "9999-12-31"])
def test_unusable_date_shows_the_current_period(client_for, teamleitung, team_backnang, value):
    response = client_for(teamleitung).get(URL, {"team": team_backnang.pk, "date": value})

    today = datetime.date.today()
    assert response.context["calendar"].start <= today <= response.context["calendar"].end


def test_period_bounds():
    assert period_bounds("week", D(2026, 3, 15)) == (MONDAY, D(2026, 3, 15))
    assert period_bounds("month", D(2026, 2, 14)) == (D(2026, 2, 1), D(2026, 2, 28))


# --- Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "default_team"),
    [
        ("fachkraft", "Backnang"),
        ("teamleitung", "Backnang"),
        ("fbl-backnang", "Backnang"),
        ("amtsleitung", "Backnang"),
        ("admin", "Backnang"),
    ],
)
def test_readers_see_the_calendar_of_backnang(
    client_for, demo_users, series, username, default_team
):
    response = week(client_for(demo_users[username]), Team.objects.get(name="Backnang"))

    assert response.status_code == 200
    assert response.context["team"].name == default_team
    assert [pk for pk, _day, _state in dates_of(response.context["calendar"])] == [series.pk]


def names(teams) -> list[str]:
    return sorted(team.name for team in teams)


@pytest.mark.parametrize(
    ("username", "middle_area"),
    [
        ("fachkraft", None),
        ("teamleitung", None),
        ("fbl-backnang", "Backnang"),
        ("fbl-waiblingen", "Waiblingen"),
        ("amtsleitung", "*"),
        ("admin", "*"),
    ],
)
def test_team_chooser_offers_the_teams_of_the_scope(client_for, demo_users, username, middle_area):
    response = client_for(demo_users[username]).get(URL)

    if middle_area is None:
        expected = ["Backnang"]
    elif middle_area == "*":
        expected = names(Team.objects.all())
    else:
        expected = names(Team.objects.filter(middle_area__name=middle_area))
    assert names(response.context["teams"]) == expected
    assert len(expected) in (1, 3, 9)


@pytest.mark.parametrize("who", ["fbl-waiblingen", "winnenden", "ohnerolle"])
def test_another_teams_calendar_is_not_found(
    client_for, demo_users, other_team_member, no_role_user, series, team_backnang, who
):
    users = {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}

    response = week(client_for(users[who]), team_backnang)

    assert response.status_code == 404
    assert b"Grundschule" not in response.content


@pytest.mark.parametrize("value", ["abc", "0", "99999999", "-1", "²", "9" * 30, "1\x00"])
def test_unknown_team_is_not_found(client_for, teamleitung, value):
    response = client_for(teamleitung).get(URL, {"team": value})

    assert response.status_code == 404


def test_user_without_team_sees_a_note(client_for, no_role_user):
    response = client_for(no_role_user).get(URL)

    assert response.context["team"] is None
    assert 'id="no-team"' in response.content.decode()


def test_anonymous_is_sent_to_the_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert "anmelden" in response["Location"]


def test_menu_links_the_team_calendar(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("teams:my_week"))

    assert f'href="{URL}"' in response.content.decode()


# --- Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 6])
def test_query_count_is_constant_in_dates_activities_and_absences(
    client,
    teamleitung,
    fachkraft,
    team_backnang,
    backnang,
    school,
    topics,
    django_assert_num_queries,
    count,
):
    for n in range(count):
        series = make_series(
            team_backnang, backnang, school, weekday=n % 5, staff=[fachkraft, teamleitung]
        )
        log(series, series_first_date(n), staff=[fachkraft])
        other = Activity.objects.create(
            kind="community", date=D(2026, 3, 2 + n), team=team_backnang, municipality=backnang
        )
        other.staff.set([teamleitung])
        absence = Absence.objects.create(
            user=User.objects.create_user(f"extra{n}"),
            team=team_backnang,
            start=D(2026, 3, 1 + n),
            end=D(2026, 3, 1 + n),
        )
        Membership.objects.create(user=absence.user, team=team_backnang)
        AbsenceStandIn.objects.create(absence=absence, series=series, stand_in=teamleitung)
    Absence.objects.create(user=fachkraft, team=team_backnang, start=MONDAY, end=D(2026, 3, 31))
    client.force_login(teamleitung)

    with django_assert_num_queries(QUERIES):
        response = client.get(
            URL, {"team": team_backnang.pk, "period": "month", "date": "2026-03-01"}
        )

    dates = dates_of(response.context["calendar"])
    assert len({pk for pk, _day, _state in dates}) == count


def series_first_date(n: int) -> datetime.date:
    """A date in March 2026 on the weekday ``n % 5`` (Monday 2 March + n % 5)."""
    return D(2026, 3, 2) + datetime.timedelta(days=n % 5)


# Session and user, the menu's context, the visible teams, then the calendar (series, their
# staff, activities, their staff, absences, stand-ins, closures), the session's save.
QUERIES = 15
