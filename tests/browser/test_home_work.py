"""The start page shows the work (desktop and phone), and a Fachkraft makes and renews her
personal calendar address (Mein Kalender-Abo) in a real browser."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum import home_panels
from sozialraum.models import Municipality, Team
from teams.models import ConsultationHour
from teams.recurrence import build_rrule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A Wednesday: the open dates run from Monday 23 November.
TODAY = datetime.date(2026, 12, 9)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(home_panels, "local_today", lambda: TODAY)


@pytest.fixture
def work(demo_users):
    """A Tuesday series of team Backnang staffed by the Fachkraft, one nobody staffs, and an
    overdue next step of hers."""
    backnang = Municipality.objects.get(name="Backnang")
    team = Team.objects.get(name="Backnang")
    school = Partner.objects.create(
        name="Grundschule Backnang-Süd", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    town_hall = Partner.objects.create(
        name="Rathaus Backnang", kind=PartnerKind.TOWN_HALL, municipality=backnang
    )
    for venue, staff in [(school, [demo_users["fachkraft"]]), (town_hall, [])]:
        series = ConsultationHour.objects.create(
            team=team,
            municipality=backnang,
            venue=venue,
            rrule=build_rrule(pattern="weekly", weekday=1),
            start_time=datetime.time(14),
            end_time=datetime.time(16),
            valid_from=datetime.date(2026, 1, 1),
        )
        series.staff.set(staff)
    Cooperation.objects.create(
        partner=school,
        status=CooperationStatus.BUILDING,
        since=datetime.date(2026, 3, 1),
        responsible=demo_users["fachkraft"],
        next_step="Termin mit der Schulleitung",
        next_step_due=datetime.date(2026, 12, 1),
    )


def no_sideways_scrolling(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_fachkraft_sees_her_work_first(
    page: Page, live_server, log_in, serious_violations, work, width
):
    page.set_viewport_size({"width": width, "height": 900})

    log_in("fachkraft")

    work_section = page.locator("#home-work")
    expect(work_section).to_be_visible()
    open_dates = page.locator("#home-open-dates")
    expect(open_dates.get_by_role("link", name="Grundschule Backnang-Süd")).to_have_count(3)
    expect(page.locator("#home-own-steps")).to_contain_text("Termin mit der Schulleitung")
    expect(page.locator("#home-unstaffed")).to_contain_text("Rathaus Backnang")
    box = work_section.bounding_box()
    assert box["y"] < page.locator("#own-teams-heading").bounding_box()["y"]
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []

    open_dates.get_by_role("link", name="Grundschule Backnang-Süd").first.click()
    series = ConsultationHour.objects.get(venue__name="Grundschule Backnang-Süd")
    my_week = reverse("teams:my_week")
    expect(page).to_have_url(
        f"{live_server.url}{my_week}?woche=2026-11-24#occ-{series.pk}-20261124"
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_head_sees_months_gaps_and_overdue_steps(
    page: Page, live_server, log_in, serious_violations, work, width
):
    page.set_viewport_size({"width": width, "height": 900})

    log_in("fbl-backnang")

    expect(page.locator("#home-sign-off")).to_contain_text("Backnang Umland")
    expect(page.locator("#home-presence-gaps")).to_contain_text("Aspach")
    expect(page.locator("#home-area-overdue")).to_contain_text("Grundschule Backnang-Süd")
    expect(page.locator("#home-open-dates")).to_have_count(0)
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 360])
def test_fachkraft_creates_and_renews_her_calendar_address(
    page: Page, live_server, log_in, serious_violations, work, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in("fachkraft")
    page.goto(live_server.url + reverse("teams:calendar_subscription"))
    expect(page.locator("#feed-url")).to_have_count(0)
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []

    page.locator("button[value=create]").click()

    field = page.locator("#feed-url")
    expect(field).to_be_visible()
    first = field.input_value()
    feed = page.request.get(first)
    assert feed.status == 200
    assert feed.text().startswith("BEGIN:VCALENDAR")
    assert "Grundschule Backnang-Süd" in feed.text()
    assert "Rathaus Backnang" not in feed.text()
    page.locator("[data-copy-target=feed-url]").click()
    expect(page.locator("#copy-status")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()") == first
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []

    page.reload()
    expect(page.locator("#feed-url")).to_have_count(0)
    page.locator("button[value=renew]").click()

    second = page.locator("#feed-url").input_value()
    assert second != first
    assert page.request.get(first).status == 404
    assert page.request.get(second).status == 200
