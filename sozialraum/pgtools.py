"""Backup and restore of the whole database with PostgreSQL's own tools, ``pg_dump``/``pg_restore``.

Used by the management commands ``backup_db`` and ``restore_db`` (``make backup``/``make restore``).
PostgreSQL's tools are used rather than ``dumpdata``/``loaddata`` because only they keep what the
database itself enforces: the exclusion constraint on assignments, the audit and summary
triggers, sequences. They work for both databases the project runs on: the embedded server
(``pgserver``, which ships its own binaries) and an external one named by ``DATABASE_URL``.

The connection data come from Django's settings and reach the tools through libpq's environment
variables, so the password never appears on a command line (where ``ps`` would show it).
"""

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg2
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone
from psycopg2 import sql

# Where Debian and Ubuntu install the versions of the client side by side.
SYSTEM_PG_ROOT = Path("/usr/lib/postgresql")

# A few tables whose row counts are shown after a backup or restore, as a plausibility check.
KEY_MODELS = [
    ("users", "sozialraum.User"),
    ("municipalities", "sozialraum.Municipality"),
    ("teams", "sozialraum.Team"),
    ("partners", "kooperation.Partner"),
    ("activities", "teams.Activity"),
]

# libpq settings that a DATABASE_URL may carry in Django's OPTIONS, and their variables.
_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}

# The archive format of ``pg_dump --format=custom`` starts with these bytes.
ARCHIVE_MAGIC = b"PGDMP"


class PgToolError(Exception):
    """A backup or restore failed; the message says why and what to do."""


@dataclass(frozen=True)
class Server:
    """The database server and database of a Django connection, as libpq parameters."""

    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict
    embedded: bool

    @classmethod
    def from_settings(cls, alias: str = "default") -> "Server":
        config = connections[alias].settings_dict
        return cls(
            name=config["NAME"],
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
            host=config.get("HOST") or "",
            port=str(config.get("PORT") or ""),
            options={k: v for k, v in (config.get("OPTIONS") or {}).items() if k in _LIBPQ_ENV},
            # settings.py starts the embedded server exactly when DATABASE_URL is unset.
            embedded=not os.environ.get("DATABASE_URL"),
        )

    def describe(self, database: str | None = None) -> str:
        where = "the embedded server" if self.embedded else f"{self.host or 'localhost'}"
        if self.port and not self.embedded:
            where += f":{self.port}"
        return f"'{database or self.name}' on {where}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a client tool: ours plus the connection data."""
        env = dict(os.environ)
        for key, value in {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }.items():
            if value:
                env[key] = value
        for option, value in self.options.items():
            env[_LIBPQ_ENV[option]] = str(value)
        env.update(extra)
        return env

    def connect(self, database: str | None = None):
        """A new psycopg2 connection (not Django's), to this or another database."""
        try:
            return psycopg2.connect(
                dbname=database or self.name,
                user=self.user or None,
                password=self.password or None,
                host=self.host or None,
                port=self.port or None,
                **self.options,
            )
        except psycopg2.OperationalError as error:
            raise PgToolError(
                f"Cannot connect to database {self.describe(database)}: {str(error).strip()}"
            ) from error


def pg_tool(name: str, server_version: int, *, embedded: bool) -> Path:
    """The ``pg_dump``/``pg_restore`` to use for a server of ``server_version`` (e.g. 150020).

    ``pg_dump`` refuses a server newer than itself, and ``pg_restore`` cannot read an archive of a
    newer ``pg_dump``, so both come from the same place: ``PG_BIN`` if set, the binaries shipped
    with the embedded server, the newest Debian client at least as new as the server, or PATH.
    """
    if os.environ.get("PG_BIN"):
        tool = Path(os.environ["PG_BIN"]) / name
        if not tool.is_file():
            raise PgToolError(f"PG_BIN is set to {os.environ['PG_BIN']}, which has no {name}.")
        return tool
    if embedded:
        from pgserver._commands import POSTGRES_BIN_PATH

        return POSTGRES_BIN_PATH / name
    major = server_version // 10000
    versions = []
    if SYSTEM_PG_ROOT.is_dir():
        for folder in SYSTEM_PG_ROOT.iterdir():
            if folder.name.isdigit() and (folder / "bin" / name).is_file():
                versions.append(int(folder.name))
    fitting = [v for v in versions if v >= major]
    if fitting:
        return SYSTEM_PG_ROOT / str(max(fitting)) / "bin" / name
    found = shutil.which(name)
    if not found:
        raise PgToolError(
            f"{name} not found: install the PostgreSQL client {major} or newer (Debian: "
            f"apt-get install postgresql-client) or set PG_BIN to the folder that has {name}."
        )
    return Path(found)


