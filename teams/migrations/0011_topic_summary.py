"""How often each topic was taken up, per day and per month, team, municipality and status, kept by
triggers on the activities and their topic links (issue 15, point 4; see teams.topics).

The SQL below is a frozen copy of what teams.topics describes at the time of this migration."""

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION teams_topic_summary_add(
    k_day date, k_team bigint, k_municipality bigint, k_topic bigint, k_status varchar,
    delta integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
    left_over integer;
BEGIN
    INSERT INTO teams_topicsummary AS s (date, team_id, municipality_id, topic_id, status,
        activities)
    VALUES (k_day, k_team, k_municipality, k_topic, k_status, delta)
    ON CONFLICT (date, team_id, municipality_id, topic_id, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM teams_topicsummary WHERE id = row_id;
    END IF;
    INSERT INTO teams_topicmonthsummary AS s (month, team_id, municipality_id, topic_id, status,
        activities)
    VALUES (date_trunc('month', k_day)::date, k_team, k_municipality, k_topic, k_status, delta)
    ON CONFLICT (month, team_id, municipality_id, topic_id, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM teams_topicmonthsummary WHERE id = row_id;
    END IF;
END
$$;

-- A topic link added or removed: count it under its activity's month, team, municipality and
-- status. A link whose activity is not (or no longer) there is counted by the activity's own
-- trigger when the activity is inserted, and was already taken off when it was deleted.
CREATE OR REPLACE FUNCTION teams_topic_link_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT date, team_id, municipality_id, status INTO a
        FROM teams_activity WHERE id = OLD.activity_id;
        IF FOUND THEN
            PERFORM teams_topic_summary_add(a.date, a.team_id, a.municipality_id, OLD.topic_id,
                a.status, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT date, team_id, municipality_id, status INTO a
        FROM teams_activity WHERE id = NEW.activity_id;
        IF FOUND THEN
            PERFORM teams_topic_summary_add(a.date, a.team_id, a.municipality_id, NEW.topic_id,
                a.status, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- An activity inserted, moved (month, team, municipality, status) or deleted: move the
-- counts of the topic links it has at that moment, in topic order.
CREATE OR REPLACE FUNCTION teams_topic_activity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'UPDATE' AND
        (date_trunc('month', OLD.date), OLD.team_id, OLD.municipality_id, OLD.status)
        = (date_trunc('month', NEW.date), NEW.team_id, NEW.municipality_id, NEW.status) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        FOR r IN SELECT topic_id FROM teams_activity_topics WHERE activity_id = OLD.id
                 ORDER BY topic_id LOOP
            PERFORM teams_topic_summary_add(OLD.date, OLD.team_id, OLD.municipality_id,
                r.topic_id, OLD.status, -1);
        END LOOP;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        FOR r IN SELECT topic_id FROM teams_activity_topics WHERE activity_id = NEW.id
                 ORDER BY topic_id LOOP
            PERFORM teams_topic_summary_add(NEW.date, NEW.team_id, NEW.municipality_id,
                r.topic_id, NEW.status, 1);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS teams_topic_link_changed ON teams_activity_topics;
CREATE TRIGGER teams_topic_link_changed
    AFTER INSERT OR UPDATE OR DELETE ON teams_activity_topics
    FOR EACH ROW EXECUTE FUNCTION teams_topic_link_changed();
DROP TRIGGER IF EXISTS teams_topic_activity_changed ON teams_activity;
CREATE TRIGGER teams_topic_activity_changed
    AFTER INSERT OR DELETE OR UPDATE OF date, team_id, municipality_id, status ON teams_activity
    FOR EACH ROW EXECUTE FUNCTION teams_topic_activity_changed();
"""

DROP_FUNCTIONS_SQL = """
DROP TRIGGER IF EXISTS teams_topic_activity_changed ON teams_activity;
DROP TRIGGER IF EXISTS teams_topic_link_changed ON teams_activity_topics;
DROP FUNCTION IF EXISTS teams_topic_activity_changed();
DROP FUNCTION IF EXISTS teams_topic_link_changed();
DROP FUNCTION IF EXISTS teams_topic_summary_add(date, bigint, bigint, bigint, varchar, integer);
"""

FILL_SQL = """
INSERT INTO teams_topicsummary (date, team_id, municipality_id, topic_id, status, activities)
SELECT a.date, a.team_id, a.municipality_id, l.topic_id, a.status, COUNT(*)
FROM teams_activity_topics l JOIN teams_activity a ON a.id = l.activity_id
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO teams_topicmonthsummary (month, team_id, municipality_id, topic_id, status,
    activities)
SELECT date_trunc('month', a.date)::date, a.team_id, a.municipality_id, l.topic_id, a.status,
    COUNT(*)
FROM teams_activity_topics l JOIN teams_activity a ON a.id = l.activity_id
GROUP BY 1, 2, 3, 4, 5;
"""


class Migration(migrations.Migration):
    dependencies = [("teams", "0010_targets")]

    operations = [
        migrations.CreateModel(
            name="TopicMonthSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                (
                    "status",
                    models.CharField(
                        choices=[("held", "held"), ("cancelled", "cancelled")], max_length=20
                    ),
                ),
                ("activities", models.IntegerField(default=0)),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sozialraum.municipality",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sozialraum.team",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="teams.topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "topic month summary",
                "verbose_name_plural": "topic month summaries",
            },
        ),
        migrations.AddIndex(
            model_name="topicmonthsummary",
            index=models.Index(fields=["team", "month"], name="topic_summary_team_month"),
        ),
        migrations.AddConstraint(
            model_name="topicmonthsummary",
            constraint=models.UniqueConstraint(
                fields=("month", "team", "municipality", "topic", "status"),
                name="topic_month_summary_key",
            ),
        ),
        migrations.CreateModel(
            name="TopicSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("held", "held"), ("cancelled", "cancelled")], max_length=20
                    ),
                ),
                ("activities", models.IntegerField(default=0)),
                ("date", models.DateField()),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sozialraum.municipality",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sozialraum.team",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="teams.topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "topic summary",
                "verbose_name_plural": "topic summaries",
                "indexes": [models.Index(fields=["date"], name="topic_summary_date")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("date", "team", "municipality", "topic", "status"),
                        name="topic_summary_key",
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]
