"""The main flow of the foundation in a real browser: log in, see the team, switch language."""

import pytest
from playwright.sync_api import Page, expect

from sozialraum.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, username: str):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def open_menu_if_collapsed(page: Page):
    toggler = page.get_by_role("button", name="Navigation anzeigen")
    if toggler.is_visible():
        toggler.click()


@pytest.mark.parametrize("width", [1280, 360])
def test_fachkraft_logs_in_sees_team_switches_language_and_logs_out(
    page: Page, live_server, demo_users, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})

    log_in(page, live_server, "fachkraft")

    expect(page.get_by_role("heading", name="Willkommen, Friederike")).to_be_visible()
    team = page.get_by_role("article", name="Sozialraumteam Backnang")
    expect(team).to_contain_text("Mittelbereich Backnang")
    expect(team.get_by_role("rowheader", name="Backnang")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Welcome, Friederike")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Willkommen, Friederike")).to_be_visible()

    open_menu_if_collapsed(page)
    page.get_by_role("link", name="Sozialräume").click()
    expect(page.get_by_role("heading", name="Mittelbereich Waiblingen")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    open_menu_if_collapsed(page)
    page.get_by_role("button", name="Friederike Fachkraft").click()
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.goto(f"{live_server.url}/sozialraeume/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()


def test_pages_load_without_csp_violations(page: Page, live_server, demo_users):
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/sozialraeume/")
    page.set_viewport_size({"width": 360, "height": 800})
    page.get_by_role("button", name="Navigation anzeigen").click()
    page.get_by_role("button", name="Verwaltung").click()

    expect(page.get_by_role("link", name="Stammdaten")).to_be_visible()
    assert messages == []
