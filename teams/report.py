"""The annual report, in the shape of the office's "Bericht zum Stand der sozialräumlichen Arbeit
in den Städten und Gemeinden": structure, presence on site, cooperation, support of the
community, the towns and municipalities, the network work and next steps, for one year and one
scope, each beside the previous year.

The figures come from the dashboard (``teams.dashboard.dashboard``: activities by kind,
consultation dates, running projects) and its selectors (the same scopes, activity filter and
municipalities of a scope), so the report and the dashboard agree. All figures are aggregates;
the number of queries does not grow with activities, partners or municipalities. Cooperation
statuses and next steps are read as they stand today; the structure as it was at the end of the
year.

Every activity figure comes from the activity summaries (``teams.dashboard.summed``), never from
adding up activities. The exceptions are the Gremien that met and the meetings of networks,
which the summaries do not know: they are counted per Gremium from the activities' index on the
Gremium, so their cost grows with the number of Gremien, not with the number of activities.

Because the report leaves the office, ``published`` applies the disclosure control of
``teams.disclosure`` to the counts of persons (contacts, initiated Einzelfallhilfen); counts of
activities, meetings and institutions stay as they are. The views only ever render published
reports.
"""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kooperation.models import Body, BodyKind, Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum import districtmap
from sozialraum.models import MiddleArea, Municipality
from sozialraum.selectors import structure_on
from sozialraum.text import german_sort_key
from teams import dashboard_map, disclosure
from teams.charts import comparison_bars
from teams.dashboard import (
    GROUPS,
    Scope,
    Table,
    activity_filter,
    dashboard,
    scope_municipality_ids,
    summed,
)
from teams.models import Activity, ActivityMonthSummary, ReportText
from teams.targets import target_rows
from teams.topics import topic_table

SMALL_COUNT = disclosure.PRIMARY
HIDDEN = disclosure.SECONDARY

# The partner kinds of "Unterstützung des Gemeinwesens" and of the network work.
COMMUNITY_KINDS = [
    PartnerKind.VOLUNTEERS,
    PartnerKind.COMMUNITY_PROJECT,
    PartnerKind.OUTPATIENT_HELP,
]
NETWORK_KINDS = [PartnerKind.EARLY_HELP, PartnerKind.PARENT_EDUCATION]
MEETING_KINDS = [Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP]
PERSON_COLUMNS = [*GROUPS, "contacts", "helps"]


def shown(value):
    """A count of persons as it may leave the office before secondary suppression: 1 or 2
    becomes "< 3"; 0, counts of 3 or more and anything that is not a count stay as they are."""
    return SMALL_COUNT if disclosure.is_small(value) else value


def group_labels() -> dict[str, str]:
    return {
        "children": _("children"),
        "young_people": _("young people"),
        "parents": _("parents"),
        "professionals": _("professionals"),
        "others": _("others"),
        "contacts": _("contacts"),
        "helps": _("Einzelfallhilfen initiated"),
    }


@dataclasses.dataclass
class ReportTable:
    """A table of the report as the page, the PDF and the DOCX show it. ``row_kinds`` marks
    subtotal and total rows; ``collapsed`` names the rows left out because every figure in them
    is 0 ("zero rows collapse")."""

    key: str
    title: str
    headers: list
    rows: list[list] = dataclasses.field(default_factory=list)
    row_kinds: list[str] = dataclasses.field(default_factory=list)
    collapsed: list[str] = dataclasses.field(default_factory=list)
    text_columns: tuple = ()  # columns of words, not figures (beside the first)

    @property
    def lines(self):
        kinds = self.row_kinds or [""] * len(self.rows)
        return list(zip(self.rows, kinds, strict=True))


def collapsed(table: ReportTable) -> ReportTable:
    """The table without its rows of zeros (their labels listed instead); subtotal and total
    rows always stay."""
    rows, kinds, gone = [], [], []
    for row, kind in table.lines:
        if not kind and all(cell == 0 for cell in row[1:]):
            gone.append(str(row[0]))
        else:
            rows.append(row)
            kinds.append(kind)
    return dataclasses.replace(table, rows=rows, row_kinds=kinds, collapsed=gone)


