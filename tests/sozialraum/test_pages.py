import datetime

import pytest
from django.urls import reverse

from sozialraum.models import Assignment, Headship, MiddleArea, Municipality, Team, User
from sozialraum.permissions import Role

D = datetime.date


def team_names(teams):
    return [team.name for team in teams]


def municipality_names(team):
    return [a.municipality.name for a in team.current_assignments]


def test_anonymous_user_is_sent_to_login(client, district):
    response = client.get(reverse("sozialraum:structure"))

    assert response.status_code == 302
    assert response.url == reverse("login") + "?next=/sozialraeume/"


def test_home_fachkraft_sees_own_team_and_its_municipalities(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("sozialraum:home"))

    context = response.context
    assert [(team.name, is_lead) for team, is_lead in context["own_teams"]] == [("Backnang", False)]
    assert municipality_names(context["own_teams"][0][0]) == ["Backnang"]
    assert list(context["headed_areas"]) == []
    assert "district" not in context
    assert "without_team" not in context
    assert context["user_roles"] == [Role.FACHKRAFT]
    assert b"Sozialraumteam Backnang" in response.content
    assert reverse("admin:index").encode() not in response.content


def test_home_teamleitung_sees_team_as_lead(client_for, teamleitung):
    response = client_for(teamleitung).get(reverse("sozialraum:home"))

    assert [(t.name, lead) for t, lead in response.context["own_teams"]] == [("Backnang", True)]
    assert response.context["user_roles"] == [Role.TEAMLEITUNG]


@pytest.mark.parametrize(
    ("username", "area", "teams"),
    [
        ("fbl-backnang", "Backnang", ["Backnang", "Backnang Umland", "Oberes Murrtal"]),
        (
            "fbl-waiblingen",
            "Waiblingen",
            ["Fellbach/Kernen/Weinstadt", "Waiblingen/Korb", "Winnenden"],
        ),
    ],
)
def test_home_head_sees_teams_of_the_middle_area(client_for, demo_users, username, area, teams):
    response = client_for(demo_users[username]).get(reverse("sozialraum:home"))

    areas = list(response.context["headed_areas"])
    assert [a.name for a in areas] == [area]
    assert team_names(areas[0].active_teams) == teams
    assert response.context["own_teams"] == []
    assert response.context["user_roles"] == [Role.FACHBEREICHSLEITUNG]


def test_home_head_sees_municipalities_of_each_team(client_for, fbl_backnang):
    response = client_for(fbl_backnang).get(reverse("sozialraum:home"))

    umland = response.context["headed_areas"][0].active_teams[1]
    assert municipality_names(umland) == [
        "Allmersbach im Tal",
        "Althütte",
        "Aspach",
        "Auenwald",
        "Burgstetten",
        "Kirchberg an der Murr",
        "Weissach im Tal",
    ]


def test_home_amtsleitung_sees_the_district(client_for, amtsleitung):
    response = client_for(amtsleitung).get(reverse("sozialraum:home"))

    assert response.context["district"] == {"middle_areas": 3, "teams": 9, "municipalities": 31}
    assert "without_team" not in response.context
    assert response.context["user_roles"] == [Role.AMTSLEITUNG]


def test_home_administration_sees_gaps_and_admin_link(client_for, administration):
    Assignment.objects.filter(municipality__name="Korb").delete()

    response = client_for(administration).get(reverse("sozialraum:home"))

    assert [m.name for m in response.context["without_team"]] == ["Korb"]
    assert response.context["district"]["municipalities"] == 31
    assert reverse("admin:index").encode() in response.content
    assert response.context["user_roles"] == [Role.ADMINISTRATION]
    for name in ["assignment_list", "team_list", "user_list", "audit_list"]:
        assert reverse(f"sozialraum:{name}").encode() in response.content


def test_administration_menu_by_role(client_for, demo_users):
    """Administration sees every administration page in the menu, Amtsleitung the audit trail,
    the other roles none of them."""
    pages = ["assignment_list", "team_list", "user_list", "audit_list"]
    expected = {
        "admin": pages,
        "amtsleitung": ["audit_list"],
        "fbl-backnang": [],
        "teamleitung": [],
        "fachkraft": [],
    }
    for username, shown in expected.items():
        html = client_for(demo_users[username]).get(reverse("sozialraum:structure")).content
        found = [name for name in pages if reverse(f"sozialraum:{name}").encode() in html]
        assert found == shown, username


def test_home_user_without_role_is_told_to_ask_administration(client_for, no_role_user):
    response = client_for(no_role_user).get(reverse("sozialraum:home"))

    assert response.context["user_roles"] == []
    assert b'id="no-role"' in response.content


