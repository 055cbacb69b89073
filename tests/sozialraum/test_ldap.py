"""Directory sign-in against a real OpenLDAP server (tests/ldap_server.py): finding the person
by user name or e-mail, passwords, disabled and deleted people, roles from (nested) directory
groups, an unreachable directory, the rule for local sign-in and django-axes."""

import contextlib
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import translation
from procrastinate.exceptions import AlreadyEnqueued

from sozialraum.accounts import ldap
from sozialraum.accounts.group_roles import normalise_dn
from sozialraum.accounts.login import DIRECTORY_UNAVAILABLE
from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import DirectoryAccount, DirectoryGroupRole, Membership, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG
from tests.ldap_server import (
    LdapServer,
    free_port,
    group_dn,
    ldap_server,
    password_of,
    person_dn,
    require_slapd,
)

__all__ = ["ldap_server"]  # the fixture, used by name

LOGIN = "login"
WRONG_LOGIN = "Benutzername oder Passwort ist falsch."


def sign_in(client, username, password):
    return client.post(reverse(LOGIN), {"username": username, "password": password})


def signed_in_user(client):
    session_user = client.session.get(SESSION_KEY)
    return User.objects.get(pk=session_user) if session_user else None


def sessions_of(user):
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


def map_group(cn, kind, *, team=None, middle_area=None):
    return DirectoryGroupRole.objects.create(
        group_dn=normalise_dn(group_dn(cn)), kind=kind, team=team, middle_area=middle_area
    )


def team_roles(user):
    return dict(Membership.objects.filter(user=user).values_list("team__name", "role"))


@pytest.fixture
def winnenden(district):
    return Team.objects.get(name="Winnenden")


# --- Signing in ------------------------------------------------------------------------------


def test_first_sign_in_by_user_name_creates_the_directory_account(ldap_server, client, db):
    response = sign_in(client, "anna", password_of("anna"))

    user = signed_in_user(client)
    assert response.status_code == 302
    assert (user.username, user.first_name, user.last_name, user.email) == (
        "anna",
        "Anna",
        "Berger",
        "anna.berger@example.org",
    )
    assert not user.has_usable_password()
    assert user.directory_account.dn == person_dn("anna")


def test_sign_in_by_mail_finds_the_same_account(ldap_server, client, db):
    sign_in(client, "anna", password_of("anna"))
    first = signed_in_user(client)
    client.logout()

    sign_in(client, "Anna.Berger@example.org", password_of("anna"))

    assert signed_in_user(client) == first
    assert User.objects.filter(directory_account__isnull=False).count() == 1


def test_name_and_mail_follow_the_directory_at_every_sign_in(ldap_server, client, db):
    sign_in(client, "bernd", password_of("bernd"))
    client.logout()
    ldap_server.modify(
        person_dn("bernd"),
        {"sn": [("MODIFY_REPLACE", ["Özdemir-Krause"])], "mail": [("MODIFY_REPLACE", ["b@x.de"])]},
    )

    sign_in(client, "bernd", password_of("bernd"))

    user = signed_in_user(client)
    assert (user.last_name, user.email) == ("Özdemir-Krause", "b@x.de")


@pytest.mark.parametrize("password", ["falsch-falsch-1", ""])
def test_wrong_or_empty_password_is_refused(ldap_server, client, db, password):
    response = sign_in(client, "anna", password)

    assert signed_in_user(client) is None
    assert not User.objects.filter(username="anna").exists()
    if password:
        assert WRONG_LOGIN in response.content.decode()


def test_filter_characters_in_the_name_find_nobody(ldap_server, client, db):
    sign_in(client, "*", password_of("anna"))
    sign_in(client, "anna)(uid=*", password_of("anna"))

    assert signed_in_user(client) is None


# --- Disabled and deleted people ---------------------------------------------------------------


def test_disabled_person_cannot_sign_in(ldap_server, client, db):
    response = sign_in(client, "carla", password_of("carla"))

    assert signed_in_user(client) is None
    assert WRONG_LOGIN in response.content.decode()
    assert not User.objects.filter(username="carla").exists()


def test_disabled_at_sign_in_deactivates_the_account_and_ends_its_sessions(
    ldap_server, client, db, django_user_model
):
    from django.test import Client

    other_device = Client()
    sign_in(other_device, "anna", password_of("anna"))
    user = signed_in_user(other_device)
    ldap_server.disable("anna")

    sign_in(client, "anna", password_of("anna"))

    user.refresh_from_db()
    assert (user.is_active, user.directory_account.disabled_by_directory) == (False, True)
    assert other_device.get(reverse("sozialraum:home")).status_code == 302
    assert sessions_of(user) == []


