"""Absences with stand-ins (issue 14, point 4): who may record them, the form's rules, conflicts,
the database's refusal of overlaps and the audit trail."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozialraum.models import Membership, Team, User
from teams.absence_forms import overlap_message
from teams.absences import AbsenceOverlap, absence_save
from teams.models import Absence, AbsenceStandIn
from tests.teams.conftest import make_series

D = datetime.date
LIST = reverse("teams:absence_list")
CREATE = reverse("teams:absence_create")


def update_url(absence):
    return reverse("teams:absence_update", args=[absence.pk])


def delete_url(absence):
    return reverse("teams:absence_delete", args=[absence.pk])


def stand_in_field(series) -> str:
    return f"stand_in_{series.pk}"


def token_of(response) -> str:
    return response.context["form"]["submission_token"].value()


@pytest.fixture
def absence(team_backnang, fachkraft):
    return Absence.objects.create(
        user=fachkraft, team=team_backnang, start=D(2030, 5, 4), end=D(2030, 5, 8)
    )


def snapshot():
    return sorted(Absence.objects.values_list("user__username", "start", "end", "version")), sorted(
        AbsenceStandIn.objects.values_list("series_id", "stand_in__username")
    )


# --- Recording -------------------------------------------------------------------------------


def test_fachkraft_records_her_absence_with_a_stand_in(
    client_for, fachkraft, teamleitung, series, team_backnang
):
    client = client_for(fachkraft)
    form = client.get(CREATE)
    assert list(form.context["form"].series) == [series]

    response = client.post(
        CREATE,
        {
            "start": "2030-05-04",
            "end": "2030-05-15",
            stand_in_field(series): teamleitung.pk,
            "submission_token": token_of(form),
        },
    )

    saved = Absence.objects.get()
    assert (saved.user, saved.team, saved.start, saved.end) == (
        fachkraft,
        team_backnang,
        D(2030, 5, 4),
        D(2030, 5, 15),
    )
    assert (saved.created_by, saved.version) == (fachkraft, 1)
    assert list(saved.stand_ins.values_list("series", "stand_in")) == [(series.pk, teamleitung.pk)]
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("teams:team_week"))


def test_a_resent_create_form_saves_once(client_for, fachkraft, series):
    client = client_for(fachkraft)
    token = token_of(client.get(CREATE))
    data = {"start": "2030-05-04", "end": "2030-05-05", "submission_token": token}

    client.post(CREATE, data)
    client.post(CREATE, data)

    assert Absence.objects.count() == 1


def test_teamleitung_records_an_absence_for_a_member(
    client_for, teamleitung, fachkraft, series, team_backnang
):
    client = client_for(teamleitung)
    form = client.get(CREATE, {"member": f"{team_backnang.pk}-{fachkraft.pk}"})

    client.post(
        f"{CREATE}?team={team_backnang.pk}&person={fachkraft.pk}",
        {"start": "2030-06-01", "end": "2030-06-30", stand_in_field(series): ""},
    )

    assert form.context["absence"].user == fachkraft
    assert list(Absence.objects.values_list("user__username", "created_by__username")) == [
        ("fachkraft", "teamleitung")
    ]
    assert not AbsenceStandIn.objects.exists()


def test_editing_changes_the_period_and_the_stand_in(
    client_for, fachkraft, teamleitung, series, absence
):
    AbsenceStandIn.objects.create(absence=absence, series=series, stand_in=teamleitung)
    client = client_for(fachkraft)

    response = client.post(
        update_url(absence),
        {"start": "2030-05-04", "end": "2030-05-20", stand_in_field(series): "", "version": 1},
    )

    absence.refresh_from_db()
    assert response.status_code == 302
    assert (absence.end, absence.version, absence.updated_by) == (D(2030, 5, 20), 2, fachkraft)
    assert not absence.stand_ins.exists()


def test_delete_removes_the_absence_and_its_stand_ins(
    client_for, fachkraft, teamleitung, series, absence
):
    AbsenceStandIn.objects.create(absence=absence, series=series, stand_in=teamleitung)

    response = client_for(teamleitung).post(delete_url(absence), {"version": 1})

    assert response["Location"] == LIST
    assert snapshot() == ([], [])


# --- Bad input: a message, nothing changed ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start": "2030-05-10", "end": "2030-05-09"}, "end"),
        ({"start": "", "end": "2030-05-09"}, "start"),
        ({"start": "2030-02-30", "end": "2030-05-09"}, "start"),
        ({"start": "10000-01-01", "end": "2030-05-09"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"start": "2030-05-01", "end": "9999-12-31"}, "end"),
    ],
)
def test_bad_dates_are_refused(client_for, fachkraft, series, data, field):
    response = client_for(fachkraft).post(CREATE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Absence.objects.exists()


def test_a_stand_in_must_be_active_staff_of_the_team(
    client_for, fachkraft, teamleitung, other_team_member, series
):
    teamleitung.is_active = False
    teamleitung.save()
    client = client_for(fachkraft)

    for candidate in (teamleitung, other_team_member, fachkraft):
        response = client.post(
            CREATE,
            {"start": "2030-05-01", "end": "2030-05-02", stand_in_field(series): candidate.pk},
        )
        assert response.context["form"].errors[stand_in_field(series)]

    assert not Absence.objects.exists()


def test_an_overlapping_absence_is_refused_with_a_message(client_for, fachkraft, series, absence):
    response = client_for(fachkraft).post(CREATE, {"start": "2030-05-08", "end": "2030-05-09"})

    assert response.context["form"].non_field_errors() == [overlap_message(absence)]
    assert Absence.objects.count() == 1


def test_the_database_refuses_an_overlap_the_form_did_not_see(
    client_for, fachkraft, series, absence, monkeypatch
):
    """Two people saving at the same moment both pass the form's check; the database decides."""
    monkeypatch.setattr("teams.absence_forms.overlapping_absence", lambda *a, **k: None)

    response = client_for(fachkraft).post(CREATE, {"start": "2030-05-01", "end": "2030-05-04"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [overlap_message()]
    assert Absence.objects.count() == 1


def test_overlap_constraint_in_the_database(team_backnang, fachkraft, teamleitung, absence):
    Absence.objects.create(
        user=teamleitung, team=team_backnang, start=absence.start, end=absence.end
    )
    Absence.objects.create(
        user=fachkraft, team=team_backnang, start=D(2030, 5, 9), end=D(2030, 5, 9)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            user=fachkraft, team=team_backnang, start=D(2030, 5, 8), end=D(2030, 5, 8)
        )


def test_a_stale_second_save_is_refused_with_409(client_for, fachkraft, teamleitung, absence):
    data = {"start": "2030-05-04", "end": "2030-05-30", "version": 1}
    client_for(teamleitung).post(update_url(absence), {**data, "end": "2030-05-10"})

    response = client_for(fachkraft).post(update_url(absence), data)

    absence.refresh_from_db()
    assert response.status_code == 409
    assert (absence.end, absence.version) == (D(2030, 5, 10), 2)
    assert response.context["form"].conflict_differences


def test_a_stale_delete_is_refused_with_409(client_for, fachkraft, teamleitung, absence):
    client_for(teamleitung).post(
        update_url(absence), {"start": "2030-05-04", "end": "2030-05-10", "version": 1}
    )

    response = client_for(fachkraft).post(delete_url(absence), {"version": 1})

    assert response.status_code == 409
    assert Absence.objects.get().end == D(2030, 5, 10)


# --- Permissions -----------------------------------------------------------------------------


@pytest.fixture
def users(demo_users, other_team_member, no_role_user):
    return {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}


@pytest.mark.parametrize("who", ["fachkraft", "teamleitung"])
def test_the_person_and_the_lead_change_the_absence(client_for, users, absence, who):
    client = client_for(users[who])

    page = client.get(update_url(absence))
    post = client.post(
        update_url(absence), {"start": "2030-05-01", "end": "2030-05-31", "version": 1}
    )

    assert (page.status_code, post.status_code) == (200, 302)
    assert Absence.objects.values_list("start", "end").get() == (D(2030, 5, 1), D(2030, 5, 31))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("fbl-backnang", 403),
        ("fbl-waiblingen", 404),
        ("amtsleitung", 403),
        ("admin", 403),
        ("winnenden", 404),
        ("ohnerolle", 404),
    ],
)
def test_others_cannot_change_the_absence(client_for, users, absence, who, status):
    before = snapshot()
    client = client_for(users[who])

    page = client.get(update_url(absence))
    post = client.post(update_url(absence), {"start": "2030-01-01", "end": "2030-12-31"})
    delete = client.post(delete_url(absence), {"version": 1})

    assert (page.status_code, post.status_code, delete.status_code) == (status, status, status)
    assert snapshot() == before


