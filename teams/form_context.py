"""What the activity and series forms know before the user types: the team's own area, what a
chosen series, Gremium or project implies, and whether a venue is a public place."""

import datetime
from dataclasses import dataclass, field

from kooperation.models import Body, Partner, PartnerKind
from sozialraum.selectors import assignments_on
from teams.models import ConsultationHour, Project

# Venues that are public places: institutions parents, children and young people go to anyway,
# so announcing a consultation hour there tells nobody anything about a client. A series at
# such a place is public by default. Not public by default: the offices of independent
# providers and outpatient help projects (being seen there can reveal a client), mobile youth
# work and volunteers (no fixed public place), school social work (a person's office inside a
# school: the school itself is the public venue) and "other" (unknown).
PUBLIC_VENUE_KINDS = frozenset(
    {
        PartnerKind.TOWN_HALL,
        PartnerKind.SCHOOL,
        PartnerKind.DAYCARE,
        PartnerKind.YOUTH_HOUSE,
        PartnerKind.COMMUNITY_PROJECT,
        PartnerKind.EARLY_HELP,
        PartnerKind.PARENT_EDUCATION,
    }
)


def is_public_place(kind: str) -> bool:
    """Whether a venue of this partner kind is a public place (see ``PUBLIC_VENUE_KINDS``)."""
    return kind in PUBLIC_VENUE_KINDS


def area_ids(team_ids, *, on: datetime.date | None = None) -> set[int]:
    """The ids of the municipalities the teams serve on a date (today by default): one query."""
    assignments = assignments_on(on).filter(team__in=list(team_ids))
    return set(assignments.values_list("municipality_id", flat=True))


@dataclass
class Implied:
    """What a chosen series, Gremium or project says about an activity: its municipality
    (None when it does not name exactly one) and the partners involved."""

    municipality_id: int | None = None
    partners: list[Partner] = field(default_factory=list)


def _active(partners) -> list[Partner]:
    return sorted((p for p in partners if p.is_active), key=lambda p: (p.name.casefold(), p.pk))


def implied_by_series(series: ConsultationHour) -> Implied:
    return Implied(series.municipality_id, _active([series.venue]))


def implied_by_body(body: Body) -> Implied:
    """A Gremium implies its municipality (none when district-wide), its convener and its
    member partners."""
    partners = {p.pk: p for p in body.members.select_related("municipality")}
    if body.convener_id:
        partners.setdefault(body.convener_id, body.convener)
    return Implied(body.municipality_id, _active(partners.values()))


def implied_by_project(project: Project) -> Implied:
    """A project implies its municipality when it has exactly one, and its partners."""
    municipalities = list(project.municipalities.values_list("pk", flat=True)[:2])
    only = municipalities[0] if len(municipalities) == 1 else None
    return Implied(only, _active(project.partners.select_related("municipality")))


def implied(*, series=None, body=None, project=None) -> Implied | None:
    """What the first of series, Gremium and project that is given implies (None: none is)."""
    if series is not None:
        return implied_by_series(series)
    if body is not None:
        return implied_by_body(body)
    if project is not None:
        return implied_by_project(project)
    return None
