import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from sozialraum.demo import DEMO_PASSWORD


@pytest.fixture
def log_in(page: Page, live_server):
    """Sign a demo user in through the login page."""

    def sign_in(username: str):
        page.goto(f"{live_server.url}/konto/anmelden/")
        page.get_by_label("Benutzername").fill(username)
        page.get_by_label("Passwort").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("#user-menu")).to_be_attached()

    return sign_in


@pytest.fixture
def serious_violations():
    """axe-core's serious and critical findings on the current page."""

    def check(page: Page) -> list[str]:
        results = Axe().run(page)
        return [
            f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes'][:3]]})"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    return check
