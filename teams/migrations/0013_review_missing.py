"""Placeholder in the migration chain (filled by the work it is named after)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("teams", "0012_report_texts")]

    operations = []
