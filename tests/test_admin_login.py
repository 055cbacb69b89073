"""The admin's login is the application's login (issue 13): one page, one German wording for a
wrong password, and django-axes counts the attempts at either address together."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozialraum.demo import DEMO_PASSWORD

LOGIN = "/konto/anmelden/"
ADMIN_LOGIN = "/admin/login/"
WRONG = (
    "Benutzername oder Passwort ist falsch. Bitte prüfen Sie beides; "
    "Groß- und Kleinschreibung wird unterschieden."
)
# Django's admin login says "please enter" although both were entered.
DJANGO_ADMIN_WORDING = ["Bitte geben Sie", "Bitte Benutzername und Passwort eingeben", "Staff"]


def login_target(url: str) -> tuple[str, str]:
    """The path and the ``next`` of an address of the login page."""
    location = urlsplit(url)
    return location.path, parse_qs(location.query).get("next", [""])[0]


def test_admin_login_page_is_the_application_login(client, db):
    response = client.get(ADMIN_LOGIN)

    assert response.status_code == 302
    assert login_target(response.url) == (LOGIN, "/admin/")


@pytest.mark.parametrize(
    "url", ["/admin/sozialraum/team/", f"{ADMIN_LOGIN}?next=/admin/sozialraum/team/"]
)
def test_anonymous_admin_visit_ends_on_the_german_login_page(client, db, url):
    response = client.get(url, follow=True)

    assert len(response.redirect_chain) == 1
    assert login_target(response.redirect_chain[0][0]) == (LOGIN, "/admin/sozialraum/team/")
    content = response.content.decode()
    assert '<h1 class="h2">Anmelden</h1>' in content
    assert 'name="next" value="/admin/sozialraum/team/"' in content
    assert f'action="{LOGIN}"' in content


def test_wrong_password_at_the_admin_login_has_the_application_wording(client, administration):
    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": "falsch-falsch-falsch"})

    assert response.status_code == 200
    content = response.content.decode()
    assert WRONG in content
    assert not [text for text in DJANGO_ADMIN_WORDING if text in content]
    assert SESSION_KEY not in client.session


def test_empty_fields_at_the_admin_login_are_named(client, db):
    response = client.post(ADMIN_LOGIN, {"username": "", "password": ""})

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("Dieses Feld ist zwingend erforderlich.") == 2
    assert WRONG not in content
    assert SESSION_KEY not in client.session


def test_administration_signs_in_through_the_redirect_and_reaches_the_admin(client, administration):
    login_page = client.get("/admin/", follow=True)
    next_url = login_page.context["next"]

    response = client.post(
        LOGIN, {"username": "admin", "password": DEMO_PASSWORD, "next": next_url}, follow=True
    )

    assert next_url == "/admin/"
    assert response.redirect_chain == [("/admin/", 302)]
    assert client.session[SESSION_KEY] == str(administration.pk)
    assert "Stammdaten" in response.content.decode()


@pytest.mark.parametrize(
    ("next_url", "target"),
    [
        (None, "/admin/"),
        ("/admin/sozialraum/team/", "/admin/sozialraum/team/"),
        ("https://example.org/", "/admin/"),
    ],
)
def test_form_sent_to_the_admin_login_signs_in(client, administration, next_url, target):
    data = {"username": "admin", "password": DEMO_PASSWORD}
    if next_url:
        data["next"] = next_url

    response = client.post(ADMIN_LOGIN, data)

    assert response.status_code == 302
    assert response.url == target
    assert client.session[SESSION_KEY] == str(administration.pk)


def test_administration_signed_in_goes_to_the_admin(client_for, administration):
    response = client_for(administration).get(ADMIN_LOGIN)

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung"])
def test_other_roles_signed_in_are_refused_without_a_loop(client_for, demo_users, username):
    response = client_for(demo_users[username]).get("/admin/sozialraum/team/", follow=True)

    assert response.status_code == 403
    assert response.redirect_chain == [(f"{ADMIN_LOGIN}?next=/admin/sozialraum/team/", 302)]
    content = response.content.decode()
    assert "Zugriff verweigert" in content
    # "Nur die Administration kann die Stammdaten pflegen." once translated.
    assert escape(gettext("Only Administration maintains the master data.")) in content


def test_other_role_signed_in_cannot_sign_in_again_at_the_admin_login(client_for, fachkraft):
    client = client_for(fachkraft)

    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": DEMO_PASSWORD})

    assert response.status_code == 403
    assert client.session[SESSION_KEY] == str(fachkraft.pk)


def test_other_role_signing_in_at_the_admin_login_is_refused_the_admin(client, fachkraft):
    response = client.post(
        ADMIN_LOGIN, {"username": "fachkraft", "password": DEMO_PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/admin/", 302), (f"{ADMIN_LOGIN}?next=/admin/", 302)]
    assert response.status_code == 403
    assert escape(gettext("Only Administration maintains the master data.")) in (
        response.content.decode()
    )


def test_five_failures_at_the_admin_login_lock_both_logins(client, administration):
    responses = [
        client.post(ADMIN_LOGIN, {"username": "admin", "password": "falsch-falsch-falsch"})
        for _ in range(5)
    ]

    locked_admin = client.post(ADMIN_LOGIN, {"username": "admin", "password": DEMO_PASSWORD})
    locked_app = client.post(LOGIN, {"username": "admin", "password": DEMO_PASSWORD})

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    for locked in (locked_admin, locked_app):
        assert locked.status_code == 429
        assert "für 15 Minuten gesperrt" in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_failures_at_both_addresses_count_together(client, administration):
    for url in [ADMIN_LOGIN, LOGIN, ADMIN_LOGIN, LOGIN]:
        client.post(url, {"username": "admin", "password": "falsch-falsch-falsch"})

    fifth = client.post(ADMIN_LOGIN, {"username": "admin", "password": "falsch-falsch-falsch"})
    locked = client.post(LOGIN, {"username": "admin", "password": DEMO_PASSWORD})

    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert SESSION_KEY not in client.session


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(next_url=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40))
def test_any_next_is_handed_to_the_login_page_unchanged(client, db, next_url):
    response = client.get(ADMIN_LOGIN, {"next": next_url})

    assert response.status_code == 302
    assert login_target(response.url) == (LOGIN, next_url or "/admin/")
