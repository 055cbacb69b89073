"""Directory sign-in in the browser, against a real OpenLDAP (tests/ldap_server.py): a person in
the group mapped to "Team Winnenden, Fachkraft" signs in with the directory password and lands
on the team's week; removed from the group, the next sign-in no longer gives the role. The
mapping page passes axe at both widths."""

import pytest
from playwright.sync_api import Page, expect

from sozialraum.accounts.group_roles import normalise_dn
from sozialraum.models import DirectoryGroupRole, Membership, Team, User
from tests.ldap_server import group_dn, ldap_server, password_of, person_dn

__all__ = ["ldap_server"]  # the fixture, used by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 360]


def directory_sign_in(page: Page, live_server, login: str, password: str) -> None:
    """Open Meine Woche signed out: the login page, then back to the week."""
    page.goto(f"{live_server.url}/meine-woche/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.get_by_label("Benutzername").fill(login)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#user-menu")).to_be_attached()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_group_member_lands_on_the_team_week_and_loses_it_after_leaving_the_group(
    page: Page, live_server, ldap_server, district, width
):
    winnenden = Team.objects.get(name="Winnenden")
    DirectoryGroupRole.objects.create(
        group_dn=normalise_dn(group_dn("srt-winnenden")),
        kind=DirectoryGroupRole.Kind.TEAM_MEMBER,
        team=winnenden,
    )
    page.set_viewport_size({"width": width, "height": 900})

    directory_sign_in(page, live_server, "anna.berger@example.org", password_of("anna"))

    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()
    expect(page.get_by_role("link", name="Weitere Aktivität erfassen")).to_be_visible()
    assert fits(page)
    anna = User.objects.get(username="anna")
    assert list(Membership.objects.filter(user=anna).values_list("team__name", "role")) == [
        ("Winnenden", Membership.Role.MEMBER)
    ]

    page.context.clear_cookies()  # signed out
    ldap_server.remove_member("srt-winnenden", person_dn("anna"))
    directory_sign_in(page, live_server, "anna", password_of("anna"))

    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()
    expect(page.get_by_role("link", name="Weitere Aktivität erfassen")).to_have_count(0)
    assert not Membership.objects.filter(user=anna).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_mapping_page_is_accessible(
    page: Page, live_server, log_in, demo_users, serious_violations, width
):
    DirectoryGroupRole.objects.create(
        group_dn="cn=srt-winnenden-fachkraefte,ou=gruppen,ou=jugendamt,dc=rems-murr-kreis,dc=de",
        kind=DirectoryGroupRole.Kind.TEAM_MEMBER,
        team=Team.objects.get(name="Winnenden"),
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in("admin")

    page.goto(f"{live_server.url}/verwaltung/benutzer/verzeichnisgruppen/")

    expect(page.locator("#group-role-table")).to_be_visible()
    assert serious_violations(page) == []
    assert fits(page)
    page.locator("#group-role-create").click()
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert serious_violations(page) == []
    assert fits(page)
