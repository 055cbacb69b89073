"""Activities keep their venue; a month rollup beside the daily summary; both summaries kept
by triggers that use the venue's current kind (see teams.summary, issue 11).

The SQL below is a frozen copy of teams.summary at the time of this migration."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

FILL_VENUES_SQL = """
    UPDATE teams_activity a SET venue_id = c.venue_id
    FROM teams_consultationhour c
    WHERE c.id = a.consultation_hour_id AND a.venue_id IS NULL;
"""

FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION teams_summary_add_day(
    k_date date, k_team bigint, k_municipality bigint, k_kind varchar, k_venue_kind varchar,
    k_status varchar, d_activities integer, d_children integer, d_young_people integer, d_parents integer, d_professionals integer, d_others integer, d_helps_initiated integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
    left_over integer;
BEGIN
    INSERT INTO teams_activitysummary AS s (date, team_id, municipality_id, kind, venue_kind, status,
        activities, children, young_people, parents, professionals, others, helps_initiated)
    VALUES (k_date, k_team, k_municipality, k_kind, k_venue_kind, k_status,
        d_activities, d_children, d_young_people, d_parents, d_professionals, d_others, d_helps_initiated)
    ON CONFLICT (date, team_id, municipality_id, kind, venue_kind, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities,
        children = s.children + EXCLUDED.children, young_people = s.young_people + EXCLUDED.young_people, parents = s.parents + EXCLUDED.parents, professionals = s.professionals + EXCLUDED.professionals, others = s.others + EXCLUDED.others, helps_initiated = s.helps_initiated + EXCLUDED.helps_initiated
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM teams_activitysummary WHERE id = row_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION teams_summary_add_month(
    k_date date, k_team bigint, k_municipality bigint, k_kind varchar, k_venue_kind varchar,
    k_status varchar, d_activities integer, d_children integer, d_young_people integer, d_parents integer, d_professionals integer, d_others integer, d_helps_initiated integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
    left_over integer;
BEGIN
    INSERT INTO teams_activitymonthsummary AS s (month, team_id, municipality_id, kind, venue_kind, status,
        activities, children, young_people, parents, professionals, others, helps_initiated)
    VALUES (date_trunc('month', k_date)::date, k_team, k_municipality, k_kind, k_venue_kind, k_status,
        d_activities, d_children, d_young_people, d_parents, d_professionals, d_others, d_helps_initiated)
    ON CONFLICT (month, team_id, municipality_id, kind, venue_kind, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities,
        children = s.children + EXCLUDED.children, young_people = s.young_people + EXCLUDED.young_people, parents = s.parents + EXCLUDED.parents, professionals = s.professionals + EXCLUDED.professionals, others = s.others + EXCLUDED.others, helps_initiated = s.helps_initiated + EXCLUDED.helps_initiated
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM teams_activitymonthsummary WHERE id = row_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION teams_partner_kind_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN

    FOR r IN
        SELECT g.*, v.venue_kind, v.sign
        FROM (
            SELECT date AS key, team_id, municipality_id, kind, status,
                COUNT(*)::integer AS activities,
                SUM(children)::integer AS children, SUM(young_people)::integer AS young_people, SUM(parents)::integer AS parents, SUM(professionals)::integer AS professionals, SUM(others)::integer AS others, SUM(helps_initiated)::integer AS helps_initiated
            FROM teams_activity
            WHERE venue_id = NEW.id
            GROUP BY 1, 2, 3, 4, 5
        ) g
        CROSS JOIN (VALUES (OLD.kind::varchar, -1), (NEW.kind::varchar, 1)) v(venue_kind, sign)
        ORDER BY g.key, g.team_id, g.municipality_id, g.kind, v.venue_kind, g.status
    LOOP
        PERFORM teams_summary_add_day(r.key, r.team_id, r.municipality_id, r.kind, r.venue_kind, r.status,
            r.sign * r.activities, r.sign * r.children, r.sign * r.young_people, r.sign * r.parents, r.sign * r.professionals, r.sign * r.others, r.sign * r.helps_initiated);
    END LOOP;


    FOR r IN
        SELECT g.*, v.venue_kind, v.sign
        FROM (
            SELECT date_trunc('month', date)::date AS key, team_id, municipality_id, kind, status,
                COUNT(*)::integer AS activities,
                SUM(children)::integer AS children, SUM(young_people)::integer AS young_people, SUM(parents)::integer AS parents, SUM(professionals)::integer AS professionals, SUM(others)::integer AS others, SUM(helps_initiated)::integer AS helps_initiated
            FROM teams_activity
            WHERE venue_id = NEW.id
            GROUP BY 1, 2, 3, 4, 5
        ) g
        CROSS JOIN (VALUES (OLD.kind::varchar, -1), (NEW.kind::varchar, 1)) v(venue_kind, sign)
        ORDER BY g.key, g.team_id, g.municipality_id, g.kind, v.venue_kind, g.status
    LOOP
        PERFORM teams_summary_add_month(r.key, r.team_id, r.municipality_id, r.kind, r.venue_kind, r.status,
            r.sign * r.activities, r.sign * r.children, r.sign * r.young_people, r.sign * r.parents, r.sign * r.professionals, r.sign * r.others, r.sign * r.helps_initiated);
    END LOOP;

    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS teams_partner_kind_moved ON kooperation_partner;
CREATE TRIGGER teams_partner_kind_moved
    AFTER UPDATE OF kind ON kooperation_partner
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION teams_partner_kind_moved();
"""

