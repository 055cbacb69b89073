"""The partner export never hands a spreadsheet a formula, and still imports again unchanged."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality
from sozialraum.spreadsheets import FORMULA_TRIGGERS

HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\tTabulator"]


def export(client, format, params=None):
    return client.get(reverse("kooperation:partner_export", args=[format]), params or {})


def csv_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    return content.decode("utf-8-sig")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response)), delimiter=";"))


@pytest.fixture
def hostile_partners(district):
    korb = Municipality.objects.get(name="Korb")
    return [
        Partner.objects.create(
            name=name,
            kind=PartnerKind.VOLUNTEERS,
            municipality=korb,
            address="-Hinterhof",
            phone="+49 7151 501-0",
        )
        for name in HOSTILE_NAMES
    ]


def test_csv_cells_never_start_like_a_formula(client_for, fachkraft, hostile_partners):
    rows = csv_rows(export(client_for(fachkraft), "csv"))

    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]
    assert sorted(row[0] for row in rows[1:]) == sorted("'" + name for name in HOSTILE_NAMES)
    assert {(row[4], row[5]) for row in rows[1:]} == {("'-Hinterhof", "'+49 7151 501-0")}


def test_xlsx_holds_the_text_as_text(client_for, fachkraft, hostile_partners):
    response = export(client_for(fachkraft), "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [(row[0].value, row[0].data_type) for row in sheet.iter_rows(min_row=2)]
    assert sorted(names) == sorted((name, "s") for name in HOSTILE_NAMES)
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:K6")


def test_neutralised_export_imports_again_unchanged(
    client_for, fachkraft, hostile_partners, tmp_path
):
    Partner.objects.filter(name__startswith="\t").delete()  # the import refuses control chars
    path = tmp_path / "export.csv"
    path.write_text(csv_text(export(client_for(fachkraft), "csv")), encoding="utf-8")
    before = sorted(Partner.objects.values_list("name", "address", "phone"))
    output = io.StringIO()

    call_command("import_partners", str(path), stdout=output)

    assert output.getvalue().strip() == "export.csv: 0 created, 0 updated, 4 unchanged."
    assert sorted(Partner.objects.values_list("name", "address", "phone")) == before


def export_queries(client, format) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = export(client, format)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_the_rows(client_for, fachkraft, district, format):
    client = client_for(fachkraft)
    korb = Municipality.objects.get(name="Korb")
    Partner.objects.create(name="Verein 0", kind=PartnerKind.VOLUNTEERS, municipality=korb)
    one = export_queries(client, format)
    for number in range(1, 8):
        Partner.objects.create(
            name=f"Verein {number}", kind=PartnerKind.VOLUNTEERS, municipality=korb
        )

    several = export_queries(client, format)

    assert several == one
