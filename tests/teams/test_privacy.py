"""Figures per person only for that person (issue 12, point 2).

Nobody can filter, count or export activities by another person: the list and its downloads
know "only mine" and nothing else; ``staff=<id>`` (the former filter) is ignored, for every
role. Dashboards, the annual report and "Meine Zahlen" ignore person parameters too.
"""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from sozialraum.models import Municipality, Team
from teams.models import Activity

D = datetime.date
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
ROLES = [
    "fachkraft",
    "teamleitung",
    "fbl-backnang",
    "fbl-waiblingen",
    "amtsleitung",
    "admin",
    "winnenden",
]
PEOPLE = ["fachkraft", "teamleitung", "winnenden"]


@pytest.fixture
def people(demo_users, other_team_member):
    return {**demo_users, "winnenden": other_team_member}


@pytest.fixture
def logged(people):
    """Activities of two teams in 2026 with different staff (and one without)."""
    backnang = Team.objects.get(name="Backnang")
    winnenden = Team.objects.get(name="Winnenden")
    made = {}
    for day, (team, staff) in enumerate(
        [
            (backnang, ["fachkraft"]),
            (backnang, ["teamleitung"]),
            (backnang, ["fachkraft", "teamleitung"]),
            (backnang, []),
            (winnenden, ["winnenden"]),
            (winnenden, []),
        ],
        start=1,
    ):
        activity = Activity.objects.create(
            team=team,
            municipality=Municipality.objects.get(name=team.name),
            kind="community",
            date=D(2026, 5, day),
            status="held",
            children=day,
        )
        activity.staff.set([people[name] for name in staff])
        made[day] = activity
    return made


def listed(client, params) -> list[int]:
    response = client.get(reverse("teams:activity_list"), params)
    return sorted(activity.pk for activity in response.context["activities"])


def csv_dates(client, params) -> list[str]:
    response = client.get(reverse("teams:activity_export"), params)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(row[0] for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:])


def xlsx_dates(client, params) -> list[str]:
    response = client.get(reverse("teams:activity_export_xlsx"), params)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return sorted(str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("role", ROLES)
def test_staff_parameter_does_not_filter_the_list(client, people, logged, role, person):
    client.force_login(people[role])

    without = listed(client, PERIOD)
    with_staff = listed(client, {**PERIOD, "staff": people[person].pk})

    assert with_staff == without


@pytest.mark.parametrize("role", ROLES)
def test_list_says_that_the_staff_parameter_is_ignored(client, people, logged, role):
    client.force_login(people[role])

    response = client.get(
        reverse("teams:activity_list"), {**PERIOD, "staff": people["teamleitung"].pk}
    )

    content = response.content.decode()
    assert 'id="staff-filter-ignored"' in content
    assert "staff=" not in response.context["first_query"]
    assert 'name="staff"' not in content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("export", [csv_dates, xlsx_dates], ids=["csv", "xlsx"])
def test_staff_parameter_does_not_filter_the_exports(client, people, logged, role, export):
    client.force_login(people[role])

    without = export(client, PERIOD)
    with_staff = [export(client, {**PERIOD, "staff": people[person].pk}) for person in PEOPLE]

    assert with_staff == [without] * len(PEOPLE)


@pytest.mark.parametrize(
    ("role", "expected_days"),
    [
        ("fachkraft", [1, 3]),
        ("teamleitung", [2, 3]),
        ("winnenden", [5]),
        ("fbl-backnang", []),
        ("fbl-waiblingen", []),
        ("amtsleitung", []),
        ("admin", []),
    ],
)
def test_only_mine_shows_the_own_activities_whatever_else_is_asked(
    client, people, logged, role, expected_days
):
    client.force_login(people[role])
    others = [people[name].pk for name in PEOPLE if name != role]

    mine = listed(client, {**PERIOD, "mine": "on"})
    mine_with_staff = listed(client, {**PERIOD, "mine": "on", "staff": others[0]})
    exported = csv_dates(client, {**PERIOD, "mine": "on", "staff": others[0]})

    expected = sorted(logged[day].pk for day in expected_days)
    assert mine == expected
    assert mine_with_staff == expected
    assert len(exported) == len(expected_days)


def test_filter_panel_offers_only_mine_and_no_person(client_for, people, logged):
    response = client_for(people["fbl-backnang"]).get(reverse("teams:activity_list"))

    content = response.content.decode()
    assert 'type="checkbox" name="mine"' in content
    assert "staff" not in response.context["filter"].form.fields
    for name in ("Friederike Fachkraft", "Tobias Teamleitung"):
        assert name not in content


def without_tokens(content: bytes, echoed: str = "") -> str:
    """A page without its per-request CSRF tokens, its "Stand" time (two requests may fall in
    two minutes) and the ``echoed`` parameter that links carry along, to compare two renderings."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())
    text = re.sub(r"\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}", "", text)
    return text.replace(f"&amp;{echoed}", "").replace(f"{echoed}&amp;", "") if echoed else text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", ["teams:dashboard", "teams:annual_report"])
@pytest.mark.parametrize("parameter", ["staff", "user", "person", "mitarbeiter"])
def test_reports_ignore_person_parameters(client, people, logged, role, url_name, parameter):
    client.force_login(people[role])
    url = reverse(url_name)

    plain = client.get(url, {"year": 2026})
    asked = client.get(url, {"year": 2026, parameter: people["fachkraft"].pk})

    echoed = f"{parameter}={people['fachkraft'].pk}"
    assert without_tokens(asked.content, echoed) == without_tokens(plain.content)


@pytest.mark.parametrize("parameter", ["staff", "user"])
def test_my_figures_show_only_the_own_ones(client, people, logged, parameter):
    client.force_login(people["fachkraft"])
    url = reverse("teams:my_activities")

    plain = client.get(url, {"year": 2026})
    asked = client.get(url, {"year": 2026, parameter: people["teamleitung"].pk})

    echoed = f"{parameter}={people['teamleitung'].pk}"
    assert without_tokens(asked.content, echoed) == without_tokens(plain.content)
