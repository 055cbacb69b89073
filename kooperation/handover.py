"""The cooperation network's part in a hand-over: the cooperations a person is responsible for
("Zuständig"), with their open next steps.

The next step of a cooperation has no owner of its own: the responsible person owns it, so it
goes with the cooperation. A cooperation with an open next step needs a new responsible person;
one without may explicitly be left without one.
"""

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kooperation.models import Cooperation, CooperationStatus
from sozialraum.handover import Item, Participant, active_staff_by_team, person_choice
from sozialraum.models import Team, User
from sozialraum.selectors import active_staff, assignments_on, municipalities_of

NOBODY = "nobody"


def item_key(cooperation_pk: int) -> str:
    return f"cooperation-{cooperation_pk}"


def has_open_next_step(cooperation: Cooperation) -> bool:
    return bool(cooperation.next_step) and cooperation.status != CooperationStatus.ENDED


def responsible_for(user: User, team: Team | None):
    """The cooperations ``user`` is responsible for (in the municipalities ``team`` serves
    today, when given)."""
    cooperations = Cooperation.objects.filter(responsible=user)
    if team is not None:
        cooperations = cooperations.filter(
            partner__municipality__in=municipalities_of(team).values("pk")
        )
    return cooperations


def held_cooperations(user: User, team: Team | None):
    """The cooperations ``user`` is responsible for (in the municipalities ``team`` serves
    today, when given), with the id of the team serving the partner's municipality today."""
    return (
        responsible_for(user, team)
        .select_related("partner__municipality")
        .annotate(
            team_today=Subquery(
                assignments_on()
                .filter(municipality=OuterRef("partner__municipality"))
                .values("team")[:1]
            )
        )
        .order_by("partner__name", "pk")
    )


class CooperationHandover(Participant):
    def handover_items(self, user: User, team: Team | None) -> list[Item]:
        cooperations = list(held_cooperations(user, team))
        if not cooperations:
            return []
        team_ids = {c.team_today for c in cooperations if c.team_today}
        staff = active_staff_by_team(team_ids, without=user)
        everyone = None
        if any(not c.team_today or not staff[c.team_today] for c in cooperations):
            # District-wide partners, or a municipality without a team (or without staff).
            everyone = list(active_staff().exclude(pk=user.pk))
        teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)} if team_ids else {}
        items = []
        for cooperation in cooperations:
            people = staff.get(cooperation.team_today) or everyone or []
            choices = [person_choice(person) for person in people]
            if has_open_next_step(cooperation):
                due = (
                    _(", due %(date)s") % {"date": date_format(cooperation.next_step_due)}
                    if cooperation.next_step_due
                    else ""
                )
                detail = _("%(status)s. Open next step: %(step)s%(due)s") % {
                    "status": cooperation.get_status_display(),
                    "step": cooperation.next_step,
                    "due": due,
                }
            else:
                detail = _("%(status)s. No open next step.") % {
                    "status": cooperation.get_status_display()
                }
                choices.append((NOBODY, _("Leave without a responsible person")))
            municipality = cooperation.partner.municipality
            label = cooperation.partner.name
            if municipality is not None:
                label = f"{label} ({municipality.name})"
            items.append(
                Item(
                    key=item_key(cooperation.pk),
                    kind=_("Cooperation"),
                    label=label,
                    choices=choices,
                    detail=detail,
                    team=teams.get(cooperation.team_today),
                )
            )
        return items

    def handover_apply(
        self, user: User, decisions: dict[str, str], actor: User, *, team: Team | None = None
    ) -> None:
        ids = list(
            responsible_for(user, team).select_for_update(of=("self",)).values_list("pk", flat=True)
        )
        by_target: dict[str, list[int]] = {}
        for pk in ids:
            by_target.setdefault(decisions[item_key(pk)], []).append(pk)
        now = timezone.now()
        for value, pks in sorted(by_target.items()):
            Cooperation.objects.filter(pk__in=pks).update(
                responsible_id=None if value == NOBODY else int(value),
                version=F("version") + 1,
                updated_by=actor,
                updated_at=now,
            )
