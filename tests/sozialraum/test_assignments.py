"""Zuständigkeiten: the overview, a municipality's history, reassigning with an impact preview,
and creating, renaming and closing teams."""

import datetime
import itertools
import random

import pytest
from django.urls import reverse

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Assignment, Municipality, Team
from sozialraum.reassignment import reassign, reassignment_preview
from sozialraum.selectors import assignment_gaps
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule

D = datetime.date
EFFECTIVE = D(2026, 12, 1)


@pytest.fixture
def waiblingen_korb(district):
    return Team.objects.get(name="Waiblingen/Korb")


@pytest.fixture
def winnenden(district):
    return Team.objects.get(name="Winnenden")


@pytest.fixture
def school_korb(korb):
    return Partner.objects.create(
        name="Grundschule Korb", kind=PartnerKind.SCHOOL, municipality=korb
    )


SERIES_START = D(2026, 1, 6)


def make_series(team, municipality, venue, *, valid_from=SERIES_START, interval=1, **extra):
    """A Tuesday series (every ``interval`` weeks), 14 to 16 o'clock."""
    return ConsultationHour.objects.create(
        team=team,
        municipality=municipality,
        venue=venue,
        rrule=build_rrule(
            pattern="every_n_weeks" if interval > 1 else "weekly", weekday=1, interval=interval
        ),
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=valid_from,
        **extra,
    )


def log(team, municipality, day, **fields):
    return Activity.objects.create(
        team=team, municipality=municipality, date=day, kind=Activity.Kind.COMMUNITY, **fields
    )


@pytest.fixture
def korb_with_work(korb, waiblingen_korb, winnenden, school_korb, fachkraft):
    """Korb served by Waiblingen/Korb: 3 activities before 1 December 2026, 2 on or after it,
    one of Winnenden before; a running weekly series, a fortnightly one, one ended in
    October, one starting in January 2027."""
    for day in (D(2026, 10, 6), D(2026, 11, 3), D(2026, 11, 30)):
        log(waiblingen_korb, korb, day)
    for day in (D(2026, 12, 1), D(2026, 12, 8)):
        log(waiblingen_korb, korb, day)
    log(winnenden, korb, D(2026, 11, 10))
    weekly = make_series(waiblingen_korb, korb, school_korb)
    weekly.staff.set([fachkraft])
    fortnightly = make_series(waiblingen_korb, korb, school_korb, interval=2)
    ended = make_series(waiblingen_korb, korb, school_korb, valid_until=D(2026, 10, 31))
    future = make_series(waiblingen_korb, korb, school_korb, valid_from=D(2027, 1, 5))
    return {"weekly": weekly, "fortnightly": fortnightly, "ended": ended, "future": future}


# --- Impact preview -------------------------------------------------------------------------


def facts(impact) -> dict[str, str]:
    return {fact.label: fact.value for fact in impact.facts}


def test_preview_counts_the_activities_that_keep_their_team(korb, winnenden, korb_with_work):
    impact = reassignment_preview(municipality=korb, team=winnenden, effective=EFFECTIVE)
    figures = facts(impact)
    assert figures["Aktivitäten von Waiblingen/Korb am oder nach dem 1. Dezember 2026"] == "2"
    assert figures["Frühere Aktivitäten von Waiblingen/Korb hier"] == "3"
    assert impact.change.old_team.name == "Waiblingen/Korb"
    assert impact.change.previous.valid_until is None  # nothing written by the preview


def test_preview_asks_about_every_running_series_of_the_old_team(korb, winnenden, korb_with_work):
    impact = reassignment_preview(municipality=korb, team=winnenden, effective=EFFECTIVE)
    keys = [decision.key for decision in impact.decisions]
    expected = ["weekly", "fortnightly", "future"]
    assert keys == [f"series-{korb_with_work[name].pk}" for name in expected]
    assert all(decision.initial == "hand_over" for decision in impact.decisions)
    assert "Winnenden" in dict(impact.decisions[0].choices)["hand_over"]


