"""Partners and networks in a real browser: a Fachkraft adds a school and agrees a cooperation,
the Fachbereichsleitung sees it on the coverage page."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Cooperation, Partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_nav(page: Page, name: str, menu: str = "Netzwerk"):
    toggler = page.get_by_role("button", name="Navigation anzeigen")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("button", name=menu).click()
    page.get_by_role("link", name=name, exact=True).click()


@pytest.mark.parametrize("width", [1280, 360])
def test_fachkraft_adds_school_and_agrees_cooperation_head_sees_coverage(
    page: Page, live_server, demo_users, log_in, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    today = timezone.localdate().isoformat()

    log_in("fachkraft")
    open_nav(page, "Partner")
    expect(page.get_by_role("heading", name="Partner", exact=True)).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Partner hinzufügen").click()
    page.locator("#id_name").fill("Grundschule Backnang-Nord")
    page.locator("#id_kind").select_option("school")
    page.locator("#id_school_type").select_option("primary")
    page.locator("#id_municipality").select_option(label="Backnang")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("heading", name="Grundschule Backnang-Nord")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("hinzugefügt")
    page.get_by_role("link", name="Kooperationsschritt erfassen").click()
    page.locator("#id_status").select_option("agreed")
    page.locator("#id_on").fill(today)
    page.locator("#id_note").fill("Gespräch mit der Schulleitung")
    page.locator("#id_agreement_date").fill(today)
    page.locator("#id_next_step").fill("Erste Sprechstunde im Schulhaus")
    page.get_by_role("button", name="Schritt erfassen").click()

    expect(page.locator("#cooperation-status")).to_contain_text("vereinbart")
    expect(page.locator("#next-step")).to_contain_text("Erste Sprechstunde im Schulhaus")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    partner = Partner.objects.get(name="Grundschule Backnang-Nord")
    assert Cooperation.objects.get(partner=partner).status == "agreed"

    open_user_menu(page)
    page.get_by_role("button", name="Abmelden").click()
    log_in("fbl-backnang")
    open_nav(page, "Abdeckung")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Backnang", exact=True))
    school_cell = row.get_by_role("cell").nth(1)
    expect(school_cell).to_contain_text("1")
    expect(school_cell).to_contain_text("vereinbart")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []


def open_user_menu(page: Page):
    toggler = page.get_by_role("button", name="Navigation anzeigen")
    if toggler.is_visible():
        toggler.click()
    page.locator("#user-menu").click()
