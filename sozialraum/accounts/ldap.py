"""Signing in with the office's directory over LDAP (Active Directory or OpenLDAP).

Built on the pure-Python ``ldap3`` (installs from a wheel) behind a thin backend of our own:
django-python3-ldap binds *as the user* with a DN formatted from the typed name, so it can
neither find a person by user name *or* e-mail/UPN under a service account, nor resolve
nested groups, nor tell "directory unreachable" from "wrong password".

How a sign-in goes (``DirectoryBackend``): the service account finds the person by any of the
login attributes (``uid``/``sAMAccountName`` or ``mail``/``userPrincipalName``); a person the
directory marks as disabled is refused (and the account deactivated); the person's own bind
checks the password; then the account is created or updated (name and e-mail from the
directory, an unusable local password) and its roles follow the directory groups
(``sozialraum.accounts.group_roles``). A periodic job deactivates accounts whose person the
directory disabled or deleted and ends their sessions.

Everything is configured in settings (``LDAP_*``, from ``DJANGO_LDAP_*``); with no
``LDAP_URL`` the directory is off.
"""

import contextlib
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import ldap3
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from procrastinate.contrib.django import app

from sozialraum.accounts import group_roles, local
from sozialraum.calendar_tokens import calendar_token_delete
from sozialraum.models import DirectoryAccount, User
from sozialraum.permissions import forget_scope, is_administration

logger = logging.getLogger(__name__)

NESTED_NONE, NESTED_WALK, NESTED_AD = "none", "walk", "ad"
# Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through any depth of nesting.
AD_IN_CHAIN = "1.2.840.113556.1.4.1941"
# Walking nested groups stops after this many levels (a cycle stops earlier: seen groups).
MAX_NESTING = 20
# Member DNs per query while walking (keeps the filter short).
WALK_CHUNK = 50
LOCAL_ALL, LOCAL_ADMINISTRATION, LOCAL_NONE = "all", "administration", "none"
SUCCESS, NO_SUCH_OBJECT = 0, 32


class DirectoryUnavailable(Exception):  # noqa: N818 - a state of the world, not a bug
    """The directory cannot be reached, or refused the service account."""


@dataclass(frozen=True)
class Person:
    """A person as the directory describes them."""

    dn: str
    username: str
    first_name: str
    last_name: str
    email: str


def is_configured() -> bool:
    return bool(settings.LDAP_URL)


# --- Talking to the directory ----------------------------------------------------------------


def _server() -> ldap3.Server:
    url = settings.LDAP_URL
    tls = None
    if settings.LDAP_START_TLS or settings.LDAP_CA_FILE or url.lower().startswith("ldaps:"):
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=settings.LDAP_CA_FILE or None,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return ldap3.Server(url, get_info=ldap3.NONE, tls=tls, connect_timeout=settings.LDAP_TIMEOUT)


def _open(user: str | None, password: str | None) -> ldap3.Connection:
    """An open (StartTLS'd where configured) but not yet bound connection."""
    connection = ldap3.Connection(
        _server(),
        user=user,
        password=password,
        read_only=True,
        auto_referrals=False,
        receive_timeout=settings.LDAP_TIMEOUT,
        raise_exceptions=False,
    )
    try:
        connection.open()
        if settings.LDAP_START_TLS and not connection.start_tls():
            raise DirectoryUnavailable(f"StartTLS refused: {connection.result}")
    except (LDAPException, DirectoryUnavailable) as error:
        _close(connection)
        raise DirectoryUnavailable(str(error)) from error
    return connection


def _close(connection: ldap3.Connection) -> None:
    """Unbind and close, also after a failed connect or StartTLS (where ldap3 can neither
    send the unbind nor closes the socket itself)."""
    with contextlib.suppress(LDAPException, OSError):
        connection.unbind()
    if connection.socket is not None:
        connection.socket.close()


@contextmanager
def service_connection() -> Iterator[ldap3.Connection]:
    """A connection bound as the service account (anonymous without ``LDAP_BIND_DN``)."""
    connection = _open(settings.LDAP_BIND_DN or None, settings.LDAP_BIND_PASSWORD or None)
    try:
        if not connection.bind():
            raise DirectoryUnavailable(f"the service account was refused: {connection.result}")
        yield connection
    except LDAPException as error:
        raise DirectoryUnavailable(str(error)) from error
    finally:
        _close(connection)


def password_accepted(dn: str, password: str) -> bool:
    """Whether the directory accepts ``password`` for ``dn`` (the person's own bind)."""
    if not password:
        return False  # an empty password would be an anonymous bind, which "succeeds"
    connection = _open(dn, password)
    try:
        return bool(connection.bind())
    except LDAPException as error:
        raise DirectoryUnavailable(str(error)) from error
    finally:
        _close(connection)