def test_preview_writes_nothing(korb, winnenden, korb_with_work):
    before = list(Assignment.objects.values()), list(ConsultationHour.objects.values())
    reassignment_preview(municipality=korb, team=winnenden, effective=EFFECTIVE)
    assert (list(Assignment.objects.values()), list(ConsultationHour.objects.values())) == before


# --- Applying -------------------------------------------------------------------------------


def answers_for(series: dict, **choices) -> dict[str, str]:
    return {f"series-{series[name].pk}": choice for name, choice in choices.items()}


def test_reassign_closes_the_old_and_opens_the_new_assignment(
    korb, winnenden, korb_with_work, administration
):
    answers = answers_for(korb_with_work, weekly="hand_over", fortnightly="end", future="hand_over")
    reassign(
        municipality=korb, team=winnenden, effective=EFFECTIVE, answers=answers, user=administration
    )
    history = list(korb.assignments.order_by("valid_from").values_list("team__name", "valid_until"))
    assert history == [("Waiblingen/Korb", D(2026, 11, 30)), ("Winnenden", None)]
    # Activities keep the team that did them.
    after = Activity.objects.filter(municipality=korb, date__gte=EFFECTIVE)
    assert set(after.values_list("team__name", flat=True)) == {"Waiblingen/Korb"}


def test_hand_over_splits_a_running_series_and_keeps_its_rhythm(
    korb, winnenden, waiblingen_korb, korb_with_work, administration
):
    answers = answers_for(korb_with_work, weekly="hand_over", fortnightly="hand_over", future="end")
    reassign(
        municipality=korb, team=winnenden, effective=EFFECTIVE, answers=answers, user=administration
    )
    weekly = ConsultationHour.objects.get(pk=korb_with_work["weekly"].pk)
    assert (weekly.team, weekly.valid_until, weekly.version) == (
        waiblingen_korb,
        D(2026, 11, 30),
        2,
    )
    copies = ConsultationHour.objects.filter(team=winnenden).order_by("rrule")
    assert [c.valid_from for c in copies] == [D(2026, 12, 1), D(2026, 12, 8)]
    fortnightly_copy = copies.get(rrule=korb_with_work["fortnightly"].rrule)
    # 6 January 2026 + 2n weeks: 8 December 2026 is in step, 1 December is not.
    assert fortnightly_copy.valid_from == D(2026, 12, 8)
    assert fortnightly_copy.created_by == administration
    # The staff member of the old team does not move with the series.
    assert not fortnightly_copy.staff.exists()
    # The series that had not started yet is gone; the ended one is untouched.
    assert not ConsultationHour.objects.filter(pk=korb_with_work["future"].pk).exists()
    ended = ConsultationHour.objects.get(pk=korb_with_work["ended"].pk)
    assert (ended.valid_until, ended.version) == (D(2026, 10, 31), 1)


def test_a_series_that_starts_later_is_handed_over_whole(
    korb, winnenden, korb_with_work, administration
):
    answers = answers_for(korb_with_work, weekly="end", fortnightly="end", future="hand_over")
    reassign(
        municipality=korb, team=winnenden, effective=EFFECTIVE, answers=answers, user=administration
    )
    future = ConsultationHour.objects.get(pk=korb_with_work["future"].pk)
    assert (future.team, future.valid_from) == (winnenden, D(2027, 1, 5))
    assert ConsultationHour.objects.get(pk=korb_with_work["weekly"].pk).valid_until == D(
        2026, 11, 30
    )


def snapshot():
    return (
        list(Assignment.objects.order_by("pk").values()),
        list(ConsultationHour.objects.order_by("pk").values()),
        list(Activity.objects.order_by("pk").values()),
    )


