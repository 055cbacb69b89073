"""Excel downloads, written the same way for every export."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, rows) -> bytes:
    """A one-sheet workbook of ``rows`` (write-only, so large exports stream through).

    Numbers stay numbers; text goes in as text — a leading "=" never becomes a formula — and
    without the control characters Excel refuses.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])

    def cell(value):
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        text.data_type = "s"
        return text

    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
