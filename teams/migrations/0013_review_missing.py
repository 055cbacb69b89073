"""The consultation dates a head confirmed as not logged when signing off a month (issue 15,
point 1): a field on the review and on its audit events, and the audit triggers that copy it."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('teams', '0012_report_texts'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='teammonthreview',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='teammonthreview',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='teammonthreview',
            name='delete_delete',
        ),
        migrations.AddField(
            model_name='teammonthreview',
            name='missing_dates',
            field=models.JSONField(blank=True, default=list, verbose_name='dates confirmed as not logged'),
        ),
        migrations.AddField(
            model_name='teammonthreviewevent',
            name='missing_dates',
            field=models.JSONField(blank=True, default=list, verbose_name='dates confirmed as not logged'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='teammonthreview',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "teams_teammonthreviewevent" ("comment", "id", "missing_dates", "month", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reopen_reason", "reopened_at", "reopened_by_id", "signed_off_at", "signed_off_by_id", "team_id") VALUES (NEW."comment", NEW."id", NEW."missing_dates", NEW."month", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reopen_reason", NEW."reopened_at", NEW."reopened_by_id", NEW."signed_off_at", NEW."signed_off_by_id", NEW."team_id"); RETURN NULL;', hash='837821f65e91a8f0fd219453fee00afe8204f3f1', operation='INSERT', pgid='pgtrigger_insert_insert_bde8c', table='teams_teammonthreview', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='teammonthreview',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "teams_teammonthreviewevent" ("comment", "id", "missing_dates", "month", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reopen_reason", "reopened_at", "reopened_by_id", "signed_off_at", "signed_off_by_id", "team_id") VALUES (NEW."comment", NEW."id", NEW."missing_dates", NEW."month", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reopen_reason", NEW."reopened_at", NEW."reopened_by_id", NEW."signed_off_at", NEW."signed_off_by_id", NEW."team_id"); RETURN NULL;', hash='9b1473bfdf47f502276e3c2da7c5ed21d73d2230', operation='UPDATE', pgid='pgtrigger_update_update_b4892', table='teams_teammonthreview', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='teammonthreview',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "teams_teammonthreviewevent" ("comment", "id", "missing_dates", "month", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reopen_reason", "reopened_at", "reopened_by_id", "signed_off_at", "signed_off_by_id", "team_id") VALUES (OLD."comment", OLD."id", OLD."missing_dates", OLD."month", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."reopen_reason", OLD."reopened_at", OLD."reopened_by_id", OLD."signed_off_at", OLD."signed_off_by_id", OLD."team_id"); RETURN NULL;', hash='921f6e2f11ca486a853cfd08f022f015ea367621', operation='DELETE', pgid='pgtrigger_delete_delete_9a59c', table='teams_teammonthreview', when='AFTER')),
        ),
    ]
