"""Population figures of the municipalities: the rule that a figure needs its reference date,
and the CSV import with which Administration brings in the statistical office's new figures.

The import checks every row first and changes nothing when any row is bad. A row names its
municipality by its official key (AGS) or, without one, by its name; importing the same file
twice changes nothing.
"""

import datetime
import re
from dataclasses import dataclass

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sozialraum.csvfile import CsvFileError, cell_error, date_cell, read_rows
from sozialraum.models import Municipality
from sozialraum.pgtools import analyze
from sozialraum.text import german_sort_key

COLUMNS = ("ags", "name", "population", "population as of")
REQUIRED_COLUMNS = ("population", "population as of")
MAX_POPULATION = 99_999_999
# Spreadsheets write large numbers with thousands separators ("39.512" or "39 512").
POPULATION = re.compile(r"\d{1,3}(?:[. \u00a0]\d{3})+|\d+")


@dataclass
class PopulationImportResult:
    updated: int = 0
    unchanged: int = 0


def population_errors(population: int | None, as_of: datetime.date | None) -> dict[str, str]:
    """What is wrong with a population figure, by field: a figure without its reference date
    cannot be compared with another one, and a figure cannot be as of a future day."""
    errors = {}
    if population is not None and as_of is None:
        errors["population_date"] = _("Give the date the population refers to.")
    if as_of is not None and population is None:
        errors["population"] = _("Give the population for this date, or clear the date.")
    if as_of is not None and as_of > timezone.localdate():
        errors["population_date"] = _("The date must not be in the future.")
    return errors


def parse_populations(text: str) -> list[tuple[Municipality, int, datetime.date]]:
    """Check every row; return (municipality, population, as of) or raise ``CsvFileError``."""
    records = read_rows(text, REQUIRED_COLUMNS)
    if records and not {"ags", "name"} & records[0][1].keys():
        raise CsvFileError([_("Line 1: give the column “ags” or the column “name”.")])
    municipalities = list(Municipality.objects.all())
    by_ags = {m.ags: m for m in municipalities if m.ags}
    by_name = {german_sort_key(m.name): m for m in municipalities}
    rows, errors, seen = [], [], {}
    for line, record in records:
        row_errors = []

        def error(column, message, line=line, row_errors=row_errors):
            row_errors.append(cell_error(line, column, message))

        municipality = _municipality(record, by_ags, by_name, error)
        population, as_of = _figure(record, error)
        if municipality is not None and municipality.pk in seen:
            row_errors.append(
                _("Line %(line)s: “%(name)s” is already on line %(first)s.")
                % {"line": line, "name": municipality.name, "first": seen[municipality.pk]}
            )
        if municipality is not None:
            seen.setdefault(municipality.pk, line)
        errors += row_errors
        rows.append((municipality, population, as_of))
    if errors:
        raise CsvFileError(errors)
    if not rows:
        raise CsvFileError([_("The file holds no population figures.")])
    return rows


def _municipality(record, by_ags, by_name, error) -> Municipality | None:
    ags, name = record.get("ags", ""), record.get("name", "")
    if ags:
        # Spreadsheets read the key as a number and drop its leading zero (08119... → 8119...).
        municipality = by_ags.get(ags.zfill(8) if ags.isdigit() else ags)
        if municipality is None:
            error(
                "ags",
                _("“%(value)s” is not the key of a municipality of the district.") % {"value": ags},
            )
        return municipality
    if not name:
        error("name" if "name" in record else "ags", _("a value is required."))
        return None
    municipality = by_name.get(german_sort_key(name))
    if municipality is None:
        error(
            "name",
            _("“%(value)s” is not a town or municipality of the district.") % {"value": name},
        )
    return municipality


def _figure(record, error) -> tuple[int | None, datetime.date | None]:
    value, day = record["population"], record["population as of"]
    population = as_of = None
    digits = re.sub(r"\D", "", value) if POPULATION.fullmatch(value) else None
    if not value:
        error("population", _("a value is required."))
    elif digits is None:
        error("population", _("“%(value)s” is not a whole number.") % {"value": value})
    elif int(digits) > MAX_POPULATION:
        error("population", _("at most %(limit)d.") % {"limit": MAX_POPULATION})
    else:
        population = int(digits)
    if not day:
        error("population as of", _("a value is required."))
    else:
        as_of = date_cell(day, "population as of", error)
    if population is not None and as_of is not None:
        for message in population_errors(population, as_of).values():
            error("population as of", message)
    return population, as_of


def populations_import(
    rows: list[tuple[Municipality, int, datetime.date]],
) -> PopulationImportResult:
    """Store the checked figures, all in one transaction."""
    result = PopulationImportResult()
    with transaction.atomic(), pghistory.context(import_populations=True):
        for municipality, population, as_of in rows:
            if (municipality.population, municipality.population_date) == (population, as_of):
                result.unchanged += 1
                continue
            municipality.population, municipality.population_date = population, as_of
            municipality.full_clean()
            municipality.save(update_fields=["population", "population_date"])
            result.updated += 1
    analyze(Municipality)
    return result
