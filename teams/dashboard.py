"""The figures of the dashboard, read from the activity summaries and scoped like every list.

A ``Scope`` is the district, a Mittelbereich, a team or a municipality — only what the user may
read. Team figures count activities under the team stored on the activity (history stays right
after a reassignment); municipality figures use the activity's municipality.

Nothing here reads an activity row: a period's whole years come from the year summary
(``ActivityYearSummary``), its other whole months from the month summary
(``ActivityMonthSummary``), only the days of a partly covered month at either end of a custom
range from the day summary (``ActivitySummary``). So a year costs one row per team,
municipality, kind, venue kind and status (twelve for the figures by month), whatever the number
of activities behind them.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DateField, F, Q, Sum, Value
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kooperation.models import Cooperation, CooperationStatus, PartnerKind
from sozialraum import structure_cache
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.permissions import reads_whole_district, scope_of, teams_visible_to
from sozialraum.selectors import assignments_on
from sozialraum.text import german_sort_key
from teams.models import (
    Activity,
    ActivityMonthSummary,
    ActivitySummary,
    ActivityYearSummary,
    ConsultationHour,
    Project,
)
from teams.months import add_months, month_end, month_of, month_range
from teams.recurrence import closures_between, falls_away, series_dates

GROUPS = ("children", "young_people", "parents", "professionals", "others")
VENUE_BUCKETS = [
    ("school", gettext_lazy("School"), {PartnerKind.SCHOOL, PartnerKind.SCHOOL_SOCIAL_WORK}),
    (
        "youth_house",
        gettext_lazy("Youth house"),
        {PartnerKind.YOUTH_HOUSE, PartnerKind.MOBILE_YOUTH_WORK},
    ),
    ("town_hall", gettext_lazy("Town hall"), {PartnerKind.TOWN_HALL}),
]
OTHER_VENUE = ("other", gettext_lazy("Other venue"))


def venue_bucket(kind: str) -> str:
    for key, _label, kinds in VENUE_BUCKETS:
        if kind in kinds:
            return key
    return OTHER_VENUE[0]


@dataclass(frozen=True)
class Scope:
    """What the figures cover: ``kind`` is district, middle_area, team or municipality."""

    kind: str
    pk: int | None
    label: str

    @property
    def key(self) -> str:
        return self.kind if self.pk is None else f"{self.kind}-{self.pk}"


def scopes_for(user) -> list[Scope]:
    """Every scope the user may look at, widest first (kept in the structure cache: every
    dashboard and report view asks, and the answer changes with the structure only)."""
    key = ("dashboard-scopes", scope_of(user), timezone.localdate(), get_language())
    return list(structure_cache.remember(key, lambda: _scopes_for(user)))


def _scopes_for(user) -> list[Scope]:
    scopes = []
    if reads_whole_district(user):
        scopes.append(Scope("district", None, _("whole district")))
    teams = list(teams_visible_to(user).select_related("middle_area"))
    area_ids = {t.middle_area_id for t in teams}
    all_teams_of = {}
    for area_id, team_id in Team.objects.filter(middle_area__in=area_ids).values_list(
        "middle_area_id", "pk"
    ):
        all_teams_of.setdefault(area_id, set()).add(team_id)
    for area in MiddleArea.objects.filter(pk__in=area_ids):
        # A Mittelbereich only for those who read all its teams (heads, district roles).
        if all_teams_of[area.pk] <= {t.pk for t in teams}:
            scopes.append(
                Scope("middle_area", area.pk, _("Mittelbereich %(name)s") % {"name": area.name})
            )
    for team in sorted(teams, key=lambda t: german_sort_key(t.name)):
        scopes.append(Scope("team", team.pk, _("Team %(name)s") % {"name": team.name}))
    for municipality in municipalities_of_teams(
        [t.pk for t in teams], district=reads_whole_district(user)
    ):
        scopes.append(Scope("municipality", municipality.pk, municipality.name))
    return scopes


def municipalities_of_teams(team_ids, *, district: bool = False) -> list[Municipality]:
    queryset = Municipality.objects.all()
    if not district:
        queryset = queryset.filter(
            assignments__in=assignments_on().filter(team__in=team_ids)
        ).distinct()
    return sorted(queryset, key=lambda m: german_sort_key(m.name))


def activity_filter(scope: Scope, user, prefix: str = "") -> Q:
    """The condition on activities (or summary rows) for a scope, within the user's teams."""
    condition = {
        "district": Q(),
        "middle_area": Q(**{f"{prefix}team__middle_area": scope.pk}),
        "team": Q(**{f"{prefix}team": scope.pk}),
        "municipality": Q(**{f"{prefix}municipality": scope.pk}),
    }[scope.kind]
    if not reads_whole_district(user):
        condition &= Q(**{f"{prefix}team__in": teams_visible_to(user)})
    return condition