def test_a_change_that_fails_halfway_leaves_nothing_changed(
    korb, winnenden, korb_with_work, administration
):
    # Ending the series that starts in January is refused once a date of it is logged, after
    # the assignment and the other series were already changed in the same transaction.
    log(
        korb_with_work["future"].team,
        korb,
        D(2027, 1, 5),
        consultation_hour=korb_with_work["future"],
    )
    before = snapshot()
    answers = answers_for(korb_with_work, weekly="hand_over", fortnightly="hand_over", future="end")
    with pytest.raises(Exception) as error:
        reassign(
            municipality=korb,
            team=winnenden,
            effective=EFFECTIVE,
            answers=answers,
            user=administration,
        )
    assert "Übergeben Sie sie stattdessen" in " ".join(error.value.messages)
    assert snapshot() == before


def test_missing_decisions_are_refused(korb, winnenden, korb_with_work, administration):
    before = snapshot()
    with pytest.raises(Exception) as error:
        reassign(
            municipality=korb,
            team=winnenden,
            effective=EFFECTIVE,
            answers=answers_for(korb_with_work, weekly="end"),
            user=administration,
        )
    assert error.value.code == "stale_preview"
    assert snapshot() == before


# --- Gaps -----------------------------------------------------------------------------------


def test_no_gaps_in_the_shipped_district(district):
    assert assignment_gaps() == []


def test_gaps_are_found(korb, backnang, waiblingen_korb):
    current = korb.assignments.get()
    current.valid_until = D(2026, 6, 30)
    current.save()
    Assignment.objects.create(municipality=korb, team=waiblingen_korb, valid_from=D(2026, 9, 1))
    backnang.assignments.update(valid_until=D(2026, 12, 31))
    new = Municipality.objects.create(name="Neustadt", kind=Municipality.Kind.MUNICIPALITY)
    gaps = {(g.municipality.name, g.start, g.end) for g in assignment_gaps()}
    assert gaps == {
        ("Korb", D(2026, 7, 1), D(2026, 8, 31)),
        ("Backnang", D(2027, 1, 1), None),
        (new.name, None, None),
    }


# --- Pages ----------------------------------------------------------------------------------


def test_list_groups_municipalities_by_middle_area(client_for, administration):
    page = client_for(administration).get(reverse("sozialraum:assignment_list"))
    groups = page.context["groups"]
    assert [area.name for area, _rows in groups] == ["Backnang", "Schorndorf", "Waiblingen"]
    assert sum(len(rows) for _area, rows in groups) == 31
    html = page.content.decode()
    assert "Waiblingen/Korb" in html and 'id="assignment-gaps"' not in html


def test_reassign_page_previews_then_applies(
    client_for, administration, korb, winnenden, korb_with_work
):
    client = client_for(administration)
    url = reverse("sozialraum:assignment_reassign", args=[korb.pk])
    data = {"team": winnenden.pk, "effective": "2026-12-01", "action": "preview"}
    preview = client.post(url, data)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="impact"' in html
    assert korb.assignments.count() == 1  # the preview changes nothing
    decision_keys = [f"series-{s.pk}" for s in korb_with_work.values() if s.valid_until is None]
    for key in decision_keys:
        assert f'name="{key}" value="hand_over"' in html and "checked" in html
    applied = client.post(url, {**data, "action": "apply", **dict.fromkeys(decision_keys, "end")})
    assert applied.status_code == 302
    assert applied.url == reverse("sozialraum:assignment_history", args=[korb.pk])
    assert korb.assignments.order_by("-valid_from").first().team == winnenden
    history = client.get(applied.url).content.decode()
    assert history.count("timeline-entry") == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"team": "", "effective": "2026-12-01"}, "team", "Wählen Sie das Team"),
        ({"effective": "2026-13-01"}, "effective", "gültiges Datum"),
        ({"effective": "2006-01-01"}, "effective", "Beginn der letzten Zuständigkeit"),
        ({"team": "same"}, "team", "bereits für diese"),
        ({"team": "inactive"}, "team", ""),
    ],
)
def test_reassign_refuses_bad_input_and_changes_nothing(
    client_for, administration, korb, winnenden, waiblingen_korb, data, field, message
):
    if data.get("team") == "same":
        data["team"] = waiblingen_korb.pk
    elif data.get("team") == "inactive":
        winnenden.is_active = False
        winnenden.save()
        data["team"] = winnenden.pk
    data = {"team": winnenden.pk, "effective": "2026-12-01", "action": "apply", **data}
    before = snapshot()
    page = client_for(administration).post(
        reverse("sozialraum:assignment_reassign", args=[korb.pk]), data
    )
    assert page.status_code == 200
    errors = " ".join(page.context["form"].errors[field])
    if not winnenden.is_active:  # an inactive team is not even offered
        assert "gültige Auswahl" in errors
    else:
        assert message in errors
    assert snapshot() == before


