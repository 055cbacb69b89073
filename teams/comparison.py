"""The comparison: Mittelbereiche, teams or municipalities side by side for a period, each key
figure absolute and per 1,000 inhabitants, against the same period a year earlier.

Only what the user may read: the entities are the user's dashboard scopes of one kind, and the
figures are read from the summaries under the user's widest scope, grouped by the summary's own
team and municipality keys (an activity stays with the team that logged it, as on the
dashboard). A query costs the same for three Mittelbereiche as for 31 municipalities.

The population of a team or Mittelbereich is that of the municipalities assigned to its teams on
the last day of the period; every figure names its reference date.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sozialraum.models import Municipality
from teams import dashboard_map
from teams.dashboard import GROUPS, Scope, Table, scopes_for, summed, this_and_year_earlier
from teams.models import Activity
from teams.targets import scope_areas
from teams.topics import change_cells

KINDS = {
    "middle_area": gettext_lazy("Mittelbereiche"),
    "team": gettext_lazy("Teams"),
    "municipality": gettext_lazy("Towns and municipalities"),
}
MEETING_KINDS = {Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP}

# (key, label, which summary rows, which sum): the key figures of the comparison.
HELD, CANCELLED = Activity.Status.HELD, Activity.Status.CANCELLED
FIGURES = [
    ("held", gettext_lazy("Activities held"), lambda r: r["status"] == HELD, "n"),
    ("cancelled", gettext_lazy("Activities cancelled"), lambda r: r["status"] == CANCELLED, "n"),
    (
        "consultations",
        gettext_lazy("Consultation dates held"),
        lambda r: r["status"] == HELD and r["kind"] == Activity.Kind.CONSULTATION,
        "n",
    ),
    (
        "consultations_cancelled",
        gettext_lazy("Consultation dates cancelled"),
        lambda r: r["status"] == CANCELLED and r["kind"] == Activity.Kind.CONSULTATION,
        "n",
    ),
    (
        "meetings",
        gettext_lazy("Round-table and committee meetings"),
        lambda r: r["status"] == HELD and r["kind"] in MEETING_KINDS,
        "n",
    ),
    (
        "events",
        gettext_lazy("Kick-off and network events"),
        lambda r: r["status"] == HELD and r["kind"] == Activity.Kind.EVENT,
        "n",
    ),
    ("contacts", gettext_lazy("Contacts"), lambda r: r["status"] == HELD, "contacts"),
    *[
        (group, label, lambda r: r["status"] == HELD, group)
        for group, label in zip(
            GROUPS,
            [
                gettext_lazy("Contacts: children"),
                gettext_lazy("Contacts: young people"),
                gettext_lazy("Contacts: parents"),
                gettext_lazy("Contacts: professionals"),
                gettext_lazy("Contacts: others"),
            ],
            strict=True,
        )
    ],
    (
        "helps",
        gettext_lazy("Individual helps initiated (Einzelfallhilfen)"),
        lambda r: r["status"] == HELD,
        "helps",
    ),
]
GROUP_KEY = {
    "middle_area": "team__middle_area",
    "team": "team_id",
    "municipality": "municipality_id",
}


@dataclass
class Entity:
    """One column of the comparison: a scope with its population and reference dates."""

    scope: Scope
    population: int | None = None
    dates: list[datetime.date] = field(default_factory=list)
    missing: int = 0  # municipalities without a population figure

    @property
    def pk(self) -> int:
        return self.scope.pk

    @property
    def label(self) -> str:
        return self.scope.label

    @property
    def as_of(self) -> str:
        """The reference date(s) of the population, e.g. "31.12.2024" or a range."""
        if not self.dates:
            return "–"
        first, last = min(self.dates), max(self.dates)
        text = f"{first:%d.%m.%Y}"
        return text if first == last else f"{text}–{last:%d.%m.%Y}"


@dataclass
class Comparison:
    kind: str
    entities: list[Entity]
    start: datetime.date
    end: datetime.date
    earlier: tuple[datetime.date, datetime.date] | None
    figures: dict  # {(figure key, entity pk, period): value}
    tables: list[Table] = field(default_factory=list)


def comparable(user, kind: str) -> list[Scope]:
    """The user's scopes of one kind: what may be compared."""
    return [scope for scope in scopes_for(user) if scope.kind == kind]


