"""A Fachkraft filters the activity list by a partner through the search-as-you-type chooser:
type, pick with the keyboard, apply, see only that partner's activities."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_with_partners(demo_users):
    """Three activities of team Backnang this year: one with the youth house, one with the
    school, one without a partner; plus a partner of another team."""
    backnang = Municipality.objects.get(name="Backnang")
    team = Team.objects.get(name="Backnang")
    youth_house = Partner.objects.create(
        name="Jugendhaus Backnang", kind=PartnerKind.YOUTH_HOUSE, municipality=backnang
    )
    school = Partner.objects.create(
        name="Grundschule Backnang-Süd", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    Partner.objects.create(
        name="Jugendhaus Winnenden",
        kind=PartnerKind.YOUTH_HOUSE,
        municipality=Municipality.objects.get(name="Winnenden"),
    )
    today = timezone.localdate()
    made = {}
    for offset, (kind, partner) in enumerate(
        [("event", youth_house), ("community", school), ("other", None)]
    ):
        activity = Activity.objects.create(
            team=team,
            municipality=backnang,
            kind=kind,
            date=max(today - datetime.timedelta(days=offset), today.replace(month=1, day=1)),
            status="held",
        )
        if partner:
            activity.partners.set([partner])
        made[kind] = activity
    return made


def test_fachkraft_filters_by_a_partner_typed_into_the_chooser(
    page: Page, live_server, log_in, serious_violations, logged_with_partners
):
    page.set_viewport_size({"width": 390, "height": 844})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in("fachkraft")

    page.goto(f"{live_server.url}/aktivitaeten/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_text("Suchen und filtern").click()
    chooser = page.get_by_role("combobox", name="Partner")
    chooser.focus()
    chooser.press_sequentially("jugend", delay=30)
    offered = page.get_by_role("option", name="Jugendhaus Backnang (Backnang)")
    expect(offered).to_be_visible()
    expect(page.get_by_role("option", name="Jugendhaus Winnenden (Winnenden)")).to_have_count(0)
    assert serious_violations(page) == []
    chooser.press("ArrowDown")
    chooser.press("Enter")
    page.get_by_role("button", name="Anwenden").click()

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Auftakt")
    assert f"partner={Partner.objects.get(name='Jugendhaus Backnang').pk}" in page.url
    expect(page.locator("select[name=partner] option:checked")).to_have_text(
        "Jugendhaus Backnang (Backnang)"
    )
    assert errors == []
