import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from sozialraum.demo import DEMO_PASSWORD

LOGIN = "/konto/anmelden/"


def attempt(client, username="fachkraft", password="falsch-falsch-falsch"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_german(client, db):
    response = client.get(LOGIN)

    content = response.content.decode()
    assert '<html lang="de">' in content
    assert '<h1 class="h2">Anmelden</h1>' in content
    assert "Benutzername" in content


def test_login_with_demo_password_opens_home(client, fachkraft):
    response = attempt(client, password=DEMO_PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("sozialraum:home")
    assert client.session[SESSION_KEY] == str(fachkraft.pk)


def test_wrong_password_shows_message_and_stays_logged_out(client, fachkraft):
    response = attempt(client)

    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_five_failures_lock_the_login(client, fachkraft):
    responses = [attempt(client) for _ in range(5)]

    locked = attempt(client, password=DEMO_PASSWORD)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "für 15 Minuten gesperrt" in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_four_failures_do_not_lock(client, fachkraft):
    for _ in range(4):
        attempt(client)

    response = attempt(client, password=DEMO_PASSWORD)

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()  # a successful login resets the failures


def test_lockout_ends_after_the_cool_off(client, fachkraft):
    for _ in range(5):
        attempt(client)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )

    response = attempt(client, password=DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(fachkraft.pk)


def test_lockout_of_one_user_leaves_others_alone(client, fachkraft, teamleitung):
    for _ in range(5):
        attempt(client)

    response = attempt(client, username="teamleitung", password=DEMO_PASSWORD)

    assert response.status_code == 302


def test_logout_ends_the_session(client_for, fachkraft):
    client = client_for(fachkraft)

    response = client.post(reverse("logout"))

    assert response.url == reverse("login")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("sozialraum:home")).status_code == 302


def test_deactivated_user_is_logged_out_on_next_request(client_for, fachkraft):
    client = client_for(fachkraft)
    fachkraft.is_active = False
    fachkraft.save()

    response = client.get(reverse("sozialraum:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change_requires_twelve_characters(client_for, fachkraft):
    client = client_for(fachkraft)

    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "kurz-123", "new_password2": "kurz-123"},
    )

    assert "Dieses Passwort ist zu kurz. Es muss mindestens 12 Zeichen enthalten." in (
        response.content.decode()
    )
    fachkraft.refresh_from_db()
    assert fachkraft.check_password(DEMO_PASSWORD)


def test_password_change_succeeds(client_for, fachkraft):
    client = client_for(fachkraft)
    new = "Sprechstunde-im-Rathaus-42"

    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.url == reverse("password_change_done")
    fachkraft.refresh_from_db()
    assert fachkraft.check_password(new)


@pytest.mark.parametrize("language", ["en", "de"])
def test_language_switch_sets_the_language(client, db, language):
    response = client.post(
        reverse("set_language"), {"language": language, "next": LOGIN}, follow=True
    )

    assert f'<html lang="{language}">' in response.content.decode()
