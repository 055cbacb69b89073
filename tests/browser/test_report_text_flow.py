"""The annual report in a real browser: a Fachbereichsleitung writes the introduction of her
Mittelbereich's report, sees it in the report and downloads the Word document that carries it."""

import datetime
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sozialraum.models import MiddleArea, Municipality, Team
from teams.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = datetime.date.today().year - 1
INTRODUCTION = "Im Mittelbereich Backnang sind drei Teams regelmäßig vor Ort."


@pytest.fixture
def logged(demo_users):
    backnang = Municipality.objects.get(name="Backnang")
    Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        date=datetime.date(YEAR, 3, 3),
        kind="event",
        young_people=12,
        helps_initiated=1,
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_fachbereichsleitung_writes_the_introduction_and_downloads_the_docx(
    page: Page, live_server, log_in, serious_violations, logged, width
):
    from docx import Document

    page.set_viewport_size({"width": width, "height": 900})
    log_in("fbl-backnang")
    area = MiddleArea.objects.get(name="Backnang")
    page.goto(f"{live_server.url}/jahresbericht/?year={YEAR}&scope=middle_area-{area.pk}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []

    page.locator("#edit-structure").click()
    expect(page.locator("#no-single-cases")).to_be_visible()
    assert serious_violations(page) == []
    page.locator("#id_introduction").fill(INTRODUCTION)
    page.locator(".form-page button[type=submit]").click()

    expect(page.locator("#text-structure-introduction")).to_have_text(INTRODUCTION)
    # Einzelfallhilfen of 1 are hidden; the activities are not.
    expect(page.locator("#report-persons")).to_contain_text("< 3")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_download() as info:
        page.locator("#report-docx").click()
    document = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert INTRODUCTION in [p.text for p in document.paragraphs]
    assert len(document.tables) >= 5
