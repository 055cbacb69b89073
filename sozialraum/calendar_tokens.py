"""The secret of a user's personal calendar feed: create or renew it, delete it, check it.

The feed's address carries the user's id and the secret; the database keeps only the secret's
hash (``CalendarToken``), so the address can be shown once and never again. Checking compares
the hashes in constant time, and a deactivated user's feed stops like a deleted one.
"""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from sozialraum.models import CalendarToken, User

# 32 random bytes, URL-safe: 43 characters.
SECRET_BYTES = 32


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_token_renew(*, user: User) -> str:
    """Create the user's feed secret, or replace it (the old address stops at once). Returns the
    new secret: the only moment it exists outside the address the user copies."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        CalendarToken.objects.update_or_create(
            user=user, defaults={"token_hash": token_hash(secret), "created": timezone.now()}
        )
    return secret


def calendar_token_delete(*, user: User) -> None:
    CalendarToken.objects.filter(user=user).delete()


def calendar_token_of(user: User) -> CalendarToken | None:
    return CalendarToken.objects.filter(user=user).first()


def calendar_token_user(user_id: int, secret: str) -> User | None:
    """The active user whose feed secret this is, or None (unknown, renewed, deleted, or the
    user deactivated). One query."""
    token = CalendarToken.objects.filter(user_id=user_id).select_related("user").first()
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.token_hash, token_hash(secret)):
        return None
    return token.user
