"""backup_db / restore_db (``make backup`` / ``make restore``): a backup restored into a fresh
database holds exactly what the original held, and nothing is changed when a restore is refused.

Runs against whatever server the tests use: the embedded one, or the one of DATABASE_URL.
"""

import dataclasses
import io
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from psycopg2 import sql

from sozialraum import pgtools
from sozialraum.models import Municipality, Team
from sozialraum.pgtools import Server, pg_tool
from teams.models import Activity

# Tables whose whole contents are compared (as a checksum) between original and restored.
CHECKSUMMED = [
    "sozialraum_user",
    "sozialraum_municipality",
    "sozialraum_assignment",
    "kooperation_partner",
    "kooperation_cooperation",
    "teams_activity",
    "teams_activitysummary",
]


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup_db", output=path, stdout=out)
    return out.getvalue()


def restore(path: Path, *args: str, **options) -> str:
    out = io.StringIO()
    call_command("restore_db", str(path), *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def server():
    return Server.from_settings()


@pytest.fixture
def spare_database(server):
    """A fresh, empty database ``<test database>_restore`` on the same server; dropped after."""
    name = f"{server.name}_restore"
    admin = server.connect("postgres")
    admin.autocommit = True
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with admin.cursor() as cursor:
        cursor.execute(drop)
        cursor.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
        )
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(drop)
        admin.close()


def query(server, database, statement, params=()):
    conn = server.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    finally:
        conn.close()


def snapshot(server: Server, database: str) -> dict:
    """Everything the comparison looks at: the exact rows of every table in the public schema,
    checksums of some tables' contents, sequences, triggers and constraints."""
    conn = server.connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            tables = sorted(row[0] for row in cursor.fetchall())
            rows = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                rows[table] = cursor.fetchone()[0]
            checksums = {}
            for table in CHECKSUMMED:
                cursor.execute(
                    sql.SQL(
                        "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                        "FROM {} AS t"
                    ).format(sql.Identifier(table))
                )
                checksums[table] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
            sequences = dict(cursor.fetchall())
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
            triggers = sorted(cursor.fetchall())
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, contype::text FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace"
            )
            constraints = sorted(cursor.fetchall())
    finally:
        conn.close()
    return {
        "rows": rows,
        "checksums": checksums,
        "sequences": sequences,
        "triggers": triggers,
        "constraints": constraints,
    }


# --- The round trip ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_restored_backup_has_every_row_of_every_table(district, server, spare_database, tmp_path):
    call_command("load_demo", force=True, stdout=io.StringIO())
    original = snapshot(server, server.name)
    file = tmp_path / "full.dump"

    backup_output = backup(file)
    restore_output = restore(file, "--no-input", database=spare_database)

    restored = snapshot(server, spare_database)
    assert restored["rows"] == original["rows"]
    assert restored == original
    assert original["rows"]["teams_activity"] > 0
    assert original["rows"]["kooperation_partner"] > 0
    assert original["rows"]["sozialraum_municipality"] == 31
    assert str(file) in backup_output
    assert f"activities {Activity.objects.count()}" in backup_output
    assert "municipalities 31" in restore_output


@pytest.mark.django_db(transaction=True)
def test_restore_into_the_configured_database_undoes_later_changes(demo_users, tmp_path):
    file = tmp_path / "before.dump"
    backup(file)
    Municipality.objects.create(name="Neustadt", kind="town", population=1000)
    Team.objects.filter(name="Backnang").update(phone="07191 0000")

    restore(file, "--no-input")

    assert not Municipality.objects.filter(name="Neustadt").exists()
    assert Municipality.objects.count() == 31
    assert Team.objects.get(name="Backnang").phone != "07191 0000"


@pytest.mark.django_db(transaction=True)
def test_restore_after_yes_replaces_the_data(
    district, server, spare_database, tmp_path, monkeypatch
):
    file = tmp_path / "district.dump"
    backup(file)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    restore(file, database=spare_database)

    assert query(server, spare_database, "SELECT count(*) FROM sozialraum_municipality") == [(31,)]


# --- Backups -------------------------------------------------------------------------------------


def test_backup_goes_to_var_backups_readable_by_the_owner_only(db, settings, tmp_path):
    settings.BASE_DIR = tmp_path

    output = io.StringIO()
    call_command("backup_db", stdout=output)

    files = list((tmp_path / "var" / "backups").iterdir())
    assert [f.name for f in files] == [files[0].name]
    assert re.fullmatch(r"sozialraum-\d{8}-\d{6}\.dump", files[0].name)
    assert files[0].read_bytes().startswith(b"PGDMP")
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    assert str(files[0]) in output.getvalue()


