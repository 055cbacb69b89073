"""Reads of the cooperation network."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from kooperation.models import (
    STATUS_BY_RANK,
    Body,
    Cooperation,
    Partner,
    PartnerKind,
    status_rank_expression,
)
from kooperation.permissions import can_edit_district_wide
from sozialraum.models import MiddleArea
from sozialraum.permissions import municipalities_visible_to, reads_whole_district
from sozialraum.selectors import assignments_on, structure_on
from sozialraum.text import GermanSortKey


def team_today_subquery(municipality_ref: str = "municipality", *, on=None):
    """The name of the team responsible today for the row's municipality, as a subquery."""
    return Subquery(
        assignments_on(on).filter(municipality=OuterRef(municipality_ref)).values("team__name")[:1]
    )


def partner_list() -> QuerySet[Partner]:
    """Partners with municipality, cooperation and today's team, for lists and exports."""
    return Partner.objects.select_related("municipality").annotate(
        team_today=team_today_subquery(), cooperation_status=F("cooperation__status")
    )


def partner_detail(pk: int) -> QuerySet[Partner]:
    return (
        Partner.objects.filter(pk=pk)
        .select_related("municipality", "cooperation__responsible", "created_by", "updated_by")
        .annotate(team_today=team_today_subquery())
        .prefetch_related(
            "contacts",
            Prefetch("bodies", queryset=Body.objects.select_related("municipality")),
            "convened_bodies",
        )
    )


def partners_in_work_scope(user) -> QuerySet[Partner]:
    """Partners whose cooperation the user works on or reviews: the municipalities the user's
    teams serve (or the headed Mittelbereich's), district-wide partners for those who may
    change them, and every cooperation the user is responsible for."""
    if reads_whole_district(user):
        return Partner.objects.all()
    condition = Q(municipality__in=municipalities_visible_to(user))
    condition |= Q(cooperation__responsible=user)
    if can_edit_district_wide(user):
        condition |= Q(municipality__isnull=True)
    return Partner.objects.filter(condition)


def open_next_steps(user, *, on: datetime.date | None = None) -> QuerySet[Cooperation]:
    """Open next steps in the user's scope: overdue first, then by due date, undated last."""
    today = on or timezone.localdate()
    return (
        Cooperation.objects.filter(
            partner__in=partners_in_work_scope(user), partner__is_active=True
        )
        .exclude(next_step="")
        .select_related("partner__municipality", "responsible")
        .annotate(team_today=team_today_subquery("partner__municipality", on=today))
        .order_by("next_step_due", "partner__name")
    )


def body_list() -> QuerySet[Body]:
    return (
        Body.objects.select_related("municipality", "team", "convener")
        .annotate(member_count=Count("members", distinct=True))
        .order_by(GermanSortKey("name"), "pk")
    )


def body_detail(pk: int) -> QuerySet[Body]:
    return (
        Body.objects.filter(pk=pk)
        .select_related("municipality", "team", "convener", "updated_by")
        .prefetch_related(
            Prefetch("members", queryset=Partner.objects.select_related("municipality")),
            Prefetch("representatives"),
        )
    )


# --- Coverage ---------------------------------------------------------------------------------


@dataclass
class CoverageCell:
    kind: str
    count: int = 0
    best_status: str = ""


@dataclass
class CoverageRow:
    municipality: object
    cells: list[CoverageCell] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for cell in self.cells if not cell.count)


def _cells(rows) -> dict:
    """{(municipality_id, kind): (count, best status)} from aggregated rows."""
    return {
        (row["municipality_id"], row["kind"]): (row["count"], STATUS_BY_RANK.get(row["best"], ""))
        for row in rows
    }


def coverage(*, middle_area: MiddleArea | None = None, on: datetime.date | None = None):
    """Municipalities (grouped by Mittelbereich and team, as responsible on a date) by partner
    kinds: the number of active partners and the most advanced cooperation status per cell.

    Returns the middle areas of ``structure_on`` with ``coverage_rows`` per team, and the
    district-wide row. Six queries, whatever the number of partners.
    """
    aggregated = (
        Partner.objects.filter(is_active=True)
        .values("municipality_id", "kind")
        .annotate(count=Count("pk"), best=Max(status_rank_expression()))
        .order_by()
    )
    cells = _cells(aggregated)
    kinds = list(PartnerKind)
    areas = [a for a in structure_on(on=on) if middle_area is None or a.pk == middle_area.pk]
    for area in areas:
        for team in area.active_teams:
            team.coverage_rows = [
                _row(a.municipality, a.municipality.pk, kinds, cells)
                for a in team.current_assignments
            ]
    district_wide = _row(None, None, kinds, cells)
    return areas, district_wide


def _row(municipality, key, kinds, cells) -> CoverageRow:
    row = CoverageRow(municipality)
    for kind in kinds:
        count, best = cells.get((key, kind.value), (0, ""))
        row.cells.append(CoverageCell(kind.value, count, best))
    return row
