"""Spreadsheet downloads, written the same way for every export.

CSV: semicolon-separated with a UTF-8 byte-order mark, so that Excel in Germany splits the
columns and shows umlauts; produced in chunks, so a response can stream from the first byte.
Excel: workbooks written row by row into their zip file, with real dates and numbers, a
frozen heading row and an autofilter. In both, no text cell is ever evaluated as a formula.
"""

import csv
import datetime
import decimal
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html import escape

from django.db.models import Func, TextField
from django.http import HttpResponse, StreamingHttpResponse

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters that XML 1.0 (and so Excel) refuses in a cell.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Excel and LibreOffice evaluate a cell that starts with one of these (CSV injection, OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 2000


def neutralise(value):
    """The cell value of a CSV export: text starting like a formula gets a leading apostrophe,
    which spreadsheet programs show as text; numbers (negative ones too) stay numbers.

    Applying it twice changes nothing, so values may be neutralised once when a label map is
    built and again when a row is written.
    """
    if type(value) is str and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class Neutralised(Func):
    """The SQL twin of :func:`neutralise`, for a CSV that PostgreSQL writes itself (``COPY``):
    text starting with one of ``FORMULA_TRIGGERS`` gets a leading apostrophe; NULL stays NULL.

    The triggers are taken from ``FORMULA_TRIGGERS`` (as ``chr(…)``, folded when the query is
    planned), so the two cannot drift apart; a property test sends random strings through both.
    The expression is written three times into the SQL: give it a column or an aggregate (which
    PostgreSQL computes once per group), never a subquery.
    """

    arity = 1
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        triggers = ", ".join(f"chr({ord(trigger)})" for trigger in FORMULA_TRIGGERS)
        text = f"({sql})::text"
        return (
            f"(CASE WHEN left({text}, 1) IN ({triggers}) THEN '''' || {text} ELSE {text} END)",
            (*params, *params, *params),
        )


def undo_neutralise(value: str) -> str:
    """The text an export had before :func:`neutralise` (for importing an export again)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS else value


def csv_chunks(
    headings: Iterable, rows: Iterable[Iterable], *, neutralised: bool = False
) -> Iterator[str]:
    """A CSV file in pieces of a few thousand rows: byte-order mark and headings first.

    Every text cell goes through :func:`neutralise` — here, or, for a large export that says
    ``neutralised``, where its rows are made (once per label rather than once per cell).
    ``None`` is an empty cell.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(str(heading)) for heading in headings])
    yield _drain(buffer)
    if not neutralised:
        rows = ([neutralise(value) for value in row] for row in rows)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count == CSV_CHUNK_ROWS:
            yield _drain(buffer)
            count = 0
    if count:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@dataclass(frozen=True)
class Column:
    """One column of an Excel sheet: its heading, the kind of its values and its width."""

    heading: str
    kind: str = "text"  # "text", "number", "date", "time" (documentation; cells go by type)
    width: float = 14


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet title Excel accepts: none of ``[]:*?/\\``, at most 31 characters, not blank,
    unique in the workbook (compared case-insensitively, as Excel does)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", ILLEGAL_CHARACTERS_RE.sub("", str(title)))
    base = " ".join(base.split()).strip("'")[:31].strip() or "Tabelle"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(candidate.lower())
    return candidate


class XlsxWorkbook:
    """An Excel workbook written sheet by sheet, row by row, straight into its zip file.

    openpyxl's write-only mode spends about half a millisecond per row here (an object and an
    XML element per cell): a team's year of activities took longer than a page may. This
    writer produces each row's XML as one string, with the cells of repeating values (names,
    dates, small counts) built once, at a few microseconds per row. Text is always stored as
    text (an inline string: never a formula), dates and times as numbers with a date format,
    numbers as numbers; every sheet has a frozen heading row and an autofilter.
    """

    def __init__(self):
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._titles: list[str] = []
        self._taken: set[str] = set()

    def add_sheet(
        self,
        title: str,
        columns: list[Column],
        rows: Iterable[Iterable],
        *,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 5000,
    ) -> int:
        """Write a sheet of ``rows`` under the columns' headings; return the number of rows."""
        self._titles.append(sheet_title(title, self._taken))
        name = f"xl/worksheets/sheet{len(self._titles)}.xml"
        cells = _CellCache()
        count = 0
        with self._zip.open(name, "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            out.write(_sheet_head(columns))
            out.write(_row(1, [cells.heading(str(column.heading)) for column in columns]))
            batch = []
            known, build = cells.get, cells.cell
            for row in rows:
                count += 1
                batch.append(_row(count + 1, [known((type(v), v)) or build(v) for v in row]))
                if len(batch) == 1000:
                    out.write("".join(batch))
                    batch.clear()
                if progress and count % progress_every == 0:
                    progress(count)
            out.write("".join(batch))
            last = f"{_column_letter(len(columns))}{count + 1}"
            out.write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')
            out.flush()
            out.detach()
        return count

    def to_bytes(self) -> bytes:
        if not self._titles:
            self.add_sheet("Tabelle", [], [])
        files = {
            "[Content_Types].xml": _content_types(len(self._titles)),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": _workbook_xml(self._titles),
            "xl/_rels/workbook.xml.rels": _workbook_rels(len(self._titles)),
            "xl/styles.xml": _STYLES,
        }
        for name, text in files.items():
            self._zip.writestr(name, text)
        self._zip.close()
        return self._buffer.getvalue()


# Styles (cellXfs): 0 general, 1 date, 2 time, 3 date and time, 4 bold heading.
_DATE_STYLE, _TIME_STYLE, _DATETIME_STYLE, _HEADING_STYLE = 1, 2, 3, 4
_EPOCH = datetime.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its leap bug)
_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_CACHE_LIMIT = 20_000