def test_backup_refuses_to_overwrite_a_file(db, tmp_path):
    file = tmp_path / "old.dump"
    file.write_bytes(b"an older backup")

    with pytest.raises(CommandError, match="exists already"):
        backup(file)

    assert file.read_bytes() == b"an older backup"


def test_backup_into_a_folder_that_cannot_be_made_says_so(db, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")

    with pytest.raises(CommandError, match="Cannot write the backup to"):
        backup(tmp_path / "taken" / "b.dump")

    assert (tmp_path / "taken").read_text() == "a file, not a folder"


def fake_tool(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)
    return folder


def test_failed_pg_dump_leaves_no_file_behind(db, tmp_path, monkeypatch):
    # Writes half a file, then fails, as pg_dump does when the connection breaks mid-way.
    script = (
        'for arg in "$@"; do case "$arg" in --file=*) echo PGDMP-half > "${arg#--file=}";; '
        "esac; done\necho 'pg_dump: error: connection to server lost' >&2\nexit 1\n"
    )
    monkeypatch.setenv("PG_BIN", str(fake_tool(tmp_path / "bin", "pg_dump", script)))
    backups = tmp_path / "backups"

    with pytest.raises(CommandError, match="connection to server lost") as error:
        backup(backups / "broken.dump")

    assert "no backup was written" in str(error.value)
    assert list(backups.iterdir()) == []


def test_password_goes_through_the_environment_not_the_command_line(db, tmp_path, monkeypatch):
    script = (
        'printf "%s\\n" "$@" > "$RECORD/args"\nprintf "%s" "$PGPASSWORD" > "$RECORD/password"\n'
        'for arg in "$@"; do case "$arg" in --file=*) echo PGDMP > "${arg#--file=}";; '
        "esac; done\n"
    )
    monkeypatch.setenv("PG_BIN", str(fake_tool(tmp_path / "bin", "pg_dump", script)))
    monkeypatch.setenv("RECORD", str(tmp_path))
    # The test servers trust local connections, so the password is not checked, only passed on.
    server = dataclasses.replace(Server.from_settings(), password="geheim-4711")

    pgtools.backup(server, tmp_path / "b.dump")

    assert (tmp_path / "password").read_text() == "geheim-4711"
    args = (tmp_path / "args").read_text()
    assert "geheim-4711" not in args
    assert "--format=custom" in args.splitlines()


def test_pg_bin_without_pg_dump_is_a_clear_error(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PG_BIN", str(tmp_path))

    with pytest.raises(CommandError, match=r"PG_BIN .* has no pg_dump"):
        backup(tmp_path / "b.dump")

    assert [p.name for p in tmp_path.iterdir()] == []


# --- Choosing pg_dump/pg_restore -------------------------------------------------------------


@pytest.fixture
def debian_clients(tmp_path, monkeypatch):
    """/usr/lib/postgresql with the clients 13, 15 and 17, and an empty PATH."""
    for version in (13, 15, 17):
        fake_tool(tmp_path / str(version) / "bin", "pg_dump", "exit 0\n")
    (tmp_path / "common").mkdir()
    monkeypatch.setattr(pgtools, "SYSTEM_PG_ROOT", tmp_path)
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return tmp_path


@pytest.mark.parametrize(
    ("server_version", "chosen"), [(130010, "17"), (150020, "17"), (170002, "17")]
)
def test_pg_tool_takes_the_newest_client_not_older_than_the_server(
    debian_clients, server_version, chosen
):
    tool = pg_tool("pg_dump", server_version, embedded=False)

    assert tool == debian_clients / chosen / "bin" / "pg_dump"


def test_pg_tool_falls_back_to_path_and_says_what_to_install(debian_clients, monkeypatch):
    with pytest.raises(pgtools.PgToolError, match="PostgreSQL client 18 or newer"):
        pg_tool("pg_dump", 180001, embedded=False)

    monkeypatch.setenv("PATH", str(fake_tool(debian_clients / "path", "pg_dump", "exit 0\n")))
    assert pg_tool("pg_dump", 180001, embedded=False) == debian_clients / "path" / "pg_dump"


def test_pg_tool_uses_pg_bin_first_and_the_bundled_tools_for_the_embedded_server(
    debian_clients, monkeypatch
):
    from pgserver._commands import POSTGRES_BIN_PATH

    assert pg_tool("pg_restore", 160002, embedded=True) == POSTGRES_BIN_PATH / "pg_restore"

    monkeypatch.setenv("PG_BIN", str(debian_clients / "13" / "bin"))
    assert pg_tool("pg_dump", 160002, embedded=True) == debian_clients / "13" / "bin" / "pg_dump"


# --- Refused restores ----------------------------------------------------------------------------


def test_restore_of_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match=r"Backup file not found: .*nothing-here\.dump"):
        restore(tmp_path / "nothing-here.dump", "--no-input")


def test_restore_of_another_kind_of_file_changes_nothing(district, tmp_path):
    file = tmp_path / "notes.dump"
    file.write_text("municipality;team\nBacknang;Backnang\n")

    with pytest.raises(CommandError, match="not a backup made by backup_db"):
        restore(file, "--no-input")

    assert Municipality.objects.count() == 31


@pytest.mark.parametrize(
    ("keep", "refused"),
    [
        # The table of contents is checked before anything is changed.
        pytest.param(lambda size: size // 3, "cannot be read", id="table-of-contents-cut"),
        # Cut-off data fails inside the restore's transaction, which is rolled back.
        pytest.param(lambda size: size - 16, "Restore into", id="data-cut"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_restore_of_a_truncated_backup_changes_nothing(
    district, server, spare_database, tmp_path, keep, refused
):
    file = tmp_path / "full.dump"
    backup(file)
    restore(file, "--no-input", database=spare_database)
    before = snapshot(server, spare_database)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(file.read_bytes()[: keep(file.stat().st_size)])

    with pytest.raises(CommandError, match=r"[Nn]othing was changed") as error:
        restore(truncated, "--no-input", database=spare_database)

    assert refused in str(error.value)
    assert "damaged" in str(error.value)
    assert snapshot(server, spare_database) == before


@pytest.mark.parametrize("answer", ["no", "y", ""])
@pytest.mark.django_db(transaction=True)
def test_restore_without_confirmation_changes_nothing(
    district, server, tmp_path, monkeypatch, answer
):
    file = tmp_path / "district.dump"
    backup(file)
    Municipality.objects.create(name="Neustadt", kind="town", population=1000)
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)
    output = io.StringIO()

    with pytest.raises(CommandError, match="Restore cancelled; nothing was changed"):
        call_command("restore_db", str(file), stdout=output)

    assert Municipality.objects.filter(name="Neustadt").exists()
    assert Municipality.objects.count() == 32
    assert len(prompts) == 1
    assert f"'{server.name}'" in output.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_blocked_by_another_connection_names_the_cause(
    district, server, spare_database, tmp_path
):
    file = tmp_path / "district.dump"
    backup(file)
    restore(file, "--no-input", database=spare_database)
    before = snapshot(server, spare_database)
    # Like a request of a running application in the middle of its transaction.
    other = server.connect(spare_database)
    with other.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sozialraum_team")

    try:
        with pytest.raises(CommandError, match="held locks") as error:
            restore(file, "--no-input", "--lock-timeout=1", database=spare_database)
    finally:
        other.rollback()
        other.close()

    assert "runserver" in str(error.value)
    assert snapshot(server, spare_database) == before


def test_restore_into_a_missing_database_says_so(db, server, tmp_path):
    file = tmp_path / "b.dump"
    backup(file)

    with pytest.raises(CommandError, match="Cannot connect to database 'no_such_database"):
        restore(file, "--no-input", database="no_such_database")


# --- make ------------------------------------------------------------------------------------


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"FILE", "MAKEFLAGS", "MFLAGS"}}
    return subprocess.run(
        ["make", "--no-print-directory", *args],  # noqa: S607 - make from PATH, as a user runs it
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("dry_run", [True, False])
def test_make_restore_without_file_prints_the_usage_and_fails(dry_run):
    result = make(*(["-n"] if dry_run else []), "restore")

    assert result.returncode != 0
    assert "Usage: make restore FILE=var/backups/" in result.stderr
    assert "restore_db" not in result.stdout


def test_make_backup_and_restore_run_the_commands():
    backup_run = make("-n", "backup")
    restore_run = make("-n", "restore", "FILE=var/backups/sozialraum-20260101-020000.dump")

    assert backup_run.stdout.splitlines()[-1].endswith("manage.py backup_db")
    assert restore_run.stdout.splitlines()[-1].endswith(
        'manage.py restore_db "var/backups/sozialraum-20260101-020000.dump"'
    )
