"""Directory sign-in: accounts that come from the directory (LDAP) and the mapping of
directory groups to roles, both in the audit trail."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('sozialraum', '0008_notifications'),
    ]

    operations = [
        migrations.CreateModel(
            name='DirectoryAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dn', models.CharField(max_length=500, verbose_name='distinguished name')),
                ('groups', models.JSONField(blank=True, default=list, verbose_name='directory groups')),
                ('synced_at', models.DateTimeField(blank=True, null=True, verbose_name='last synchronised')),
                ('disabled_by_directory', models.BooleanField(default=False, verbose_name='disabled in the directory')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='directory_account', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'directory account',
                'verbose_name_plural': 'directory accounts',
            },
        ),
        migrations.CreateModel(
            name='DirectoryAccountEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('dn', models.CharField(max_length=500, verbose_name='distinguished name')),
                ('groups', models.JSONField(blank=True, default=list, verbose_name='directory groups')),
                ('synced_at', models.DateTimeField(blank=True, null=True, verbose_name='last synchronised')),
                ('disabled_by_directory', models.BooleanField(default=False, verbose_name='disabled in the directory')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='sozialraum.directoryaccount')),
                ('user', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='DirectoryGroupRole',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed at')),
                ('group_dn', models.CharField(help_text='The distinguished name of the group, e.g. cn=srt-winnenden,ou=groups,dc=…', max_length=500, verbose_name='directory group (DN)')),
                ('kind', models.CharField(choices=[('team_member', 'Staff member (Fachkraft)'), ('team_lead', 'Team lead (Teamleitung)'), ('head', 'Department head (Fachbereichsleitung)'), ('amtsleitung', 'Office leadership and planning (Amtsleitung)'), ('administration', 'Administration')], max_length=20, verbose_name='role')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('middle_area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='directory_group_roles', to='sozialraum.middlearea', verbose_name='middle area')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='directory_group_roles', to='sozialraum.team', verbose_name='team')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
            ],
            options={
                'verbose_name': 'directory group role',
                'verbose_name_plural': 'directory group roles',
                'ordering': ['group_dn', 'kind'],
            },
        ),
        migrations.CreateModel(
            name='DirectoryGroupRoleEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed at')),
                ('group_dn', models.CharField(help_text='The distinguished name of the group, e.g. cn=srt-winnenden,ou=groups,dc=…', max_length=500, verbose_name='directory group (DN)')),
                ('kind', models.CharField(choices=[('team_member', 'Staff member (Fachkraft)'), ('team_lead', 'Team lead (Teamleitung)'), ('head', 'Department head (Fachbereichsleitung)'), ('amtsleitung', 'Office leadership and planning (Amtsleitung)'), ('administration', 'Administration')], max_length=20, verbose_name='role')),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('middle_area', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='sozialraum.middlearea', verbose_name='middle area')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='sozialraum.directorygrouprole')),
                ('team', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='sozialraum.team', verbose_name='team')),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
            ],
            options={
                'abstract': False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directoryaccount',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_directoryaccountevent" ("disabled_by_directory", "dn", "groups", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "synced_at", "user_id") VALUES (NEW."disabled_by_directory", NEW."dn", NEW."groups", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."synced_at", NEW."user_id"); RETURN NULL;', hash='fd9eee214144592f04825c4466df44a4f939a9bd', operation='INSERT', pgid='pgtrigger_insert_insert_c7631', table='sozialraum_directoryaccount', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directoryaccount',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "sozialraum_directoryaccountevent" ("disabled_by_directory", "dn", "groups", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "synced_at", "user_id") VALUES (NEW."disabled_by_directory", NEW."dn", NEW."groups", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."synced_at", NEW."user_id"); RETURN NULL;', hash='8a8e2709156f1d64768e7c1d8c0c509c90c6e16d', operation='UPDATE', pgid='pgtrigger_update_update_bc625', table='sozialraum_directoryaccount', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directoryaccount',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_directoryaccountevent" ("disabled_by_directory", "dn", "groups", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "synced_at", "user_id") VALUES (OLD."disabled_by_directory", OLD."dn", OLD."groups", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."synced_at", OLD."user_id"); RETURN NULL;', hash='98c1d0fbe508d4c434cbac7413abac91f6dddb4e', operation='DELETE', pgid='pgtrigger_delete_delete_6219a', table='sozialraum_directoryaccount', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='directorygrouprole',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['team_member', 'team_lead']), ('team__isnull', False)), models.Q(models.Q(('kind__in', ['team_member', 'team_lead']), _negated=True), ('team__isnull', True)), _connector='OR'), name='directory_group_role_team'),
        ),
        migrations.AddConstraint(
            model_name='directorygrouprole',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'head'), ('middle_area__isnull', False)), models.Q(models.Q(('kind', 'head'), _negated=True), ('middle_area__isnull', True)), _connector='OR'), name='directory_group_role_middle_area'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directorygrouprole',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_directorygrouproleevent" ("created_at", "created_by_id", "group_dn", "id", "kind", "middle_area_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "version") VALUES (NEW."created_at", NEW."created_by_id", NEW."group_dn", NEW."id", NEW."kind", NEW."middle_area_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."version"); RETURN NULL;', hash='8620326fe077ed652d1ea071b5b9ec89e9aee2e4', operation='INSERT', pgid='pgtrigger_insert_insert_9e6cb', table='sozialraum_directorygrouprole', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directorygrouprole',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "sozialraum_directorygrouproleevent" ("created_at", "created_by_id", "group_dn", "id", "kind", "middle_area_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "version") VALUES (NEW."created_at", NEW."created_by_id", NEW."group_dn", NEW."id", NEW."kind", NEW."middle_area_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."version"); RETURN NULL;', hash='5b49c89c45b52e6894caac58c58dda4883fbb55f', operation='UPDATE', pgid='pgtrigger_update_update_73190', table='sozialraum_directorygrouprole', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='directorygrouprole',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_directorygrouproleevent" ("created_at", "created_by_id", "group_dn", "id", "kind", "middle_area_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "version") VALUES (OLD."created_at", OLD."created_by_id", OLD."group_dn", OLD."id", OLD."kind", OLD."middle_area_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."team_id", OLD."updated_at", OLD."updated_by_id", OLD."version"); RETURN NULL;', hash='bc632905320898ba39dd718d894596a932b29267', operation='DELETE', pgid='pgtrigger_delete_delete_f33ae', table='sozialraum_directorygrouprole', when='AFTER')),
        ),
    ]
