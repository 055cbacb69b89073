"""Two administrators in two browsers edit the same account: the first removes a team
membership, the second saves an older copy of the form. The second is refused with the conflict
notice, keeps the input, and saving again (after seeing the current state) does not bring the
membership back unless chosen."""

import pytest
from playwright.sync_api import Browser, Page, expect

from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import Membership, Team, User
from teams.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_page(browser: Browser, browser_context_args, live_server, demo_users):
    """A second person's browser, signed in as the demo Administration account."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto(f"{live_server.url}/konto/anmelden/")
    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#user-menu")).to_be_attached()
    yield page
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_an_older_copy_of_the_user_form_does_not_restore_a_removed_membership(
    page: Page, second_page: Page, live_server, demo_users, log_in, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    second_page.set_viewport_size({"width": width, "height": 900})
    fachkraft = User.objects.get(username="fachkraft")
    backnang = Team.objects.get(name="Backnang")
    url = f"{live_server.url}/verwaltung/benutzer/{fachkraft.pk}/"
    log_in("admin")
    page.goto(url)
    second_page.goto(url)

    page.locator(f"#id_team_{backnang.pk}").select_option("")
    page.locator("#user-form button[type=submit]").click()
    expect(page.locator("#current-roles")).not_to_contain_text("Backnang")
    second_page.locator("#id_first_name").fill("Franziska")
    with second_page.expect_response(lambda r: r.request.method == "POST") as answer:
        second_page.locator("#user-form button[type=submit]").click()

    assert answer.value.status == 409
    expect(second_page.locator("#conflict")).to_contain_text("Backnang")
    expect(second_page.locator("#id_first_name")).to_have_value("Franziska")
    assert not Membership.objects.filter(user=fachkraft, team=backnang).exists()
    assert serious_violations(second_page) == []
    assert second_page.evaluate("document.documentElement.scrollWidth") <= width

    # The form still shows the second person's copy: they set the team role to what they now
    # know is current, and save again.
    second_page.locator(f"#id_team_{backnang.pk}").select_option("")
    second_page.locator("#user-form button[type=submit]").click()

    expect(second_page.locator("#current-roles")).not_to_contain_text("Backnang")
    fachkraft.refresh_from_db()
    assert fachkraft.first_name == "Franziska"
    assert not Membership.objects.filter(user=fachkraft, team=backnang).exists()


def test_the_admin_change_form_refuses_an_older_copy(
    page: Page, second_page: Page, live_server, demo_users, log_in
):
    topic = Topic.objects.create(name="Familie")
    url = f"{live_server.url}/admin/teams/topic/{topic.pk}/change/"
    log_in("admin")
    page.goto(url)
    second_page.goto(url)

    page.locator("#id_name").fill("Familie und Erziehung")
    page.locator("input[name=_save]").click()
    second_page.locator("#id_name").fill("Familie und Schule")
    with second_page.expect_response(lambda r: r.request.method == "POST") as answer:
        second_page.locator("input[name=_save]").click()

    assert answer.value.status == 409
    expect(second_page.locator("#conflict")).to_contain_text("Familie und Erziehung")
    expect(second_page.locator("#id_name")).to_have_value("Familie und Schule")
    assert Topic.objects.get(pk=topic.pk).name == "Familie und Erziehung"
