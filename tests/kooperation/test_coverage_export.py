"""The coverage matrix as CSV and Excel (issue 15, point 6): the page's rows and cells for the
chosen Mittelbereich, counts as numbers and the status in words, a constant number of queries,
and the status colours as cell properties that Bootstrap's table cells cannot override."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import override
from openpyxl import load_workbook

from kooperation.models import CooperationStatus, PartnerKind
from sozialraum.models import MiddleArea, Municipality
from tests.kooperation.test_coverage import add

KINDS = list(PartnerKind)


@pytest.fixture
def network(district):
    """Backnang: three schools (best: active), two Kitas (best: dormant); a town hall in Aspach;
    a district-wide Frühe Hilfen partner."""
    backnang = Municipality.objects.get(name="Backnang")
    add("Grundschule Backnang-Süd", PartnerKind.SCHOOL, backnang, CooperationStatus.INITIATED)
    add("Realschule Backnang", PartnerKind.SCHOOL, backnang, CooperationStatus.ACTIVE)
    add("Gymnasium Backnang", PartnerKind.SCHOOL, backnang, CooperationStatus.ENDED)
    add("Kita Backnang-Mitte", PartnerKind.DAYCARE, backnang)
    add("Kita Backnang-Nord", PartnerKind.DAYCARE, backnang, CooperationStatus.DORMANT)
    add("Rathaus Aspach", PartnerKind.TOWN_HALL, Municipality.objects.get(name="Aspach"))
    add("Frühe Hilfen", PartnerKind.EARLY_HELP, None, CooperationStatus.BUILDING)


def export_url(format):
    return reverse("kooperation:coverage_export", args=[format])


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def label(status) -> str:
    with override("de"):
        return str(CooperationStatus(status).label)


def kind_column(kind) -> int:
    """The index of a kind's count column (its status column follows)."""
    return 3 + 2 * KINDS.index(kind)


def test_csv_holds_the_matrix_of_the_heads_middle_area(client_for, fbl_backnang, network):
    response = client_for(fbl_backnang).get(export_url("csv"))

    rows = csv_rows(response)
    assert response["Content-Disposition"].startswith('attachment; filename="abdeckung-')
    assert rows[0][:5] == ["Mittelbereich", "Sozialraumteam", "Stadt/Gemeinde", *rows[0][3:5]]
    assert len(rows[0]) == 3 + 2 * len(KINDS)
    backnang = next(row for row in rows if row[2] == "Backnang")
    school = kind_column(PartnerKind.SCHOOL)
    daycare = kind_column(PartnerKind.DAYCARE)
    assert backnang[:3] == ["Backnang", "Backnang", "Backnang"]
    assert backnang[school : school + 2] == ["3", label("active")]
    assert backnang[daycare : daycare + 2] == ["2", label("dormant")]
    aspach = next(row for row in rows if row[2] == "Aspach")
    assert aspach[kind_column(PartnerKind.TOWN_HALL)] == "1"
    assert {row[0] for row in rows[1:-1]} == {"Backnang"}
    district_wide = rows[-1]
    early_help = kind_column(PartnerKind.EARLY_HELP)
    assert district_wide[early_help : early_help + 2] == ["1", label("building")]


def test_csv_of_the_whole_district_has_a_row_per_municipality(client_for, fbl_backnang, network):
    response = client_for(fbl_backnang).get(export_url("csv"), {"middle_area": ""})

    rows = csv_rows(response)
    assert len(rows) == 1 + 31 + 1
    assert {row[0] for row in rows[1:-1]} == {"Backnang", "Schorndorf", "Waiblingen"}


def test_excel_holds_the_same_cells_with_numbers_as_numbers(client_for, fbl_backnang, network):
    client = client_for(fbl_backnang)
    area = MiddleArea.objects.get(name="Backnang").pk

    workbook = load_workbook(
        io.BytesIO(client.get(export_url("xlsx"), {"middle_area": area}).content)
    )
    from_csv = csv_rows(client.get(export_url("csv"), {"middle_area": area}))

    sheet = workbook.worksheets[0]
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(cells) == len(from_csv)
    backnang = next(row for row in cells if row[2] == "Backnang")
    assert backnang[kind_column(PartnerKind.SCHOOL)] == 3
    assert [[str(v) for v in row] for row in cells] == from_csv


def test_anonymous_export_is_sent_to_the_login_page(client, district):
    url = export_url("csv")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={url}")


@pytest.mark.parametrize("count", [1, 6])
def test_export_query_count_is_constant(client_for, fbl_backnang, django_assert_num_queries, count):
    backnang = Municipality.objects.get(name="Backnang")
    for n in range(count):
        add(f"Schule {n}", PartnerKind.SCHOOL, backnang, CooperationStatus.AGREED)
    client = client_for(fbl_backnang)

    with django_assert_num_queries(13):
        rows = csv_rows(client.get(export_url("csv")))

    backnang_row = next(row for row in rows if row[2] == "Backnang")
    assert backnang_row[kind_column(PartnerKind.SCHOOL)] == str(count)


def test_the_page_links_both_exports_for_the_shown_middle_area(client_for, fbl_backnang, network):
    area = MiddleArea.objects.get(name="Backnang").pk

    content = client_for(fbl_backnang).get(reverse("kooperation:coverage")).content.decode()

    assert f'href="{export_url("csv")}?middle_area={area}"' in content
    assert f'href="{export_url("xlsx")}?middle_area={area}"' in content


def test_status_colours_set_the_table_cell_background_property():
    """Bootstrap paints cells with var(--bs-table-bg): a status colour must set that property."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()

    for status in CooperationStatus.values:
        assert f".coverage td.status-cell-{status} {{ --bs-table-bg: #" in css
