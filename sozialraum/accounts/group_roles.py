"""Roles from directory groups: Administration maps a directory group (its DN) to a role, and
every directory sign-in gives the person exactly the roles of the groups they belong to.

Decision: for a *directory account* the directory is the only source of roles. A sign-in
replaces the roles with the mapped ones, so a role given by hand on the user page lasts only
until the next sign-in (the user page says so). *Local accounts* never see a mapping: their
roles are given by hand, as before. The rules of ``sozialraum.accounts.local`` apply to both
(the same writes, audited row by row; the office keeps an active Administration account).
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn

from sozialraum.accounts import local
from sozialraum.concurrency import VersionedFormMixin
from sozialraum.models import DirectoryAccount, DirectoryGroupRole, Membership, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG, Role, forget_scope
from sozialraum.text import GermanSortKey

logger = logging.getLogger(__name__)

Kind = DirectoryGroupRole.Kind
TEAM_KINDS = {Kind.TEAM_MEMBER: Membership.Role.MEMBER, Kind.TEAM_LEAD: Membership.Role.LEAD}
GROUP_KINDS = {Kind.AMTSLEITUNG: GROUP_AMTSLEITUNG, Kind.ADMINISTRATION: GROUP_ADMINISTRATION}


def normalise_dn(dn: str) -> str:
    """A DN in one spelling (lower case, no blanks around ``=`` and ``,``), so that the DN a
    directory sends matches the one Administration typed. Raises ``LDAPInvalidDnError``."""
    tight = re.sub(r"\s*(?<!\\)([=,])\s*", r"\1", dn.strip())
    parts = parse_dn(tight, escape=False)
    return ",".join(f"{attr.strip().lower()}={value.strip().lower()}" for attr, value, _ in parts)


def normalise_group(value: str) -> str:
    """A group as a claim of OpenID Connect names it (sozialraum.accounts.oidc): a DN in the
    spelling of ``normalise_dn``, anything else (a name, a path, an Entra ID object id) trimmed
    and in lower case, so that it matches the mapping's row all the same."""
    try:
        return normalise_dn(value)
    except LDAPInvalidDnError:
        return value.strip().lower()


# --- Reads -----------------------------------------------------------------------------------


def mappings() -> list[DirectoryGroupRole]:
    """All mappings with their team or Mittelbereich, by group."""
    return list(
        DirectoryGroupRole.objects.select_related("team", "middle_area", "updated_by").order_by(
            "group_dn", "kind", GermanSortKey("team__name"), GermanSortKey("middle_area__name")
        )
    )


def roles_from_groups(groups: Iterable[str]) -> local.Roles:
    """The roles the mappings give to a member of ``groups`` (normalised DNs). Lead beats member
    in the same team; a mapping to an inactive team gives nothing."""
    rows = DirectoryGroupRole.objects.filter(group_dn__in=set(groups)).select_related("team")
    teams, middle_areas, role_groups = {}, set(), set()
    for row in rows:
        if row.kind in TEAM_KINDS and row.team.is_active:
            if teams.get(row.team_id) != Membership.Role.LEAD:
                teams[row.team_id] = TEAM_KINDS[row.kind]
        elif row.kind == Kind.HEAD:
            middle_areas.add(row.middle_area_id)
        elif row.kind in GROUP_KINDS:
            role_groups.add(GROUP_KINDS[row.kind])
    return local.Roles(
        teams=teams, middle_areas=frozenset(middle_areas), groups=frozenset(role_groups)
    )


@dataclass(frozen=True)
class RoleSource:
    """One of a user's roles and the directory groups that give it (none: given by hand)."""

    entry: local.RoleEntry
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleOrigins:
    """A user's directory account (None for a local account) and the sources of its roles."""

    directory_account: DirectoryAccount | None
    sources: list[RoleSource]


def role_origins(user: User) -> RoleOrigins:
    """Where each of the user's roles comes from, by the groups of the last directory sign-in
    and the mappings as they are now. Two queries whatever the number of roles."""
    account = getattr(user, "directory_account", None)  # loaded with the user on its pages
    groups = set(account.groups) if account else set()
    rows = DirectoryGroupRole.objects.filter(group_dn__in=groups).select_related(
        "team", "middle_area"
    )
    given: dict[tuple, list[str]] = {}
    for row in rows:
        given.setdefault(_entry_key(row), []).append(row.group_dn)
    sources = [
        RoleSource(entry, tuple(sorted(given.get((entry.role, entry.place), []))))
        for entry in local.role_entries(user)
    ]
    return RoleOrigins(account, sources)


