"""Loading a district's structure from a CSV file (``manage.py load_district``).

The file has one row per municipality with the columns in ``COLUMNS``; the Mittelbereich and
the team are an *example* split that the office replaces through the administration. Every row
is checked before anything is written; an error names its line and column.

Loading is idempotent and never overwrites what administrators maintain: existing middle areas,
teams, municipalities and assignments stay as they are; a newer population figure wins.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pghistory
from django.db import transaction
from django.utils.translation import gettext as _

from sozialraum.csvfile import CsvFileError, cell_error, decode, read_rows
from sozialraum.models import Assignment, MiddleArea, Municipality, Team

COLUMNS = (
    "municipality",
    "kind",
    "grosse_kreisstadt",
    "population_2007",
    "middle_area_example",
    "team_example",
)
# The shipped district's boundaries (sozialraum/data/README.md: source, licence, attribution),
# loaded with the shipped CSV; another district passes its own with ``--boundaries``.
DEFAULT_BOUNDARIES = Path(__file__).parent / "data" / "rems-murr-kreis-gemeinden.geojson"
POPULATION_DATE = datetime.date(2007, 12, 31)
EXAMPLE_VALID_FROM = datetime.date(2007, 1, 1)
KINDS = {"stadt": Municipality.Kind.TOWN, "gemeinde": Municipality.Kind.MUNICIPALITY}
BOOLEANS = {"yes": True, "ja": True, "true": True, "1": True, "no": False, "nein": False}
BOOLEANS |= {"false": False, "0": False, "": False}


DistrictFileError = CsvFileError


@dataclass
class Row:
    line: int
    municipality: str
    kind: str
    is_major_district_town: bool
    population: int
    middle_area: str
    team: str


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0


def read_district_file(path: Path) -> list[Row]:
    """Parse and check a district CSV; raise ``DistrictFileError`` listing every bad line."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        message = _("The file cannot be read: %(error)s") % {"error": error}
        raise DistrictFileError([message]) from error
    return parse_district_csv(decode(content))


def parse_district_csv(text: str) -> list[Row]:
    rows, errors = [], []
    for line, record in read_rows(text, COLUMNS):
        row_errors = []
        row = _parse_row(line, record, row_errors)
        errors += row_errors
        if not row_errors:
            rows.append(row)
    errors += _check_consistency(rows)
    if not rows and not errors:
        errors.append(_("The file holds no municipalities."))
    if errors:
        raise DistrictFileError(errors)
    return rows


def _parse_row(line: int, record: dict, errors: list[str]) -> Row | None:
    def value(column):
        return record.get(column, "")

    def error(column, message):
        errors.append(cell_error(line, column, message))

    for column in ("municipality", "middle_area_example", "team_example"):
        if not value(column):
            error(column, _("a value is required."))
    kind = KINDS.get(value("kind").lower())
    if kind is None:
        error("kind", _("“%(value)s” is neither Stadt nor Gemeinde.") % {"value": value("kind")})
    major = BOOLEANS.get(value("grosse_kreisstadt").lower())
    if major is None:
        error(
            "grosse_kreisstadt",
            _("“%(value)s” is not yes or no.") % {"value": value("grosse_kreisstadt")},
        )
    elif major and kind == Municipality.Kind.MUNICIPALITY:
        error("grosse_kreisstadt", _("only a Stadt can be a Große Kreisstadt."))
    population = value("population_2007")
    if not population.isdigit():
        error("population_2007", _("“%(value)s” is not a whole number.") % {"value": population})
    if errors:
        return None
    return Row(
        line,
        value("municipality"),
        kind,
        major,
        int(population),
        value("middle_area_example"),
        value("team_example"),
    )


def _check_consistency(rows: list[Row]) -> list[str]:
    """Within the file and against the database: duplicates, a team in two middle areas,
    middle areas the database does not know."""
    errors = []
    seen_municipality: dict[str, Row] = {}
    team_area: dict[str, Row] = {}
    known_areas = set(MiddleArea.objects.values_list("name", flat=True))
    stored_team_area = dict(Team.objects.values_list("name", "middle_area__name"))
    for row in rows:
        first = seen_municipality.setdefault(row.municipality.casefold(), row)
        if first is not row:
            errors.append(
                _("Line %(line)s: the municipality “%(name)s” is already on line %(first)s.")
                % {"line": row.line, "name": row.municipality, "first": first.line}
            )
        if known_areas and row.middle_area not in known_areas:
            errors.append(
                _(
                    "Line %(line)s, column “middle_area_example”: unknown Mittelbereich "
                    "“%(name)s”; this district has %(known)s."
                )
                % {
                    "line": row.line,
                    "name": row.middle_area,
                    "known": ", ".join(sorted(known_areas)),
                }
            )
            continue
        expected = team_area.setdefault(row.team, row).middle_area
        expected = stored_team_area.get(row.team, expected)
        if row.middle_area != expected:
            errors.append(
                _(
                    "Line %(line)s, column “middle_area_example”: the team “%(team)s” belongs "
                    "to the Mittelbereich “%(expected)s”, not “%(name)s”."
                )
                % {
                    "line": row.line,
                    "team": row.team,
                    "expected": expected,
                    "name": row.middle_area,
                }
            )
    return errors


def district_load(rows: list[Row]) -> LoadResult:
    """Create what is missing, in one transaction; leave what exists as administrators keep it."""
    result = LoadResult(
        created={"middle_areas": 0, "teams": 0, "municipalities": 0, "assignments": 0}
    )
    with transaction.atomic(), pghistory.context(command="load_district"):
        areas = {a.name: a for a in MiddleArea.objects.all()}
        teams = {t.name: t for t in Team.objects.all()}
        for row in rows:
            if row.middle_area not in areas:
                areas[row.middle_area] = MiddleArea.objects.create(name=row.middle_area)
                result.created["middle_areas"] += 1
            if row.team not in teams:
                teams[row.team] = Team.objects.create(
                    name=row.team, middle_area=areas[row.middle_area]
                )
                result.created["teams"] += 1
            _load_municipality(row, teams[row.team], result)
    return result


def _load_municipality(row: Row, team: Team, result: LoadResult) -> None:
    municipality, created = Municipality.objects.get_or_create(
        name=row.municipality,
        defaults={
            "kind": row.kind,
            "is_major_district_town": row.is_major_district_town,
            "population": row.population,
            "population_date": POPULATION_DATE,
        },
    )
    result.created["municipalities"] += created
    if not created and (
        municipality.population_date is None or municipality.population_date < POPULATION_DATE
    ):
        municipality.population = row.population
        municipality.population_date = POPULATION_DATE
        municipality.save(update_fields=["population", "population_date"])
    if not municipality.assignments.exists():
        Assignment.objects.create(
            municipality=municipality, team=team, valid_from=EXAMPLE_VALID_FROM, is_example=True
        )
        result.created["assignments"] += 1
    elif not created:
        result.unchanged += 1
