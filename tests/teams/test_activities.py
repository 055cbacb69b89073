import csv
import datetime
import io
from urllib.parse import quote, urlencode

import pghistory.models
import pytest
from django.urls import reverse
from django.utils import timezone

from sozialraum.models import Municipality, Team
from teams.models import Activity, TeamMonthReview

D = datetime.date


def today():
    return timezone.localdate()


def form_data(team, municipality, **changes):
    data = {
        "kind": "community",
        "date": today().isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "team": team.pk,
        "municipality": municipality.pk,
        "status": "held",
        "children": 2,
        "young_people": 3,
        "parents": 0,
        "professionals": 1,
        "others": 0,
        "helps_initiated": 1,
        "note": "",
    }
    return {**data, **changes}


def make_activity(team, municipality, **fields):
    defaults = {"kind": "community", "date": today(), "status": "held"}
    return Activity.objects.create(team=team, municipality=municipality, **{**defaults, **fields})


def test_fachkraft_logs_community_work(client_for, fachkraft, team_backnang, backnang, topics):
    response = client_for(fachkraft).post(
        reverse("teams:activity_create"),
        form_data(team_backnang, backnang, topics=[topics[0].pk], staff=[fachkraft.pk]),
    )

    activity = Activity.objects.get()
    assert response.url == reverse("teams:activity_detail", args=[activity.pk])
    assert (activity.contacts, activity.helps_initiated, activity.created_by) == (6, 1, fachkraft)
    assert list(activity.topics.all()) == [topics[0]]
    assert activity.outside_area_confirmed is False


@pytest.mark.parametrize(
    ("back", "lands_on_week"),
    [
        ("/meine-woche/?woche=2026-11-23", True),
        ("https://elsewhere.example/meine-woche/", False),
        ("//elsewhere.example/", False),
    ],
)
def test_a_form_opened_from_the_week_returns_to_it(
    client_for, fachkraft, team_backnang, backnang, back, lands_on_week
):
    """Meine Woche opens the form with ?next=: saving goes back to the week (no detour over the
    activity's page); an address of another site is never followed."""
    url = reverse("teams:activity_create") + "?" + urlencode({"kind": "community", "next": back})

    response = client_for(fachkraft).post(url, form_data(team_backnang, backnang))

    activity = Activity.objects.get()
    expected = back if lands_on_week else reverse("teams:activity_detail", args=[activity.pk])
    assert response.status_code == 302
    assert response.url == expected


def test_the_week_opens_the_form_with_the_way_back(client_for, fachkraft):
    week = reverse("teams:my_week") + "?woche=2026-11-23"

    content = client_for(fachkraft).get(week).content.decode()

    assert f"?kind=round_table&amp;next={quote(week)}" in content


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "09:00"}, "end_time", "Das Ende muss nach dem Beginn liegen."),
        (
            {"date": "2099-01-01"},
            "date",
            "Eine Aktivität mit dem Status „stattgefunden“ kann höchstens einen Tag in der "
            "Zukunft liegen.",
        ),
        ({"children": 1000}, "children", "Dieser Wert muss kleiner oder gleich 999 sein."),
        ({"parents": -1}, "parents", "Dieser Wert muss größer oder gleich 0 sein."),
        (
            {
                "status": "cancelled",
                "children": 0,
                "young_people": 0,
                "professionals": 0,
                "helps_initiated": 0,
            },
            "cancel_reason",
            "Bitte geben Sie den Grund für den Ausfall an.",
        ),
        (
            {"status": "cancelled", "cancel_reason": "Krankheit"},
            "children",
            "Eine ausgefallene Aktivität hat keine Kontakte.",
        ),
        (
            {"note": "x" * 501},
            "note",
            "Bitte sicherstellen, dass der Wert aus höchstens 500 Zeichen besteht. "
            "(Er besteht aus 501 Zeichen.)",
        ),
        ({"kind": "round_table"}, "body", "Wählen Sie das Gremium, das getagt hat."),
        ({"kind": "project"}, "project", "Wählen Sie das Projekt."),
    ],
    ids=[
        "end-before-start",
        "future",
        "count-too-high",
        "count-negative",
        "cancel-without-reason",
        "cancel-with-contacts",
        "note-too-long",
        "round-table-without-body",
        "project-without-project",
    ],
)
def test_bad_activity_input_gets_a_message_and_saves_nothing(
    client_for, fachkraft, team_backnang, backnang, changes, field, message
):
    response = client_for(fachkraft).post(
        reverse("teams:activity_create"), form_data(team_backnang, backnang, **changes)
    )

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not Activity.objects.exists()


