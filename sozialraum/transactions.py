"""Retrying a transaction that PostgreSQL aborted to resolve a deadlock or a serialisation
conflict.

Such an abort is not an error of the request: the same work, run again, normally succeeds. The
retry is only possible around a whole transaction, so ``retry_on_deadlock`` runs its function in
a fresh ``transaction.atomic()`` and refuses to retry inside an outer atomic block (there the
outer transaction is already aborted; the error is raised for the outer level to handle).
"""

import logging
import random
import time

import psycopg.errors
import psycopg2.errors
from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

# Django uses psycopg 3 when it is installed (procrastinate needs it), psycopg2 otherwise.
RETRYABLE = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
    psycopg2.errors.SerializationFailure,
)


def is_retryable(error: BaseException) -> bool:
    """Whether ``error`` (as Django raises it) is a deadlock or serialisation failure."""
    return isinstance(error, OperationalError) and isinstance(error.__cause__, RETRYABLE)


def retry_on_deadlock(func, attempts: int = 3, *args, **kwargs):
    """Call ``func(*args, **kwargs)`` in its own transaction; when PostgreSQL aborts it with a
    deadlock or serialisation failure, roll back and call it again, at most ``attempts`` times
    in all, after a short random pause. Inside an outer atomic block it runs once, without
    retries."""
    if connection.in_atomic_block:
        return func(*args, **kwargs)
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as error:
            if not is_retryable(error) or attempt == attempts:
                raise
            logger.info("Transaction retried after %s (attempt %s)", type(error.__cause__), attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")  # pragma: no cover
