"""The annual report, in the shape of the office's "Bericht zum Stand der sozialräumlichen Arbeit
in den Städten und Gemeinden": structure, presence on site, cooperation, support of the
community and next steps, for one year and one scope.

The figures come from the dashboard (``teams.dashboard.dashboard``: activities by kind,
consultation dates, running projects) and its selectors (the same scopes, activity filter and
municipalities of a scope), so the report and the dashboard agree. All figures are aggregates;
the number of queries does not grow with activities or partners. Cooperation statuses and next
steps are read as they stand today; the structure as it was at the end of the year.

Every activity figure comes from the activity summaries (``teams.dashboard.summed``), never from
adding up activities. The one exception is the number of Gremien that met, which the summaries do
not know: it is counted per Gremium with an ``EXISTS`` probe on the activities' index on the
Gremium, so its cost grows with the number of Gremien, not with the number of activities.

Because the report leaves the office, ``published`` passes every count through ``shown``: a
count of 1 or 2 becomes "< 3" (0 stays 0). The views only ever render published reports.
"""

import dataclasses
import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils.translation import gettext as _

from kooperation.models import Body, Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum.models import Municipality
from sozialraum.selectors import structure_on
from sozialraum.text import german_sort_key
from teams.dashboard import (
    Scope,
    Table,
    activity_filter,
    dashboard,
    scope_municipality_ids,
    summed,
)
from teams.models import Activity, ActivityMonthSummary

SMALL_COUNT = "< 3"

# The partner kinds of "Unterstützung des Gemeinwesens".
COMMUNITY_KINDS = [
    PartnerKind.VOLUNTEERS,
    PartnerKind.COMMUNITY_PROJECT,
    PartnerKind.OUTPATIENT_HELP,
]
MEETING_KINDS = [Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP]


def shown(value):
    """A figure as it may leave the office: a count of 1 or 2 becomes "< 3"; 0, counts of 3
    or more and anything that is not a count (a label, a dash) stay as they are."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 3:
        return SMALL_COUNT
    return value


@dataclasses.dataclass
class StructureTeam:
    name: str
    municipalities: list[Municipality]

    @property
    def population(self) -> int:
        return sum(m.population or 0 for m in self.municipalities)


@dataclasses.dataclass
class StructureArea:
    name: str
    heads: list[str]
    teams: list[StructureTeam]

    @property
    def population(self) -> int:
        return sum(team.population for team in self.teams)


@dataclasses.dataclass
class Report:
    """Everything the report shows. ``as_of`` is the day the structure and the municipalities of
    the scope are taken from (the end of the year, today for the current year); ``today`` is
    the day cooperation statuses and next steps are read ("Stand")."""

    scope: Scope
    year: int
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    today: datetime.date
    structure: list[StructureArea]
    by_kind: Table
    consultations: Table
    meetings: Table
    partners: Table
    agreements: Table
    community: Table
    next_steps: Table
    facts: dict
    without_event: list[Municipality]


def report_years(today: datetime.date) -> list[int]:
    """The years a report can be asked for, newest first: from the first logged activity or
    written agreement up to this year."""
    firsts = [
        ActivityMonthSummary.objects.aggregate(first=Min("month"))["first"],
        Cooperation.objects.aggregate(first=Min("agreement_date"))["first"],
    ]
    earliest = min([day.year for day in firsts if day] + [today.year])
    return list(range(today.year, earliest - 1, -1))


def annual_report(user, scope: Scope, year: int, today: datetime.date) -> Report:
    """The report as it may leave the office (small counts hidden)."""
    return published(annual_figures(user, scope, year, today))


def annual_figures(user, scope: Scope, year: int, today: datetime.date) -> Report:
    """The report's figures as counted, before small counts are hidden."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    as_of = min(end, today)
    municipality_ids = scope_municipality_ids(scope, user, as_of)
    tables, dashboard_facts = dashboard(user, scope, start, end, today)
    by_key = {table.key: table for table in tables}
    by_kind = dataclasses.replace(by_key["by_kind"], chart="")
    held = {str(row[0]): row[1] for row in by_kind.rows}
    partner_counts = _partner_counts(municipality_ids)
    facts = {
        "projects": dashboard_facts["projects"],
        "project_work": held[str(Activity.Kind.PROJECT.label)],
        "events": held[str(Activity.Kind.EVENT.label)],
        "community_work": held[str(Activity.Kind.COMMUNITY.label)],
    }
    return Report(
        scope=scope,
        year=year,
        start=start,
        end=end,
        as_of=as_of,
        today=today,
        structure=_structure(scope, set(municipality_ids), as_of),
        by_kind=by_kind,
        consultations=_without_rate(by_key["consultations"]),
        meetings=_meetings(user, scope, start, end),
        partners=_partner_table(
            "partners", _("Partners and cooperation status by partner kind"), partner_counts
        ),
        agreements=_agreements(municipality_ids, start, end),
        community=_partner_table(
            "community",
            _("Volunteers, community projects and outpatient help projects"),
            partner_counts,
            kinds=COMMUNITY_KINDS,
        ),
        next_steps=_next_steps(municipality_ids, today),
        facts=facts,
        without_event=_without_event(user, scope, start, end, municipality_ids),
    )


