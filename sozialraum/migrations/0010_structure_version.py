"""A version number of the district's structure, raised by the database itself.

Every statement that writes a structure table (teams, Mittelbereiche, municipalities, their
assignments, memberships and headships — also raw SQL, imports and ``loaddata``) raises the
number in the same transaction. Each web process compares it with the number its structure
cache (``sozialraum.structure_cache``) was filled at, at most once a second, and empties the
cache when it differs: another process's write reaches every page within a second, and the
cache no longer has to expire every minute to be safe.
"""

from django.db import migrations

TABLES = (
    "sozialraum_assignment",
    "sozialraum_middlearea",
    "sozialraum_municipality",
    "sozialraum_team",
    "sozialraum_headship",
    "sozialraum_membership",
)

FORWARD = [
    "CREATE TABLE sozialraum_structure_version ("
    " id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
    "INSERT INTO sozialraum_structure_version (id, version) VALUES (1, 1)",
    """CREATE FUNCTION sozialraum_structure_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE sozialraum_structure_version SET version = version + 1 WHERE id = 1;
        RETURN NULL;
    END $$""",
    *(
        f"CREATE TRIGGER structure_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION sozialraum_structure_changed()"
        for table in TABLES
    ),
]

BACKWARD = [
    *(f"DROP TRIGGER structure_version ON {table}" for table in TABLES),
    "DROP FUNCTION sozialraum_structure_changed()",
    "DROP TABLE sozialraum_structure_version",
]


class Migration(migrations.Migration):
    dependencies = [("sozialraum", "0009_directory_accounts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