def scope_municipality_ids(scope: Scope, user, on: datetime.date) -> list[int]:
    """The municipalities a scope covers (for the gap list and cooperations), on a date."""
    if scope.kind == "municipality":
        return [scope.pk]
    reader = "district" if reads_whole_district(user) else scope_of(user)
    key = ("scope-municipalities", scope.kind, scope.pk, reader, on)
    return list(structure_cache.remember(key, lambda: _scope_municipality_ids(scope, user, on)))


def _scope_municipality_ids(scope: Scope, user, on: datetime.date) -> list[int]:
    current = assignments_on(on)
    if scope.kind == "team":
        current = current.filter(team=scope.pk)
    elif scope.kind == "middle_area":
        current = current.filter(team__middle_area=scope.pk)
    if not reads_whole_district(user):
        current = current.filter(team__in=teams_visible_to(user))
    return list(current.values_list("municipality_id", flat=True))


# --- Reading the summaries ----------------------------------------------------------------------


def period_parts(start: datetime.date, end: datetime.date):
    """The period split for the summaries: ``(first month, last month)`` of the whole months in
    it (or None) and the day ranges of the partly covered months at its edges (0 to 2)."""
    if start > end:
        return None, []
    first = start if start.day == 1 else add_months(month_of(start), 1)
    last = end if end == month_end(end) else month_of(end) - datetime.timedelta(days=1)
    if first > last:
        return None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - datetime.timedelta(days=1)))
    if last < end:
        edges.append((last + datetime.timedelta(days=1), end))
    return (first, month_of(last)), edges


def period_pieces(start: datetime.date, end: datetime.date):
    """``period_parts`` with the whole years taken out: ``(first year, last year)`` of the whole
    calendar years in the period (their first days, or None), the ranges of the remaining whole
    months (0 to 2) and the day ranges of the partly covered months at the edges (0 to 2)."""
    months, edges = period_parts(start, end)
    if not months:
        return None, [], edges
    first, last = months
    first_year = first.year if first.month == 1 else first.year + 1
    last_year = last.year if last.month == 12 else last.year - 1
    if first_year > last_year:
        return None, [months], edges
    years = (datetime.date(first_year, 1, 1), datetime.date(last_year, 1, 1))
    ranges = []
    if first < years[0]:
        ranges.append((first, datetime.date(first_year - 1, 12, 1)))
    if last.year > last_year:
        ranges.append((datetime.date(last.year, 1, 1), last))
    return years, ranges, edges


def summary_parts(condition: Q, start, end, *, by_month: bool = False, **filters) -> list:
    """The summary rows of a period as querysets, each one index range scan: the whole years
    from the year summary (unless ``by_month``), the whole months from the month summary, the
    days of a partly covered month at either end from the day summary. Each part has a
    ``month_of`` column: the first day of the month, NULL for year rows."""
    if by_month:
        months, edges = period_parts(start, end)
        years, month_ranges = None, [months] if months else []
    else:
        years, month_ranges, edges = period_pieces(start, end)
    parts = []
    if years:
        part = ActivityYearSummary.objects.filter(condition, year__range=years, **filters)
        parts.append(part.annotate(month_of=Value(None, output_field=DateField())))
    for months in month_ranges:
        part = ActivityMonthSummary.objects.filter(condition, month__range=months, **filters)
        parts.append(part.annotate(month_of=F("month")))
    for days in edges:
        part = ActivitySummary.objects.filter(condition, date__range=days, **filters)
        # A date, like the month summary's column (DATE_TRUNC gives a timestamp).
        parts.append(part.annotate(month_of=Cast(TruncMonth("date"), DateField())))
    return parts


