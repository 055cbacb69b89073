"""The activity summaries the dashboards and reports read, kept by database triggers.

Three tables hold the sums of the activities: ``ActivitySummary`` one row per day, team,
municipality, kind, venue kind and status, ``ActivityMonthSummary`` the same per month and
``ActivityYearSummary`` per year (the dashboards and reports over whole years read about a tenth
of the month rows from it). The meaning, decided once (issue 11):

* an activity keeps the place where it took place (``Activity.venue``, filled from its
  consultation-hour series when it is written); moving a series to another venue later does not
  move the dates already logged;
* the venue kind of a figure is the *current* kind of that venue: correcting a partner's kind
  (Schule → Rathaus) corrects every figure, past ones included.

The invariant: every table always equals a fresh ``GROUP BY`` over the activities (joined to their
venue's kind), and no row has zero or fewer activities. Three database pieces keep it, whoever
writes (a form, ``QuerySet.update()``, a bulk delete, raw SQL):

* the row trigger ``activity_summary`` on ``teams_activity`` (see ``Activity.Meta``) applies the
  difference of each written row to its day and month rows;
* the trigger ``teams_partner_kind_moved`` on ``kooperation_partner`` (installed by the teams
  migration: the partner app knows nothing of teams) moves a partner's activities from the old
  kind's rows to the new kind's rows when the kind changes;
* both go through ``teams_summary_add_day``/``teams_summary_add_month``, which upsert a delta and
  delete a row whose activities drop to zero;
* the year table is kept the same way by two triggers of its own (``YEAR_SQL``, installed by
  migration teams 0009), ``teams_activity_year_summary`` on the activities and
  ``teams_partner_kind_moved_year`` on the partners. PostgreSQL fires a table's triggers in the
  order of their names, so each runs after the day and month trigger of the same write.

Deadlocks are avoided by taking locks in one order everywhere: the venue partners (``FOR SHARE``,
by id; a kind change holds the partner row, so it serialises with the writes of its activities),
then the day rows, then the month rows, then the year rows, each pair of keys in ascending order.

``rebuild_activity_summary`` recomputes the three tables from the activities, e.g. after a bulk load
that bypassed the triggers; the result is the same as the triggers' running sums.
"""

from django.db import connection, transaction

SUMS = ("children", "young_people", "parents", "professionals", "others", "helps_initiated")
DAY_TABLE = "teams_activitysummary"
MONTH_TABLE = "teams_activitymonthsummary"
YEAR_TABLE = "teams_activityyearsummary"
TABLES = (DAY_TABLE, MONTH_TABLE, YEAR_TABLE)


def _add_function(name: str, table: str, key: str, key_value: str) -> str:
    sums = ", ".join(SUMS)
    return f"""
CREATE OR REPLACE FUNCTION {name}(
    k_date date, k_team bigint, k_municipality bigint, k_kind varchar, k_venue_kind varchar,
    k_status varchar, d_activities integer, {", ".join(f"d_{s} integer" for s in SUMS)})
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    row_id bigint;
    left_over integer;
BEGIN
    INSERT INTO {table} AS s ({key}, team_id, municipality_id, kind, venue_kind, status,
        activities, {sums})
    VALUES ({key_value}, k_team, k_municipality, k_kind, k_venue_kind, k_status,
        d_activities, {", ".join(f"d_{s}" for s in SUMS)})
    ON CONFLICT ({key}, team_id, municipality_id, kind, venue_kind, status) DO UPDATE SET
        activities = s.activities + EXCLUDED.activities,
        {", ".join(f"{s} = s.{s} + EXCLUDED.{s}" for s in SUMS)}
    RETURNING s.id, s.activities INTO row_id, left_over;
    IF left_over <= 0 THEN
        DELETE FROM {table} WHERE id = row_id;
    END IF;
END
$$;
"""  # noqa: S608 - names of ours, no input


def _moves(function: str, key_expression: str) -> str:
    """The loop of the partner trigger that moves one table's sums from OLD.kind to NEW.kind,
    in ascending key order."""
    return f"""
    FOR r IN
        SELECT g.*, v.venue_kind, v.sign
        FROM (
            SELECT {key_expression} AS key, team_id, municipality_id, kind, status,
                COUNT(*)::integer AS activities,
                {", ".join(f"SUM({s})::integer AS {s}" for s in SUMS)}
            FROM teams_activity
            WHERE venue_id = NEW.id
            GROUP BY 1, 2, 3, 4, 5
        ) g
        CROSS JOIN (VALUES (OLD.kind::varchar, -1), (NEW.kind::varchar, 1)) v(venue_kind, sign)
        ORDER BY g.key, g.team_id, g.municipality_id, g.kind, v.venue_kind, g.status
    LOOP
        PERFORM {function}(r.key, r.team_id, r.municipality_id, r.kind, r.venue_kind, r.status,
            r.sign * r.activities, {", ".join(f"r.sign * r.{s}" for s in SUMS)});
    END LOOP;
"""  # noqa: S608 - names of ours, no input