def from_table(table: Table) -> ReportTable:
    return ReportTable(table.key, table.title, list(table.headers), [list(r) for r in table.rows])


def compared(table: Table, previous: Table, columns: list[int], year: int) -> ReportTable:
    """``table`` with, beside each column in ``columns``, the previous year's figure and the
    change (rows are matched by position: both years list the same kinds)."""
    headers = [table.headers[0]]
    for index, header in enumerate(table.headers[1:], start=1):
        if index in columns:
            headers += [f"{header} {year}", f"{header} {year - 1}", _("change")]
        else:
            headers.append(header)
    rows = []
    for row, before in zip(table.rows, previous.rows, strict=True):
        cells = [row[0]]
        for index, cell in enumerate(row[1:], start=1):
            cells += [cell, before[index], cell - before[index]] if index in columns else [cell]
        rows.append(cells)
    return collapsed(ReportTable(table.key, table.title, headers, rows))


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
class Place:
    """One town or municipality in one Mittelbereich (a municipality handed to another
    Mittelbereich during the year appears once in each), with its figures per period
    ("this", "previous"): activities {(kind, status): n} and persons {column: n}."""

    area: str
    municipality: Municipality
    activities: dict
    persons: dict

    @property
    def key(self):
        return ("m", self.area, self.municipality.pk)

    def held(self, period, kind=None) -> int:
        return sum(
            n
            for (k, status), n in self.activities[period].items()
            if status == Activity.Status.HELD and (kind is None or k == kind)
        )


@dataclasses.dataclass
class Profile:
    """The one-page profile of a town or municipality."""

    municipality: Municipality
    area: str
    teams: list[str]
    activities: ReportTable
    persons: ReportTable
    persons_compared: ReportTable
    partners: ReportTable


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
    by_kind: ReportTable
    consultations: ReportTable
    meetings: ReportTable
    partners: ReportTable
    agreements: ReportTable
    community: ReportTable
    next_steps: ReportTable
    facts: dict
    without_event: list[Municipality]
    places: list[Place] = dataclasses.field(default_factory=list)
    places_activities: ReportTable | None = None
    persons: ReportTable | None = None
    persons_compared: ReportTable | None = None
    profiles: list[Profile] = dataclasses.field(default_factory=list)
    networks: ReportTable | None = None
    network_partners: ReportTable | None = None
    chart: str = ""
    texts: dict = dataclasses.field(default_factory=dict)
    district_name: str = ""
    office_name: str = ""
    generated_at: datetime.datetime | None = None
    without_event_previous: int = 0
    partner_places: dict = dataclasses.field(default_factory=dict)
    # Parts other work supplies (targets, topics, the district map): None until it is there.
    targets: object = None
    topics: object = None
    district_map: object = None

    @property
    def previous_year(self) -> int:
        return self.year - 1


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
    """The report as it may leave the office (persons' small counts hidden)."""
    return published(annual_figures(user, scope, year, today))


