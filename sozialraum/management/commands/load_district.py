from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sozialraum.district import DistrictFileError, district_load, read_district_file


class Command(BaseCommand):
    help = (
        "Load a district's Mittelbereiche, teams, municipalities and example assignment from a "
        "CSV file (by default the Rems-Murr-Kreis shipped with Sozialraum). Idempotent; "
        "nothing is written when any line is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=settings.DISTRICT_CSV,
            help="CSV file with the columns of sozialraum/data/rems-murr-kreis.csv",
        )

    def handle(self, *args, file: Path, **options):
        try:
            rows = read_district_file(file)
        except DistrictFileError as error:
            raise CommandError(f"{file}:\n" + "\n".join(error.errors)) from error
        result = district_load(rows)
        created = result.created
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {len(rows)} municipalities read; created "
                f"{created['middle_areas']} middle areas, {created['teams']} teams, "
                f"{created['municipalities']} municipalities, {created['assignments']} "
                f"assignments; {result.unchanged} municipalities already present and kept."
            )
        )
