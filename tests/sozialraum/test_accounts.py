"""The rules of ``sozialraum.accounts.local`` without the pages: who may change roles, no
self-escalation, the last Administration account, sessions, and two administrators at once."""

import threading
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from sozialraum.accounts import local as accounts
from sozialraum.accounts.local import Roles, roles_held
from sozialraum.models import Membership, MiddleArea, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG, is_administration

ADMINISTRATION = frozenset({GROUP_ADMINISTRATION})


def error_codes(error: ValidationError) -> dict[str, list[str]]:
    return {key: [e.code for e in errors] for key, errors in error.error_dict.items()}


def make_admin(username: str) -> User:
    user = User.objects.create_user(username, password="ein-langes-passwort")
    user.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATION)[0])
    return user


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung"])
def test_only_administration_may_change_accounts(demo_users, username):
    actor, target = demo_users[username], demo_users["fachkraft"]

    with pytest.raises(PermissionDenied):
        accounts.user_update(actor=actor, user=target, roles=Roles(groups=ADMINISTRATION))
    with pytest.raises(PermissionDenied):
        accounts.user_deactivate(actor=actor, user=demo_users["admin"])

    assert roles_held(target).groups == frozenset()
    assert User.objects.get(username="admin").is_active


def test_create_sets_password_roles_and_staff_flag(administration):
    korb = Team.objects.get(name="Waiblingen/Korb")
    new = User(username="neu", first_name="Nina", last_name="Neu")

    accounts.user_create(
        actor=administration,
        user=new,
        password="ein-langes-passwort",
        roles=Roles(teams={korb.pk: "member"}, groups=ADMINISTRATION),
    )

    new.refresh_from_db()
    assert new.check_password("ein-langes-passwort")
    assert new.is_staff
    assert roles_held(new) == Roles(teams={korb.pk: "member"}, groups=ADMINISTRATION)


def test_create_refuses_inactive_team_and_saves_nothing(administration):
    closed = Team.objects.get(name="Winnenden")
    closed.is_active = False
    closed.save()

    with pytest.raises(ValidationError) as refused:
        accounts.user_create(
            actor=administration,
            user=User(username="neu"),
            password="ein-langes-passwort",
            roles=Roles(teams={closed.pk: "member"}),
        )

    assert error_codes(refused.value) == {f"team_{closed.pk}": ["inactive_team"]}
    assert not User.objects.filter(username="neu").exists()


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        ("group", "amtsleitung"),
        ("membership", "team_WINNENDEN"),
        ("lead", "team_BACKNANG"),
        ("headship", "middle_areas"),
    ],
)
def test_self_escalation_is_refused_whole(administration, wanted, field):
    backnang, winnenden = Team.objects.get(name="Backnang"), Team.objects.get(name="Winnenden")
    Membership.objects.create(user=administration, team=backnang)
    held = roles_held(administration)
    more = {
        "group": Roles(teams=held.teams, groups=ADMINISTRATION | {GROUP_AMTSLEITUNG}),
        "membership": Roles(teams={**held.teams, winnenden.pk: "member"}, groups=ADMINISTRATION),
        "lead": Roles(teams={backnang.pk: "lead"}, groups=ADMINISTRATION),
        "headship": Roles(
            teams=held.teams,
            middle_areas=frozenset({MiddleArea.objects.get(name="Backnang").pk}),
            groups=ADMINISTRATION,
        ),
    }[wanted]
    administration.first_name = "Geändert"
    key = field.replace("WINNENDEN", str(winnenden.pk)).replace("BACKNANG", str(backnang.pk))

    with pytest.raises(ValidationError) as refused:
        accounts.user_update(actor=administration, user=administration, roles=more)

    assert error_codes(refused.value) == {key: ["self_escalation"]}
    administration.refresh_from_db()
    assert administration.first_name == "Adrian"
    assert roles_held(administration) == held


def test_several_escalations_are_reported_together(administration):
    area = MiddleArea.objects.get(name="Schorndorf")
    roles = Roles(middle_areas=frozenset({area.pk}), groups=ADMINISTRATION | {GROUP_AMTSLEITUNG})

    with pytest.raises(ValidationError) as refused:
        accounts.user_update(actor=administration, user=administration, roles=roles)

    assert error_codes(refused.value) == {
        "middle_areas": ["self_escalation"],
        "amtsleitung": ["self_escalation"],
    }


def test_others_may_give_the_same_roles(administration, fachkraft):
    backnang = Team.objects.get(name="Backnang")
    roles = Roles(teams={backnang.pk: "lead"}, groups=frozenset({GROUP_AMTSLEITUNG}))

    accounts.user_update(actor=administration, user=fachkraft, roles=roles)

    assert roles_held(fachkraft) == roles


def test_last_administration_keeps_the_role(administration):
    with pytest.raises(ValidationError) as refused:
        accounts.user_update(actor=administration, user=administration, roles=Roles())

    assert error_codes(refused.value) == {"administration": ["last_administration"]}
    assert roles_held(administration).groups == ADMINISTRATION


