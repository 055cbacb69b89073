"""The district map in a browser (issue 15, point 5): on the public finder a visitor reaches a
municipality by keyboard and follows it to its consultation hours; the dashboard and the finder
with the map have no serious accessibility problem and no sideways scroll at 360 px."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kooperation.models import Partner
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 360]


def no_sideways_scrolling(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def public_series(district):
    backnang = Municipality.objects.get(name="Backnang")
    venue = Partner.objects.create(
        name="Rathaus Backnang", kind="town_hall", municipality=backnang, address="Am Rathaus 1"
    )
    return ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        venue=venue,
        rrule=build_rrule(pattern="weekly", weekday=4),
        start_time=datetime.time(15),
        end_time=datetime.time(17),
        valid_from=datetime.date(2026, 1, 1),
        is_public=True,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_public_finder_map_is_accessible_and_fits(
    page: Page, live_server, serious_violations, public_series, width
):
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}{reverse('teams:public_finder')}")

    expect(page.locator("svg.district-map")).to_be_visible()
    expect(page.locator("svg.district-map a.district-map-link")).to_have_count(1)
    expect(page.locator("svg.district-map")).to_contain_text("© GeoBasis-DE / BKG (2021)")
    assert page.locator("svg.district-map").bounding_box()["width"] <= width
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []


def test_keyboard_reaches_a_municipality_on_the_map_and_follows_it(
    page: Page, live_server, public_series
):
    backnang = public_series.municipality
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('teams:public_finder')}")

    for _press in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('district-map-link')"):
            break
    focused = page.evaluate(
        "[document.activeElement.getAttribute('aria-label'),"
        " getComputedStyle(document.activeElement).outlineStyle]"
    )
    page.keyboard.press("Enter")

    assert focused[0].startswith("Backnang: ")
    assert focused[1] == "solid"
    expect(page).to_have_url(
        f"{live_server.url}/sprechstunden/?municipality={backnang.pk}#municipality-{backnang.pk}"
    )
    expect(page.locator(f"#municipality-{backnang.pk}")).to_have_text("Backnang")
    expect(page.locator("#id_municipality")).to_have_value(str(backnang.pk))


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_map_is_accessible_and_fits(
    page: Page, live_server, log_in, serious_violations, demo_users, width
):
    backnang = Municipality.objects.get(name="Backnang")
    Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        date=datetime.date.today().replace(day=1),
        kind="community",
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in("fbl-backnang")

    page.goto(f"{live_server.url}{reverse('teams:dashboard')}")

    figure = page.locator("#presence-map")
    expect(figure).to_be_visible()
    expect(figure.locator("a.district-map-link")).to_have_count(13)
    expect(page.locator(".district-map-table tbody tr")).to_have_count(13)
    no_sideways_scrolling(page, width)
    assert serious_violations(page) == []
    figure.get_by_role("link", name=re.compile("^Backnang: ")).locator("text").click()
    expect(page).to_have_url(f"{live_server.url}/auswertung/?scope=municipality-{backnang.pk}")
