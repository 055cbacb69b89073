"""Demo users for trying the application (``manage.py load_demo``). Later issues add more."""

from dataclasses import dataclass
from importlib import import_module

import pghistory
from django.apps import apps
from django.db import transaction
from django.utils.text import slugify

from sozialraum.models import Headship, Membership, MiddleArea, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG, ensure_role_groups

DEMO_PASSWORD = "sozialraum-demo"  # noqa: S105 - published demo login, refused with DEBUG off


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    description: str
    team: str = ""
    team_role: str = ""
    middle_area: str = ""
    group: str = ""
    is_staff: bool = False


DEMO_USERS = [
    DemoUser(
        "fachkraft",
        "Friederike",
        "Fachkraft",
        "Fachkraft, Team Backnang",
        team="Backnang",
        team_role=Membership.Role.MEMBER,
    ),
    DemoUser(
        "teamleitung",
        "Tobias",
        "Teamleitung",
        "Teamleitung, Team Backnang",
        team="Backnang",
        team_role=Membership.Role.LEAD,
    ),
    DemoUser(
        "fbl-backnang",
        "Beate",
        "Bereichsleitung",
        "Fachbereichsleitung Backnang",
        middle_area="Backnang",
    ),
    DemoUser(
        "fbl-waiblingen",
        "Wolfgang",
        "Bereichsleitung",
        "Fachbereichsleitung Waiblingen",
        middle_area="Waiblingen",
    ),
    DemoUser(
        "amtsleitung",
        "Anna",
        "Amtsleitung",
        "Amtsleitung / Jugendhilfeplanung",
        group=GROUP_AMTSLEITUNG,
    ),
    DemoUser(
        "admin",
        "Adrian",
        "Administration",
        "Administration (with Django admin)",
        group=GROUP_ADMINISTRATION,
        is_staff=True,
    ),
]


class DemoDataError(Exception):
    pass


def app_demo_loaders():
    """(app label, ``demo_load``) of every other installed app that has a ``demo`` module, in
    the order of INSTALLED_APPS; apps building on this one add their demo data this way."""
    for app in apps.get_app_configs():
        if app.name == "sozialraum":
            continue
        try:
            module = import_module(f"{app.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{app.name}.demo":
                raise
            continue
        yield app.label, module.demo_load


def demo_load() -> list[DemoUser]:
    """Create or update the demo users; requires the district (``load_district``) first."""
    teams = {t.name: t for t in Team.objects.filter(name__in={u.team for u in DEMO_USERS})}
    areas = {a.name: a for a in MiddleArea.objects.all()}
    missing = {u.team for u in DEMO_USERS if u.team} - teams.keys()
    missing |= {u.middle_area for u in DEMO_USERS if u.middle_area} - areas.keys()
    if missing:
        raise DemoDataError(", ".join(sorted(missing)))
    with transaction.atomic(), pghistory.context(command="load_demo"):
        groups = ensure_role_groups()
        for demo in DEMO_USERS:
            _load_user(demo, teams, areas, groups)
        _team_contacts()
    return DEMO_USERS


def _team_contacts() -> None:
    """A fictitious institutional contact for teams that have none (shown to the public)."""
    for team in Team.objects.filter(email=""):
        team.email = f"sozialraumteam-{slugify(team.name)}@demo.invalid"
        team.address = f"Musterstraße 1, {team.name.split('/')[0]} (Demo)"
        team.save(update_fields=["email", "address"])


def _load_user(demo: DemoUser, teams, areas, groups) -> None:
    user, _created = User.objects.update_or_create(
        username=demo.username,
        defaults={
            "first_name": demo.first_name,
            "last_name": demo.last_name,
            "email": f"{demo.username}@demo.invalid",
            "is_staff": demo.is_staff,
            "is_active": True,
        },
    )
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if demo.team:
        Membership.objects.update_or_create(
            user=user, team=teams[demo.team], defaults={"role": demo.team_role}
        )
    if demo.middle_area:
        Headship.objects.get_or_create(user=user, middle_area=areas[demo.middle_area])
    if demo.group:
        user.groups.add(groups[demo.group])
