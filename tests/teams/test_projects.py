"""Projects: created with towns and partners, their activities on the detail page, the period
checked, conflict-safe saving and a list whose queries do not grow with the projects."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from sozialraum.models import Municipality
from teams.models import Activity, Project

D = datetime.date
END_BEFORE_START = "Das Ende darf nicht vor dem Beginn liegen."


def form_data(team, **changes):
    data = {
        "title": "Sommerferien-Programm",
        "team": team.pk,
        "status": "planned",
        "start": "",
        "end": "",
        "goals": "",
        "version": "",
    }
    return {**data, **changes}


def update_data(project, **changes):
    data = {
        "title": project.title,
        "team": project.team_id,
        "status": project.status,
        "start": project.start.isoformat() if project.start else "",
        "end": project.end.isoformat() if project.end else "",
        "municipalities": [m.pk for m in project.municipalities.all()],
        "partners": [p.pk for p in project.partners.all()],
        "goals": project.goals,
        "version": project.version,
    }
    return {**data, **changes}


def shows(response, text) -> bool:
    return escape(text) in response.content.decode()


@pytest.fixture
def project(team_backnang):
    return Project.objects.create(
        title="Jugendbeteiligung Backnang",
        team=team_backnang,
        status=Project.Status.RUNNING,
        start=D(2026, 2, 1),
        goals="Jugendliche planen den Skatepark mit.",
    )


def project_activity(project, day, **fields):
    return Activity.objects.create(
        kind=Activity.Kind.PROJECT,
        project=project,
        date=day,
        team=project.team,
        municipality=Municipality.objects.get(name="Backnang"),
        **fields,
    )


# --- Creating ---------------------------------------------------------------------------------


def test_fachkraft_creates_a_project_with_towns_and_partners(
    client_for, fachkraft, team_backnang, backnang, korb, school, town_hall
):
    response = client_for(fachkraft).post(
        reverse("teams:project_create"),
        form_data(
            team_backnang,
            status="running",
            start="2026-06-01",
            end="2026-09-30",
            municipalities=[backnang.pk, korb.pk],
            partners=[school.pk, town_hall.pk],
            goals="Ferienangebote gemeinsam mit Schule und Stadt.",
        ),
        follow=True,
    )

    project = Project.objects.get()
    assert response.redirect_chain == [(reverse("teams:project_detail", args=[project.pk]), 302)]
    assert (project.title, project.team, project.status) == (
        "Sommerferien-Programm",
        team_backnang,
        "running",
    )
    assert (project.start, project.end) == (D(2026, 6, 1), D(2026, 9, 30))
    assert project.goals == "Ferienangebote gemeinsam mit Schule und Stadt."
    assert sorted(m.name for m in project.municipalities.all()) == ["Backnang", "Korb"]
    assert sorted(p.name for p in project.partners.all()) == [
        "Grundschule Backnang-Süd",
        "Rathaus Backnang",
    ]
    assert (project.version, project.created_by, project.updated_by) == (1, fachkraft, fachkraft)
    assert shows(response, "Projekt „Sommerferien-Programm“ angelegt.")
    assert shows(response, "Backnang, Korb")


def test_project_without_towns_partners_and_period_is_fine(client_for, fachkraft, team_backnang):
    client_for(fachkraft).post(reverse("teams:project_create"), form_data(team_backnang))

    project = Project.objects.get()
    assert (project.start, project.end, project.status) == (None, None, "planned")
    assert (project.municipalities.count(), project.partners.count()) == (0, 0)


# --- The detail page --------------------------------------------------------------------------


def test_detail_lists_the_count_and_the_latest_activities(
    client_for, fachkraft, project, team_backnang, monkeypatch
):
    monkeypatch.setattr("teams.views.projects.RECENT_ACTIVITIES", 2)
    oldest = project_activity(project, D(2026, 3, 2))
    latest = project_activity(project, D(2026, 3, 20))
    middle = project_activity(project, D(2026, 3, 10), status="cancelled", cancel_reason="Regen")
    other = Project.objects.create(title="Anderes Projekt", team=team_backnang)
    project_activity(other, D(2026, 3, 25))

    response = client_for(fachkraft).get(reverse("teams:project_detail", args=[project.pk]))

    assert response.context["activity_count"] == 3
    assert list(response.context["activities"]) == [latest, middle]
    assert oldest not in response.context["activities"]
    content = response.content.decode()
    assert "3 Aktivitäten" in content
    assert reverse("teams:activity_detail", args=[latest.pk]) in content
    assert reverse("teams:activity_detail", args=[oldest.pk]) not in content
    assert shows(response, "Alle Aktivitäten des Projekts")
    assert f"?project={project.pk}&amp;date_from=2000-01-01" in content


def test_detail_with_all_activities_shown_has_no_link_to_more(client_for, fachkraft, project):
    activity = project_activity(project, D(2026, 3, 2))

    response = client_for(fachkraft).get(reverse("teams:project_detail", args=[project.pk]))

    assert (response.context["activity_count"], list(response.context["activities"])) == (
        1,
        [activity],
    )
    assert shows(response, "1 Aktivität")
    assert not shows(response, "Alle Aktivitäten des Projekts")


def test_detail_without_activities_says_so(client_for, fachkraft, project):
    response = client_for(fachkraft).get(reverse("teams:project_detail", args=[project.pk]))

    assert response.context["activity_count"] == 0
    assert shows(response, "Für dieses Projekt sind noch keine Aktivitäten erfasst.")
    assert shows(response, "Jugendliche planen den Skatepark mit.")


# --- The period -------------------------------------------------------------------------------


def test_end_before_start_is_refused_on_create(client_for, fachkraft, team_backnang):
    response = client_for(fachkraft).post(
        reverse("teams:project_create"),
        form_data(team_backnang, start="2026-06-01", end="2026-05-31"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"end": [END_BEFORE_START]}
    assert shows(response, END_BEFORE_START)
    assert not Project.objects.exists()


def test_end_before_start_is_refused_on_update(client_for, fachkraft, project):
    response = client_for(fachkraft).post(
        reverse("teams:project_update", args=[project.pk]),
        update_data(project, end="2026-01-31", goals="Geändert"),
    )

    assert response.context["form"].errors == {"end": [END_BEFORE_START]}
    project.refresh_from_db()
    assert (project.end, project.goals, project.version) == (
        None,
        "Jugendliche planen den Skatepark mit.",
        1,
    )


def test_end_on_the_start_day_is_allowed(client_for, fachkraft, team_backnang):
    client_for(fachkraft).post(
        reverse("teams:project_create"),
        form_data(team_backnang, start="2026-06-01", end="2026-06-01"),
    )

    project = Project.objects.get()
    assert (project.start, project.end) == (D(2026, 6, 1), D(2026, 6, 1))


# --- Saving the same project twice ------------------------------------------------------------


def test_stale_version_answers_409_naming_who_changed_it_and_keeps_the_input(
    client_for, fachkraft, teamleitung, project
):
    url = reverse("teams:project_update", args=[project.pk])
    stale = update_data(project, goals="Meine Fassung der Ziele")
    client_for(teamleitung).post(url, update_data(project, goals="Fassung der Teamleitung"))

    response = client_for(fachkraft).post(url, stale)

    assert response.status_code == 409
    assert shows(response, "Tobias Teamleitung hat diesen Datensatz am")
    assert ("Ziele", "Fassung der Teamleitung") in response.context["form"].conflict_differences
    assert shows(response, "Meine Fassung der Ziele")
    project.refresh_from_db()
    assert (project.goals, project.version, project.updated_by) == (
        "Fassung der Teamleitung",
        2,
        teamleitung,
    )


def test_saving_again_after_the_conflict_keeps_the_own_input(
    client_for, fachkraft, teamleitung, project
):
    url = reverse("teams:project_update", args=[project.pk])
    stale = update_data(project, goals="Meine Fassung der Ziele")
    client_for(teamleitung).post(url, update_data(project, goals="Fassung der Teamleitung"))
    client = client_for(fachkraft)
    conflict = client.post(url, stale)

    response = client.post(url, {**stale, "version": conflict.context["form"].data["version"]})

    assert response.url == reverse("teams:project_detail", args=[project.pk])
    project.refresh_from_db()
    assert (project.goals, project.version, project.updated_by) == (
        "Meine Fassung der Ziele",
        3,
        fachkraft,
    )


# --- The list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
def test_project_list_query_count_is_constant(
    client, fachkraft, team_backnang, backnang, korb, django_assert_num_queries, count
):
    for n in range(count):
        project = Project.objects.create(title=f"Projekt {n}", team=team_backnang)
        project.municipalities.set([backnang, korb])
    client.force_login(fachkraft)

    with django_assert_num_queries(11):
        response = client.get(reverse("teams:project_list"))

    assert len(response.context["projects"]) == count
    assert response.content.decode().count("Backnang, Korb") == count
