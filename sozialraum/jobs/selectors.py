"""Reads of background jobs: a user sees only their own."""

from django.db.models import QuerySet

from sozialraum.jobs.models import Job

# The page lists the most recent jobs; older ones are deleted by the clean-up anyway.
LIST_LIMIT = 50


def jobs_of(user) -> QuerySet[Job]:
    """The user's jobs, newest first, without the result files and parameters."""
    return Job.objects.filter(user=user).defer("result", "params", "runner")


def job_result_of(user, pk) -> QuerySet[Job]:
    """The user's finished job ``pk`` with its file (empty when there is none)."""
    return Job.objects.filter(user=user, pk=pk, state="done", result__isnull=False)
