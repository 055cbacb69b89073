from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kooperation.importing import COLUMNS, parse_partners, partners_import
from sozialraum.csvfile import CsvFileError, decode


class Command(BaseCommand):
    help = (
        "Import partners from a CSV file with the columns "
        + ", ".join(COLUMNS)
        + ". Every row is checked first; nothing is imported when any row is bad. Rows are "
        "matched on name + municipality, so a second import of the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            rows = parse_partners(decode(file.read_bytes()))
        except OSError as error:
            raise CommandError(f"{file}: {error}") from error
        except CsvFileError as error:
            raise CommandError(f"{file}:\n" + "\n".join(error.errors)) from error
        result = partners_import(rows, user=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
