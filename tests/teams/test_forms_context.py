"""Forms that know the context: preselection, filling from a series, Gremium or project, the
venue limited to the municipality, the series preview, confirmation outside the team's area,
public by default at public places, and the JSON endpoints behind the page script."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kooperation.models import Body, BodyMembership, Partner, PartnerKind
from sozialraum.models import Membership, Team
from teams.form_context import PUBLIC_VENUE_KINDS, is_public_place
from teams.forms import ActivityForm, ConsultationHourForm
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project
from teams.views.series import preview_context, series_dates_around
from tests.teams.conftest import make_series

D = datetime.date
CREATE_ACTIVITY = reverse("teams:activity_create")
CREATE_SERIES = reverse("teams:consultationhour_create")
PREVIEW = reverse("teams:consultationhour_preview")
VENUES = reverse("teams:series_venues")
CONTEXT = reverse("teams:activity_context")


def today():
    return timezone.localdate()


def activity_data(team, **changes):
    data = {
        "kind": "round_table",
        "date": today().isoformat(),
        "team": team.pk,
        "municipality": "",
        "status": "held",
        "children": 0,
        "young_people": 0,
        "parents": 2,
        "professionals": 5,
        "others": 0,
        "helps_initiated": 0,
        "note": "",
    }
    return {**data, **changes}


def series_post(team, municipality, venue, **changes):
    data = {
        "team": team.pk,
        "municipality": municipality.pk if municipality else "",
        "venue": venue.pk,
        "location": "",
        "pattern": "weekly",
        "weekday": 1,
        "interval": "",
        "nth": "",
        "start_time": "14:00",
        "end_time": "16:00",
        "valid_from": today().isoformat(),
        "valid_until": "",
        "is_public": "on",
    }
    return {**data, **changes}


@pytest.fixture
def korb_hall(korb):
    return Partner.objects.create(
        name="Rathaus Korb", kind=PartnerKind.TOWN_HALL, municipality=korb
    )


@pytest.fixture
def gremium(backnang, school, town_hall):
    body = Body.objects.create(
        name="Runder Tisch Backnang", kind="round_table", municipality=backnang, convener=town_hall
    )
    BodyMembership.objects.create(body=body, partner=school)
    return body


# --- Preselection -----------------------------------------------------------------------------


def test_activity_form_preselects_the_one_team_and_its_one_municipality(
    client_for, fachkraft, team_backnang, backnang
):
    response = client_for(fachkraft).get(CREATE_ACTIVITY)

    form = response.context["form"]
    assert (form["team"].value(), form["municipality"].value()) == (team_backnang.pk, backnang.pk)
    assert f'<option value="{backnang.pk}" selected>Backnang</option>' in response.content.decode()


def test_series_form_preselects_team_and_municipality_and_is_public(
    client_for, teamleitung, team_backnang, backnang
):
    form = client_for(teamleitung).get(CREATE_SERIES).context["form"]

    assert (form["team"].value(), form["municipality"].value()) == (team_backnang.pk, backnang.pk)
    assert form["is_public"].value() is True


def test_member_of_a_team_with_several_municipalities_chooses_but_sees_the_area_first(
    client_for, district
):
    from sozialraum.models import User

    user = User.objects.create_user("umland", password="ein-langes-passwort")
    Membership.objects.create(user=user, team=Team.objects.get(name="Backnang Umland"))

    form = client_for(user).get(CREATE_ACTIVITY).context["form"]

    assert form["municipality"].value() is None
    groups = form.fields["municipality"].widget.optgroups("municipality", [])
    area = [option["label"] for option in groups[1][1]]
    assert area == [
        "Allmersbach im Tal",
        "Althütte",
        "Aspach",
        "Auenwald",
        "Burgstetten",
        "Kirchberg an der Murr",
        "Weissach im Tal",
    ]
    assert len(groups[2][1]) == 31 - len(area)


def test_partners_of_the_area_come_first_then_district_wide_then_the_rest(
    fachkraft, school, korb_hall
):
    district_wide = Partner.objects.create(name="Kreisjugendring", kind="independent_provider")

    form = ActivityForm(user=fachkraft)

    groups = form.fields["partners"].widget.optgroups("partners", [])
    assert [[option["value"].value for option in group[1]] for group in groups] == [
        [school.pk],
        [district_wide.pk],
        [korb_hall.pk],
    ]


# --- Filling from a series, a Gremium or a project (server side) --------------------------


def test_gremium_fills_municipality_and_partners(
    client_for, fachkraft, team_backnang, backnang, gremium, school, town_hall
):
    response = client_for(fachkraft).post(
        CREATE_ACTIVITY, activity_data(team_backnang, body=gremium.pk)
    )

    activity = Activity.objects.get()
    assert response.status_code == 302
    assert activity.municipality == backnang
    assert sorted(p.pk for p in activity.partners.all()) == sorted([school.pk, town_hall.pk])


def test_series_fills_municipality_and_venue(client_for, fachkraft, team_backnang, series):
    client_for(fachkraft).post(
        CREATE_ACTIVITY,
        activity_data(
            team_backnang,
            kind="consultation",
            consultation_hour=series.pk,
            date=series.valid_from.isoformat(),
        ),
    )

    activity = Activity.objects.get()
    assert (activity.municipality, list(activity.partners.all())) == (
        series.municipality,
        [series.venue],
    )


def test_project_with_one_municipality_fills_it_and_its_partners(
    client_for, fachkraft, team_backnang, backnang, school
):
    project = Project.objects.create(title="Elterncafé", team=team_backnang)
    project.municipalities.set([backnang])
    project.partners.set([school])

    client_for(fachkraft).post(
        CREATE_ACTIVITY, activity_data(team_backnang, kind="project", project=project.pk)
    )

    activity = Activity.objects.get()
    assert (activity.municipality, list(activity.partners.all())) == (backnang, [school])


def test_chosen_partners_and_municipality_are_kept(
    client_for, fachkraft, team_backnang, backnang, gremium, town_hall
):
    client_for(fachkraft).post(
        CREATE_ACTIVITY,
        activity_data(
            team_backnang, body=gremium.pk, municipality=backnang.pk, partners=[town_hall.pk]
        ),
    )

    assert list(Activity.objects.get().partners.all()) == [town_hall]


def test_without_municipality_or_link_nothing_is_saved(client_for, fachkraft, team_backnang):
    response = client_for(fachkraft).post(
        CREATE_ACTIVITY, activity_data(team_backnang, kind="community")
    )

    assert response.context["form"].errors["municipality"] == [
        gettext("Choose the town or municipality.")
    ]
    assert not Activity.objects.exists()


def test_district_wide_gremium_leaves_the_municipality_to_the_user(
    client_for, fachkraft, team_backnang, town_hall
):
    body = Body.objects.create(name="Netzwerk Frühe Hilfen", kind="network", convener=town_hall)

    response = client_for(fachkraft).post(
        CREATE_ACTIVITY, activity_data(team_backnang, body=body.pk)
    )

    assert list(response.context["form"].errors) == ["municipality"]
    assert not Activity.objects.exists()


# --- The JSON endpoints ------------------------------------------------------------------------


def test_context_endpoint_tells_what_a_gremium_implies(client_for, fachkraft, gremium, backnang):
    data = client_for(fachkraft).get(CONTEXT, {"body": gremium.pk}).json()

    assert data == {
        "municipality": backnang.pk,
        "partners": [
            {"id": gremium.members.get().pk, "text": "Grundschule Backnang-Süd (Backnang)"},
            {"id": gremium.convener_id, "text": "Rathaus Backnang (Backnang)"},
        ],
    }


def test_context_endpoint_answers_404_for_another_teams_series_and_project(
    client_for, other_team_member, series, team_backnang
):
    project = Project.objects.create(title="Nur Backnang", team=team_backnang)
    client = client_for(other_team_member)

    answers = [
        client.get(CONTEXT, {"consultation_hour": series.pk}).status_code,
        client.get(CONTEXT, {"project": project.pk}).status_code,
        client.get(CONTEXT, {"project": "x; DROP"}).status_code,
        client.get(CONTEXT).status_code,
    ]

    assert answers == [404, 404, 404, 404]


def test_venues_endpoint_offers_only_the_municipality(
    client_for, teamleitung, school, town_hall, korb_hall
):
    rows = client_for(teamleitung).get(VENUES, {"municipality": school.municipality_id}).json()

    assert rows == {
        "results": [
            {"id": school.pk, "text": "Grundschule Backnang-Süd (Backnang)", "public": True},
            {"id": town_hall.pk, "text": "Rathaus Backnang (Backnang)", "public": True},
        ]
    }


def test_venues_endpoint_is_404_for_those_who_do_not_manage_series(client_for, fachkraft, backnang):
    client = client_for(fachkraft)

    assert client.get(VENUES, {"municipality": backnang.pk}).status_code == 404


# --- The series form ----------------------------------------------------------------------------


def test_venue_offers_only_partners_in_the_chosen_municipality(
    teamleitung, school, town_hall, korb_hall, korb, team_backnang
):
    unbound = ConsultationHourForm(user=teamleitung)
    bound = ConsultationHourForm(series_post(team_backnang, korb, korb_hall), user=teamleitung)

    def offered(form):
        groups = form.fields["venue"].widget.optgroups("venue", [form["venue"].value() or ""])
        return [o["value"].value for _l, options, _i in groups for o in options if o["value"]]

    assert offered(unbound) == [school.pk, town_hall.pk]
    assert offered(bound) == [korb_hall.pk]


def test_venue_fills_an_empty_municipality(client_for, teamleitung, team_backnang, school):
    response = client_for(teamleitung).post(CREATE_SERIES, series_post(team_backnang, None, school))

    series = ConsultationHour.objects.get()
    assert response.url == reverse("teams:consultationhour_detail", args=[series.pk])
    assert series.municipality == school.municipality


def test_series_outside_the_area_needs_confirmation(
    client_for, teamleitung, team_backnang, korb, korb_hall
):
    client = client_for(teamleitung)

    refused = client.post(CREATE_SERIES, series_post(team_backnang, korb, korb_hall))
    confirmed = client.post(
        CREATE_SERIES, series_post(team_backnang, korb, korb_hall, confirm_outside_area="on")
    )

    assert list(refused.context["form"].errors) == ["confirm_outside_area"]
    assert "Korb" in refused.context["form"].errors["confirm_outside_area"][0]
    assert confirmed.status_code == 302
    assert ConsultationHour.objects.get().municipality == korb


def test_unchanged_series_outside_the_area_saves_without_asking_again(
    client_for, teamleitung, team_backnang, korb, korb_hall
):
    series = make_series(team_backnang, korb, korb_hall, valid_from=today())
    data = series_post(team_backnang, korb, korb_hall, version=series.version, public_note="Neu")

    response = client_for(teamleitung).post(
        reverse("teams:consultationhour_update", args=[series.pk]), data
    )

    series.refresh_from_db()
    assert (response.status_code, series.public_note) == (302, "Neu")


@pytest.mark.parametrize("kind", [k.value for k in PartnerKind])
def test_public_default_follows_the_venue_kind(kind):
    expected = kind in {
        "town_hall",
        "school",
        "daycare",
        "youth_house",
        "community_project",
        "early_help",
        "parent_education",
    }

    assert is_public_place(kind) is expected
    assert (kind in PUBLIC_VENUE_KINDS) is expected


def test_venue_options_carry_their_municipality_and_public_place(client_for, teamleitung, school):
    Partner.objects.create(
        name="Hilfeprojekt Backnang", kind="outpatient_help", municipality=school.municipality
    )

    page = client_for(teamleitung).get(CREATE_SERIES).content.decode()

    assert f'data-municipality="{school.municipality_id}" data-public="true"' in page
    assert 'data-public="false"' in page


# --- The preview ---------------------------------------------------------------------------------


def page_dates(client, series):
    response = client.get(reverse("teams:consultationhour_detail", args=[series.pk]))
    return [(o.date, o.falls_away, o.state) for o in response.context["upcoming"]]


def test_preview_equals_the_dates_of_the_saved_series_page(
    client_for, teamleitung, team_backnang, backnang, school
):
    ClosurePeriod.objects.create(
        name="Herbstferien",
        start=today() + datetime.timedelta(days=10),
        end=today() + datetime.timedelta(days=30),
        venue_kinds=["school"],
    )
    data = series_post(team_backnang, backnang, school, pattern="every_n_weeks", interval=2)
    client = client_for(teamleitung)

    preview = client.post(PREVIEW, data)
    client.post(CREATE_SERIES, data)

    shown = [(o.date, o.falls_away, o.state) for o in preview.context["preview"]["dates"]]
    assert shown == page_dates(client, ConsultationHour.objects.get())
    assert any(reason == "Herbstferien" for _d, reason, _s in shown)
    assert "Herbstferien" in preview.content.decode()


def test_preview_without_javascript_shows_the_dates_and_saves_nothing(
    client_for, teamleitung, team_backnang, backnang, school
):
    response = client_for(teamleitung).post(
        CREATE_SERIES, {**series_post(team_backnang, backnang, school), "preview": "1"}
    )

    assert response.status_code == 200
    assert response.context["preview"]["ready"] is True
    assert len(response.context["preview"]["dates"]) >= 12
    assert not ConsultationHour.objects.exists()


def test_preview_of_bad_input_shows_no_dates_and_changes_nothing(client_for, teamleitung):
    response = client_for(teamleitung).post(PREVIEW, {"venue": "abc", "valid_from": "gestern"})

    assert response.status_code == 200
    assert response.context["preview"] == {"dates": None, "ready": False}
    assert not ConsultationHour.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("fachkraft", 403), ("fbl-waiblingen", 404), ("teamleitung", 200), ("admin", 200)],
)
def test_who_may_preview_a_series_change(client_for, demo_users, series, username, status):
    data = series_post(series.team, series.municipality, series.venue)

    response = client_for(demo_users[username]).post(
        reverse("teams:consultationhour_preview_update", args=[series.pk]), data
    )

    assert response.status_code == status
    if status == 200:
        assert response.context["preview"]["ready"] is True


def test_fachkraft_may_not_preview_a_new_series(
    client_for, fachkraft, team_backnang, backnang, school
):
    response = client_for(fachkraft).post(PREVIEW, series_post(team_backnang, backnang, school))

    assert response.status_code == 403


patterns = st.sampled_from(["weekly", "every_n_weeks", "monthly"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pattern=patterns,
    weekday=st.integers(0, 6),
    interval=st.integers(2, 8),
    nth=st.sampled_from([1, 2, 3, 4, -1]),
    start_offset=st.integers(-60, 60),
    length=st.one_of(st.none(), st.integers(0, 120)),
    closure=st.tuples(st.integers(-10, 90), st.integers(0, 20)),
    kinds=st.sampled_from([[], ["school"], ["town_hall"]]),
)
def test_preview_always_equals_the_saved_series_dates(
    teamleitung,
    team_backnang,
    backnang,
    school,
    pattern,
    weekday,
    interval,
    nth,
    start_offset,
    length,
    closure,
    kinds,
):
    ClosurePeriod.objects.all().delete()
    first, days = closure
    ClosurePeriod.objects.create(
        name="Ferien",
        start=today() + datetime.timedelta(days=first),
        end=today() + datetime.timedelta(days=first + days),
        venue_kinds=kinds,
    )
    start = today() + datetime.timedelta(days=start_offset)
    until = start + datetime.timedelta(days=length) if length is not None else None
    data = series_post(
        team_backnang,
        backnang,
        school,
        pattern=pattern,
        weekday=weekday,
        interval=interval,
        nth=nth,
        valid_from=start.isoformat(),
        valid_until=until.isoformat() if until else "",
    )
    form = ConsultationHourForm(data, user=teamleitung)
    previewed = preview_context(form)["preview"]["dates"]

    saved = form.save()

    upcoming = series_dates_around(ConsultationHour.objects.get(pk=saved.pk), today())[0]
    assert [(o.date, o.falls_away) for o in previewed] == [(o.date, o.falls_away) for o in upcoming]


# --- Query counts ---------------------------------------------------------------------------------


def queries_for(client, url) -> tuple[int, str]:
    client.get(url)  # the first request of a session warms its caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured), response.content.decode()


def test_activity_form_queries_do_not_grow_with_partners(client_for, fachkraft, backnang, korb):
    client = client_for(fachkraft)
    Partner.objects.create(name="Verein 0", kind="volunteers", municipality=backnang)
    one, _page = queries_for(client, CREATE_ACTIVITY)
    for n in range(1, 40):
        place = [backnang, korb][n % 2]
        Partner.objects.create(name=f"Verein {n}", kind="volunteers", municipality=place)

    many, page = queries_for(client, CREATE_ACTIVITY)

    assert page.count('name="partners"') == 40
    assert many == one


def test_series_form_queries_do_not_grow_with_venues(client_for, teamleitung, backnang):
    client = client_for(teamleitung)
    Partner.objects.create(name="Schule 0", kind="school", municipality=backnang)
    one, _page = queries_for(client, CREATE_SERIES)
    for n in range(1, 40):
        Partner.objects.create(name=f"Schule {n}", kind="school", municipality=backnang)

    many, page = queries_for(client, CREATE_SERIES)

    assert page.count("data-public=") == 40
    assert many == one
