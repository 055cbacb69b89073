"""Small reads of the district's structure, kept in memory.

Every list page offers the Mittelbereiche, the teams and the municipalities in its filter panel,
and every page asks whether the example assignment is still in use. These rows change a few times
a year, so a page should not pay a round trip for each of them (issue 11: "a filter panel that
does not render hundreds of options on every view … or lists cached per scope").

The key is the SQL of the read itself (or an exact key that names what the read depends on), so a
user's scope (which teams, which date) is part of it. A write to a structure model empties the
cache of the process that wrote, at once and again when the transaction commits. Other processes
learn of it from the structure version (migration ``sozialraum.0010``: every statement that writes
a structure table raises it, raw SQL included), which each process reads at most once per
``STRUCTURE_VERSION_CHECK_SECONDS`` (1 by default): a change reaches every page within a second.
Entries are dropped after ``STRUCTURE_CACHE_SECONDS`` at the latest (600 by default; 0 turns the
cache off).
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from sozialraum.models import Assignment, Headship, Membership, MiddleArea, Municipality, Team

STRUCTURE_MODELS: tuple[type[Model], ...] = (Assignment, MiddleArea, Municipality, Team)

MAX_ENTRIES = 2000

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, object]] = {}


# The structure version last seen, when it was read, and how often the cache was emptied: a value
# computed while the cache was emptied (it may have read the rows before the write) is not kept.
_version = {"seen": None, "checked": float("-inf"), "emptied": 0}


def remember(key: tuple, compute: Callable[[], object]) -> object:
    """The value stored under ``key``, computed (and kept) when missing or expired."""
    seconds = getattr(settings, "STRUCTURE_CACHE_SECONDS", 600)
    if seconds <= 0 or _written_in_this_transaction():
        return compute()
    now = time.monotonic()
    _check_version(now)
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    emptied = _version["emptied"]
    value = compute()
    with _lock:
        if _version["emptied"] != emptied:
            return value
        if len(_entries) >= MAX_ENTRIES:  # keys differ by scope and date: keep it bounded
            _entries.clear()
        _entries[key] = (now + seconds, value)
    return value


def _empty() -> None:
    """Empty the cache; the caller holds ``_lock``."""
    _entries.clear()
    _version["emptied"] += 1


def _check_version(now: float) -> None:
    """Empty the cache when another process has written structure since it was filled."""
    if now - _version["checked"] < getattr(settings, "STRUCTURE_VERSION_CHECK_SECONDS", 1):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM sozialraum_structure_version WHERE id = 1")
        row = cursor.fetchone()
    version = row[0] if row else None
    with _lock:
        if version != _version["seen"]:
            _empty()
            _version["seen"] = version
        _version["checked"] = now


def rows_of(
    queryset: QuerySet, row: Callable[[Model], object], *, key: str = "", exact: tuple = ()
) -> list:
    """``[row(obj) for obj in queryset]`` for a queryset of a structure model, cached by its SQL.

    ``exact``, when given, names everything the queryset depends on (e.g. ``("teams-all",)``
    or a field, a user and a day): it is the key instead of the SQL, which then is never
    compiled (compiling costs about as much as the query on a list page)."""
    if queryset.model not in STRUCTURE_MODELS:
        return [row(obj) for obj in queryset]
    if exact:
        return remember(("exact", *exact), lambda: [row(obj) for obj in queryset])
    try:
        sql = str(queryset.query)
    except EmptyResultSet:
        return []
    return remember(("rows", key, sql), lambda: [row(obj) for obj in queryset])


def forget(**_kwargs) -> None:
    """Empty the cache now and again when the current transaction commits. Until the
    transaction ends, reads in it are not kept: they see rows that a rollback may undo."""
    with _lock:
        _empty()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        connection.structure_written = True
        transaction.on_commit(clear)


def _written_in_this_transaction() -> bool:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        connection.structure_written = False  # a transaction that wrote has ended
    return getattr(connection, "structure_written", False)


def clear() -> None:
    """Empty the cache (after a commit that wrote structure; tests between tests)."""
    with _lock:
        _empty()
        _version["checked"] = float("-inf")


def connect_signals() -> None:
    """Called from ``SozialraumConfig.ready``."""
    for model in (*STRUCTURE_MODELS, Headship, Membership):
        post_save.connect(forget, sender=model, dispatch_uid=f"structure-cache-save-{model}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"structure-cache-delete-{model}")
    for model in STRUCTURE_MODELS:
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                forget,
                sender=field.remote_field.through,
                dispatch_uid=f"structure-cache-m2m-{field.remote_field.through}",
            )
