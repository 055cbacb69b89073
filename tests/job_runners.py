"""Runners for the background-job tests: the worker process imports them by dotted path."""

import time
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext_lazy as _

from sozialraum.jobs.services import JobError

GATE_TIMEOUT = 60


def gated_csv(*, job, rows: int, gate: str):
    """Report a third of the rows done, wait until the file ``gate`` exists, then finish."""
    job.progress(rows // 3, rows)
    deadline = time.monotonic() + GATE_TIMEOUT
    while not Path(gate).exists():
        if time.monotonic() > deadline:
            raise JobError("gate never opened")
        time.sleep(0.05)
    lines = ["Nummer;Name"] + [f"{number};Zeile {number} – Größe" for number in range(rows)]
    for number in range(rows):
        job.progress(number + 1, rows)
    job.finish(
        filename="zeilen.csv",
        content_type="text/csv; charset=utf-8",
        data="\n".join(lines).encode(),
    )


def refusing(*, job):
    job.progress(1, 4)
    raise JobError(_("Enter a valid date."))


def crashing(*, job):
    raise RuntimeError("a bug in the runner")


def silent(*, job):
    """Finishes without a file."""


def in_transaction(*, job):
    """Reports and finishes inside a transaction of its own; the file holds the progress that
    another connection saw meanwhile."""
    with transaction.atomic():
        job.progress(2, 4)
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done, progress_total FROM sozialraum_job WHERE id = %s",
                    [job.job_id],
                )
                seen = cursor.fetchone()
        finally:
            other.close()
        job.finish(filename="seen.txt", content_type="text/plain", data=f"{seen}".encode())
