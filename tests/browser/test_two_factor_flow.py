"""Two-factor authentication in a real browser: the demo administrator sets up an
authenticator at the first sign-in, keeps the recovery codes, and signs in again with the
password and a code, all by keyboard, at 1280 and 360 pixels."""

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from sozialraum.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _administration_requires_two_factor(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["administration"]


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed in from the page."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def sign_in_with_password(page: Page, live_server):
    page.goto(f"{live_server.url}/verwaltung/benutzer/")
    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_label("Passwort").press("Enter")


def no_sideways_scroll(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_administration_enrols_and_signs_in_with_a_code(
    page: Page, live_server, demo_users, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_with_password(page, live_server)

    # Enrolment before anything else.
    expect(page).to_have_url(
        f"{live_server.url}/konto/zwei-faktor/einrichten/?next=%2Fverwaltung%2Fbenutzer%2F"
    )
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    assert no_sideways_scroll(page, width)
    assert serious_violations(page) == []
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    # The code field has the focus: type the app's code and press Enter.
    expect(page.locator("#id_code")).to_be_focused()
    page.keyboard.type(app_code(secret))
    page.keyboard.press("Enter")

    # The recovery codes, shown once.
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    assert no_sideways_scroll(page, width)
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.locator("a[download]").click()
    assert codes.first.inner_text() in download.value.path().read_text()
    page.locator("#two-factor-recovery button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/verwaltung/benutzer/")
    expect(page.locator("#user-menu")).to_be_attached()

    # A new sign-in: the password, then the code.
    page.context.clear_cookies()
    sign_in_with_password(page, live_server)
    expect(page.locator("#two-factor-verify")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)  # no menu before the code
    assert no_sideways_scroll(page, width)
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/sozialraeume/")  # nothing else opens before the code
    expect(page.locator("#two-factor-verify")).to_be_visible()
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []
    time.sleep(1.1)  # django-otp lets the next try wait a second after a wrong code
    page.locator("#id_code").fill(app_code(secret, steps_ahead=1))
    page.locator("#id_code").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/sozialraeume/")
    expect(page.locator("#user-menu")).to_be_attached()
