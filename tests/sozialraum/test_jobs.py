"""Background jobs: starting, running, the job page, downloads, clean-up — in-process, and end
to end with a real worker process (`manage.py run_worker`) against the test database."""

import io
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from sozialraum.jobs.models import Job, JobState
from sozialraum.jobs.services import (
    UNEXPECTED_ERROR,
    JobHandle,
    job_run,
    job_start,
    jobs_delete_expired,
    progress_clamped,
)
from sozialraum.models import User

BASE_DIR = Path(settings.BASE_DIR)
GATED = "tests.job_runners.gated_csv"
# The runner raises JobError(_("Enter a valid date.")), which Django translates.
REFUSED_DE = "Bitte ein gültiges Datum eingeben."


@pytest.fixture
def owner(db):
    return User.objects.create_user("auftraggeberin", password="ein-langes-passwort")


@pytest.fixture
def stranger(db):
    return User.objects.create_user("fremd", password="ein-langes-passwort")


def finished_job(user, *, hours_ago=0, state=JobState.DONE, data=b"a;b\n1;2\n"):
    finished = timezone.now() - timedelta(hours=hours_ago)
    return Job.objects.create(
        user=user,
        title="Aktivitäten 2026 (CSV)",
        runner=GATED,
        state=state,
        progress_done=2,
        progress_total=2,
        result=data if state == JobState.DONE else None,
        result_filename="aktivitaeten-2026.csv" if state == JobState.DONE else "",
        result_content_type="text/csv; charset=utf-8",
        result_size=len(data) if state == JobState.DONE else 0,
        error="" if state == JobState.DONE else "Fehler",
        started_at=finished,
        finished_at=finished,
    )


def queue_entries(job):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, args->>'job_id' FROM procrastinate_jobs WHERE args->>'job_id' = %s",
            [str(job.pk)],
        )
        return cursor.fetchall()


# --- Starting a job ---------------------------------------------------------------------------


def test_job_start_records_and_queues_the_job(owner):
    job = job_start(user=owner, title="Export", runner=GATED, params={"rows": 3, "gate": "/x"})

    job.refresh_from_db()
    assert (job.state, job.user, job.params) == (JobState.QUEUED, owner, {"rows": 3, "gate": "/x"})
    assert queue_entries(job) == [("sozialraum.jobs.run_job", str(job.pk))]


@pytest.mark.parametrize(
    ("runner", "params"),
    [
        ("tests.job_runners.does_not_exist", {}),
        ("no.such.module", {}),
        (GATED, {"day": timezone.now()}),
        (GATED, {"job": 1}),
    ],
)
def test_job_start_refuses_unknown_runners_and_non_json_params(owner, runner, params):
    with pytest.raises(ValueError):
        job_start(user=owner, title="Export", runner=runner, params=params)

    assert Job.objects.count() == 0


# --- Running a job (in this process) ----------------------------------------------------------


def start_and_run(user, runner, **params):
    job = job_start(user=user, title="Test", runner=runner, params=params)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_job_run_stores_the_file_and_full_progress(owner, tmp_path):
    (tmp_path / "gate").touch()

    job = start_and_run(owner, GATED, rows=5, gate=str(tmp_path / "gate"))

    assert (job.state, job.progress_done, job.progress_total) == (JobState.DONE, 5, 5)
    assert bytes(job.result).decode().splitlines()[1] == "0;Zeile 0 – Größe"
    assert (job.result_filename, job.result_size) == ("zeilen.csv", len(job.result))
    assert job.started_at <= job.finished_at


def test_job_run_with_job_error_fails_with_its_german_message(owner):
    job = start_and_run(owner, "tests.job_runners.refusing")

    assert (job.state, job.error) == (JobState.FAILED, REFUSED_DE)
    assert job.result is None


def test_job_run_with_a_bug_fails_with_a_general_message_and_logs(owner, caplog):
    with caplog.at_level(logging.ERROR, logger="sozialraum.jobs.services"):
        job = start_and_run(owner, "tests.job_runners.crashing")

    with translation.override("de"):
        assert (job.state, job.error) == (JobState.FAILED, str(UNEXPECTED_ERROR))
    assert "a bug in the runner" in caplog.text


def test_job_run_without_a_file_is_done_without_download(owner):
    job = start_and_run(owner, "tests.job_runners.silent")

    assert (job.state, job.result, job.result_size) == (JobState.DONE, None, 0)


@pytest.mark.django_db(transaction=True)
def test_job_run_reports_from_inside_the_runners_transaction(owner):
    job = start_and_run(owner, "tests.job_runners.in_transaction")

    assert bytes(job.result) == b"(2, 4)"
    assert (job.state, job.progress_done, job.progress_total) == (JobState.DONE, 4, 4)


