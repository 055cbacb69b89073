"""Overlong user names at the login: a German message, never a 500 (issue 12, point 4)."""

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from sozialraum.accounts.login import axes_username

LOGIN = "/konto/anmelden/"


def test_login_with_overlong_username_shows_message(client, db):
    response = client.post(LOGIN, {"username": "a" * 256, "password": "falsch-falsch"})

    assert response.status_code == 200
    assert "höchstens 150 Zeichen" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_admin_login_with_overlong_username_shows_message(client, db):
    # The admin's login is the application's (issue 13): the same form checks the length.
    response = client.post(
        "/admin/login/", {"username": "b" * 300, "password": "falsch-falsch"}, follow=True
    )

    assert response.status_code == 200
    assert "höchstens 150 Zeichen" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_overlong_username_is_recorded_cut(rf):
    """A name that reaches django-axes unchecked (by a form of another package) is cut to its
    column."""
    request = rf.post("/admin/login/", {"username": "b" * 300})

    assert axes_username(request) == "b" * 255
    assert axes_username(request, {"username": "c" * 300}) == "c" * 255
    assert AccessAttempt._meta.get_field("username").max_length == 255
