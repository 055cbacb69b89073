"""Review in a real browser: the Fachbereichsleitung reads the dashboard and signs off a month;
the Fachkraft can no longer change that month's activities."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sozialraum.models import Municipality, Team
from teams.models import Activity, TeamMonthReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def last_month_activity(demo_users):
    first_of_month = timezone.localdate().replace(day=1)
    day = (first_of_month - datetime.timedelta(days=1)).replace(day=10)
    return Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=Municipality.objects.get(name="Backnang"),
        date=day,
        kind="community",
        status="held",
        children=4,
        parents=2,
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_head_reads_dashboard_and_signs_off_a_month(
    page: Page, live_server, log_in, serious_violations, last_month_activity, width
):
    page.set_viewport_size({"width": width, "height": 900})
    month = last_month_activity.date

    log_in("fbl-backnang")
    page.goto(f"{live_server.url}/auswertung/?period=month&day={month.isoformat()}")
    expect(page.get_by_role("heading", name="Kontakte nach Gruppe")).to_be_visible()
    contacts = page.get_by_role("region", name="Kontakte nach Gruppe")
    expect(contacts.get_by_role("row", name="Kinder")).to_contain_text("4")
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    team = last_month_activity.team
    page.goto(f"{live_server.url}/pruefung/{team.pk}/{month.year}/{month.month}/")
    page.get_by_role("button", name="Abzeichnen").click()
    expect(page.get_by_role("button", name="Wieder öffnen")).to_be_visible()
    assert serious_violations(page) == []
    assert TeamMonthReview.objects.get(team=team).signed_off_at is not None
