"""Who may change partners, cooperations and Gremien.

Every signed-in user reads the whole network. Changing a record that belongs to a municipality
is for the staff of the team responsible for it today, the Fachbereichsleitung of that team's
Mittelbereich and Administration; district-wide records are for team leads, heads and
Administration. Amtsleitung reads only.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sozialraum.models import Municipality
from sozialraum.permissions import is_administration, scope_of
from sozialraum.selectors import assignments_on


def municipalities_editable_by(user) -> QuerySet[Municipality]:
    """Municipalities whose partners and Gremien the user may change today."""
    if is_administration(user):
        return Municipality.objects.all()
    scope = scope_of(user)
    current = assignments_on().filter(
        Q(team__in=scope.team_ids) | Q(team__middle_area__in=scope.headed_area_ids)
    )
    return Municipality.objects.filter(assignments__in=current).distinct()


def can_edit_district_wide(user) -> bool:
    scope = scope_of(user)
    return is_administration(user) or bool(scope.lead_team_ids or scope.headed_area_ids)


class EditScope:
    """The user's editing rights, loaded once, for checking many rows without more queries."""

    def __init__(self, user):
        self.district_wide = can_edit_district_wide(user)
        self.everything = is_administration(user)
        self._municipality_ids = None
        self._user = user

    @property
    def municipality_ids(self) -> set[int]:
        if self._municipality_ids is None:
            self._municipality_ids = set(
                municipalities_editable_by(self._user).values_list("pk", flat=True)
            )
        return self._municipality_ids

    def allows(self, municipality_id: int | None) -> bool:
        if self.everything:
            return True
        if municipality_id is None:
            return self.district_wide
        return municipality_id in self.municipality_ids

    def allows_anything(self) -> bool:
        return self.everything or self.district_wide or bool(self.municipality_ids)


def can_edit_in(user, municipality_id: int | None) -> bool:
    return EditScope(user).allows(municipality_id)


def can_create(user) -> bool:
    return EditScope(user).allows_anything()


def edit_denied_message(municipality: Municipality | None) -> str:
    """Why a reader may not change a record, for the 403 page."""
    if municipality is None:
        return _(
            "District-wide partners and Gremien are changed by team leads, the "
            "Fachbereichsleitungen and Administration. You may read them."
        )
    return _(
        "Records in %(municipality)s are changed by the staff of the team responsible for "
        "%(municipality)s today, the Fachbereichsleitung of its Mittelbereich and "
        "Administration. You may read them."
    ) % {"municipality": municipality.name}


def create_denied_message() -> str:
    return _(
        "Partners and Gremien are added by the staff of the Sozialraumteams, the "
        "Fachbereichsleitungen and Administration. Your role may read them."
    )


def can_import(user) -> bool:
    return is_administration(user)
