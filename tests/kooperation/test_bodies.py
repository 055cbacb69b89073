import pghistory.models
import pytest
from django.urls import reverse

from kooperation.models import Body, BodyKind, Partner


def test_lead_creates_a_district_wide_network_with_members(
    client_for, teamleitung, fachkraft, network_partner, school_backnang
):
    response = client_for(teamleitung).post(
        reverse("kooperation:body_create"),
        {
            "name": "Netzwerk Elternbildung",
            "kind": "network",
            "municipality": "",
            "convener": network_partner.pk,
            "members": [network_partner.pk, school_backnang.pk],
            "representatives": [fachkraft.pk],
            "rhythm": "half_yearly",
            "rhythm_note": "Frühjahr und Herbst",
        },
    )

    body = Body.objects.get()
    assert response.url == reverse("kooperation:body_detail", args=[body.pk])
    assert (body.kind, body.municipality, body.convener) == ("network", None, network_partner)
    assert sorted(p.name for p in body.members.all()) == [
        "Grundschule Backnang-Süd",
        "Koordinierungsstelle Frühe Hilfen",
    ]
    assert list(body.representatives.all()) == [fachkraft]
    events = pghistory.models.Events.objects.filter(pgh_model="kooperation.BodyMembershipEvent")
    assert events.count() == 2


def test_body_detail_lists_members_and_representatives(
    client_for, amtsleitung, fachkraft, school_backnang, backnang
):
    body = Body.objects.create(
        name="Runder Tisch Jugend Backnang", kind=BodyKind.ROUND_TABLE, municipality=backnang
    )
    body.members.add(school_backnang)
    body.representatives.add(fachkraft)

    response = client_for(amtsleitung).get(reverse("kooperation:body_detail", args=[body.pk]))

    content = response.content.decode()
    assert "Grundschule Backnang-Süd" in content
    assert "Friederike Fachkraft" in content
    assert response.context["can_edit"] is False


def test_body_update_saved_meanwhile_is_refused(client_for, fachkraft, teamleitung, backnang):
    body = Body.objects.create(
        name="Runder Tisch", kind=BodyKind.ROUND_TABLE, municipality=backnang
    )
    data = {
        "name": "Runder Tisch Jugend",
        "kind": "round_table",
        "municipality": backnang.pk,
        "version": 1,
    }
    client_for(teamleitung).post(
        reverse("kooperation:body_update", args=[body.pk]), {**data, "name": "Erster"}
    )

    response = client_for(fachkraft).post(reverse("kooperation:body_update", args=[body.pk]), data)

    assert response.status_code == 409
    body.refresh_from_db()
    assert (body.name, body.version) == ("Erster", 2)


@pytest.mark.parametrize("count", [1, 5])
def test_body_list_query_count_is_constant(
    client, fachkraft, backnang, school_backnang, django_assert_num_queries, count
):
    for n in range(count):
        body = Body.objects.create(
            name=f"Arbeitskreis {n}", kind=BodyKind.WORKING_GROUP, municipality=backnang
        )
        body.members.add(school_backnang)
    client.force_login(fachkraft)

    with django_assert_num_queries(12):
        response = client.get(reverse("kooperation:body_list"))

    assert [b.member_count for b in response.context["object_list"]] == [1] * count


def test_body_list_filters_by_kind_and_search(client_for, fachkraft, backnang):
    Body.objects.create(
        name="Runder Tisch Jugend Backnang", kind=BodyKind.ROUND_TABLE, municipality=backnang
    )
    Body.objects.create(name="Netzwerk Frühe Hilfen", kind=BodyKind.NETWORK)
    client = client_for(fachkraft)

    by_kind = client.get(reverse("kooperation:body_list"), {"kind": "network"})
    by_search = client.get(reverse("kooperation:body_list"), {"q": "FRUHE"})

    assert [b.name for b in by_kind.context["object_list"]] == ["Netzwerk Frühe Hilfen"]
    assert [b.name for b in by_search.context["object_list"]] == ["Netzwerk Frühe Hilfen"]
    assert Partner.objects.count() == 0