def summed(user, scope: Scope, periods: dict, keys: list[str], sums: dict, **filters) -> list:
    """Sums from the summaries for each named period ``{name: (start, end)}``, grouped by
    ``keys`` (``"month"`` is the first day of the month): one query, a ``UNION ALL`` of one
    range condition per part (``summary_parts``), so every part is a plain index range scan.

    Returns dicts with ``period``, the keys and the sums, one per period and key (parts that
    meet in a month are added up here)."""
    condition = activity_filter(scope, user)
    by_month = "month" in keys
    columns = ["month_of" if key == "month" else key for key in keys]
    queries = [
        part.annotate(period=Value(name))
        .values("period", *columns)
        .annotate(**{alias: Sum(column) for alias, column in sums.items()})
        .order_by()
        for name, (start, end) in periods.items()
        for part in summary_parts(condition, start, end, by_month=by_month, **filters)
    ]
    if not queries:
        return []
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    merged = {}
    for row in rows:
        if by_month:
            row["month"] = row.pop("month_of")
        key = (row["period"], *[row[k] for k in keys])
        if key in merged:
            for alias in sums:
                merged[key][alias] += row[alias]
        else:
            merged[key] = dict(row)
    return list(merged.values())


# The figures the dashboard reads in one statement: the period's rows added up once for the
# by-kind, consultation and contact tables (kind, status, venue kind) and once for the gap list
# (municipality), read from the coarsest summaries (whole years from the year summary); and the
# held activities per month of the period and of the same months a year earlier, for the trend.
# The key columns are never NULL, so a NULL key marks the sets a row is not of.
FIGURE_SETS = (("kind", "status", "venue_kind"), ("municipality_id",))
TREND_SETS = (("month",),)
FIGURE_KEYS = ("kind", "status", "venue_kind", "month", "municipality_id")
FIGURE_SUMS = ("activities", "helps_initiated", *GROUPS)


def _figure_rows(condition: Q, start, end, *, by_month: bool, **filters):
    """The summary rows of a period, not yet added up (``summary_parts``): ``(sql, params)`` of
    a ``UNION ALL`` in the columns of ``_FIGURE_COLUMNS``, or None for no part."""
    parts = summary_parts(condition, start, end, by_month=by_month, **filters)
    if not parts:
        return None
    queries = [
        part.values_list(
            "month_of", "municipality_id", "kind", "venue_kind", "status", *FIGURE_SUMS
        ).order_by()
        for part in parts
    ]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return rows.query.get_compiler(rows.db).as_sql()


_FIGURE_COLUMNS = ("month", "municipality_id", "kind", "venue_kind", "status", *FIGURE_SUMS)


def _grouped(name: str, rows: tuple[str, list], sets: tuple[tuple[str, ...], ...]):
    """The rows of a period added up per grouping set, with the held activities beside:
    ``(sql, params)``; a key in none of the sets is NULL."""
    sql, params = rows
    grouped = {key for keys in sets for key in keys}
    selected = ", ".join(key if key in grouped else "NULL" for key in FIGURE_KEYS)
    sums = ", ".join(f"SUM({column})" for column in FIGURE_SUMS)
    grouping = ", ".join(f"({', '.join(keys)})" for keys in sets)
    held = "SUM(activities) FILTER (WHERE status = %s)"
    return (
        f"SELECT %s, {selected}, {sums}, {held} "  # noqa: S608 - names of ours
        f"FROM ({sql}) AS parts ({', '.join(_FIGURE_COLUMNS)}) "
        f"GROUP BY GROUPING SETS ({grouping})",
        [name, Activity.Status.HELD, *params],
    )


@dataclass
class Figures:
    """The summed figures of a dashboard: ``groups`` by kind, status and venue kind (dicts as
    ``summed`` gives them), held activities per ``(period, month)`` and per municipality."""

    groups: list[dict] = field(default_factory=list)
    held_by_month: dict = field(default_factory=dict)
    held_by_municipality: dict = field(default_factory=dict)


