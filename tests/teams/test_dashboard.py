"""Dashboard figures against hand-computed numbers on a small fixture: a mid-year reassignment,
cancelled dates, an activity outside the team's area and a closure period."""

import datetime

import pytest
from django.urls import reverse

from kooperation.models import Body, Partner
from sozialraum.models import Municipality, Team
from sozialraum.services import assignment_reassign
from teams.dashboard import Scope, dashboard
from teams.models import Activity, ClosurePeriod
from tests.teams.conftest import make_series

D = datetime.date
TODAY = D(2026, 11, 25)
YEAR = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def world(district):
    umland = Team.objects.get(name="Backnang Umland")
    murrtal = Team.objects.get(name="Oberes Murrtal")
    m = {
        name: Municipality.objects.get(name=name)
        for name in ["Aspach", "Backnang", "Allmersbach im Tal"]
    }
    assignment_reassign(municipality=m["Aspach"], team=murrtal, effective=D(2025, 7, 1))
    school = Partner.objects.create(
        name="Grundschule Allmersbach", kind="school", municipality=m["Allmersbach im Tal"]
    )
    series = make_series(
        umland,
        m["Allmersbach im Tal"],
        school,
        weekday=0,
        valid_from=D(2025, 10, 1),
        valid_until=D(2025, 10, 31),
    )
    ClosurePeriod.objects.create(
        name="Herbstferien 2025", start=D(2025, 10, 27), end=D(2025, 10, 31), venue_kinds=["school"]
    )
    body = Body.objects.create(
        name="Runder Tisch Umland", kind="round_table", municipality=m["Allmersbach im Tal"]
    )

    def log(team, municipality, day, kind, status="held", **fields):
        return Activity.objects.create(
            team=team, municipality=municipality, date=day, kind=kind, status=status, **fields
        )

    log(umland, m["Aspach"], D(2025, 3, 10), "community", children=2, young_people=1)
    log(murrtal, m["Aspach"], D(2025, 9, 10), "community", parents=3)
    log(umland, m["Backnang"], D(2025, 5, 5), "event", young_people=4, outside_area_confirmed=True)
    log(
        umland,
        m["Allmersbach im Tal"],
        D(2025, 10, 6),
        "consultation",
        consultation_hour=series,
        children=5,
        helps_initiated=1,
    )
    log(
        umland,
        m["Allmersbach im Tal"],
        D(2025, 10, 13),
        "consultation",
        "cancelled",
        consultation_hour=series,
        cancel_reason="Krankheit",
    )
    log(umland, m["Allmersbach im Tal"], D(2025, 4, 1), "round_table", body=body, professionals=2)
    return {"umland": umland, "murrtal": murrtal, **m}


def table(tables, key):
    return next(t for t in tables if t.key == key)


def rows(tables, key):
    return {str(row[0]): row[1:] for row in table(tables, key).rows}


def test_team_figures_count_the_team_stored_on_the_activity(world, amtsleitung):
    tables, facts = dashboard(
        amtsleitung, Scope("team", world["umland"].pk, "Umland"), *YEAR, TODAY
    )

    by_kind = rows(tables, "by_kind")
    assert by_kind["Gemeinwesenarbeit"] == [1, 0]
    assert by_kind["Auftakt- oder Netzwerkveranstaltung"] == [1, 0]
    assert by_kind["Sprechstunde"] == [1, 1]
    assert by_kind["Runder Tisch"] == [1, 0]
    assert rows(tables, "contacts") == {
        "Kinder": [7],
        "Jugendliche": [5],
        "Eltern": [0],
        "Fachkräfte": [2],
        "Sonstige": [0],
    }
    assert (facts["meetings"], facts["helps"]) == (1, 1)


def test_consultation_dates_expected_held_cancelled_with_closure(world, amtsleitung):
    tables, _ = dashboard(amtsleitung, Scope("team", world["umland"].pk, "Umland"), *YEAR, TODAY)

    # Mondays in October 2025: 6, 13, 20, 27 — the 27th falls in the school holidays.
    assert rows(tables, "consultations")["Schule"] == [3, 1, 1, 33]


def test_municipality_figures_use_the_municipality(world, amtsleitung):
    tables, _ = dashboard(
        amtsleitung, Scope("municipality", world["Aspach"].pk, "Aspach"), *YEAR, TODAY
    )

    assert rows(tables, "by_kind")["Gemeinwesenarbeit"] == [2, 0]
    assert rows(tables, "contacts")["Eltern"] == [3]
    assert rows(tables, "contacts")["Kinder"] == [2]


def test_gap_list_names_municipalities_without_presence(world, amtsleitung):
    _, facts = dashboard(amtsleitung, Scope("team", world["umland"].pk, "Umland"), *YEAR, TODAY)

    assert [m.name for m in facts["gaps"]] == [
        "Althütte",
        "Auenwald",
        "Burgstetten",
        "Kirchberg an der Murr",
        "Weissach im Tal",
    ]


def test_trend_against_the_year_before(world, amtsleitung):
    Activity.objects.create(
        team=world["umland"],
        municipality=world["Allmersbach im Tal"],
        date=D(2024, 10, 2),
        kind="community",
        status="held",
    )

    tables, _ = dashboard(amtsleitung, Scope("team", world["umland"].pk, "Umland"), *YEAR, TODAY)

    trend = rows(tables, "trend")
    assert trend["10/2025"] == [1, 1]
    assert trend["03/2025"] == [1, 0]
    assert trend["01/2025"] == [0, 0]