def published(report: Report) -> Report:
    """The report with every count passed through ``shown``: the one place small counts are
    hidden, for the page and the PDF alike."""
    tables = {
        name: _published_table(getattr(report, name))
        for name in [
            "by_kind",
            "consultations",
            "meetings",
            "partners",
            "agreements",
            "community",
            "next_steps",
        ]
    }
    facts = {name: shown(value) for name, value in report.facts.items()}
    return dataclasses.replace(report, **tables, facts=facts)


def _published_table(table: Table) -> Table:
    rows = [[row[0], *[shown(cell) for cell in row[1:]]] for row in table.rows]
    return dataclasses.replace(table, rows=rows)


# --- Die Struktur ------------------------------------------------------------------------------


def _structure(scope: Scope, municipality_ids: set[int], as_of: datetime.date):
    """Mittelbereiche, teams and municipalities of the scope as responsible on ``as_of``."""
    areas = []
    for area in structure_on(on=as_of):
        teams = []
        for team in area.active_teams:
            municipalities = [
                a.municipality
                for a in team.current_assignments
                if a.municipality_id in municipality_ids
            ]
            in_scope = (
                scope.kind == "district"
                or (scope.kind == "middle_area" and area.pk == scope.pk)
                or (scope.kind == "team" and team.pk == scope.pk)
            )
            if in_scope or municipalities:
                teams.append(StructureTeam(team.name, municipalities))
        if teams:
            heads = sorted((str(head) for head in area.heads.all()), key=german_sort_key)
            areas.append(StructureArea(area.name, heads, teams))
    return areas


# --- Präsenz vor Ort ---------------------------------------------------------------------------


def _without_rate(table: Table) -> Table:
    """The dashboard's consultation table with only venue, expected, held and cancelled: its
    percentage of small counts would give away what "< 3" hides."""
    wanted = [_("Venue"), _("expected"), _("held"), _("cancelled")]
    headers = [str(header) for header in table.headers]
    columns = [headers.index(header) for header in wanted]  # fails loudly if the table changes
    return dataclasses.replace(
        table,
        headers=[table.headers[i] for i in columns],
        rows=[[row[i] for i in columns] for row in table.rows],
        chart="",
    )


