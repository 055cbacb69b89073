"""Every migration reverses: each app goes to zero and forward again, on a PostgreSQL database
of its own, with a row in a table that an audit trigger of Django's many-to-many links watches
(the user↔group link: reversing the role groups deletes it). The migrations are read from the
project, so migrations added later are covered without touching this test."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

APPS = ["sozialraum", "kooperation", "teams"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch():
    """A fresh, empty database on the test server under its own connection alias."""
    name = f"{connection.settings_dict['NAME']}_reverse_{uuid.uuid4().hex[:8]}"
    alias = "migrations_reverse"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    # Registered as a dynamically created connection (not in settings.DATABASES), which the
    # test case allows besides its own database.
    connections[alias] = type(connections["default"])(
        {**connection.settings_dict, "NAME": name, "CONN_MAX_AGE": 0}, alias
    )
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(alias, *args):
    call_command(
        "migrate", *args, database=alias, interactive=False, skip_checks=True, stdout=io.StringIO()
    )


def app_migrations(alias, app):
    """The app's migrations in the order they apply."""
    graph = MigrationLoader(connections[alias], ignore_no_migrations=True).graph
    nodes = [node for node in graph.leaf_nodes() if node[0] == app]
    plan = graph.forwards_plan(nodes[0])
    return [name for label, name in plan if label == app]


def unapplied(alias):
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    return set(loader.graph.nodes) - set(loader.applied_migrations)


def add_linked_data(alias):
    """A user holding a role (the user↔group link has an audit trigger)."""
    from django.contrib.auth.models import Group

    from sozialraum.models import User

    user = User.objects.db_manager(alias).create_user("rueckwaerts", password="x" * 20)
    user.groups.set(Group.objects.using(alias).filter(name__in=["Amtsleitung"]))


def triggers(alias) -> set[tuple[str, str]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
        return set(cursor.fetchall())


def links(alias) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sozialraum_user_groups")
        return cursor.fetchone()[0]


def test_every_app_goes_to_zero_and_forward_again(scratch):
    migrate(scratch)
    add_linked_data(scratch)
    complete = triggers(scratch)
    assert "sozialraum_user_groups" in {table for table, _ in complete}
    assert links(scratch) == 1

    # teams alone, then kooperation (with teams, which builds on it), then everything.
    for app in ["teams", "kooperation", "sozialraum"]:
        migrate(scratch, app, "zero")

        assert {name for label, name in unapplied(scratch) if label == app} == set(
            app_migrations(scratch, app)
        )
        # What stays has no trigger of a table that went, nor one writing into a missing table:
        # a role can still be changed.
        if app != "sozialraum":
            assert links(scratch) == 1
            with connections[scratch].cursor() as cursor:
                cursor.execute("UPDATE sozialraum_user SET first_name = 'Rück' WHERE id > 0")

        migrate(scratch)

        assert unapplied(scratch) == set()
        # The complete database has all its triggers again (also those no migration installs).
        assert triggers(scratch) == complete
