"""Time limits on a web request's database work: a real lock held by another connection makes
the request give up after ``DB_LOCK_TIMEOUT`` / ``DB_STATEMENT_TIMEOUT`` with the friendly 503
page, instead of hanging (or a 500)."""

import contextlib
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from sozialraum.middleware import long_running
from sozialraum.models import User

PASSWORD = "ein-langes-passwort-fuer-tests"

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def table_locked(table: str):
    """Hold an ACCESS EXCLUSIVE lock on ``table`` from a second connection."""
    other = connection.copy()
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        yield
    finally:
        other.rollback()
        other.close()
        # The request's session settings (1 s limits) must not outlive the test.
        connection.close()


@pytest.fixture
def signed_in(db):
    user = User.objects.create_user("zeitlimit", password=PASSWORD)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_busy_page(response, started: float, limit: float):
    content = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "no-store" in response["Cache-Control"]
    assert '<html lang="de">' in content
    assert "Bitte versuchen Sie es gleich noch einmal." in content
    assert 'id="busy"' in content
    assert time.monotonic() - started < limit


@override_settings(DB_LOCK_TIMEOUT=1, DB_STATEMENT_TIMEOUT=30)
def test_lock_wait_ends_with_the_busy_page(signed_in):
    with table_locked("sozialraum_membership"):
        started = time.monotonic()
        response = signed_in.get(reverse("sozialraum:home"))

    assert_busy_page(response, started, limit=10)


@override_settings(DB_LOCK_TIMEOUT=0, DB_STATEMENT_TIMEOUT=1)
def test_statement_timeout_ends_with_the_busy_page(signed_in):
    with table_locked("sozialraum_membership"):
        started = time.monotonic()
        response = signed_in.get(reverse("sozialraum:home"))

    assert_busy_page(response, started, limit=10)


@override_settings(DB_LOCK_TIMEOUT=1)
def test_login_waiting_for_a_lock_gets_the_busy_page(db):
    User.objects.create_user("zeitlimit", password=PASSWORD)
    client = Client(raise_request_exception=False)

    with table_locked("sozialraum_user"):
        started = time.monotonic()
        response = client.post("/konto/anmelden/", {"username": "zeitlimit", "password": PASSWORD})

    assert_busy_page(response, started, limit=10)


@override_settings(DB_LOCK_TIMEOUT=1)
def test_a_lock_met_before_the_view_gets_the_busy_page_too(signed_in):
    # The signed-in user is loaded by a middleware, outside the view: handler500 answers.
    with table_locked("sozialraum_user"):
        started = time.monotonic()
        response = signed_in.get(reverse("sozialraum:home"))

    assert_busy_page(response, started, limit=10)


@override_settings(DB_LOCK_TIMEOUT=1)
def test_after_the_lock_the_page_works_again(signed_in):
    with table_locked("sozialraum_membership"):
        signed_in.get(reverse("sozialraum:home"))

    response = signed_in.get(reverse("sozialraum:home"))

    assert response.status_code == 200


def test_web_requests_get_the_limits_management_commands_do_not(signed_in):
    def current():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            statement = cursor.fetchone()[0]
            cursor.execute("SHOW lock_timeout")
            return statement, cursor.fetchone()[0]

    # A fresh connection, as a management command or the worker opens it: no limits.
    connection.close()
    assert current() == ("0", "0")

    signed_in.get(reverse("sozialraum:home"))

    assert current() == ("15s", "5s")
    connection.close()


def test_long_running_views_get_the_long_limit(settings):
    from sozialraum.middleware import DatabaseTimeoutMiddleware

    def view(request):
        return None

    def export(request):
        return None

    long_running()(export)
    middleware = DatabaseTimeoutMiddleware(lambda request: None)
    settings.DB_LONG_STATEMENT_TIMEOUT = 120

    def applied(view_func):
        middleware.process_view(None, view_func, (), {})
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    try:
        assert applied(view) == "15s"
        assert applied(export) == "2min"
        assert applied(long_running(0)(view)) == "0"
    finally:
        connection.close()