def test_any_sequence_of_reassignments_leaves_no_overlap_or_gap(
    client_for, administration, district
):
    client = client_for(administration)
    rng = random.Random(7)  # noqa: S311 - a repeatable sequence, not a secret
    teams = list(Team.objects.filter(is_active=True))
    municipalities = list(Municipality.objects.order_by("pk")[:4])
    day = D(2026, 12, 1)
    for _step in range(12):
        municipality = rng.choice(municipalities)
        day += datetime.timedelta(days=rng.randint(-20, 60))
        team = rng.choice(teams)
        client.post(
            reverse("sozialraum:assignment_reassign", args=[municipality.pk]),
            {"team": team.pk, "effective": day.isoformat(), "action": "apply"},
        )
    assert assignment_gaps() == []
    for municipality in municipalities:
        periods = list(municipality.assignments.order_by("valid_from"))
        for before, after in itertools.pairwise(periods):
            assert before.valid_until == after.valid_from - datetime.timedelta(days=1)
        assert periods[-1].valid_until is None
    assert Assignment.objects.count() > 31


# --- Teams ----------------------------------------------------------------------------------


def test_a_team_can_be_created_and_renamed(client_for, administration, district):
    client = client_for(administration)
    area = Team.objects.get(name="Winnenden").middle_area
    created = client.post(
        reverse("sozialraum:team_create"),
        {"name": "Remstal Nord", "middle_area": area.pk, "email": "remstal@example.org"},
    )
    assert created.status_code == 302
    team = Team.objects.get(name="Remstal Nord")
    renamed = client.post(
        reverse("sozialraum:team_update", args=[team.pk]),
        {"name": "Remstal-Nord", "middle_area": area.pk, "email": "remstal@example.org"},
    )
    assert renamed.status_code == 302
    team.refresh_from_db()
    assert team.name == "Remstal-Nord"


def test_a_duplicate_team_name_is_refused(client_for, administration, district):
    area = Team.objects.get(name="Winnenden").middle_area
    page = client_for(administration).post(
        reverse("sozialraum:team_create"), {"name": "Winnenden", "middle_area": area.pk}
    )
    assert "name" in page.context["form"].errors
    assert Team.objects.filter(name="Winnenden").count() == 1