def _run(command: list, env: dict) -> subprocess.CompletedProcess:
    # Fixed arguments built here, no shell: nothing a user types is interpreted.
    return subprocess.run(  # noqa: S603
        [str(part) for part in command], env=env, capture_output=True, text=True, check=False
    )


def _errors(stderr: str, limit: int = 8) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[-limit:]) or "(no message)"


def key_tables() -> list[tuple[str, str]]:
    """(label, table) of the tables in KEY_MODELS."""
    return [(label, apps.get_model(model)._meta.db_table) for label, model in KEY_MODELS]


def count_rows(cursor) -> dict[str, int]:
    """Rows of the key tables that exist (an old backup may lack a newer table)."""
    counts = {}
    for label, table in key_tables():
        cursor.execute("SELECT to_regclass(%s)", [f"public.{table}"])
        if cursor.fetchone()[0] is None:
            continue
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[label] = cursor.fetchone()[0]
    return counts


def analyze(*tables, using: str = "default") -> None:
    """``ANALYZE`` the given tables (names or models) so the planner has statistics right after
    a bulk load (``generate_activities``, the imports): without them a 2 ms query can take
    150 ms until autovacuum comes round. No tables: the whole database."""
    names = [table if isinstance(table, str) else table._meta.db_table for table in tables]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, names)))


def rows_summary(counts: dict[str, int]) -> str:
    if not counts:
        return "Rows: none, the database has no tables of the application (not migrated yet?)."
    return "Rows: " + ", ".join(f"{label} {count}" for label, count in counts.items()) + "."


def default_backup_path(now: datetime | None = None) -> Path:
    now = timezone.localtime(now)
    return Path(settings.BASE_DIR) / "var" / "backups" / f"sozialraum-{now:%Y%m%d-%H%M%S}.dump"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    counts: dict[str, int]
    seconds: float


def backup(server: Server, output: Path) -> BackupResult:
    """Dump the whole database into ``output`` (custom format); the file appears only when done.

    The row counts are read in the same snapshot that ``pg_dump`` dumps, so they describe the file
    exactly even while the application keeps writing.
    """
    if output.exists():
        raise PgToolError(f"{output} exists already: choose another file name.")
    started = time.monotonic()
    # The backup holds personal data: only the owner may read the folder and the file.
    try:
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".partial", dir=output.parent
        )
    except OSError as error:
        raise PgToolError(f"Cannot write the backup to {output.parent}: {error}") from error
    os.close(handle)
    partial = Path(name)
    try:
        conn = server.connect()
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = count_rows(cursor)
            tool = pg_tool("pg_dump", conn.server_version, embedded=server.embedded)
            result = _run(
                [
                    tool,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                    f"--dbname={server.name}",
                ],
                server.env(),
            )
        finally:
            conn.close()
        if result.returncode != 0:
            raise PgToolError(
                f"pg_dump of {server.describe()} failed (exit code {result.returncode}); "
                f"no backup was written:\n{_errors(result.stderr)}"
            )
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(output, output.stat().st_size, counts, time.monotonic() - started)


def server_version(server: Server, database: str | None = None) -> int:
    """The server's version number (e.g. 160002); fails clearly if the database is missing."""
    conn = server.connect(database)
    try:
        return conn.server_version
    finally:
        conn.close()


def check_archive(path: Path, server: Server, database: str) -> int:
    """Refuse a missing, foreign or unreadable file before anything is changed; the number of
    entries in the archive's table of contents."""
    if not path.is_file():
        raise PgToolError(f"Backup file not found: {path}")
    with path.open("rb") as file:
        if file.read(len(ARCHIVE_MAGIC)) != ARCHIVE_MAGIC:
            raise PgToolError(
                f"{path} is not a backup made by backup_db (a pg_dump archive in custom "
                "format): the file is damaged or of another kind. Nothing was changed."
            )
    tool = pg_tool("pg_restore", server_version(server, database), embedded=server.embedded)
    result = _run([tool, "--list", path], server.env())
    if result.returncode != 0:
        raise PgToolError(
            f"{path} cannot be read: it is damaged or was made by a newer pg_dump than "
            f"{tool}. Nothing was changed.\n{_errors(result.stderr)}"
        )
    return sum(1 for line in result.stdout.splitlines() if line and not line.startswith(";"))


