"""The JSON endpoints behind the activity filter's choosers: the same scope as the filter, at
most 20 matches, sign-in required, any ``q`` answered without an error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kooperation.models import Body, Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams.filters import ActivityFilter
from teams.models import Activity, Project
from teams.views.choosers import LIMIT, search_text

PARTNERS = reverse("teams:chooser_partners")
PROJECTS = reverse("teams:chooser_projects")
BODIES = reverse("teams:chooser_bodies")


def texts(response) -> list[str]:
    return [row["text"] for row in response.json()["results"]]


@pytest.fixture
def network(district):
    """A partner, a project and a Gremium each in Backnang, in Winnenden and district-wide."""
    backnang = Municipality.objects.get(name="Backnang")
    winnenden = Municipality.objects.get(name="Winnenden")
    team_backnang = Team.objects.get(name="Backnang")
    team_winnenden = Team.objects.get(name="Winnenden")
    for place, name in [(backnang, "Backnang"), (winnenden, "Winnenden"), (None, "Kreis")]:
        Partner.objects.create(
            name=f"Jugendhaus {name}", kind=PartnerKind.YOUTH_HOUSE, municipality=place
        )
        Body.objects.create(name=f"Runder Tisch {name}", kind="round_table", municipality=place)
    Project.objects.create(title="Projekt Backnang", team=team_backnang)
    Project.objects.create(title="Projekt Winnenden", team=team_winnenden)


def test_fachkraft_is_offered_only_her_teams_area_and_district_wide(client_for, fachkraft, network):
    client = client_for(fachkraft)

    partners = texts(client.get(PARTNERS))
    projects = texts(client.get(PROJECTS))
    bodies = texts(client.get(BODIES))

    assert partners == ["Jugendhaus Backnang (Backnang)", "Jugendhaus Kreis (kreisweit)"]
    assert projects == ["Projekt Backnang"]
    assert bodies == ["Runder Tisch Backnang", "Runder Tisch Kreis"]


def test_other_team_member_is_not_offered_backnang(client_for, other_team_member, network):
    client = client_for(other_team_member)

    assert texts(client.get(PARTNERS)) == [
        "Jugendhaus Kreis (kreisweit)",
        "Jugendhaus Winnenden (Winnenden)",
    ]
    assert texts(client.get(PROJECTS)) == ["Projekt Winnenden"]


def test_district_reader_is_offered_everything(client_for, amtsleitung, network):
    client = client_for(amtsleitung)

    assert len(texts(client.get(PARTNERS))) == 3
    assert texts(client.get(PROJECTS)) == ["Projekt Backnang", "Projekt Winnenden"]


def test_head_of_backnang_is_offered_backnang_not_waiblingen(client_for, fbl_backnang, network):
    client = client_for(fbl_backnang)

    assert texts(client.get(PROJECTS)) == ["Projekt Backnang"]
    assert "Jugendhaus Winnenden (Winnenden)" not in texts(client.get(PARTNERS))


def test_no_role_user_is_offered_nothing(client_for, no_role_user, network):
    client = client_for(no_role_user)

    assert [texts(client.get(url)) for url in (PARTNERS, PROJECTS, BODIES)] == [[], [], []]


def test_search_matches_every_word_in_name_or_municipality(client_for, amtsleitung, network):
    client = client_for(amtsleitung)

    found = texts(client.get(PARTNERS, {"q": "jugendhaus  WINNENDEN"}))
    by_place = texts(client.get(PARTNERS, {"q": "backnang"}))

    assert found == ["Jugendhaus Winnenden (Winnenden)"]
    assert by_place == ["Jugendhaus Backnang (Backnang)"]


def test_results_are_limited_and_carry_ids(client_for, amtsleitung, district):
    backnang = Municipality.objects.get(name="Backnang")
    made = [
        Partner.objects.create(name=f"Verein {n:02d}", kind="volunteers", municipality=backnang)
        for n in range(LIMIT + 5)
    ]

    response = client_for(amtsleitung).get(PARTNERS, {"q": "verein"})

    results = response.json()["results"]
    assert [row["id"] for row in results] == [partner.pk for partner in made[:LIMIT]]
    assert response["Cache-Control"] == "no-store, private"


def test_a_chosen_result_filters_the_list(client_for, fachkraft, network):
    partner = Partner.objects.get(name="Jugendhaus Backnang")
    activity = Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=partner.municipality,
        kind="community",
        date="2026-03-02",
        status="held",
    )
    activity.partners.set([partner])
    client = client_for(fachkraft)
    [offered] = client.get(PARTNERS, {"q": "Jugendhaus Backnang"}).json()["results"]

    response = client.get(
        reverse("teams:activity_list"), {"date_from": "2026-01-01", "partner": offered["id"]}
    )

    assert response.context["activities"] == [activity]


@pytest.mark.parametrize("url", [PARTNERS, PROJECTS, BODIES])
def test_signed_out_visitor_is_sent_to_the_login(client, db, url):
    response = client.get(url, {"q": "Jugend"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", [PARTNERS, PROJECTS, BODIES])
@pytest.mark.parametrize(
    "query",
    ["x" * 100_000, "\x00", "Jugend\x00haus", "\x1b[31m\x7f\x9f", "%", "_", "\\", "' OR 1=1 --"],
    ids=["very-long", "nul", "nul-inside", "control", "percent", "underscore", "backslash", "sql"],
)
def test_bad_search_input_answers_json(client_for, amtsleitung, network, url, query):
    response = client_for(amtsleitung).get(url, {"q": query})

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_percent_is_searched_literally(client_for, amtsleitung, network):
    assert texts(client_for(amtsleitung).get(PARTNERS, {"q": "%"})) == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_search_text_is_short_and_free_of_control_characters(value):
    cleaned = search_text(value)

    assert len(cleaned) <= 100
    assert not any(ord(char) < 32 or 127 <= ord(char) < 160 for char in cleaned)
    assert cleaned == cleaned.strip()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=300))
def test_any_search_answers_json(client_for, fachkraft, network, query):
    response = client_for(fachkraft).get(PARTNERS, {"q": query})

    assert response.status_code == 200
    assert len(response.json()["results"]) <= LIMIT


def test_filter_accepts_exactly_what_the_chooser_offers(fachkraft, network):
    offered = {partner.pk for partner in Partner.objects.all() if "Winnenden" not in partner.name}

    accepted = {
        partner.pk
        for partner in Partner.objects.all()
        if ActivityFilter(
            {"partner": partner.pk}, queryset=Activity.objects.all(), user=fachkraft
        ).is_valid()
    }

    assert accepted == offered