def annual_figures(user, scope: Scope, year: int, today: datetime.date) -> Report:
    """The report's figures as counted, before small counts of persons are hidden."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    before = (datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31))
    as_of = min(end, today)
    municipality_ids = scope_municipality_ids(scope, user, as_of)
    tables, dashboard_facts = dashboard(user, scope, start, end, today)
    old_tables, old_facts = dashboard(user, scope, *before, today)
    by_key = {table.key: table for table in tables}
    old_by_key = {table.key: table for table in old_tables}
    held = _held_by_kind(by_key["by_kind"])
    held_before = _held_by_kind(old_by_key["by_kind"])
    partner_rows = _partner_rows(municipality_ids)
    partner_counts = _partner_counts(partner_rows)
    structure = _structure(scope, set(municipality_ids), as_of)
    facts = {
        "projects": (dashboard_facts["projects"], old_facts["projects"]),
        "project_work": _pair(held, held_before, Activity.Kind.PROJECT),
        "events": _pair(held, held_before, Activity.Kind.EVENT),
        "community_work": _pair(held, held_before, Activity.Kind.COMMUNITY),
    }
    without_event = _without_event(user, scope, start, end, municipality_ids)
    places = _places(user, scope, (start, end), before, structure, municipality_ids)
    report = Report(
        scope=scope,
        year=year,
        start=start,
        end=end,
        as_of=as_of,
        today=today,
        structure=structure,
        by_kind=compared(by_key["by_kind"], old_by_key["by_kind"], [1, 2], year),
        consultations=compared(
            _without_rate(by_key["consultations"]),
            _without_rate(old_by_key["consultations"]),
            [2],
            year,
        ),
        meetings=compared(
            _meetings(user, scope, start, end), _meetings(user, scope, *before), [1, 2], year
        ),
        partners=collapsed(
            from_table(
                _partner_table(
                    "partners", _("Partners and cooperation status by partner kind"), partner_counts
                )
            )
        ),
        agreements=compared(
            _agreements(municipality_ids, start, end),
            _agreements(municipality_ids, *before),
            [1],
            year,
        ),
        community=collapsed(
            from_table(
                _partner_table(
                    "community",
                    _("Volunteers, community projects and outpatient help projects"),
                    partner_counts,
                    kinds=COMMUNITY_KINDS,
                )
            )
        ),
        next_steps=collapsed(from_table(_next_steps(municipality_ids, today))),
        facts=facts,
        without_event=without_event,
        without_event_previous=len(_without_event(user, scope, *before, municipality_ids)),
        places=places,
        places_activities=_places_activities(places, year),
        networks=_networks(user, scope, start, end, year),
        network_partners=collapsed(
            from_table(
                _partner_table(
                    "network_partners",
                    _("Partners of the Frühe Hilfen and Elternbildung networks"),
                    partner_counts,
                    kinds=NETWORK_KINDS,
                )
            )
        ),
        partner_places=_partner_places(partner_rows),
        chart=_chart(by_key["by_kind"], old_by_key["by_kind"], year),
        texts=report_texts(scope, year),
        district_name=settings.SOZIALRAUM_DISTRICT_NAME,
        office_name=settings.SOZIALRAUM_OFFICE_NAME,
        generated_at=timezone.localtime(),
    )
    report.targets, report.topics, report.district_map = _supplied_parts(user, report)
    return report  # the tables of persons and the profiles come with publishing


def published(report: Report) -> Report:
    """The report as it leaves the office: the disclosure control over the counts of persons
    (``teams.disclosure``), for the page, the PDF and the DOCX alike. Counts of activities,
    meetings and institutions are shown as they are."""
    values, sums = person_grid(report.places)
    result = _with_persons(report, values, disclosure.suppressed(values, sums))
    return dataclasses.replace(result, topics=_published_topics(report.topics))


def _published_topics(topics):
    """The topics table (teams.topics: topic, this year, a year earlier, change, change in %)
    with counts of 1 or 2 hidden, and the change beside a hidden count: a topic taken up once
    may point to one family. The table has no totals, so nothing else can give them away."""
    if topics is None:
        return topics
    rows = []
    for name, now, before, *changes in topics.rows:
        now, before = shown(now), shown(before)
        hidden = isinstance(now, str) or isinstance(before, str)
        rows.append([name, now, before, *([HIDDEN] * len(changes) if hidden else changes)])
    return dataclasses.replace(topics, rows=rows)


def _pair(held, held_before, kind):
    return (held.get(str(kind.label), 0), held_before.get(str(kind.label), 0))


def _held_by_kind(table: Table) -> dict:
    return {str(row[0]): row[1] for row in table.rows}


def _chart(table: Table, previous: Table, year: int) -> str:
    rows = [
        (str(row[0]), row[1], before[1])
        for row, before in zip(table.rows, previous.rows, strict=True)
    ]
    return comparison_bars(
        "by-kind",
        _("Activities held by kind, %(year)s and %(previous)s")
        % {"year": year, "previous": year - 1},
        rows,
        str(year),
        str(year - 1),
    )


def report_texts(scope: Scope, year: int) -> dict:
    """{section: ReportText} of the report's year and scope."""
    return {
        text.section: text for text in ReportText.objects.filter(year=year, scope_key=scope.key)
    }


