"""Moving a municipality to another team, and closing a team: what it affects, and doing it.

The structure app knows assignments; what the teams *did* and *offer* (activities, consultation-hour
series) lives in apps that depend on this one. So that dependencies keep pointing one way, those
apps register a ``Participant`` here (in their ``AppConfig.ready``). A participant describes the
impact of a change (figures and questions for the administrator) and carries out its part when
the change is applied, inside the same transaction as the assignment change.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sozialraum.models import Assignment, Municipality, Team, User
from sozialraum.services import assignment_reassign_check, assignment_replace
from sozialraum.text import german_sort_key


@dataclass(frozen=True)
class Change:
    """A reassignment: from ``effective`` on, ``new_team`` serves ``municipality``."""

    municipality: Municipality
    new_team: Team
    effective: datetime.date
    previous: Assignment | None  # the assignment running on ``effective``, if any

    @property
    def old_team(self) -> Team | None:
        return self.previous.team if self.previous else None

    @property
    def old_end(self) -> datetime.date:
        """The last day of the old team's responsibility."""
        return self.effective - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Fact:
    """One figure of the impact, e.g. "Activities of Team X on or after …: 12"."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Decision:
    """A question the administrator answers before the change is applied."""

    key: str
    label: str
    choices: list[tuple[str, str]]
    initial: str
    detail: str = ""


@dataclass
class Impact:
    change: Change
    facts: list[Fact] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class ClosingImpact:
    team: Team
    on: datetime.date
    blocking: list[Assignment] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


class Participant:
    """What another app contributes to a reassignment or a team's closing. All hooks optional."""

    def reassignment_impact(self, change: Change, impact: Impact) -> None:
        """Add facts and decisions to ``impact``."""

    def reassignment_apply(self, change: Change, answers: dict[str, str], user: User) -> None:
        """Carry out the decisions; raise ``ValidationError`` to undo the whole change."""

    def closing_impact(self, impact: ClosingImpact) -> None:
        """Add facts about what closing ``impact.team`` on ``impact.on`` does."""

    def closing_apply(self, team: Team, on: datetime.date, user: User) -> None:
        """Wind down the team's own records when it closes."""

    def history_facts(
        self, municipality: Municipality, assignments: list[Assignment]
    ) -> dict[int, list[Fact]]:
        """Facts per assignment (by pk) for the municipality's history, in constant queries."""
        return {}


_participants: list[Participant] = []


def register(participant: Participant) -> None:
    if not any(type(p) is type(participant) for p in _participants):
        _participants.append(participant)


def participants() -> list[Participant]:
    return list(_participants)


# --- Reassignment ---------------------------------------------------------------------------


def reassignment_preview(
    *, municipality: Municipality, team: Team, effective: datetime.date
) -> Impact:
    """What moving ``municipality`` to ``team`` from ``effective`` on would do, without doing it.

    Raises ``ValidationError`` (keyed by form field) when the change breaks a rule.
    """
    previous = assignment_reassign_check(municipality=municipality, team=team, effective=effective)
    change = Change(municipality, team, effective, previous)
    impact = Impact(change)
    if previous is None:
        impact.facts.append(
            Fact(_("Until now"), _("No team is responsible for this municipality on that date."))
        )
    else:
        impact.facts.append(
            Fact(
                _("Until now"),
                _("%(team)s, until %(date)s")
                % {"team": previous.team.name, "date": date_format(change.old_end)},
                _("The assignment since %(date)s ends the day before the effective date.")
                % {"date": date_format(previous.valid_from)},
            )
        )
    impact.facts.append(
        Fact(
            _("From now on"),
            _("%(team)s, from %(date)s") % {"team": team.name, "date": date_format(effective)},
        )
    )
    for participant in _participants:
        participant.reassignment_impact(change, impact)
    return impact


def reassign(
    *,
    municipality: Municipality,
    team: Team,
    effective: datetime.date,
    answers: dict[str, str],
    user: User,
) -> Assignment:
    """Apply a reassignment and every decision about it in one transaction.

    ``answers`` must answer every decision of the current impact; when the situation changed since
    the preview (e.g. a series was added), the change is refused so that the administrator looks
    again. Any rule broken on the way undoes everything.
    """
    with transaction.atomic():
        Municipality.objects.select_for_update().get(pk=municipality.pk)
        impact = reassignment_preview(municipality=municipality, team=team, effective=effective)
        missing = [d for d in impact.decisions if answers.get(d.key) not in dict(d.choices)]
        if missing:
            raise ValidationError(
                _(
                    "The situation has changed since the preview: please decide about "
                    "%(items)s and apply again."
                )
                % {"items": ", ".join(d.label for d in missing)},
                code="stale_preview",
            )
        assignment = assignment_replace(
            previous=impact.change.previous,
            municipality=municipality,
            team=team,
            effective=effective,
        )
        for participant in _participants:
            participant.reassignment_apply(impact.change, answers, user)
    return assignment


# --- Teams ----------------------------------------------------------------------------------


def team_closing_preview(team: Team, *, on: datetime.date | None = None) -> ClosingImpact:
    """What closing ``team`` on ``on`` (today) means; ``blocking`` lists the assignments that must
    be moved to other teams first (running on that date or starting later)."""
    on = on or timezone.localdate()
    impact = ClosingImpact(team, on)
    impact.blocking = list(
        _running_on_or_after(team, on).select_related("municipality").order_by("valid_from")
    )
    for participant in _participants:
        participant.closing_impact(impact)
    return impact


def team_close(team: Team, *, user: User, on: datetime.date | None = None) -> None:
    """Mark ``team`` inactive once none of its assignments runs on or after ``on``."""
    on = on or timezone.localdate()
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        if not team.is_active:
            raise ValidationError(_("The team is already closed."), code="closed")
        blocking = _running_on_or_after(team, on).select_related("municipality")
        names = sorted({a.municipality.name for a in blocking}, key=german_sort_key)
        if names:
            raise ValidationError(
                _(
                    "“%(team)s” is still responsible for %(municipalities)s. Move these "
                    "municipalities to other teams first."
                )
                % {"team": team.name, "municipalities": ", ".join(names)},
                code="still_responsible",
            )
        for participant in _participants:
            participant.closing_apply(team, on, user)
        team.is_active = False
        team.save(update_fields=["is_active"])


def _running_on_or_after(team: Team, on: datetime.date):
    return team.assignments.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def team_reopen(team: Team) -> None:
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        team.is_active = True
        team.save(update_fields=["is_active"])