@pytest.mark.parametrize(
    "username",
    ["fachkraft", "teamleitung", "fbl-backnang", "fbl-waiblingen", "amtsleitung", "admin"],
)
def test_structure_shows_the_whole_district_to_every_role(client_for, demo_users, username):
    response = client_for(demo_users[username]).get(reverse("sozialraum:structure"))

    areas = response.context["areas"]
    assert [(a.name, a.municipality_count) for a in areas] == [
        ("Backnang", 13),
        ("Schorndorf", 9),
        ("Waiblingen", 9),
    ]
    assert sum(len(a.active_teams) for a in areas) == 9
    assert response.context["total_population"] == 417_131
    assert [h.username for h in areas[0].heads.all()] == ["fbl-backnang"]
    assert [h.username for h in areas[1].heads.all()] == []


def test_structure_on_a_past_date_shows_the_team_of_that_day(client_for, fachkraft):
    korb = Municipality.objects.get(name="Korb")
    Assignment.objects.filter(municipality=korb).update(valid_until=D(2025, 12, 31))
    Assignment.objects.create(
        municipality=korb, team=Team.objects.get(name="Winnenden"), valid_from=D(2026, 1, 1)
    )

    response = client_for(fachkraft).get(reverse("sozialraum:structure"), {"on": "2025-06-30"})

    waiblingen = response.context["areas"][2]
    korb_team = next(t for t in waiblingen.active_teams if "Korb" in municipality_names(t))
    assert korb_team.name == "Waiblingen/Korb"
    assert response.context["on"] == D(2025, 6, 30)


def test_structure_with_a_bad_date_shows_a_message_and_today(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("sozialraum:structure"), {"on": "31.02.2026"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "on": ["Geben Sie ein gültiges Datum ein, zum Beispiel 2026-11-25."]
    }
    assert response.context["on"] == datetime.date.today()


def test_structure_warns_about_municipalities_without_team(client_for, fachkraft):
    Assignment.objects.filter(municipality__name="Althütte").update(valid_until=D(2020, 1, 1))

    response = client_for(fachkraft).get(reverse("sozialraum:structure"))

    assert [m.name for m in response.context["without_team"]] == ["Althütte"]
    assert b'id="without-team"' in response.content


def build_structure(size: int) -> User:
    """A district with ``size`` middle areas, each with a head, a team and a municipality."""
    for n in range(size):
        area = MiddleArea.objects.create(name=f"Bereich {n}")
        team = Team.objects.create(name=f"Team {n}", middle_area=area)
        municipality = Municipality.objects.create(name=f"Gemeinde {n}", kind="municipality")
        Assignment.objects.create(municipality=municipality, team=team, valid_from=D(2007, 1, 1))
        head = User.objects.create_user(f"head{n}")
        Headship.objects.create(user=head, middle_area=area)
    return head


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize(
    ("url_name", "queries"), [("sozialraum:home", 24), ("sozialraum:structure", 12)]
)
def test_page_query_count_does_not_grow_with_rows(
    client, db, django_assert_num_queries, size, url_name, queries
):
    head = build_structure(size)
    client.force_login(head)

    with django_assert_num_queries(queries):
        response = client.get(reverse(url_name))

    assert response.status_code == 200


def test_unknown_page_answers_404_in_the_layout(client_for, fachkraft):
    response = client_for(fachkraft).get("/gibt-es-nicht/")

    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()
    assert b'id="main"' in response.content


def test_current_menu_item_is_marked_with_a_real_attribute(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("sozialraum:structure"))

    html = response.content.decode()
    assert f'href="{reverse("sozialraum:structure")}" aria-current="page"' in html
    assert "aria-current=&quot;" not in html
    assert html.count('aria-current="page"') == 1


def test_user_menu_has_no_aria_labelledby_on_its_div(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("sozialraum:home"))

    assert b'aria-labelledby="user-menu"' not in response.content


def test_every_page_carries_the_error_summary_wording(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("sozialraum:home"))

    html = response.content.decode()
    template = html[html.index('<template id="error-summary-template"') :]
    template = template[: template.index("</template>")]
    # German once the coordinator has translated the new msgids, English until then.
    assert 'data-title-prefix="Fehler:"' in template or 'data-title-prefix="Error:"' in template
    assert 'class="alert alert-danger error-summary" tabindex="-1"' in template
    assert 'class="form-text required-note"' in template


def test_empty_choice_of_a_select_says_please_choose(client_for, administration):
    response = client_for(administration).get(reverse("admin:sozialraum_team_add"))

    html = response.content.decode()
    assert "---------" not in html
    assert ">– bitte wählen –</option>" in html or ">– please choose –</option>" in html


def test_admin_change_list_inputs_are_named_by_column_and_row(client_for, administration):
    response = client_for(administration).get(reverse("admin:sozialraum_municipality_changelist"))

    html = response.content.decode()
    assert 'aria-label="Einwohnerzahl: Backnang"' in html
