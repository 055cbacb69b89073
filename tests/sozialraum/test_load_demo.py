import io

import pytest
from django.core.management import CommandError, call_command

from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import Headship, Membership, User
from sozialraum.permissions import Role, roles_of


def load_demo(**options):
    call_command("load_demo", stdout=io.StringIO(), **options)


def test_load_demo_refuses_with_debug_off(district, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        load_demo()

    assert not User.objects.exists()


def test_load_demo_creates_one_user_per_role(district, settings):
    settings.DEBUG = True

    load_demo()

    users = {u.username: u for u in User.objects.all()}
    assert {name: roles_of(u) for name, u in users.items()} == {
        "fachkraft": [Role.FACHKRAFT],
        "teamleitung": [Role.TEAMLEITUNG],
        "fbl-backnang": [Role.FACHBEREICHSLEITUNG],
        "fbl-waiblingen": [Role.FACHBEREICHSLEITUNG],
        "amtsleitung": [Role.AMTSLEITUNG],
        "admin": [Role.ADMINISTRATION],
    }
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert [u for u, user in users.items() if user.is_staff] == ["admin"]
    assert not any(u.is_superuser for u in users.values())


def test_load_demo_twice_changes_nothing(district):
    load_demo(force=True)
    before = list(User.objects.order_by("pk").values_list("pk", "username", "password"))

    load_demo(force=True)

    assert list(User.objects.order_by("pk").values_list("pk", "username", "password")) == before
    assert Membership.objects.count() == 2
    assert Headship.objects.count() == 2


def test_load_demo_needs_the_district(db):
    with pytest.raises(CommandError, match="load_district"):
        load_demo(force=True)
