"""Users and roles: the rules by which Administration creates accounts and gives or takes roles.

These functions are the only way roles change (the Django admin no longer edits users,
memberships, headships or groups), so the rules below cannot be bypassed:

- only Administration manages accounts;
- no one gives themselves more rights: on the own account, every added role is refused;
- the office keeps at least one active Administration account.

Every change of roles or of the active flag locks the Administration group row first. That
serialises these writes, so two administrators who remove each other's role (or deactivate each
other) at the same moment cannot both succeed: the second one counts the remaining
administrators after the first has committed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sozialraum import handover
from sozialraum.calendar_tokens import calendar_token_delete
from sozialraum.concurrency import check_fingerprint
from sozialraum.models import Headship, Membership, MiddleArea, Team, User
from sozialraum.permissions import (
    GROUP_ADMINISTRATION,
    GROUP_AMTSLEITUNG,
    ROLE_GROUPS,
    Role,
    ensure_role_groups,
    forget_scope,
    is_administration,
)
from sozialraum.text import GermanSortKey

# Form fields (and error keys) of the district-wide roles.
GROUP_FIELDS = {GROUP_AMTSLEITUNG: "amtsleitung", GROUP_ADMINISTRATION: "administration"}
MIDDLE_AREAS_FIELD = "middle_areas"
ACTIVE_FIELD = "is_active"


def team_field(team_id: int) -> str:
    """The form field (and error key) of the user's role in one team."""
    return f"team_{team_id}"


@dataclass(frozen=True)
class Roles:
    """The roles of one account: team id → membership role, headed Mittelbereiche, and the
    names of the district-wide role groups."""

    teams: Mapping[int, str] = field(default_factory=dict)
    middle_areas: frozenset[int] = frozenset()
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RoleEntry:
    """One line of a user's role summary: the role and where it applies (team, area)."""

    role: Role
    place: str = ""


# --- Reads -----------------------------------------------------------------------------------


def users_for_administration() -> QuerySet[User]:
    """The accounts Administration manages (never the retention placeholders), by last name,
    with everything the role summary needs prefetched: four queries whatever the count."""
    return (
        User.objects.filter(is_pseudonym=False)
        .select_related("directory_account")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("team").order_by(
                    GermanSortKey("team__name")
                ),
            ),
            Prefetch(
                "headships",
                queryset=Headship.objects.select_related("middle_area").order_by(
                    GermanSortKey("middle_area__name")
                ),
            ),
            Prefetch("groups", queryset=Group.objects.order_by("name")),
        )
        .order_by(GermanSortKey("last_name"), GermanSortKey("first_name"), "username")
    )


def roles_held(user: User) -> Roles:
    """The user's roles from its (prefetched, where available) relations."""
    return Roles(
        teams={m.team_id: m.role for m in user.memberships.all()},
        middle_areas=frozenset(h.middle_area_id for h in user.headships.all()),
        groups=frozenset(g.name for g in user.groups.all() if g.name in ROLE_GROUPS),
    )


def role_entries(user: User) -> list[RoleEntry]:
    """The user's roles with their team or Mittelbereich, in the order of the Role choices."""
    entries = []
    for membership in user.memberships.all():
        role = Role.TEAMLEITUNG if membership.role == Membership.Role.LEAD else Role.FACHKRAFT
        entries.append(RoleEntry(role, membership.team.name))
    for headship in user.headships.all():
        entries.append(RoleEntry(Role.FACHBEREICHSLEITUNG, headship.middle_area.name))
    groups = {g.name for g in user.groups.all()}
    if GROUP_AMTSLEITUNG in groups:
        entries.append(RoleEntry(Role.AMTSLEITUNG))
    if GROUP_ADMINISTRATION in groups or user.is_superuser:
        entries.append(RoleEntry(Role.ADMINISTRATION))
    order = list(Role)
    return sorted(entries, key=lambda e: order.index(e.role))


NO_ROLE = "none"


