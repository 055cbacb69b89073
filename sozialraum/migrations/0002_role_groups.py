"""The Django groups that carry the district-wide roles Amtsleitung and Administration."""

from django.db import migrations

ROLE_GROUPS = ["Amtsleitung", "Administration"]


def create_groups(apps, schema_editor):
    groups = apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias)
    for name in ROLE_GROUPS:
        groups.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    groups = apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias)
    groups.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sozialraum", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
