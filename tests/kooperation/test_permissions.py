"""Who may read and change partners, cooperations and Gremien, through the pages.

Every signed-in user reads everything. Changing a record in a municipality is for the staff of
the team responsible for it today, the Fachbereichsleitung of that team's Mittelbereich and
Administration; district-wide records are for team leads, heads and Administration. Amtsleitung
reads only. A refused change answers 403 with the reason, a missing record 404.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kooperation.models import Body, BodyKind, Cooperation, Partner
from tests.kooperation.forms_data import partner_data

USERNAMES = [
    "fachkraft",
    "teamleitung",
    "fbl-backnang",
    "fbl-waiblingen",
    "amtsleitung",
    "admin",
    "winnenden",
    "ohnerolle",
]

# Who may change a record, by where the record belongs.
EDITORS = {
    "backnang": {"fachkraft", "teamleitung", "fbl-backnang", "admin"},
    "korb": {"fbl-waiblingen", "admin"},
    "district": {"teamleitung", "fbl-backnang", "fbl-waiblingen", "admin"},
}
# Who may add partners and Gremien (somewhere).
CREATORS = {"fachkraft", "teamleitung", "fbl-backnang", "fbl-waiblingen", "admin", "winnenden"}

CHANGE_VIEWS = ["partner_update", "cooperation_step", "body_update"]
RECORD_OF_VIEW = {"partner_update": "partner", "cooperation_step": "partner", "body_update": "body"}
FORM_OF_VIEW = {
    "partner_update": "PartnerForm",
    "cooperation_step": "CooperationStepForm",
    "body_update": "BodyForm",
}

ALLOWED = [(u, where) for where, editors in EDITORS.items() for u in USERNAMES if u in editors]
REFUSED = [(u, where) for where, editors in EDITORS.items() for u in USERNAMES if u not in editors]
CAN_CREATE = [u for u in USERNAMES if u in CREATORS]
CANNOT_CREATE = [u for u in USERNAMES if u not in CREATORS]


def case_id(case):
    return "-".join(case)


REFUSAL = {
    "backnang": (
        "Nur die Mitarbeitenden des heute für Backnang zuständigen Teams, die "
        "Fachbereichsleitung seines Mittelbereichs und die Administration können Einträge in "
        "Backnang ändern. Sie dürfen sie lesen."
    ),
    "korb": (
        "Nur die Mitarbeitenden des heute für Korb zuständigen Teams, die Fachbereichsleitung "
        "seines Mittelbereichs und die Administration können Einträge in Korb ändern. "
        "Sie dürfen sie lesen."
    ),
    "district": (
        "Nur die Teamleitungen, die Fachbereichsleitungen und die Administration können "
        "kreisweite Partner und Gremien ändern. Sie dürfen sie lesen."
    ),
}
CREATE_REFUSAL = (
    "Nur die Mitarbeitenden der Sozialraumteams, die Fachbereichsleitungen und die "
    "Administration können Partner und Gremien anlegen. Mit Ihrer Rolle dürfen Sie sie lesen."
)
DISTRICT_WIDE = "kreisweit"


def shows(response, text) -> bool:
    return escape(text) in response.content.decode()


def snapshot(model):
    return list(model.objects.order_by("pk").values())


@pytest.fixture
def users(demo_users, other_team_member, no_role_user):
    return {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}


@pytest.fixture
def records(school_backnang, youth_house_korb, network_partner, backnang, korb):
    """A partner and a Gremium in Backnang, in Korb and district-wide."""
    bodies = {
        "backnang": Body.objects.create(
            name="Runder Tisch Jugend Backnang", kind=BodyKind.ROUND_TABLE, municipality=backnang
        ),
        "korb": Body.objects.create(
            name="Arbeitskreis Jugend Korb", kind=BodyKind.WORKING_GROUP, municipality=korb
        ),
        "district": Body.objects.create(name="Netzwerk Frühe Hilfen", kind=BodyKind.NETWORK),
    }
    partners = {"backnang": school_backnang, "korb": youth_house_korb, "district": network_partner}
    return {"partner": partners, "body": bodies}


def body_data(body, **changes):
    data = {
        "name": body.name,
        "kind": body.kind,
        "municipality": body.municipality_id or "",
        "rhythm": body.rhythm,
        "rhythm_note": body.rhythm_note,
        "version": body.version,
    }
    return {**data, **changes}


def step_data():
    return {"status": "initiated", "on": timezone.localdate().isoformat(), "note": "Erstgespräch"}


# The field each change page changes, and the new value.
CHANGE = {
    "partner_update": ("address", "Neue Adresse 1"),
    "body_update": ("rhythm_note", "Erster Dienstag im Monat"),
}


def change_data(view, record):
    if view == "cooperation_step":
        return step_data()
    field, value = CHANGE[view]
    form_data = partner_data if view == "partner_update" else body_data
    return form_data(record, **{field: value})


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", USERNAMES)
@pytest.mark.parametrize("page", ["partner_list", "body_list"])
def test_every_signed_in_user_reads_the_lists(client_for, users, records, username, page):
    response = client_for(users[username]).get(reverse(f"kooperation:{page}"))

    assert response.status_code == 200
    names = sorted(record.name for record in response.context["object_list"])
    kind = "partner" if page == "partner_list" else "body"
    assert names == sorted(record.name for record in records[kind].values())
    assert response.context["can_create"] is (username in CREATORS)


@pytest.mark.parametrize("username", USERNAMES)
@pytest.mark.parametrize("where", ["backnang", "korb", "district"])
@pytest.mark.parametrize("kind", ["partner", "body"])
def test_every_signed_in_user_reads_the_details(client_for, users, records, username, where, kind):
    record = records[kind][where]

    response = client_for(users[username]).get(
        reverse(f"kooperation:{kind}_detail", args=[record.pk])
    )

    assert response.status_code == 200
    assert shows(response, record.name)
    assert response.context["can_edit"] is (username in EDITORS[where])


# --- Changing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "where"), ALLOWED, ids=map(case_id, ALLOWED))
@pytest.mark.parametrize("view", CHANGE_VIEWS)
def test_change_page_is_offered_to_who_may_change(
    client_for, users, records, view, username, where
):
    record = records[RECORD_OF_VIEW[view]][where]

    response = client_for(users[username]).get(reverse(f"kooperation:{view}", args=[record.pk]))

    assert response.status_code == 200
    assert type(response.context["form"]).__name__ == FORM_OF_VIEW[view]
    assert shows(response, record.name)


@pytest.mark.parametrize(("username", "where"), REFUSED, ids=map(case_id, REFUSED))
@pytest.mark.parametrize("view", CHANGE_VIEWS)
def test_change_page_is_refused_with_the_reason(client_for, users, records, view, username, where):
    record = records[RECORD_OF_VIEW[view]][where]

    response = client_for(users[username]).get(reverse(f"kooperation:{view}", args=[record.pk]))

    assert response.status_code == 403
    assert response["Content-Language"] == "de"
    assert shows(response, "Zugriff verweigert")
    assert shows(response, REFUSAL[where])


@pytest.mark.parametrize(("username", "where"), ALLOWED, ids=map(case_id, ALLOWED))
@pytest.mark.parametrize("view", CHANGE)
def test_change_is_saved_for_who_may_change(client_for, users, records, view, username, where):
    kind = RECORD_OF_VIEW[view]
    record = records[kind][where]

    response = client_for(users[username]).post(
        reverse(f"kooperation:{view}", args=[record.pk]), change_data(view, record)
    )

    assert response.url == reverse(f"kooperation:{kind}_detail", args=[record.pk])
    record.refresh_from_db()
    field, value = CHANGE[view]
    assert (getattr(record, field), record.version, record.updated_by) == (
        value,
        2,
        users[username],
    )


@pytest.mark.parametrize(("username", "where"), REFUSED, ids=map(case_id, REFUSED))
@pytest.mark.parametrize("view", CHANGE)
def test_refused_change_changes_nothing(client_for, users, records, view, username, where):
    model = Partner if RECORD_OF_VIEW[view] == "partner" else Body
    record = records[RECORD_OF_VIEW[view]][where]
    before = snapshot(model)

    response = client_for(users[username]).post(
        reverse(f"kooperation:{view}", args=[record.pk]), change_data(view, record)
    )

    assert response.status_code == 403
    assert shows(response, REFUSAL[where])
    assert snapshot(model) == before


@pytest.mark.parametrize(("username", "where"), ALLOWED, ids=map(case_id, ALLOWED))
def test_cooperation_step_is_recorded_for_who_may_change(
    client_for, users, records, username, where
):
    partner = records["partner"][where]

    response = client_for(users[username]).post(
        reverse("kooperation:cooperation_step", args=[partner.pk]), step_data()
    )

    assert response.url == reverse("kooperation:partner_detail", args=[partner.pk]) + "#cooperation"
    cooperation = Cooperation.objects.get(partner=partner)
    assert (cooperation.status, cooperation.updated_by) == ("initiated", users[username])
    assert [step.note for step in cooperation.steps.all()] == ["Erstgespräch"]


@pytest.mark.parametrize(("username", "where"), REFUSED, ids=map(case_id, REFUSED))
def test_refused_cooperation_step_records_nothing(client_for, users, records, username, where):
    partner = records["partner"][where]

    response = client_for(users[username]).post(
        reverse("kooperation:cooperation_step", args=[partner.pk]), step_data()
    )

    assert response.status_code == 403
    assert shows(response, REFUSAL[where])
    assert Cooperation.objects.count() == 0


# --- Adding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", CAN_CREATE)
@pytest.mark.parametrize(
    ("view", "form"), [("partner_create", "PartnerForm"), ("body_create", "BodyForm")]
)
def test_create_page_is_offered_to_team_staff_heads_and_administration(
    client_for, users, username, view, form
):
    response = client_for(users[username]).get(reverse(f"kooperation:{view}"))

    assert response.status_code == 200
    assert type(response.context["form"]).__name__ == form
    assert response.context["form"].instance.pk is None


@pytest.mark.parametrize("username", CANNOT_CREATE)
@pytest.mark.parametrize("view", ["partner_create", "body_create"])
def test_create_page_is_refused_with_the_reason(client_for, users, username, view):
    response = client_for(users[username]).get(reverse(f"kooperation:{view}"))

    assert response.status_code == 403
    assert shows(response, CREATE_REFUSAL)


@pytest.mark.parametrize("username", CANNOT_CREATE)
def test_refused_create_adds_nothing(client_for, users, backnang, username):
    client = client_for(users[username])

    partner = client.post(
        reverse("kooperation:partner_create"),
        {"name": "Kita Sonnenschein", "kind": "daycare", "municipality": backnang.pk},
    )
    body = client.post(
        reverse("kooperation:body_create"),
        {"name": "Runder Tisch", "kind": "round_table", "municipality": backnang.pk},
    )

    assert (partner.status_code, body.status_code) == (403, 403)
    assert (Partner.objects.count(), Body.objects.count()) == (0, 0)


# --- The cases of the rules, one by one -------------------------------------------------------


def test_fachkraft_edits_the_school_of_the_own_town(client_for, fachkraft, school_backnang):
    client = client_for(fachkraft)
    url = reverse("kooperation:partner_update", args=[school_backnang.pk])

    page = client.get(url)
    saved = client.post(url, partner_data(school_backnang, phone="07191 123456"))

    assert page.context["form"].instance == school_backnang
    assert 'name="phone"' in page.content.decode()
    assert saved.url == reverse("kooperation:partner_detail", args=[school_backnang.pk])
    school_backnang.refresh_from_db()
    assert (school_backnang.phone, school_backnang.version) == ("07191 123456", 2)


def test_other_team_member_may_not_edit_backnang_and_is_told_why(
    client_for, other_team_member, school_backnang
):
    client = client_for(other_team_member)
    url = reverse("kooperation:partner_update", args=[school_backnang.pk])

    page = client.get(url)
    post = client.post(url, partner_data(school_backnang, name="Übernommen"))

    assert (page.status_code, post.status_code) == (403, 403)
    assert shows(page, REFUSAL["backnang"])
    assert shows(post, REFUSAL["backnang"])
    school_backnang.refresh_from_db()
    assert (school_backnang.name, school_backnang.version) == ("Grundschule Backnang-Süd", 1)


def test_head_of_waiblingen_edits_korb_but_not_backnang(
    client_for, fbl_waiblingen, school_backnang, youth_house_korb
):
    client = client_for(fbl_waiblingen)

    backnang = client.get(reverse("kooperation:partner_update", args=[school_backnang.pk]))
    korb = client.post(
        reverse("kooperation:partner_update", args=[youth_house_korb.pk]),
        partner_data(youth_house_korb, address="Hauptstraße 1, 71404 Korb"),
    )

    assert backnang.status_code == 403
    assert shows(backnang, REFUSAL["backnang"])
    assert korb.url == reverse("kooperation:partner_detail", args=[youth_house_korb.pk])
    youth_house_korb.refresh_from_db()
    assert youth_house_korb.address == "Hauptstraße 1, 71404 Korb"


def test_district_wide_partner_is_for_the_lead_not_the_fachkraft(
    client_for, fachkraft, teamleitung, network_partner
):
    url = reverse("kooperation:partner_update", args=[network_partner.pk])

    refused = client_for(fachkraft).post(url, partner_data(network_partner, phone="07151 1"))
    saved = client_for(teamleitung).post(url, partner_data(network_partner, phone="07151 2"))

    assert refused.status_code == 403
    assert shows(refused, REFUSAL["district"])
    assert saved.url == reverse("kooperation:partner_detail", args=[network_partner.pk])
    network_partner.refresh_from_db()
    assert (network_partner.phone, network_partner.municipality) == ("07151 2", None)
    assert network_partner.updated_by == teamleitung


def test_amtsleitung_reads_only(client_for, amtsleitung, school_backnang):
    client = client_for(amtsleitung)

    create = client.get(reverse("kooperation:partner_create"))
    update = client.post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, name="Geändert"),
    )
    detail = client.get(reverse("kooperation:partner_detail", args=[school_backnang.pk]))

    assert (create.status_code, update.status_code, detail.status_code) == (403, 403, 200)
    assert shows(create, CREATE_REFUSAL)
    assert shows(update, REFUSAL["backnang"])
    assert Partner.objects.get().name == "Grundschule Backnang-Süd"


def test_user_without_role_may_not_add(client_for, no_role_user):
    response = client_for(no_role_user).get(reverse("kooperation:partner_create"))

    assert response.status_code == 403
    assert shows(response, CREATE_REFUSAL)


# --- Missing records and anonymous users -------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "winnenden"])
@pytest.mark.parametrize(
    "view", ["partner_detail", "partner_update", "cooperation_step", "body_detail", "body_update"]
)
def test_missing_record_answers_404(client_for, users, records, username, view):
    response = client_for(users[username]).get(reverse(f"kooperation:{view}", args=[999_999]))

    assert response.status_code == 404
    assert shows(response, "Seite nicht gefunden")


ANONYMOUS_PAGES = [
    ("partner_list", None),
    ("partner_detail", "partner"),
    ("partner_create", None),
    ("partner_update", "partner"),
    ("cooperation_step", "partner"),
    ("body_list", None),
    ("body_detail", "body"),
    ("body_create", None),
    ("body_update", "body"),
]


@pytest.mark.parametrize(("view", "kind"), ANONYMOUS_PAGES, ids=[v for v, _ in ANONYMOUS_PAGES])
def test_anonymous_user_is_sent_to_the_login_page(client, records, view, kind):
    args = [records[kind]["backnang"].pk] if kind else []
    url = reverse(f"kooperation:{view}", args=args)

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={url}")


def test_anonymous_post_changes_nothing(client, school_backnang):
    url = reverse("kooperation:partner_update", args=[school_backnang.pk])

    response = client.post(url, partner_data(school_backnang, name="Anonym"))

    assert response.url == f"{reverse('login')}?next={url}"
    assert Partner.objects.get().name == "Grundschule Backnang-Süd"


# --- What the forms offer ---------------------------------------------------------------------


def municipality_choices(response) -> list[str]:
    field = response.context["form"].fields["municipality"]
    return [str(label) for _value, label in field.choices]


@pytest.mark.parametrize("view", ["partner_create", "body_create"])
def test_fachkraft_is_offered_only_the_own_town_and_no_district_wide(client_for, fachkraft, view):
    response = client_for(fachkraft).get(reverse(f"kooperation:{view}"))

    assert municipality_choices(response) == ["Backnang"]
    assert response.context["form"].fields["municipality"].required is True
    assert f">{DISTRICT_WIDE}</option>" not in response.content.decode()


@pytest.mark.parametrize("view", ["partner_create", "body_create"])
def test_lead_is_offered_the_own_town_and_district_wide(client_for, teamleitung, view):
    response = client_for(teamleitung).get(reverse(f"kooperation:{view}"))

    assert municipality_choices(response) == [DISTRICT_WIDE, "Backnang"]
    assert response.context["form"].fields["municipality"].required is False
    assert f">{DISTRICT_WIDE}</option>" in response.content.decode()


def test_head_is_offered_the_towns_of_the_middle_area(client_for, fbl_waiblingen):
    response = client_for(fbl_waiblingen).get(reverse("kooperation:partner_create"))

    choices = municipality_choices(response)
    assert choices[0] == DISTRICT_WIDE
    assert "Korb" in choices
    assert "Winnenden" in choices
    assert "Backnang" not in choices


def test_administration_is_offered_every_town_and_district_wide(client_for, administration):
    response = client_for(administration).get(reverse("kooperation:partner_create"))

    assert len(municipality_choices(response)) == 31 + 1
    assert municipality_choices(response)[0] == DISTRICT_WIDE


@pytest.mark.parametrize(
    ("municipality", "message"),
    [
        ("", "Dieses Feld ist zwingend erforderlich."),
        ("korb", "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."),
    ],
    ids=["district-wide", "other-team"],
)
def test_fachkraft_cannot_add_outside_the_own_town(
    client_for, fachkraft, korb, municipality, message
):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_create"),
        {
            "name": "Kita Sonnenschein",
            "kind": "daycare",
            "municipality": korb.pk if municipality == "korb" else "",
        },
    )

    assert response.context["form"].errors["municipality"] == [message]
    assert Partner.objects.count() == 0


def test_lead_adds_a_district_wide_partner(client_for, teamleitung):
    response = client_for(teamleitung).post(
        reverse("kooperation:partner_create"),
        {"name": "Beratungsstelle Kreisweit", "kind": "other", "municipality": ""},
    )

    partner = Partner.objects.get()
    assert response.url == reverse("kooperation:partner_detail", args=[partner.pk])
    assert (partner.name, partner.municipality, partner.created_by) == (
        "Beratungsstelle Kreisweit",
        None,
        teamleitung,
    )
