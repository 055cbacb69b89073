"""Soll/Ist: targets per year and scope, and the actual value the data measures for each.

Every indicator is measured from what the application records: the month summary of the
activities (consultation dates, events, Einzelfallhilfen, presence), the cooperations with the
partners of the area (their *current* status) and the activities at the network bodies (Gremien
of the kind "network", e.g. Frühe Hilfen and Elternbildung, with their meeting rhythm).

The measuring is batched: ``actual_values`` answers for any number of scopes with the same
handful of queries, so the comparison of 31 municipalities costs what one costs.

A scope's "area" is the municipalities assigned to its teams on the last day of the year (today
for the running year); a municipality's team figures are the activities logged there. The
running year is measured up to today: a per-month average divides by the months begun.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kooperation.models import Body, BodyKind, CooperationStatus, MeetingRhythm, Partner
from kooperation.models import PartnerKind as K
from sozialraum.permissions import teams_visible_to
from sozialraum.selectors import assignments_on
from teams.dashboard import Scope, summed
from teams.models import Activity, Target, TargetIndicator
from teams.permissions import activities_visible_to

I = TargetIndicator  # noqa: E741 - short alias for the table below

PARTNER_KINDS = {
    I.SCHOOL_COOPERATION: {K.SCHOOL},
    I.DAYCARE_COOPERATION: {K.DAYCARE},
    I.YOUTH_COOPERATION: {K.YOUTH_HOUSE, K.MOBILE_YOUTH_WORK},
}
PERCENT = {I.PRESENCE_SHARE, I.NETWORK_SHARE, *PARTNER_KINDS}
MEETINGS_PER_YEAR = {
    MeetingRhythm.WEEKLY: 52,
    MeetingRhythm.MONTHLY: 12,
    MeetingRhythm.BIMONTHLY: 6,
    MeetingRhythm.QUARTERLY: 4,
    MeetingRhythm.HALF_YEARLY: 2,
    MeetingRhythm.YEARLY: 1,
}
COOPERATING = (CooperationStatus.AGREED, CooperationStatus.ACTIVE)


@dataclass
class TargetRow:
    """One target beside its actual value: ``met`` is None when nothing can be measured."""

    target: Target
    scope_label: str
    indicator: str
    target_value: str
    actual_value: str
    actual: float | None
    gap: str
    met: bool | None

    @property
    def status(self) -> str:
        """For the colour class (the words are in ``gap``)."""
        return {True: "met", False: "missed", None: "unknown"}[self.met]


def year_range(year: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The measured part of a year: all of it when past, up to today when running."""
    return datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)


def months_measured(year: int, today: datetime.date) -> int:
    if year < today.year:
        return 12
    return today.month if year == today.year else 0


# --- The structure behind the scopes --------------------------------------------------------


@dataclass
class Areas:
    """Which teams and municipalities each scope stands for, on one day."""

    teams: dict[str, set[int]]
    municipalities: dict[str, set[int]]
    team_area: dict[int, int]  # the Mittelbereich of each team the user reads


def scope_areas(user, scopes: list[Scope], on: datetime.date) -> Areas:
    """The teams and the assigned municipalities of each scope (two queries for all)."""
    team_area = dict(teams_visible_to(user).values_list("pk", "middle_area_id"))
    team_places: dict[int, set[int]] = {}
    for team_id, municipality_id in assignments_on(on).values_list("team_id", "municipality_id"):
        team_places.setdefault(team_id, set()).add(municipality_id)
    teams, places = {}, {}
    for scope in scopes:
        if scope.kind == "municipality":
            teams[scope.key], places[scope.key] = set(), {scope.pk}
            continue
        chosen = {
            t
            for t, area in team_area.items()
            if scope.kind == "district"
            or (scope.kind == "team" and t == scope.pk)
            or (scope.kind == "middle_area" and area == scope.pk)
        }
        teams[scope.key] = chosen
        places[scope.key] = set().union(*(team_places.get(t, set()) for t in chosen))
    return Areas(teams, places, team_area)