def test_directory_enabling_again_reactivates_at_sign_in(ldap_server, client, db):
    sign_in(client, "anna", password_of("anna"))
    user = signed_in_user(client)
    ldap_server.disable("anna")
    assert ldap.directory_accounts_check() == 1
    ldap_server.modify(person_dn("anna"), {"employeeType": [("MODIFY_DELETE", [])]})

    sign_in(client, "anna", password_of("anna"))

    user.refresh_from_db()
    assert user.is_active
    assert signed_in_user(client) == user


def test_account_deactivated_by_administration_stays_deactivated(ldap_server, client, db):
    sign_in(client, "anna", password_of("anna"))
    user = signed_in_user(client)
    client.logout()
    User.objects.filter(pk=user.pk).update(is_active=False)

    sign_in(client, "anna", password_of("anna"))

    assert signed_in_user(client) is None
    assert not User.objects.get(pk=user.pk).is_active


def test_periodic_check_deactivates_deleted_and_disabled_people_only(ldap_server, client, db):
    for uid in ("anna", "bernd", "dora"):
        sign_in(client, uid, password_of(uid))
        client.logout()
    ldap_server.delete("anna")
    ldap_server.disable("bernd")

    deactivated = ldap.directory_accounts_check()

    active = dict(User.objects.values_list("username", "is_active"))
    assert deactivated == 2
    assert active == {"anna": False, "bernd": False, "dora": True}


def test_periodic_check_changes_nothing_while_the_directory_is_unreachable(
    ldap_server, client, db, settings
):
    sign_in(client, "anna", password_of("anna"))
    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"

    with pytest.raises(ldap.DirectoryUnavailable):
        ldap.directory_accounts_check()

    assert User.objects.get(username="anna").is_active


# --- Roles from directory groups -------------------------------------------------------------


def test_mapped_group_gives_the_role_and_leaving_it_takes_it(ldap_server, client, winnenden):
    map_group("srt-winnenden", DirectoryGroupRole.Kind.TEAM_MEMBER, team=winnenden)
    sign_in(client, "anna", password_of("anna"))
    user = signed_in_user(client)
    given = team_roles(user)
    client.logout()
    ldap_server.remove_member("srt-winnenden", person_dn("anna"))

    sign_in(client, "anna", password_of("anna"))

    assert given == {"Winnenden": Membership.Role.MEMBER}
    assert team_roles(user) == {}
    assert signed_in_user(client) == user


def test_nested_group_gives_the_role_of_the_outer_group(ldap_server, client, winnenden):
    map_group("srt-winnenden", DirectoryGroupRole.Kind.TEAM_MEMBER, team=winnenden)
    map_group("alle-mitarbeitenden", DirectoryGroupRole.Kind.AMTSLEITUNG)

    sign_in(client, "bernd", password_of("bernd"))

    user = signed_in_user(client)
    assert team_roles(user) == {"Winnenden": Membership.Role.MEMBER}
    assert list(user.groups.values_list("name", flat=True)) == [GROUP_AMTSLEITUNG]
    assert set(user.directory_account.groups) == {
        normalise_dn(group_dn(cn))
        for cn in ("srt-winnenden-neu", "srt-winnenden", "alle-mitarbeitenden")
    }


def test_without_nesting_only_direct_groups_count(ldap_server, client, winnenden, settings):
    settings.LDAP_NESTED = ldap.NESTED_NONE
    map_group("srt-winnenden", DirectoryGroupRole.Kind.TEAM_MEMBER, team=winnenden)

    sign_in(client, "bernd", password_of("bernd"))

    assert team_roles(signed_in_user(client)) == {}


def test_lead_beats_member_and_all_kinds_of_roles_apply(ldap_server, client, winnenden):
    waiblingen = winnenden.middle_area
    map_group("srt-winnenden", DirectoryGroupRole.Kind.TEAM_MEMBER, team=winnenden)
    map_group("srt-winnenden-neu", DirectoryGroupRole.Kind.TEAM_LEAD, team=winnenden)
    map_group("srt-winnenden-neu", DirectoryGroupRole.Kind.HEAD, middle_area=waiblingen)
    map_group("srt-winnenden-neu", DirectoryGroupRole.Kind.ADMINISTRATION)

    sign_in(client, "bernd", password_of("bernd"))

    user = signed_in_user(client)
    assert team_roles(user) == {"Winnenden": Membership.Role.LEAD}
    assert list(user.headships.values_list("middle_area__name", flat=True)) == ["Waiblingen"]
    assert list(user.groups.values_list("name", flat=True)) == [GROUP_ADMINISTRATION]
    assert user.is_staff