def figures(user, scope: Scope, start: datetime.date, end: datetime.date) -> Figures:
    """The activity figures of a scope and period in one statement over the summaries (see
    ``FIGURE_SETS``); it replaces three reads of the same month rows."""
    result = Figures()
    statement = figures_statement(user, scope, start, end)
    if statement is None:
        return result
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        rows = cursor.fetchall()
    names = ("n", "helps", *GROUPS)
    for period, kind, status, venue_kind, month, municipality_id, *sums, held in rows:
        if month is not None:
            result.held_by_month[period, month] = held or 0
        elif municipality_id is not None:
            result.held_by_municipality[municipality_id] = held or 0
        else:
            result.groups.append(
                {"kind": kind, "status": status, "venue_kind": venue_kind}
                | dict(zip(names, sums, strict=True))
            )
    return result


def figures_statement(user, scope: Scope, start, end) -> tuple[str, tuple] | None:
    """The SQL and parameters of ``figures`` (None for an empty period), kept (see ``kept``)."""
    key = ("figures", scope, scope_of(user), start, end)
    return kept(key, lambda: _figures_statement(user, scope, start, end))


def kept(key: tuple, build) -> tuple[str, tuple] | None:
    """A statement of the dashboard: ``build()`` gives its SQL and parameters (None when it can
    find nothing). Built through the ORM, a statement costs more than running it, and it is the
    same text for every view of a scope and period by readers of the same reach; so the text,
    never a result, is kept under ``key``, which holds everything the text depends on."""
    statement = _statements.get(key, False)
    if statement is False:
        statement = build()
        if len(_statements) >= 512:
            _statements.clear()
        _statements[key] = statement
    return statement


def kept_rows(key: tuple, queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset (built by ``queryset()``), its SQL kept under
    ``key``."""

    def build():
        try:
            sql, params = queryset().query.sql_with_params()
        except EmptyResultSet:
            return None
        return sql, tuple(params)

    statement = kept(key, build)
    if statement is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return cursor.fetchall()


_statements: dict[tuple, tuple[str, tuple] | None] = {}


def _figures_statement(user, scope: Scope, start, end) -> tuple[str, tuple] | None:
    condition = activity_filter(scope, user)
    held_only = {"status": Activity.Status.HELD}
    periods = [
        ("this", start, end, False, {}, FIGURE_SETS),
        ("this", start, end, True, held_only, TREND_SETS),
    ]
    if earlier := this_and_year_earlier(start, end).get("earlier"):
        periods.append(("earlier", *earlier, True, held_only, TREND_SETS))
    statements = [
        _grouped(name, rows, sets)
        for name, first, last, by_month, filters, sets in periods
        if (rows := _figure_rows(condition, first, last, by_month=by_month, **filters))
    ]
    if not statements:
        return None
    sql = " UNION ALL ".join(f"({statement})" for statement, _params in statements)
    params = tuple(param for _statement, part in statements for param in part)
    return sql, params


def year_earlier(day: datetime.date) -> datetime.date | None:
    """The same day a year before (28 February for 29 February); None before the year 2."""
    if day.year <= datetime.MINYEAR:
        return None
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


def this_and_year_earlier(start: datetime.date, end: datetime.date) -> dict:
    """``{"this": (start, end), "earlier": the same days a year before}``; without "earlier"
    when the year before runs off the calendar."""
    periods = {"this": (start, end)}
    earlier = year_earlier(start), year_earlier(end)
    if all(earlier):
        periods["earlier"] = earlier
    return periods


@dataclass
class Table:
    """A table of figures: shown on the page, drawn as a chart, exported as CSV and XLSX."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = ""  # "bar", "line" or "" for no chart

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.key}"

    def chart_data(self) -> dict:
        return {
            "type": self.chart,
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [
                {"label": str(header), "data": [row[i + 1] for row in self.rows]}
                for i, header in enumerate(self.headers[1:])
                if all(_is_figure(row[i + 1]) for row in self.rows)
            ],
        }


