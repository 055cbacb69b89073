from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sozialraum.pgtools import (
    PgToolError,
    Server,
    backup,
    default_backup_path,
    human_size,
    rows_summary,
)


class Command(BaseCommand):
    help = (
        "Back up the whole database with pg_dump (custom format) into "
        "var/backups/sozialraum-YYYYMMDD-HHMMSS.dump or --output. The file holds personal data: "
        "store it encrypted and access-restricted. Restore it with restore_db."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="write the backup to this file (it must not exist yet)"
        )

    def handle(self, *args, output: Path | None, **options):
        server = Server.from_settings()
        path = output or default_backup_path()
        try:
            result = backup(server, path)
        except PgToolError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup of database {server.describe()} written to {result.path} "
                f"({human_size(result.size)}, {result.seconds:.1f} s)."
            )
        )
        self.stdout.write(rows_summary(result.counts))
        self.stdout.write("The file holds personal data: keep it encrypted and access-restricted.")
