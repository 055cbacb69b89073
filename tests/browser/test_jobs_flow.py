"""The job page in a real browser: a Fachkraft opens it from the user menu, watches a running
export move on without reloading (htmx polling), downloads the finished file and reads why
another job failed."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sozialraum.jobs.models import Job, JobState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = "Datum;Gemeinde\n01.12.2026;Backnang-Süd\n".encode()


@pytest.fixture
def jobs(fachkraft, teamleitung):
    running = Job.objects.create(
        user=fachkraft,
        title="Aktivitäten 2026 (Excel)",
        runner="tests.job_runners.silent",
        state=JobState.RUNNING,
        started_at=timezone.now(),
    )
    Job.objects.filter(pk=running.pk).update(progress_done=1000, progress_total=4000)
    failed = Job.objects.create(
        user=fachkraft,
        title="Partner (CSV)",
        runner="tests.job_runners.silent",
        state=JobState.FAILED,
        error="Die Datei wäre zu groß geworden.",
        finished_at=timezone.now(),
    )
    others = Job.objects.create(
        user=teamleitung, title="Fremder Auftrag", runner="tests.job_runners.silent"
    )
    return running, failed, others


@pytest.mark.parametrize("width", [1280, 360])
def test_fachkraft_follows_a_job_and_downloads_its_file(
    page: Page, live_server, log_in, serious_violations, jobs, width
):
    running, failed, others = jobs
    page.set_viewport_size({"width": width, "height": 900})
    log_in("fachkraft")

    if width > 992:
        page.locator("#user-menu").click()
    else:
        page.get_by_role("button", name="Navigation anzeigen").click()
        page.locator("#user-menu").click()
    page.locator('.dropdown-menu a[href="/auftraege/"]').click()

    item = page.locator(f"#job-{running.pk}")
    expect(item.locator("progress")).to_have_attribute("value", "1000")
    expect(item.locator(".job-progress-text")).to_contain_text("1.000")
    expect(page.locator(f"#job-{failed.pk} .job-error")).to_have_text(
        "Die Datei wäre zu groß geworden."
    )
    expect(page.locator(f"#job-{others.pk}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    # The worker gets on: the page follows without a reload.
    Job.objects.filter(pk=running.pk).update(progress_done=3000)
    expect(item.locator("progress")).to_have_attribute("value", "3000", timeout=6000)
    Job.objects.filter(pk=running.pk).update(
        state=JobState.DONE,
        progress_done=4000,
        result=CSV,
        result_filename="aktivitaeten-2026.csv",
        result_content_type="text/csv; charset=utf-8",
        result_size=len(CSV),
        finished_at=timezone.now(),
    )
    link = item.locator("a.job-download")
    expect(link).to_be_visible(timeout=6000)
    expect(page.locator("#job-table")).not_to_have_attribute("data-hx-trigger", "every 2s")
    assert serious_violations(page) == []

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "aktivitaeten-2026.csv"
    with open(download.path(), "rb") as file:
        assert file.read() == CSV