def with_role(role: str, *, team: Team | None = None) -> Q:
    """Users holding ``role`` (a ``Role`` value, or ``NO_ROLE``: none at all); a team role in
    ``team`` only when one is given."""
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    if team is not None and role != NO_ROLE:
        memberships = memberships.filter(team=team)
    headships = Headship.objects.filter(user=OuterRef("pk"))
    in_group = User.groups.through.objects.filter(user=OuterRef("pk"))
    conditions = {
        Role.FACHKRAFT: Q(Exists(memberships.filter(role=Membership.Role.MEMBER))),
        Role.TEAMLEITUNG: Q(Exists(memberships.filter(role=Membership.Role.LEAD))),
        Role.FACHBEREICHSLEITUNG: Q(Exists(headships)),
        Role.AMTSLEITUNG: Q(Exists(in_group.filter(group__name=GROUP_AMTSLEITUNG))),
        Role.ADMINISTRATION: Q(is_superuser=True)
        | Q(Exists(in_group.filter(group__name=GROUP_ADMINISTRATION))),
    }
    if role == NO_ROLE:
        return (
            ~Q(Exists(memberships))
            & ~Q(Exists(headships))
            & ~Q(Exists(in_group.filter(group__name__in=ROLE_GROUPS)))
            & Q(is_superuser=False)
        )
    return conditions[Role(role)]


# --- Writes ----------------------------------------------------------------------------------


def user_create(*, actor: User, user: User, password: str, roles: Roles) -> User:
    """Create the account ``user`` (unsaved, personal data set) with a password and roles."""
    _require_administration(actor)
    with transaction.atomic():
        groups = _lock_accounts()
        _check_new_roles(held=Roles(), wanted=roles)
        user.set_password(password)
        user.is_active = True
        user.is_staff = _is_staff(user, roles)
        _save_personal_data(user, create=True)
        _apply_roles(user, held=Roles(), wanted=roles, groups=groups)
    forget_scope(user)
    return user


def user_update(
    *,
    actor: User,
    user: User,
    roles: Roles,
    expected_fingerprint: str | None = None,
    handover_decisions: Mapping[str, str] | None = None,
    handover_seen: str | None = None,
) -> User:
    """Save the personal data set on ``user`` and give it exactly ``roles``; all or nothing.
    Raises ``StaleFingerprint`` if the account changed since ``expected_fingerprint``.

    Ending a membership first hands over what the user holds in that team (see
    ``sozialraum.handover``; leaving every team hands over everything): it needs a decision for
    each item, and ``handover.StaleHandover`` refuses a list that is no longer current."""
    _require_administration(actor)
    with transaction.atomic():
        groups = _lock_accounts()
        current = _locked(user)
        check_fingerprint(current, expected_fingerprint)
        held = roles_held(current)
        errors = {}
        if actor.pk == user.pk:
            errors.update(_escalations(held, roles))
        if _removes_administration(current, held, roles) and _is_last_administration(current):
            errors[GROUP_FIELDS[GROUP_ADMINISTRATION]] = ValidationError(
                _(
                    "%(user)s is the last active account with the Administration role. Please "
                    "give another account this role first."
                )
                % {"user": current},
                code="last_administration",
            )
        _check_new_roles(held=held, wanted=roles, errors=errors)
        user.is_staff = _is_staff(current, roles)
        _save_personal_data(user, create=False)
        scopes = handover_scopes(held, roles)
        if scopes:
            handover.hand_over_many(
                user=current,
                actor=actor,
                decisions=dict(handover_decisions or {}),
                seen=handover_seen,
                scopes=scopes,
            )
        _apply_roles(user, held=held, wanted=roles, groups=groups)
    _forget(user, actor)
    return user


def handover_scopes(held: Roles, wanted: Roles) -> list[Team | None]:
    """What ending memberships hands over: the teams left, or everything (None) when the user
    leaves every team."""
    removed = set(held.teams) - set(wanted.teams)
    if not removed:
        return []
    if not wanted.teams:
        return [None]
    return list(Team.objects.filter(pk__in=removed).order_by("name"))


def user_set_password(*, actor: User, user: User, password: str) -> None:
    """Set a new password (validated by the form). Django ends the user's other sessions, as
    they carry a hash of the old password."""
    _require_administration(actor)
    user.set_password(password)
    user.save(update_fields=["password"])