def _supplied_parts(user, report: Report):
    """Targets (teams.targets), topics (teams.topics) and the map (sozialraum.districtmap)."""
    return (
        target_rows(user, report.scope, report.year, report.today),
        topic_table(user, report.scope, report.start, report.end),
        _district_map(districtmap, report),
    )


@dataclasses.dataclass
class ReportMap:
    svg: str
    table: ReportTable


def _district_map(districtmap, report: Report) -> ReportMap:
    """Activities held per 1,000 inhabitants in each town and municipality of the scope, as
    the district map (``sozialraum.districtmap``) and as a table with the same figures."""
    held, population, names = {}, {}, {}
    for place in report.places:
        pk = place.municipality.pk
        held[pk] = held.get(pk, 0) + place.held("this")
        population[pk] = place.municipality.population
        names[pk] = place.municipality.name
    rates = {pk: dashboard_map.per_thousand(held[pk], population[pk]) for pk in held}
    bands = districtmap.bands_for(list(rates.values()))
    entries = [
        districtmap.MapEntry(
            pk,
            names[pk],
            rate,
            "–" if rate is None else dashboard_map.figure_text(rate),
            None,
            bands.of(rate),
        )
        for pk, rate in rates.items()
    ]
    title = _("Activities held per 1,000 inhabitants in %(year)s") % {"year": report.year}
    figure = districtmap.district_map(
        entries,
        title=title,
        description=_(
            "Map of the district: each town and municipality of the scope shaded by the "
            "activities held per 1,000 inhabitants; the table beside it holds the same figures."
        ),
        legend=bands.legend(),
        id_prefix="report-map",
        value_header=_("per 1,000 inhabitants"),
        band_count=bands.count,
    )
    table = ReportTable(
        "map_figures",
        title,
        [_("Town or municipality"), _("per 1,000 inhabitants"), _("class")],
        [[row.entry.name, row.entry.label, row.band_text] for row in figure.rows],
    )
    return ReportMap(figure.svg, table)


# --- Städte und Gemeinden: activities and persons by Mittelbereich and municipality -----------


def _places(user, scope, this, before, structure, municipality_ids) -> list[Place]:
    """Every town and municipality of the scope (in its Mittelbereich at the end of the year)
    and every other one the scope's activities took place in, with their figures — one query
    over the month summaries for both years."""
    rows = summed(
        user,
        scope,
        {"this": this, "previous": before},
        ["team__middle_area_id", "municipality_id", "kind", "status"],
        {"n": "activities", "helps": "helps_initiated", **{g: g for g in GROUPS}},
    )
    area_names = dict(
        MiddleArea.objects.filter(pk__in={r["team__middle_area_id"] for r in rows}).values_list(
            "pk", "name"
        )
    )
    home = {
        municipality.pk: area.name
        for area in structure
        for team in area.teams
        for municipality in team.municipalities
    }
    ids = set(municipality_ids) | {r["municipality_id"] for r in rows}
    municipalities = Municipality.objects.in_bulk(ids)
    places = {}

    def place(area, municipality_id):
        key = (area, municipality_id)
        if key not in places:
            places[key] = Place(
                area,
                municipalities[municipality_id],
                {"this": {}, "previous": {}},
                {
                    "this": dict.fromkeys(PERSON_COLUMNS, 0),
                    "previous": dict.fromkeys(PERSON_COLUMNS, 0),
                },
            )
        return places[key]

    for municipality_id in municipality_ids:
        if municipality_id in home:
            place(home[municipality_id], municipality_id)
    for row in rows:
        found = place(area_names.get(row["team__middle_area_id"], "–"), row["municipality_id"])
        key = (row["kind"], row["status"])
        counts = found.activities[row["period"]]
        counts[key] = counts.get(key, 0) + row["n"]
        if row["status"] == Activity.Status.HELD:
            persons = found.persons[row["period"]]
            for group in GROUPS:
                persons[group] += row[group]
                persons["contacts"] += row[group]
            persons["helps"] += row["helps"]
    return sorted(
        places.values(),
        key=lambda p: (german_sort_key(p.area), german_sort_key(p.municipality.name)),
    )