def _entry_key(row: DirectoryGroupRole) -> tuple:
    """The (role, place) of the role entry a mapping gives, as ``local.role_entries`` names it."""
    if row.kind == Kind.TEAM_MEMBER:
        return (Role.FACHKRAFT, row.team.name)
    if row.kind == Kind.TEAM_LEAD:
        return (Role.TEAMLEITUNG, row.team.name)
    if row.kind == Kind.HEAD:
        return (Role.FACHBEREICHSLEITUNG, row.middle_area.name)
    return (Role(row.kind), "")


# --- Writes ----------------------------------------------------------------------------------


def directory_roles_apply(*, user: User, groups: Iterable[str]) -> local.Roles:
    """Give the directory account ``user`` exactly the roles of its ``groups``: roles of groups
    it left are taken away. Only the last active Administration account keeps that role (the
    rule of ``sozialraum.accounts.local``), with a warning in the log."""
    wanted = roles_from_groups(groups)
    if local.roles_held(user) == wanted:
        return wanted
    with transaction.atomic():
        role_groups = local._lock_accounts()
        current = local._locked(user)
        held = local.roles_held(current)
        if local._removes_administration(current, held, wanted) and local._is_last_administration(
            current
        ):
            logger.warning("%s keeps Administration: the last active account with it", current)
            wanted = replace(wanted, groups=wanted.groups | {GROUP_ADMINISTRATION})
        local._apply_roles(current, held=held, wanted=wanted, groups=role_groups)
        is_staff = local._is_staff(current, wanted)
        if current.is_staff != is_staff:
            User.objects.filter(pk=current.pk).update(is_staff=is_staff)
            user.is_staff = is_staff
    forget_scope(user)
    return wanted


# --- The mapping page's form -----------------------------------------------------------------


class DirectoryGroupRoleForm(VersionedFormMixin, forms.ModelForm):
    """One mapping: a group DN, the role, and the team or Mittelbereich the role needs."""

    class Meta:
        model = DirectoryGroupRole
        fields = ["group_dn", "kind", "team", "middle_area"]
        widgets = {
            "group_dn": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(is_active=True).order_by(
            GermanSortKey("name")
        )
        self.fields["team"].help_text = _("Only for the roles Fachkraft and Teamleitung.")
        self.fields["middle_area"].help_text = _("Only for the role Fachbereichsleitung.")

    def clean_group_dn(self):
        try:
            return normalise_dn(self.cleaned_data["group_dn"])
        except LDAPInvalidDnError as error:
            if settings.OIDC_RP_CLIENT_ID and self.cleaned_data["group_dn"].strip():
                # OpenID Connect sends groups by name (or id): such a value is a group, too.
                return normalise_group(self.cleaned_data["group_dn"])
            raise forms.ValidationError(
                _(
                    "Please enter the group's distinguished name, e.g. "
                    "cn=team,ou=groups,dc=example."
                ),
                code="invalid_dn",
            ) from error

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        needs_team, needs_area = kind in TEAM_KINDS, kind == Kind.HEAD
        if needs_team and not cleaned.get("team"):
            self.add_error("team", _("Please choose the team of this role."))
        if needs_area and not cleaned.get("middle_area"):
            self.add_error("middle_area", _("Please choose the Mittelbereich of this role."))
        # What the role does not need is left out rather than refused.
        if not needs_team:
            cleaned["team"] = None
        if not needs_area:
            cleaned["middle_area"] = None
        if kind and cleaned.get("group_dn") and self._duplicate(cleaned):
            raise forms.ValidationError(_("This group already gives this role."), code="duplicate")
        return cleaned

    def _duplicate(self, cleaned) -> bool:
        same = DirectoryGroupRole.objects.filter(
            group_dn=cleaned["group_dn"],
            kind=cleaned["kind"],
            team=cleaned.get("team"),
            middle_area=cleaned.get("middle_area"),
        )
        return same.exclude(pk=self.instance.pk).exists()
