"""Reading CSV files that people prepare in a spreadsheet: UTF-8 (with or without BOM), comma
or semicolon separated, errors reported by line and column."""

import csv
import datetime
import io

from django.utils import translation
from django.utils.translation import gettext as _

from sozialraum.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters


class CsvFileError(Exception):
    """The file cannot be used; ``errors`` lists every problem with its line."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            [_("The file is not UTF-8 encoded; save it as “CSV UTF-8” and try again.")]
        ) from error


def read_rows(text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, stripped values by column) for every data row; the header must name
    every column in ``columns``."""
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;") if first_line else csv.excel
    except csv.Error as error:
        raise CsvFileError([_("Line 1: separate the columns by commas or semicolons.")]) from error
    # A heading line holds no quotes, so the sniffer cannot see that a quote inside a quoted
    # cell is doubled (as spreadsheets and our exports write it): it always is.
    dialect.doublequote = True
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in columns if name not in header]
    if missing:
        raise CsvFileError(
            [_("Line 1: missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            values = {k: (v or "").strip() for k, v in record.items() if k is not None}
            rows.append((reader.line_num, values))
    except csv.Error as error:
        raise CsvFileError([_unreadable(reader.line_num + 1, error)]) from error
    errors = [
        cell_error(line, column, str(CONTROL_CHARACTERS_MESSAGE))
        for line, values in rows
        for column, value in values.items()
        if has_control_characters(value)
    ]
    if errors:
        raise CsvFileError(errors)
    return rows


def _unreadable(line: int, error: csv.Error) -> str:
    """A German message for what Python's CSV reader refuses (its messages are English)."""
    if "field larger than field limit" in str(error):
        return _(
            "Line %(line)s: a value is longer than %(limit)s characters; no column of the "
            "import needs that much."
        ) % {"line": line, "limit": f"{csv.field_size_limit():,}".replace(",", ".")}
    return _("Line %(line)s cannot be read as CSV; check its quotation marks.") % {"line": line}


def cell_error(line: int, column: str, message: str) -> str:
    return _("Line %(line)s, column “%(column)s”: %(message)s") % {
        "line": line,
        "column": column,
        "message": message,
    }


def choice_lookup(choices) -> dict[str, str]:
    """A choice's value by its value or its label (German or English), case-insensitively, so
    that a CSV may name a kind as the application shows it or by its key."""
    lookup = {}
    for choice in choices:
        lookup[choice.value.lower()] = choice.value
        for language in ("de", "en"):
            with translation.override(language):
                lookup[str(choice.label).lower()] = choice.value
    return lookup


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")


def parse_day(value: str) -> datetime.date | None:
    """A date as people type it in Germany (TT.MM.JJJJ) or in ISO form; None if neither."""
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


def date_cell(value: str, column: str, error) -> datetime.date | None:
    """A date cell of an import; a bad one is reported through ``error`` by its column."""
    day = parse_day(value)
    if day is None:
        error(
            column,
            _("“%(value)s” is not a date (DD.MM.YYYY or YYYY-MM-DD).") % {"value": value},
        )
    return day
