"""Who may see and change what: roles, predicates and queryset scoping.

The one place that answers these questions; the other apps reuse the scoping functions here so
that lists, details, dashboards and exports see exactly the same rows.

Roles come from the structure itself, after pretix's team-based permissions:

- Fachkraft and Teamleitung: a ``Membership`` (member or lead) in a Sozialraumteam;
- Fachbereichsleitung: a ``Headship`` of a Mittelbereich;
- Amtsleitung and Administration: membership in the Django group of that name (created by a
  migration), because these roles span the whole district.
"""

import contextlib
import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sozialraum.models import Headship, Membership, MiddleArea, Municipality, Team, User
from sozialraum.selectors import assignments_on


class Role(models.TextChoices):
    FACHKRAFT = "fachkraft", _("Staff member (Fachkraft)")
    TEAMLEITUNG = "teamleitung", _("Team lead (Teamleitung)")
    FACHBEREICHSLEITUNG = "fachbereichsleitung", _("Department head (Fachbereichsleitung)")
    AMTSLEITUNG = "amtsleitung", _("Office leadership and planning (Amtsleitung)")
    ADMINISTRATION = "administration", _("Administration")


# Names of the Django groups that carry the district-wide roles (data, created by a migration).
GROUP_AMTSLEITUNG = "Amtsleitung"
GROUP_ADMINISTRATION = "Administration"
ROLE_GROUPS = {GROUP_AMTSLEITUNG: Role.AMTSLEITUNG, GROUP_ADMINISTRATION: Role.ADMINISTRATION}


@dataclass(frozen=True)
class Scope:
    """What the structure says about one user, loaded once per request."""

    roles: frozenset
    member_team_ids: frozenset
    lead_team_ids: frozenset
    headed_area_ids: frozenset

    @property
    def team_ids(self) -> frozenset:
        return self.member_team_ids | self.lead_team_ids


NO_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset())


def scope_of(user: User | AnonymousUser) -> Scope:
    """The user's roles and anchors in the structure, cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_sozialraum_scope", None)
    if cached is not None:
        return cached
    member, lead, areas, groups = set(), set(), set(), set()
    for source, key, value in _structure_rows(user.pk):
        if source == "m":
            (member if value == Membership.Role.MEMBER else lead).add(int(key))
        elif source == "h":
            areas.add(int(key))
        else:
            groups.add(key)
    member, lead, areas = frozenset(member), frozenset(lead), frozenset(areas)
    roles = {ROLE_GROUPS[g] for g in groups if g in ROLE_GROUPS}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATION)
    if member:
        roles.add(Role.FACHKRAFT)
    if lead:
        roles.add(Role.TEAMLEITUNG)
    if areas:
        roles.add(Role.FACHBEREICHSLEITUNG)
    scope = Scope(frozenset(roles), member, lead, areas)
    user._sozialraum_scope = scope
    return scope


def _structure_rows(user_id: int) -> list[tuple[str, str, str]]:
    """The user's memberships, headships and groups in one round trip (every page asks).

    Plain SQL, written once per process: building and compiling the same union through the
    ORM cost more than running it (issue 11, the fixed cost of every page)."""
    with connection.cursor() as cursor:
        cursor.execute(_structure_sql(), [user_id, user_id, user_id])
        return cursor.fetchall()


@functools.cache
def _structure_sql() -> str:
    """Table and column names from the models' own metadata; the user id is a parameter."""
    link = User.groups.through._meta
    membership, headship, group = (m._meta.db_table for m in (Membership, Headship, Group))
    group_id, user_id = link.get_field("group").column, link.get_field("user").column
    return (
        f"SELECT 'm', team_id::text, role FROM {membership} WHERE user_id = %s "  # noqa: S608
        f"UNION ALL SELECT 'h', middle_area_id::text, '' FROM {headship} WHERE user_id = %s "
        f"UNION ALL SELECT 'g', g.name, '' FROM {group} g "
        f"JOIN {link.db_table} ug ON ug.{group_id} = g.id WHERE ug.{user_id} = %s"
    )


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's roles changed."""
    # Works for a plain user and for request.user (a SimpleLazyObject, whose __dict__ is its own).
    with contextlib.suppress(AttributeError):
        del user._sozialraum_scope


def roles_of(user) -> list[Role]:
    """The user's roles in the order of the Role choices, for display."""
    roles = scope_of(user).roles
    return [role for role in Role if role in roles]


def has_role(user, role: Role) -> bool:
    return role in scope_of(user).roles


def is_administration(user) -> bool:
    return has_role(user, Role.ADMINISTRATION)


def reads_whole_district(user) -> bool:
    """Amtsleitung and Administration read everything in the district."""
    return bool(scope_of(user).roles & {Role.AMTSLEITUNG, Role.ADMINISTRATION})


def is_head(user) -> bool:
    """A head of work: Fachbereichsleitung (of their Mittelbereiche) or Amtsleitung (of the
    district) — those who sign off months and steer."""
    scope = scope_of(user)
    return bool(scope.headed_area_ids) or Role.AMTSLEITUNG in scope.roles


def can_change_structure(user) -> bool:
    """Municipalities, teams, assignments, users and roles are Administration's to change."""
    return is_administration(user)


def can_use_admin_site(user) -> bool:
    return user.is_active and user.is_staff and is_administration(user)


# --- Queryset scoping ------------------------------------------------------------------------


def middle_areas_visible_to(user) -> QuerySet[MiddleArea]:
    """Mittelbereiche whose work the user reviews or takes part in."""
    if reads_whole_district(user):
        return MiddleArea.objects.all()
    scope = scope_of(user)
    return MiddleArea.objects.filter(
        models.Q(pk__in=scope.headed_area_ids) | models.Q(teams__in=scope.team_ids)
    ).distinct()


def teams_visible_to(user) -> QuerySet[Team]:
    """Teams whose work the user may read: the own teams, the teams of a headed Mittelbereich,
    every team for Amtsleitung and Administration."""
    if reads_whole_district(user):
        return Team.objects.all()
    scope = scope_of(user)
    return Team.objects.filter(
        models.Q(pk__in=scope.team_ids) | models.Q(middle_area__in=scope.headed_area_ids)
    )


def municipalities_visible_to(user, *, on: datetime.date | None = None) -> QuerySet[Municipality]:
    """Municipalities served on a date by the teams the user may read."""
    if reads_whole_district(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(
        assignments__in=assignments_on(on).filter(team__in=teams_visible_to(user))
    ).distinct()


def ensure_role_groups() -> dict[str, Group]:
    """The role groups, created if missing (a flushed test database has none)."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