def _meetings(user, scope, start, end) -> Table:
    """Held meetings of round tables, working groups and committees, and how many Gremien met.

    The meetings are summed from the summaries; the Gremien that met are counted per Gremium
    with an ``EXISTS`` on the activities (index on ``body_id``): one probe per Gremium instead
    of a scan of the year's activities."""
    meetings = {
        row["kind"]: row["n"]
        for row in summed(
            user,
            scope,
            {"year": (start, end)},
            ["kind"],
            {"n": "activities"},
            kind__in=MEETING_KINDS,
            status=Activity.Status.HELD,
        )
    }
    met = Activity.objects.filter(
        activity_filter(scope, user),
        body=OuterRef("pk"),
        date__range=(start, end),
        status=Activity.Status.HELD,
    )
    bodies = Body.objects.aggregate(
        **{kind.value: Count("pk", filter=Exists(met.filter(kind=kind))) for kind in MEETING_KINDS}
    )
    table = Table(
        "meetings",
        _("Round tables, working groups and committees"),
        [_("Kind"), _("meetings held"), _("Gremien that met")],
    )
    for kind in MEETING_KINDS:
        table.rows.append([kind.label, meetings.get(kind, 0), bodies[kind.value]])
    return table


# --- Intensivierung der Kooperation, Unterstützung des Gemeinwesens ----------------------------


def _partner_counts(municipality_ids) -> dict:
    """{(kind, status or None): active partners} in the municipalities of the scope."""
    rows = (
        Partner.objects.filter(municipality__in=municipality_ids, is_active=True)
        .values("kind", "cooperation__status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["kind"], row["cooperation__status"]): row["n"] for row in rows}


def _partner_table(key, title, counts, kinds=None) -> Table:
    statuses = list(CooperationStatus)
    table = Table(
        key,
        title,
        [_("Partner kind"), _("partners"), _("no cooperation"), *[s.label for s in statuses]],
    )
    for kind in kinds or PartnerKind:
        total = sum(n for (k, _status), n in counts.items() if k == kind)
        by_status = [counts.get((kind, status), 0) for status in statuses]
        table.rows.append([kind.label, total, counts.get((kind, None), 0), *by_status])
    return table


def _agreements(municipality_ids, start, end) -> Table:
    """Written agreements made in the year (by their date), by partner kind."""
    rows = (
        Cooperation.objects.filter(
            partner__municipality__in=municipality_ids, agreement_date__range=(start, end)
        )
        .values("partner__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["partner__kind"]: row["n"] for row in rows}
    table = Table(
        "agreements",
        _("Written agreements made in %(year)s by partner kind") % {"year": start.year},
        [_("Partner kind"), _("agreements")],
    )
    table.rows = [[kind.label, counts.get(kind, 0)] for kind in PartnerKind]
    return table


# --- Weitere Schritte --------------------------------------------------------------------------


def _next_steps(municipality_ids, today) -> Table:
    """Open next steps of the cooperations in the scope, and how many are overdue today."""
    rows = (
        Cooperation.objects.filter(
            partner__municipality__in=municipality_ids, partner__is_active=True
        )
        .exclude(next_step="")
        .values("partner__kind")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(next_step_due__lt=today)))
        .order_by()
    )
    counts = {row["partner__kind"]: (row["open"], row["overdue"]) for row in rows}
    table = Table(
        "next_steps",
        _("Open next steps by partner kind"),
        [_("Partner kind"), _("open next steps"), _("overdue")],
    )
    table.rows = [[kind.label, *counts.get(kind, (0, 0))] for kind in PartnerKind]
    return table


def _without_event(user, scope, start, end, municipality_ids) -> list[Municipality]:
    """The municipalities of the scope without a held kick-off or network event in the year
    (by the sum of such events, from the summaries)."""
    rows = summed(
        user,
        scope,
        {"year": (start, end)},
        ["municipality_id"],
        {"n": "activities"},
        kind=Activity.Kind.EVENT,
        status=Activity.Status.HELD,
    )
    covered = {row["municipality_id"] for row in rows if row["n"] > 0}
    return sorted(
        Municipality.objects.filter(pk__in=municipality_ids).exclude(pk__in=covered),
        key=lambda m: german_sort_key(m.name),
    )
