"""Targets (Soll) per year and scope, audited (issue 15, point 3)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pghistory", "0007_auto_20250421_0444"),
        ("teams", "0009_summary_rollup"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Target",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "version",
                    models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "indicator",
                    models.CharField(
                        choices=[
                            ("consultations_per_month", "Consultation dates held per month"),
                            ("presence_share", "Towns and municipalities with presence (%)"),
                            (
                                "school_cooperation",
                                "Schools with an agreed or active cooperation (%)",
                            ),
                            (
                                "daycare_cooperation",
                                "Day-care centres with an agreed or active cooperation (%)",
                            ),
                            (
                                "youth_cooperation",
                                "Youth houses and youth work with an agreed or active cooperation (%)",
                            ),
                            ("event_held", "Kick-off or network event held (1 = yes)"),
                            ("events", "Kick-off and network events held"),
                            ("network_meetings", "Network meetings attended"),
                            ("network_share", "Share of the networks' meetings attended (%)"),
                            ("helps", "Individual helps initiated"),
                        ],
                        max_length=40,
                        verbose_name="indicator",
                    ),
                ),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=1, max_digits=8, verbose_name="target value"
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "middle_area",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="targets",
                        to="sozialraum.middlearea",
                        verbose_name="middle area",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="targets",
                        to="sozialraum.municipality",
                        verbose_name="town or municipality",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="targets",
                        to="sozialraum.team",
                        verbose_name="team",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "target",
                "verbose_name_plural": "targets",
                "ordering": ["-year", "indicator", "pk"],
            },
        ),
        migrations.CreateModel(
            name="TargetEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "version",
                    models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "indicator",
                    models.CharField(
                        choices=[
                            ("consultations_per_month", "Consultation dates held per month"),
                            ("presence_share", "Towns and municipalities with presence (%)"),
                            (
                                "school_cooperation",
                                "Schools with an agreed or active cooperation (%)",
                            ),
                            (
                                "daycare_cooperation",
                                "Day-care centres with an agreed or active cooperation (%)",
                            ),
                            (
                                "youth_cooperation",
                                "Youth houses and youth work with an agreed or active cooperation (%)",
                            ),
                            ("event_held", "Kick-off or network event held (1 = yes)"),
                            ("events", "Kick-off and network events held"),
                            ("network_meetings", "Network meetings attended"),
                            ("network_share", "Share of the networks' meetings attended (%)"),
                            ("helps", "Individual helps initiated"),
                        ],
                        max_length=40,
                        verbose_name="indicator",
                    ),
                ),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=1, max_digits=8, verbose_name="target value"
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "middle_area",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="sozialraum.middlearea",
                        verbose_name="middle area",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="sozialraum.municipality",
                        verbose_name="town or municipality",
                    ),
                ),
                (
                    "pgh_context",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pghistory.context",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="teams.target",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="sozialraum.team",
                        verbose_name="team",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("middle_area__isnull", True),
                        ("municipality__isnull", False),
                        ("team__isnull", True),
                    ),
                    models.Q(
                        ("middle_area__isnull", True),
                        ("municipality__isnull", True),
                        ("team__isnull", False),
                    ),
                    models.Q(
                        ("middle_area__isnull", False),
                        ("municipality__isnull", True),
                        ("team__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="target_exactly_one_scope",
                violation_error_message="Choose exactly one: a town or municipality, a team or a Mittelbereich.",
            ),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__gte", 0)), name="target_value_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(
                fields=("year", "indicator", "municipality", "team", "middle_area"),
                name="target_one_per_scope_indicator_year",
                nulls_distinct=False,
                violation_error_message="This scope already has a target for this indicator and year.",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="target",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "teams_targetevent" ("created_at", "created_by_id", "id", "indicator", "middle_area_id", "municipality_id", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "value", "version", "year") VALUES (NEW."created_at", NEW."created_by_id", NEW."id", NEW."indicator", NEW."middle_area_id", NEW."municipality_id", NEW."note", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."value", NEW."version", NEW."year"); RETURN NULL;',
                    hash="51b003c3bdf039766527a6cf8278ca706a715351",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_c3b4c",
                    table="teams_target",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="target",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "teams_targetevent" ("created_at", "created_by_id", "id", "indicator", "middle_area_id", "municipality_id", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "value", "version", "year") VALUES (NEW."created_at", NEW."created_by_id", NEW."id", NEW."indicator", NEW."middle_area_id", NEW."municipality_id", NEW."note", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."value", NEW."version", NEW."year"); RETURN NULL;',
                    hash="6324a52f6b39e1e2bea1cd0ef8196c7fa032c314",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_402dd",
                    table="teams_target",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="target",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "teams_targetevent" ("created_at", "created_by_id", "id", "indicator", "middle_area_id", "municipality_id", "note", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "team_id", "updated_at", "updated_by_id", "value", "version", "year") VALUES (OLD."created_at", OLD."created_by_id", OLD."id", OLD."indicator", OLD."middle_area_id", OLD."municipality_id", OLD."note", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."team_id", OLD."updated_at", OLD."updated_by_id", OLD."value", OLD."version", OLD."year"); RETURN NULL;',
                    hash="cc9b301b137a4416d372123e0a59f33862911796",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_b594f",
                    table="teams_target",
                    when="AFTER",
                ),
            ),
        ),
    ]
