"""In a real browser (issue 15, points 1 and 6): a Fachbereichsleitung opens last month, which
has a consultation date nobody logged, sees it named, is refused without the confirmation and
signs off with it; the coverage matrix shows its status colours and fits a 1,280 px screen."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams import review_dates
from teams.models import Activity, TeamMonthReview
from teams.months import add_months, month_of
from tests.teams.conftest import make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def last_month_with_a_missing_date(demo_users):
    """Team Backnang's weekly series; every date of last month logged but one."""
    today = timezone.localdate()
    month = add_months(month_of(today), -1)
    backnang = Municipality.objects.get(name="Backnang")
    venue = Partner.objects.create(
        name="Grundschule Plattenwald", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    team = Team.objects.get(name="Backnang")
    series = make_series(team, backnang, venue, weekday=2, valid_from=month)
    (row,) = review_dates.month_series(team, month, today)
    missing, *logged = [o.date for o in row.not_logged]
    for day in logged:
        Activity.objects.create(
            team=team,
            municipality=backnang,
            consultation_hour=series,
            date=day,
            kind=Activity.Kind.CONSULTATION,
            status=Activity.Status.HELD,
        )
    return team, month, missing


@pytest.mark.parametrize("width", [1280, 360])
def test_head_sees_the_missing_date_and_signs_off_with_the_confirmation(
    page: Page, live_server, log_in, serious_violations, last_month_with_a_missing_date, width
):
    team, month, missing = last_month_with_a_missing_date
    page.set_viewport_size({"width": width, "height": 900})
    log_in("fbl-backnang")

    page.goto(f"{live_server.url}/pruefung/")
    open_months = page.locator("#open-months")
    expect(open_months).to_contain_text(team.name)
    expect(open_months.locator(".status-missing").first).to_be_visible()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(f"{live_server.url}/pruefung/{team.pk}/{month.year}/{month.month}/")
    day = f"{missing:%d.%m.%Y}"
    expect(page.locator("#not-logged")).to_contain_text(day)
    expect(page.locator("#series-dates")).to_contain_text("Grundschule Plattenwald")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.get_by_role("button", name="Abzeichnen").click()
    expect(page.locator("#id_confirm_missing")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_confirm_missing_error")).to_contain_text(day)
    assert not TeamMonthReview.objects.filter(team=team, month=month).exists()

    confirm = page.locator("#id_confirm_missing")
    expect(page.locator("label[for=id_confirm_missing]")).to_contain_text(day)
    confirm.check()
    page.get_by_role("button", name="Abzeichnen").click()
    expect(page.get_by_role("button", name="Wieder öffnen")).to_be_visible()
    expect(page.locator("#confirmed-missing")).to_contain_text(day)
    assert serious_violations(page) == []
    review = TeamMonthReview.objects.get(team=team, month=month)
    assert [item["date"] for item in review.missing_dates] == [missing.isoformat()]


def test_coverage_colours_show_and_the_matrix_fits_1280(
    page: Page, live_server, log_in, serious_violations, demo_users
):
    backnang = Municipality.objects.get(name="Backnang")
    school = Partner.objects.create(
        name="Realschule Backnang", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    Cooperation.objects.create(
        partner=school, status=CooperationStatus.ACTIVE, since=datetime.date(2025, 1, 1)
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in("fbl-backnang")

    page.goto(f"{live_server.url}/abdeckung/")
    cell = page.locator("td.status-cell-active").first
    expect(cell).to_contain_text("aktiv")
    colour = cell.evaluate("cell => getComputedStyle(cell).backgroundColor")
    assert colour == "rgb(209, 231, 221)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    region = page.get_by_role("region", name="Abdeckung im Mittelbereich Backnang")
    region.focus()
    page.keyboard.press("End")
    expect(page.get_by_role("columnheader", name="Elternbildung").first).to_be_in_viewport()
    expect(page.get_by_role("link", name="CSV herunterladen")).to_be_visible()
    assert serious_violations(page) == []


def boxes_overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("path", ["month", "/auswertung/", "/team-kalender/?period=month"])
def test_pages_print_without_navigation_forms_and_overlapping_tables(
    page: Page, live_server, log_in, last_month_with_a_missing_date, path
):
    team, month, _missing = last_month_with_a_missing_date
    if path == "month":
        path = f"/pruefung/{team.pk}/{month.year}/{month.month}/"
    page.set_viewport_size({"width": 760, "height": 1000})  # about an A4 page
    log_in("fbl-backnang")
    page.goto(f"{live_server.url}{path}")

    page.emulate_media(media="print")

    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_hidden()
    for form in page.locator("main form").all():
        expect(form).to_be_hidden()
    for button in page.locator("main .btn").all():
        expect(button).to_be_hidden()
    tables = [t.bounding_box() for t in page.locator("main table").all() if t.is_visible()]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 761 for box in tables)
    assert not any(boxes_overlap(a, b) for n, a in enumerate(tables) for b in tables[n + 1 :])


def test_dashboard_charts_take_one_colour_per_meaning_from_the_css(
    page: Page, live_server, log_in, last_month_with_a_missing_date
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in("fbl-backnang")
    page.goto(f"{live_server.url}/auswertung/")

    styles = page.evaluate(
        """() => {
          const css = getComputedStyle(document.documentElement);
          const found = {};
          document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
            Chart.getChart(canvas).data.datasets.forEach((d) => {
              found[d.label] = [d.borderColor, (d.borderDash || []).length];
            });
          });
          return {found, held: css.getPropertyValue("--sr-held").trim(),
                  cancelled: css.getPropertyValue("--sr-cancelled").trim(),
                  previous: css.getPropertyValue("--sr-previous").trim()};
        }"""
    )

    found = styles["found"]
    assert found["stattgefunden"] == [styles["held"], 0]
    assert found["ausgefallen"] == [styles["cancelled"], 0]
    assert found["ein Jahr zuvor"] == [styles["previous"], 2]
    assert styles["held"] != styles["cancelled"]