def _search(connection, base: str, search_filter: str, *, attributes=(), scope=ldap3.SUBTREE):
    """The entries found (dn, attributes); an answer other than success (or no such object
    under a base scope) means the directory could not answer."""
    connection.search(
        base, search_filter, scope, attributes=list(attributes) or ldap3.NO_ATTRIBUTES
    )
    code = connection.result.get("result")
    if code == NO_SUCH_OBJECT and scope == ldap3.BASE:
        return []
    if code != SUCCESS:
        raise DirectoryUnavailable(f"search under {base} failed: {connection.result}")
    return [
        (entry["dn"], entry.get("attributes", {}))
        for entry in connection.response
        if entry.get("type") == "searchResEntry"
    ]


def _value(attributes, name: str) -> str:
    value = attributes.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _person_filter(attributes: list[str], value: str) -> str:
    matches = "".join(f"({name}={escape_filter_chars(value)})" for name in attributes)
    return f"(&{settings.LDAP_USER_FILTER}(|{matches}))"


def find_person(connection, login: str, *, attributes: list[str] | None = None) -> Person | None:
    """The one person whose login attributes (default ``LDAP_LOGIN_ATTRIBUTES``) hold
    ``login``; None if there is none, or more than one."""
    wanted = [
        settings.LDAP_USERNAME_ATTRIBUTE,
        settings.LDAP_FIRST_NAME_ATTRIBUTE,
        settings.LDAP_LAST_NAME_ATTRIBUTE,
        settings.LDAP_EMAIL_ATTRIBUTE,
    ]
    entries = _search(
        connection,
        settings.LDAP_USER_BASE,
        _person_filter(attributes or settings.LDAP_LOGIN_ATTRIBUTES, login),
        attributes=wanted,
    )
    if len(entries) != 1:
        if entries:
            logger.warning("%d directory entries match the login %r", len(entries), login)
        return None
    dn, values = entries[0]
    return Person(
        dn=dn,
        username=_value(values, settings.LDAP_USERNAME_ATTRIBUTE).lower(),
        first_name=_value(values, settings.LDAP_FIRST_NAME_ATTRIBUTE)[:150],
        last_name=_value(values, settings.LDAP_LAST_NAME_ATTRIBUTE)[:150],
        email=_value(values, settings.LDAP_EMAIL_ATTRIBUTE)[:254],
    )


def is_disabled(connection, dn: str) -> bool:
    """Whether the entry ``dn`` (just found by ``find_person``: a gone person is None there)
    matches ``LDAP_DISABLED_FILTER`` (AD: userAccountControl bit 2; OpenLDAP: e.g.
    pwdAccountLockedTime, or a marker attribute)."""
    disabled_filter = settings.LDAP_DISABLED_FILTER
    return bool(disabled_filter) and bool(
        _search(connection, dn, disabled_filter, scope=ldap3.BASE)
    )


def group_dns(connection, dn: str) -> frozenset[str]:
    """The (normalised) DNs of the groups ``dn`` belongs to, nested groups included as
    ``LDAP_NESTED`` says: ``ad`` asks Active Directory for the whole chain in one query,
    ``walk`` follows the member attribute upwards level by level, ``none`` only direct ones."""
    if not settings.LDAP_GROUP_BASE:
        return frozenset()
    member = settings.LDAP_GROUP_MEMBER_ATTRIBUTE
    if settings.LDAP_NESTED == NESTED_AD:
        found = _groups_with(connection, f"({member}:{AD_IN_CHAIN}:={escape_filter_chars(dn)})")
        return frozenset(_normalised(found))
    found, frontier = set(), {dn}
    for _level in range(MAX_NESTING if settings.LDAP_NESTED == NESTED_WALK else 1):
        new = set()
        chunk = sorted(frontier)
        for start in range(0, len(chunk), WALK_CHUNK):
            members = "".join(
                f"({member}={escape_filter_chars(d)})" for d in chunk[start : start + WALK_CHUNK]
            )
            new |= set(_groups_with(connection, f"(|{members})"))
        frontier = new - found
        found |= new
        if not frontier:
            break
    return frozenset(_normalised(found))


def _groups_with(connection, member_filter: str) -> list[str]:
    search_filter = f"(&{settings.LDAP_GROUP_FILTER}{member_filter})"
    return [dn for dn, _attributes in _search(connection, settings.LDAP_GROUP_BASE, search_filter)]


def _normalised(dns) -> set[str]:
    return {group_roles.normalise_dn(dn) for dn in dns}


# --- Accounts --------------------------------------------------------------------------------


def directory_user(username: str) -> User | None:
    return User.objects.filter(username__iexact=username, directory_account__isnull=False).first()


def person_sync(person: Person, groups: frozenset[str]) -> User | None:
    """Create or update the account of ``person``: name, e-mail and roles from the directory.

    A local account with the same user name is never taken over (it may be the break-glass
    Administration): the sign-in is refused and the clash logged."""
    user = directory_user(person.username)
    if user is None and User.objects.filter(username__iexact=person.username).exists():
        logger.warning("Directory sign-in of %r refused: a local account has this name", person)
        return None
    try:
        with transaction.atomic():
            user = _save_person(user, person)
            DirectoryAccount.objects.update_or_create(
                user=user,
                defaults={
                    "dn": person.dn[:500],
                    "groups": sorted(groups),
                    "synced_at": timezone.now(),
                    "disabled_by_directory": False,
                },
            )
    except IntegrityError:  # the same person's first sign-in twice at once
        logger.warning("Directory sign-in of %r raced another one", person)
        return None
    group_roles.directory_roles_apply(user=user, groups=groups)
    return user


