"""The activity summary the dashboards read (``ActivitySummary``), kept by database triggers.

``rebuild_activity_summary`` recomputes it from the activities, e.g. after a bulk load that
bypassed the triggers; the result is the same as the triggers' running sums.
"""

from django.db import connection, transaction

SUMS = ("children", "young_people", "parents", "professionals", "others", "helps_initiated")

REBUILD_SQL = f"""
    DELETE FROM teams_activitysummary;
    INSERT INTO teams_activitysummary (date, team_id, municipality_id, kind, venue_kind, status,
        activities, {", ".join(SUMS)})
    SELECT a.date, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''), a.status,
        COUNT(*), {", ".join(f"SUM(a.{name})" for name in SUMS)}
    FROM teams_activity a
    LEFT JOIN teams_consultationhour c ON c.id = a.consultation_hour_id
    LEFT JOIN kooperation_partner p ON p.id = c.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""  # noqa: S608 - no input in this statement


def rebuild_activity_summary() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE teams_activitysummary IN EXCLUSIVE MODE")
        cursor.execute(REBUILD_SQL)
