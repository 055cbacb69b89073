"""Meine Woche on a phone (390 px): a session that ends while a date is being logged keeps the
input, the status shows only its fields, each save updates the banner and is announced, the
idle-timeout warning keeps the session, and a date is cancelled ahead up to the public page."""

import datetime
import re

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Partner
from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule
from teams.selectors import week_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAST_MONDAY = week_start(timezone.localdate()) - datetime.timedelta(days=7)


def make_series(demo_users, weekday: int, venue_name: str, *, public=False) -> ConsultationHour:
    backnang = Municipality.objects.get(name="Backnang")
    venue = Partner.objects.create(
        name=venue_name, kind="school", municipality=backnang, address="Weg 1"
    )
    series = ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        venue=venue,
        rrule=build_rrule(pattern="weekly", weekday=weekday),
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        valid_from=datetime.date(2026, 1, 1),
        is_public=public,
    )
    series.staff.set([demo_users["fachkraft"]])
    return series


def card_of(page: Page, series, day):
    return page.locator(f"#occ-{series.pk}-{day:%Y%m%d}")


def week_of(live_server, day) -> str:
    return f"{live_server.url}/meine-woche/?woche={week_start(day).isoformat()}"


def no_drafts_left(page: Page) -> bool:
    """Wait until the browser holds no draft (a saved card drops its draft once htmx settled)."""
    page.wait_for_function(
        "() => Object.keys(localStorage).every((key) => key.indexOf('sozialraum:draft:') !== 0)",
        timeout=5000,
    )
    return drafts(page) == []


def drafts(page: Page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter((key) => key.indexOf('sozialraum:draft:') === 0)"
    )


def test_a_session_ending_while_logging_keeps_the_draft_and_saves_it_once(
    page: Page, live_server, log_in, demo_users
):
    series = make_series(demo_users, 0, "Grundschule Backnang-Süd")
    page.set_viewport_size(PHONE)
    log_in("fachkraft")
    page.goto(week_of(live_server, LAST_MONDAY))
    card = card_of(page, series, LAST_MONDAY)
    card.locator("summary", has_text="Diesen Termin erfassen").click()
    card.get_by_label("Kinder").fill("3")
    card.get_by_label("Eltern").fill("2")

    Session.objects.all().delete()  # the idle timeout ends the session meanwhile
    card.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(re.compile(r"/konto/anmelden/\?next=.*meine-woche"))
    assert not Activity.objects.exists()
    page.get_by_label("Benutzername").fill("fachkraft")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(rf"/meine-woche/\?woche={LAST_MONDAY.isoformat()}"))
    card = card_of(page, series, LAST_MONDAY)
    restore = card.locator("[data-draft-restore]")
    expect(restore).to_be_visible()
    expect(restore).to_be_focused()
    expect(card.get_by_label("Kinder")).to_have_value("")
    restore.click()
    expect(card.get_by_label("Kinder")).to_have_value("3")
    expect(card.get_by_label("Eltern")).to_have_value("2")
    card.get_by_role("button", name="Speichern").click()

    expect(card_of(page, series, LAST_MONDAY)).to_contain_text("5 Kontakte")
    [activity] = Activity.objects.all()
    assert (activity.children, activity.parents, activity.date) == (3, 2, LAST_MONDAY)
    assert no_drafts_left(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_status_fields_banner_and_live_region(page: Page, live_server, log_in, demo_users, width):
    mondays = make_series(demo_users, 0, "Grundschule Backnang-Süd")
    tuesdays = make_series(demo_users, 1, "Jugendhaus Backnang")
    tuesday = LAST_MONDAY + datetime.timedelta(days=1)
    page.set_viewport_size({"width": width, "height": 900})
    log_in("fachkraft")
    page.goto(week_of(live_server, LAST_MONDAY))
    banner = page.locator("#open-count")
    live = page.locator("#week-live")
    expect(banner).to_contain_text("2 Termine")
    expect(live).to_have_attribute("aria-live", "polite")

    card = card_of(page, mondays, LAST_MONDAY)
    card.locator("summary", has_text="Diesen Termin erfassen").click()
    children = card.get_by_label("Kinder")
    reason = card.get_by_label("Grund für den Ausfall")
    expect(children).to_be_visible()
    expect(reason).to_be_hidden()
    children.fill("4")  # typed first, then the date turns out cancelled
    card.get_by_label("ausgefallen").check()
    expect(children).to_be_hidden()
    expect(reason).to_be_visible()
    reason.fill("Krankheit")
    card.get_by_role("button", name="Speichern").click()

    saved = card_of(page, mondays, LAST_MONDAY)
    expect(saved).to_contain_text("Krankheit")
    expect(banner).to_contain_text("1 Termin")
    expect(live).to_contain_text("Grundschule Backnang-Süd")
    expect(saved.locator(".card-body")).to_be_focused()
    assert Activity.objects.get().status == "cancelled"

    other = card_of(page, tuesdays, tuesday)
    other.locator("summary", has_text="Diesen Termin erfassen").click()
    other.get_by_label("ausgefallen").check()
    other.get_by_label("stattgefunden").check()
    expect(other.get_by_label("Grund für den Ausfall")).to_be_hidden()
    other.get_by_label("Jugendliche").fill("6")
    other.get_by_role("button", name="Speichern").click()

    expect(card_of(page, tuesdays, tuesday)).to_contain_text("6 Kontakte")
    expect(banner).to_have_count(0)
    expect(live).to_contain_text("Jugendhaus Backnang")
    assert sorted(Activity.objects.values_list("status", flat=True)) == ["cancelled", "held"]


def test_the_idle_warning_keeps_the_session(page: Page, live_server, log_in, demo_users, settings):
    settings.SESSION_COOKIE_AGE = 24  # the warning comes 20 seconds before the end
    page.set_viewport_size(PHONE)
    log_in("fachkraft")
    page.goto(f"{live_server.url}/meine-woche/")
    before = Session.objects.get().expire_date

    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=10000)
    keep = dialog.locator("[data-keepalive]")
    expect(keep).to_be_focused()
    keep.click()

    expect(dialog).to_be_hidden()
    assert Session.objects.get().expire_date > before
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_date_cancelled_ahead_is_struck_on_the_public_page(
    page: Page, live_server, log_in, demo_users
):
    series = make_series(demo_users, 2, "Rathaus Backnang", public=True)
    wednesday = week_start(timezone.localdate()) + datetime.timedelta(days=9)
    page.set_viewport_size(PHONE)
    log_in("fachkraft")
    page.goto(week_of(live_server, wednesday))
    card = card_of(page, series, wednesday)
    expect(card.locator("summary", has_text="Diesen Termin erfassen")).to_have_count(0)
    card.locator(".quick-cancel summary").click()
    card.get_by_label("Grund für den Ausfall").fill("Fortbildung")
    card.locator(".quick-cancel button[type=submit]").click()

    expect(card_of(page, series, wednesday)).to_contain_text("Fortbildung")
    page.goto(f"{live_server.url}/sprechstunden/")
    struck = page.locator(f's time[datetime="{wednesday.isoformat()}"]')
    expect(struck).to_have_count(1)
    assert Activity.objects.get().status == "cancelled"


