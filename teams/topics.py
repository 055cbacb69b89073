"""Topics evaluated: how often held activities took up each topic, per scope and period, against
the same period a year earlier.

Counted over the topic links of the activities (1.5 topics per activity), a district-year took
460 ms at 100 000 activities and 3.9 s at a million, a municipality-year 100 ms and 850 ms; from
a month summary 3 ms at both sizes. So the counts come from ``TopicMonthSummary`` (whole months)
and ``TopicSummary`` (the days of a partly covered month at either end of a custom period), kept
by the triggers of migration teams 0011: a link added or removed counts under its activity's
day, month, team, municipality and status; an activity moved (date, team, municipality, status)
or deleted takes its links' counts with it. Like the activity summaries, nothing here reads an
activity row. The invariant: both tables equal ``FRESH_SQL`` at all times.

Counts are shown as they are: these figures stay in the office; the annual report applies its
own disclosure rule to what leaves it.
"""

import datetime

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from teams.dashboard import Scope, Table, activity_filter, period_parts, this_and_year_earlier
from teams.models import Topic, TopicMonthSummary, TopicSummary

FRESH_SQL = """
    SELECT {key}, a.team_id, a.municipality_id, l.topic_id, a.status, COUNT(*)
    FROM teams_activity_topics l JOIN teams_activity a ON a.id = l.activity_id
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
"""
STORED_SQL = """
    SELECT {key}, team_id, municipality_id, topic_id, status, activities
    FROM {table} ORDER BY 1, 2, 3, 4, 5
"""
TABLES = {
    "teams_topicsummary": ("date", "a.date"),
    "teams_topicmonthsummary": ("month", "date_trunc('month', a.date)::date"),
}


def topic_drift() -> tuple[list, list] | None:
    """(stored, fresh) of the first topic summary that differs from the links; None when both
    hold."""
    with connection.cursor() as cursor:
        for table, (key, fresh_key) in TABLES.items():
            cursor.execute(STORED_SQL.format(key=key, table=table))
            stored = [tuple(row) for row in cursor.fetchall()]
            cursor.execute(FRESH_SQL.format(key=fresh_key))
            fresh = [tuple(row) for row in cursor.fetchall()]
            if stored != fresh:
                return stored, fresh
    return None


def topic_counts(user, scope: Scope, periods: dict, keys: tuple[str, ...] = ()) -> dict:
    """``{(period, *keys, topic id): held activities with the topic}`` for named periods
    ``{name: (start, end)}``, one query per period part (at most three): whole months from the
    month summary, the edge days from the day summary."""
    counts: dict = {}
    for name, (start, end) in periods.items():
        months, edges = period_parts(start, end)
        parts = [(TopicMonthSummary, "month", months)] if months else []
        parts += [(TopicSummary, "date", edge) for edge in edges]
        for model, column, span in parts:
            rows = (
                model.objects.filter(
                    activity_filter(scope, user), status="held", **{f"{column}__range": span}
                )
                .values(*keys, "topic_id")
                .annotate(n=Sum("activities"))
                .order_by()
            )
            for row in rows:
                key = (name, *[row[k] for k in keys], row["topic_id"])
                counts[key] = counts.get(key, 0) + row["n"]
    return counts


def change_cells(now: int, before: int) -> list:
    """The change against the year before, absolute and in per cent (a dash without a base)."""
    return [now - before, round(100 * (now - before) / before) if before else "–"]


def topic_table(user, scope: Scope, start: datetime.date, end: datetime.date) -> Table:
    """The topics of a scope's held activities in a period, most frequent first, with the same
    period a year earlier and the change. Topics taken up in neither period are left out."""
    counts = topic_counts(user, scope, this_and_year_earlier(start, end))
    names = dict(Topic.objects.values_list("pk", "name"))
    table = Table(
        "topics",
        _("Topics of the held activities"),
        [_("Topic"), _("this period"), _("a year earlier"), _("change"), _("change (%)")],
        chart="bar",
    )
    ids = {key[-1] for key in counts}
    rows = []
    for topic_id in ids:
        now, before = counts.get(("this", topic_id), 0), counts.get(("earlier", topic_id), 0)
        rows.append([names.get(topic_id, "?"), now, before, *change_cells(now, before)])
    table.rows = sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))
    return table


def topic_matrix(user, widest: Scope, entities: list, key: str, start, end) -> Table:
    """Topics by entity (team, municipality or Mittelbereich, per ``key``: "team_id",
    "municipality_id" or "team__middle_area"): one column per entity, this period only, then
    the total and the year before."""
    periods = this_and_year_earlier(start, end)
    counts = topic_counts(user, widest, periods, (key,))
    names = dict(Topic.objects.values_list("pk", "name"))
    wanted = {entity.pk for entity in entities}
    table = Table(
        "topics_by_entity",
        _("Topics of the held activities, by column"),
        [_("Topic"), *[e.label for e in entities], _("total"), _("a year earlier")],
    )
    ids = {k[-1] for k in counts if k[1] in wanted}
    for topic_id in ids:
        cells = [counts.get(("this", e.pk, topic_id), 0) for e in entities]
        before = sum(counts.get(("earlier", pk, topic_id), 0) for pk in wanted)
        table.rows.append([names.get(topic_id, "?"), *cells, sum(cells), before])
    table.rows.sort(key=lambda r: (-r[-2], r[0]))
    return table
