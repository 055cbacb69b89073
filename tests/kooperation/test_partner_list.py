import pytest
from django.urls import reverse

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum.models import Municipality

URL = reverse("kooperation:partner_list")


def names(response):
    return [partner.name for partner in response.context["object_list"]]


@pytest.fixture
def partners(district):
    rudersberg = Municipality.objects.get(name="Rudersberg")
    backnang = Municipality.objects.get(name="Backnang")
    murrhardt = Municipality.objects.get(name="Murrhardt")
    for name, kind, municipality, address in [
        ("Jugendhaus Rudersberg", PartnerKind.YOUTH_HOUSE, rudersberg, "Hauptstraße 5"),
        ("Ökumenischer Jugendtreff Murrhardt", PartnerKind.YOUTH_HOUSE, murrhardt, "Kirchweg 2"),
        ("Offene Jugendarbeit Backnang", PartnerKind.YOUTH_HOUSE, backnang, "Bahnhofstraße 1"),
        ("Ambulante Hilfe Backnang", PartnerKind.OUTPATIENT_HELP, backnang, "Plüderhäuser Weg 4"),
        ("Zentrum Frühe Hilfen", PartnerKind.EARLY_HELP, None, ""),
    ]:
        Partner.objects.create(name=name, kind=kind, municipality=municipality, address=address)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jugendhaus", ["Jugendhaus Rudersberg"]),
        ("rudersberg", ["Jugendhaus Rudersberg"]),
        ("RUDERSBERG", ["Jugendhaus Rudersberg"]),
        ("ökumenisch", ["Ökumenischer Jugendtreff Murrhardt"]),
        ("OKUMENISCH", ["Ökumenischer Jugendtreff Murrhardt"]),
        ("plüderhäuser", ["Ambulante Hilfe Backnang"]),
        ("jugend backnang", ["Offene Jugendarbeit Backnang"]),
        ("frühe", ["Zentrum Frühe Hilfen"]),
        ("gibt es nicht", []),
    ],
)
def test_search_ignores_case_and_umlauts(client_for, fachkraft, partners, query, expected):
    response = client_for(fachkraft).get(URL, {"q": query})

    assert names(response) == expected


def test_list_is_alphabetical_with_umlauts_as_base_letters(client_for, fachkraft, partners):
    response = client_for(fachkraft).get(URL)

    assert names(response) == [
        "Ambulante Hilfe Backnang",
        "Jugendhaus Rudersberg",
        "Offene Jugendarbeit Backnang",
        "Ökumenischer Jugendtreff Murrhardt",
        "Zentrum Frühe Hilfen",
    ]


def test_filter_by_team_and_middle_area_use_todays_assignment(client_for, fachkraft, partners):
    client = client_for(fachkraft)
    team = client.get(URL).context["filter"].form.fields["team"].queryset.get(name="Backnang")
    area = team.middle_area

    by_team = client.get(URL, {"team": team.pk})
    by_area = client.get(URL, {"middle_area": area.pk})

    assert names(by_team) == ["Ambulante Hilfe Backnang", "Offene Jugendarbeit Backnang"]
    assert names(by_area) == [
        "Ambulante Hilfe Backnang",
        "Offene Jugendarbeit Backnang",
        "Ökumenischer Jugendtreff Murrhardt",
    ]


def test_filter_by_kind_status_and_district_wide(client_for, fachkraft, partners):
    house = Partner.objects.get(name="Jugendhaus Rudersberg")
    Cooperation.objects.create(partner=house, status=CooperationStatus.ACTIVE, since="2025-01-01")
    client = client_for(fachkraft)

    assert names(client.get(URL, {"kind": "outpatient_help"})) == ["Ambulante Hilfe Backnang"]
    assert names(client.get(URL, {"status": "active"})) == ["Jugendhaus Rudersberg"]
    assert len(names(client.get(URL, {"status": "none"}))) == 4
    assert names(client.get(URL, {"district_wide": "true"})) == ["Zentrum Frühe Hilfen"]


def test_inactive_partners_hidden_unless_asked_for(client_for, fachkraft, partners):
    Partner.objects.filter(name="Jugendhaus Rudersberg").update(is_active=False)
    client = client_for(fachkraft)

    assert "Jugendhaus Rudersberg" not in names(client.get(URL))
    assert names(client.get(URL, {"active": "no"})) == ["Jugendhaus Rudersberg"]
    assert len(names(client.get(URL, {"active": "all"}))) == 5


def test_list_is_paginated(client_for, fachkraft, backnang):
    Partner.objects.bulk_create(
        Partner(name=f"Kita {n:02}", kind=PartnerKind.DAYCARE, municipality=backnang)
        for n in range(30)
    )

    response = client_for(fachkraft).get(URL, {"page": 2})

    assert names(response) == ["Kita 25", "Kita 26", "Kita 27", "Kita 28", "Kita 29"]
    assert response.context["paginator"].count == 30


@pytest.mark.parametrize("count", [1, 8])
def test_partner_list_query_count_is_constant(
    client, fachkraft, backnang, django_assert_num_queries, count
):
    for n in range(count):
        partner = Partner.objects.create(
            name=f"Schule {n}", kind=PartnerKind.SCHOOL, municipality=backnang
        )
        Cooperation.objects.create(
            partner=partner, status=CooperationStatus.AGREED, since="2025-01-01"
        )
    client.force_login(fachkraft)

    with django_assert_num_queries(13):
        response = client.get(URL)

    assert len(response.context["object_list"]) == count
