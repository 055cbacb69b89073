"""The figures of the dashboard, read from the activity summaries and scoped like every list.

A ``Scope`` is the district, a Mittelbereich, a team or a municipality — only what the user may
read. Team figures count activities under the team stored on the activity (history stays right
after a reassignment); municipality figures use the activity's municipality.

Nothing here reads an activity row: a period's whole months come from the month summary
(``ActivityMonthSummary``), only the days of a partly covered month at either end of a custom
range from the day summary (``ActivitySummary``). So a year costs twelve rows per team,
municipality, kind, venue kind and status, whatever the number of activities behind them.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, DateField, Q, Sum, Value
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


def summed(user, scope: Scope, periods: dict, keys: list[str], sums: dict, **filters) -> list:
    """Sums from the summaries for each named period ``{name: (start, end)}``, grouped by
    ``keys`` (``"month"`` is the first day of the month): one query, a ``UNION ALL`` of one
    range condition per part, so every part is a plain index range scan.

    Returns dicts with ``period``, the keys and the sums, one per period and key (parts that
    meet in a month are added up here)."""
    condition = activity_filter(scope, user)
    parts = []
    for name, (start, end) in periods.items():
        months, edges = period_parts(start, end)
        if months:
            parts.append(
                (name, ActivityMonthSummary.objects.filter(condition, month__range=months))
            )
        for edge in edges:
            days = ActivitySummary.objects.filter(condition, date__range=edge)
            if "month" in keys:
                # A date, like the month summary's column (DATE_TRUNC gives a timestamp).
                days = days.annotate(month=Cast(TruncMonth("date"), DateField()))
            parts.append((name, days))
    if not parts:
        return []
    queries = [
        queryset.filter(**filters)
        .annotate(period=Value(name))
        .values("period", *keys)
        .annotate(**{alias: Sum(column) for alias, column in sums.items()})
        .order_by()
        for name, queryset in parts
    ]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    merged = {}
    for row in rows:
        key = (row["period"], *[row[k] for k in keys])
        if key in merged:
            for alias in sums:
                merged[key][alias] += row[alias]
        else:
            merged[key] = dict(row)
    return list(merged.values())


def year_earlier(day: datetime.date) -> datetime.date | None:
    """The same day a year before (28 February for 29 February); None before the year 2."""
    if day.year <= datetime.MINYEAR:
        return None
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


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
                if all(isinstance(row[i + 1], int | float) for row in self.rows)
            ],
        }


def dashboard(user, scope: Scope, start: datetime.date, end: datetime.date, today: datetime.date):
    """Every table of the dashboard for a scope and period.

    The activity figures come from one pass over the summaries (grouped by kind, status and venue
    kind), the trend from a second and the gap list from a third, whatever the number of
    activities.
    """
    period = {"this": (start, end)}
    groups = summed(
        user,
        scope,
        period,
        ["kind", "status", "venue_kind"],
        {"n": "activities", "helps": "helps_initiated", **{g: g for g in GROUPS}},
    )
    held = [row for row in groups if row["status"] == Activity.Status.HELD]
    tables = [
        _by_kind(groups),
        _consultations(user, scope, groups, start, min(end, today)),
        _contacts(held),
        _trend(user, scope, start, end),
        _cooperations(user, scope, min(end, today)),
    ]
    meeting_kinds = {Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP}
    facts = {
        "meetings": sum(row["n"] for row in held if row["kind"] in meeting_kinds),
        "helps": sum(row["helps"] for row in held),
        "projects": _running_projects(user, scope, start, end),
        "gaps": _gaps(user, scope, start, end, min(end, today)),
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
    series = (
        ConsultationHour.objects.filter(activity_filter(scope, user))
        .order_by()
        .values_list("rrule", "valid_from", "valid_until", "venue__kind")
    )
    expected = expected_by_venue(list(series), start, end) if start <= end else {}
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


def _trend(user, scope, start, end) -> Table:
    """Held activities per month, against the same months a year earlier.

    The two periods are read as separate range conditions (no ``OR`` of two ranges, which keeps
    PostgreSQL from using the indexes); they may overlap in a custom range over a year."""
    periods = {"this": (start, end)}
    earlier_start, earlier_end = year_earlier(start), year_earlier(end)
    if earlier_start and earlier_end:
        periods["earlier"] = (earlier_start, earlier_end)
    rows = summed(user, scope, periods, ["month"], {"n": "activities"}, status=Activity.Status.HELD)
    by_month = {(row["period"], row["month"]): row["n"] for row in rows}
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
                by_month.get(("this", month), 0),
                by_month.get(("earlier", before), 0),
            ]
        )
    return table


def _cooperations(user, scope, today) -> Table:
    municipality_ids = scope_municipality_ids(scope, user, today)
    rows = (
        Cooperation.objects.filter(
            partner__municipality__in=municipality_ids, partner__is_active=True
        )
        .values("partner__kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(row["partner__kind"], row["status"]): row["n"] for row in rows}
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
    condition = (
        activity_filter(scope, user) if scope.kind != "municipality" else Q(municipalities=scope.pk)
    )
    if scope.kind == "municipality" and not reads_whole_district(user):
        condition &= Q(team__in=teams_visible_to(user))
    return (
        Project.objects.filter(condition)
        .exclude(status__in=[Project.Status.PLANNED, Project.Status.CANCELLED])
        .filter(Q(start__isnull=True) | Q(start__lte=end), Q(end__isnull=True) | Q(end__gte=start))
        .distinct()
        .count()
    )


def _gaps(user, scope, start, end, today) -> list[Municipality]:
    """The municipalities of the scope without any held activity in the period.

    Presence is the sum of held activities per municipality being above zero, never the mere
    existence of a summary row."""
    rows = summed(
        user,
        scope,
        {"this": (start, end)},
        ["municipality_id"],
        {"n": "activities"},
        status=Activity.Status.HELD,
    )
    covered = {row["municipality_id"] for row in rows if row["n"] > 0}
    ids = scope_municipality_ids(scope, user, today)
    # Municipalities are structure: read from the structure cache, filtered here.
    municipalities = structure_cache.rows_of(Municipality.objects.filter(pk__in=ids), lambda m: m)
    return sorted(
        (m for m in municipalities if m.pk not in covered), key=lambda m: german_sort_key(m.name)
    )
