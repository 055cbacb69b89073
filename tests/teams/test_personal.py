import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sozialraum.models import Municipality, Team
from teams.models import Activity

D = datetime.date
URL = reverse("teams:my_activities")
THIS_YEAR = timezone.localdate().year


def make_activity(team, municipality, staff, **fields):
    defaults = {"kind": "community", "date": D(THIS_YEAR, 1, 15), "status": "held"}
    activity = Activity.objects.create(
        team=team, municipality=municipality, **{**defaults, **fields}
    )
    activity.staff.set(staff)
    return activity


def overview(figures) -> dict:
    total = figures.total
    return {
        "activities": total.total,
        "held": total.held,
        "cancelled": total.cancelled,
        "contacts": total.contacts,
        "helps_initiated": total.helps_initiated,
    }


def by_kind(figures) -> dict:
    """(held, cancelled) of the kinds with activities."""
    return {
        row.kind: (row.tally.held, row.tally.cancelled)
        for row in figures.by_kind
        if row.tally.total
    }


def by_month(figures) -> dict:
    """(held, cancelled, contacts, helps) of the months with activities."""
    return {
        row.month.month: (
            row.tally.held,
            row.tally.cancelled,
            row.tally.contacts,
            row.tally.helps_initiated,
        )
        for row in figures.by_month
        if row.tally.total
    }


def contacts(figures) -> dict:
    return {row.group: row.number for row in figures.contacts}


@pytest.fixture
def shared_and_own(fachkraft, teamleitung, team_backnang, backnang):
    """Activities of fachkraft (one shared with teamleitung), one of teamleitung alone, one of
    fachkraft last year."""
    make_activity(
        team_backnang,
        backnang,
        [fachkraft, teamleitung],
        children=2,
        young_people=3,
        professionals=1,
        helps_initiated=1,
    )
    make_activity(
        team_backnang,
        backnang,
        [fachkraft],
        kind="other",
        date=D(THIS_YEAR, 2, 10),
        parents=4,
        others=1,
        helps_initiated=2,
    )
    make_activity(
        team_backnang,
        backnang,
        [fachkraft],
        date=D(THIS_YEAR, 2, 17),
        status="cancelled",
        cancel_reason="Krankheit",
    )
    make_activity(
        team_backnang,
        backnang,
        [teamleitung],
        date=D(THIS_YEAR, 3, 3),
        children=9,
        helps_initiated=5,
    )
    make_activity(team_backnang, backnang, [fachkraft], date=D(THIS_YEAR - 1, 6, 1), young_people=7)


def test_my_activities_counts_only_the_signed_in_users_activities(
    client_for, fachkraft, shared_and_own
):
    response = client_for(fachkraft).get(URL)

    figures = response.context["figures"]
    assert figures.year == THIS_YEAR
    assert overview(figures) == {
        "activities": 3,
        "held": 2,
        "cancelled": 1,
        "contacts": 11,
        "helps_initiated": 3,
    }
    assert by_kind(figures) == {"community": (1, 1), "other": (1, 0)}
    assert by_month(figures) == {1: (1, 0, 6, 1), 2: (1, 1, 5, 2)}
    assert contacts(figures) == {
        "children": 2,
        "young_people": 3,
        "parents": 4,
        "professionals": 1,
        "others": 1,
    }
    assert [len(figures.by_kind), len(figures.by_month)] == [len(Activity.Kind), 12]


def test_my_activities_page_shows_the_tables(client_for, fachkraft, shared_and_own):
    response = client_for(fachkraft).get(URL)

    content = response.content.decode()
    assert content.count("<caption") == 4
    assert content.count('<th scope="col"') == 14
    assert content.count('<th scope="row"') == 5 + (len(Activity.Kind) + 1) + (12 + 1) + (5 + 2)


def test_nobody_can_ask_for_another_persons_figures(
    client_for, fachkraft, teamleitung, amtsleitung, shared_and_own
):
    asking_for_fachkraft = {"user": fachkraft.pk, "staff": fachkraft.pk, "pk": fachkraft.pk}

    lead = client_for(teamleitung).get(URL, asking_for_fachkraft)
    head = client_for(amtsleitung).get(URL, asking_for_fachkraft)

    lead_figures = lead.context["figures"]
    assert overview(lead_figures) == {
        "activities": 2,
        "held": 2,
        "cancelled": 0,
        "contacts": 15,
        "helps_initiated": 6,
    }
    assert by_month(lead_figures) == {1: (1, 0, 6, 1), 3: (1, 0, 9, 5)}
    assert contacts(lead_figures)["children"] == 11
    assert overview(head.context["figures"]) == {
        "activities": 0,
        "held": 0,
        "cancelled": 0,
        "contacts": 0,
        "helps_initiated": 0,
    }
    assert "<caption" not in head.content.decode()


def test_year_parameter_chooses_a_year_with_own_activities(client_for, fachkraft, shared_and_own):
    client = client_for(fachkraft)

    last_year = client.get(URL, {"year": THIS_YEAR - 1})
    without_activities = client.get(URL, {"year": 1999})
    not_a_year = client.get(URL, {"year": "neunzehn"})

    assert last_year.context["years"] == [THIS_YEAR, THIS_YEAR - 1]
    assert (last_year.context["figures"].year, overview(last_year.context["figures"])) == (
        THIS_YEAR - 1,
        {"activities": 1, "held": 1, "cancelled": 0, "contacts": 7, "helps_initiated": 0},
    )
    assert without_activities.context["figures"].year == THIS_YEAR
    assert not_a_year.context["figures"].year == THIS_YEAR


def test_activities_of_another_team_of_mine_count_too(client_for, fachkraft, team_backnang):
    """Figures are by person, not by team: an activity logged for another team counts."""
    winnenden = Team.objects.get(name="Winnenden")
    make_activity(winnenden, Municipality.objects.get(name="Winnenden"), [fachkraft], children=4)

    response = client_for(fachkraft).get(URL)

    assert overview(response.context["figures"])["contacts"] == 4


@pytest.mark.parametrize("count", [1, 8])
def test_my_activities_query_count_is_constant(
    client, fachkraft, team_backnang, backnang, django_assert_num_queries, count
):
    kinds = list(Activity.Kind.values)
    for n in range(count):
        make_activity(
            team_backnang,
            backnang,
            [fachkraft],
            kind=kinds[n % len(kinds)],
            date=D(THIS_YEAR, n % 12 + 1, 1),
            children=1,
        )
    client.force_login(fachkraft)

    with django_assert_num_queries(9):
        response = client.get(URL)

    assert overview(response.context["figures"])["activities"] == count


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(URL)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={URL}")
