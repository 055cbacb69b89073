"""The start page shows the work, by role: open dates, next steps due and the team's series
without staff for staff; months to sign off, municipalities without presence and overdue next
steps for heads (Fachbereichsleitung: their Mittelbereich, Amtsleitung: the district)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum import home_panels
from sozialraum.models import Membership, Municipality, Team, User
from teams.models import Activity, TeamMonthReview
from tests.teams.conftest import make_series

HOME = reverse("sozialraum:home")
# A Wednesday; "today" of every test. The open dates run from Monday 23 November.
TODAY = datetime.date(2026, 12, 9)
D = datetime.date


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(home_panels, "local_today", lambda: TODAY)


def panels(response) -> dict:
    return {
        panel.template_name.split("/_home_")[1][:-5]: panel for panel in response.context["panels"]
    }


@pytest.fixture
def team_backnang(district):
    return Team.objects.get(name="Backnang")


@pytest.fixture
def tuesday_series(team_backnang, backnang, school_backnang, fachkraft):
    return make_series(team_backnang, backnang, school_backnang, weekday=1, staff=[fachkraft])


def log(series, day, status=Activity.Status.HELD):
    return Activity.objects.create(
        kind=Activity.Kind.CONSULTATION,
        date=day,
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status=status,
        cancel_reason="Krankheit" if status == Activity.Status.CANCELLED else "",
    )


def cooperation(partner, responsible, due, step="Termin vereinbaren"):
    return Cooperation.objects.create(
        partner=partner,
        status=CooperationStatus.BUILDING,
        since=D(2026, 1, 1),
        responsible=responsible,
        next_step=step,
        next_step_due=due,
    )


def partner(name, municipality):
    return Partner.objects.create(name=name, kind=PartnerKind.SCHOOL, municipality=municipality)


# --- Staff ------------------------------------------------------------------------------------


def test_staff_sees_the_open_dates_of_three_weeks(client_for, fachkraft, tuesday_series):
    log(tuesday_series, D(2026, 12, 1))

    response = client_for(fachkraft).get(HOME)

    dates = panels(response)["open_dates"].context["dates"]
    assert [o.date for o in dates] == [D(2026, 11, 24), D(2026, 12, 8)]
    html = response.content.decode()
    assert f"{reverse('teams:my_week')}?woche=2026-12-08#occ-{tuesday_series.pk}-20261208" in html
    assert html.index('id="home-work"') < html.index('id="own-teams-heading"')


def test_open_dates_leave_out_holidays_cancelled_and_other_peoples_series(
    client_for, fachkraft, teamleitung, team_backnang, backnang, school_backnang, tuesday_series
):
    log(tuesday_series, D(2026, 11, 24), Activity.Status.CANCELLED)
    log(tuesday_series, D(2026, 12, 1))
    log(tuesday_series, D(2026, 12, 8))
    make_series(team_backnang, backnang, school_backnang, weekday=0, staff=[teamleitung])

    response = client_for(fachkraft).get(HOME)

    assert panels(response)["open_dates"].context["dates"] == []
    assert b'id="no-open-dates"' in response.content


def test_staff_sees_own_next_steps_due_and_overdue_only(
    client_for, fachkraft, teamleitung, backnang
):
    overdue = cooperation(partner("Schule A", backnang), fachkraft, TODAY - datetime.timedelta(1))
    soon = cooperation(partner("Schule B", backnang), fachkraft, TODAY + datetime.timedelta(5))
    cooperation(partner("Schule C", backnang), fachkraft, TODAY + datetime.timedelta(30))
    cooperation(partner("Schule D", backnang), teamleitung, TODAY - datetime.timedelta(3))
    cooperation(partner("Schule E", backnang), fachkraft, TODAY, step="")

    response = client_for(fachkraft).get(HOME)

    assert panels(response)["next_steps_due"].context["rows"] == [overdue, soon]
    assert "Schule D" not in response.content.decode()


def test_team_sees_series_whose_staff_left(
    client_for, fachkraft, teamleitung, team_backnang, backnang, school_backnang, tuesday_series
):
    leaver = User.objects.create_user("ehemalig", first_name="Eva", last_name="Ehemalig")
    Membership.objects.create(user=leaver, team=team_backnang)
    deactivated = User.objects.create_user("inaktiv", is_active=False)
    Membership.objects.create(user=deactivated, team=team_backnang)
    left = make_series(team_backnang, backnang, school_backnang, weekday=2, staff=[leaver])
    Membership.objects.filter(user=leaver).delete()
    orphan = make_series(team_backnang, backnang, school_backnang, weekday=3, staff=[deactivated])
    nobody = make_series(team_backnang, backnang, school_backnang, weekday=4)
    make_series(team_backnang, backnang, school_backnang, weekday=4, valid_until=D(2026, 6, 30))

    for user in (fachkraft, teamleitung):
        response = client_for(user).get(HOME)

        rows = panels(response)["unstaffed"].context["rows"]
        assert sorted(row.series.pk for row in rows) == sorted([left.pk, orphan.pk, nobody.pk])


def test_no_unstaffed_panel_when_every_series_has_staff(client_for, fachkraft, tuesday_series):
    response = client_for(fachkraft).get(HOME)

    assert "unstaffed" not in panels(response)
    assert list(panels(response)) == ["open_dates", "next_steps_due"]


def test_other_teams_work_is_not_shown(
    client_for, other_team_member, fachkraft, tuesday_series, backnang
):
    cooperation(partner("Schule A", backnang), fachkraft, TODAY - datetime.timedelta(1))
    tuesday_series.staff.clear()

    response = client_for(other_team_member).get(HOME)

    found = panels(response)
    assert found["open_dates"].context["dates"] == []
    assert found["next_steps_due"].context["rows"] == []
    assert "unstaffed" not in found
    assert "Schule A" not in response.content.decode()


# --- Heads ------------------------------------------------------------------------------------


def test_head_sees_months_to_sign_off_of_the_mittelbereich(
    client_for, fbl_backnang, fbl_waiblingen
):
    backnang_team = Team.objects.get(name="Backnang")
    TeamMonthReview.objects.create(
        team=backnang_team, month=D(2026, 11, 1), signed_off_at=timezone.now()
    )

    response = client_for(fbl_backnang).get(HOME)

    rows = panels(response)["sign_off"].context["rows"]
    assert [row.team.name for row in rows] == ["Backnang", "Backnang Umland", "Oberes Murrtal"]
    assert [cell.month for cell in rows[0].open_months] == [D(2026, m, 1) for m in range(1, 11)]
    assert [cell.month for cell in rows[1].open_months] == [D(2026, m, 1) for m in range(1, 12)]
    assert reverse("teams:review_detail", args=[backnang_team.pk, 2026, 10]) in (
        response.content.decode()
    )
    other = panels(client_for(fbl_waiblingen).get(HOME))["sign_off"].context["rows"]
    assert "Backnang" not in [row.team.name for row in other]


def test_head_sees_municipalities_without_presence_this_quarter(client_for, fbl_backnang):
    team = Team.objects.get(name="Backnang")
    held_in = Municipality.objects.get(name="Backnang")
    cancelled_in = Municipality.objects.get(name="Aspach")
    before_quarter = Municipality.objects.get(name="Althütte")
    for municipality, day, status in [
        (held_in, D(2026, 11, 3), "held"),
        (cancelled_in, D(2026, 11, 4), "cancelled"),
        (before_quarter, D(2026, 9, 30), "held"),
    ]:
        Activity.objects.create(
            kind=Activity.Kind.COMMUNITY,
            date=day,
            team=team,
            municipality=municipality,
            status=status,
            cancel_reason="Krankheit" if status == "cancelled" else "",
        )

    response = client_for(fbl_backnang).get(HOME)

    panel = panels(response)["presence_gaps"].context
    assert panel["since"] == D(2026, 10, 1)
    [group] = panel["groups"]
    names = [m.name for m in group.municipalities]
    assert "Backnang" not in names
    assert {"Aspach", "Althütte"} <= set(names)
    assert "Waiblingen" not in names


def test_head_sees_overdue_next_steps_of_the_mittelbereich(
    client_for, fbl_backnang, fbl_waiblingen, fachkraft, backnang, korb
):
    late = cooperation(
        partner("Schule Backnang", backnang), fachkraft, TODAY - datetime.timedelta(2)
    )
    cooperation(partner("Schule Backnang 2", backnang), fachkraft, TODAY + datetime.timedelta(2))
    elsewhere = cooperation(partner("Schule Korb", korb), None, TODAY - datetime.timedelta(9))

    backnang_panel = panels(client_for(fbl_backnang).get(HOME))["overdue_steps"].context
    waiblingen_panel = panels(client_for(fbl_waiblingen).get(HOME))["overdue_steps"].context

    assert (backnang_panel["rows"], backnang_panel["count"]) == ([late], 1)
    assert (waiblingen_panel["rows"], waiblingen_panel["count"]) == ([elsewhere], 1)


def test_amtsleitung_sees_the_heads_panels_for_the_district(
    client_for, amtsleitung, fachkraft, backnang, korb
):
    cooperation(partner("Schule Backnang", backnang), fachkraft, TODAY - datetime.timedelta(2))
    cooperation(partner("Schule Korb", korb), None, TODAY - datetime.timedelta(9))

    response = client_for(amtsleitung).get(HOME)

    found = panels(response)
    assert list(found) == ["sign_off", "presence_gaps", "overdue_steps"]
    assert len(found["sign_off"].context["rows"]) == 9
    [group] = found["presence_gaps"].context["groups"]
    assert len(group.municipalities) == 31
    assert found["overdue_steps"].context["count"] == 2


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("fachkraft", ["open_dates", "next_steps_due"]),
        ("teamleitung", ["open_dates", "next_steps_due"]),
        ("fbl-backnang", ["sign_off", "presence_gaps", "overdue_steps"]),
        ("fbl-waiblingen", ["sign_off", "presence_gaps", "overdue_steps"]),
        ("amtsleitung", ["sign_off", "presence_gaps", "overdue_steps"]),
        ("admin", []),
    ],
)
def test_panels_by_demo_role(client_for, demo_users, username, expected):
    response = client_for(demo_users[username]).get(HOME)

    assert list(panels(response)) == expected
    assert (b'id="home-work"' in response.content) == bool(expected)
    # The structure the page showed before is still there.
    assert response.context["user_roles"]


def test_head_with_own_next_steps_sees_them_too(client_for, fbl_backnang, backnang):
    cooperation(partner("Schule A", backnang), fbl_backnang, TODAY)

    found = panels(client_for(fbl_backnang).get(HOME))

    assert list(found) == ["next_steps_due", "sign_off", "presence_gaps", "overdue_steps"]


def test_user_without_role_sees_no_work(client_for, no_role_user):
    response = client_for(no_role_user).get(HOME)

    assert response.context["panels"] == []
    assert b'id="no-role"' in response.content


# --- Query counts -----------------------------------------------------------------------------


def staff_world(size, fachkraft, team, municipality, venue):
    for n in range(size):
        make_series(team, municipality, venue, weekday=n % 5, staff=[fachkraft])
        make_series(team, municipality, venue, weekday=n % 5)  # nobody staffs it
        school = partner(f"Schule {n}", municipality)
        cooperation(school, fachkraft, TODAY - datetime.timedelta(days=n))


@pytest.mark.parametrize("size", [1, 6])
def test_staff_home_query_count_is_constant(
    client, django_assert_num_queries, fachkraft, team_backnang, backnang, school_backnang, size
):
    staff_world(size, fachkraft, team_backnang, backnang, school_backnang)
    client.force_login(fachkraft)

    with django_assert_num_queries(STAFF_QUERIES):
        response = client.get(HOME)

    found = panels(response)
    assert len(found["unstaffed"].context["rows"]) == size
    assert len(found["next_steps_due"].context["rows"]) == size
    assert len(found["open_dates"].context["dates"]) >= size


@pytest.mark.parametrize("size", [1, 6])
def test_head_home_query_count_is_constant(
    client, django_assert_num_queries, fbl_backnang, fachkraft, backnang, size
):
    team = Team.objects.get(name="Backnang")
    for n in range(size):
        cooperation(partner(f"Schule {n}", backnang), fachkraft, TODAY - datetime.timedelta(n + 1))
        TeamMonthReview.objects.create(
            team=team, month=D(2026, n + 1, 1), signed_off_at=timezone.now()
        )
        Activity.objects.create(
            kind=Activity.Kind.COMMUNITY, date=D(2026, 10, n + 1), team=team, municipality=backnang
        )
    client.force_login(fbl_backnang)

    with django_assert_num_queries(HEAD_QUERIES):
        response = client.get(HOME)

    assert panels(response)["overdue_steps"].context["count"] == size


# Session, user and scope (3); the page's own structure and the example check (3 for staff, 6 for
# a head); saving the session (3). Staff panels: own next steps 1, open dates 3 (series,
# closures, logged dates), series without staff 1. Head panels: own next steps 1, months to sign
# off 6 (reviews, summaries, and the series, closures and logged dates behind the months with
# dates not logged), presence gaps 4 (the Mittelbereich, the summaries, its municipalities
# twice), overdue next steps 2 (rows and count).
STAFF_QUERIES = 14
HEAD_QUERIES = 24