def test_trend_leaves_months_not_begun_without_a_figure(world, amtsleitung):
    """Months after today are a gap (a dash in the table, null in the chart), never a 0; the
    year before still has its figures."""
    Activity.objects.create(
        team=world["umland"],
        municipality=world["Allmersbach im Tal"],
        date=D(2025, 12, 2),
        kind="community",
        status="held",
    )
    scope = Scope("team", world["umland"].pk, "Umland")

    tables, _ = dashboard(amtsleitung, scope, D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 25))

    trend = rows(tables, "trend")
    assert trend["11/2026"] == [0, 0]
    assert trend["12/2026"] == [None, 1]
    chart = next(t for t in tables if t.key == "trend").chart_data()
    assert [d["data"][-1] for d in chart["datasets"]] == [None, 1]


def test_reassignment_keeps_history_on_the_old_team(world, amtsleitung):
    tables, _ = dashboard(amtsleitung, Scope("team", world["murrtal"].pk, "Murrtal"), *YEAR, TODAY)

    assert rows(tables, "by_kind")["Gemeinwesenarbeit"] == [1, 0]
    assert rows(tables, "contacts")["Eltern"] == [3]


def test_summary_follows_changes_and_deletes(world, amtsleitung):
    activity = Activity.objects.get(date=D(2025, 10, 6))
    activity.children = 9
    activity.save()
    Activity.objects.filter(date=D(2025, 3, 10)).delete()

    tables, _ = dashboard(amtsleitung, Scope("team", world["umland"].pk, "Umland"), *YEAR, TODAY)

    assert rows(tables, "contacts")["Kinder"] == [9]
    assert rows(tables, "by_kind")["Gemeinwesenarbeit"] == [0, 0]


@pytest.mark.parametrize(
    ("username", "scopes"),
    [
        ("fachkraft", ["team"]),
        ("fbl-backnang", ["middle_area"]),
        ("amtsleitung", ["district", "middle_area"]),
    ],
)
def test_scopes_offered_by_role(client_for, demo_users, username, scopes):
    response = client_for(demo_users[username]).get(reverse("teams:dashboard"))

    keys = [key for key, _label in response.context["form"].fields["scope"].choices]
    assert [k.split("-")[0] for k in keys][: len(scopes)] == scopes
    if username == "fachkraft":
        assert all(not k.startswith(("district", "middle_area")) for k in keys)


def test_scope_outside_the_users_reach_falls_back_to_the_first(client_for, fachkraft, district):
    winnenden = Team.objects.get(name="Winnenden")

    response = client_for(fachkraft).get(
        reverse("teams:dashboard"), {"scope": f"team-{winnenden.pk}"}
    )

    assert response.context["scope"].label == "Team Backnang"


def test_dashboard_table_exports_match_the_screen(client_for, amtsleitung, world):
    params = {"scope": f"team-{world['umland'].pk}", "period": "year", "day": "2025-06-01"}
    client = client_for(amtsleitung)

    page = client.get(reverse("teams:dashboard"), params)
    export = client.get(
        reverse("teams:dashboard"), {**params, "export": "contacts", "format": "csv"}
    )

    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Gruppe;Kontakte"
    assert lines[1] == "Kinder;7"
    assert len(lines) - 1 == len(table(page.context["tables"], "contacts").rows)


@pytest.mark.parametrize("count", [1, 8])
def test_dashboard_query_count_is_constant(
    client, fbl_backnang, world, django_assert_num_queries, count
):
    for n in range(count):
        Activity.objects.create(
            team=world["umland"],
            municipality=world["Allmersbach im Tal"],
            date=D(2025, 2, n + 1),
            kind="community",
            status="held",
        )
    client.force_login(fbl_backnang)

    # 19 for the figures (one statement for by kind, contacts, trend and gaps), the rest for the
    # district map, the targets and the topics below them.
    with django_assert_num_queries(26):
        response = client.get(reverse("teams:dashboard"), {"period": "year", "day": "2025-06-01"})

    assert rows(response.context["tables"], "by_kind")["Gemeinwesenarbeit"] == [count + 2, 0]


def test_the_tables_show_the_figures_with_their_exports(client_for, amtsleitung, world):
    params = {"scope": f"team-{world['umland'].pk}", "period": "year", "day": "2025-06-01"}

    page = client_for(amtsleitung).get(reverse("teams:dashboard"), params).content.decode()

    assert (
        '<tr><th scope="row" class="fw-normal">Sprechstunde</th>'
        '<td class="numeric">1</td><td class="numeric">1</td></tr>'
    ) in page
    assert (
        '<tr><th scope="row" class="fw-normal">Kinder</th><td class="numeric">7</td></tr>' in page
    )
    assert (
        f'<a href="?scope=team-{world["umland"].pk}&amp;period=year&amp;day=2025-06-01'
        '&amp;export=contacts&amp;format=csv">CSV'
    ) in page
    assert 'aria-label="Diagramm: Kontakte nach Gruppe;' in page
    assert '<script id="chart-data-trend" type="application/json">' in page
