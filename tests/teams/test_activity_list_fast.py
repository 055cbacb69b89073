"""The activity list's fixed cost: lean rows, no scoping subquery, a filter panel without
hundreds of options (issue 11, point 3)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kooperation.models import Body, Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams.models import Activity, Project

D = datetime.date
LIST = reverse("teams:activity_list")
YEAR = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def make_activity(team, municipality, **fields):
    defaults = {"kind": "community", "date": D(2026, 3, 1), "status": "held"}
    return Activity.objects.create(team=team, municipality=municipality, **{**defaults, **fields})


def activity_query(captured) -> str:
    """The SQL of the list's page query (the one that reads teams_activity rows)."""
    [sql] = [
        query["sql"]
        for query in captured
        if query["sql"].startswith('SELECT "teams_activity"."id"') and "ORDER BY" in query["sql"]
    ]
    return sql


@pytest.fixture
def many_partners(backnang):
    return [
        Partner.objects.create(
            name=f"Verein {n:02d}", kind=PartnerKind.VOLUNTEERS, municipality=backnang
        )
        for n in range(40)
    ]


@pytest.fixture
def rows(request, team_backnang, backnang, series, town_hall):
    """``request.param`` activities of every shape a row shows: series date, Gremium, project."""
    body = Body.objects.create(name="Runder Tisch Backnang", kind="round_table")
    project = Project.objects.create(title="Sommerferienprogramm", team=team_backnang)
    made = []
    for n in range(request.param):
        shape = [
            {"kind": "consultation", "consultation_hour": series},
            {"kind": "round_table", "body": body},
            {"kind": "project", "project": project},
        ][n % 3]
        made.append(make_activity(team_backnang, backnang, date=D(2026, 3, n + 1), **shape))
    return made


@pytest.mark.parametrize(
    ("username", "queries"),
    [("fachkraft", 15), ("fbl-backnang", 15), ("amtsleitung", 14)],
)
@pytest.mark.parametrize("rows", [1, 7], indirect=True)
def test_list_query_count_is_constant(
    client, demo_users, rows, django_assert_num_queries, username, queries
):
    client.force_login(demo_users[username])

    with django_assert_num_queries(queries):
        response = client.get(LIST, YEAR)

    assert response.context["activities"] == sorted(rows, key=lambda a: a.date, reverse=True)


@pytest.mark.parametrize("rows", [3], indirect=True)
def test_list_row_shows_venue_gremium_and_project(client_for, fachkraft, rows):
    response = client_for(fachkraft).get(LIST, YEAR)

    content = response.content.decode()
    assert "Grundschule Backnang-Süd" in content
    assert "Runder Tisch Backnang" in content
    assert "Sommerferienprogramm" in content


def test_district_reader_list_has_no_team_condition(
    client_for, amtsleitung, team_backnang, backnang
):
    make_activity(team_backnang, backnang)

    with CaptureQueriesContext(connection) as captured:
        client_for(amtsleitung).get(LIST, YEAR)

    sql = activity_query(captured.captured_queries)
    assert "team_id" not in sql.split("WHERE", 1)[1].split("ORDER BY")[0]
    assert "IN (SELECT" not in sql


@pytest.mark.parametrize("username", ["fachkraft", "fbl-backnang"])
def test_team_reader_list_scopes_by_a_literal_list_of_team_ids(client, demo_users, username):
    client.force_login(demo_users[username])
    expected = sorted(
        Team.objects.filter(middle_area__name="Backnang").values_list("pk", flat=True)
        if username == "fbl-backnang"
        else [Team.objects.get(name="Backnang").pk]
    )

    with CaptureQueriesContext(connection) as captured:
        client.get(LIST, YEAR)

    sql = activity_query(captured.captured_queries)
    assert "IN (SELECT" not in sql
    listed = re.search(r'"teams_activity"\."team_id" IN \(([\d, ]+)\)', sql).group(1)
    assert sorted(int(pk) for pk in listed.split(",")) == expected


def test_list_reads_only_the_columns_a_row_shows(client_for, fachkraft, team_backnang, backnang):
    make_activity(team_backnang, backnang, note="Nur in der Einzelansicht")

    with CaptureQueriesContext(connection) as captured:
        client_for(fachkraft).get(LIST, YEAR)

    sql = activity_query(captured.captured_queries)
    for column in ("note", "cancel_reason", "created_by_id", "start_time", "consultation_hour_id"):
        assert f'"teams_activity"."{column}"' not in sql
    assert "teams_consultationhour" not in sql