DROP_FUNCTIONS_SQL = """
DROP TRIGGER IF EXISTS teams_partner_kind_moved ON kooperation_partner;
DROP FUNCTION IF EXISTS teams_partner_kind_moved();
DROP FUNCTION IF EXISTS teams_summary_add_month(
    date, bigint, bigint, varchar, varchar, varchar,
    integer, integer, integer, integer, integer, integer, integer);
DROP FUNCTION IF EXISTS teams_summary_add_day(
    date, bigint, bigint, varchar, varchar, varchar,
    integer, integer, integer, integer, integer, integer, integer);
"""

REBUILD_SQL = """
    DELETE FROM teams_activitysummary;
    INSERT INTO teams_activitysummary (date, team_id, municipality_id, kind, venue_kind,
        status, activities, children, young_people, parents, professionals, others, helps_initiated)
    SELECT a.date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''),
        a.status, COUNT(*), SUM(a.children), SUM(a.young_people), SUM(a.parents), SUM(a.professionals), SUM(a.others), SUM(a.helps_initiated)
    FROM teams_activity a
    LEFT JOIN kooperation_partner p ON p.id = a.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;

    DELETE FROM teams_activitymonthsummary;
    INSERT INTO teams_activitymonthsummary (month, team_id, municipality_id, kind, venue_kind,
        status, activities, children, young_people, parents, professionals, others, helps_initiated)
    SELECT date_trunc('month', a.date)::date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''),
        a.status, COUNT(*), SUM(a.children), SUM(a.young_people), SUM(a.parents), SUM(a.professionals), SUM(a.others), SUM(a.helps_initiated)
    FROM teams_activity a
    LEFT JOIN kooperation_partner p ON p.id = a.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""

# The daily summary as migration 0003 and the earlier trigger keyed it (the series' venue).
OLD_REBUILD_SQL = """
    DELETE FROM teams_activitysummary;
    INSERT INTO teams_activitysummary (date, team_id, municipality_id, kind, venue_kind, status,
        activities, children, young_people, parents, professionals, others, helps_initiated)
    SELECT a.date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''), a.status,
        COUNT(*), SUM(a.children), SUM(a.young_people), SUM(a.parents), SUM(a.professionals),
        SUM(a.others), SUM(a.helps_initiated)
    FROM teams_activity a
    LEFT JOIN teams_consultationhour c ON c.id = a.consultation_hour_id
    LEFT JOIN kooperation_partner p ON p.id = c.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("kooperation", "0001_initial"),
        ("sozialraum", "0004_submission_tokens"),
        ("teams", "0005_audit_activity_links"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityMonthSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("consultation", "Consultation hour"),
                            ("round_table", "Round table"),
                            ("working_group", "Working group / committee"),
                            ("project", "Project work"),
                            ("event", "Kick-off or network event"),
                            ("community", "Community work"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                    ),
                ),
                ("venue_kind", models.CharField(blank=True, max_length=30)),
                (
                    "status",
                    models.CharField(
                        choices=[("held", "held"), ("cancelled", "cancelled")], max_length=20
                    ),
                ),
                ("activities", models.IntegerField(default=0)),
                ("children", models.IntegerField(default=0)),
                ("young_people", models.IntegerField(default=0)),
                ("parents", models.IntegerField(default=0)),
                ("professionals", models.IntegerField(default=0)),
                ("others", models.IntegerField(default=0)),
                ("helps_initiated", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "activity month summary",
                "verbose_name_plural": "activity month summaries",
            },
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="activity",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="activity",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="activity",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="activity",
            name="activity_summary",
        ),
        migrations.AddField(
            model_name="activity",
            name="venue",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="Where it took place: the venue of its consultation hour on that day.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="venue_activities",
                to="kooperation.partner",
                verbose_name="venue",
            ),
        ),
        migrations.AddField(
            model_name="activityevent",
            name="venue",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                help_text="Where it took place: the venue of its consultation hour on that day.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="kooperation.partner",
                verbose_name="venue",
            ),
        ),
        # The old triggers are gone and the new ones not yet there: the fill writes no audit
        # events and no summary deltas (the summaries are rebuilt at the end).
        migrations.RunSQL(FILL_VENUES_SQL, migrations.RunSQL.noop),
        migrations.RunSQL(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL),
        pgtrigger.migrations.AddTrigger(
            model_name="activity",
            trigger=pgtrigger.compiler.Trigger(
                name="activity_venue",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n    IF NEW.consultation_hour_id IS NOT NULL AND (\n        NEW.venue_id IS NULL\n        OR (TG_OP = 'UPDATE' AND NEW.consultation_hour_id IS DISTINCT FROM OLD.consultation_hour_id)\n    ) THEN\n        NEW.venue_id := (SELECT venue_id FROM teams_consultationhour\n                         WHERE id = NEW.consultation_hour_id);\n    ELSIF TG_OP = 'UPDATE' AND NEW.consultation_hour_id IS NULL\n        AND OLD.consultation_hour_id IS NOT NULL\n        AND NEW.venue_id IS NOT DISTINCT FROM OLD.venue_id THEN\n        NEW.venue_id := NULL;\n    END IF;\n    RETURN NEW;\n",
                    hash="b47522f74c63659ff88ff1b31f81f891b36d0822",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_activity_venue_6a354",
                    table="teams_activity",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="activity",
            trigger=pgtrigger.compiler.Trigger(
                name="activity_summary",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE old_venue_kind varchar; new_venue_kind varchar;",
                    func="\n    IF TG_OP = 'UPDATE' AND OLD.venue_id IS NOT DISTINCT FROM NEW.venue_id\n        AND (OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, OLD.status,\n             OLD.children, OLD.young_people, OLD.parents, OLD.professionals, OLD.others, OLD.helps_initiated)\n        = (NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, NEW.status,\n           NEW.children, NEW.young_people, NEW.parents, NEW.professionals, NEW.others, NEW.helps_initiated) THEN\n        RETURN NULL;\n    END IF;\n    IF TG_OP = 'INSERT' THEN\n        PERFORM 1 FROM kooperation_partner WHERE id = NEW.venue_id FOR SHARE;\n        new_venue_kind := COALESCE(\n            (SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');\n        PERFORM teams_summary_add_day(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n        PERFORM teams_summary_add_month(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n    ELSIF TG_OP = 'DELETE' THEN\n        PERFORM 1 FROM kooperation_partner WHERE id = OLD.venue_id FOR SHARE;\n        old_venue_kind := COALESCE(\n            (SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');\n        PERFORM teams_summary_add_day(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n        PERFORM teams_summary_add_month(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n    ELSE\n        PERFORM 1 FROM kooperation_partner WHERE id IN (OLD.venue_id, NEW.venue_id)\n            ORDER BY id FOR SHARE;\n        old_venue_kind := COALESCE(\n            (SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');\n        new_venue_kind := COALESCE(\n            (SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');\n        \n    IF (OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) = (NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN\n        IF (OLD.children, OLD.young_people, OLD.parents, OLD.professionals, OLD.others, OLD.helps_initiated) <> (NEW.children, NEW.young_people, NEW.parents, NEW.professionals, NEW.others, NEW.helps_initiated) THEN\n            PERFORM teams_summary_add_day(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind,\n                new_venue_kind, NEW.status, 0, NEW.children - OLD.children, NEW.young_people - OLD.young_people, NEW.parents - OLD.parents, NEW.professionals - OLD.professionals, NEW.others - OLD.others, NEW.helps_initiated - OLD.helps_initiated);\n        END IF;\n    ELSIF (OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) < (NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN\n        PERFORM teams_summary_add_day(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n        PERFORM teams_summary_add_day(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n    ELSE\n        PERFORM teams_summary_add_day(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n        PERFORM teams_summary_add_day(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n    END IF;\n\n        \n    IF (date_trunc('month', OLD.date), OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) = (date_trunc('month', NEW.date), NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN\n        IF (OLD.children, OLD.young_people, OLD.parents, OLD.professionals, OLD.others, OLD.helps_initiated) <> (NEW.children, NEW.young_people, NEW.parents, NEW.professionals, NEW.others, NEW.helps_initiated) THEN\n            PERFORM teams_summary_add_month(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind,\n                new_venue_kind, NEW.status, 0, NEW.children - OLD.children, NEW.young_people - OLD.young_people, NEW.parents - OLD.parents, NEW.professionals - OLD.professionals, NEW.others - OLD.others, NEW.helps_initiated - OLD.helps_initiated);\n        END IF;\n    ELSIF (date_trunc('month', OLD.date), OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) < (date_trunc('month', NEW.date), NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN\n        PERFORM teams_summary_add_month(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n        PERFORM teams_summary_add_month(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n    ELSE\n        PERFORM teams_summary_add_month(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);\n        PERFORM teams_summary_add_month(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);\n    END IF;\n\n    END IF;\n    RETURN NULL;\n",
                    hash="93181155f55660eb048fc8f769414de7e1eb0575",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_activity_summary_68360",
                    table="teams_activity",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="activity",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "teams_activityevent" ("body_id", "cancel_reason", "children", "consultation_hour_id", "created_at", "created_by_id", "date", "end_time", "helps_initiated", "id", "kind", "municipality_id", "note", "others", "outside_area_confirmed", "parents", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "professionals", "project_id", "start_time", "status", "team_id", "updated_at", "updated_by_id", "venue_id", "version", "young_people") VALUES (NEW."body_id", NEW."cancel_reason", NEW."children", NEW."consultation_hour_id", NEW."created_at", NEW."created_by_id", NEW."date", NEW."end_time", NEW."helps_initiated", NEW."id", NEW."kind", NEW."municipality_id", NEW."note", NEW."others", NEW."outside_area_confirmed", NEW."parents", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."professionals", NEW."project_id", NEW."start_time", NEW."status", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."venue_id", NEW."version", NEW."young_people"); RETURN NULL;',
                    hash="0ebc7e43b241aae6a2b1a035cdef38d14a94f567",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_50b06",
                    table="teams_activity",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="activity",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "teams_activityevent" ("body_id", "cancel_reason", "children", "consultation_hour_id", "created_at", "created_by_id", "date", "end_time", "helps_initiated", "id", "kind", "municipality_id", "note", "others", "outside_area_confirmed", "parents", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "professionals", "project_id", "start_time", "status", "team_id", "updated_at", "updated_by_id", "venue_id", "version", "young_people") VALUES (NEW."body_id", NEW."cancel_reason", NEW."children", NEW."consultation_hour_id", NEW."created_at", NEW."created_by_id", NEW."date", NEW."end_time", NEW."helps_initiated", NEW."id", NEW."kind", NEW."municipality_id", NEW."note", NEW."others", NEW."outside_area_confirmed", NEW."parents", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."professionals", NEW."project_id", NEW."start_time", NEW."status", NEW."team_id", NEW."updated_at", NEW."updated_by_id", NEW."venue_id", NEW."version", NEW."young_people"); RETURN NULL;',
                    hash="4bcc1276e664ee198850a7e7fa41686271019f30",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_56f53",
                    table="teams_activity",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="activity",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "teams_activityevent" ("body_id", "cancel_reason", "children", "consultation_hour_id", "created_at", "created_by_id", "date", "end_time", "helps_initiated", "id", "kind", "municipality_id", "note", "others", "outside_area_confirmed", "parents", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "professionals", "project_id", "start_time", "status", "team_id", "updated_at", "updated_by_id", "venue_id", "version", "young_people") VALUES (OLD."body_id", OLD."cancel_reason", OLD."children", OLD."consultation_hour_id", OLD."created_at", OLD."created_by_id", OLD."date", OLD."end_time", OLD."helps_initiated", OLD."id", OLD."kind", OLD."municipality_id", OLD."note", OLD."others", OLD."outside_area_confirmed", OLD."parents", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."professionals", OLD."project_id", OLD."start_time", OLD."status", OLD."team_id", OLD."updated_at", OLD."updated_by_id", OLD."venue_id", OLD."version", OLD."young_people"); RETURN NULL;',
                    hash="eaf0a9c4464f877ac8ecd73978f5177d6f88005e",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_8f20e",
                    table="teams_activity",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="activitymonthsummary",
            name="municipality",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="sozialraum.municipality",
            ),
        ),
        migrations.AddField(
            model_name="activitymonthsummary",
            name="team",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="sozialraum.team",
            ),
        ),
        migrations.AddIndex(
            model_name="activitymonthsummary",
            index=models.Index(fields=["month"], name="month_summary_month"),
        ),
        migrations.AddIndex(
            model_name="activitymonthsummary",
            index=models.Index(fields=["team", "month"], name="month_summary_team_month"),
        ),
        migrations.AddConstraint(
            model_name="activitymonthsummary",
            constraint=models.UniqueConstraint(
                fields=("month", "team", "municipality", "kind", "venue_kind", "status"),
                name="activity_month_summary_key",
            ),
        ),
        migrations.RunSQL(REBUILD_SQL, OLD_REBUILD_SQL),
    ]