def _text(value: str) -> str:
    if _XML_SPECIAL.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _number(value) -> str:
    return f"<c><v>{value!r}</v></c>" if isinstance(value, float) else f"<c><v>{value}</v></c>"


def _date(value: datetime.date) -> str:
    return f'<c s="{_DATE_STYLE}"><v>{(value - _EPOCH).days}</v></c>'


def _time(value: datetime.time) -> str:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return f'<c s="{_TIME_STYLE}"><v>{seconds / 86400!r}</v></c>'


def _datetime(value: datetime.datetime) -> str:
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    serial = (value.date() - _EPOCH).days + seconds / 86400
    return f'<c s="{_DATETIME_STYLE}"><v>{serial!r}</v></c>'


_BY_TYPE = {
    str: _text,
    int: _number,
    float: _number,
    decimal.Decimal: lambda value: f"<c><v>{value}</v></c>",
    bool: lambda value: f'<c t="b"><v>{int(value)}</v></c>',
    datetime.date: _date,
    datetime.time: _time,
    datetime.datetime: _datetime,
}


class _CellCache(dict):
    """The XML of a cell by its value, built once per value (up to a limit, so that a sheet of
    many different texts keeps memory flat)."""

    def cell(self, value) -> str:
        key = (type(value), value)
        xml = self.get(key)
        if xml is None:
            empty = value is None or value == ""
            xml = "<c/>" if empty else _BY_TYPE.get(type(value), _fallback)(value)
            if len(self) < _CACHE_LIMIT:
                self[key] = xml
        return xml

    def heading(self, value: str) -> str:
        return _text(value).replace("<c ", f'<c s="{_HEADING_STYLE}" ', 1)


def _fallback(value) -> str:
    if isinstance(value, datetime.datetime):
        return _datetime(value)
    if isinstance(value, datetime.date):
        return _date(value)
    return _text(str(value))


def _row(number: int, cells: list[str]) -> str:
    # Cells carry no reference: each follows the one before, empty ones as "<c/>".
    return f'<row r="{number}">' + "".join(cells) + "</row>"


def _column_letter(index: int) -> str:
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters or "A"


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _sheet_head(columns: list[Column]) -> str:
    cols = "".join(
        f'<col min="{index}" max="{index}" width="{column.width}" customWidth="1"/>'
        for index, column in enumerate(columns, 1)
    )
    return (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
    )


def _workbook_xml(titles: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(title, quote=True)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, title in enumerate(titles, 1)
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheet_type = f"{_REL_NS}/worksheet"
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{sheet_type}" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    styles = f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{sheets}{styles}</Relationships>'


def _content_types(count: int) -> str:
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sml}.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{sml}.styles+xml"/>'
        f"{sheets}</Types>"
    )


_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)

_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/>'
    '<numFmt numFmtId="165" formatCode="HH:MM"/>'
    '<numFmt numFmtId="166" formatCode="DD.MM.YYYY HH:MM"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Standard" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def xlsx_bytes(title: str, columns: list[Column], rows: Iterable[Iterable]) -> bytes:
    """A one-sheet workbook."""
    workbook = XlsxWorkbook()
    workbook.add_sheet(title, columns, rows)
    return workbook.to_bytes()


# --- Responses ------------------------------------------------------------------------------


def attachment(response, filename: str):
    """Mark a response as a download that no browser or shared cache keeps (exports hold the
    figures of the user's scope)."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def csv_response(
    headings: Iterable, rows: Iterable[Iterable], filename: str, *, neutralised: bool = False
):
    """A CSV download that streams from the first byte."""
    content = csv_chunks(headings, rows, neutralised=neutralised)
    return attachment(StreamingHttpResponse(content, content_type=CSV_CONTENT_TYPE), filename)


def xlsx_response(data: bytes, filename: str):
    return attachment(HttpResponse(data, content_type=XLSX_CONTENT_TYPE), filename)
