"""A whole week logged on a phone (390 px), as a new user would, with every tap counted.

Issue 14 measured the week before it was built: "2 consultation dates, a round table, a network
event, community work, a cooperation step in 29 taps". This test logs exactly that week as the
demo Fachkraft (team Backnang, one municipality) on the shortest path the UI offers, counts the
taps and prints them per step (run pytest with -s to see the table).

What counts as a tap: each click on a link, button or summary; each tap into a field before
typing (a fill() is one tap); a native select is two taps (open, choose); a preselected field
(date today, status "held", team, municipality, staff, kind from the button) costs nothing.
Opening the login page (bookmark) is not a tap; signing in is counted in a row of its own and
left out of the week's total; the week is fewer than 29 taps with and without it (22 and 25 on
6 December 2026: a form opened from Meine Woche returns to the week after saving).
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from kooperation.demo import demo_load as kooperation_demo_load
from kooperation.models import (
    Body,
    Cooperation,
    CooperationStatus,
    CooperationStep,
    Partner,
)
from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import Team
from teams.models import Activity, ConsultationHour
from teams.recurrence import build_rrule, public_holiday
from teams.selectors import week_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BASELINE = 29  # issue 14: the same week before, in taps
SIGN_IN = "Sign in (not part of the week)"


class Taps:
    """Counts the taps of each step of the flow."""

    def __init__(self):
        self.steps: list[list] = []

    def step(self, name: str) -> None:
        self.steps.append([name, 0])

    def _add(self, number: int) -> None:
        self.steps[-1][1] += number

    def tap(self, locator: Locator) -> None:
        """A tap on a link, button, summary or radio button."""
        locator.click()
        self._add(1)

    def type_into(self, locator: Locator, text: str) -> None:
        """A tap into the field, then typing (the keyboard is no tap)."""
        locator.fill(text)
        self._add(1)

    def choose(self, locator: Locator, **option) -> None:
        """A native select on a phone: open it, tap the option."""
        locator.select_option(**option)
        self._add(2)

    def of(self, name: str) -> int:
        return sum(number for step, number in self.steps if step == name)

    @property
    def week(self) -> int:
        return sum(number for step, number in self.steps if step != SIGN_IN)

    @property
    def total(self) -> int:
        return sum(number for _step, number in self.steps)

    def table(self) -> str:
        width = max(len(step) for step, _number in self.steps)
        lines = [f"{'Step':<{width}}  Taps", f"{'-' * width}  ----"]
        lines += [f"{step:<{width}}  {number:>4}" for step, number in self.steps]
        lines += [
            f"{'-' * width}  ----",
            f"{'Week (after signing in)':<{width}}  {self.week:>4}",
            f"{'Total with signing in':<{width}}  {self.total:>4}",
        ]
        return "\n".join(lines)


def logging_days(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Two days of this week up to today that are no public holiday (the same day twice on a
    Monday): the dates of the two series, both to be logged already."""
    monday = week_start(today)
    days = [
        monday + datetime.timedelta(days=offset)
        for offset in range((today - monday).days + 1)
        if not public_holiday(monday + datetime.timedelta(days=offset))
    ]
    if not days:
        pytest.skip("no working day in this week up to today")
    return days[0], days[-1]


@pytest.fixture
def week(demo_users):
    """The demo network (partners, Gremien, cooperations), two weekly series staffed by the
    Fachkraft with a date each this week (from this week on: no older open dates), and her
    cooperation with the school whose next step is due."""
    kooperation_demo_load()
    today = timezone.localdate()
    fachkraft = demo_users["fachkraft"]
    team = Team.objects.get(name="Backnang")
    first_day, second_day = logging_days(today)
    series = []
    for name, day, start, end in [
        ("Grundschule Backnang-Süd", first_day, 14, 15),
        ("Jugendhaus Backnang", second_day, 16, 18),
    ]:
        venue = Partner.objects.get(name=name, municipality__name="Backnang")
        hour = ConsultationHour.objects.create(
            team=team,
            municipality=venue.municipality,
            venue=venue,
            rrule=build_rrule(pattern="weekly", weekday=day.weekday()),
            start_time=datetime.time(start),
            end_time=datetime.time(end),
            valid_from=week_start(today),
            is_public=True,
        )
        hour.staff.set([fachkraft])
        series.append((hour, day))
    school = series[0][0].venue
    Cooperation.objects.filter(partner=school).delete()
    since = today - datetime.timedelta(days=42)
    cooperation = Cooperation.objects.create(
        partner=school,
        status=CooperationStatus.INITIATED,
        since=since,
        responsible=fachkraft,
        next_step="Termin mit der Schulleitung vereinbaren",
        # Earlier than any demo step: first in the start page's list of steps due.
        next_step_due=today - datetime.timedelta(days=21),
    )
    CooperationStep.objects.create(
        cooperation=cooperation, status=CooperationStatus.INITIATED, on=since
    )
    return {"series": series, "cooperation": cooperation}


