"""Master data in a real browser: Administration imports the example school holidays through
the button on the closure-period list, at desktop and at phone width."""

import pytest
from playwright.sync_api import Page, expect

from teams import closures
from teams.demo import SCHOOL_HOLIDAYS
from teams.models import ClosurePeriod

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_admin_imports_the_example_school_holidays(
    page: Page, live_server, demo_users, log_in, serious_violations, width
):
    page.set_viewport_size({"width": width, "height": 900})

    log_in("admin")
    page.goto(f"{live_server.url}/admin/teams/closureperiod/")
    page.locator("#import-link").click()
    expect(page.locator("#import-form")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    expect(page.locator("#import-example")).to_have_attribute(
        "href", "/admin/teams/closureperiod/import/schulferien-beispiel.csv"
    )
    page.locator("#id_file").set_input_files(str(closures.EXAMPLE_FILE))
    page.locator("#import-form [type=submit]").click()

    summary = page.locator(".messagelist .success")
    expect(summary).to_contain_text("7")
    expect(page.locator("#result_list")).to_contain_text("Weihnachtsferien 2025/26")
    expect(page.locator("#result_list")).to_contain_text("22.12.2025")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert sorted(ClosurePeriod.objects.values_list("name", "start", "end")) == sorted(
        SCHOOL_HOLIDAYS
    )


def test_bad_file_shows_the_errors_and_imports_nothing(
    page: Page, live_server, demo_users, log_in, tmp_path
):
    bad = tmp_path / "ferien.csv"
    bad.write_text("name;first day;last day\nOsterferien 2026;30.03.2026;kaputt\n", "utf-8")
    page.set_viewport_size({"width": 360, "height": 900})

    log_in("admin")
    page.goto(f"{live_server.url}/admin/teams/closureperiod/import/")
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("#import-form [type=submit]").click()

    expect(page.get_by_role("alert")).to_contain_text("„last day“")
    expect(page.get_by_role("alert")).to_contain_text("kaputt")
    assert ClosurePeriod.objects.count() == 0
