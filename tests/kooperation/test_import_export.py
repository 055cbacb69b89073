"""Importing partners from CSV (command and upload page) and exporting the filtered list."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind, SchoolType
from sozialraum.models import Municipality, Team

HEADER = "name;kind;school_type;municipality;address;phone;email;website"
SCHOOL = (
    "Grundschule Backnang-Süd;school;primary;Backnang;Schulstraße 3, 71522 Backnang;"
    "07191 12345;sekretariat@gs-backnang.example;https://gs-backnang.example"
)
YOUTH_HOUSE = "Jugendhaus Korb;youth_house;;Korb;Hauptstraße 1, 71404 Korb;;;"
NETWORK = (
    "Koordinierungsstelle Frühe Hilfen;early_help;;;;07151 501-0;fruehe-hilfen@rems-murr.example;"
)
GOOD = "\n".join([HEADER, SCHOOL, YOUTH_HOUSE, NETWORK]) + "\n"

IMPORTED = [
    (
        "Grundschule Backnang-Süd",
        "school",
        "primary",
        "Backnang",
        "Schulstraße 3, 71522 Backnang",
        "07191 12345",
        "sekretariat@gs-backnang.example",
        "https://gs-backnang.example",
    ),
    ("Jugendhaus Korb", "youth_house", "", "Korb", "Hauptstraße 1, 71404 Korb", "", "", ""),
    (
        "Koordinierungsstelle Frühe Hilfen",
        "early_help",
        "",
        None,
        "",
        "07151 501-0",
        "fruehe-hilfen@rems-murr.example",
        "",
    ),
]

NOTHING_IMPORTED = "Es wurde nichts importiert. Bitte korrigieren Sie die Datei:"
ONLY_ADMINISTRATION = "Nur die Administration kann Partner importieren."


def lines(*rows):
    return "\n".join(rows) + "\n"


# (file, the one German error message) for files with one bad row or a bad header.
BAD_FILES = {
    "bad-kind": (
        lines(HEADER, SCHOOL, "Jugendhaus Korb;Jugendzentrum;;Korb;;;;", NETWORK),
        "Zeile 3, Spalte „kind“: „Jugendzentrum“ ist keine Partnerart.",
    ),
    "unknown-municipality": (
        lines(HEADER, SCHOOL, "Jugendhaus Korb;youth_house;;Stuttgart;;;;", NETWORK),
        "Zeile 3, Spalte „municipality“: „Stuttgart“ ist keine Stadt/Gemeinde des Landkreises.",
    ),
    "school-type-for-non-school": (
        lines(HEADER, SCHOOL, "Jugendhaus Korb;youth_house;primary;Korb;;;;", NETWORK),
        "Zeile 3, Spalte „school_type“: nur eine Schule hat eine Schulart.",
    ),
    "unknown-school-type": (
        lines(HEADER, SCHOOL, "Schule am Park;school;Hochschule;Korb;;;;", NETWORK),
        "Zeile 3, Spalte „school_type“: „Hochschule“ ist keine Schulart.",
    ),
    "missing-name": (
        lines(HEADER, SCHOOL, ";youth_house;;Korb;;;;", NETWORK),
        "Zeile 3, Spalte „name“: ein Wert ist erforderlich.",
    ),
    "bad-email": (
        lines(
            HEADER, SCHOOL, "Jugendhaus Korb;youth_house;;Korb;;;jugendhaus(at)korb.de;", NETWORK
        ),
        "Zeile 3, Spalte „email“: „jugendhaus(at)korb.de“ ist ungültig.",
    ),
    "duplicate-row": (
        lines(HEADER, SCHOOL, YOUTH_HOUSE, NETWORK, SCHOOL),
        "Zeile 5: „Grundschule Backnang-Süd“ steht bereits in Zeile 2.",
    ),
    "missing-column": (
        lines(
            "name;kind;school_type;municipality;address;phone;website",
            "Jugendhaus Korb;youth_house;;Korb;;;",
        ),
        "Zeile 1: fehlende Spalte(n): email.",
    ),
}


def partners():
    return [
        (
            p.name,
            p.kind,
            p.school_type,
            p.municipality.name if p.municipality else None,
            p.address,
            p.phone,
            p.email,
            p.website,
        )
        for p in Partner.objects.select_related("municipality").order_by("name")
    ]


def snapshot():
    """Every column of every partner, including version and timestamps."""
    return list(Partner.objects.order_by("pk").values())


def csv_file(tmp_path, text, name="partner.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_command(path) -> str:
    out = io.StringIO()
    call_command("import_partners", str(path), stdout=out)
    return out.getvalue().strip()


def upload(client, text, name="partner.csv", **kwargs):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("kooperation:partner_import"), {"file": file}, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def users(demo_users, other_team_member, no_role_user):
    return {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}


# --- The command ------------------------------------------------------------------------------


def test_command_imports_every_row(district, tmp_path):
    output = import_command(csv_file(tmp_path, GOOD))

    assert output == "partner.csv: 3 created, 0 updated, 0 unchanged."
    assert partners() == IMPORTED
    assert set(Partner.objects.values_list("version", flat=True)) == {1}


def test_command_twice_changes_nothing_the_second_time(district, tmp_path):
    path = csv_file(tmp_path, GOOD)
    import_command(path)
    before = snapshot()

    output = import_command(path)

    assert output == "partner.csv: 0 created, 0 updated, 3 unchanged."
    assert snapshot() == before


def test_command_updates_a_changed_row_only(district, tmp_path):
    import_command(csv_file(tmp_path, GOOD))
    changed = GOOD.replace("Hauptstraße 1, 71404 Korb", "Kirchstraße 9, 71404 Korb")

    output = import_command(csv_file(tmp_path, changed, "geaendert.csv"))

    assert output == "geaendert.csv: 0 created, 1 updated, 2 unchanged."
    house = Partner.objects.get(name="Jugendhaus Korb")
    assert (house.address, house.version) == ("Kirchstraße 9, 71404 Korb", 2)
    assert Partner.objects.get(name="Grundschule Backnang-Süd").version == 1


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_command_with_one_bad_row_imports_nothing_and_names_line_and_column(
    district, tmp_path, text, message
):
    path = csv_file(tmp_path, text)

    with pytest.raises(CommandError) as error:
        import_command(path)

    assert str(error.value).splitlines() == [f"{path}:", message]
    assert Partner.objects.count() == 0


def test_bad_file_leaves_existing_partners_as_they_were(district, tmp_path):
    import_command(csv_file(tmp_path, GOOD))
    before = snapshot()
    changed_school = SCHOOL.replace("07191 12345", "07191 99999")
    bad = lines(HEADER, changed_school, "Jugendhaus Korb;youth_house;;Stuttgart;;;;", NETWORK)

    with pytest.raises(CommandError):
        import_command(csv_file(tmp_path, bad, "bad.csv"))

    assert snapshot() == before


@pytest.mark.parametrize(
    ("kind", "school_type"),
    [
        ("Schule", "Grundschule"),
        ("schule", "GRUNDSCHULE"),
        ("School", "Primary school (Grundschule)"),
        ("school", "primary"),
    ],
)
def test_kind_and_school_type_may_be_given_as_labels(district, tmp_path, kind, school_type):
    text = lines(HEADER, f"Grundschule Korb;{kind};{school_type};Korb;;;;")

    import_command(csv_file(tmp_path, text))

    school = Partner.objects.get()
    assert (school.kind, school.school_type) == (PartnerKind.SCHOOL, SchoolType.PRIMARY)


def test_german_label_of_another_kind_is_accepted(district, tmp_path):
    text = lines(HEADER, "Jugendhaus Korb;Jugendhaus/offene Jugendarbeit;;Korb;;;;")

    import_command(csv_file(tmp_path, text))

    assert Partner.objects.get().kind == PartnerKind.YOUTH_HOUSE


def test_empty_municipality_means_district_wide(district, tmp_path):
    text = lines(HEADER, "Netzwerk Elternbildung;Elternbildung;;;;;;")

    import_command(csv_file(tmp_path, text))

    partner = Partner.objects.get()
    assert (partner.name, partner.municipality, partner.is_district_wide) == (
        "Netzwerk Elternbildung",
        None,
        True,
    )


def test_comma_separated_file_with_bom_is_read(district, tmp_path):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",").writerows(
        row.split(";") for row in [HEADER, SCHOOL, YOUTH_HOUSE, NETWORK]
    )

    output = import_command(csv_file(tmp_path, "\ufeff" + buffer.getvalue()))

    assert output == "partner.csv: 3 created, 0 updated, 0 unchanged."
    assert partners() == IMPORTED


OVERLONG_PHONE = lines(
    HEADER, SCHOOL, "Jugendhaus Korb;youth_house;;Korb;;07151 " + "1" * 60 + ";;", NETWORK
)


def test_command_reports_an_overlong_phone_by_line_and_column(district, tmp_path):
    path = csv_file(tmp_path, OVERLONG_PHONE)

    with pytest.raises(CommandError) as error:
        import_command(path)

    assert str(error.value).splitlines()[1].startswith("Zeile 3, Spalte „phone“: ")
    assert Partner.objects.count() == 0


def test_upload_reports_an_overlong_phone_by_line_and_column(client_for, administration):
    response = upload(client_for(administration), OVERLONG_PHONE)

    errors = response.context["import_errors"]
    assert [error.split(": ")[0] for error in errors] == ["Zeile 3, Spalte „phone“"]
    assert Partner.objects.count() == 0


def test_tab_separated_file_is_refused_with_a_message(district, tmp_path):
    path = csv_file(tmp_path, GOOD.replace(";", "\t"))

    with pytest.raises(CommandError) as error:
        import_command(path)

    assert str(error.value).splitlines()[1].startswith("Zeile 1")
    assert Partner.objects.count() == 0


# --- The upload page --------------------------------------------------------------------------


def test_upload_page_offers_the_form_to_administration(client_for, administration):
    response = client_for(administration).get(reverse("kooperation:partner_import"))

    assert response.status_code == 200
    assert list(response.context["columns"]) == [
        "name",
        "kind",
        "school_type",
        "municipality",
        "address",
        "phone",
        "email",
        "website",
    ]
    assert "Partner importieren" in response.content.decode()


@pytest.mark.parametrize(
    "username",
    [
        "fachkraft",
        "teamleitung",
        "fbl-backnang",
        "fbl-waiblingen",
        "amtsleitung",
        "winnenden",
        "ohnerolle",
    ],
)
def test_upload_page_is_refused_to_everyone_but_administration(client_for, users, username):
    client = client_for(users[username])

    page = client.get(reverse("kooperation:partner_import"))
    post = upload(client, GOOD)

    assert (page.status_code, post.status_code) == (403, 403)
    assert escape(ONLY_ADMINISTRATION) in page.content.decode()
    assert Partner.objects.count() == 0


def test_anonymous_upload_is_sent_to_the_login_page(client, district):
    url = reverse("kooperation:partner_import")

    response = upload(client, GOOD)

    assert response.url == f"{reverse('login')}?next={url}"
    assert Partner.objects.count() == 0


def test_upload_imports_every_row_and_reports_it(client_for, administration):
    response = upload(client_for(administration), GOOD)

    assert response.url == reverse("kooperation:partner_list")
    assert messages_of(response) == [
        "Import abgeschlossen: 3 angelegt, 0 aktualisiert, 0 unverändert."
    ]
    assert partners() == IMPORTED
    assert set(Partner.objects.values_list("created_by__username", flat=True)) == {"admin"}


def test_second_upload_of_the_same_file_reports_unchanged(client_for, administration):
    client = client_for(administration)
    upload(client, GOOD, follow=True)
    before = snapshot()

    response = upload(client, GOOD)

    assert messages_of(response) == [
        "Import abgeschlossen: 0 angelegt, 0 aktualisiert, 3 unverändert."
    ]
    assert snapshot() == before


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_upload_with_one_bad_row_imports_nothing_and_lists_the_error(
    client_for, administration, text, message
):
    response = upload(client_for(administration), text)

    assert response.status_code == 200
    assert response.context["import_errors"] == [message]
    content = response.content.decode()
    assert escape(NOTHING_IMPORTED) in content
    assert escape(message) in content
    assert Partner.objects.count() == 0


def test_upload_of_a_file_that_is_not_utf8_is_refused(client_for, administration):
    file = SimpleUploadedFile("partner.csv", GOOD.encode("cp1252"), content_type="text/csv")

    response = client_for(administration).post(
        reverse("kooperation:partner_import"), {"file": file}
    )

    assert response.context["import_errors"] == [
        "Die Datei ist nicht UTF-8-codiert; speichern Sie sie als „CSV UTF-8“ und versuchen "
        "Sie es erneut."
    ]
    assert Partner.objects.count() == 0


# --- The export -------------------------------------------------------------------------------


@pytest.fixture
def directory(district):
    """Five partners: two in Backnang, two in Korb (one inactive), one district-wide."""
    backnang = Municipality.objects.get(name="Backnang")
    korb = Municipality.objects.get(name="Korb")
    school = Partner.objects.create(
        name="Grundschule Backnang-Süd",
        kind=PartnerKind.SCHOOL,
        school_type=SchoolType.PRIMARY,
        municipality=backnang,
        address="Schulstraße 3, 71522 Backnang",
        phone="07191 12345",
        email="sekretariat@gs-backnang.example",
        website="https://gs-backnang.example",
    )
    Cooperation.objects.create(
        partner=school, status=CooperationStatus.ACTIVE, since=datetime.date(2025, 9, 1)
    )
    Partner.objects.create(
        name="Jugendhaus Backnang", kind=PartnerKind.YOUTH_HOUSE, municipality=backnang
    )
    Partner.objects.create(name="Jugendhaus Korb", kind=PartnerKind.YOUTH_HOUSE, municipality=korb)
    Partner.objects.create(
        name="Kita Regenbogen", kind=PartnerKind.DAYCARE, municipality=korb, is_active=False
    )
    Partner.objects.create(
        name="Koordinierungsstelle Frühe Hilfen", kind=PartnerKind.EARLY_HELP, phone="07151 501-0"
    )


def resolve(params: dict) -> dict:
    """Filter parameters with names of municipalities and teams replaced by their keys."""
    models = {"municipality": Municipality, "team": Team}
    return {
        key: models[key].objects.get(name=value).pk if key in models else value
        for key, value in params.items()
    }


def csv_text(response) -> str:
    """The text of a streamed CSV download; it starts with a byte-order mark for Excel."""
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    return content.decode("utf-8-sig")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response)), delimiter=";"))


def xlsx_rows(response) -> list[list[str]]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def export(client, format, params):
    return client.get(reverse("kooperation:partner_export", args=[format]), params)


FILTERS = {
    "none": (
        {},
        [
            "Grundschule Backnang-Süd",
            "Jugendhaus Backnang",
            "Jugendhaus Korb",
            "Koordinierungsstelle Frühe Hilfen",
        ],
    ),
    "municipality": (
        {"municipality": "Backnang"},
        ["Grundschule Backnang-Süd", "Jugendhaus Backnang"],
    ),
    "search": ({"q": "jugendhaus"}, ["Jugendhaus Backnang", "Jugendhaus Korb"]),
    "kind": ({"kind": "school"}, ["Grundschule Backnang-Süd"]),
    "district-wide": ({"district_wide": "on"}, ["Koordinierungsstelle Frühe Hilfen"]),
    "status": ({"status": "active"}, ["Grundschule Backnang-Süd"]),
    "team": ({"team": "Waiblingen/Korb"}, ["Jugendhaus Korb"]),
    "inactive": ({"active": "no"}, ["Kita Regenbogen"]),
    "search-and-municipality": (
        {"q": "jugend", "municipality": "Korb", "active": "all"},
        ["Jugendhaus Korb"],
    ),
}


@pytest.mark.parametrize("format", ["csv", "xlsx"])
@pytest.mark.parametrize(("params", "expected"), FILTERS.values(), ids=FILTERS.keys())
def test_export_holds_exactly_the_rows_of_the_filtered_list(
    client_for, fachkraft, directory, format, params, expected
):
    client = client_for(fachkraft)
    params = resolve(params)
    listed = [
        p.name
        for p in client.get(reverse("kooperation:partner_list"), params).context["object_list"]
    ]

    response = export(client, format, params)

    rows = csv_rows(response) if format == "csv" else xlsx_rows(response)
    assert [row[0] for row in rows[1:]] == listed
    assert listed == expected


def test_csv_export_has_the_import_columns_and_german_labels(client_for, amtsleitung, directory):
    response = export(client_for(amtsleitung), "csv", {"active": "all"})

    rows = csv_rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="partner-{timezone.localdate().isoformat()}.csv"'
    )
    assert rows[0] == [
        "Name",
        "Art",
        "Schulart",
        "Stadt/Gemeinde",
        "Adresse",
        "Telefon",
        "E-Mail",
        "Website",
        "Heute zuständiges Team",
        "Kooperationsstatus",
        "Aktiv",
    ]
    assert rows[1] == [
        "Grundschule Backnang-Süd",
        "Schule",
        "Grundschule",
        "Backnang",
        "Schulstraße 3, 71522 Backnang",
        "07191 12345",
        "sekretariat@gs-backnang.example",
        "https://gs-backnang.example",
        "Backnang",
        "aktiv",
        "ja",
    ]
    kita, network = rows[4], rows[5]
    assert kita[:4] == ["Kita Regenbogen", "Kindertageseinrichtung", "", "Korb"]
    assert kita[8:] == ["Waiblingen/Korb", "", "nein"]
    assert [network[0], network[3], network[8]] == ["Koordinierungsstelle Frühe Hilfen", "", ""]


def test_xlsx_export_holds_the_same_cells_as_the_csv_export(client_for, fachkraft, directory):
    client = client_for(fachkraft)

    xlsx = export(client, "xlsx", {"active": "all"})
    as_csv = export(client, "csv", {"active": "all"})

    assert xlsx["Content-Disposition"] == (
        f'attachment; filename="partner-{timezone.localdate().isoformat()}.xlsx"'
    )
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["Partner"]
    assert xlsx_rows(xlsx) == csv_rows(as_csv)


def test_export_holds_every_row_of_a_list_longer_than_a_page(client_for, fachkraft, district):
    korb = Municipality.objects.get(name="Korb")
    for number in range(30):
        Partner.objects.create(
            name=f"Verein {number:02d}", kind=PartnerKind.VOLUNTEERS, municipality=korb
        )

    listed = client_for(fachkraft).get(reverse("kooperation:partner_list"))
    exported = export(client_for(fachkraft), "csv", {})

    assert listed.context["paginator"].count == 30
    assert [row[0] for row in csv_rows(exported)[1:]] == [f"Verein {n:02d}" for n in range(30)]


def test_anonymous_export_is_sent_to_the_login_page(client, directory):
    url = reverse("kooperation:partner_export", args=["csv"])

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={url}")


@pytest.mark.parametrize(
    "params", [{"municipality": "999999"}, {"kind": "unbekannt"}], ids=["municipality", "kind"]
)
def test_export_with_an_invalid_filter_holds_no_more_than_the_list(
    client_for, fachkraft, directory, params
):
    client = client_for(fachkraft)
    listed = client.get(reverse("kooperation:partner_list"), params).context["object_list"]

    response = export(client, "csv", params)

    assert [row[0] for row in csv_rows(response)[1:]] == [p.name for p in listed]


def test_csv_export_imports_again_without_changes(client_for, fachkraft, directory, tmp_path):
    response = export(client_for(fachkraft), "csv", {"active": "all"})
    before = snapshot()

    output = import_command(csv_file(tmp_path, csv_text(response), "export.csv"))

    assert output == "export.csv: 0 created, 0 updated, 5 unchanged."
    assert snapshot() == before


def test_filtered_csv_export_uploads_again_without_changes(client_for, administration, directory):
    client = client_for(administration)
    exported = export(client, "csv", resolve({"municipality": "Korb", "active": "all"}))
    before = snapshot()

    response = upload(client, csv_text(exported))

    assert messages_of(response) == [
        "Import abgeschlossen: 0 angelegt, 0 aktualisiert, 2 unverändert."
    ]
    assert snapshot() == before


def test_export_of_a_name_starting_with_at_imports_again_without_changes(
    client_for, fachkraft, district, tmp_path
):
    Partner.objects.create(
        name="@work Jugendprojekt",
        kind=PartnerKind.COMMUNITY_PROJECT,
        municipality=Municipality.objects.get(name="Korb"),
    )
    response = export(client_for(fachkraft), "csv", {})

    output = import_command(csv_file(tmp_path, csv_text(response), "export.csv"))

    assert output == "export.csv: 0 created, 0 updated, 1 unchanged."
    assert list(Partner.objects.values_list("name", flat=True)) == ["@work Jugendprojekt"]
