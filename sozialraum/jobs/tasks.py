"""The worker's tasks (procrastinate). ``run_job`` runs a user's job; two periodic tasks keep
the queue healthy: jobs of a worker that died are run again, and old results are deleted."""

import logging
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate.contrib.django import app

from sozialraum.jobs import services
from sozialraum.reminders import export_ready_notify

logger = logging.getLogger(__name__)


@app.task(name="sozialraum.jobs.run_job")
def run_job(job_id: str) -> None:
    services.job_run(job_id=UUID(job_id))
    # "Your export is ready" by mail, when the job left a file (sozialraum.reminders).
    export_ready_notify(UUID(job_id))


async def retry_stalled() -> int:
    """Queue again the jobs of workers that stopped sending heartbeats (killed, host lost)."""
    stalled = list(await app.job_manager.get_stalled_jobs())
    for job in stalled:
        logger.warning("Retrying job %s (%s): its worker is gone", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


async def delete_expired(hours: int | None = None) -> int:
    """Delete the finished jobs, with their files, and the queue's own finished entries."""
    hours = settings.JOB_RESULT_HOURS if hours is None else hours
    deleted = await sync_to_async(services.jobs_delete_expired)(hours=hours)
    await app.job_manager.delete_old_jobs(
        nb_hours=hours, include_failed=True, include_cancelled=True, include_aborted=True
    )
    return deleted


@app.periodic(cron="* * * * *", periodic_id="retry_stalled")
@app.task(name="sozialraum.jobs.retry_stalled_jobs", queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(timestamp: int) -> None:
    await retry_stalled()


@app.periodic(cron="*/10 * * * *", periodic_id="delete_expired")
@app.task(name="sozialraum.jobs.delete_expired_jobs", queueing_lock="delete_expired_jobs")
async def delete_expired_jobs(timestamp: int) -> None:
    await delete_expired()