def _belongs(scope: Scope, row: dict, team_area: dict[int, int]) -> bool:
    """Whether a summary row (with team_id and municipality_id) counts for a scope."""
    return {
        "district": True,
        "middle_area": team_area.get(row["team_id"]) == scope.pk,
        "team": row["team_id"] == scope.pk,
        "municipality": row["municipality_id"] == scope.pk,
    }[scope.kind]


# --- Measuring ------------------------------------------------------------------------------


def actual_values(user, scopes: list[Scope], year: int, today: datetime.date) -> dict:
    """``{(scope key, indicator): actual or None}`` for every indicator and scope."""
    start, end = year_range(year, today)
    areas = scope_areas(user, scopes, end if start <= end else start)
    # Every row below is of a team the user reads: scope_areas knows their Mittelbereiche.
    team_area = areas.team_area
    widest = Scope("district", None, "")
    rows = (
        summed(
            user,
            widest,
            {"this": (start, end)},
            ["team_id", "municipality_id", "kind", "status"],
            {"n": "activities", "helps": "helps_initiated"},
        )
        if start <= end
        else []
    )
    cooperation = _cooperation_counts(set().union(*areas.municipalities.values(), set()))
    networks = _network_attendance(user, start, end)
    bodies = _network_bodies()
    months = months_measured(year, today)
    values = {}
    for scope in scopes:
        mine = [row for row in rows if _belongs(scope, row, team_area)]
        held = [row for row in mine if row["status"] == Activity.Status.HELD]
        consultations = sum(r["n"] for r in held if r["kind"] == Activity.Kind.CONSULTATION)
        events = sum(r["n"] for r in held if r["kind"] == Activity.Kind.EVENT)
        places = areas.municipalities[scope.key]
        present = {r["municipality_id"] for r in held if r["n"] > 0}
        values[(scope.key, I.CONSULTATIONS_PER_MONTH)] = (
            round(consultations / months, 1) if months else None
        )
        values[(scope.key, I.PRESENCE_SHARE)] = _share(len(present & places), len(places))
        values[(scope.key, I.EVENTS)] = events
        values[(scope.key, I.EVENT_HELD)] = 1 if events else 0
        values[(scope.key, I.HELPS)] = sum(r["helps"] for r in held)
        for indicator, kinds in PARTNER_KINDS.items():
            total = sum(cooperation.get((m, k), (0, 0))[0] for m in places for k in kinds)
            agreed = sum(cooperation.get((m, k), (0, 0))[1] for m in places for k in kinds)
            values[(scope.key, indicator)] = _share(agreed, total)
        attended = [a for a in networks if _belongs(scope, a, team_area) and a["status"] == "held"]
        values[(scope.key, I.NETWORK_MEETINGS)] = sum(a["n"] for a in attended)
        values[(scope.key, I.NETWORK_SHARE)] = _network_share(
            scope, areas, bodies, attended, months
        )
    return values


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _cooperation_counts(municipality_ids: set[int]) -> dict:
    """``{(municipality, partner kind): (active partners, with an agreed or active
    cooperation)}`` (one query)."""
    rows = (
        Partner.objects.filter(municipality__in=municipality_ids, is_active=True)
        .values("municipality_id", "kind")
        .annotate(
            total=Count("pk"), agreed=Count("pk", filter=Q(cooperation__status__in=COOPERATING))
        )
        .order_by()
    )
    return {(r["municipality_id"], r["kind"]): (r["total"], r["agreed"]) for r in rows}


def _network_bodies() -> list[dict]:
    """The active network bodies with a regular meeting rhythm (one query)."""
    return list(
        Body.objects.filter(kind=BodyKind.NETWORK, is_active=True, rhythm__in=MEETINGS_PER_YEAR)
        .values("pk", "municipality_id", "team_id", "rhythm")
        .order_by()
    )


