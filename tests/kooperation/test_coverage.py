import datetime

import pytest
from django.urls import reverse

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from kooperation.selectors import coverage
from sozialraum.models import Assignment, MiddleArea, Municipality, Team
from sozialraum.services import assignment_reassign

URL = reverse("kooperation:coverage")


def add(name, kind, municipality, status=None, active=True):
    partner = Partner.objects.create(
        name=name, kind=kind, municipality=municipality, is_active=active
    )
    if status:
        Cooperation.objects.create(partner=partner, status=status, since="2025-01-01")
    return partner


def cells_of(areas, municipality_name):
    for area in areas:
        for team in area.active_teams:
            for row in team.coverage_rows:
                if row.municipality.name == municipality_name:
                    return {c.kind: (c.count, c.best_status) for c in row.cells if c.count}
    raise LookupError(municipality_name)


@pytest.fixture
def network(district):
    backnang = Municipality.objects.get(name="Backnang")
    aspach = Municipality.objects.get(name="Aspach")
    add("Grundschule Backnang-Süd", PartnerKind.SCHOOL, backnang, CooperationStatus.INITIATED)
    add("Realschule Backnang", PartnerKind.SCHOOL, backnang, CooperationStatus.ACTIVE)
    add("Gymnasium Backnang", PartnerKind.SCHOOL, backnang, CooperationStatus.ENDED)
    add("Kita Backnang-Mitte", PartnerKind.DAYCARE, backnang)
    add("Kita Backnang-Nord", PartnerKind.DAYCARE, backnang, CooperationStatus.DORMANT)
    add("Alte Kita Backnang", PartnerKind.DAYCARE, backnang, CooperationStatus.ACTIVE, active=False)
    add("Rathaus Aspach", PartnerKind.TOWN_HALL, aspach, CooperationStatus.AGREED)
    add("Frühe Hilfen", PartnerKind.EARLY_HELP, None, CooperationStatus.BUILDING)


def test_cells_count_active_partners_and_show_the_best_status(network):
    areas, district_wide = coverage()

    assert cells_of(areas, "Backnang") == {
        "school": (3, "active"),
        "daycare": (2, "dormant"),
    }
    assert cells_of(areas, "Aspach") == {"town_hall": (1, "agreed")}
    assert cells_of(areas, "Korb") == {}
    assert [(c.kind, c.count, c.best_status) for c in district_wide.cells if c.count] == [
        ("early_help", 1, "building")
    ]


def test_rows_grouped_by_middle_area_and_todays_team(network):
    areas, _ = coverage()

    assert [a.name for a in areas] == ["Backnang", "Schorndorf", "Waiblingen"]
    assert [t.name for t in areas[0].active_teams] == [
        "Backnang",
        "Backnang Umland",
        "Oberes Murrtal",
    ]
    assert [r.municipality.name for r in areas[0].active_teams[0].coverage_rows] == ["Backnang"]
    assert areas[0].active_teams[1].coverage_rows[2].missing == len(PartnerKind) - 1


def test_reassigned_municipality_moves_to_its_new_team(network):
    today = datetime.date.today()
    Assignment.objects.filter(municipality__name="Aspach").update(
        valid_from=today - datetime.timedelta(days=400)
    )
    assignment_reassign(
        municipality=Municipality.objects.get(name="Aspach"),
        team=Team.objects.get(name="Oberes Murrtal"),
        effective=today,
    )

    areas, _ = coverage()

    murrtal = areas[0].active_teams[2]
    assert "Aspach" in [r.municipality.name for r in murrtal.coverage_rows]


def test_coverage_page_defaults_to_the_heads_middle_area(client_for, fbl_backnang, network):
    response = client_for(fbl_backnang).get(URL)

    assert [a.name for a in response.context["coverage_areas"]] == ["Backnang"]
    content = response.content.decode()
    assert f'href="{reverse("kooperation:partner_list")}?municipality=' in content
    assert '<th scope="col" class="kind-header"><span>Schule</span></th>' in content


def test_coverage_page_whole_district_on_request(client_for, fbl_backnang, network):
    response = client_for(fbl_backnang).get(URL, {"middle_area": ""})

    assert len(response.context["coverage_areas"]) == 3


def test_cell_link_leads_to_the_partners_of_the_cell(client_for, fbl_backnang, network):
    backnang = Municipality.objects.get(name="Backnang")

    response = client_for(fbl_backnang).get(
        reverse("kooperation:partner_list"), {"municipality": backnang.pk, "kind": "school"}
    )

    assert [p.name for p in response.context["object_list"]] == [
        "Grundschule Backnang-Süd",
        "Gymnasium Backnang",
        "Realschule Backnang",
    ]


@pytest.mark.parametrize("count", [1, 6])
def test_coverage_query_count_is_constant(client, fbl_backnang, django_assert_num_queries, count):
    backnang = Municipality.objects.get(name="Backnang")
    for n in range(count):
        add(f"Schule {n}", PartnerKind.SCHOOL, backnang, CooperationStatus.AGREED)
    client.force_login(fbl_backnang)

    with django_assert_num_queries(14):
        response = client.get(URL, {"middle_area": MiddleArea.objects.get(name="Backnang").pk})

    assert cells_of(response.context["coverage_areas"], "Backnang") == {"school": (count, "agreed")}
