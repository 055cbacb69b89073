"""The team calendar in a browser (issue 14, points 3, 4 and 8): a Teamleitung sees the team's
week on a desktop and a phone, including a series whose only staff member left; a Fachkraft
records an absence with a stand-in on a phone and finds it in the calendar."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Partner
from sozialraum.models import Membership, Municipality, Team, User
from teams.models import Absence, ConsultationHour
from teams.recurrence import build_rrule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scrolling(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def week_series(demo_users):
    """Two series of team Backnang on today's weekday: one staffed by fachkraft, one whose
    only staff member has been deactivated."""
    backnang = Municipality.objects.get(name="Backnang")
    team = Team.objects.get(name="Backnang")
    left = User.objects.create_user("ausgeschieden", first_name="Alex", last_name="Ausgeschieden")
    Membership.objects.create(user=left, team=team)
    left.is_active = False
    left.save()
    created = []
    for name, staff in [
        ("Jugendhaus Backnang", demo_users["fachkraft"]),
        ("Rathaus Backnang", left),
    ]:
        venue = Partner.objects.create(
            name=name, kind="youth_house", municipality=backnang, address="Musterweg 1"
        )
        series = ConsultationHour.objects.create(
            team=team,
            municipality=backnang,
            venue=venue,
            rrule=build_rrule(pattern="weekly", weekday=timezone.localdate().weekday()),
            start_time=datetime.time(14),
            end_time=datetime.time(16),
            valid_from=datetime.date(2026, 1, 1),
        )
        series.staff.set([staff])
        created.append(series)
    return created


def test_teamleitung_sees_the_team_week_on_desktop_and_phone(
    page: Page, live_server, log_in, serious_violations, week_series
):
    staffed, unstaffed = week_series
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in("teamleitung")

    page.get_by_role("button", name="Präsenz").click()
    page.locator("#main-nav a[href='/team-kalender/']").click()

    expect(page.locator("h1")).to_contain_text("Backnang")
    today = timezone.localdate()
    expect(page.locator(f"#date-{staffed.pk}-{today:%Y%m%d}")).to_contain_text(
        "Friederike Fachkraft"
    )
    expect(page.locator("#series-without-staff")).to_contain_text("Rathaus Backnang")
    expect(page.locator(f"#date-{unstaffed.pk}-{today:%Y%m%d}")).to_have_class(
        "calendar-entry series-date-open is-flagged"
    )
    # On a desktop the week is a grid of seven days side by side.
    days = page.locator(".calendar-day")
    assert days.nth(0).bounding_box()["y"] == days.nth(6).bounding_box()["y"]
    assert serious_violations(page) == []
    label = page.locator("#period-label").inner_text()

    page.locator("#calendar-next").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#period-label")).not_to_have_text(label)
    page.locator("#calendar-previous").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#period-label")).to_have_text(label)

    page.locator("#calendar-switch").click()
    expect(page.locator(".calendar-month")).to_be_attached()
    # The month's grid puts each day under its weekday: the first Monday starts a row.
    month = timezone.localdate().replace(day=1)
    monday = month + datetime.timedelta(days=(7 - month.weekday()) % 7)
    grid = page.locator(".calendar-days").bounding_box()
    assert page.locator(f"#day-{monday:%Y-%m-%d}").bounding_box()["x"] == grid["x"]

    page.set_viewport_size({"width": 360, "height": 800})
    # On a phone the days are a list, one below the other.
    shown = page.locator(".calendar-day:visible")
    assert shown.nth(0).bounding_box()["y"] < shown.nth(1).bounding_box()["y"]
    no_sideways_scrolling(page, 360)
    assert serious_violations(page) == []


def test_fachkraft_records_an_absence_with_a_stand_in_on_a_phone(
    page: Page, live_server, log_in, serious_violations, week_series, demo_users
):
    staffed, _unstaffed = week_series
    team = Team.objects.get(name="Backnang")
    start = timezone.localdate() + datetime.timedelta(days=7)
    end = start + datetime.timedelta(days=13)
    page.set_viewport_size({"width": 360, "height": 800})
    log_in("fachkraft")

    page.goto(f"{live_server.url}/abwesenheiten/")
    no_sideways_scrolling(page, 360)
    page.locator(f"#record-own-{team.pk}").click()
    page.locator("#id_start").fill(start.isoformat())
    page.locator("#id_end").fill(end.isoformat())
    page.locator(f"#id_stand_in_{staffed.pk}").select_option(label="Tobias Teamleitung")
    assert serious_violations(page) == []
    no_sideways_scrolling(page, 360)
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator("#absences")).to_contain_text("Friederike Fachkraft")
    expect(page.locator("#absences")).to_contain_text("Jugendhaus Backnang → Tobias Teamleitung")
    stand_in_date = page.locator(f"#date-{staffed.pk}-{start:%Y%m%d}")
    expect(stand_in_date).to_contain_text("Tobias Teamleitung")
    no_sideways_scrolling(page, 360)
    absence = Absence.objects.get()
    assert (absence.user, absence.start, absence.end) == (demo_users["fachkraft"], start, end)
    assert list(absence.stand_ins.values_list("stand_in__username", flat=True)) == ["teamleitung"]