def _partner_trigger(name: str, moves: str) -> str:
    """The function and trigger ``name`` on kooperation_partner that runs ``moves`` (the loops of
    ``_moves``) when a partner's kind changes."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
{moves}
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS {name} ON kooperation_partner;
CREATE TRIGGER {name}
    AFTER UPDATE OF kind ON kooperation_partner
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION {name}();
"""


# Installed and removed by migration teams 0006 (a frozen copy lives there).
FUNCTIONS_SQL = (
    _add_function("teams_summary_add_day", DAY_TABLE, "date", "k_date")
    + _add_function(
        "teams_summary_add_month", MONTH_TABLE, "month", "date_trunc('month', k_date)::date"
    )
    + _partner_trigger(
        "teams_partner_kind_moved",
        _moves("teams_summary_add_day", "date")
        + "\n"
        + _moves("teams_summary_add_month", "date_trunc('month', date)::date"),
    )
)

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


def _call(function: str, row: str, sign: str) -> str:
    return (
        f"PERFORM {function}({row}.date, {row}.team_id, {row}.municipality_id, {row}.kind, "
        f"{row.lower()}_venue_kind, {row}.status, {sign}1, "
        + ", ".join(f"{sign}{row}.{s}" for s in SUMS)
        + ");"
    )


def _update(function: str, key: str) -> str:
    """One table's part of an UPDATE: nothing if neither key nor sums changed, one delta if only
    the sums changed, else minus the old key and plus the new one, the smaller key first."""
    old_key, new_key = (
        f"({key.format(row=row)}, {row}.team_id, {row}.municipality_id, {row}.kind, "
        f"{row.lower()}_venue_kind, {row}.status)"
        for row in ("OLD", "NEW")
    )
    return f"""
    IF {old_key} = {new_key} THEN
        IF ({", ".join(f"OLD.{s}" for s in SUMS)}) <> ({", ".join(f"NEW.{s}" for s in SUMS)}) THEN
            PERFORM {function}(NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind,
                new_venue_kind, NEW.status, 0, {", ".join(f"NEW.{s} - OLD.{s}" for s in SUMS)});
        END IF;
    ELSIF {old_key} < {new_key} THEN
        {_call(function, "OLD", "-")}
        {_call(function, "NEW", "+")}
    ELSE
        {_call(function, "NEW", "+")}
        {_call(function, "OLD", "-")}
    END IF;
"""


# The body of the row trigger ``activity_summary`` on teams_activity (AFTER INSERT, UPDATE,
# DELETE); ``old_venue_kind``/``new_venue_kind`` are declared by the trigger.
# An UPDATE that changes nothing the summaries keep: nothing to do.
_UNCHANGED_SQL = f"""
    IF TG_OP = 'UPDATE' AND OLD.venue_id IS NOT DISTINCT FROM NEW.venue_id
        AND (OLD.date, OLD.team_id, OLD.municipality_id, OLD.kind, OLD.status,
             {", ".join(f"OLD.{s}" for s in SUMS)})
        = (NEW.date, NEW.team_id, NEW.municipality_id, NEW.kind, NEW.status,
           {", ".join(f"NEW.{s}" for s in SUMS)}) THEN
        RETURN NULL;
    END IF;"""

ACTIVITY_TRIGGER_SQL = f"""{_UNCHANGED_SQL}
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM kooperation_partner WHERE id = NEW.venue_id FOR SHARE;
        new_venue_kind := COALESCE(
            (SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');
        {_call("teams_summary_add_day", "NEW", "+")}
        {_call("teams_summary_add_month", "NEW", "+")}
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM kooperation_partner WHERE id = OLD.venue_id FOR SHARE;
        old_venue_kind := COALESCE(
            (SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');
        {_call("teams_summary_add_day", "OLD", "-")}
        {_call("teams_summary_add_month", "OLD", "-")}
    ELSE
        PERFORM 1 FROM kooperation_partner WHERE id IN (OLD.venue_id, NEW.venue_id)
            ORDER BY id FOR SHARE;
        old_venue_kind := COALESCE(
            (SELECT kind FROM kooperation_partner WHERE id = OLD.venue_id), '');
        new_venue_kind := COALESCE(
            (SELECT kind FROM kooperation_partner WHERE id = NEW.venue_id), '');
        {_update("teams_summary_add_day", "{row}.date")}
        {_update("teams_summary_add_month", "date_trunc('month', {row}.date)")}
    END IF;
    RETURN NULL;
"""  # noqa: S608 - names of ours, no input

# BEFORE INSERT OR UPDATE on teams_activity: the activity keeps the venue of its series.
ACTIVITY_VENUE_SQL = """
    IF NEW.consultation_hour_id IS NOT NULL AND (
        NEW.venue_id IS NULL
        OR (TG_OP = 'UPDATE' AND NEW.consultation_hour_id IS DISTINCT FROM OLD.consultation_hour_id)
    ) THEN
        NEW.venue_id := (SELECT venue_id FROM teams_consultationhour
                         WHERE id = NEW.consultation_hour_id);
    ELSIF TG_OP = 'UPDATE' AND NEW.consultation_hour_id IS NULL
        AND OLD.consultation_hour_id IS NOT NULL
        AND NEW.venue_id IS NOT DISTINCT FROM OLD.venue_id THEN
        NEW.venue_id := NULL;
    END IF;
    RETURN NEW;
"""


