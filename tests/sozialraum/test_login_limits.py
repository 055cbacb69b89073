"""Overlong user names at the login: a German message, never a 500 (issue 12, point 4)."""

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

LOGIN = "/konto/anmelden/"


def test_login_with_overlong_username_shows_message(client, db):
    response = client.post(LOGIN, {"username": "a" * 256, "password": "falsch-falsch"})

    assert response.status_code == 200
    assert "höchstens 150 Zeichen" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_admin_login_with_overlong_username_is_recorded_cut(client, db):
    response = client.post(
        "/admin/login/", {"username": "b" * 300, "password": "falsch-falsch"}, follow=True
    )

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["b" * 255]
    assert SESSION_KEY not in client.session
