"""A directory account's password is the directory's: Administration is not offered to set a
local one, which the sign-in would never accept while the directory is configured."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from sozialraum.models import DirectoryAccount

pytestmark = pytest.mark.django_db

LDAP = "ldap://127.0.0.1:1"  # configured; no server is contacted by these pages


@pytest.fixture
def directory_person(fachkraft):
    DirectoryAccount.objects.create(user=fachkraft, dn="uid=fachkraft,ou=people,dc=example")
    return fachkraft


def test_the_user_page_names_the_directory_instead_of_setting_a_password(
    settings, client_for, administration, directory_person
):
    settings.LDAP_URL = LDAP
    page = client_for(administration).get(
        reverse("sozialraum:user_update", args=[directory_person.pk])
    )

    content = page.content.decode()
    assert 'id="user-password"' not in content
    assert 'id="directory-password-notice"' in content
    assert "Passwort des Verzeichnisses" in content


def test_the_password_page_sends_back_and_changes_nothing(
    settings, client_for, administration, directory_person
):
    settings.LDAP_URL = LDAP
    before = directory_person.password
    url = reverse("sozialraum:user_password", args=[directory_person.pk])
    client = client_for(administration)

    answer = client.post(
        url, {"new_password1": "ein-neues-langes-pw-1", "new_password2": "ein-neues-langes-pw-1"}
    )

    assert answer.status_code == 302
    assert answer["Location"] == reverse("sozialraum:user_update", args=[directory_person.pk])
    directory_person.refresh_from_db()
    assert directory_person.password == before
    texts = [str(message) for message in get_messages(answer.wsgi_request)]
    assert any("Verzeichnis" in text for text in texts)


def test_without_a_directory_the_password_can_be_set_as_before(
    settings, client_for, administration, directory_person
):
    settings.LDAP_URL = ""
    page = client_for(administration).get(
        reverse("sozialraum:user_update", args=[directory_person.pk])
    )

    assert 'id="user-password"' in page.content.decode()
    assert (
        client_for(administration)
        .get(reverse("sozialraum:user_password", args=[directory_person.pk]))
        .status_code
        == 200
    )


def test_a_local_account_keeps_its_password_page(
    settings, client_for, administration, fbl_backnang
):
    settings.LDAP_URL = LDAP
    page = client_for(administration).get(reverse("sozialraum:user_update", args=[fbl_backnang.pk]))

    content = page.content.decode()
    assert 'id="user-password"' in content
    assert 'id="directory-password-notice"' not in content


@pytest.mark.parametrize("role", ["fachkraft", "teamleitung", "fbl_backnang", "amtsleitung"])
def test_others_than_administration_are_refused_as_before(
    settings, request, client_for, role, directory_person
):
    settings.LDAP_URL = LDAP
    user = request.getfixturevalue(role)
    answer = client_for(user).get(reverse("sozialraum:user_password", args=[directory_person.pk]))

    assert answer.status_code == 403
    assert "user-password" not in answer.content.decode()