def test_job_run_leaves_a_finished_job_alone(owner):
    job = finished_job(owner, state=JobState.FAILED)

    job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "Fehler")


def test_job_run_of_a_deleted_job_does_nothing(db):
    job_run(job_id=uuid.uuid4())

    assert Job.objects.count() == 0


def test_progress_writes_at_most_once_per_interval(owner):
    job = finished_job(owner, state=JobState.FAILED)
    handle = JobHandle(job.pk)

    with CaptureQueriesContext(connection) as queries:
        for done in range(1000):
            handle.progress(done, 1000)

    assert len(queries) == 1


@given(done=st.integers(-(10**12), 10**12), total=st.integers(-(10**12), 10**12))
def test_progress_is_always_within_its_total(done, total):
    clamped_done, clamped_total = progress_clamped(done, total)

    assert 0 <= clamped_done <= clamped_total
    assert clamped_total == max(total, 0)


# --- Clean-up ---------------------------------------------------------------------------------


def test_jobs_delete_expired_deletes_only_finished_jobs_past_the_limit(owner):
    old_done = finished_job(owner, hours_ago=25)
    old_failed = finished_job(owner, hours_ago=25, state=JobState.FAILED)
    recent = finished_job(owner, hours_ago=23)
    queued = Job.objects.create(user=owner, title="läuft", runner=GATED)
    Job.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(days=3))

    deleted = jobs_delete_expired(hours=24)

    assert deleted == 2
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, queued.pk}
    assert not Job.objects.filter(pk__in=[old_done.pk, old_failed.pk]).exists()


def test_delete_expired_jobs_command_uses_the_setting(owner, settings):
    settings.JOB_RESULT_HOURS = 2
    finished_job(owner, hours_ago=3)
    kept = finished_job(owner, hours_ago=1)
    output = io.StringIO()

    call_command("delete_expired_jobs", stdout=output)

    assert list(Job.objects.values_list("pk", flat=True)) == [kept.pk]
    assert output.getvalue() == "Deleted 1 finished jobs older than 2 hours.\n"


# --- The job page and downloads ---------------------------------------------------------------


def test_job_list_shows_only_the_users_own_jobs(client_for, owner, stranger):
    mine = finished_job(owner)
    theirs = finished_job(stranger)

    response = client_for(owner).get(reverse("sozialraum:job_list"))

    assert [job.pk for job in response.context["jobs"]] == [mine.pk]
    assert f'id="job-{theirs.pk}"'.encode() not in response.content


def test_job_list_polls_while_a_job_is_active_and_stops_after(client_for, owner):
    client = client_for(owner)
    job = Job.objects.create(user=owner, title="läuft", runner=GATED, state=JobState.RUNNING)
    Job.objects.filter(pk=job.pk).update(progress_done=250, progress_total=1000)

    polling = client.get(reverse("sozialraum:job_list"), headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(state=JobState.DONE, finished_at=timezone.now())
    done = client.get(reverse("sozialraum:job_list"), headers={"HX-Request": "true"})

    page = polling.content.decode()
    assert page.startswith('\n<div id="job-table"') or page.lstrip().startswith(
        '<div id="job-table"'
    )
    assert 'data-hx-trigger="every 2s"' in page
    assert 'max="1000" value="250"' in page
    assert "25 %" in page
    assert "data-hx-trigger" not in done.content.decode()
    assert "<html" not in page


def test_job_list_shows_the_error_of_a_failed_job(client_for, owner):
    finished_job(owner, state=JobState.FAILED)

    response = client_for(owner).get(reverse("sozialraum:job_list"))

    assert '<p class="alert alert-danger mb-0 job-error" role="alert">Fehler</p>' in (
        response.content.decode()
    )


def test_job_list_query_count_is_constant_in_the_number_of_jobs(client_for, owner):
    client = client_for(owner)
    counts = []
    for total in (1, 3):
        while Job.objects.count() < total:
            finished_job(owner)
        client.get(reverse("sozialraum:job_list"))  # warm the session and the caches
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("sozialraum:job_list"))
        counts.append(len(queries))
        job_queries = [q["sql"] for q in queries if '"sozialraum_job"' in q["sql"]]
        assert len(job_queries) == 1
        assert '"sozialraum_job"."result"' not in job_queries[0]

    assert counts[0] == counts[1]


