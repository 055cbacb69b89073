"""The municipality's boundary for the district map (issue 15, point 5). The official key
(``ags``) exists since 0001; the loader fills both from the district's GeoJSON. The boundary is
kept out of the audit trail, so the update trigger compares the other fields only."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sozialraum", "0006_calendar_token")]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="boundary",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="boundary"),
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='municipality',
            name='update_update',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='municipality',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."ags" IS DISTINCT FROM (NEW."ags") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_major_district_town" IS DISTINCT FROM (NEW."is_major_district_town") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."population" IS DISTINCT FROM (NEW."population") OR OLD."population_date" IS DISTINCT FROM (NEW."population_date"))', func='INSERT INTO "sozialraum_municipalityevent" ("ags", "id", "is_major_district_town", "kind", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "population", "population_date") VALUES (NEW."ags", NEW."id", NEW."is_major_district_town", NEW."kind", NEW."name", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."population", NEW."population_date"); RETURN NULL;', hash='39abbf544e45ea574b30af2305cf03d246edd84b', operation='UPDATE', pgid='pgtrigger_update_update_f5fc0', table='sozialraum_municipality', when='AFTER')),
        ),
    ]
