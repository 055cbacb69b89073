"""Importing closure periods (school holidays) from CSV, as the ministry publishes them each year.

The import checks every row first and imports nothing when any row is bad. A row matches an
existing period with the same name and the same first and last day: that period is updated
(its venue kinds), never duplicated, so importing the same file twice changes nothing.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pghistory
from django.db import transaction
from django.utils.translation import gettext as _

from kooperation.importing import ImportResult
from kooperation.models import PartnerKind
from sozialraum.csvfile import CsvFileError, cell_error, choice_lookup, date_cell, read_rows
from sozialraum.pgtools import analyze
from sozialraum.text import german_sort_key
from teams.models import ClosurePeriod

COLUMNS = ("name", "first day", "last day", "venue kinds")
REQUIRED_COLUMNS = ("name", "first day", "last day")
KIND_SEPARATOR = "|"
EXAMPLE_FILE = Path(__file__).resolve().parent / "data" / "schulferien-beispiel.csv"


@dataclass(frozen=True)
class ClosureRow:
    name: str
    start: datetime.date
    end: datetime.date
    venue_kinds: tuple[str, ...]

    @property
    def key(self) -> tuple:
        return (german_sort_key(self.name), self.start, self.end)


def parse_closures(text: str) -> list[ClosureRow]:
    """Check every row; return the closure periods or raise ``CsvFileError``."""
    kinds = choice_lookup(PartnerKind)
    rows, errors, seen = [], [], {}
    for line, record in read_rows(text, REQUIRED_COLUMNS):
        row_errors = []

        def error(column, message, line=line, row_errors=row_errors):
            row_errors.append(cell_error(line, column, message))

        row = _parse_record(record, kinds, error)
        if not row_errors and row.key in seen:
            row_errors.append(
                _("Line %(line)s: “%(name)s” is already on line %(first)s.")
                % {"line": line, "name": row.name, "first": seen[row.key]}
            )
        elif not row_errors:
            seen[row.key] = line
        errors += row_errors
        rows.append(row)
    if errors:
        raise CsvFileError(errors)
    if not rows:
        raise CsvFileError([_("The file holds no closure periods.")])
    return rows


def _parse_record(record, kinds, error) -> ClosureRow:
    """The row's values; any bad cell is reported through ``error``."""
    name = record["name"]
    limit = ClosurePeriod._meta.get_field("name").max_length
    if not name:
        error("name", _("a value is required."))
    elif len(name) > limit:
        error("name", _("at most %(limit)d characters.") % {"limit": limit})
    start = _day(record, "first day", error)
    end = _day(record, "last day", error)
    if start and end and end < start:
        error("last day", _("The last day must not be before the first day."))
    venue_kinds = _venue_kinds(record.get("venue kinds", ""), kinds, error)
    return ClosureRow(name, start, end, venue_kinds)


def _day(record, column, error) -> datetime.date | None:
    if not record[column]:
        error(column, _("a value is required."))
        return None
    return date_cell(record[column], column, error)


def _venue_kinds(value: str, kinds, error) -> tuple[str, ...]:
    """The kinds in the order of ``PartnerKind``, so the order in the file does not matter."""
    found = set()
    for part in filter(None, (part.strip() for part in value.split(KIND_SEPARATOR))):
        kind = kinds.get(part.lower())
        if kind is None:
            error("venue kinds", _("“%(value)s” is not a venue kind.") % {"value": part})
        found.add(kind)
    return tuple(kind.value for kind in PartnerKind if kind.value in found)


def closures_import(rows: list[ClosureRow]) -> ImportResult:
    """Create or update the periods of checked rows, all in one transaction."""
    result = ImportResult()
    existing = {}
    for period in ClosurePeriod.objects.order_by("pk"):
        key = (german_sort_key(period.name), period.start, period.end)
        existing.setdefault(key, period)
    with transaction.atomic(), pghistory.context(import_closures=True):
        for row in rows:
            period = existing.get(row.key)
            if period is None:
                period = ClosurePeriod(start=row.start, end=row.end)
                result.created += 1
            elif (period.name, sorted(period.venue_kinds)) == (row.name, sorted(row.venue_kinds)):
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            period.name, period.venue_kinds = row.name, list(row.venue_kinds)
            period.full_clean()
            period.save()
            result.names.append(period.name)
    analyze(ClosurePeriod)
    return result