def test_a_dropped_connection_or_server_error_keeps_the_input(
    page: Page, live_server, log_in, demo_users
):
    series = make_series(demo_users, 0, "Grundschule Backnang-Süd")
    page.set_viewport_size(PHONE)
    log_in("fachkraft")
    page.goto(week_of(live_server, LAST_MONDAY))
    card = card_of(page, series, LAST_MONDAY)
    card.locator("summary", has_text="Diesen Termin erfassen").click()
    card.get_by_label("Kinder").fill("2")
    save = card.get_by_role("button", name="Speichern")

    page.route("**/meine-woche/erfassen/**", lambda route: route.abort())
    save.click()
    expect(card.locator(".draft-send-error")).to_be_visible()
    expect(page.locator("#week-live")).not_to_be_empty()
    page.unroute("**/meine-woche/erfassen/**")
    page.route("**/meine-woche/erfassen/**", lambda route: route.fulfill(status=500, body=""))
    save.click()
    expect(card.locator(".draft-send-error")).to_have_count(1)
    assert not Activity.objects.exists()
    assert len(drafts(page)) == 1
    expect(card.get_by_label("Kinder")).to_have_value("2")
    page.unroute("**/meine-woche/erfassen/**")
    save.click()

    expect(card_of(page, series, LAST_MONDAY)).to_contain_text("2 Kontakte")
    assert Activity.objects.get().children == 2
    assert no_drafts_left(page)


def test_the_activity_form_keeps_its_draft_over_an_ended_session(
    page: Page, live_server, log_in, demo_users
):
    page.set_viewport_size(PHONE)
    log_in("fachkraft")
    page.goto(f"{live_server.url}/aktivitaeten/neu/?kind=community")
    page.get_by_label("Kinder").fill("7")

    Session.objects.all().delete()
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(re.compile(r"/konto/anmelden/"))
    page.get_by_label("Benutzername").fill("fachkraft")
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/aktivitaeten/neu/\?kind=community"))
    page.locator("[data-draft-restore]").click()
    expect(page.get_by_label("Kinder")).to_have_value("7")
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator(".messages .alert-success")).to_be_visible()
    [activity] = Activity.objects.all()
    assert (activity.kind, activity.children) == ("community", 7)
    assert no_drafts_left(page)


def test_logging_out_deletes_the_drafts(page: Page, live_server, log_in, demo_users):
    series = make_series(demo_users, 0, "Grundschule Backnang-Süd")
    log_in("fachkraft")
    page.goto(week_of(live_server, LAST_MONDAY))
    card = card_of(page, series, LAST_MONDAY)
    card.locator("summary", has_text="Diesen Termin erfassen").click()
    card.get_by_label("Kinder").fill("9")
    assert len(drafts(page)) == 1

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/konto/anmelden/"))
    log_in("fachkraft")
    page.goto(week_of(live_server, LAST_MONDAY))

    assert drafts(page) == []
    expect(page.locator(".draft-offer")).to_have_count(0)
    assert not Activity.objects.exists()
