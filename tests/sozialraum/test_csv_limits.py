"""CSV imports with an overlong field or control characters: a German message by line,
nothing imported, never a 500 (issue 12, points 4 and 7). All three importers share
``sozialraum.csvfile.read_rows``; each is tried through its upload page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from kooperation.models import Partner
from sozialraum.models import Municipality
from sozialraum.text import CONTROL_CHARACTERS_MESSAGE
from teams.models import ClosurePeriod

HUGE = "x" * 131_073

IMPORTERS = {
    "partners": (
        "kooperation:partner_import",
        "name;kind;school_type;municipality;address;phone;email;website",
        "Jugendhaus Korb;youth_house;;Korb;{value};;;",
    ),
    "populations": (
        "admin:sozialraum_municipality_import",
        "ags;name;population;population as of",
        ";Korb;{value};31.12.2024",
    ),
    "closures": (
        "admin:teams_closureperiod_import",
        "name;first day;last day;venue kinds",
        "{value};27.10.2025;31.10.2025;school",
    ),
}


def state():
    return (
        list(Partner.objects.values_list("name", "address")),
        list(Municipality.objects.values_list("population", flat=True).order_by("pk")),
        list(ClosurePeriod.objects.values_list("name", flat=True)),
    )


def post(client, importer, value):
    url, header, row = IMPORTERS[importer]
    text = f"{header}\n{row.format(value=value)}\n"
    file = SimpleUploadedFile("import.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse(url), {"file": file})


@pytest.mark.parametrize("importer", IMPORTERS)
def test_field_over_the_csv_limit_is_refused_by_line(client_for, administration, importer):
    before = state()

    response = post(client_for(administration), importer, f'"{HUGE}"')

    assert response.status_code == 200
    with translation.override("de"):
        expected = translation.gettext(
            "Line %(line)s: a value is longer than %(limit)s characters; no column of the "
            "import needs that much."
        ) % {"line": 2, "limit": "131.072"}
    assert response.context["import_errors"] == [expected]
    assert state() == before


@pytest.mark.parametrize("importer", IMPORTERS)
def test_control_characters_in_a_cell_are_refused(client_for, administration, importer):
    before = state()

    response = post(client_for(administration), importer, "Herbst\x07ferien")

    [error] = response.context["import_errors"]
    assert error.startswith("Zeile 2, Spalte „")
    with translation.override("de"):
        assert error.endswith(str(CONTROL_CHARACTERS_MESSAGE))
    assert state() == before