def test_a_week_on_a_phone_takes_fewer_taps_than_before(page: Page, live_server, week):
    page.set_viewport_size(PHONE)
    taps = Taps()
    (school_hour, school_day), (youth_hour, youth_day) = week["series"]
    cooperation = week["cooperation"]
    round_table = Body.objects.get(name="Runder Tisch Jugend Backnang")

    def saved_activity():
        expect(page.locator(".messages .alert-success")).to_contain_text("erfasst")

    def back_on_the_week():
        """A form opened from the week returns to it after saving (no taps)."""
        expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()

    taps.step(SIGN_IN)
    page.goto(f"{live_server.url}/konto/anmelden/")
    taps.type_into(page.get_by_label("Benutzername"), "fachkraft")
    taps.type_into(page.get_by_label("Passwort"), DEMO_PASSWORD)
    taps.tap(page.get_by_role("button", name="Anmelden"))
    expect(page.locator("#user-menu")).to_be_attached()

    # The start page lists the open dates of the week: one tap to "Meine Woche".
    taps.step("Start page → Meine Woche (open date)")
    taps.tap(page.locator("#home-open-dates li a").first)
    expect(page.get_by_role("heading", name="Meine Woche")).to_be_visible()

    taps.step("Consultation date 1 (held, 2 counts)")
    card = page.locator(f"#occ-{school_hour.pk}-{school_day:%Y%m%d}")
    taps.tap(card.locator("summary", has_text="Diesen Termin erfassen"))
    taps.type_into(card.get_by_label("Kinder"), "3")
    taps.type_into(card.get_by_label("Jugendliche"), "5")
    taps.tap(card.get_by_role("button", name="Speichern"))
    expect(card).to_contain_text("8 Kontakte")

    taps.step("Consultation date 2 (held, 1 count)")
    card = page.locator(f"#occ-{youth_hour.pk}-{youth_day:%Y%m%d}")
    taps.tap(card.locator("summary", has_text="Diesen Termin erfassen"))
    taps.type_into(card.get_by_label("Jugendliche"), "6")
    taps.tap(card.get_by_role("button", name="Speichern"))
    expect(card).to_contain_text("6 Kontakte")

    taps.step("Round table (Gremium)")
    taps.tap(page.get_by_role("link", name="Runder Tisch", exact=True))
    taps.choose(page.locator("#id_body"), value=str(round_table.pk))
    taps.tap(page.get_by_role("button", name="Speichern"))
    saved_activity()

    back_on_the_week()

    taps.step("Network event")
    taps.tap(page.get_by_role("link", name="Auftakt- oder Netzwerkveranstaltung", exact=True))
    taps.tap(page.get_by_role("button", name="Speichern"))
    saved_activity()

    back_on_the_week()

    taps.step("Community work")
    taps.tap(page.get_by_role("link", name="Gemeinwesenarbeit", exact=True))
    taps.tap(page.get_by_role("button", name="Speichern"))
    saved_activity()

    # The start page lists the next steps due: the school is one tap away.
    taps.step("Cooperation step (status changed)")
    taps.tap(page.get_by_role("link", name="Sozialraum", exact=True))
    taps.tap(
        page.locator("#home-own-steps").get_by_role(
            "link", name=cooperation.partner.name, exact=True
        )
    )
    taps.tap(page.get_by_role("link", name="Kooperationsschritt erfassen"))
    taps.choose(page.locator("#id_status"), value=CooperationStatus.BUILDING)
    taps.tap(page.get_by_role("button", name="Schritt erfassen"))
    expect(page.locator("#cooperation-status")).to_contain_text("im Aufbau")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    print()
    print("Issue 14: a week on a phone (390 px), demo Fachkraft")
    print(taps.table())

    activities = Activity.objects.filter(staff__username="fachkraft").distinct()
    assert sorted(activities.values_list("kind", "status")) == [
        ("community", "held"),
        ("consultation", "held"),
        ("consultation", "held"),
        ("event", "held"),
        ("round_table", "held"),
    ]
    assert activities.filter(body=round_table).exists()
    assert set(activities.filter(kind="consultation").values_list("consultation_hour", "date")) == {
        (school_hour.pk, school_day),
        (youth_hour.pk, youth_day),
    }
    assert all(a.municipality.name == "Backnang" for a in activities.select_related("municipality"))
    step = CooperationStep.objects.get(cooperation=cooperation, status=CooperationStatus.BUILDING)
    assert (step.previous_status, step.recorded_by.username) == ("initiated", "fachkraft")
    assert taps.of(SIGN_IN) == 3
    assert taps.week < BASELINE, taps.table()
    assert taps.total < BASELINE, taps.table()  # fewer even with signing in
