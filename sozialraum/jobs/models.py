"""A background job as the user sees it: what it is, how far it got, and its result file.

procrastinate keeps its own queue table (``procrastinate_jobs``) for the worker; this row is
the user's side of it and outlives the queue entry until the clean-up deletes it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
FINISHED_STATES = (JobState.DONE, JobState.FAILED)


class Job(models.Model):
    """Hintergrundauftrag: one run of a runner function for one user.

    The result file lives in the database (``result``), not on a disk: app servers are
    stateless, and any of them must be able to hand it out.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("user"),
    )
    title = models.CharField(_("title"), max_length=200)
    runner = models.CharField(_("runner"), max_length=200, editable=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    progress_done = models.PositiveBigIntegerField(_("done"), default=0)
    progress_total = models.PositiveBigIntegerField(_("total"), default=0)
    result = models.BinaryField(_("result"), null=True, editable=False)
    result_filename = models.CharField(_("file name"), max_length=200, blank=True)
    result_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(_("file size"), default=0)
    error = models.TextField(_("error message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        app_label = "sozialraum"
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_created_idx"),
            models.Index(fields=["finished_at"], name="job_finished_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid"),
            models.CheckConstraint(
                condition=Q(progress_done__lte=F("progress_total")), name="job_progress_in_total"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{reverse('sozialraum:job_list')}#job-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return self.progress_done * 100 // self.progress_total