@dataclass(frozen=True)
class RestoreResult:
    database: str
    counts: dict[str, int]
    seconds: float


def restore(server: Server, path: Path, *, database: str, lock_timeout: int) -> RestoreResult:
    """Replace the contents of ``database`` with the backup, all or nothing."""
    started = time.monotonic()
    tool = pg_tool("pg_restore", server_version(server, database), embedded=server.embedded)
    command = [
        tool,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={database}",
        path,
    ]
    returncode, stderr, blockers = _run_watched(command, server, database, lock_timeout)
    if returncode != 0:
        raise PgToolError(_restore_failure(server, database, stderr, lock_timeout, blockers))
    conn = server.connect(database)
    try:
        with conn.cursor() as cursor:
            counts = count_rows(cursor)
    finally:
        conn.close()
    return RestoreResult(database, counts, time.monotonic() - started)


def _run_watched(
    command: list, server: Server, database: str, lock_timeout: int
) -> tuple[int, str, list[str]]:
    """Run ``pg_restore`` and cancel it when it waits for a lock longer than ``lock_timeout``.

    Dropping a table waits for every open transaction that used it (a request of a running
    application, a forgotten psql). A ``lock_timeout`` setting cannot help, because the archive
    itself sets ``lock_timeout = 0``; so a second connection watches the restore and cancels it,
    and says which connections were in the way. The exit code, the error output and those
    connections are returned.
    """
    name = f"sozialraum-restore-{secrets.token_hex(6)}"
    watcher = server.connect(database)
    watcher.autocommit = True
    blockers: list[str] = []
    waiting_since = None
    with tempfile.TemporaryFile("w+") as stderr:
        # No pipes: nothing has to be read while the restore runs.
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [str(part) for part in command],
            env=server.env(PGAPPNAME=name),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
        try:
            while _still_running(process):
                pid, blocking = _lock_wait(watcher, name)
                if pid is None:
                    waiting_since = None
                    continue
                waiting_since = waiting_since or time.monotonic()
                if time.monotonic() - waiting_since >= lock_timeout:
                    blockers = _describe_connections(watcher, blocking)
                    with watcher.cursor() as cursor:
                        cursor.execute("SELECT pg_cancel_backend(%s)", [pid])
                    process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            watcher.close()
        stderr.seek(0)
        return process.returncode, stderr.read(), blockers


def _still_running(process: subprocess.Popen) -> bool:
    try:
        process.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        return True
    return False


def _lock_wait(watcher, application_name: str) -> tuple[int | None, list[int]]:
    """The server process of the restore if it waits for a lock, and who holds that lock."""
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, [])


def _describe_connections(watcher, pids: list[int]) -> list[str]:
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, application_name, client_addr, "
            "to_char(xact_start, 'YYYY-MM-DD HH24:MI:SS') "
            "FROM pg_stat_activity WHERE pid = ANY(%s) ORDER BY pid",
            [pids],
        )
        rows = cursor.fetchall()
    return [
        f"process {pid} ({state or 'unknown state'}"
        + (f", application '{app}'" if app else "")
        + (f", from {addr}" if addr else ", local")
        + (f", transaction open since {since}" if since else "")
        + ")"
        for pid, state, app, addr, since in rows
    ]


def _restore_failure(
    server: Server, database: str, stderr: str, lock_timeout: int, blockers: list[str]
) -> str:
    where = server.describe(database)
    if blockers or re.search(r"lock timeout|deadlock|canceling statement", stderr):
        cause = (
            f"Other connections to {where} held locks for more than {lock_timeout} s"
            + (": " + "; ".join(blockers) if blockers else "")
            + ". Stop the application (runserver, gunicorn) and scheduled jobs that use this "
            "database, then try again."
        )
    elif re.search(r"input file|end of file", stderr):
        cause = "The backup file is damaged (cut off or changed): use another one."
    else:
        cause = (
            "If the application (runserver, gunicorn) or another program is connected to this "
            "database, its open transactions can block the restore: stop it and try again."
        )
    return (
        f"Restore into {where} failed; nothing was changed (the restore runs in one "
        f"transaction).\n{cause}\npg_restore said:\n{_errors(stderr)}"
    )


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
