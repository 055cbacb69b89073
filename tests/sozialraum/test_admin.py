import pghistory.models
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from sozialraum.models import Assignment, Headship, Membership, Municipality, Team, User

MODELS = ["middlearea", "municipality", "team", "assignment"]


@pytest.mark.parametrize("model", MODELS)
def test_administration_opens_every_changelist(client_for, administration, model):
    response = client_for(administration).get(reverse(f"admin:sozialraum_{model}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


@pytest.mark.parametrize("model", [User, Membership, Headship, Group])
def test_users_and_roles_are_not_in_the_admin(client_for, administration, model):
    """Roles change only on the users-and-roles pages, which enforce the rules."""
    index = client_for(administration).get(reverse("admin:index"))

    assert not admin.site.is_registered(model)
    assert model._meta.model_name not in {
        m["object_name"].lower() for app in index.context["app_list"] for m in app["models"]
    }


def test_admin_index_lists_models_with_german_names(client_for, administration):
    response = client_for(administration).get(reverse("admin:index"))

    content = response.content.decode()
    for label in ["Städte und Gemeinden", "Mittelbereiche", "Zuständigkeiten", "Teams"]:
        assert label in content


def test_admin_search_and_filter(client_for, administration):
    client = client_for(administration)

    searched = client.get(reverse("admin:sozialraum_municipality_changelist"), {"q": "murr"})
    backnang = Team.objects.get(name="Backnang").middle_area
    filtered = client.get(
        reverse("admin:sozialraum_team_changelist"), {"middle_area__id__exact": backnang.pk}
    )

    assert sorted(m.name for m in searched.context["cl"].result_list) == [
        "Kirchberg an der Murr",
        "Murrhardt",
        "Sulzbach an der Murr",
    ]
    assert sorted(t.name for t in filtered.context["cl"].result_list) == [
        "Backnang",
        "Backnang Umland",
        "Oberes Murrtal",
    ]


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung"])
def test_other_roles_cannot_use_the_admin(client_for, demo_users, username):
    response = client_for(demo_users[username]).get(reverse("admin:sozialraum_team_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_flag_without_administration_role_grants_nothing(client_for, fachkraft):
    fachkraft.is_staff = True
    fachkraft.save()

    response = client_for(fachkraft).get(reverse("admin:sozialraum_team_changelist"))

    assert response.status_code == 403


def test_assignments_change_only_on_the_zustaendigkeiten_pages(client_for, administration):
    """The admin shows assignments and confirms examples, but adds, moves and deletes none:
    the Zuständigkeiten pages check the rules and decide about consultation hours."""
    client = client_for(administration)
    korb = Municipality.objects.get(name="Korb")
    assignment = korb.assignments.get()

    add = client.get(reverse("admin:sozialraum_assignment_add"))
    change = client.post(
        reverse("admin:sozialraum_assignment_change", args=[assignment.pk]),
        {"team": Team.objects.get(name="Winnenden").pk, "valid_from": "2020-01-01"},
    )
    delete = client.get(reverse("admin:sozialraum_assignment_delete", args=[assignment.pk]))

    assert add.status_code == 403 and delete.status_code == 403
    assert change.status_code == 302
    assignment.refresh_from_db()
    assert assignment.team.name == "Waiblingen/Korb"
    assert korb.assignments.count() == 1


def test_admin_change_is_in_the_audit_trail_with_the_user(client_for, administration):
    team = Team.objects.get(name="Backnang")

    client_for(administration).post(
        reverse("admin:sozialraum_team_change", args=[team.pk]),
        {
            "name": "Backnang Stadt",
            "middle_area": team.middle_area_id,
            "address": team.address,
            "phone": team.phone,
            "email": team.email,
            "is_active": "on",
        },
    )

    event = pghistory.models.Events.objects.get(
        pgh_model="sozialraum.TeamEvent", pgh_label="update", pgh_context__user=administration.pk
    )
    assert event.pgh_diff == {"name": ["Backnang", "Backnang Stadt"]}
    assert event.pgh_context["user"] == administration.pk


def test_confirm_action_clears_the_example_flag(client_for, administration):
    ids = list(
        Assignment.objects.filter(municipality__name__in=["Korb", "Aspach"]).values_list(
            "pk", flat=True
        )
    )

    client_for(administration).post(
        reverse("admin:sozialraum_assignment_changelist"),
        {"action": "confirm_assignments", "_selected_action": ids},
    )

    assert sorted(
        Assignment.objects.filter(is_example=False).values_list("pk", flat=True)
    ) == sorted(ids)
