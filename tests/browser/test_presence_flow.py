"""Presence on site from a phone: a Fachkraft logs a held and a cancelled consultation hour in
"Meine Woche" and finds both in the activity list; the public finder works without login."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Partner
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule
from teams.selectors import week_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_series(demo_users):
    """Two weekly series of team Backnang staffed by fachkraft, both with a date this week on or
    before today (Monday), and one public."""
    backnang = Municipality.objects.get(name="Backnang")
    team = Team.objects.get(name="Backnang")
    created = []
    for name, kind in [
        ("Grundschule Backnang-Süd", "school"),
        ("Jugendhaus Backnang", "youth_house"),
    ]:
        venue = Partner.objects.create(
            name=name, kind=kind, municipality=backnang, address="Musterweg 1"
        )
        series = ConsultationHour.objects.create(
            team=team,
            municipality=backnang,
            venue=venue,
            rrule=build_rrule(pattern="weekly", weekday=0),
            start_time=datetime.time(14 if kind == "school" else 16),
            end_time=datetime.time(15 if kind == "school" else 18),
            valid_from=datetime.date(2026, 1, 1),
            is_public=kind == "youth_house",
            public_note="Offene Sprechstunde für Jugendliche und Eltern",
        )
        series.staff.set([demo_users["fachkraft"]])
        created.append(series)
    return created


def test_fachkraft_logs_her_week_on_a_phone(
    page: Page, live_server, log_in, serious_violations, two_series
):
    page.set_viewport_size({"width": 390, "height": 844})
    monday = week_start(timezone.localdate())
    school, youth_house = two_series

    log_in("fachkraft")
    page.get_by_role("button", name="Navigation anzeigen").click()
    page.get_by_role("link", name="Meine Woche", exact=True).click()
    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()
    assert serious_violations(page) == []

    held = page.locator(f"#occ-{school.pk}-{monday:%Y%m%d}")
    held.get_by_text("Diesen Termin erfassen").click()
    held.get_by_label("Kinder").fill("3")
    held.get_by_label("Jugendliche").fill("5")
    held.get_by_role("button", name="Speichern").click()
    expect(page.locator(f"#occ-{school.pk}-{monday:%Y%m%d}")).to_contain_text("stattgefunden")

    cancelled = page.locator(f"#occ-{youth_house.pk}-{monday:%Y%m%d}")
    cancelled.get_by_text("Diesen Termin erfassen").click()
    cancelled.get_by_text("ausgefallen", exact=True).click()
    cancelled.get_by_label("Grund für den Ausfall").fill("Krankheit")
    cancelled.get_by_role("button", name="Speichern").click()
    expect(page.locator(f"#occ-{youth_house.pk}-{monday:%Y%m%d}")).to_contain_text("Krankheit")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert sorted(Activity.objects.values_list("status", "children", "young_people")) == [
        ("cancelled", 0, 0),
        ("held", 3, 5),
    ]
    page.get_by_role("button", name="Navigation anzeigen").click()
    page.get_by_role("button", name="Präsenz").click()
    page.get_by_role("link", name="Aktivitäten").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sprechstunde")

    page.goto(f"{live_server.url}/aktivitaeten/neu/")
    assert serious_violations(page) == []


def test_public_finder_without_login(page: Page, live_server, serious_violations, two_series):
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/sprechstunden/")

    expect(page.get_by_text("Jugendhaus Backnang").first).to_be_visible()
    expect(page.get_by_text("Grundschule Backnang-Süd")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
