from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from sozialraum.pgtools import PgToolError, Server, check_archive, restore, rows_summary


class Command(BaseCommand):
    help = (
        "Replace all data in the database with a backup made by backup_db (pg_restore --clean, "
        "in one transaction: all or nothing). Asks for confirmation unless --no-input."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a backup file made by backup_db")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )
        parser.add_argument(
            "--database",
            help="restore into this existing database on the same server instead of the "
            "configured one (e.g. to inspect an old backup)",
        )
        parser.add_argument(
            "--lock-timeout",
            type=int,
            default=30,
            help="seconds to wait for other connections' locks before giving up (default 30)",
        )

    def handle(self, *args, file: Path, interactive: bool, database, lock_timeout, **options):
        if lock_timeout < 1:
            raise CommandError("--lock-timeout must be at least 1 second.")
        server = Server.from_settings()
        target = database or server.name
        try:
            entries = check_archive(file, server, target)
            if interactive and not self._confirmed(server, target, file, entries):
                raise CommandError("Restore cancelled; nothing was changed.")
            if target == server.name:
                # Our own idle connection must not be what the restore waits for.
                connections["default"].close()
            result = restore(server, file, database=target, lock_timeout=lock_timeout)
        except PgToolError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {file} into database {server.describe(target)} "
                f"({entries} entries, {result.seconds:.1f} s)."
            )
        )
        self.stdout.write(rows_summary(result.counts))
        if target == server.name:
            self._report_migrations()

    def _confirmed(self, server: Server, database: str, file: Path, entries: int) -> bool:
        self.stdout.write(
            self.style.WARNING(
                f"This replaces all data in database {server.describe(database)} with the "
                f"backup {file} ({entries} entries). Changes made since the backup are lost."
            )
        )
        try:
            answer = input("Type 'yes' to continue, anything else to cancel: ")
        except EOFError:
            answer = ""
        return answer.strip() == "yes"

    def _report_migrations(self) -> None:
        """A backup from an older version lacks the newer migrations; say so at once."""
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup is from an older version: {len(plan)} migrations are not "
                    "applied. Run 'manage.py migrate' before starting the application."
                )
            )