def _network_attendance(user, start, end) -> list[dict]:
    """Activities at network bodies in the period, by team, municipality, body and status: a
    handful of rows a year (the bodies meet a few times), read through the date index."""
    if start > end:
        return []
    return list(
        activities_visible_to(user)
        .filter(date__range=(start, end), body__kind=BodyKind.NETWORK)
        .values("team_id", "municipality_id", "body_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _network_share(scope, areas, bodies, attended, months) -> float | None:
    """Meetings attended of those the scope's networks held (by their rhythm, in the months
    measured): the networks of its teams, of its municipalities and the district-wide ones;
    a body counts at most as often as it meets."""
    teams, places = areas.teams[scope.key], areas.municipalities[scope.key]
    expected = attended_total = 0
    for body in bodies:
        district_wide = body["municipality_id"] is None and body["team_id"] is None
        if not (district_wide or body["team_id"] in teams or body["municipality_id"] in places):
            continue
        meets = MEETINGS_PER_YEAR[body["rhythm"]] * months // 12
        if not meets:
            continue
        expected += meets
        went = sum(a["n"] for a in attended if a["body_id"] == body["pk"])
        attended_total += min(went, meets)
    return _share(attended_total, expected)


# --- Targets beside their actual values -----------------------------------------------------


def targets_of(scopes: list[Scope], year: int):
    """The targets of the scopes for a year (one query); a district scope has the targets of
    every Mittelbereich."""
    condition = Q(pk__in=[])
    for scope in scopes:
        if scope.kind == "district":
            condition |= Q(middle_area__isnull=False)
        else:
            condition |= Q(**{scope.kind: scope.pk})
    return list(
        Target.objects.filter(condition, year=year).select_related(
            "municipality", "team", "middle_area"
        )
    )


def scope_of_target(target: Target) -> Scope:
    obj = target.scope_object
    label = {
        "municipality": "%(name)s",
        "team": _("Team %(name)s"),
        "middle_area": _("Mittelbereich %(name)s"),
    }[target.scope_kind] % {"name": obj.name}
    return Scope(target.scope_kind, obj.pk, label)


def rows_for(user, targets: list[Target], year: int, today: datetime.date) -> list[TargetRow]:
    """Each target beside its actual value, gap and whether it is met."""
    scopes = list({scope_of_target(t) for t in targets})
    actuals = actual_values(user, scopes, year, today) if targets else {}
    rows = []
    for target in targets:
        scope = scope_of_target(target)
        actual = actuals.get((scope.key, target.indicator))
        rows.append(_row(target, scope.label, actual))
    return sorted(rows, key=lambda r: (r.scope_label, r.target.indicator))


def target_rows(user, scope: Scope, year: int, today: datetime.date) -> list[TargetRow]:
    """The targets of a scope for a year with target, actual, gap in words and met (for the
    dashboard, the comparison, the annual report and the map)."""
    return rows_for(user, targets_of([scope], year), year, today)


def format_value(indicator: str, value) -> str:
    if value is None:
        return "–"
    if indicator == I.EVENT_HELD:
        return _("yes") if value >= 1 else _("no")
    text = number_format(value, decimal_pos=0 if float(value).is_integer() else 1)
    return f"{text} %" if indicator in PERCENT else text


def _row(target: Target, scope_label: str, actual) -> TargetRow:
    indicator = target.indicator
    wanted = float(target.value)
    if actual is None:
        met, gap = None, _("cannot be measured: nothing of this kind in the area")
    elif actual >= wanted:
        met, gap = True, _("target reached")
    else:
        met = False
        missing = Decimal(str(round(wanted - actual, 1))).normalize()
        amount = number_format(missing)
        if indicator == I.EVENT_HELD:
            gap = _("not held yet")
        elif indicator in PERCENT:
            gap = _("%(gap)s percentage points below the target") % {"gap": amount}
        elif indicator == I.CONSULTATIONS_PER_MONTH:
            gap = _("%(gap)s dates per month below the target") % {"gap": amount}
        else:
            gap = _("%(gap)s below the target") % {"gap": amount}
    return TargetRow(
        target=target,
        scope_label=scope_label,
        indicator=str(TargetIndicator(indicator).label),
        target_value=format_value(indicator, target.value),
        actual_value=format_value(indicator, actual),
        actual=actual,
        gap=gap,
        met=met,
    )
