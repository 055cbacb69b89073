"""A forgotten password in a real browser: the user asks for a link, reads the mail the real
SMTP server received, follows the link, chooses a new password and signs in with it."""

import pytest
from playwright.sync_api import Page, expect

from tests import smtp
from tests.smtp import links_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The real SMTP server (tests/smtp.py).
smtp_server = smtp.smtp_server

NEW_PASSWORD = "Ein-neues-langes-Passwort-2026"


def fits(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_user_resets_the_password_by_mail_and_signs_in(
    page: Page, live_server, demo_users, smtp_server, settings, serious_violations, width
):
    settings.SITE_URL = live_server.url
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}/konto/anmelden/")
    page.locator('a[href="/konto/passwort-vergessen/"]').click()
    expect(page.locator("#id_email")).to_be_visible()
    assert serious_violations(page) == []
    assert fits(page, width)
    page.locator("#id_email").fill("fachkraft@demo.invalid")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    assert serious_violations(page) == []

    (mail,) = smtp_server.wait_for(1)
    (link,) = [link for link in links_in(mail) if "/konto/passwort-neu/" in link]
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    assert serious_violations(page) == []
    assert fits(page, width)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#reset-complete")).to_be_visible()
    assert serious_violations(page) == []

    page.locator("main a.btn-primary").click()
    page.get_by_label("Benutzername").fill("fachkraft")
    page.get_by_label("Passwort").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#user-menu")).to_be_attached()


def test_a_used_link_is_refused_in_the_browser(
    page: Page, live_server, demo_users, smtp_server, settings, serious_violations
):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/konto/passwort-vergessen/")
    page.locator("#id_email").fill("fachkraft@demo.invalid")
    page.locator("main form button[type=submit]").click()
    (mail,) = smtp_server.wait_for(1)
    (link,) = [link for link in links_in(mail) if "/konto/passwort-neu/" in link]
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#reset-complete")).to_be_visible()

    page.goto(link)

    expect(page.locator("#reset-link-invalid")).to_be_visible()
    assert serious_violations(page) == []