def _areas(places: list[Place]) -> dict[str, list[Place]]:
    areas = {}
    for place in places:
        areas.setdefault(place.area, []).append(place)
    return areas


def _places_activities(places: list[Place], year: int) -> ReportTable:
    """Activities held per town and municipality, both years, and the consultation hours held
    (counts of dates: shown as they are)."""
    table = ReportTable(
        "places_activities",
        _("Activities held by town and municipality"),
        text_columns=(1,),
        headers=[
            _("Town or municipality"),
            _("Mittelbereich"),
            f"{_('held')} {year}",
            f"{_('held')} {year - 1}",
            _("change"),
            _("of which consultation hours %(year)s") % {"year": year},
        ],
    )
    for place in places:
        this, before = place.held("this"), place.held("previous")
        table.rows.append(
            [
                place.municipality.name,
                place.area,
                this,
                before,
                this - before,
                place.held("this", Activity.Kind.CONSULTATION),
            ]
        )
        table.row_kinds.append("")
    return table


def person_grid(places: list[Place]):
    """The counts of persons the report publishes, as cells and the sums between them.

    Cells are ``(period, row, column)``: rows are the places, the Mittelbereiche (when there
    are several) and the total; this year has every group, "contacts" (their sum) and "helps",
    the previous year only "contacts" and "helps" (its groups are not published)."""
    values, sums = {}, []
    areas = _areas(places)
    several = len(areas) > 1
    for period, columns in [("this", PERSON_COLUMNS), ("previous", ["contacts", "helps"])]:
        grouped = [("t",), *[("a", area) for area in areas]] if several else [("t",)]
        for place in places:
            for column in columns:
                values[(period, place.key, column)] = place.persons[period][column]
        for row in grouped:
            members = places if row == ("t",) else areas[row[1]]
            for column in columns:
                values[(period, row, column)] = sum(p.persons[period][column] for p in members)
        every_row = [place.key for place in places] + grouped
        for column in columns:
            for area, members in areas.items():
                if several:
                    parts = [(period, p.key, column) for p in members]
                    sums.append(((period, ("a", area), column), parts))
            parts = [(period, p.key, column) for p in places]
            sums.append(((period, ("t",), column), parts))
            if several:
                parts = [(period, ("a", area), column) for area in areas]
                sums.append(((period, ("t",), column), parts))
        if period == "this":
            for row in every_row:
                sums.append(((period, row, "contacts"), [(period, row, g) for g in GROUPS]))
    return values, sums


