"""Signing in with OpenID Connect in the browser, against a real provider (tests/oidc_server.py):
a person in the group mapped to "Team Winnenden, Fachkraft" clicks the login page's button,
signs in at the provider and lands on the team's week; signing out ends the session here and
visits the provider's end-session endpoint, which sends the browser back to the login page; having
left the group at the provider, the next sign-in no longer gives the team."""

import pytest
from playwright.sync_api import Page, expect

from sozialraum.accounts.group_roles import normalise_group
from sozialraum.models import DirectoryGroupRole, Membership, Team, User
from tests.oidc_server import GROUP_WINNENDEN, oidc_provider, password_of

__all__ = ["oidc_provider"]  # the fixture, used by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 360]


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_user_menu(page: Page) -> None:
    toggler = page.get_by_role("button", name="Navigation anzeigen")
    if toggler.is_visible():
        toggler.click()
    page.locator("#user-menu").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_sign_in_lands_on_the_team_week_and_sign_out_ends_it_at_the_provider(
    page: Page, live_server, oidc_provider, district, serious_violations, width
):
    DirectoryGroupRole.objects.create(
        group_dn=normalise_group(GROUP_WINNENDEN),
        kind=DirectoryGroupRole.Kind.TEAM_MEMBER,
        team=Team.objects.get(name="Winnenden"),
    )
    page.set_viewport_size({"width": width, "height": 900})
    visited = []
    page.on("request", lambda request: visited.append(request.url))

    page.goto(f"{live_server.url}/meine-woche/")
    expect(page.locator("#oidc-sign-in")).to_be_visible()
    assert serious_violations(page) == []
    assert fits(page)
    page.locator("#oidc-sign-in").click()
    page.get_by_label("User name").fill("anna")
    page.get_by_label("Password").fill(password_of("anna"))
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()
    expect(page.get_by_role("link", name="Weitere Aktivität erfassen")).to_be_visible()
    assert fits(page)
    anna = User.objects.get(username="anna")
    assert list(Membership.objects.filter(user=anna).values_list("team__name", "role")) == [
        ("Winnenden", Membership.Role.MEMBER)
    ]

    open_user_menu(page)
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    assert any(url.startswith(f"{oidc_provider.issuer}/session/end?") for url in visited)
    page.goto(f"{live_server.url}/meine-woche/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    # Signed out at the provider, too: the button asks for the password again. Meanwhile the
    # person left the group: the next sign-in no longer gives the team.
    oidc_provider.set_groups("anna", ["alle-mitarbeitenden"])
    page.locator("#oidc-sign-in").click()
    page.get_by_label("User name").fill("anna")
    page.get_by_label("Password").fill(password_of("anna"))
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()
    expect(page.get_by_role("link", name="Weitere Aktivität erfassen")).to_have_count(0)
    assert not Membership.objects.filter(user=anna).exists()