def _save_person(user: User | None, person: Person) -> User:
    """Name and e-mail as the directory has them; written only when they changed."""
    data = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email}
    if user is None:
        user = User(username=person.username[:150], **data)
        user.set_unusable_password()
        user.save()
        return user
    changed = [name for name, value in data.items() if getattr(user, name) != value]
    if not user.is_active and user.directory_account.disabled_by_directory:
        user.is_active = True  # the directory enabled the person again
        changed.append("is_active")
    for name in changed:
        setattr(user, name, data.get(name, True))
    if changed:
        user.save(update_fields=changed)
    return user


def directory_account_disable(user: User) -> int:
    """Deactivate an account whose person the directory disabled or deleted and end its
    sessions; returns how many sessions ended.

    Decision: unlike ``local.user_deactivate`` nothing is handed over automatically (a job
    cannot decide to whom): the account keeps its roles and holdings, so Administration can
    hand them over on the user page; ``disabled_by_directory`` lets a sign-in reactivate the
    account once the directory enables the person again."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        DirectoryAccount.objects.filter(user=user).update(disabled_by_directory=True)
        calendar_token_delete(user=user)
    user.is_active = False
    forget_scope(user)
    return local.sessions_end(user)


def directory_accounts_check() -> int:
    """The periodic check: deactivate every active directory account whose person the
    directory no longer has or disabled; returns how many. An unreachable directory raises
    ``DirectoryUnavailable`` and changes nothing."""
    if not is_configured():
        return 0
    # Accounts of the OpenID provider (sozialraum.accounts.oidc, "oidc:<sub>") are not the
    # directory's to judge: their user name need not match a directory attribute.
    accounts = User.objects.filter(is_active=True, directory_account__isnull=False).exclude(
        directory_account__dn__startswith="oidc:"
    )
    gone = []
    with service_connection() as connection:
        for user in accounts.order_by("pk"):
            person = find_person(
                connection, user.username, attributes=[settings.LDAP_USERNAME_ATTRIBUTE]
            )
            if person is None or is_disabled(connection, person.dn):
                gone.append(user)
    for user in gone:
        ended = directory_account_disable(user)
        logger.info("Directory account %s deactivated, %d sessions ended", user.username, ended)
    return len(gone)


@app.periodic(cron="*/15 * * * *", periodic_id="directory_check")
@app.task(name="sozialraum.accounts.directory_check", queueing_lock="directory_check")
def directory_check(timestamp: int) -> None:
    directory_accounts_check()


# --- The authentication backend --------------------------------------------------------------


def sign_in(username: str, password: str) -> User | None:
    """The account of the person who signs in with ``username`` (user name, e-mail or UPN) and
    ``password``, or None. A disabled person's account is deactivated on the way."""
    with service_connection() as connection:
        person = find_person(connection, username)
        if person is None:
            return None
        if is_disabled(connection, person.dn):
            known = directory_user(person.username)
            if known is not None and known.is_active:
                directory_account_disable(known)
            return None
        if not password_accepted(person.dn, password):
            return None
        groups = group_dns(connection, person.dn)
    return person_sync(person, groups)


class DirectoryBackend(ModelBackend):
    """First the directory, then the rule for local sign-in (``LOCAL_LOGIN``): a name the
    rule excludes is refused here (``PermissionDenied`` stops the backends after this one, and
    django-axes counts the failure). Sessions are loaded as by Django's ModelBackend, which
    refuses inactive accounts."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        if is_configured() and password:
            try:
                user = sign_in(username, password)
            except DirectoryUnavailable as error:
                logger.error("Directory unavailable: %s", error)
                if request is not None:
                    request.directory_unavailable = True
                user = None
            if user is not None and self.user_can_authenticate(user):
                return user
        if not local_sign_in_allowed(username):
            raise PermissionDenied
        return None


def local_sign_in_allowed(username: str) -> bool:
    """Whether ``username`` may sign in with a local password: never a directory account
    while the directory is configured; otherwise as ``LOCAL_LOGIN`` says (all, administration
    only, none)."""
    if settings.LOCAL_LOGIN == LOCAL_NONE:
        return False
    if settings.LOCAL_LOGIN == LOCAL_ALL and not is_configured():
        return True  # the default without a directory: as before, without a query
    user = User.objects.filter(username=username).select_related("directory_account").first()
    if user is None:
        return True  # Django's backend fails it anyway, at the same cost as for a known name
    if password_kept_by_directory(user):
        return False
    return settings.LOCAL_LOGIN == LOCAL_ALL or is_administration(user)


def password_kept_by_directory(user: User) -> bool:
    """Whether the account signs in with the directory's password only (a local password set
    for it would never be accepted)."""
    return is_configured() and hasattr(user, "directory_account")