def _is_figure(value) -> bool:
    """A number, or None for a period that has not begun (a gap in the chart)."""
    return value is None or isinstance(value, int | float)


def dashboard(user, scope: Scope, start: datetime.date, end: datetime.date, today: datetime.date):
    """Every table of the dashboard for a scope and period.

    The activity figures (by kind, consultations, contacts, trend and gap list) come from one
    statement over the summaries (``figures``), whatever the number of activities.
    """
    summary = figures(user, scope, start, end)
    held = [row for row in summary.groups if row["status"] == Activity.Status.HELD]
    tables = [
        _by_kind(summary.groups),
        _consultations(user, scope, summary.groups, start, min(end, today)),
        _contacts(held),
        _trend_table(start, end, summary.held_by_month, today),
        _cooperations(user, scope, min(end, today)),
    ]
    meeting_kinds = {Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP}
    facts = {
        "meetings": sum(row["n"] for row in held if row["kind"] in meeting_kinds),
        "helps": sum(row["helps"] for row in held),
        "projects": _running_projects(user, scope, start, end),
        "gaps": _gap_list(user, scope, summary.held_by_municipality, min(end, today)),
        "held_by_municipality": summary.held_by_municipality,
    }
    return tables, facts


def _by_kind(groups) -> Table:
    counts = {}
    for row in groups:
        key = (row["kind"], row["status"])
        counts[key] = counts.get(key, 0) + row["n"]
    table = Table(
        "by_kind",
        _("Presence activities by kind"),
        [_("Kind"), _("held"), _("cancelled")],
        chart="bar",
    )
    for kind in Activity.Kind:
        table.rows.append(
            [kind.label, counts.get((kind, "held"), 0), counts.get((kind, "cancelled"), 0)]
        )
    return table


def _consultations(user, scope, groups, start, end) -> Table:
    """Consultation-hour dates expected (up to today) vs held vs cancelled, by venue kind."""
    logged = {}
    for row in groups:
        if row["kind"] == Activity.Kind.CONSULTATION:
            key = (venue_bucket(row["venue_kind"]), row["status"])
            logged[key] = logged.get(key, 0) + row["n"]
    # Only what the dates need, unordered (the default order joins teams and municipalities).
    series = kept_rows(
        ("series", scope, scope_of(user)),
        lambda: (
            ConsultationHour.objects.filter(activity_filter(scope, user))
            .order_by()
            .values_list("rrule", "valid_from", "valid_until", "venue__kind")
        ),
    )
    expected = expected_by_venue(series, start, end) if start <= end else {}
    table = Table(
        "consultations",
        _("Consultation hours: dates expected, held and cancelled"),
        [_("Venue"), _("expected"), _("held"), _("cancelled"), _("held (%)")],
        chart="bar",
    )
    for key, label in [(k, label) for k, label, _kinds in VENUE_BUCKETS] + [OTHER_VENUE]:
        wanted, done = expected.get(key, 0), logged.get((key, "held"), 0)
        rate = round(100 * done / wanted) if wanted else "–"
        table.rows.append([label, wanted, done, logged.get((key, "cancelled"), 0), rate])
    return table


def expected_by_venue(series: list[tuple], start, end) -> dict[str, int]:
    """The dates of the series — ``(rrule, valid_from, valid_until, venue kind)`` — that take
    place between start and end, by venue bucket.

    A pure function of the rules, the venues' kinds, the closures and the period: kept for the
    same inputs (every dashboard view of a period asks the same), so only the two reads are
    paid again."""
    closures = closures_between(start, end)
    key = (
        start,
        end,
        tuple(sorted(series, key=repr)),
        tuple((c.start, c.end, tuple(c.venue_kinds or ()), c.name) for c in closures),
    )
    counts = _expected_counts.get(key)
    if counts is None:
        counts = {}
        for rrule, valid_from, valid_until, venue_kind in series:
            bucket = venue_bucket(venue_kind)
            rule = SimpleNamespace(rrule=rrule, valid_from=valid_from, valid_until=valid_until)
            for day in series_dates(rule, start, end):
                if not falls_away(day, venue_kind, closures):
                    counts[bucket] = counts.get(bucket, 0) + 1
        if len(_expected_counts) >= 256:
            _expected_counts.clear()
        _expected_counts[key] = counts
    return dict(counts)


