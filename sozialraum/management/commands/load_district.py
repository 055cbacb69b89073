from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sozialraum.boundaries import BoundaryFileError, boundaries_load, read_boundary_file
from sozialraum.district import (
    DEFAULT_BOUNDARIES,
    DistrictFileError,
    district_load,
    read_district_file,
)


class Command(BaseCommand):
    help = (
        "Load a district's Mittelbereiche, teams, municipalities and example assignment from a "
        "CSV file (by default the Rems-Murr-Kreis shipped with Sozialraum), and the "
        "municipalities' boundaries for the district map from a GeoJSON file. Idempotent; "
        "nothing is written when any line or feature is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="CSV file with the columns of sozialraum/data/rems-murr-kreis.csv",
        )
        parser.add_argument(
            "--boundaries",
            type=Path,
            default=None,
            help=(
                "GeoJSON FeatureCollection with one feature per municipality (properties 'ags' "
                "and 'name', WGS84); by default the Rems-Murr-Kreis's boundaries when --file is "
                "not given"
            ),
        )

    def handle(self, *args, file: Path | None, boundaries: Path | None, **options):
        if file is None:
            file = Path(settings.DISTRICT_CSV)
            boundaries = boundaries or DEFAULT_BOUNDARIES
        rows = self._read(file, read_district_file, DistrictFileError)
        features = self._read(boundaries, read_boundary_file, BoundaryFileError)
        with transaction.atomic():
            result = district_load(rows)
            try:
                boundary_result = boundaries_load(features) if features else None
            except BoundaryFileError as error:
                raise CommandError(f"{boundaries}:\n" + "\n".join(error.errors)) from error
        created = result.created
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {len(rows)} municipalities read; created "
                f"{created['middle_areas']} middle areas, {created['teams']} teams, "
                f"{created['municipalities']} municipalities, {created['assignments']} "
                f"assignments; {result.unchanged} municipalities already present and kept."
            )
        )
        if boundary_result is not None:
            self._report_boundaries(boundaries, boundary_result)

    def _read(self, path, read, error_class):
        if path is None:
            return []
        try:
            return read(path)
        except error_class as error:
            raise CommandError(f"{path}:\n" + "\n".join(error.errors)) from error

    def _report_boundaries(self, path, result):
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {result.stored} boundaries stored, {result.unchanged} unchanged."
            )
        )
        if result.without_boundary:
            self.stdout.write(
                self.style.WARNING(
                    "Without a boundary (not drawn on the map): "
                    + ", ".join(result.without_boundary)
                )
            )