def widest_scope() -> Scope:
    """All the user may read: the district for district readers, else the user's teams
    (``activity_filter`` adds the restriction to the readable teams)."""
    return Scope("district", None, "")


def per_thousand(value: int, population: int | None):
    """The rate as the comparison shows it: two decimals, a dash without a population."""
    rate = dashboard_map.per_thousand(value, population)
    return "–" if rate is None else round(rate, 2)


def compare(user, kind: str, scopes: list[Scope], start, end, today) -> Comparison:
    """The figures of the scopes (all of one kind) for a period and the year before."""
    entities = _entities(user, kind, scopes, min(end, today) if start <= today else end)
    periods = this_and_year_earlier(start, end)
    key = GROUP_KEY[kind]
    rows = summed(
        user,
        widest_scope(),
        periods,
        [key, "kind", "status"],
        {"n": "activities", "helps": "helps_initiated", **{g: g for g in GROUPS}},
    )
    figures = {}
    for row in rows:
        row["contacts"] = sum(row[g] for g in GROUPS)
        for name, _label, wanted, column in FIGURES:
            if wanted(row):
                index = (name, row[key], row["period"])
                figures[index] = figures.get(index, 0) + row[column]
    comparison = Comparison(kind, entities, start, end, periods.get("earlier"), figures)
    comparison.tables = tables_of(comparison)
    return comparison


def _entities(user, kind: str, scopes: list[Scope], on: datetime.date) -> list[Entity]:
    areas = scope_areas(user, scopes, on)
    ids = set().union(*areas.municipalities.values(), set())
    people = {
        m.pk: (m.population, m.population_date)
        for m in Municipality.objects.filter(pk__in=ids).only("population", "population_date")
    }
    entities = []
    for scope in scopes:
        entity = Entity(scope)
        for municipality_id in areas.municipalities[scope.key]:
            population, as_of = people.get(municipality_id, (None, None))
            if population is None:
                entity.missing += 1
                continue
            entity.population = (entity.population or 0) + population
            entity.dates.append(as_of)
        if entity.missing:
            entity.population = None  # a partial sum would make the rate look better
        entities.append(entity)
    return entities


def value(comparison: Comparison, figure: str, entity: Entity, period: str = "this") -> int:
    return comparison.figures.get((figure, entity.pk, period), 0)


def tables_of(comparison: Comparison) -> list[Table]:
    """The overview (absolute and per 1,000), the population and one table per figure."""
    entities = comparison.entities
    population = Table(
        "population",
        _("Population"),
        [_("Scope"), _("inhabitants"), _("as of"), _("towns and municipalities without figure")],
    )
    population.rows = [[e.label, e.population or "–", e.as_of, e.missing] for e in entities]
    overview = Table(
        "overview", _("Key figures"), [_("Scope"), *[str(f[1]) for f in FIGURES]], chart=""
    )
    overview.rows = [[e.label, *[value(comparison, f[0], e) for f in FIGURES]] for e in entities]
    rates = Table(
        "per_thousand",
        _("Key figures per 1,000 inhabitants"),
        [_("Scope"), *[str(f[1]) for f in FIGURES]],
        chart="bar",
    )
    rates.rows = [
        [e.label, *[per_thousand(value(comparison, f[0], e), e.population) for f in FIGURES]]
        for e in entities
    ]
    tables = [overview, rates, population]
    for name, label, _wanted, _column in FIGURES:
        table = Table(
            f"figure-{name}",
            str(label),
            [
                _("Scope"),
                _("this period"),
                _("per 1,000 inhabitants"),
                _("a year earlier"),
                _("per 1,000 a year earlier"),
                _("change"),
                _("change (%)"),
            ],
        )
        for e in entities:
            now, before = value(comparison, name, e), value(comparison, name, e, "earlier")
            table.rows.append(
                [
                    e.label,
                    now,
                    per_thousand(now, e.population),
                    before,
                    per_thousand(before, e.population),
                    *change_cells(now, before),
                ]
            )
        tables.append(table)
    return tables
