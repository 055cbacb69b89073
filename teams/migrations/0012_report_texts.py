"""The office's own text per section of the annual report, per year and scope, with its
audit trail (issue 15, point 7)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('teams', '0011_topic_summary'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportText',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed at')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('scope_key', models.CharField(max_length=40, verbose_name='scope')),
                ('section', models.CharField(choices=[('structure', 'Structure'), ('presence', 'Presence on site'), ('cooperation', 'Intensified cooperation'), ('community', 'Support of the community'), ('municipalities', 'Towns and municipalities'), ('networks', 'Network work'), ('next_steps', 'Next steps')], max_length=20, verbose_name='section')),
                ('introduction', models.TextField(blank=True, max_length=4000, verbose_name='introduction')),
                ('examples', models.TextField(blank=True, max_length=4000, verbose_name='examples')),
                ('challenges', models.TextField(blank=True, max_length=4000, verbose_name='challenges')),
                ('outlook', models.TextField(blank=True, max_length=4000, verbose_name='outlook')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
            ],
            options={
                'verbose_name': 'report text',
                'verbose_name_plural': 'report texts',
            },
        ),
        migrations.CreateModel(
            name='ReportTextEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed at')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('scope_key', models.CharField(max_length=40, verbose_name='scope')),
                ('section', models.CharField(choices=[('structure', 'Structure'), ('presence', 'Presence on site'), ('cooperation', 'Intensified cooperation'), ('community', 'Support of the community'), ('municipalities', 'Towns and municipalities'), ('networks', 'Network work'), ('next_steps', 'Next steps')], max_length=20, verbose_name='section')),
                ('introduction', models.TextField(blank=True, max_length=4000, verbose_name='introduction')),
                ('examples', models.TextField(blank=True, max_length=4000, verbose_name='examples')),
                ('challenges', models.TextField(blank=True, max_length=4000, verbose_name='challenges')),
                ('outlook', models.TextField(blank=True, max_length=4000, verbose_name='outlook')),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='teams.reporttext')),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='reporttext',
            constraint=models.UniqueConstraint(fields=('year', 'scope_key', 'section'), name='report_text_one_per_section'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='reporttext',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "teams_reporttextevent" ("challenges", "created_at", "created_by_id", "examples", "id", "introduction", "outlook", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scope_key", "section", "updated_at", "updated_by_id", "version", "year") VALUES (NEW."challenges", NEW."created_at", NEW."created_by_id", NEW."examples", NEW."id", NEW."introduction", NEW."outlook", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."scope_key", NEW."section", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."year"); RETURN NULL;', hash='ca82199e9f3a735d184241cc60b7235da0849e9e', operation='INSERT', pgid='pgtrigger_insert_insert_72866', table='teams_reporttext', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='reporttext',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "teams_reporttextevent" ("challenges", "created_at", "created_by_id", "examples", "id", "introduction", "outlook", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scope_key", "section", "updated_at", "updated_by_id", "version", "year") VALUES (NEW."challenges", NEW."created_at", NEW."created_by_id", NEW."examples", NEW."id", NEW."introduction", NEW."outlook", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."scope_key", NEW."section", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."year"); RETURN NULL;', hash='9f99db253ca49442cec70af1d236d30020372484', operation='UPDATE', pgid='pgtrigger_update_update_c4a02', table='teams_reporttext', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='reporttext',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "teams_reporttextevent" ("challenges", "created_at", "created_by_id", "examples", "id", "introduction", "outlook", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "scope_key", "section", "updated_at", "updated_by_id", "version", "year") VALUES (OLD."challenges", OLD."created_at", OLD."created_by_id", OLD."examples", OLD."id", OLD."introduction", OLD."outlook", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."scope_key", OLD."section", OLD."updated_at", OLD."updated_by_id", OLD."version", OLD."year"); RETURN NULL;', hash='0da6caae699365c7ac0113eb624714cf3fe9048a', operation='DELETE', pgid='pgtrigger_delete_delete_5cc81', table='teams_reporttext', when='AFTER')),
        ),
    ]