def test_fachkraft_cannot_record_for_a_colleague(client_for, fachkraft, teamleitung, team_backnang):
    url = f"{CREATE}?team={team_backnang.pk}&person={teamleitung.pk}"

    page = client_for(fachkraft).get(url)
    post = client_for(fachkraft).post(url, {"start": "2030-01-01", "end": "2030-01-02"})

    assert (page.status_code, post.status_code) == (403, 403)
    assert not Absence.objects.exists()


def test_nobody_records_an_absence_in_another_team(
    client_for, teamleitung, other_team_member, team_backnang
):
    winnenden = Team.objects.get(name="Winnenden")

    by_lead = client_for(teamleitung).get(CREATE, {"team": winnenden.pk})
    for_outsider = client_for(teamleitung).get(
        CREATE, {"team": team_backnang.pk, "person": other_team_member.pk}
    )

    assert (by_lead.status_code, for_outsider.status_code) == (404, 404)


@pytest.mark.parametrize(
    "params",
    [{"team": "²"}, {"person": "9" * 30}, {"member": "a-b"}, {"member": "²-²"}, {"team": "1\x00"}],
)
def test_odd_parameters_never_fail(client_for, fachkraft, series, params):
    response = client_for(fachkraft).get(CREATE, params)

    assert response.status_code in (200, 404)
    assert response.status_code == 404 or response.context["absence"].user == fachkraft


