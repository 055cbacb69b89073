"""Hand-over when a user is deactivated or leaves a team (issue 14, point 4).

Deactivating a user, or ending their membership of a team, first lists what they hold — the
consultation-hour series they staff, the cooperations they are responsible for ("Zuständig")
with their open next steps — and needs a decision for each item; everything is handed over in
one transaction, recorded in the audit trail, and a stale list is refused.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum import handover
from sozialraum.accounts import local as accounts
from sozialraum.models import Membership, Team, User
from teams import handover as teams_handover
from teams.models import Activity, ConsultationHour
from tests.teams.conftest import make_series

D = datetime.date
PASSWORD = "ein-langes-passwort"


def deactivate_url(user):
    return reverse("sozialraum:user_deactivate", args=[user.pk])


def update_url(user):
    return reverse("sozialraum:user_update", args=[user.pk])


def series_field(series):
    return handover.DECISION_PREFIX + teams_handover.item_key(series.pk)


def cooperation_field(cooperation):
    return f"{handover.DECISION_PREFIX}cooperation-{cooperation.pk}"


def running_series_of(user):
    today = timezone.localdate()
    return ConsultationHour.objects.filter(staff=user).exclude(valid_until__lt=today)


@pytest.fixture
def team_backnang(district):
    return Team.objects.get(name="Backnang")


@pytest.fixture
def colleague(team_backnang):
    """A second active Fachkraft of Backnang, to hand things to."""
    user = User.objects.create_user(
        "kollegin", password=PASSWORD, first_name="Klara", last_name="Kollegin"
    )
    Membership.objects.create(user=user, team=team_backnang)
    return user


@pytest.fixture
def holdings(fachkraft, teamleitung, team_backnang, backnang, school_backnang, town_hall_backnang):
    """The Fachkraft staffs two series alone and one with the Teamleitung, and is responsible
    for a cooperation with an open next step and a district-wide one without."""
    alone = [
        make_series(team_backnang, backnang, school_backnang, weekday=1, staff=[fachkraft]),
        make_series(team_backnang, backnang, town_hall_backnang, weekday=3, staff=[fachkraft]),
    ]
    shared = make_series(
        team_backnang, backnang, school_backnang, weekday=4, staff=[fachkraft, teamleitung]
    )
    with_step = Cooperation.objects.create(
        partner=school_backnang,
        status=CooperationStatus.BUILDING,
        since=D(2026, 3, 1),
        responsible=fachkraft,
        next_step="Termin mit der Schulleitung",
        next_step_due=D(2027, 1, 15),
    )
    district_wide = Partner.objects.create(name="Kreisjugendring", kind=PartnerKind.VOLUNTEERS)
    without_step = Cooperation.objects.create(
        partner=district_wide,
        status=CooperationStatus.ACTIVE,
        since=D(2026, 2, 1),
        responsible=fachkraft,
    )
    return {"alone": alone, "shared": shared, "cooperations": [with_step, without_step]}


def listed(client, user):
    """The deactivation page: the hidden list of items and the form."""
    response = client.get(deactivate_url(user))
    return response, response.context["handover_form"]


def all_to(form, person) -> dict:
    """Every item handed to ``person``, as the page posts it."""
    data = {handover.ITEMS_FIELD: form.preview.keys}
    for item in form.preview.items:
        data[item.field_name] = str(person.pk)
    return data


def snapshot(user):
    """What must stay unchanged when a hand-over is refused."""
    user.refresh_from_db()
    return (
        user.is_active,
        sorted(ConsultationHour.objects.filter(staff=user).values_list("pk", "version")),
        sorted(Cooperation.objects.filter(responsible=user).values_list("pk", "version")),
        sorted(Membership.objects.filter(user=user).values_list("team", "role")),
    )


# --- The list -------------------------------------------------------------------------------


def test_deactivation_page_lists_every_series_and_cooperation(
    client_for, administration, fachkraft, teamleitung, colleague, holdings
):
    response, form = listed(client_for(administration), fachkraft)

    html = response.content.decode()
    keys = {item.key for item in form.preview.items}
    expected = {teams_handover.item_key(s.pk) for s in [*holdings["alone"], holdings["shared"]]}
    expected |= {f"cooperation-{c.pk}" for c in holdings["cooperations"]}
    assert keys == expected
    assert "Termin mit der Schulleitung" in html
    assert "Kreisjugendring" in html
    assert 'id="handover"' in html
    # Only active colleagues of the series' team are offered, never the person leaving.
    shared = form.fields[series_field(holdings["shared"])]
    values = dict(shared.choices)
    assert str(teamleitung.pk) in values and str(colleague.pk) in values
    assert str(fachkraft.pk) not in values
    assert teams_handover.REMOVE in values  # the Teamleitung stays on it
    alone = dict(form.fields[series_field(holdings["alone"][0])].choices)
    assert teams_handover.REMOVE not in alone  # would leave the series without staff
    assert teams_handover.END in alone
    # A cooperation with an open next step needs a person; one without may be left open.
    with_step, without_step = holdings["cooperations"]
    assert "nobody" not in dict(form.fields[cooperation_field(with_step)].choices)
    assert "nobody" in dict(form.fields[cooperation_field(without_step)].choices)


def test_nothing_to_hand_over_is_said(client_for, administration, fachkraft):
    response, form = listed(client_for(administration), fachkraft)

    assert form.preview.items == []
    assert 'id="handover-nothing"' in response.content.decode()


# --- Deactivation ---------------------------------------------------------------------------


def test_deactivation_cannot_complete_without_a_decision_for_each_item(
    client_for, administration, fachkraft, colleague, holdings
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    before = snapshot(fachkraft)
    data = all_to(form, colleague)
    del data[series_field(holdings["shared"])]  # one item left undecided

    response = client.post(deactivate_url(fachkraft), data)

    assert response.status_code == 200
    errors = response.context["handover_form"].errors
    assert errors[series_field(holdings["shared"])] == [_("Please decide what becomes of this.")]
    assert snapshot(fachkraft) == before


def test_deactivation_without_the_list_shows_the_list_and_changes_nothing(
    client_for, administration, fachkraft, holdings
):
    before = snapshot(fachkraft)

    response = client_for(administration).post(deactivate_url(fachkraft))

    assert response.status_code == 200
    assert len(response.context["handover_form"].preview.items) == 5
    assert snapshot(fachkraft) == before


def test_deactivation_hands_everything_over(
    client_for, administration, fachkraft, teamleitung, colleague, holdings
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    with_step, without_step = holdings["cooperations"]
    first, second = holdings["alone"]
    data = all_to(form, colleague)
    data[series_field(second)] = teams_handover.END
    data[series_field(holdings["shared"])] = teams_handover.REMOVE
    data[cooperation_field(without_step)] = "nobody"

    response = client.post(deactivate_url(fachkraft), data)

    assert response.status_code == 302
    fachkraft.refresh_from_db()
    assert not fachkraft.is_active
    assert not running_series_of(fachkraft).exists()
    assert not Cooperation.objects.filter(responsible=fachkraft).exists()
    assert list(ConsultationHour.objects.get(pk=first.pk).staff.all()) == [colleague]
    assert list(ConsultationHour.objects.get(pk=holdings["shared"].pk).staff.all()) == [teamleitung]
    ended = ConsultationHour.objects.get(pk=second.pk)
    assert ended.valid_until == timezone.localdate()
    with_step.refresh_from_db()
    without_step.refresh_from_db()
    assert with_step.responsible == colleague
    assert with_step.next_step == "Termin mit der Schulleitung"  # the step goes with it
    assert with_step.updated_by == administration and with_step.version == 2
    assert without_step.responsible is None
    assert ConsultationHour.objects.get(pk=first.pk).updated_by == administration


def test_a_series_starting_later_can_be_ended_by_deleting_it(
    client_for, administration, fachkraft, team_backnang, backnang, school_backnang
):
    later = make_series(
        team_backnang,
        backnang,
        school_backnang,
        valid_from=timezone.localdate() + datetime.timedelta(days=30),
        staff=[fachkraft],
    )
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    data = {handover.ITEMS_FIELD: form.preview.keys, series_field(later): teams_handover.END}

    client.post(deactivate_url(fachkraft), data)

    assert not ConsultationHour.objects.filter(pk=later.pk).exists()


def test_the_audit_trail_has_the_hand_over(
    client_for, administration, fachkraft, colleague, holdings
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    client.post(deactivate_url(fachkraft), all_to(form, colleague))

    with_step = holdings["cooperations"][0]
    events = Cooperation.pgh_event_model.objects.filter(pgh_obj_id=with_step.pk)
    handed = events.filter(pgh_label="update").select_related("pgh_context").get()
    assert handed.pgh_context.metadata["label"] == "handover"
    assert handed.pgh_context.metadata["handover_of"] == fachkraft.pk
    assert handed.pgh_context.metadata["user"] == administration.pk
    series_events = ConsultationHour.pgh_event_model.objects.filter(
        pgh_obj_id=holdings["shared"].pk, pgh_label="update"
    )
    assert series_events.get().pgh_context.metadata["label"] == "handover"
    page = client.get(
        reverse("sozialraum:audit_list"), {"model": "kooperation.cooperation"}
    ).content.decode()
    assert colleague.get_full_name() in page or str(colleague) in page
    assert "Grundschule Backnang-Süd" in page


def test_the_last_active_staff_cannot_just_be_removed(
    client_for, administration, fachkraft, colleague, holdings
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    before = snapshot(fachkraft)
    data = all_to(form, colleague)
    data[series_field(holdings["alone"][0])] = teams_handover.REMOVE

    response = client.post(deactivate_url(fachkraft), data)

    errors = response.context["handover_form"].errors
    assert errors[series_field(holdings["alone"][0])] == [
        _("Please choose one of the offered options.")
    ]
    assert snapshot(fachkraft) == before


def test_service_refuses_removing_the_last_staff_after_the_others_left(
    administration, fachkraft, teamleitung, colleague, holdings
):
    """The others left between the list and the decision: only removing is refused, whole."""
    preview = handover.handover_preview(fachkraft)
    decisions = {item.key: str(colleague.pk) for item in preview.items}
    decisions[teams_handover.item_key(holdings["shared"].pk)] = teams_handover.REMOVE
    holdings["shared"].staff.remove(teamleitung)
    before = snapshot(fachkraft)

    with pytest.raises(ValidationError) as refused:
        accounts.user_deactivate(
            actor=administration,
            user=fachkraft,
            handover_decisions=decisions,
            handover_seen=preview.keys,
        )

    shared_field = series_field(holdings["shared"])
    assert [e.code for e in refused.value.error_dict[shared_field]] == ["invalid_choice"]
    assert snapshot(fachkraft) == before


@pytest.mark.parametrize("value", ["999999", "abc", "remove", ""])
def test_bad_decisions_are_refused_in_german_and_change_nothing(
    client_for, administration, fachkraft, colleague, holdings, value
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    before = snapshot(fachkraft)
    data = all_to(form, colleague)
    data[series_field(holdings["alone"][1])] = value

    response = client.post(deactivate_url(fachkraft), data)

    assert response.status_code == 200
    errors = response.context["handover_form"].errors[series_field(holdings["alone"][1])]
    assert errors in (
        [_("Please choose one of the offered options.")],
        [_("Please decide what becomes of this.")],
    )
    assert snapshot(fachkraft) == before


def test_a_stale_list_is_refused_and_nothing_changes(
    client_for, administration, fachkraft, colleague, holdings, team_backnang, backnang
):
    client = client_for(administration)
    _response, form = listed(client, fachkraft)
    data = all_to(form, colleague)
    # Someone adds a series to the Fachkraft in between.
    added = make_series(
        team_backnang, backnang, holdings["alone"][0].venue, weekday=5, staff=[fachkraft]
    )
    before = snapshot(fachkraft)

    response = client.post(deactivate_url(fachkraft), data)

    assert response.status_code == 409
    assert str(handover.STALE_MESSAGE) in response.content.decode()
    assert series_field(added) in response.context["handover_form"].fields
    assert snapshot(fachkraft) == before


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung"])
def test_only_administration_hands_over(client_for, demo_users, holdings, colleague, username):
    client = client_for(demo_users[username])
    target = demo_users["fachkraft"] if username != "fachkraft" else colleague
    before = snapshot(target)
    keys = handover.handover_preview(target).keys

    page = client.get(deactivate_url(target))
    sent = client.post(deactivate_url(target), {handover.ITEMS_FIELD: keys})

    assert (page.status_code, sent.status_code) == (403, 403)
    assert _("Only Administration manages users and roles.") in sent.content.decode()
    assert snapshot(target) == before


def test_unknown_account_is_404(client_for, administration):
    assert (
        client_for(administration).get(reverse("sozialraum:user_deactivate", args=[0])).status_code
        == 404
    )


# --- Ending a membership ----------------------------------------------------------------------


def edit_data(user, **teams):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }
    data.update({f"team_{m.team_id}": m.role for m in Membership.objects.filter(user=user)})
    for key, value in teams.items():
        data[key] = value
    return data


def test_leaving_a_team_first_asks_and_then_hands_over(
    client_for, administration, fachkraft, colleague, holdings, team_backnang
):
    client = client_for(administration)
    winnenden = Team.objects.get(name="Winnenden")
    data = edit_data(
        fachkraft, **{f"team_{team_backnang.pk}": "", f"team_{winnenden.pk}": "member"}
    )
    Membership.objects.create(user=fachkraft, team=winnenden)
    before = snapshot(fachkraft)

    first = client.post(update_url(fachkraft), data)

    assert first.status_code == 200
    assert 'id="handover-leaving"' in first.content.decode()
    form = first.context["handover_form"]
    # The series of the team left, and the cooperation in its area; not the district-wide one.
    assert {i.key for i in form.preview.items} == {
        *(teams_handover.item_key(s.pk) for s in [*holdings["alone"], holdings["shared"]]),
        f"cooperation-{holdings['cooperations'][0].pk}",
    }
    assert snapshot(fachkraft) == before

    second = client.post(update_url(fachkraft), {**data, **all_to(form, colleague)})

    assert second.status_code == 302
    assert set(Membership.objects.filter(user=fachkraft).values_list("team", flat=True)) == {
        winnenden.pk
    }
    assert not running_series_of(fachkraft).exists()
    assert list(Cooperation.objects.filter(responsible=fachkraft)) == [holdings["cooperations"][1]]


def test_leaving_a_team_with_a_stale_list_is_409(
    client_for, administration, fachkraft, colleague, holdings, team_backnang, backnang
):
    client = client_for(administration)
    data = edit_data(fachkraft, **{f"team_{team_backnang.pk}": ""})
    form = client.post(update_url(fachkraft), data).context["handover_form"]
    make_series(team_backnang, backnang, holdings["alone"][0].venue, weekday=5, staff=[fachkraft])
    before = snapshot(fachkraft)

    response = client.post(update_url(fachkraft), {**data, **all_to(form, colleague)})

    assert response.status_code == 409
    assert str(handover.STALE_MESSAGE) in response.content.decode()
    assert snapshot(fachkraft) == before


def test_changing_the_role_in_a_team_hands_nothing_over(
    client_for, administration, fachkraft, holdings, team_backnang
):
    response = client_for(administration).post(
        update_url(fachkraft), edit_data(fachkraft, **{f"team_{team_backnang.pk}": "lead"})
    )

    assert response.status_code == 302
    assert running_series_of(fachkraft).count() == 3


# --- Query counts -----------------------------------------------------------------------------


def make_holdings(user, count, team, municipality, venue, partners):
    for index in range(count):
        make_series(team, municipality, venue, weekday=index % 5, staff=[user])
        Cooperation.objects.create(
            partner=partners[index],
            status=CooperationStatus.ACTIVE,
            since=D(2026, 1, 1),
            responsible=user,
            next_step="Anrufen",
        )


def queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302)
    return len(captured)


def test_query_counts_do_not_grow_with_the_items(
    client_for, administration, team_backnang, backnang, school_backnang, colleague
):
    partners = [
        Partner.objects.create(
            name=f"Verein {i}", kind=PartnerKind.VOLUNTEERS, municipality=backnang
        )
        for i in range(12)
    ]
    counts = {}
    for count in (1, 6):
        person = User.objects.create_user(f"person{count}", password=PASSWORD)
        Membership.objects.create(user=person, team=team_backnang)
        offset = 0 if count == 1 else 1
        make_holdings(
            person, count, team_backnang, backnang, school_backnang, partners[offset * 6 :]
        )
        client = client_for(administration)
        page = queries(client, "get", deactivate_url(person))
        form = client.get(deactivate_url(person)).context["handover_form"]
        sent = queries(client, "post", deactivate_url(person), all_to(form, colleague))
        counts[count] = (page, sent)
        person.refresh_from_db()
        assert not person.is_active

    assert counts[1] == counts[6]


# --- The invariant ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    series=st.lists(st.booleans(), min_size=0, max_size=4),  # True: shared with the Teamleitung
    cooperations=st.lists(st.booleans(), min_size=0, max_size=3),  # True: open next step
    picks=st.lists(st.integers(min_value=0, max_value=10), min_size=7, max_size=7),
)
def test_after_any_hand_over_nothing_references_the_user(
    holdings_world, series, cooperations, picks
):
    world = holdings_world
    with transaction.atomic():
        person = User.objects.create_user("wechsel", password=PASSWORD)
        Membership.objects.create(user=person, team=world["team"])
        for index, shared in enumerate(series):
            staff = [person, world["lead"]] if shared else [person]
            make_series(world["team"], world["town"], world["venue"], weekday=index, staff=staff)
        for index, open_step in enumerate(cooperations):
            Cooperation.objects.create(
                partner=world["partners"][index],
                status=CooperationStatus.ACTIVE,
                since=D(2026, 1, 1),
                responsible=person,
                next_step="Anrufen" if open_step else "",
            )
        preview = handover.handover_preview(person)
        decisions = {
            item.key: item.choices[picks[index] % len(item.choices)][0]
            for index, item in enumerate(preview.items)
        }
        ended = {
            int(key.removeprefix("series-"))
            for key, value in decisions.items()
            if key.startswith("series-") and value == teams_handover.END
        }

        accounts.user_deactivate(
            actor=world["admin"],
            user=person,
            handover_decisions=decisions,
            handover_seen=preview.keys,
        )

        assert not running_series_of(person).exists()
        assert not Cooperation.objects.filter(responsible=person).exists()
        today = timezone.localdate()
        for hour in ConsultationHour.objects.exclude(valid_until__lt=today).exclude(pk__in=ended):
            assert hour.staff.filter(is_active=True).exists()
        transaction.set_rollback(True)


@pytest.fixture
def holdings_world(administration, teamleitung, team_backnang, backnang, school_backnang):
    partners = [
        Partner.objects.create(
            name=f"Partner {i}", kind=PartnerKind.VOLUNTEERS, municipality=backnang
        )
        for i in range(3)
    ]
    assert not Activity.objects.exists()
    return {
        "admin": administration,
        "lead": teamleitung,
        "team": team_backnang,
        "town": backnang,
        "venue": school_backnang,
        "partners": partners,
    }