# The year table's functions and triggers (installed and removed by migration teams 0009, which
# keeps a frozen copy). The partners are already locked by the day and month trigger, which
# PostgreSQL fires first ("pgtrigger_…" and "teams_partner_kind_moved" sort before these names).
_VENUE_KIND = "COALESCE((SELECT kind FROM kooperation_partner WHERE id = {row}.venue_id), '')"
YEAR_SQL = (
    _add_function("teams_summary_add_year", YEAR_TABLE, "year", "date_trunc('year', k_date)::date")
    + f"""
CREATE OR REPLACE FUNCTION teams_activity_year_summary() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_venue_kind varchar;
    new_venue_kind varchar;
BEGIN{_UNCHANGED_SQL}
    IF TG_OP = 'INSERT' THEN
        new_venue_kind := {_VENUE_KIND.format(row="NEW")};
        {_call("teams_summary_add_year", "NEW", "+")}
    ELSIF TG_OP = 'DELETE' THEN
        old_venue_kind := {_VENUE_KIND.format(row="OLD")};
        {_call("teams_summary_add_year", "OLD", "-")}
    ELSE
        old_venue_kind := {_VENUE_KIND.format(row="OLD")};
        new_venue_kind := {_VENUE_KIND.format(row="NEW")};
        {_update("teams_summary_add_year", "date_trunc('year', {row}.date)")}
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS teams_activity_year_summary ON teams_activity;
CREATE TRIGGER teams_activity_year_summary
    AFTER INSERT OR UPDATE OR DELETE ON teams_activity
    FOR EACH ROW EXECUTE FUNCTION teams_activity_year_summary();
"""
    + _partner_trigger(
        "teams_partner_kind_moved_year",
        _moves("teams_summary_add_year", "date_trunc('year', date)::date"),
    )
)

DROP_YEAR_SQL = """
DROP TRIGGER IF EXISTS teams_partner_kind_moved_year ON kooperation_partner;
DROP FUNCTION IF EXISTS teams_partner_kind_moved_year();
DROP TRIGGER IF EXISTS teams_activity_year_summary ON teams_activity;
DROP FUNCTION IF EXISTS teams_activity_year_summary();
DROP FUNCTION IF EXISTS teams_summary_add_year(
    date, bigint, bigint, varchar, varchar, varchar,
    integer, integer, integer, integer, integer, integer, integer);
"""


def _rebuild(table: str, key: str) -> str:
    return f"""
    DELETE FROM {table};
    INSERT INTO {table} ({key.split(" AS ")[-1]}, team_id, municipality_id, kind, venue_kind,
        status, activities, {", ".join(SUMS)})
    SELECT {key.split(" AS ")[0]}, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''),
        a.status, COUNT(*), {", ".join(f"SUM(a.{name})" for name in SUMS)}
    FROM teams_activity a
    LEFT JOIN kooperation_partner p ON p.id = a.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6;
"""  # noqa: S608 - no input in this statement


YEAR_REBUILD_SQL = _rebuild(YEAR_TABLE, "date_trunc('year', a.date)::date AS year")
REBUILD_SQL = (
    _rebuild(DAY_TABLE, "a.date AS date")
    + _rebuild(MONTH_TABLE, "date_trunc('month', a.date)::date AS month")
    + YEAR_REBUILD_SQL
)

# A fresh aggregation of the activities, in the summary's columns (used by the tests and by
# ``summary_drift``).
FRESH_SQL = {
    table: f"""
    SELECT {key}, a.team_id, a.municipality_id, a.kind, COALESCE(p.kind, ''), a.status,
        COUNT(*), {", ".join(f"SUM(a.{name})" for name in SUMS)}
    FROM teams_activity a
    LEFT JOIN kooperation_partner p ON p.id = a.venue_id
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608 - no input in this statement
    for table, key in (
        (DAY_TABLE, "a.date"),
        (MONTH_TABLE, "date_trunc('month', a.date)::date"),
        (YEAR_TABLE, "date_trunc('year', a.date)::date"),
    )
}
STORED_SQL = {
    table: f"""
    SELECT {key}, team_id, municipality_id, kind, venue_kind, status, activities,
        {", ".join(SUMS)}
    FROM {table} ORDER BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608 - no input in this statement
    for table, key in ((DAY_TABLE, "date"), (MONTH_TABLE, "month"), (YEAR_TABLE, "year"))
}


def rebuild_activity_summary() -> None:
    """Recompute the day, month and year summaries from the activities."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE")
        cursor.execute(REBUILD_SQL)


def summary_drift() -> dict[str, tuple[list, list]]:
    """The summary tables that differ from a fresh aggregation: ``{table: (stored, fresh)}``;
    empty when the invariant holds."""
    drift = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(STORED_SQL[table])
            stored = [tuple(row) for row in cursor.fetchall()]
            cursor.execute(FRESH_SQL[table])
            fresh = [tuple(row) for row in cursor.fetchall()]
            if stored != fresh:
                drift[table] = (stored, fresh)
    return drift
