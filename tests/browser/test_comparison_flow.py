"""The comparison in a real browser: the Amtsleitung compares the three Mittelbereiche per
1,000 inhabitants, downloads the workbook, looks at the municipalities on the map; the
Fachbereichsleitung sets a target and sees it beside its actual value."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from sozialraum.models import MiddleArea, Municipality, Team
from teams.models import Activity, Target, TargetIndicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = datetime.date.today().year - 1


@pytest.fixture
def logged(demo_users):
    """Held activities last year: 4 in Backnang (team Backnang), 1 in Korb."""
    backnang = Municipality.objects.get(name="Backnang")
    korb = Municipality.objects.get(name="Korb")
    for day in (3, 4, 5, 6):
        Activity.objects.create(
            team=Team.objects.get(name="Backnang"),
            municipality=backnang,
            date=datetime.date(YEAR, 3, day),
            kind="community",
            children=2,
        )
    Activity.objects.create(
        team=Team.objects.get(name="Waiblingen/Korb"),
        municipality=korb,
        date=datetime.date(YEAR, 5, 5),
        kind="event",
    )
    return backnang, korb


def area_population(name: str) -> int:
    middle = MiddleArea.objects.get(name=name)
    return sum(
        Municipality.objects.filter(assignments__team__middle_area=middle).values_list(
            "population", flat=True
        )
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_amtsleitung_compares_middle_areas_and_downloads_the_workbook(
    page: Page, live_server, log_in, serious_violations, logged, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in("amtsleitung")
    page.goto(f"{live_server.url}/")
    if width < 992:
        page.locator(".navbar-toggler").click()
    page.locator("#main-nav .dropdown-toggle").first.click()
    page.locator("#main-nav a[href='/vergleich/']").click()
    page.locator("#id_year").fill(str(YEAR))
    page.locator("form[method=get] button[type=submit]").click()
    rates = page.locator("#table-per_thousand").locator("xpath=..")
    expect(rates.locator("tbody tr")).to_have_count(3)
    expected = round(4 * 1000 / area_population("Backnang"), 2)
    backnang_row = rates.locator("tbody tr", has_text="Backnang")
    expect(backnang_row.locator("td").first).to_have_text(
        f"{expected}".replace(".", ",")
    )  # held activities per 1,000 inhabitants, German decimals
    expect(page.locator("#table-population").locator("xpath=..")).to_contain_text("31.12.")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    with page.expect_download() as info:
        page.locator("#comparison-workbook a").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    sheet = book.worksheets[1]  # per 1,000 inhabitants
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 3
    assert rows["Mittelbereich Backnang"][0] == expected


@pytest.mark.parametrize("width", [1280, 360])
def test_municipalities_on_the_map_and_a_target(
    page: Page, live_server, log_in, serious_violations, logged, width
):
    page.set_viewport_size({"width": width, "height": 900})
    backnang, _korb = logged
    Target.objects.create(
        year=YEAR, municipality=backnang, indicator=TargetIndicator.HELPS, value=2
    )
    log_in("amtsleitung")
    page.goto(f"{live_server.url}/vergleich/?kind=municipality&year={YEAR}")
    expect(page.locator("#table-overview").locator("xpath=..").locator("tbody tr")).to_have_count(
        31
    )
    expect(page.locator("#targets")).to_contain_text("✗")
    expect(page.locator(".district-map-block svg")).to_be_visible()
    expect(
        page.locator(".district-map-block a[href*='scope=municipality-']").first
    ).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}/ziele/?year={YEAR}")
    expect(page.locator("#target-table")).to_contain_text("Backnang")
    assert serious_violations(page) == []
    page.locator("#target-table a[href*='loeschen']").click()
    assert serious_violations(page) == []
    page.locator("main button.btn-danger").click()
    expect(page.locator("#no-targets")).to_be_visible()
    assert not Target.objects.exists()