def test_an_inactive_administrator_does_not_count(administration):
    User.objects.filter(pk=make_admin("ruhend").pk).update(is_active=False)

    with pytest.raises(ValidationError):
        accounts.user_update(actor=administration, user=administration, roles=Roles())


def test_a_superuser_counts_as_administration(administration):
    User.objects.create_superuser("root", password="ein-langes-passwort")

    accounts.user_update(actor=administration, user=administration, roles=Roles())

    assert roles_held(administration).groups == frozenset()
    assert not is_administration(administration)


def test_superuser_keeps_administration_without_the_group(administration):
    root = User.objects.create_superuser("root", password="ein-langes-passwort")
    root.groups.add(Group.objects.get(name=GROUP_ADMINISTRATION))

    accounts.user_update(actor=administration, user=root, roles=Roles())
    accounts.user_update(actor=root, user=administration, roles=Roles())

    root.refresh_from_db()
    assert root.is_staff
    assert is_administration(root)


def test_two_administrators_removing_each_other_one_after_the_other(administration):
    """Each one's request was checked while both were administrators: the second removal
    finds that only the target is left, and is refused."""
    other = make_admin("zweite")
    other_signed_in = User.objects.get(pk=other.pk)  # request.user of the second request
    assert is_administration(other_signed_in)  # its check, passed before the first one saved

    accounts.user_update(actor=administration, user=other, roles=Roles())

    with pytest.raises(ValidationError) as refused:
        accounts.user_update(actor=other_signed_in, user=administration, roles=Roles())
    assert error_codes(refused.value) == {"administration": ["last_administration"]}
    assert roles_held(administration).groups == ADMINISTRATION


def test_two_administrators_deactivating_each_other_one_after_the_other(administration):
    other = make_admin("zweite")
    other_signed_in = User.objects.get(pk=other.pk)
    assert is_administration(other_signed_in)

    accounts.user_deactivate(actor=administration, user=other)

    with pytest.raises(ValidationError) as refused:
        accounts.user_deactivate(actor=other_signed_in, user=administration)
    assert error_codes(refused.value) == {"is_active": ["last_administration"]}
    assert User.objects.get(pk=administration.pk).is_active


@pytest.mark.django_db(transaction=True)
def test_concurrent_removals_are_serialised(demo_users):
    """Two administrators remove each other's role at the same moment: the second transaction
    waits for the first one's lock and then sees that it would leave nobody."""
    first = demo_users["admin"]
    second = make_admin("zweite")
    # Each request has its own user objects, checked before either change.
    first_signed_in, second_signed_in = (User.objects.get(pk=u.pk) for u in (first, second))
    assert is_administration(first_signed_in) and is_administration(second_signed_in)
    outcome = {}

    def second_removes_first():
        try:
            target = User.objects.get(pk=first.pk)
            accounts.user_update(actor=second_signed_in, user=target, roles=Roles())
            outcome["second"] = "saved"
        except ValidationError as error:
            outcome["second"] = error_codes(error)
        finally:
            connection.close()

    with transaction.atomic():
        accounts.user_update(actor=first_signed_in, user=second, roles=Roles())
        racer = threading.Thread(target=second_removes_first)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "the second removal must wait for the first one's lock"
    racer.join(timeout=10)

    assert outcome == {"second": {"administration": ["last_administration"]}}
    assert roles_held(User.objects.get(pk=first.pk)).groups == ADMINISTRATION
    assert roles_held(User.objects.get(pk=second.pk)).groups == frozenset()


def login_session(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session.create()
    return session.session_key


def test_deactivation_deletes_only_that_users_sessions(administration, fachkraft, teamleitung):
    theirs = {login_session(fachkraft), login_session(fachkraft)}
    others = {login_session(teamleitung), login_session(administration)}

    ended = accounts.user_deactivate(actor=administration, user=fachkraft)

    assert ended == 2
    assert set(Session.objects.values_list("session_key", flat=True)) == others
    assert not theirs & set(Session.objects.values_list("session_key", flat=True))


def test_deactivating_an_inactive_user_still_ends_stray_sessions(administration, fachkraft):
    User.objects.filter(pk=fachkraft.pk).update(is_active=False)
    login_session(fachkraft)

    ended = accounts.user_deactivate(actor=administration, user=fachkraft)

    assert ended == 1


def test_reactivating_oneself_is_refused(administration):
    with pytest.raises(ValidationError) as refused:
        accounts.user_activate(actor=administration, user=administration)

    assert error_codes(refused.value) == {"is_active": ["self_escalation"]}


def test_role_entries_and_role_filter_agree(demo_users):
    for username, user in demo_users.items():
        entries = {e.role.value for e in accounts.role_entries(user)}
        for role in entries:
            matching = User.objects.filter(accounts.with_role(role))
            assert matching.filter(pk=user.pk).exists(), (username, role)
