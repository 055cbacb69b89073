"""Fixtures shared by all tests: the district, one user per role, the browser."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

from sozialraum.demo import demo_load
from sozialraum.models import Membership, Team, User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def district(db):
    """The shipped Rems-Murr-Kreis: 3 Mittelbereiche, 9 teams, 31 municipalities."""
    call_command("load_district", stdout=io.StringIO())


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
    return {**browser_context_args, "locale": "de-DE"}