def test_role_given_by_hand_to_a_directory_account_lasts_until_the_next_sign_in(
    ldap_server, client, winnenden
):
    sign_in(client, "dora", password_of("dora"))
    user = signed_in_user(client)
    client.logout()
    Membership.objects.create(user=user, team=winnenden)

    sign_in(client, "dora", password_of("dora"))

    assert team_roles(user) == {}


def test_local_account_with_the_same_name_is_never_taken_over(ldap_server, client, db):
    local = User.objects.create_user("anna", password="lokales-passwort-1")

    sign_in(client, "anna", password_of("anna"))

    assert signed_in_user(client) is None
    assert not DirectoryAccount.objects.exists()
    sign_in(client, "anna", "lokales-passwort-1")
    assert signed_in_user(client) == local


# --- Unreachable directory, local sign-in, django-axes ------------------------------------------


def test_unreachable_directory_says_so_and_local_break_glass_works(
    client, administration, settings
):
    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.LOCAL_LOGIN = ldap.LOCAL_ADMINISTRATION

    refused = sign_in(client, "anna", "Anna-Passwort-1")
    admitted = sign_in(client, "admin", DEMO_PASSWORD)

    with translation.override("de"):
        assert str(DIRECTORY_UNAVAILABLE) in refused.content.decode()
    assert admitted.status_code == 302
    assert signed_in_user(client) == administration


def test_local_sign_in_for_administration_only(client, administration, fachkraft, settings):
    settings.LOCAL_LOGIN = ldap.LOCAL_ADMINISTRATION

    response = sign_in(client, "fachkraft", DEMO_PASSWORD)

    assert signed_in_user(client) is None
    assert WRONG_LOGIN in response.content.decode()
    sign_in(client, "admin", DEMO_PASSWORD)
    assert signed_in_user(client) == administration


def test_no_local_sign_in_at_all(client, administration, settings):
    settings.LOCAL_LOGIN = ldap.LOCAL_NONE

    sign_in(client, "admin", DEMO_PASSWORD)

    assert signed_in_user(client) is None


def test_directory_account_cannot_use_a_local_password(ldap_server, client, db):
    sign_in(client, "anna", password_of("anna"))
    user = signed_in_user(client)
    client.logout()
    user.set_password("lokal-gesetzt-123")
    user.save()

    sign_in(client, "anna", "lokal-gesetzt-123")

    assert signed_in_user(client) is None


def test_axes_counts_directory_failures_and_locks_out(ldap_server, client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        sign_in(client, "anna", "falsch-falsch-1")

    locked = sign_in(client, "anna", password_of("anna"))

    # The refused fourth attempt counts as well.
    assert AccessAttempt.objects.get(username="anna").failures_since_start == 4
    assert locked.status_code == 429
    assert signed_in_user(client) is None


def test_axes_counts_refused_local_sign_ins(client, fachkraft, settings):
    settings.LOCAL_LOGIN = ldap.LOCAL_NONE

    sign_in(client, "fachkraft", DEMO_PASSWORD)

    assert AccessAttempt.objects.get(username="fachkraft").failures_since_start == 1


# --- The periodic check in the real worker -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_check_ends_the_sessions_of_a_disabled_person(
    ldap_server, client, monkeypatch, tmp_path
):
    from sozialraum.accounts.ldap import directory_check
    from tests.sozialraum.test_jobs import Worker, wait_for

    for name, value in ldap_server.environment().items():
        monkeypatch.setenv(name, value)
    sign_in(client, "anna", password_of("anna"))
    user = signed_in_user(client)
    worker = Worker(tmp_path / "worker.log").start()
    try:
        ldap_server.disable("anna")

        # At a quarter hour the worker's own schedule may have queued the check already.
        with contextlib.suppress(AlreadyEnqueued):
            directory_check.defer(timestamp=int(time.time()))

        wait_for(lambda: not User.objects.get(pk=user.pk).is_active, what="the directory check")
    finally:
        worker.stop()
    assert sessions_of(user) == []
    assert client.get(reverse("sozialraum:home")).status_code == 302


# --- StartTLS with the office's CA -------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path, settings):
    require_slapd()
    server = LdapServer(tmp_path / "ldap-tls", tls=True).start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    settings.LDAP_START_TLS = True
    yield server
    server.stop()


def test_start_tls_with_the_configured_ca_signs_in(tls_server, client, db, settings):
    settings.LDAP_CA_FILE = str(tls_server.ca_file)

    sign_in(client, "anna", password_of("anna"))

    assert signed_in_user(client).username == "anna"


def test_start_tls_refuses_a_certificate_of_an_unknown_ca(tls_server, client, db):
    response = sign_in(client, "anna", password_of("anna"))

    assert signed_in_user(client) is None
    with translation.override("de"):
        assert str(DIRECTORY_UNAVAILABLE) in response.content.decode()