def _with_persons(report: Report, values: dict, marks: dict) -> Report:
    """The report with its tables of persons: the cells of ``person_grid``, each hidden as
    ``marks`` says."""
    areas = _areas(report.places)
    several = len(areas) > 1
    labels = group_labels()
    year = report.year

    def cell(period, row, column):
        key = (period, row, column)
        return disclosure.published(values[key], marks.get(key))

    persons = ReportTable(
        "persons",
        _("Contacts by group and Einzelfallhilfen initiated in %(year)s") % {"year": year},
        [_("Town or municipality"), *[labels[c] for c in PERSON_COLUMNS]],
    )
    persons_compared = ReportTable(
        "persons_compared",
        _("Contacts and Einzelfallhilfen initiated, %(year)s and %(previous)s")
        % {"year": year, "previous": year - 1},
        [
            _("Town or municipality"),
            f"{labels['contacts']} {year}",
            f"{labels['contacts']} {year - 1}",
            _("change"),
            f"{labels['helps']} {year}",
            f"{labels['helps']} {year - 1}",
            _("change"),
        ],
    )

    def add(label, row, kind):
        persons.rows.append([label, *[cell("this", row, c) for c in PERSON_COLUMNS]])
        persons.row_kinds.append(kind)
        compared_row = [label]
        for column in ["contacts", "helps"]:
            now = cell("this", row, column)
            before = cell("previous", row, column)
            compared_row += [now, before, disclosure.change(now, before)]
        persons_compared.rows.append(compared_row)
        persons_compared.row_kinds.append(kind)

    for area, members in areas.items():
        for place in members:
            add(place.municipality.name, place.key, "")
        if several:
            add(_("Mittelbereich %(name)s") % {"name": area}, ("a", area), "subtotal")
    add(_("Total"), ("t",), "total")
    persons, persons_compared = collapsed(persons), collapsed(persons_compared)
    profiles = [_profile(report, place, persons, persons_compared) for place in report.places]
    return dataclasses.replace(
        report, persons=persons, persons_compared=persons_compared, profiles=profiles
    )


def _profile(report: Report, place: Place, persons, persons_compared) -> Profile:
    """A place's page: its activities by kind, its row of the persons' tables (hidden as
    there, so the profile and the report can be read side by side) and its partners."""
    year = report.year
    activities = ReportTable(
        "profile_activities",
        _("Activities held by kind"),
        [_("Kind"), str(year), str(year - 1), _("change")],
    )
    for kind in Activity.Kind:
        this, before = place.held("this", kind), place.held("previous", kind)
        activities.rows.append([kind.label, this, before, this - before])
    name = place.municipality.name
    prefix = f"profile-{place.municipality.pk}"
    activities.key = f"{prefix}-activities"
    own = [
        ReportTable(
            f"{prefix}-{table.key}",
            table.title,
            table.headers,
            rows := [row for row in table.rows if row[0] == name],
            [""] * len(rows),
        )
        for table in (persons, persons_compared)
    ]
    partners = ReportTable(
        f"{prefix}-partners",
        _("Active partners and cooperations by partner kind"),
        [_("Partner kind"), _("partners"), _("with a cooperation")],
    )
    counts = report.partner_places.get(place.municipality.pk, {})
    for kind in PartnerKind:
        partners.rows.append([kind.label, *counts.get(kind, (0, 0))])
    partners = collapsed(partners)
    teams = [
        team.name
        for area in report.structure
        for team in area.teams
        if place.municipality in team.municipalities
    ]
    return Profile(place.municipality, place.area, teams, collapsed(activities), *own, partners)


def _partner_places(rows: list[dict]) -> dict:
    """{municipality id: {kind: (active partners, with a cooperation)}} for the profiles, from
    ``_partner_rows``."""
    result: dict = {}
    for row in rows:
        kinds = result.setdefault(row["municipality_id"], {})
        partners, cooperating = kinds.get(row["kind"], (0, 0))
        with_one = row["n"] if row["cooperation__status"] is not None else 0
        kinds[row["kind"]] = (partners + row["n"], cooperating + with_one)
    return result


# --- Netzwerkarbeit ------------------------------------------------------------------------


