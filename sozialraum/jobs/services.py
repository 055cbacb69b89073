"""Starting and running background jobs, and deleting old results.

A runner is a plain function ``runner(*, job: JobHandle, **params)`` named by its dotted path.
It reports progress with ``job.progress(done, total)`` and hands over its file with
``job.finish(filename=..., content_type=..., data=...)``. ``raise JobError(message)`` ends the
job with that message for the user; any other exception ends it with a general message (the
traceback goes to the log).
"""

import json
import logging
import time
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.db.models.sql.constants import ROW_COUNT
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from sozialraum.jobs.models import FINISHED_STATES, Job, JobState

logger = logging.getLogger(__name__)

UNEXPECTED_ERROR = _(
    "The job stopped because of an unexpected error. Please start it again; if it fails "
    "again, please tell the administration."
)


class JobError(Exception):
    """Ends a job as failed with ``message`` (translatable) shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def progress_clamped(done: int, total: int) -> tuple[int, int]:
    """A runner's report made to fit the page: 0 <= done <= total."""
    total = max(int(total), 0)
    return min(max(int(done), 0), total), total


class JobHandle:
    """What a runner gets as ``job``: progress reports and the hand-over of the result.

    A runner may hold a transaction of its own (a consistent snapshot for an export). Its
    writes would only show at its commit, and a progress row updated beside it could not be
    updated inside it again: inside the runner's transaction the handle writes through a
    connection of its own.
    """

    # Runners may report after every row: the database sees at most one write per interval.
    PROGRESS_INTERVAL = 0.5

    def __init__(self, job_id: UUID):
        self.job_id = job_id
        self.finished = False
        self._last_write: float | None = None
        self._side_connection = None
        self._outer_depth = len(connection.atomic_blocks)

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.finished or (
            self._last_write is not None and now - self._last_write < self.PROGRESS_INTERVAL
        ):
            return
        self._last_write = now
        done, total = progress_clamped(done, total)
        self._update(progress_done=done, progress_total=total)

    def finish(self, *, filename: str, content_type: str, data: bytes) -> None:
        self._update(
            state=JobState.DONE,
            result=bytes(data),
            result_filename=filename[:200],
            result_content_type=content_type[:100],
            result_size=len(data),
            progress_done=F("progress_total"),
            finished_at=timezone.now(),
        )
        self.finished = True

    def close(self) -> None:
        if self._side_connection is not None:
            self._side_connection.close()
            self._side_connection = None

    def _update(self, **values) -> None:
        rows = Job.objects.filter(pk=self.job_id)
        if len(connection.atomic_blocks) <= self._outer_depth:
            rows.update(**values)
            return
        if self._side_connection is None:
            self._side_connection = connections.create_connection(DEFAULT_DB_ALIAS)
        query = rows.query.chain(UpdateQuery)
        query.add_update_values(values)
        query.get_compiler(connection=self._side_connection).execute_sql(ROW_COUNT)


def _check_runner(runner: str) -> None:
    try:
        function = import_string(runner)
    except ImportError as error:
        raise ValueError(f"No runner at {runner!r}") from error
    if not callable(function):
        raise ValueError(f"Runner {runner!r} is not callable")


def _check_params(params: dict) -> None:
    # The parameters are stored as JSON: a date or a model instance would come back to the
    # runner as something else, so they are refused here, where the caller sees it.
    if "job" in params:
        raise ValueError("'job' is the name of the handle, not a parameter")
    try:
        json.dumps(params)
    except TypeError as error:
        raise ValueError(f"Job parameters must be JSON values: {error}") from error


def job_start(*, user, title: str, runner: str, params: dict) -> Job:
    """Record a job for ``user`` and queue it for the worker, in one transaction: the worker
    sees the job only once it is committed."""
    from sozialraum.jobs.tasks import run_job

    _check_runner(runner)
    _check_params(params)
    job = Job(user=user, title=title[:200], runner=runner, params=params)
    job.full_clean()
    with transaction.atomic():
        job.save()
        run_job.defer(job_id=str(job.pk))
    return job


def _job_fail(job_id: UUID, message: str) -> None:
    # A runner's error may have left the connection unusable (server gone, network): a new
    # one is opened then.
    if not connection.in_atomic_block and connection.errors_occurred and not connection.is_usable():
        connection.close()
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, error=message, finished_at=timezone.now()
    )


def job_run(*, job_id: UUID) -> None:
    """Run one job in the worker. A job that was interrupted (its worker died) runs again from
    the start; a finished or deleted one is left alone."""
    job = Job.objects.only("id", "runner", "params", "state").filter(pk=job_id).first()
    if job is None or job.state in FINISHED_STATES:
        return
    Job.objects.filter(pk=job_id).update(
        state=JobState.RUNNING,
        started_at=timezone.now(),
        progress_done=0,
        progress_total=0,
        error="",
    )
    handle = JobHandle(job.pk)
    # The worker serves everyone: files and messages are in the office's language.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            import_string(job.runner)(job=handle, **job.params)
        except JobError as error:
            _job_fail(job.pk, str(error.message))
            return
        except Exception:
            logger.exception("Background job %s (%s) failed", job.pk, job.runner)
            _job_fail(job.pk, str(UNEXPECTED_ERROR))
            return
        finally:
            handle.close()
    if not handle.finished:
        Job.objects.filter(pk=job.pk).update(
            state=JobState.DONE, progress_done=F("progress_total"), finished_at=timezone.now()
        )


def jobs_delete_expired(*, now=None, hours: int | None = None) -> int:
    """Delete finished jobs (with their files) older than ``hours`` (DJANGO_JOB_RESULT_HOURS)."""
    now = now or timezone.now()
    hours = settings.JOB_RESULT_HOURS if hours is None else hours
    deleted, _by_model = Job.objects.filter(
        state__in=FINISHED_STATES, finished_at__lt=now - timedelta(hours=hours)
    ).delete()
    return deleted
