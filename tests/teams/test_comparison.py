"""The comparison: figures and per-1,000 rates against a fixture computed by hand, the previous
year and the change, scope rules (404 for an id outside the user's scopes), the workbook and
constant query counts."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sozialraum.models import MiddleArea, Municipality, Team
from teams.models import Activity

D = datetime.date
URL = reverse("teams:comparison")


def log(team, municipality, day, kind=Activity.Kind.COMMUNITY, status="held", **counts):
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, kind=kind, status=status, **counts
    )


@pytest.fixture
def figures(district, backnang, korb):
    """Backnang (2,000 inhabitants as of 31.12.2025; team Backnang) and Korb (500 as of
    30.06.2025; team Waiblingen/Korb), logged by hand:

    2026 Backnang: 2 consultations held (5 children, 1 help), 1 community held (4 parents),
      1 consultation cancelled, 1 round table held.
    2025 Backnang: 1 community held (2 parents).
    2026 Korb: nothing. 2025 Korb: 2 events held.
    """
    backnang.population, backnang.population_date = 2000, D(2025, 12, 31)
    backnang.save()
    korb.population, korb.population_date = 500, D(2025, 6, 30)
    korb.save()
    team_b, team_k = Team.objects.get(name="Backnang"), Team.objects.get(name="Waiblingen/Korb")
    consultation = Activity.Kind.CONSULTATION
    log(team_b, backnang, D(2026, 2, 3), consultation, children=3, helps_initiated=1)
    log(team_b, backnang, D(2026, 3, 3), consultation, children=2)
    log(team_b, backnang, D(2026, 3, 10), consultation, status="cancelled")
    log(team_b, backnang, D(2026, 4, 1), parents=4)
    log(team_b, backnang, D(2026, 5, 5), Activity.Kind.ROUND_TABLE)
    log(team_b, backnang, D(2025, 4, 1), parents=2)
    log(team_k, korb, D(2025, 9, 9), Activity.Kind.EVENT)
    log(team_k, korb, D(2025, 10, 9), Activity.Kind.EVENT)
    return backnang, korb


def table(response, key):
    return next(t for t in response.context["comparison"].tables if t.key == key)


def rows_by_label(t):
    return {row[0]: row[1:] for row in t.rows}


def test_municipalities_side_by_side_with_rates_and_previous_year(client_for, amtsleitung, figures):
    backnang, korb = figures
    response = client_for(amtsleitung).get(
        URL, {"kind": "municipality", "year": 2026, "ids": [backnang.pk, korb.pk]}
    )
    assert response.status_code == 200
    held = rows_by_label(table(response, "figure-held"))
    # this period, per 1,000, a year earlier, per 1,000 a year earlier, change, change (%)
    assert held["Backnang"] == [4, 2.0, 1, 0.5, 3, 300]
    assert held["Korb"] == [0, 0.0, 2, 4.0, -2, -100]
    consultations = rows_by_label(table(response, "figure-consultations"))
    assert consultations["Backnang"] == [2, 1.0, 0, 0.0, 2, "–"]  # no base: no per cent
    assert rows_by_label(table(response, "figure-consultations_cancelled"))["Backnang"][0] == 1
    assert rows_by_label(table(response, "figure-meetings"))["Backnang"][0] == 1
    assert rows_by_label(table(response, "figure-children"))["Backnang"][:2] == [5, 2.5]
    assert rows_by_label(table(response, "figure-parents"))["Backnang"][:4] == [4, 2.0, 2, 1.0]
    assert rows_by_label(table(response, "figure-contacts"))["Backnang"][0] == 9
    assert rows_by_label(table(response, "figure-helps"))["Backnang"][:2] == [1, 0.5]
    assert rows_by_label(table(response, "figure-events"))["Korb"][2] == 2
    population = rows_by_label(table(response, "population"))
    assert population["Backnang"] == [2000, "31.12.2025", 0]
    assert population["Korb"] == [500, "30.06.2025", 0]
    page = response.content.decode()
    assert "31.12.2025" in page and "Korb" in page
    assert "Kernen" not in page.split('id="table-overview"')[1].split("</table>")[0]


def test_middle_areas_sum_their_municipalities(client_for, amtsleitung, figures):
    backnang, korb = figures
    Municipality.objects.exclude(pk__in=[backnang.pk, korb.pk]).update(
        population=1000, population_date=D(2024, 12, 31)
    )
    response = client_for(amtsleitung).get(URL, {"kind": "middle_area", "year": 2026})
    areas = {a.name: a for a in MiddleArea.objects.all()}
    population = rows_by_label(table(response, "population"))
    area_b = f"Mittelbereich {areas['Backnang'].name}"
    places_b = Municipality.objects.filter(assignments__team__middle_area=areas["Backnang"]).count()
    assert population[area_b][0] == 2000 + 1000 * (places_b - 1)
    assert population[area_b][1] == "31.12.2024–31.12.2025"
    held = rows_by_label(table(response, "per_thousand"))[area_b][0]
    assert held == round(4 * 1000 / (2000 + 1000 * (places_b - 1)), 2)
    assert len(table(response, "overview").rows) == 3


def test_period_of_months_and_bad_input(client_for, amtsleitung, figures):
    client = client_for(amtsleitung)
    response = client.get(URL, {"kind": "municipality", "start": "2026-03", "end": "2026-04"})
    held = rows_by_label(table(response, "figure-held"))
    assert held["Backnang"][0] == 2  # 3 March (10 March was cancelled) and 1 April
    assert response.context["comparison"].earlier == (D(2025, 3, 1), D(2025, 4, 30))
    bad = client.get(URL, {"kind": "municipality", "start": "2026-05", "end": "2026-01"})
    assert bad.status_code == 200
    assert "Der letzte Monat darf nicht vor dem ersten liegen." in bad.content.decode()
    assert client.get(URL, {"kind": "nonsense"}).status_code == 404


def test_head_compares_only_her_middle_area(client_for, fbl_backnang, figures):
    _backnang, korb = figures
    client = client_for(fbl_backnang)
    response = client.get(URL, {"kind": "municipality", "year": 2026})
    labels = [row[0] for row in table(response, "overview").rows]
    assert "Backnang" in labels and "Korb" not in labels
    teams = client.get(URL, {"kind": "team", "year": 2026})
    team_labels = {row[0] for row in table(teams, "overview").rows}
    expected = {f"Team {t.name}" for t in Team.objects.filter(middle_area__name="Backnang")}
    assert team_labels == expected
    waiblingen = MiddleArea.objects.get(name="Waiblingen")
    assert client.get(URL, {"kind": "municipality", "ids": [korb.pk]}).status_code == 404
    assert client.get(URL, {"kind": "middle_area", "ids": [waiblingen.pk]}).status_code == 404
    other_team = Team.objects.get(name="Waiblingen/Korb")
    assert client.get(URL, {"kind": "team", "ids": [other_team.pk]}).status_code == 404
    assert client.get(URL, {"kind": "team", "ids": ["x"]}).status_code == 404


def test_staff_may_not_compare(client_for, fachkraft, figures):
    response = client_for(fachkraft).get(URL)
    assert response.status_code == 403
    home = client_for(fachkraft).get(reverse("sozialraum:home")).content.decode()
    assert 'href="/auswertung/"' in home and 'href="/vergleich/"' not in home


def test_workbook_holds_every_table(client_for, amtsleitung, figures):
    backnang, _korb = figures
    response = client_for(amtsleitung).get(
        URL, {"kind": "municipality", "year": 2026, "ids": [backnang.pk], "export": "xlsx"}
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Kennzahlen je 1.000 Einwohnerin" in book.sheetnames
    rates = book["Kennzahlen je 1.000 Einwohnerin"]
    assert rates["A2"].value == "Backnang"
    assert rates["B2"].value == 2.0  # held activities per 1,000
    population = book.worksheets[2]  # the population with its reference date
    assert population["B2"].value == 2000
    assert population["C2"].value == "31.12.2025"
    assert len(book.sheetnames) == 3 + 13 + 2  # overview, rates, population, figures, more


def test_query_count_does_not_grow_with_the_columns(client_for, amtsleitung, figures):
    backnang, korb = figures
    client = client_for(amtsleitung)
    few = {"kind": "municipality", "year": 2026, "ids": [backnang.pk, korb.pk]}
    client.get(URL, few)  # warm the structure cache
    client.get(URL, {"kind": "municipality", "year": 2026})
    with CaptureQueriesContext(connection) as two:
        client.get(URL, few)
    with CaptureQueriesContext(connection) as all_31:
        response = client.get(URL, {"kind": "municipality", "year": 2026})
    assert len(table(response, "overview").rows) == 31
    assert len(all_31) == len(two)
    assert not any('teams_activity"' in q["sql"] and "GROUP BY" in q["sql"] for q in all_31)


@pytest.mark.parametrize("measure", ["per_thousand", "targets", "school"])
def test_municipality_map_for_each_measure(client_for, amtsleitung, figures, measure):
    backnang, _korb = figures
    response = client_for(amtsleitung).get(
        URL, {"kind": "municipality", "year": 2026, "measure": measure}
    )
    figure = response.context["map"]
    rows = {row.entry.name: row.entry for row in figure.rows}
    assert len(rows) == 31
    assert rows["Backnang"].href.endswith(f"scope=municipality-{backnang.pk}")
    if measure == "per_thousand":
        assert rows["Backnang"].value == 2.0
    page = response.content.decode()
    assert "GeoBasis-DE" in page
    middle = client_for(amtsleitung).get(URL, {"kind": "middle_area", "year": 2026})
    assert middle.context["map"] is None
