"""The year summary (issue 11): the activity sums per year, team, municipality, kind, venue kind
and status, for the dashboards and reports over whole years; kept by triggers of its own with the
invariant of the day and month summaries, filled from the activities.

The SQL below is a frozen copy of what teams.summary describes at the time of this migration
(``YEAR_SQL``, ``DROP_YEAR_SQL``, ``YEAR_REBUILD_SQL``)."""

import django.db.models.deletion
from django.db import migrations, models

YEAR_SQL = """CREATE OR REPLACE FUNCTION teams_summary_add_year(
    k_date date, k_team bigint, k_municipality bigint, k_kind varchar, k_venue_kind varchar,
    k_status varchar, d_activities integer, d_children integer, d_young_people integer, d_parents integer, d_professionals integer, d_others integer, d_helps_initiated integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
    left_over integer;
BEGIN
    INSERT INTO teams_activityyearsummary AS s (year, team_id, municipality_id, kind, venue_kind, status,
        activities, children, young_people, parents, professionals, others, helps_initiated)
    VALUES (date_trunc('year', k_date)::date, k_team, k_municipality, k_kind, k_venue_kind, k_status,
        d_activities, d_children, d_young_people, d_parents, d_professionals, d_others, d_helps_initiated)
    ON CONFLICT (year, team_id, municipality_id, kind, venue_kind, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities,
        children = s.children + EXCLUDED.children, young_people = s.young_people + EXCLUDED.young_people, parents = s.parents + EXCLUDED.parents, professionals = s.professionals + EXCLUDED.professionals, others = s.others + EXCLUDED.others, helps_initiated = s.helps_initiated + EXCLUDED.helps_initiated
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM teams_activityyearsummary WHERE id = row_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION teams_activity_year_summary() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_venue_kind varchar;
    new_venue_kind varchar;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.venue_id IS NOT DISTINCT FROM NEW.venue_id
        AND (OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, OLD.status,
             OLD.children, OLD.young_people, OLD.parents, OLD.professionals, OLD.others, OLD.helps_initiated)
        = (NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, NEW.status,
           NEW.children, NEW.young_people, NEW.parents, NEW.professionals, NEW.others, NEW.helps_initiated) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        new_venue_kind := COALESCE((SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');
        PERFORM teams_summary_add_year(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);
    ELSIF TG_OP = 'DELETE' THEN
        old_venue_kind := COALESCE((SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');
        PERFORM teams_summary_add_year(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);
    ELSE
        old_venue_kind := COALESCE((SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');
        new_venue_kind := COALESCE((SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');
        
    IF (date_trunc('year', OLD.date), OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) = (date_trunc('year', NEW.date), NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN
        IF (OLD.children, OLD.young_people, OLD.parents, OLD.professionals, OLD.others, OLD.helps_initiated) <> (NEW.children, NEW.young_people, NEW.parents, NEW.professionals, NEW.others, NEW.helps_initiated) THEN
            PERFORM teams_summary_add_year(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind,
                new_venue_kind, NEW.status, 0, NEW.children - OLD.children, NEW.young_people - OLD.young_people, NEW.parents - OLD.parents, NEW.professionals - OLD.professionals, NEW.others - OLD.others, NEW.helps_initiated - OLD.helps_initiated);
        END IF;
    ELSIF (date_trunc('year', OLD.date), OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status) < (date_trunc('year', NEW.date), NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status) THEN
        PERFORM teams_summary_add_year(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);
        PERFORM teams_summary_add_year(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);
    ELSE
        PERFORM teams_summary_add_year(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, new_venue_kind, NEW.status, +1, +NEW.children, +NEW.young_people, +NEW.parents, +NEW.professionals, +NEW.others, +NEW.helps_initiated);
        PERFORM teams_summary_add_year(OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, old_venue_kind, OLD.status, -1, -OLD.children, -OLD.young_people, -OLD.parents, -OLD.professionals, -OLD.others, -OLD.helps_initiated);
    END IF;

    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS teams_activity_year_summary ON teams_activity;
CREATE TRIGGER teams_activity_year_summary
    AFTER INSERT OR UPDATE OR DELETE ON teams_activity
    FOR EACH ROW EXECUTE FUNCTION teams_activity_year_summary();

CREATE OR REPLACE FUNCTION teams_partner_kind_moved_year() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN

    FOR r IN
        SELECT g.*, v.venue_kind, v.sign
        FROM (
            SELECT date_trunc('year', date)::date AS key, team_id, municipality_id, kind, status,
                COUNT(*)::integer AS activities,
                SUM(children)::integer AS children, SUM(young_people)::integer AS young_people, SUM(parents)::integer AS parents, SUM(professionals)::integer AS professionals, SUM(others)::integer AS others, SUM(helps_initiated)::integer AS helps_initiated
            FROM teams_activity
            WHERE venue_id = NEW.id
            GROUP BY 1, 2, 3, 4, 5
        ) g
        CROSS JOIN (VALUES (OLD.kind::varchar, -1), (NEW.kind::varchar, 1)) v(venue_kind, sign)
        ORDER BY g.key, g.team_id, g.municipality_id, g.kind, v.venue_kind, g.status
    LOOP
        PERFORM teams_summary_add_year(r.key, r.team_id, r.municipality_id, r.kind, r.venue_kind, r.status,
            r.sign * r.activities, r.sign * r.children, r.sign * r.young_people, r.sign * r.parents, r.sign * r.professionals, r.sign * r.others, r.sign * r.helps_initiated);
    END LOOP;

    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS teams_partner_kind_moved_year ON kooperation_partner;
CREATE TRIGGER teams_partner_kind_moved_year
    AFTER UPDATE OF kind ON kooperation_partner
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION teams_partner_kind_moved_year();
"""

DROP_YEAR_SQL = """DROP TRIGGER IF EXISTS teams_partner_kind_moved_year ON kooperation_partner;
DROP FUNCTION IF EXISTS teams_partner_kind_moved_year();
DROP TRIGGER IF EXISTS teams_activity_year_summary ON teams_activity;
DROP FUNCTION IF EXISTS teams_activity_year_summary();
DROP FUNCTION IF EXISTS teams_summary_add_year(
    date, bigint, bigint, varchar, varchar, varchar,
    integer, integer, integer, integer, integer, integer, integer);
"""

FILL_SQL = """    DELETE FROM teams_activityyearsummary;
    INSERT INTO teams_activityyearsummary (year, team_id, municipality_id, kind, venue_kind,
        status, activities, children, young_people, parents, professionals, others, helps_initiated)
    SELECT date_trunc('year', a.date)::date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''),
        a.status, COUNT(*), SUM(a.children), SUM(a.young_people), SUM(a.parents), SUM(a.professionals), SUM(a.others), SUM(a.helps_initiated)
    FROM teams_activity a
    LEFT JOIN kooperation_partner p ON p.id = a.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("sozialraum", "0001_initial"),
        ("teams", "0008_activity_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityYearSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                ("year", models.DateField()),
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
            ],
            options={
                "verbose_name": "activity year summary",
                "verbose_name_plural": "activity year summaries",
                "indexes": [
                    models.Index(fields=["year"], name="year_summary_year"),
                    models.Index(fields=["team", "year"], name="year_summary_team_year"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "team", "municipality", "kind", "venue_kind", "status"),
                        name="activity_year_summary_key",
                    )
                ],
            },
        ),
        # Functions and triggers first, then the fill: a write between the two is not possible
        # inside the migration's transaction, and the fill replaces whatever the table holds.
        migrations.RunSQL(YEAR_SQL, DROP_YEAR_SQL),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]