def user_deactivate(
    *,
    actor: User,
    user: User,
    expected_fingerprint: str | None = None,
    handover_decisions: Mapping[str, str] | None = None,
    handover_seen: str | None = None,
) -> int:
    """Deactivate the account and end its sessions at once; returns how many were ended.

    First everything the user holds is handed over as decided (see ``sozialraum.handover``): a
    missing decision refuses the deactivation, as does a list that is no longer current
    (``handover.StaleHandover``). Accounts are never deleted: the audit trail and the
    activities keep naming their authors.
    """
    _require_administration(actor)
    with transaction.atomic():
        _lock_accounts()
        current = _locked(user)
        check_fingerprint(current, expected_fingerprint)
        if _is_administration_account(current) and _is_last_administration(current):
            _refuse(
                ACTIVE_FIELD,
                _(
                    "%(user)s is the last active account with the Administration role and "
                    "cannot be deactivated. Please give another account this role first."
                )
                % {"user": current},
                "last_administration",
            )
        handover.hand_over(
            user=current,
            actor=actor,
            decisions=dict(handover_decisions or {}),
            seen=handover_seen,
        )
        if current.is_active:
            current.is_active = False
            current.save(update_fields=["is_active"])
        ended = sessions_end(current)
        # The personal calendar address ends with the account (a reactivation does not
        # revive an address that may have been passed on meanwhile).
        calendar_token_delete(user=current)
    user.is_active = False
    _forget(user, actor)
    return ended


def user_activate(*, actor: User, user: User, expected_fingerprint: str | None = None) -> None:
    """Let a deactivated account sign in again (never one's own: that would add rights)."""
    _require_administration(actor)
    if actor.pk == user.pk:
        _refuse(ACTIVE_FIELD, _("You cannot reactivate your own account."), "self_escalation")
    with transaction.atomic():
        _lock_accounts()
        current = _locked(user)
        check_fingerprint(current, expected_fingerprint)
        if not current.is_active:
            current.is_active = True
            current.save(update_fields=["is_active"])
    user.is_active = True
    forget_scope(user)


def sessions_end(user: User) -> int:
    """Delete the user's sessions from the session store; returns how many were ended.

    The session table has no user column, so the live sessions are decoded one by one (an
    office has a few hundred at most). Session engines without a table (cache, signed cookies)
    cannot be searched; there the next request of an inactive user is logged out all the same,
    because Django's ModelBackend refuses to load inactive users.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    ended = 0
    live = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store_class(session_key=session.session_key).delete()
            ended += 1
    return ended


# --- Rules -----------------------------------------------------------------------------------


def _require_administration(actor: User) -> None:
    if not is_administration(actor):
        raise PermissionDenied(_("Only Administration manages users and roles."))


def _lock_accounts() -> dict[str, Group]:
    """Lock the Administration group row (see the module docstring); returns the role groups."""
    groups = ensure_role_groups()
    Group.objects.select_for_update().get(pk=groups[GROUP_ADMINISTRATION].pk)
    return groups


def _locked(user: User) -> User:
    """The user's row as committed, locked, with its relations loaded."""
    return (
        User.objects.select_for_update(of=("self",))
        .prefetch_related("memberships", "headships", "groups")
        .get(pk=user.pk)
    )


def _is_administration_account(user: User) -> bool:
    return user.is_superuser or any(g.name == GROUP_ADMINISTRATION for g in user.groups.all())


def _is_last_administration(user: User) -> bool:
    """True if no other active account holds the Administration role."""
    if not user.is_active:
        return False
    others = (
        User.objects.filter(is_active=True)
        .filter(with_role(Role.ADMINISTRATION))
        .exclude(pk=user.pk)
    )
    return not others.exists()


def _removes_administration(user: User, held: Roles, wanted: Roles) -> bool:
    """A superuser keeps the role whatever its groups say."""
    return (
        not user.is_superuser
        and GROUP_ADMINISTRATION in held.groups
        and GROUP_ADMINISTRATION not in wanted.groups
    )


