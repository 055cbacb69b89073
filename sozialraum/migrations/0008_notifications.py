"""Notification settings, the log of sent reminders and the rate limit of password resets."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('sozialraum', '0007_municipality_boundary'),
    ]

    operations = [
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=50, verbose_name='kind of reminder')),
                ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
            ],
            options={
                'verbose_name': 'notification setting',
                'verbose_name_plural': 'notification settings',
            },
        ),
        migrations.CreateModel(
            name='NotificationPreferenceEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('kind', models.CharField(max_length=50, verbose_name='kind of reminder')),
                ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='PasswordResetRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('email_digest', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': 'password reset request',
                'verbose_name_plural': 'password reset requests',
            },
        ),
        migrations.CreateModel(
            name='SentReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=50)),
                ('occasion', models.CharField(max_length=100)),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'sent reminder',
                'verbose_name_plural': 'sent reminders',
            },
        ),
        migrations.AddField(
            model_name='notificationpreference',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddField(
            model_name='notificationpreferenceevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='notificationpreferenceevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='sozialraum.notificationpreference'),
        ),
        migrations.AddField(
            model_name='notificationpreferenceevent',
            name='user',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddIndex(
            model_name='passwordresetrequest',
            index=models.Index(fields=['email_digest', 'requested_at'], name='pw_reset_email_idx'),
        ),
        migrations.AddField(
            model_name='sentreminder',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='notificationpreference',
            constraint=models.UniqueConstraint(fields=('user', 'kind'), name='notification_pref_unique'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='notificationpreference',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_notificationpreferenceevent" ("enabled", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") VALUES (NEW."enabled", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."user_id"); RETURN NULL;', hash='b33b45ef133331661b90d3ecb325ca7b5ce246ef', operation='INSERT', pgid='pgtrigger_insert_insert_d5549', table='sozialraum_notificationpreference', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='notificationpreference',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "sozialraum_notificationpreferenceevent" ("enabled", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") VALUES (NEW."enabled", NEW."id", NEW."kind", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."user_id"); RETURN NULL;', hash='690b0a1bc4088aeba42f2418bf98d95bf12d30c9', operation='UPDATE', pgid='pgtrigger_update_update_9257b', table='sozialraum_notificationpreference', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='notificationpreference',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "sozialraum_notificationpreferenceevent" ("enabled", "id", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "user_id") VALUES (OLD."enabled", OLD."id", OLD."kind", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."user_id"); RETURN NULL;', hash='a4a7cfa15268dbac80fa97408007557791348d9f', operation='DELETE', pgid='pgtrigger_delete_delete_19aaf', table='sozialraum_notificationpreference', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='sentreminder',
            constraint=models.UniqueConstraint(fields=('user', 'kind', 'occasion'), name='sent_reminder_once_per_occasion'),
        ),
    ]
