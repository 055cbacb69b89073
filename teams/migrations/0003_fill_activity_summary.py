"""Fill the activity summary from the activities logged before its triggers existed."""

from django.db import migrations

SUMS = ("children", "young_people", "parents", "professionals", "others", "helps_initiated")

SQL = f"""
    DELETE FROM teams_activitysummary;
    INSERT INTO teams_activitysummary (date, team_id, municipality_id, kind, venue_kind, status,
        activities, {", ".join(SUMS)})
    SELECT a.date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''), a.status,
        COUNT(*), {", ".join(f"SUM(a.{name})" for name in SUMS)}
    FROM teams_activity a
    LEFT JOIN teams_consultationhour c ON c.id = a.consultation_hour_id
    LEFT JOIN kooperation_partner p ON p.id = c.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""


class Migration(migrations.Migration):
    dependencies = [("teams", "0002_summary_and_reviews")]

    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