def test_tomorrow_is_allowed_for_a_held_activity(client_for, fachkraft, team_backnang, backnang):
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()

    client_for(fachkraft).post(
        reverse("teams:activity_create"), form_data(team_backnang, backnang, date=tomorrow)
    )

    assert Activity.objects.get().date.isoformat() == tomorrow


def test_municipality_outside_the_area_needs_confirmation(client_for, fachkraft, team_backnang):
    korb = Municipality.objects.get(name="Korb")
    client = client_for(fachkraft)

    refused = client.post(reverse("teams:activity_create"), form_data(team_backnang, korb))
    confirmed = client.post(
        reverse("teams:activity_create"), form_data(team_backnang, korb, confirm_outside_area="on")
    )

    assert refused.context["form"].errors["confirm_outside_area"] == [
        "Korb gehört an diesem Tag nicht zum Gebiet des Teams Backnang. Bestätigen Sie, dass die "
        "Aktivität dort stattgefunden hat."
    ]
    assert confirmed.status_code == 302
    assert Activity.objects.get().outside_area_confirmed is True


def test_form_says_the_note_must_not_name_clients(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("teams:activity_create"))

    assert "Niemals etwas über Klientinnen und Klienten" in response.content.decode()


def test_logging_a_series_date_prefills_the_form(client_for, fachkraft, series):
    response = client_for(fachkraft).get(
        reverse("teams:activity_create"), {"series": series.pk, "date": "2026-11-24"}
    )

    initial = response.context["form"].initial
    assert (initial["kind"], initial["date"], initial["consultation_hour"]) == (
        "consultation",
        D(2026, 11, 24),
        series,
    )
    assert (initial["start_time"], initial["municipality"]) == (
        datetime.time(14, 0),
        series.municipality,
    )
    assert initial["partners"] == [series.venue]
    assert initial["staff"] == [fachkraft]


