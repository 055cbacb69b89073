"""Targets (Soll/Ist): each indicator's actual value on a fixture, the gap in words, the form's
German refusals, 409 on a stale save, who may set targets, constant query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kooperation.models import (
    Body,
    BodyKind,
    Cooperation,
    MeetingRhythm,
    Partner,
    PartnerKind,
)
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.selectors import assignments_on
from teams.dashboard import Scope
from teams.models import Activity, Target, TargetIndicator
from teams.targets import target_rows

D = datetime.date
I = TargetIndicator  # noqa: E741
TODAY = D(2026, 6, 1)  # 2025 is a whole past year: twelve months measured


def log(team, municipality, day, kind=Activity.Kind.COMMUNITY, **extra):
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, kind=kind, **extra
    )


def partner(name, kind, municipality, status=None, active=True):
    p = Partner.objects.create(name=name, kind=kind, municipality=municipality, is_active=active)
    if status:
        Cooperation.objects.create(partner=p, status=status, since=D(2025, 1, 1))
    return p


@pytest.fixture
def area(district, backnang):
    """Mittelbereich Backnang in 2025, by hand:

    - team Backnang held 6 consultation dates (0.5 a month), 1 cancelled;
    - held activities in Backnang and one other municipality of the Mittelbereich;
    - 1 kick-off event held, 3 Einzelfallhilfen initiated;
    - schools in Backnang: one active, one initiated, one inactive (ignored) → 50 %;
      youth houses: one agreed → 100 %; no day-care centre → not measurable;
    - networks: Frühe Hilfen (district-wide, twice a year) attended once, Elternbildung
      (as needed: no expected count) attended once → 1 of 2 = 50 %, 2 network meetings.
    """
    team = Team.objects.get(name="Backnang")
    middle = MiddleArea.objects.get(name="Backnang")
    for month in range(1, 7):
        log(team, backnang, D(2025, month, 3), Activity.Kind.CONSULTATION)
    log(team, backnang, D(2025, 7, 3), Activity.Kind.CONSULTATION, status="cancelled")
    log(team, backnang, D(2025, 8, 3), Activity.Kind.EVENT, helps_initiated=3)
    other = (
        assignments_on(D(2025, 12, 31))
        .filter(team__middle_area=middle)
        .exclude(municipality=backnang)
        .select_related("team", "municipality")
        .first()
    )
    log(other.team, other.municipality, D(2025, 9, 1))
    partner("GS Süd", PartnerKind.SCHOOL, backnang, "active")
    partner("GS Nord", PartnerKind.SCHOOL, backnang, "initiated")
    partner("GS Alt", PartnerKind.SCHOOL, backnang, "active", active=False)
    partner("Juze", PartnerKind.YOUTH_HOUSE, backnang, "agreed")
    early = Body.objects.create(
        name="Netzwerk Frühe Hilfen", kind=BodyKind.NETWORK, rhythm=MeetingRhythm.HALF_YEARLY
    )
    parents = Body.objects.create(
        name="Netzwerk Elternbildung", kind=BodyKind.NETWORK, rhythm=MeetingRhythm.IRREGULAR
    )
    log(team, backnang, D(2025, 10, 1), Activity.Kind.WORKING_GROUP, body=early)
    log(team, backnang, D(2025, 11, 1), Activity.Kind.WORKING_GROUP, body=parents)
    places = assignments_on(D(2025, 12, 31)).filter(team__middle_area=middle).count()
    return team, middle, places


ACTUAL_TEAM = {
    I.CONSULTATIONS_PER_MONTH: 0.5,
    I.PRESENCE_SHARE: 100.0,  # team Backnang serves Backnang only
    I.SCHOOL_COOPERATION: 50.0,
    I.DAYCARE_COOPERATION: None,
    I.YOUTH_COOPERATION: 100.0,
    I.EVENT_HELD: 1,
    I.EVENTS: 1,
    I.NETWORK_MEETINGS: 2,
    I.NETWORK_SHARE: 50.0,
    I.HELPS: 3,
}


def test_each_indicator_is_measured(area, amtsleitung):
    team, middle, places = area
    assert Municipality.objects.filter(assignments__team=team).count() == 1
    for indicator in I:
        Target.objects.create(year=2025, team=team, indicator=indicator, value=Decimal("2"))
    scope = Scope("team", team.pk, "Team Backnang")
    rows = {row.target.indicator: row for row in target_rows(amtsleitung, scope, 2025, TODAY)}
    assert {k: rows[k].actual for k in I} == ACTUAL_TEAM
    assert rows[I.EVENT_HELD].met is False  # 1 of 2 wanted (a yes/no target of 2 is unmet)
    assert rows[I.HELPS].met is True
    assert rows[I.DAYCARE_COOPERATION].met is None
    # The Mittelbereich: presence in 2 of its municipalities.
    Target.objects.create(year=2025, middle_area=middle, indicator=I.PRESENCE_SHARE, value=50)
    area_scope = Scope("middle_area", middle.pk, "Mittelbereich Backnang")
    (row,) = target_rows(amtsleitung, area_scope, 2025, TODAY)
    assert row.actual == round(100 * 2 / places, 1)


def test_gap_in_words(area, amtsleitung):
    team, _middle, _places = area
    Target.objects.create(year=2025, team=team, indicator=I.CONSULTATIONS_PER_MONTH, value=3)
    Target.objects.create(year=2025, team=team, indicator=I.SCHOOL_COOPERATION, value=80)
    Target.objects.create(year=2025, team=team, indicator=I.HELPS, value=3)
    Target.objects.create(year=2025, team=team, indicator=I.DAYCARE_COOPERATION, value=10)
    scope = Scope("team", team.pk, "Team Backnang")
    with translation.override("en"):
        rows = {r.target.indicator: r for r in target_rows(amtsleitung, scope, 2025, TODAY)}
    assert rows[I.CONSULTATIONS_PER_MONTH].gap == "2.5 dates per month below the target"
    assert rows[I.SCHOOL_COOPERATION].gap == "30 percentage points below the target"
    assert rows[I.HELPS].gap == "target reached"
    assert rows[I.DAYCARE_COOPERATION].gap.startswith("cannot be measured")


def test_dashboard_shows_targets_in_words(area, client_for, fbl_backnang):
    team, _middle, _places = area
    Target.objects.create(year=2025, team=team, indicator=I.HELPS, value=5)
    response = client_for(fbl_backnang).get(
        reverse("teams:dashboard"),
        {"scope": f"team-{team.pk}", "period": "year", "day": "2025-05-01"},
    )
    (row,) = response.context["target_rows"]
    assert (row.actual, row.met) == (3, False)
    page = response.content.decode()
    assert 'id="targets"' in page and "text-bg-danger" in page and "✗" in page


def form_data(scope_key, **extra):
    return {"scope": scope_key, "year": 2025, "indicator": I.HELPS, "value": "4", **extra}


def test_create_edit_and_stale_save(area, client_for, fbl_backnang):
    team, _middle, _places = area
    client = client_for(fbl_backnang)
    response = client.post(reverse("teams:target_create"), form_data(f"team-{team.pk}"))
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.team, target.value, target.created_by) == (team, 4, fbl_backnang)
    url = reverse("teams:target_update", args=[target.pk])
    first = form_data(f"team-{team.pk}", value="5", version=target.version)
    assert client.post(url, first).status_code == 302
    stale = client.post(url, form_data(f"team-{team.pk}", value="6", version=target.version))
    assert stale.status_code == 409
    target.refresh_from_db()
    assert target.value == 5
    assert "6" in stale.content.decode()  # the input is kept


def test_bad_input_changes_nothing(area, client_for, fbl_backnang):
    team, _middle, _places = area
    client = client_for(fbl_backnang)
    url = reverse("teams:target_create")
    cases = [
        (form_data(f"team-{team.pk}", value="-1"), "Das Ziel darf nicht negativ sein."),
        (
            form_data(f"team-{team.pk}", indicator=I.SCHOOL_COOPERATION, value="120"),
            "Ein Anteil beträgt höchstens 100 Prozent.",
        ),
        (form_data(f"team-{team.pk}", indicator=I.EVENT_HELD, value="2"), "Geben Sie 1 für"),
        (form_data(f"team-{team.pk}", year=1999), "Wählen Sie ein Jahr zwischen 2000 und 2100."),
        (form_data(f"team-{team.pk}", value="viel"), "Zahl"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode(), message
    assert not Target.objects.exists()
    client.post(url, form_data(f"team-{team.pk}"))
    duplicate = client.post(url, form_data(f"team-{team.pk}"))
    assert "gibt es bereits ein Ziel" in duplicate.content.decode()
    assert Target.objects.count() == 1


def test_who_may_set_targets(area, client_for, fbl_backnang, teamleitung, amtsleitung):
    _team, _middle, _places = area
    elsewhere = Target.objects.create(
        year=2025, team=Team.objects.get(name="Waiblingen/Korb"), indicator=I.HELPS, value=1
    )
    assert client_for(teamleitung).get(reverse("teams:target_list")).status_code == 403
    client = client_for(fbl_backnang)
    assert client.get(reverse("teams:target_update", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("teams:target_delete", args=[elsewhere.pk])).status_code == 404
    outside = client.post(reverse("teams:target_create"), form_data(f"team-{elsewhere.team_id}"))
    assert outside.status_code == 200 and Target.objects.count() == 1
    listing = client.get(reverse("teams:target_list"), {"year": 2025})
    assert listing.context["target_rows"] == []
    everything = client_for(amtsleitung).get(reverse("teams:target_list"), {"year": 2025})
    assert [r.target for r in everything.context["target_rows"]] == [elsewhere]


def test_delete_with_version(area, client_for, amtsleitung):
    team, _middle, _places = area
    target = Target.objects.create(year=2025, team=team, indicator=I.HELPS, value=1)
    client = client_for(amtsleitung)
    url = reverse("teams:target_delete", args=[target.pk])
    assert client.post(url, {"version": target.version + 1}).status_code == 409
    assert client.post(url, {"version": target.version}).status_code == 302
    assert not Target.objects.exists()


def test_target_list_query_count_is_constant(area, client_for, amtsleitung):
    team, middle, _places = area
    client = client_for(amtsleitung)
    Target.objects.create(year=2025, team=team, indicator=I.HELPS, value=1)
    client.get(reverse("teams:target_list"), {"year": 2025})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("teams:target_list"), {"year": 2025})
    for indicator in [I.EVENTS, I.NETWORK_SHARE, I.SCHOOL_COOPERATION]:
        Target.objects.create(year=2025, middle_area=middle, indicator=indicator, value=1)
    for municipality in Municipality.objects.all()[:5]:
        Target.objects.create(year=2025, municipality=municipality, indicator=I.HELPS, value=1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("teams:target_list"), {"year": 2025})
    assert len(response.context["target_rows"]) == 9
    assert len(many) == len(one)