def test_filter_panel_renders_no_partner_options(client_for, fachkraft, many_partners):
    response = client_for(fachkraft).get(LIST, YEAR)

    content = response.content.decode()
    assert "Verein 00" not in content
    partner_select = re.search(r'<select[^>]* name="partner".*?</select>', content, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", partner_select) == ["alle"]
    assert 'data-chooser="/aktivitaeten/auswahl/partner/"' in partner_select


def test_filter_panel_renders_only_the_chosen_partner(
    client_for, fachkraft, many_partners, team_backnang, backnang
):
    chosen = many_partners[7]
    with_partner = make_activity(team_backnang, backnang, date=D(2026, 4, 1))
    with_partner.partners.set([chosen])
    make_activity(team_backnang, backnang, date=D(2026, 4, 2))

    response = client_for(fachkraft).get(LIST, {**YEAR, "partner": chosen.pk})

    content = response.content.decode()
    partner_select = re.search(r'<select[^>]* name="partner".*?</select>', content, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", partner_select) == [
        "alle",
        "Verein 07 (Backnang)",
    ]
    assert f'<option value="{chosen.pk}" selected>' in partner_select
    assert response.context["activities"] == [with_partner]


def test_project_and_gremium_fields_render_only_the_chosen_one(
    client_for, fachkraft, team_backnang, backnang
):
    projects = [Project.objects.create(title=f"Projekt {n}", team=team_backnang) for n in range(5)]
    bodies = [Body.objects.create(name=f"Arbeitskreis {n}", kind="working_group") for n in range(5)]
    done = make_activity(team_backnang, backnang, kind="project", project=projects[2])

    response = client_for(fachkraft).get(LIST, {**YEAR, "project": projects[2].pk})

    content = response.content.decode()
    project_select = re.search(r'<select[^>]* name="project".*?</select>', content, re.S).group(0)
    body_select = re.search(r'<select[^>]* name="body".*?</select>', content, re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", project_select) == ["alle", "Projekt 2"]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", body_select) == ["alle"]
    assert bodies[0].name not in content
    assert response.context["activities"] == [done]


def test_another_teams_partner_is_no_valid_filter_for_a_fachkraft(client_for, fachkraft):
    winnenden = Partner.objects.create(
        name="Jugendhaus Winnenden",
        kind=PartnerKind.YOUTH_HOUSE,
        municipality=Municipality.objects.get(name="Winnenden"),
    )

    response = client_for(fachkraft).get(LIST, {**YEAR, "partner": winnenden.pk})

    assert response.context["activities"] == []
    assert "Jugendhaus Winnenden" not in response.content.decode()
    assert response.context["filter"].errors["partner"] == [
        "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
    ]


def test_list_page_loads_the_chooser_script_and_styles_without_inline_code(client_for, fachkraft):
    response = client_for(fachkraft).get(LIST)

    content = response.content.decode()
    assert "vendor/tom-select/tom-select.complete.min.js" in content
    assert "vendor/tom-select/tom-select.bootstrap5.min.css" in content
    assert "js/choosers.js" in content
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content) == []
    assert " style=" not in content


def test_keyset_cursor_with_a_huge_id_answers_an_empty_page(client_for, amtsleitung):
    response = client_for(amtsleitung).get(LIST, {**YEAR, "after": "2026-03-01." + "9" * 40})

    assert response.status_code == 200
    assert response.context["activities"] == []


@pytest.mark.parametrize("rows", [6], indirect=True)
def test_list_query_joins_nothing_and_rows_show_their_names(
    client_for, fachkraft, rows, series, team_backnang, backnang
):
    """Planning a join of six tables cost more than running it at a million activities: the
    page query joins nothing; names come from the structure and one query for the page."""
    with CaptureQueriesContext(connection) as captured:
        content = client_for(fachkraft).get(LIST, YEAR).content.decode()

    assert " JOIN " not in activity_query(captured.captured_queries)
    body = re.search(r"<tbody>.*</tbody>", content, re.S).group(0)
    assert body.count(series.venue.name) == 2
    assert body.count("Runder Tisch Backnang") == 2
    assert body.count("Sommerferienprogramm") == 2
    assert body.count("<td>Backnang</td>") == 6  # the municipality
    assert body.count(f'd-md-table-cell">{team_backnang.name}</td>') == 6