def test_job_list_needs_sign_in(client, db):
    response = client.get(reverse("sozialraum:job_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_job_download_gives_the_owner_the_file(client_for, owner):
    job = finished_job(owner, data="Größe;1\n".encode())

    response = client_for(owner).get(reverse("sozialraum:job_download", args=[job.pk]))

    assert response.content == "Größe;1\n".encode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aktivitaeten-2026.csv"'
    assert "no-store" in {part.strip() for part in response["Cache-Control"].split(",")}


def test_job_download_of_another_users_job_is_404(client_for, owner, stranger):
    job = finished_job(owner)

    response = client_for(stranger).get(reverse("sozialraum:job_download", args=[job.pk]))

    assert response.status_code == 404
    assert b"a;b" not in response.content


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING, JobState.FAILED])
def test_job_download_without_a_finished_file_is_404(client_for, owner, state):
    job = Job.objects.create(user=owner, title="x", runner=GATED, state=state)

    response = client_for(owner).get(reverse("sozialraum:job_download", args=[job.pk]))

    assert response.status_code == 404


def test_job_absolute_url_points_at_its_entry_on_the_job_page(owner):
    job = finished_job(owner)

    assert job.get_absolute_url() == f"/auftraege/#job-{job.pk}"


# --- With a real worker process ---------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def wait_for(condition, *, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def last_worker_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM procrastinate_workers")
        return cursor.fetchone()[0]


class Worker:
    """`manage.py run_worker` as a subprocess on the test database."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
        }
        env.pop("TEST_DB_NAME", None)
        before = last_worker_id()
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: last_worker_id() > before or self.process.poll() is not None,
            what="the worker to start",
        )
        assert self.process.poll() is None, self.log_path.read_text()
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def worker(transactional_db, tmp_path):
    workers = []

    def start():
        workers.append(Worker(tmp_path / "worker.log").start())
        return workers[-1]

    yield start
    for running in workers:
        running.stop()


def state_of(job):
    job.refresh_from_db()
    return job.state


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_job_with_progress_and_download(worker, client_for, owner, tmp_path):
    worker()
    gate = tmp_path / "gate"
    job = job_start(
        user=owner, title="Zeilen", runner=GATED, params={"rows": 30, "gate": str(gate)}
    )
    client = client_for(owner)

    wait_for(lambda: state_of(job) == JobState.RUNNING and job.progress_done == 10, what="progress")
    page = client.get(reverse("sozialraum:job_list")).content.decode()
    gate.touch()
    wait_for(lambda: state_of(job) == JobState.DONE, what="the job to finish")
    download = client.get(reverse("sozialraum:job_download", args=[job.pk]))

    assert 'max="30" value="10"' in page
    assert 'data-hx-trigger="every 2s"' in page
    assert download.content.decode().splitlines()[-1] == "29;Zeile 29 – Größe"
    assert (job.progress_done, job.progress_total) == (30, 30)


@pytest.mark.django_db(transaction=True)
def test_worker_fails_jobs_with_a_german_message(worker, client_for, owner):
    worker()

    refused = job_start(
        user=owner, title="Abgelehnt", runner="tests.job_runners.refusing", params={}
    )
    crashed = job_start(user=owner, title="Absturz", runner="tests.job_runners.crashing", params={})
    wait_for(
        lambda: state_of(refused) == JobState.FAILED and state_of(crashed) == JobState.FAILED,
        what="both jobs to fail",
    )
    page = client_for(owner).get(reverse("sozialraum:job_list")).content.decode()

    assert refused.error == REFUSED_DE
    with translation.override("de"):
        assert crashed.error == str(UNEXPECTED_ERROR)
    assert REFUSED_DE in page


@pytest.mark.django_db(transaction=True)
def test_worker_periodic_clean_up_deletes_old_results(worker, owner):
    from sozialraum.jobs.tasks import delete_expired_jobs

    old = finished_job(owner, hours_ago=settings.JOB_RESULT_HOURS + 1)
    recent = finished_job(owner, hours_ago=1)
    worker()

    delete_expired_jobs.defer(timestamp=int(time.time()))

    wait_for(lambda: not Job.objects.filter(pk=old.pk).exists(), what="the clean-up")
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db(transaction=True)
def test_jobs_survive_a_worker_restart(worker, owner, tmp_path):
    gate = tmp_path / "gate"
    waiting = job_start(
        user=owner, title="Wartet", runner=GATED, params={"rows": 3, "gate": str(gate)}
    )
    first = worker()
    wait_for(lambda: state_of(waiting) == JobState.RUNNING, what="the job to start")

    # The worker dies mid-job (power cut, OOM kill) and sends no more heartbeats.
    first.stop(signal.SIGKILL)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"
        )
    gate.touch()
    worker()

    wait_for(lambda: state_of(waiting) == JobState.DONE, what="the job to run again")
    assert bytes(Job.objects.get(pk=waiting.pk).result).startswith(b"Nummer;Name")


def test_recover_retries_nothing_when_no_worker_died(db):
    from sozialraum.management.commands.run_worker import recover

    assert async_to_sync(recover)() == 0