def test_update_saved_meanwhile_is_refused_with_409(
    client_for, fachkraft, teamleitung, team_backnang, backnang
):
    activity = make_activity(team_backnang, backnang, children=1)
    data = form_data(team_backnang, backnang, version=activity.version, children=5)
    client_for(teamleitung).post(
        reverse("teams:activity_update", args=[activity.pk]), {**data, "children": 7}
    )

    response = client_for(fachkraft).post(
        reverse("teams:activity_update", args=[activity.pk]), data
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Tobias Teamleitung hat diesen Datensatz" in content
    assert ("Kinder", "7") in response.context["form"].conflict_differences
    assert 'name="children" value="5"' in content
    activity.refresh_from_db()
    assert (activity.children, activity.version) == (7, 2)


def test_delete_keeps_the_activity_in_the_audit_trail(
    client_for, fachkraft, team_backnang, backnang
):
    activity = make_activity(team_backnang, backnang, children=4)

    client_for(fachkraft).post(reverse("teams:activity_delete", args=[activity.pk]))

    assert not Activity.objects.exists()
    deleted = pghistory.models.Events.objects.get(
        pgh_model="teams.ActivityEvent", pgh_label="delete"
    )
    assert deleted.pgh_data["children"] == 4


def test_signed_off_month_refuses_changes(
    client_for, fachkraft, fbl_backnang, team_backnang, backnang
):
    activity = make_activity(team_backnang, backnang, date=D(2026, 10, 14))
    TeamMonthReview.objects.create(
        team=team_backnang,
        month=D(2026, 10, 1),
        signed_off_by=fbl_backnang,
        signed_off_at=timezone.now(),
    )
    client = client_for(fachkraft)

    delete = client.post(reverse("teams:activity_delete", args=[activity.pk]))
    create = client.post(
        reverse("teams:activity_create"), form_data(team_backnang, backnang, date="2026-10-20")
    )

    assert delete.status_code == 403
    assert "Oktober 2026 wurde von der Fachbereichsleitung abgezeichnet" in delete.content.decode()
    assert create.context["form"].errors["date"][0].startswith("Oktober 2026 wurde")
    assert Activity.objects.count() == 1


def test_other_team_gets_404_and_head_gets_403(
    client_for, other_team_member, fbl_backnang, team_backnang, backnang
):
    activity = make_activity(team_backnang, backnang)

    other = client_for(other_team_member)
    detail_other = other.get(reverse("teams:activity_detail", args=[activity.pk]))
    edit_other = other.get(reverse("teams:activity_update", args=[activity.pk]))
    head = client_for(fbl_backnang)
    detail_head = head.get(reverse("teams:activity_detail", args=[activity.pk]))
    edit_head = head.get(reverse("teams:activity_update", args=[activity.pk]))

    assert (detail_other.status_code, edit_other.status_code) == (404, 404)
    assert detail_head.context["can_change"] is False
    assert edit_head.status_code == 403
    assert (
        "Nur die Mitarbeitenden des Teams, zu dem eine Aktivität gehört, können sie erfassen "
        "und ändern." in edit_head.content.decode()
    )


def test_list_defaults_to_this_year_and_own_team(client_for, fachkraft, team_backnang, backnang):
    winnenden = Team.objects.get(name="Winnenden")
    this_year = make_activity(team_backnang, backnang, date=D(today().year, 1, 2))
    make_activity(team_backnang, backnang, date=D(today().year - 1, 12, 30))
    make_activity(winnenden, Municipality.objects.get(name="Winnenden"))

    response = client_for(fachkraft).get(reverse("teams:activity_list"))

    assert response.context["activities"] == [this_year]


def test_list_pages_by_keyset_newest_first(
    client_for, amtsleitung, team_backnang, backnang, monkeypatch
):
    monkeypatch.setattr("teams.views.activities.PAGE_SIZE", 2)
    made = [make_activity(team_backnang, backnang, date=D(2026, 3, day)) for day in (1, 2, 2, 3, 4)]
    client = client_for(amtsleitung)
    params = {"date_from": "2026-01-01"}

    first = client.get(reverse("teams:activity_list"), params)
    second = client.get(reverse("teams:activity_list") + "?" + first.context["next_query"])
    third = client.get(reverse("teams:activity_list") + "?" + second.context["next_query"])

    assert first.context["activities"] == [made[4], made[3]]
    assert second.context["activities"] == [made[2], made[1]]
    assert third.context["activities"] == [made[0]]
    assert third.context["next_query"] is None


@pytest.mark.parametrize("count", [1, 6])
def test_activity_list_query_count_is_constant(
    client, fachkraft, series, team_backnang, backnang, django_assert_num_queries, count
):
    for n in range(count):
        make_activity(
            team_backnang,
            backnang,
            date=D(2026, 3, n + 1),
            kind="consultation",
            consultation_hour=series,
        )
    client.force_login(fachkraft)

    with django_assert_num_queries(15):
        response = client.get(reverse("teams:activity_list"), {"date_from": "2026-01-01"})

    assert len(response.context["activities"]) == count


def test_export_holds_the_filtered_rows_without_note(
    client_for, fachkraft, team_backnang, backnang, topics
):
    activity = make_activity(team_backnang, backnang, date=D(2026, 5, 4), children=3, note="Geheim")
    activity.topics.set(topics)
    make_activity(team_backnang, backnang, date=D(2025, 5, 4))

    response = client_for(fachkraft).get(
        reverse("teams:activity_export"), {"date_from": "2026-01-01"}
    )

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:5] == ["Datum", "Von", "Bis", "Art", "Status"]
    assert "Notiz" not in rows[0]
    assert len(rows) == 2
    assert rows[1][0] == "04.05.2026"
    assert rows[1][-1] == "Familie und Erziehung, Schule und Ausbildung"
    assert "Geheim" not in content


def test_project_of_another_team_is_refused(client_for, fachkraft, team_backnang, backnang):
    from teams.models import Project

    other = Project.objects.create(
        title="Projekt Winnenden", team=Team.objects.get(name="Winnenden")
    )
    fachkraft.memberships.create(team=other.team)

    response = client_for(fachkraft).post(
        reverse("teams:activity_create"),
        form_data(team_backnang, backnang, kind="project", project=other.pk),
    )

    assert response.context["form"].errors["project"] == [
        "Es gehört zu einem anderen Team als die Aktivität."
    ]
    assert not Activity.objects.exists()
