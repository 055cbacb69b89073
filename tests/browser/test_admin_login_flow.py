"""Administration opens the admin ("Stammdaten") in a browser: the application's login page with
its German wording, then a search-as-you-type select that starts with the empty choice
(issue 13)."""

import pytest
from playwright.sync_api import Page, expect

from sozialraum.demo import DEMO_PASSWORD
from teams.models import ConsultationHour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG = "Benutzername oder Passwort ist falsch."


@pytest.mark.parametrize("width", [1280, 360])
def test_administration_signs_in_to_the_admin_and_chooses_a_team(
    page: Page, live_server, demo_users, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/teams/consultationhour/add/")

    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill("falsch-falsch-falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text(WRONG).first).to_be_visible()
    expect(page.get_by_text("Bitte Benutzername und Passwort eingeben")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(page).to_have_url(f"{live_server.url}/admin/teams/consultationhour/add/")
    team = page.locator("#id_team")
    expect(team.locator("option").first).to_have_text("– bitte wählen –")
    chooser = page.locator("#id_team + .select2 .select2-selection")
    expect(chooser).to_contain_text("– bitte wählen –")
    chooser.focus()
    page.keyboard.press("Enter")  # select2 opens with the keyboard
    page.locator(".select2-search__field").fill("Backn")
    page.get_by_role("option", name="Backnang", exact=True).click()
    expect(chooser).to_contain_text("Backnang")
    assert team.evaluate("select => select.selectedOptions[0].textContent") == "Backnang"
    # The empty choice stays first, for the form to be valid HTML after a choice as well.
    assert team.evaluate("select => select.options[0].value") == ""
    assert ConsultationHour.objects.count() == 0  # nothing saved by choosing