def _escalations(held: Roles, wanted: Roles) -> dict[str, ValidationError]:
    """Every role that ``wanted`` adds to ``held``, with the error refusing it."""
    messages = {}
    for team_id, role in wanted.teams.items():
        if team_id not in held.teams:
            messages[team_field(team_id)] = _(
                "You cannot add yourself to a team. Please ask another member of Administration."
            )
        elif role == Membership.Role.LEAD and held.teams[team_id] != Membership.Role.LEAD:
            messages[team_field(team_id)] = _(
                "You cannot make yourself team lead. Please ask another member of Administration."
            )
    if wanted.middle_areas - held.middle_areas:
        messages[MIDDLE_AREAS_FIELD] = _(
            "You cannot make yourself head of a Mittelbereich. Please ask another member of "
            "Administration."
        )
    for name in wanted.groups - held.groups:
        messages[GROUP_FIELDS[name]] = _(
            "You cannot give yourself the role “%(role)s”. Please ask another member of "
            "Administration."
        ) % {"role": ROLE_GROUPS[name].label}
    return {key: ValidationError(text, code="self_escalation") for key, text in messages.items()}


def _check_new_roles(*, held: Roles, wanted: Roles, errors=None) -> None:
    """Refuse a new membership in an inactive team; raise all collected errors at once."""
    errors = dict(errors or {})
    added = set(wanted.teams) - set(held.teams)
    for team in Team.objects.filter(pk__in=added, is_active=False):
        errors.setdefault(
            team_field(team.pk),
            ValidationError(
                _("The team “%(team)s” is inactive.") % {"team": team.name}, code="inactive_team"
            ),
        )
    unknown = wanted.middle_areas - set(MiddleArea.objects.values_list("pk", flat=True))
    if unknown:
        errors.setdefault(
            MIDDLE_AREAS_FIELD,
            ValidationError(_("Please choose existing Mittelbereiche."), code="unknown"),
        )
    if errors:
        raise ValidationError(errors)


def _is_staff(user: User, roles: Roles) -> bool:
    """The Django admin (master data) is for Administration: the staff flag follows the role."""
    return user.is_superuser or GROUP_ADMINISTRATION in roles.groups


def _save_personal_data(user: User, *, create: bool) -> None:
    taken = User.objects.filter(username__iexact=user.username).exclude(pk=user.pk)
    if taken.exists():
        _refuse("username", _("This username is already taken."), "unique")
    user.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # a savepoint, so the outer transaction survives a race
            if create:
                user.save()
            else:
                user.save(
                    update_fields=["username", "first_name", "last_name", "email", "is_staff"]
                )
    except IntegrityError as error:
        raise ValidationError(
            {"username": ValidationError(_("This username is already taken."), code="unique")}
        ) from error


def _apply_roles(user: User, *, held: Roles, wanted: Roles, groups: dict[str, Group]) -> None:
    """Row by row inserts, updates and deletes, so that each lands in the audit trail."""
    for team_id, role in wanted.teams.items():
        if team_id not in held.teams:
            Membership.objects.create(user=user, team_id=team_id, role=role)
        elif held.teams[team_id] != role:
            Membership.objects.filter(user=user, team_id=team_id).update(role=role)
    removed_teams = set(held.teams) - set(wanted.teams)
    Membership.objects.filter(user=user, team_id__in=removed_teams).delete()
    for area_id in wanted.middle_areas - held.middle_areas:
        Headship.objects.create(user=user, middle_area_id=area_id)
    removed_areas = held.middle_areas - wanted.middle_areas
    Headship.objects.filter(user=user, middle_area_id__in=removed_areas).delete()
    user.groups.add(*(groups[name] for name in wanted.groups - held.groups))
    user.groups.remove(*(groups[name] for name in held.groups - wanted.groups))


def _forget(user: User, actor: User) -> None:
    forget_scope(user)
    if actor.pk == user.pk:
        forget_scope(actor)


def _refuse(field_name: str, message: str, code: str):
    raise ValidationError({field_name: ValidationError(message, code=code)})