_expected_counts: dict[tuple, dict[str, int]] = {}


def _contacts(held) -> Table:
    labels = [_("children"), _("young people"), _("parents"), _("professionals"), _("others")]
    table = Table("contacts", _("Contacts by group"), [_("Group"), _("Contacts")], chart="bar")
    table.rows = [
        [label, sum(row[name] for row in held)] for name, label in zip(GROUPS, labels, strict=True)
    ]
    return table


def _trend_table(start, end, by_month: dict, today: datetime.date | None = None) -> Table:
    """A month that has not begun has no figure (None: a dash in the table, a gap in the chart),
    not a 0 that reads as a month without activities."""
    begun = month_of(today) if today else None
    table = Table(
        "trend",
        _("Held activities per month, against the year before"),
        [_("Month"), _("this period"), _("a year earlier")],
        chart="line",
    )
    for month in month_range(start, end):
        before = year_earlier(month)
        table.rows.append(
            [
                month.strftime("%m/%Y"),
                None if begun and month > begun else by_month.get(("this", month), 0),
                by_month.get(("earlier", before), 0),
            ]
        )
    return table


def _cooperations(user, scope, today) -> Table:
    municipality_ids = scope_municipality_ids(scope, user, today)
    rows = kept_rows(
        ("cooperations", tuple(municipality_ids)),
        lambda: (
            Cooperation.objects.filter(
                partner__municipality__in=municipality_ids, partner__is_active=True
            )
            .values_list("partner__kind", "status")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    counts = {(kind, status): n for kind, status, n in rows}
    statuses = list(CooperationStatus)
    table = Table(
        "cooperations",
        _("Cooperations by status and partner kind"),
        [_("Partner kind"), *[s.label for s in statuses]],
    )
    for kind in PartnerKind:
        table.rows.append([kind.label, *[counts.get((kind, s), 0) for s in statuses]])
    return table


def _running_projects(user, scope, start, end) -> int:
    return len(
        kept_rows(
            ("projects", scope, scope_of(user), start, end),
            lambda: _running_projects_of(user, scope, start, end).values_list("pk").distinct(),
        )
    )


def _running_projects_of(user, scope, start, end):
    condition = (
        activity_filter(scope, user) if scope.kind != "municipality" else Q(municipalities=scope.pk)
    )
    if scope.kind == "municipality" and not reads_whole_district(user):
        condition &= Q(team__in=teams_visible_to(user))
    return (
        Project.objects.filter(condition)
        .exclude(status__in=[Project.Status.PLANNED, Project.Status.CANCELLED])
        .filter(Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start))
        .order_by()
    )


def held_by_municipality(user, scope: Scope, start, end) -> dict[int, int]:
    """The held activities of the scope and period per municipality id (from the summaries)."""
    rows = summed(
        user,
        scope,
        {"this": (start, end)},
        ["municipality_id"],
        {"n": "activities"},
        status=Activity.Status.HELD,
    )
    return {row["municipality_id"]: row["n"] for row in rows}


def _gaps(user, scope, start, end, today) -> list[Municipality]:
    """The municipalities of the scope without any held activity in the period."""
    return _gap_list(user, scope, held_by_municipality(user, scope, start, end), today)


def _gap_list(user, scope, held: dict[int, int], today) -> list[Municipality]:
    """The municipalities of the scope whose held activities (``{municipality id: sum}``) do
    not add up to one. Presence is the sum being above zero, never the mere existence of a
    summary row."""
    covered = {pk for pk, n in held.items() if n > 0}
    ids = scope_municipality_ids(scope, user, today)
    # Municipalities are structure: kept in the structure cache, by id (no SQL to build).
    municipalities = structure_cache.remember(
        ("municipalities", tuple(ids)), lambda: list(Municipality.objects.filter(pk__in=ids))
    )
    return sorted(
        (m for m in municipalities if m.pk not in covered), key=lambda m: german_sort_key(m.name)
    )
