"""Importing and exporting the partner directory as CSV (and exporting as Excel).

The import checks every row first and imports nothing when any row is bad. Rows are matched
on name + municipality, so importing the same file twice changes nothing; a changed row
updates the partner (with the audit trail), a new one creates it.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kooperation.models import CooperationStatus, Partner, PartnerKind, SchoolType
from sozialraum.concurrency import save_versioned
from sozialraum.csvfile import CsvFileError, cell_error, choice_lookup, read_rows
from sozialraum.models import Municipality, User
from sozialraum.pgtools import analyze
from sozialraum.spreadsheets import (
    Column,
    csv_response,
    undo_neutralise,
    xlsx_bytes,
    xlsx_response,
)
from sozialraum.text import german_sort_key

COLUMNS = ("name", "kind", "school_type", "municipality", "address", "phone", "email", "website")
FIELDS = ("name", "kind", "school_type", "municipality", "address", "phone", "email", "website")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    names: list[str] = field(default_factory=list)


def parse_partners(text: str) -> list[dict]:
    """Check every row; return the partners' field values or raise ``CsvFileError``."""
    kinds = choice_lookup(PartnerKind)
    school_types = choice_lookup(SchoolType)
    municipalities = {german_sort_key(m.name): m for m in Municipality.objects.all()}
    rows, errors, seen = [], [], {}
    for line, record in read_rows(_with_column_keys(text), COLUMNS):
        row_errors = []

        def error(column, message, line=line, row_errors=row_errors):
            row_errors.append(cell_error(line, column, message))

        values = _parse_record(record, kinds, school_types, municipalities, error)
        key = (german_sort_key(values["name"]), values["municipality"])
        if values["name"] and key in seen:
            row_errors.append(
                _("Line %(line)s: “%(name)s” is already on line %(first)s.")
                % {"line": line, "name": values["name"], "first": seen[key]}
            )
        seen.setdefault(key, line)
        errors += row_errors
        rows.append(values)
    if errors:
        raise CsvFileError(errors)
    if not rows:
        raise CsvFileError([_("The file holds no partners.")])
    return rows


def _with_column_keys(text: str) -> str:
    """The file with its heading line in column keys: an export is headed by the columns'
    names in the user's language, which an import accepts in German and English."""
    first_line, newline, rest = text.partition("\n")
    delimiter = ";" if ";" in first_line else ","
    headings = next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter), [])
    aliases = _heading_aliases()
    keys = [aliases.get(heading.strip().lower(), heading) for heading in headings]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(keys)
    return buffer.getvalue() + newline + rest


def _heading_aliases() -> dict[str, str]:
    aliases = {}
    for language in ("en", "de"):
        with translation.override(language):
            for name in COLUMNS:
                label = Partner._meta.get_field(name).verbose_name
                aliases[str(label).lower()] = name
    return aliases


def _parse_record(record, kinds, school_types, municipalities, error) -> dict:
    values = {name: undo_neutralise(record.get(name, "")) for name in COLUMNS}
    if not values["name"]:
        error("name", _("a value is required."))
    for column in ("name", "address", "phone", "email", "website"):
        limit = Partner._meta.get_field(column).max_length
        if len(values[column]) > limit:
            error(column, _("at most %(limit)d characters.") % {"limit": limit})
    kind = kinds.get(values["kind"].lower())
    if kind is None:
        error("kind", _("“%(value)s” is not a partner kind.") % {"value": values["kind"]})
    school_type = (
        school_types.get(values["school_type"].lower(), "") if values["school_type"] else ""
    )
    if values["school_type"] and not school_type:
        error(
            "school_type", _("“%(value)s” is not a school type.") % {"value": values["school_type"]}
        )
    elif school_type and kind != PartnerKind.SCHOOL:
        error("school_type", _("only a school has a school type."))
    municipality = None
    if values["municipality"]:
        municipality = municipalities.get(german_sort_key(values["municipality"]))
        if municipality is None:
            error(
                "municipality",
                _("“%(value)s” is not a town or municipality of the district.")
                % {"value": values["municipality"]},
            )
    for column, validator in (("email", EmailValidator()), ("website", URLValidator())):
        if values[column]:
            try:
                validator(values[column])
            except ValidationError:
                error(column, _("“%(value)s” is not valid.") % {"value": values[column]})
    return {**values, "kind": kind, "school_type": school_type, "municipality": municipality}


def partners_import(rows: list[dict], *, user: User | None) -> ImportResult:
    """Create or update the partners of checked rows, all in one transaction."""
    result = ImportResult()
    existing = {
        (german_sort_key(p.name), p.municipality_id): p
        for p in Partner.objects.select_related("municipality")
    }
    with transaction.atomic(), pghistory.context(import_partners=True):
        for values in rows:
            municipality = values["municipality"]
            key = (german_sort_key(values["name"]), municipality.pk if municipality else None)
            partner = existing.get(key)
            if partner is None:
                partner = Partner()
                result.created += 1
            elif all(getattr(partner, name) == values[name] for name in FIELDS):
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            for name in FIELDS:
                setattr(partner, name, values[name])
            partner.full_clean()
            save_versioned(partner, expected_version=None, user=user)
            result.names.append(partner.name)
    # Statistics for the planner at once: an import may add hundreds of partners.
    analyze(Partner)
    return result


def export_columns() -> list[Column]:
    """The export's columns, headed in the active language: the import's columns (an import
    reads these headings too, so an export can be imported again), then today's team, the
    cooperation status and the active flag. Never a note."""
    fields = [Partner._meta.get_field(name) for name in COLUMNS]
    return [
        *[Column(capfirst(str(field.verbose_name)), "text", 24) for field in fields],
        Column(_("Team responsible today"), "text", 20),
        Column(_("Cooperation status"), "text", 16),
        Column(_("Active"), "text", 8),
    ]


EXPORT_FIELDS = (
    "name", "kind", "school_type", "municipality__name", "address", "phone", "email",
    "website", "team_today", "cooperation_status", "is_active",
)  # fmt: skip


def export_rows(partners) -> Iterator[list[str]]:
    """The rows of an export: one lean query, labels from maps built once."""
    kinds = {value: str(label) for value, label in PartnerKind.choices}
    school_types = {value: str(label) for value, label in SchoolType.choices}
    statuses = {value: str(label) for value, label in CooperationStatus.choices}
    yes, no = _("yes"), _("no")
    for row in partners.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        name, kind, school_type, municipality, *contact, team, status, active = row
        yield [
            name,
            kinds.get(kind, kind),
            school_types.get(school_type, ""),
            municipality or "",
            *contact,
            team or "",
            statuses.get(status, ""),
            yes if active else no,
        ]


def export_csv(partners):
    """The export as a streamed CSV download."""
    headings = [column.heading for column in export_columns()]
    return csv_response(headings, export_rows(partners), _export_filename("csv"))


def export_xlsx(partners):
    data = xlsx_bytes(_("Partners"), export_columns(), export_rows(partners))
    return xlsx_response(data, _export_filename("xlsx"))


def _export_filename(extension: str) -> str:
    return f"partner-{timezone.localdate().isoformat()}.{extension}"
