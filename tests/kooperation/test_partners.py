import io

import pghistory.models
import pytest
from django.core.management import call_command
from django.urls import reverse

from kooperation.models import (
    Body,
    ContactPerson,
    Cooperation,
    CooperationStatus,
    Partner,
    PartnerKind,
)
from tests.kooperation.forms_data import partner_data


def test_fachkraft_adds_a_school_in_backnang(client_for, fachkraft, backnang):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_create"),
        {
            "name": "Grundschule Backnang-Nord",
            "kind": "school",
            "school_type": "primary",
            "municipality": backnang.pk,
        },
    )

    partner = Partner.objects.get(name="Grundschule Backnang-Nord")
    assert response.url == reverse("kooperation:partner_detail", args=[partner.pk])
    assert (partner.created_by, partner.updated_by, partner.version) == (fachkraft, fachkraft, 1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Dieses Feld ist zwingend erforderlich."),
        (
            {"kind": "daycare", "school_type": "primary"},
            "school_type",
            "Nur eine Schule hat eine Schulart.",
        ),
        ({"email": "keine-adresse"}, "email", "Bitte gültige E-Mail-Adresse eingeben."),
    ],
)
def test_bad_partner_input_gets_a_message_and_changes_nothing(
    client_for, fachkraft, school_backnang, changes, field, message
):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, **changes),
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    school_backnang.refresh_from_db()
    assert (school_backnang.name, school_backnang.kind, school_backnang.version) == (
        "Grundschule Backnang-Süd",
        "school",
        1,
    )


def test_duplicate_partner_in_the_same_municipality_is_refused(
    client_for, fachkraft, school_backnang
):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_create"),
        {
            "name": "Grundschule Backnang-Süd",
            "kind": "school",
            "municipality": school_backnang.municipality_id,
        },
    )

    assert response.context["form"].non_field_errors() == [
        "In dieser Stadt/Gemeinde gibt es bereits einen Partner mit diesem Namen."
    ]
    assert Partner.objects.count() == 1


def test_update_saved_meanwhile_is_refused_with_409_and_keeps_input(
    client_for, fachkraft, teamleitung, school_backnang
):
    form = partner_data(school_backnang, address="Meine Adresse")
    client_for(teamleitung).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, address="Adresse der Teamleitung"),
    )

    response = client_for(fachkraft).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]), form
    )

    assert response.status_code == 409
    assert response.context["form"].conflict_differences == [("Adresse", "Adresse der Teamleitung")]
    assert 'value="Meine Adresse"' in response.content.decode()
    school_backnang.refresh_from_db()
    assert (school_backnang.address, school_backnang.version) == ("Adresse der Teamleitung", 2)


def test_second_save_after_a_conflict_keeps_the_users_input(
    client_for, fachkraft, teamleitung, school_backnang
):
    client_for(teamleitung).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, address="Adresse der Teamleitung"),
    )
    client = client_for(fachkraft)
    conflict = client.post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, address="Meine Adresse"),
    )

    client.post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        conflict.context["form"].data,
    )

    school_backnang.refresh_from_db()
    assert (school_backnang.address, school_backnang.version) == ("Meine Adresse", 3)


def test_partner_with_history_is_deactivated_not_deleted(
    client_for, fachkraft, cooperation_backnang
):
    partner = cooperation_backnang.partner
    client = client_for(fachkraft)

    page = client.get(reverse("kooperation:partner_delete", args=[partner.pk]))
    client.post(reverse("kooperation:partner_delete", args=[partner.pk]))
    client.post(reverse("kooperation:partner_active", args=[partner.pk]), {"active": "0"})

    assert b'id="has-history"' in page.content
    partner.refresh_from_db()
    assert partner.is_active is False
    assert Cooperation.objects.filter(partner=partner).exists()


def test_partner_without_history_can_be_deleted(client_for, fachkraft, school_backnang):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_delete", args=[school_backnang.pk])
    )

    assert response.url == reverse("kooperation:partner_list")
    assert not Partner.objects.exists()
    deleted = pghistory.models.Events.objects.filter(
        pgh_model="kooperation.PartnerEvent", pgh_label="delete"
    )
    assert [e.pgh_data["name"] for e in deleted] == ["Grundschule Backnang-Süd"]


