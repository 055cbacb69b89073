"""The coverage matrix (Abdeckung) as CSV and Excel (issue 15, point 6): exactly the rows and
cells of the page for the chosen Mittelbereich, through the shared spreadsheet writers (no text
cell is ever evaluated as a formula).

One row per municipality (with its Mittelbereich and today's team) and one for the district-wide
partners; per partner kind two columns: the number of active partners and the most advanced
cooperation status, in words.
"""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from kooperation.models import CooperationStatus, PartnerKind
from kooperation.selectors import CoverageCell, CoverageRow
from sozialraum.spreadsheets import Column, csv_response, xlsx_bytes, xlsx_response


def status_text(cell: CoverageCell) -> str:
    """The cell's status as the page writes it."""
    if not cell.count:
        return _("no partner")
    if not cell.best_status:
        return _("no cooperation yet")
    return str(CooperationStatus(cell.best_status).label)


def columns(kinds: list[PartnerKind]) -> list[Column]:
    heads = [
        Column(_("Mittelbereich"), width=16),
        Column(_("Sozialraumteam"), width=20),
        Column(_("Town or municipality"), width=22),
    ]
    for kind in kinds:
        heads.append(Column(_("%(kind)s: partners") % {"kind": kind.label}, "number", 12))
        heads.append(Column(_("%(kind)s: status") % {"kind": kind.label}, width=18))
    return heads


def _cells(row: CoverageRow) -> list:
    values = []
    for cell in row.cells:
        values += [cell.count, status_text(cell)]
    return values


def rows(areas, district_wide: CoverageRow) -> Iterator[list]:
    """The matrix's rows in the page's order, then the district-wide partners."""
    for area in areas:
        for team in area.active_teams:
            for row in team.coverage_rows:
                yield [area.name, team.name, row.municipality.name, *_cells(row)]
    yield ["", "", _("district-wide"), *_cells(district_wide)]


def filename(extension: str) -> str:
    return f"abdeckung-{timezone.localdate().isoformat()}.{extension}"


def coverage_csv(areas, district_wide, kinds):
    headings = [column.heading for column in columns(kinds)]
    return csv_response(headings, rows(areas, district_wide), filename("csv"))


def coverage_xlsx(areas, district_wide, kinds):
    data = xlsx_bytes(_("Coverage"), columns(kinds), rows(areas, district_wide))
    return xlsx_response(data, filename("xlsx"))