def _networks(user, scope, start, end, year) -> ReportTable:
    """Meetings held by the scope's teams in the networks (Gremien of the kind "network", e.g.
    Frühe Hilfen, Elternbildung), this year and the previous one: counted per network on the
    activities' index on the Gremium (one query over the Gremien, whatever the activities)."""
    before = datetime.date(year - 1, 1, 1)

    def meetings(first, last):
        held = (
            Activity.objects.filter(
                activity_filter(scope, user),
                body=OuterRef("pk"),
                status=Activity.Status.HELD,
                date__range=(first, last),
            )
            .order_by()
            .values("body")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(held, output_field=IntegerField()), 0)

    last_year = (before, start - datetime.timedelta(days=1))
    rows = (
        Body.objects.filter(kind=BodyKind.NETWORK)
        .annotate(this=meetings(start, end), previous=meetings(*last_year))
        .values_list("name", "this", "previous")
    )
    table = ReportTable(
        "networks",
        _("Meetings of the networks the teams took part in"),
        [_("Network"), str(year), str(year - 1), _("change")],
    )
    for name, this, previous in sorted(rows, key=lambda row: german_sort_key(row[0])):
        table.rows.append([name, this, previous, this - previous])
    return collapsed(table)


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


def _partner_rows(municipality_ids) -> list[dict]:
    """Active partners in the municipalities of the scope, counted by municipality, kind and
    cooperation status (None: no cooperation); one query for the report and its profiles."""
    return list(
        Partner.objects.filter(municipality__in=municipality_ids, is_active=True)
        .values("municipality_id", "kind", "cooperation__status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _partner_counts(rows: list[dict]) -> dict:
    """{(kind, status or None): active partners} in the municipalities of the scope."""
    counts: dict = {}
    for row in rows:
        key = (row["kind"], row["cooperation__status"])
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


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


# --- The sections as the page, the PDF and the DOCX show them ---------------------------------


@dataclasses.dataclass
class Section:
    """One section of the report: its heading, the office's text (``ReportText`` or None),
    paragraphs, an optional chart (SVG, page and PDF only: its table is beside it), tables and
    lists of names."""

    key: str
    heading: str
    text: ReportText | None
    paragraphs: list = dataclasses.field(default_factory=list)
    chart: str = ""
    tables: list = dataclasses.field(default_factory=list)
    lists: list = dataclasses.field(default_factory=list)


def facts_table(key: str, title: str, facts: list, year: int) -> ReportTable:
    """Single figures with the previous year: [(label, (this, previous))]."""
    table = ReportTable(key, title, [_("Figure"), str(year), str(year - 1), _("change")])
    for label, (this, previous) in facts:
        table.rows.append([label, this, previous, disclosure.change(this, previous)])
    return table


def _targets_table(rows) -> ReportTable | None:
    """The scope's targets of the year (teams.targets.TargetRow) with the actual value and the
    gap in words."""
    if not rows:
        return None
    table = ReportTable(
        "targets",
        _("Targets and what was reached"),
        [_("Target"), _("Scope"), _("target"), _("actual"), _("Gap")],
        text_columns=(1, 4),
    )
    for row in rows:
        table.rows.append(
            [
                row.target.get_indicator_display(),
                row.scope_label,
                row.target_value,
                row.actual_value,
                row.gap,
            ]
        )
    return table


def report_sections(report: Report) -> list[Section]:
    texts = report.texts
    year = report.year
    sections = [
        Section(
            "structure",
            _("Die Struktur"),
            texts.get("structure"),
            [
                _(
                    "Mittelbereiche, Sozialraumteams and the towns and municipalities they are "
                    "responsible for, as on %(date)s."
                )
                % {"date": formats.date_format(report.as_of, "SHORT_DATE_FORMAT")}
            ],
            tables=_structure_tables(report),
        ),
        Section(
            "presence",
            _("Präsenz vor Ort"),
            texts.get("presence"),
            chart=report.chart,
            tables=[
                report.by_kind,
                report.consultations,
                report.meetings,
                facts_table(
                    "presence_facts",
                    _("Projects"),
                    [
                        (_("Projects running in the year"), report.facts["projects"]),
                        (_("Project-work activities held"), report.facts["project_work"]),
                    ],
                    year,
                ),
            ],
            paragraphs=[
                _(
                    "Expected dates are those of the consultation-hour series up to the end of "
                    "the year (or today), without public holidays and closures."
                )
            ],
        ),
        Section(
            "cooperation",
            _("Intensivierung der Kooperation"),
            texts.get("cooperation"),
            [
                _(
                    "Active partners in the towns and municipalities of the scope and the status "
                    "of the cooperation with them on %(date)s (a status has no previous year)."
                )
                % {"date": formats.date_format(report.today, "SHORT_DATE_FORMAT")}
            ],
            tables=[report.partners, report.agreements],
        ),
        Section(
            "community",
            _("Unterstützung des Gemeinwesens"),
            texts.get("community"),
            tables=[
                report.community,
                facts_table(
                    "community_facts",
                    _("Community work"),
                    [(_("Community-work activities held"), report.facts["community_work"])],
                    year,
                ),
            ],
        ),
        Section(
            "municipalities",
            _("Towns and municipalities"),
            texts.get("municipalities"),
            [
                _(
                    "Every town and municipality of the scope, by Mittelbereich. Contacts are "
                    "the persons reached at held activities, by group; Einzelfallhilfen "
                    "initiated are the individual helps the teams set in motion."
                )
            ],
            chart=report.district_map.svg if report.district_map else "",
            tables=[
                report.places_activities,
                *([report.district_map.table] if report.district_map else []),
                report.persons,
                report.persons_compared,
            ],
        ),
        Section(
            "networks",
            _("Network work"),
            texts.get("networks"),
            [
                _(
                    "The networks Frühe Hilfen and Elternbildung and the other networks the "
                    "teams take part in, and the partners of these fields."
                )
            ],
            tables=[
                report.networks,
                report.network_partners,
                facts_table(
                    "network_facts",
                    _("Kick-off and network events"),
                    [(_("Kick-off or network events held"), report.facts["events"])],
                    year,
                ),
            ],
        ),
        Section(
            "next_steps",
            _("Weitere Schritte"),
            texts.get("next_steps"),
            [
                _(
                    "Towns and municipalities without a kick-off or network event: %(this)s in "
                    "%(year)s, %(previous)s in %(previous_year)s."
                )
                % {
                    "this": len(report.without_event),
                    "year": year,
                    "previous": report.without_event_previous,
                    "previous_year": year - 1,
                }
            ],
            tables=[
                table
                for table in [
                    report.next_steps,
                    _targets_table(report.targets),
                    from_table(report.topics) if report.topics is not None else None,
                ]
                if table is not None
            ],
            lists=[
                (
                    _("Towns and municipalities without a kick-off or network event in %(year)s")
                    % {"year": year},
                    [m.name for m in report.without_event],
                )
            ],
        ),
    ]
    return sections


def _structure_tables(report: Report) -> list[ReportTable]:
    tables = []
    for index, area in enumerate(report.structure):
        heads = ", ".join(area.heads) or "–"
        table = ReportTable(
            f"structure-{index}",
            _("Mittelbereich %(name)s (Fachbereichsleitung: %(heads)s)")
            % {"name": area.name, "heads": heads},
            [_("Team"), _("Towns and municipalities (population)"), _("Population")],
            text_columns=(1,),
        )
        for team in area.teams:
            names = ", ".join(
                f"{m.name} ({formats.number_format(m.population, force_grouping=True)})"
                if m.population is not None
                else m.name
                for m in team.municipalities
            )
            table.rows.append([team.name, names or "–", team.population])
            table.row_kinds.append("")
        if len(area.teams) > 1:
            table.rows.append(
                [_("Mittelbereich %(name)s") % {"name": area.name}, "", area.population]
            )
            table.row_kinds.append("subtotal")
        tables.append(table)
    return tables


def cover_lines(report: Report) -> list[str]:
    """The period and the data's date, as the cover prints them."""
    return [
        _("Period: %(start)s to %(end)s")
        % {
            "start": formats.date_format(report.start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(report.end, "SHORT_DATE_FORMAT"),
        },
        _("Figures as of %(date)s")
        % {"date": formats.date_format(report.generated_at, "SHORT_DATETIME_FORMAT")},
    ]