@pytest.mark.parametrize("who", ["fbl-backnang", "amtsleitung", "admin", "ohnerolle"])
def test_readers_without_a_team_record_no_absence(client_for, users, who):
    response = client_for(users[who]).get(CREATE)

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "visible", "changeable"),
    [
        ("fachkraft", True, True),
        ("teamleitung", True, True),
        ("fbl-backnang", True, False),
        ("fbl-waiblingen", False, False),
        ("amtsleitung", True, False),
        ("admin", True, False),
        ("winnenden", False, False),
        ("ohnerolle", False, False),
    ],
)
def test_absence_list_shows_the_scope(client_for, users, absence, who, visible, changeable):
    response = client_for(users[who]).get(LIST)

    shown = response.context["absences"]
    assert shown == ([absence] if visible else [])
    assert [a.can_change for a in shown] == ([changeable] if visible else [])
    assert (update_url(absence) in response.content.decode()) == changeable


def test_the_list_offers_the_lead_every_member(client_for, teamleitung, team_backnang):
    response = client_for(teamleitung).get(LIST)

    members = [(m.team_id, m.user.username) for m in response.context["lead_members"]]
    assert sorted(members) == [(team_backnang.pk, "fachkraft"), (team_backnang.pk, "teamleitung")]


@pytest.mark.parametrize("count", [1, 5])
def test_absence_list_query_count_is_constant(
    client, teamleitung, team_backnang, backnang, school, django_assert_num_queries, count
):
    for n in range(count):
        person = User.objects.create_user(f"person{n}", first_name="P", last_name=str(n))
        Membership.objects.create(user=person, team=team_backnang)
        series = make_series(team_backnang, backnang, school, staff=[person])
        absence = Absence.objects.create(
            user=person, team=team_backnang, start=D(2030, 1, 1), end=D(2030, 1, 9)
        )
        AbsenceStandIn.objects.create(absence=absence, series=series, stand_in=teamleitung)
    client.force_login(teamleitung)

    with django_assert_num_queries(11):
        response = client.get(LIST)

    assert len(response.context["absences"]) == count


# --- Audit trail -----------------------------------------------------------------------------


def test_changes_are_in_the_audit_trail(client_for, fachkraft, teamleitung, series, absence):
    client_for(fachkraft).post(
        update_url(absence),
        {"start": "2030-05-04", "end": "2030-05-09", stand_in_field(series): teamleitung.pk},
    )

    absence_events = apps.get_model("teams", "AbsenceEvent").objects.order_by("pgh_id")
    stand_in_events = apps.get_model("teams", "AbsenceStandInEvent").objects.all()
    assert [(e.pgh_label, e.end) for e in absence_events] == [
        ("insert", D(2030, 5, 8)),
        ("update", D(2030, 5, 9)),
    ]
    assert [(e.pgh_label, e.stand_in_id) for e in stand_in_events] == [("insert", teamleitung.pk)]


# --- Invariant: one person's absences never overlap ------------------------------------------

BASE = D(2030, 1, 1)
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "edit"]),
        st.integers(min_value=0, max_value=4),  # which absence to edit
        st.integers(min_value=0, max_value=40),  # first day after BASE
        st.integers(min_value=0, max_value=10),  # length in days
    ),
    min_size=1,
    max_size=12,
)


def overlaps(a, b) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_absences_of_one_person_never_overlap(fachkraft, team_backnang, operations):
    """Creates and edits through the service, without the form's check: the database alone
    keeps the invariant, and refuses exactly the overlapping ones."""
    Absence.objects.all().delete()
    model: dict[int, tuple] = {}
    for action, which, offset, length in operations:
        start = BASE + datetime.timedelta(days=offset)
        period = (start, start + datetime.timedelta(days=length))
        if action == "edit" and model:
            pk = sorted(model)[which % len(model)]
            absence = Absence.objects.get(pk=pk)
            version = absence.version
        else:
            pk, absence, version = None, Absence(user=fachkraft, team=team_backnang), None
        absence.start, absence.end = period
        expected_refusal = any(overlaps(period, other) for key, other in model.items() if key != pk)

        try:
            absence_save(absence=absence, stand_ins={}, expected_version=version, user=fachkraft)
            refused = False
        except AbsenceOverlap:
            refused = True

        assert refused == expected_refusal
        if not refused:
            model[absence.pk] = period
    stored = list(Absence.objects.filter(user=fachkraft).values_list("start", "end"))
    assert sorted(stored) == sorted(model.values())
    assert not any(overlaps(a, b) for i, a in enumerate(stored) for b in stored[i + 1 :])
