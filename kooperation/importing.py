"""Importing and exporting the partner directory as CSV (and exporting as Excel).

The import checks every row first and imports nothing when any row is bad. Rows are matched
on name + municipality, so importing the same file twice changes nothing; a changed row
updates the partner (with the audit trail), a new one creates it.
"""

import csv
import io
from dataclasses import dataclass, field

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from kooperation.models import CooperationStatus, Partner, PartnerKind, SchoolType
from sozialraum.concurrency import save_versioned
from sozialraum.csvfile import CsvFileError, cell_error, choice_lookup, read_rows
from sozialraum.models import Municipality, User
from sozialraum.spreadsheets import xlsx_bytes
from sozialraum.text import german_sort_key

COLUMNS = ("name", "kind", "school_type", "municipality", "address", "phone", "email", "website")
EXPORT_COLUMNS = (*COLUMNS, "team_today", "cooperation_status", "active")
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
    for line, record in read_rows(text, COLUMNS):
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


def _undo_defuse(value: str) -> str:
    """An export protects a leading = or @ with an apostrophe; read it back without it."""
    return value[1:] if value[:1] == "'" and value[1:2] in {"=", "@"} else value


def _parse_record(record, kinds, school_types, municipalities, error) -> dict:
    values = {name: _undo_defuse(record.get(name, "")) for name in COLUMNS}
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
    return result


def export_rows(partners) -> list[list[str]]:
    """The rows of an export, in the import's columns (so an export can be imported again)
    plus today's team, the cooperation status and the active flag. Never a note."""
    rows = []
    for partner in partners:
        row = [
            partner.name,
            partner.get_kind_display(),
            partner.get_school_type_display() if partner.school_type else "",
            partner.municipality.name if partner.municipality else "",
            partner.address,
            partner.phone,
            partner.email,
            partner.website,
            partner.team_today or "",
            CooperationStatus(partner.cooperation_status).label
            if partner.cooperation_status
            else "",
            _("yes") if partner.is_active else _("no"),
        ]
        rows.append([_defuse(str(value)) for value in row])
    return rows


def _defuse(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection); phone
    numbers starting with + stay as they are."""
    return "'" + value if value[:1] in {"=", "@"} else value


def export_csv(partners) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_rows(partners))
    return buffer.getvalue()


def export_xlsx(partners) -> bytes:
    return xlsx_bytes(_("Partners"), [list(EXPORT_COLUMNS), *export_rows(partners)])