def test_deactivated_partner_can_be_activated_again(client_for, fachkraft, school_backnang):
    client = client_for(fachkraft)

    client.post(reverse("kooperation:partner_active", args=[school_backnang.pk]), {"active": "0"})
    client.post(reverse("kooperation:partner_active", args=[school_backnang.pk]), {"active": "1"})

    school_backnang.refresh_from_db()
    assert (school_backnang.is_active, school_backnang.version) == (True, 3)


def test_contact_person_added_and_shown(client_for, fachkraft, school_backnang):
    client = client_for(fachkraft)

    client.post(
        reverse("kooperation:contact_create", args=[school_backnang.pk]),
        {
            "name": "Petra Beispiel",
            "function": "Schulleitung",
            "email": "schulleitung@schule.invalid",
        },
    )
    page = client.get(reverse("kooperation:partner_detail", args=[school_backnang.pk]))

    contact = ContactPerson.objects.get()
    assert (contact.partner, contact.function, contact.is_demo) == (
        school_backnang,
        "Schulleitung",
        False,
    )
    assert "Petra Beispiel" in page.content.decode()


def test_detail_shows_cooperation_history_and_gremien(
    client_for, amtsleitung, cooperation_backnang
):
    body = Body.objects.create(name="Runder Tisch Jugend Backnang", kind="round_table")
    body.members.add(cooperation_backnang.partner)

    response = client_for(amtsleitung).get(
        reverse("kooperation:partner_detail", args=[cooperation_backnang.partner.pk])
    )

    content = response.content.decode()
    assert response.context["cooperation"] == cooperation_backnang
    assert response.context["can_edit"] is False
    assert "Runder Tisch Jugend Backnang" in content
    assert "Termin mit der Schulleitung" in content


@pytest.mark.parametrize("count", [1, 6])
def test_next_steps_lists_overdue_first_in_constant_queries(
    client, fachkraft, backnang, network_partner, django_assert_num_queries, count
):
    for n in range(count):
        partner = Partner.objects.create(
            name=f"Kita {n}", kind=PartnerKind.DAYCARE, municipality=backnang
        )
        Cooperation.objects.create(
            partner=partner,
            status=CooperationStatus.BUILDING,
            since="2025-01-01",
            next_step=f"Schritt {n}",
            next_step_due=f"2027-01-{n + 1:02}",
        )
    Cooperation.objects.create(
        partner=Partner.objects.create(
            name="Rathaus Backnang", kind="town_hall", municipality=backnang
        ),
        status=CooperationStatus.AGREED,
        since="2025-01-01",
        next_step="Überfällig",
        next_step_due="2025-06-01",
    )
    Cooperation.objects.create(
        partner=network_partner,
        status="active",
        since="2025-01-01",
        next_step="Nicht für Fachkräfte",
    )
    client.force_login(fachkraft)

    with django_assert_num_queries(9):
        response = client.get(reverse("kooperation:next_steps"))

    steps = [c.next_step for c in response.context["cooperations"]]
    assert steps == ["Überfällig", *[f"Schritt {n}" for n in range(count)]]


def test_load_demo_builds_the_network(demo_users, settings):
    settings.DEBUG = True

    call_command("load_demo", stdout=io.StringIO())
    first = (Partner.objects.count(), Cooperation.objects.count(), Body.objects.count())
    call_command("load_demo", stdout=io.StringIO())

    assert (Partner.objects.count(), Cooperation.objects.count(), Body.objects.count()) == first
    assert Partner.objects.filter(municipality__isnull=True).count() == 4
    assert set(Cooperation.objects.values_list("status", flat=True)) == set(
        CooperationStatus.values
    )
    assert Partner.objects.filter(name="Rathaus Backnang").exists()
    assert not ContactPerson.objects.filter(is_demo=False).exists()
    networks = Body.objects.filter(municipality__isnull=True).values_list("name", flat=True)
    assert sorted(networks) == ["Netzwerk Elternbildung", "Netzwerk Frühe Hilfen"]
