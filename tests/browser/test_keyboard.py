"""Keyboard alone: logging a date in "Meine Woche", the activity form (with a failed submit and
its error summary) and the dashboard filter, with a visible focus (3:1) at every step."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from kooperation.models import Partner
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule
from teams.selectors import week_start
from tests.browser.focus import FOCUS_PROBE, focus_contrast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, target: Locator, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab until the target has the focus; every control passed shows its focus."""
    handle = target.element_handle()
    for _step in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        probe = page.evaluate(FOCUS_PROBE)
        assert probe is not None, "the focus left the page"
        ratio = focus_contrast(probe)
        assert ratio >= 3, f"focus on {probe['name']} has {ratio:.2f}:1 ({probe['kind']})"
        if page.evaluate("(el) => el === document.activeElement", handle):
            return
    raise AssertionError(f"{target} not reached with {limit} Tab presses")


@pytest.fixture
def school_series(demo_users):
    """A weekly series of team Backnang on Mondays, staffed by fachkraft: this week's date is
    on or before today."""
    backnang = Municipality.objects.get(name="Backnang")
    venue = Partner.objects.create(
        name="Grundschule Backnang-Süd", kind="school", municipality=backnang, address="Weg 1"
    )
    series = ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        venue=venue,
        rrule=build_rrule(pattern="weekly", weekday=0),
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        valid_from=datetime.date(2026, 1, 1),
    )
    series.staff.set([demo_users["fachkraft"]])
    return series


def test_meine_woche_date_is_logged_with_the_keyboard(
    page: Page, live_server, log_in, school_series
):
    monday = week_start(timezone.localdate())
    log_in("fachkraft")
    page.goto(f"{live_server.url}/meine-woche/")
    card = page.locator(f"#occ-{school_series.pk}-{monday:%Y%m%d}")

    tab_to(page, card.locator("summary", has_text="Diesen Termin erfassen"))
    page.keyboard.press("Enter")
    tab_to(page, card.get_by_label("Kinder"))
    page.keyboard.type("3")
    tab_to(page, card.get_by_label("Jugendliche"))
    page.keyboard.type("5")
    tab_to(page, card.get_by_role("button", name="Speichern"))
    page.keyboard.press("Enter")

    expect(page.locator(f"#occ-{school_series.pk}-{monday:%Y%m%d}")).to_contain_text("8 Kontakte")
    assert list(Activity.objects.values_list("status", "children", "young_people")) == [
        ("held", 3, 5)
    ]


def test_activity_form_with_error_summary_by_keyboard(page: Page, live_server, log_in, demo_users):
    log_in("fachkraft")
    page.goto(f"{live_server.url}/aktivitaeten/neu/?kind=community")
    title = page.title()
    # The team's only municipality comes preselected: the user empties it to meet the error.
    page.locator("#id_municipality").select_option("")

    tab_to(page, page.get_by_role("button", name="Speichern"))
    page.keyboard.press("Enter")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert page.title() != title
    assert page.title().split(" ")[0] in {"Fehler:", "Error:"}
    municipality = page.locator("#id_municipality")
    link = summary.locator('a[href="#id_municipality"]')
    expect(link).to_be_visible()
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(municipality).to_be_focused()
    page.keyboard.type("Backnang")
    tab_to(page, page.get_by_role("button", name="Speichern"))
    page.keyboard.press("Enter")

    expect(page.locator("h1")).not_to_have_text("Aktivität erfassen")
    [activity] = Activity.objects.all()
    assert (activity.kind, activity.municipality.name) == ("community", "Backnang")


def test_dashboard_filter_by_keyboard(page: Page, live_server, log_in, demo_users):
    log_in("fbl-backnang")
    page.goto(f"{live_server.url}/auswertung/")
    period = page.locator("#id_period")
    options = period.locator("option").all_inner_texts()

    tab_to(page, period)
    page.keyboard.press("End")
    tab_to(page, page.get_by_role("button", name="Anzeigen"))
    page.keyboard.press("Enter")

    expect(page.locator("#id_period option:checked")).to_have_text(options[-1])
    assert "period=" in page.url
