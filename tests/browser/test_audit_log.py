"""The audit trail in a real browser: Administration filters it by kind of record and reads
who changed an assignment, with the value before and after."""

import datetime

import pghistory
import pytest
from playwright.sync_api import Page, expect

from sozialraum.models import Assignment, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assignment_ended(demo_users):
    """The admin gave Korb's assignment an end date."""
    assignment = Assignment.objects.get(municipality__name="Korb")
    with pghistory.context(user=User.objects.get(username="admin").pk, url="/admin/"):
        assignment.valid_until = datetime.date(2026, 12, 31)
        assignment.save()
    return assignment


@pytest.mark.parametrize("width", [1280, 360])
def test_admin_filters_by_kind_and_reads_before_and_after(
    page: Page, live_server, log_in, serious_violations, assignment_ended, width
):
    page.set_viewport_size({"width": width, "height": 900})

    log_in("admin")
    page.goto(f"{live_server.url}/verwaltung/protokoll/")
    expect(page.locator("#audit-entries > li").first).to_be_visible()
    assert serious_violations(page) == []
    page.locator("details.filter-panel > summary").click()
    page.locator("#id_model").select_option("sozialraum.assignment")
    page.locator("details.filter-panel button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/verwaltung/protokoll/?{query()}")
    entries = page.locator("#audit-entries > li")
    kinds = entries.evaluate_all("items => items.map(item => item.dataset.kind)")
    assert set(kinds) == {"sozialraum.assignment"}
    change = page.locator('#audit-entries > li[data-action="update"]')
    expect(change).to_have_count(1)
    expect(change.locator(".audit-record")).to_contain_text("Korb")
    expect(change.locator(".audit-who")).to_have_text("Adrian Administration")
    expect(change.locator("td.audit-after")).to_have_text("31.12.2026")
    expect(change.locator("td.audit-before")).not_to_have_text("31.12.2026")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    change.get_by_role("link").click()
    expect(page.locator("#record-filter")).to_contain_text("Korb")
    expect(page.locator("#audit-entries > li")).to_have_count(2)  # created, then changed
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []


def query() -> str:
    """The form's GET parameters with only the kind of record chosen."""
    return "model=sozialraum.assignment&obj=&user=&action=&date_from=&date_to="
