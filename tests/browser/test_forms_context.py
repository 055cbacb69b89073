"""Forms that know the context, in a browser: a Teamleitung creates a series with the preview
and picks its staff with the keyboard only; a Fachkraft chooses a Gremium and finds the
municipality and the partners filled in."""

import pytest
from playwright.sync_api import Page, expect

from kooperation.models import Body, BodyMembership, Partner, PartnerKind
from sozialraum.models import Membership, Municipality, Team, User
from teams.models import ConsultationHour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1280, 900), (360, 780)]


@pytest.fixture
def network(demo_users):
    """Venues in Backnang (a school, a help project) and Korb; a Gremium in Backnang; team
    Backnang with 14 more staff, so its staff list becomes a chooser."""
    backnang = Municipality.objects.get(name="Backnang")
    korb = Municipality.objects.get(name="Korb")
    school = Partner.objects.create(
        name="Grundschule Backnang-Süd", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    Partner.objects.create(
        name="Hilfeprojekt Backnang", kind=PartnerKind.OUTPATIENT_HELP, municipality=backnang
    )
    Partner.objects.create(name="Rathaus Korb", kind=PartnerKind.TOWN_HALL, municipality=korb)
    hall = Partner.objects.create(
        name="Rathaus Backnang", kind=PartnerKind.TOWN_HALL, municipality=backnang
    )
    for n in range(20):
        Partner.objects.create(name=f"Verein {n:02d}", kind="volunteers", municipality=backnang)
    body = Body.objects.create(
        name="Runder Tisch Backnang", kind="round_table", municipality=backnang, convener=hall
    )
    BodyMembership.objects.create(body=body, partner=school)
    team = Team.objects.get(name="Backnang")
    for n in range(14):
        user = User.objects.create_user(
            f"kollegin{n:02d}", first_name="Kollegin", last_name=f"Nummer {n:02d}"
        )
        Membership.objects.create(user=user, team=team)
    return {"school": school, "hall": hall, "body": body}


def dates_and_states(items) -> list[tuple[str, str]]:
    return [
        (item.locator("span").first.inner_text(), item.locator(".status").inner_text())
        for item in items.all()
    ]


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_teamleitung_creates_a_series_with_preview_and_keyboard_chooser(
    page: Page, live_server, log_in, serious_violations, network, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append((page.url, message.text[:60])),
    )
    log_in("teamleitung")

    page.goto(f"{live_server.url}/sprechstunden-serien/neu/")

    municipality = page.locator("select[name=municipality]")
    expect(municipality.locator("option:checked")).to_have_text("Backnang")
    venue = page.locator("select[name=venue]")
    expect(venue.locator("option", has_text="Rathaus Korb")).to_have_count(0)
    page.locator("select[name=pattern]").select_option("monthly")
    expect(page.locator("#div_id_interval")).to_be_hidden()
    expect(page.locator("#div_id_nth")).to_be_visible()
    venue.select_option(label="Hilfeprojekt Backnang (Backnang)")
    expect(page.locator("input[name=is_public]")).not_to_be_checked()
    venue.select_option(label="Grundschule Backnang-Süd (Backnang)")
    expect(page.locator("input[name=is_public]")).to_be_checked()
    preview = page.locator("#series-preview li.series-date")
    expect(preview.first).to_be_visible()
    previewed = dates_and_states(preview)

    staff = page.get_by_role("combobox", name="Mitarbeitende")
    staff.focus()
    staff.press_sequentially("Nummer 07", delay=30)
    expect(page.get_by_role("option", name="Nummer 07")).to_be_visible()
    expect(page.locator(".ts-dropdown .option.active")).to_contain_text("Nummer 07")
    staff.press("Enter")
    staff.press("Escape")
    assert page.locator("input[name=staff]:checked").count() == 1
    assert serious_violations(page) == []
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Speichern").click()

    series = ConsultationHour.objects.get()
    expect(page).to_have_url(f"{live_server.url}/sprechstunden-serien/{series.pk}/")
    # The saved page adds an "erfassen" link to a date that has come (the preview cannot log):
    # dates and states must be the same, whatever day the test runs on.
    shown = dates_and_states(page.locator("#upcoming-heading + ul li.series-date"))
    assert shown == previewed
    assert (series.is_public, series.rrule) == (True, "FREQ=MONTHLY;BYDAY=+1MO")
    assert [u.username for u in series.staff.all()] == ["kollegin07"]
    assert errors == []


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_fachkraft_chooses_a_gremium_and_finds_municipality_and_partners(
    page: Page, live_server, log_in, serious_violations, network, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    log_in("fachkraft")
    page.goto(f"{live_server.url}/aktivitaeten/neu/")
    page.locator("select[name=kind]").select_option("round_table")
    page.locator("select[name=municipality]").select_option("")

    page.locator("select[name=body]").select_option(label="Runder Tisch Backnang")

    expect(page.locator("select[name=municipality] option:checked")).to_have_text("Backnang")
    partners = page.locator("#div_id_partners .ts-control .item")
    expect(partners).to_have_count(2)
    chooser = page.get_by_role("combobox", name="Beteiligte Partner")
    chooser.focus()
    chooser.press_sequentially("Verein 03", delay=30)
    expect(page.get_by_role("option", name="Verein 03 (Backnang)")).to_be_visible()
    expect(page.locator(".ts-dropdown .option.active")).to_have_text("Verein 03 (Backnang)")
    chooser.press("Enter")
    expect(partners).to_have_count(3)
    assert page.locator("input[name=partners]:checked").count() == 3
    assert serious_violations(page) == []
    assert no_sideways_scroll(page)
