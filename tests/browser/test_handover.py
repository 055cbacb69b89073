"""Hand-over in a real browser: Administration deactivates a Fachkraft who staffs consultation
hours and is responsible for a cooperation; the page refuses to complete before every item has a
decision, then hands everything over (desktop and phone width)."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from kooperation.models import Cooperation, CooperationStatus
from sozialraum.models import Team
from teams.models import ConsultationHour
from tests.teams.conftest import make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page: Page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_admin_hands_over_and_deactivates(
    page: Page,
    live_server,
    demo_users,
    backnang,
    school_backnang,
    log_in,
    serious_violations,
    width,
):
    page.set_viewport_size({"width": width, "height": 900})
    fachkraft, teamleitung = demo_users["fachkraft"], demo_users["teamleitung"]
    team = Team.objects.get(name="Backnang")
    series = make_series(team, backnang, school_backnang, staff=[fachkraft])
    cooperation = Cooperation.objects.create(
        partner=school_backnang,
        status=CooperationStatus.BUILDING,
        since=datetime.date(2026, 3, 1),
        responsible=fachkraft,
        next_step="Termin mit der Schulleitung",
    )

    log_in("admin")
    page.goto(f"{live_server.url}/verwaltung/benutzer/{fachkraft.pk}/")
    page.locator("#user-deactivate").click()

    items = page.locator("#handover .handover-item")
    expect(items).to_have_count(2)
    expect(page.locator("#handover")).to_contain_text("Termin mit der Schulleitung")
    assert fits(page, width)
    assert serious_violations(page) == []

    # Without decisions nothing happens: the page names what is missing.
    page.locator("#status-form button[type=submit]").click()
    expect(page.locator("#handover .invalid-feedback").first).to_be_visible()
    fachkraft.refresh_from_db()
    assert fachkraft.is_active
    assert serious_violations(page) == []

    page.locator(f"#id_handover-series-{series.pk}").select_option(str(teamleitung.pk))
    page.locator(f"#id_handover-cooperation-{cooperation.pk}").select_option(str(teamleitung.pk))
    page.locator("#status-form button[type=submit]").click()

    expect(page.locator("#inactive-notice")).to_be_visible()
    fachkraft.refresh_from_db()
    cooperation.refresh_from_db()
    assert not fachkraft.is_active
    assert list(ConsultationHour.objects.get(pk=series.pk).staff.all()) == [teamleitung]
    assert cooperation.responsible == teamleitung
    assert fits(page, width)
