import pytest

from sozialraum import permissions
from sozialraum.models import Team
from sozialraum.permissions import Role

ALL_TEAMS = 9


def names(queryset):
    return sorted(obj.name for obj in queryset)


@pytest.mark.parametrize(
    ("username", "teams"),
    [
        ("fachkraft", ["Backnang"]),
        ("teamleitung", ["Backnang"]),
        ("fbl-backnang", ["Backnang", "Backnang Umland", "Oberes Murrtal"]),
        ("fbl-waiblingen", ["Fellbach/Kernen/Weinstadt", "Waiblingen/Korb", "Winnenden"]),
    ],
)
def test_teams_visible_to_follow_membership_and_headship(demo_users, username, teams):
    assert names(permissions.teams_visible_to(demo_users[username])) == teams


@pytest.mark.parametrize("username", ["amtsleitung", "admin"])
def test_district_roles_see_every_team(demo_users, username):
    assert permissions.teams_visible_to(demo_users[username]).count() == ALL_TEAMS


def test_user_without_role_sees_no_team(no_role_user):
    assert list(permissions.teams_visible_to(no_role_user)) == []
    assert list(permissions.middle_areas_visible_to(no_role_user)) == []
    assert list(permissions.municipalities_visible_to(no_role_user)) == []


def test_other_team_member_does_not_see_backnang(other_team_member):
    visible = names(permissions.teams_visible_to(other_team_member))

    assert visible == ["Winnenden"]
    assert names(permissions.middle_areas_visible_to(other_team_member)) == ["Waiblingen"]


def test_municipalities_visible_to_fachkraft_are_those_of_the_team(fachkraft):
    assert names(permissions.municipalities_visible_to(fachkraft)) == ["Backnang"]


def test_municipalities_visible_to_head_are_those_of_the_middle_area(fbl_backnang):
    assert len(names(permissions.municipalities_visible_to(fbl_backnang))) == 13


@pytest.mark.parametrize(
    ("username", "roles", "changes_structure"),
    [
        ("fachkraft", [Role.FACHKRAFT], False),
        ("teamleitung", [Role.TEAMLEITUNG], False),
        ("fbl-backnang", [Role.FACHBEREICHSLEITUNG], False),
        ("amtsleitung", [Role.AMTSLEITUNG], False),
        ("admin", [Role.ADMINISTRATION], True),
    ],
)
def test_roles_and_structure_changes(demo_users, username, roles, changes_structure):
    user = demo_users[username]

    assert permissions.roles_of(user) == roles
    assert permissions.can_change_structure(user) is changes_structure


def test_member_and_head_at_once_has_both_roles(fbl_backnang):
    fbl_backnang.memberships.create(team=Team.objects.get(name="Winnenden"))
    permissions.forget_scope(fbl_backnang)

    assert permissions.roles_of(fbl_backnang) == [Role.FACHKRAFT, Role.FACHBEREICHSLEITUNG]
    assert "Winnenden" in names(permissions.teams_visible_to(fbl_backnang))


def test_inactive_user_has_no_role(fachkraft):
    fachkraft.is_active = False
    permissions.forget_scope(fachkraft)

    assert permissions.roles_of(fachkraft) == []


def test_scope_is_loaded_once_per_user_object(fachkraft, django_assert_num_queries):
    permissions.forget_scope(fachkraft)

    with django_assert_num_queries(1):  # memberships, headships and groups in one query
        permissions.roles_of(fachkraft)
        permissions.teams_visible_to(fachkraft)
        permissions.is_administration(fachkraft)