def test_closing_a_team_with_municipalities_is_refused(client_for, administration, waiblingen_korb):
    page = client_for(administration).post(
        reverse("sozialraum:team_close", args=[waiblingen_korb.pk]), {"action": "close"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Korb" in html and "Waiblingen" in html and 'id="close-errors"' in html
    waiblingen_korb.refresh_from_db()
    assert waiblingen_korb.is_active


def test_a_team_closes_once_its_municipalities_moved(
    client_for, administration, waiblingen_korb, winnenden, school_korb, korb
):
    client = client_for(administration)
    elsewhere = make_series(waiblingen_korb, korb, school_korb)
    today = datetime.date.today()
    for municipality in Municipality.objects.filter(assignments__team=waiblingen_korb):
        reassign(
            municipality=municipality,
            team=winnenden,
            effective=today,
            answers={f"series-{elsewhere.pk}": "hand_over"} if municipality == korb else {},
            user=administration,
        )
    closing = client.post(
        reverse("sozialraum:team_close", args=[waiblingen_korb.pk]), {"action": "close"}
    )
    assert closing.status_code == 302
    waiblingen_korb.refresh_from_db()
    assert not waiblingen_korb.is_active
    # Closed teams cannot take over municipalities.
    page = client.post(
        reverse("sozialraum:assignment_reassign", args=[korb.pk]),
        {"team": waiblingen_korb.pk, "effective": "2027-06-01", "action": "apply"},
    )
    assert "team" in page.context["form"].errors
    reopened = client.post(
        reverse("sozialraum:team_close", args=[waiblingen_korb.pk]), {"action": "reopen"}
    )
    assert reopened.status_code == 302
    waiblingen_korb.refresh_from_db()
    assert waiblingen_korb.is_active


# --- Permissions and queries ---------------------------------------------------------------


PAGES = [
    ("sozialraum:assignment_list", False),
    ("sozialraum:assignment_history", True),
    ("sozialraum:assignment_reassign", True),
    ("sozialraum:team_list", False),
    ("sozialraum:team_create", False),
    ("sozialraum:team_update", True),
    ("sozialraum:team_close", True),
]


def page_url(name, with_pk, korb):
    if not with_pk:
        return reverse(name)
    pk = korb.pk if "assignment" in name else Team.objects.get(name="Winnenden").pk
    return reverse(name, args=[pk])


@pytest.mark.parametrize(("name", "with_pk"), PAGES)
@pytest.mark.parametrize(
    "role", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung", "ohnerolle"]
)
def test_only_administration_reaches_the_pages(
    client_for, demo_users, no_role_user, korb, name, with_pk, role
):
    user = no_role_user if role == "ohnerolle" else demo_users[role]
    page = client_for(user).get(page_url(name, with_pk, korb))
    assert page.status_code == 403
    assert "Administration" in page.content.decode()


@pytest.mark.parametrize(("name", "with_pk"), PAGES)
def test_administration_reaches_the_pages(client_for, administration, korb, name, with_pk):
    page = client_for(administration).get(page_url(name, with_pk, korb))
    assert page.status_code == 200
    assert "<h1>" in page.content.decode()


@pytest.mark.parametrize(("name", "with_pk"), PAGES)
def test_anonymous_users_are_sent_to_the_login(client, korb, name, with_pk):
    page = client.get(page_url(name, with_pk, korb))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


def test_unknown_municipality_or_team_is_404(client_for, administration, district):
    client = client_for(administration)
    assert client.get(reverse("sozialraum:assignment_history", args=[99999])).status_code == 404
    assert client.get(reverse("sozialraum:team_close", args=[99999])).status_code == 404


@pytest.mark.parametrize("extra", [1, 6])
def test_query_counts_do_not_grow_with_the_history(
    client_for, administration, django_assert_num_queries, extra, district
):
    client = client_for(administration)
    korb = Municipality.objects.get(name="Korb")
    teams = list(Team.objects.filter(is_active=True).exclude(name="Waiblingen/Korb")[:2])
    for index in range(extra):
        reassign(
            municipality=korb,
            team=teams[index % 2],
            effective=D(2027, 1, 1) + datetime.timedelta(days=10 * index),
            answers={},
            user=administration,
        )
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("sozialraum:assignment_list"))
    with django_assert_num_queries(HISTORY_QUERIES):
        client.get(reverse("sozialraum:assignment_history", args=[korb.pk]))
    with django_assert_num_queries(TEAMS_QUERIES):
        client.get(reverse("sozialraum:team_list"))


LIST_QUERIES = 9
HISTORY_QUERIES = 11
TEAMS_QUERIES = 10


@pytest.mark.parametrize("series_count", [1, 4])
def test_preview_queries_do_not_grow_with_the_series(
    client_for,
    administration,
    korb,
    winnenden,
    waiblingen_korb,
    school_korb,
    series_count,
    django_assert_num_queries,
):
    for _index in range(series_count):
        make_series(waiblingen_korb, korb, school_korb)
    client = client_for(administration)
    url = reverse("sozialraum:assignment_reassign", args=[korb.pk])
    with django_assert_num_queries(PREVIEW_QUERIES):
        page = client.post(url, {"team": winnenden.pk, "effective": "2026-12-01"})
    assert len(page.context["decision_fields"]) == series_count


PREVIEW_QUERIES = 16
