"""Zuständigkeiten in a real browser: the administration moves Korb from "Waiblingen/Korb" to
"Winnenden" from the first of next month, reads the impact first, and finds both assignments in
Korb's history afterwards."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_of_next_month() -> datetime.date:
    today = timezone.localdate()
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@pytest.fixture
def korb_work(demo_users):
    """Two activities of Waiblingen/Korb in Korb (one on the effective date) and a series."""
    korb = Municipality.objects.get(name="Korb")
    team = Team.objects.get(name="Waiblingen/Korb")
    effective = first_of_next_month()
    for day in (effective - datetime.timedelta(days=3), effective):
        Activity.objects.create(team=team, municipality=korb, date=day, kind="community")
    school = Partner.objects.create(
        name="Grundschule Korb", kind=PartnerKind.SCHOOL, municipality=korb
    )
    ConsultationHour.objects.create(
        team=team,
        municipality=korb,
        venue=school,
        rrule=build_rrule(pattern="weekly", weekday=1),
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        valid_from=effective - datetime.timedelta(days=60),
    )
    return korb


@pytest.mark.parametrize("width", [1280, 360])
def test_admin_moves_korb_to_winnenden(
    page: Page, live_server, log_in, serious_violations, korb_work, width
):
    page.set_viewport_size({"width": width, "height": 900})
    effective = first_of_next_month()
    log_in("admin")
    page.goto(f"{live_server.url}/verwaltung/zustaendigkeiten/")
    expect(page.get_by_role("heading", name="Zuständigkeiten", exact=True)).to_be_visible()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="Neu zuordnen Korb", exact=True).click()
    expect(page.get_by_role("heading", name="Korb neu zuordnen")).to_be_visible()
    page.get_by_label("Neues zuständiges Team").select_option(label="Winnenden (Waiblingen)")
    expect(page.get_by_label("Wechseldatum")).to_have_value(effective.isoformat())
    page.get_by_role("button", name="Auswirkungen anzeigen").click()

    impact = page.get_by_role("region", name="Auswirkungen der Änderung")
    expect(impact).to_contain_text("Waiblingen/Korb")
    expect(impact).to_contain_text("behalten das Team Waiblingen/Korb")
    series = impact.get_by_role("group", name="Grundschule Korb")
    expect(series.get_by_label("An Winnenden übergeben", exact=False)).to_be_checked()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Änderung übernehmen").click()

    expect(page.get_by_role("heading", name="Zuständigkeit für Korb")).to_be_visible()
    timeline = page.locator("#assignment-history")
    expect(timeline.locator("li.timeline-entry")).to_have_count(2)
    expect(timeline.locator("li.timeline-entry").first).to_contain_text("Winnenden")
    expect(timeline.locator("li.timeline-entry").last).to_contain_text("Waiblingen/Korb")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    korb = korb_work
    assert [a.team.name for a in korb.assignments.order_by("valid_from")] == [
        "Waiblingen/Korb",
        "Winnenden",
    ]
    assert set(Activity.objects.filter(municipality=korb).values_list("team__name", flat=True)) == {
        "Waiblingen/Korb"
    }
    assert ConsultationHour.objects.filter(team__name="Winnenden", municipality=korb).exists()
