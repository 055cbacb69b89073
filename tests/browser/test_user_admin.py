"""Users and roles in a real browser: Administration creates a Fachkraft for a team, finds the
account in the list filtered by that team, and deactivates it."""

import pytest
from playwright.sync_api import Page, expect

from sozialraum.models import Membership, Team, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_admin_creates_filters_and_deactivates_a_user(
    page: Page, live_server, demo_users, log_in, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    korb = Team.objects.get(name="Waiblingen/Korb")

    log_in("admin")
    page.goto(f"{live_server.url}/verwaltung/benutzer/")
    expect(page.locator("#user-table")).to_contain_text("fachkraft")
    assert fits(page, width)
    assert serious_violations(page) == []

    page.locator("#user-create").click()
    page.locator("#id_username").fill("neue.fachkraft")
    page.locator("#id_first_name").fill("Nele")
    page.locator("#id_last_name").fill("Neumann")
    page.locator("#id_email").fill("nele.neumann@example.org")
    page.locator("#id_password1").fill("Sonnenblume-am-Bahnhof-17")
    page.locator("#id_password2").fill("Sonnenblume-am-Bahnhof-17")
    page.locator(f"#id_team_{korb.pk}").select_option("member")
    page.locator("#user-form button[type=submit]").click()

    expect(page.locator("#current-roles")).to_contain_text("Waiblingen/Korb")
    assert fits(page, width)
    assert serious_violations(page) == []
    user = User.objects.get(username="neue.fachkraft")
    assert list(Membership.objects.filter(user=user).values_list("team__name", "role")) == [
        ("Waiblingen/Korb", "member")
    ]

    page.goto(f"{live_server.url}/verwaltung/benutzer/")
    page.locator("details.filter-panel summary").click()
    page.locator("#id_team").select_option(label="Waiblingen/Korb")
    page.locator("details.filter-panel button[type=submit]").click()

    rows = page.locator("#user-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nele Neumann")
    assert fits(page, width)
    assert serious_violations(page) == []

    rows.first.get_by_role("link", name="Nele Neumann").click()
    page.locator("#user-deactivate").click()
    page.locator("#status-form button[type=submit]").click()

    expect(page.locator("#inactive-notice")).to_be_visible()
    user.refresh_from_db()
    assert not user.is_active
