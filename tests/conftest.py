"""Fixtures shared by all tests: the district, one user per role, the browser."""

import io
import os
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from kooperation.models import Partner, PartnerKind, SchoolType
from sozialraum import structure_cache
from sozialraum.demo import demo_load
from sozialraum.models import Membership, Municipality, Team, User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _fresh_structure_cache():
    """Each test starts with an empty structure cache: a rolled-back or flushed database sends
    no signal, so rows cached by the previous test would otherwise outlive it."""
    structure_cache.clear()
    yield
    structure_cache.clear()


@pytest.fixture
def district(db):
    """The shipped Rems-Murr-Kreis: 3 Mittelbereiche, 9 teams, 31 municipalities."""
    call_command("load_district", stdout=io.StringIO())


@pytest.fixture
def backnang(district):
    return Municipality.objects.get(name="Backnang")


@pytest.fixture
def korb(district):
    return Municipality.objects.get(name="Korb")


@pytest.fixture
def school_backnang(backnang):
    return Partner.objects.create(
        name="Grundschule Backnang-Süd",
        kind=PartnerKind.SCHOOL,
        school_type=SchoolType.PRIMARY,
        municipality=backnang,
        address="Schulstraße 3, 71522 Backnang",
    )


@pytest.fixture
def town_hall_backnang(backnang):
    return Partner.objects.create(
        name="Rathaus Backnang",
        kind=PartnerKind.TOWN_HALL,
        municipality=backnang,
        address="Am Rathaus 1, 71522 Backnang",
    )


@pytest.fixture
def demo_users(district):
    """The demo users of ``load_demo`` by user name (without the other apps' demo data)."""
    demo_load()
    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def fachkraft(demo_users):
    return demo_users["fachkraft"]


@pytest.fixture
def teamleitung(demo_users):
    return demo_users["teamleitung"]


@pytest.fixture
def fbl_backnang(demo_users):
    return demo_users["fbl-backnang"]


@pytest.fixture
def fbl_waiblingen(demo_users):
    return demo_users["fbl-waiblingen"]


@pytest.fixture
def amtsleitung(demo_users):
    return demo_users["amtsleitung"]


@pytest.fixture
def administration(demo_users):
    return demo_users["admin"]


@pytest.fixture
def other_team_member(district):
    """A Fachkraft of the team Winnenden (Mittelbereich Waiblingen)."""
    user = User.objects.create_user("winnenden", password="ein-langes-passwort")
    Membership.objects.create(user=user, team=Team.objects.get(name="Winnenden"))
    return user


@pytest.fixture
def no_role_user(db):
    return User.objects.create_user("ohnerolle", password="ein-langes-passwort")


@pytest.fixture
def client_for(client):
    """Sign a user in: ``client_for(user)`` returns the test client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --- Browser tests ---------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    # The order of the run: first the tests that start processes of their own (make run, the
    # background worker), before other tests have left child processes or an event loop in
    # this one; browser tests last: Playwright's session keeps an event loop running in the
    # main thread, and code that bridges to async code (the job queue's sync calls through
    # asgiref) refuses to run beside it.
    first = (
        "tests/test_make_run.py",
        "tests/sozialraum/test_jobs.py",
        "tests/teams/test_report_files.py",
        "tests/test_reminders.py",
        "tests/sozialraum/test_ldap.py",
        "tests/sozialraum/test_mail_notifications.py",
    )

    def rank(item):
        if "browser" in item.keywords:
            return 2
        return 0 if item.nodeid.startswith(first) else 1

    items.sort(key=rank)
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI=true but Chromium is missing at {CHROMIUM}")
    skip = pytest.mark.skip(
        reason=(
            f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install chromium) "
            "or set CHROMIUM_PATH to run the browser tests"
        )
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion: Bootstrap then draws no colour transitions, so axe never measures a
    # button's contrast halfway through one (a click leaves it hovered and fading).
    return {**browser_context_args, "locale": "de-DE", "reduced_motion": "reduce"}


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, stopped before the test database is dropped: its thread's
    connection would otherwise keep the database in use at the end of the run."""
    return live_server


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with any connection still open at the end (a server thread's, or
    one whose backend has not quite exited) ended, so that it can be dropped."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
