"""Handing over what a person holds when the account is deactivated or leaves a team.

The structure app knows users and teams; what a person *holds* (consultation-hour series they
staff, cooperations they are responsible for with their next steps) lives in apps that depend
on this one. So that dependencies keep pointing one way, those apps register a ``Participant``
here (in their ``AppConfig.ready``), as for reassignments (``sozialraum.reassignment``).

A participant lists the person's holdings as ``Item``s, each with the choices the
administrator has (a person to hand it to, or an explicit alternative such as ending a
series), and applies the decisions inside the transaction that deactivates the account or
ends the membership. Nothing is handed over silently: every item needs a decision, and a
preview that no longer matches the holdings (someone added a series meanwhile) is refused.
"""

from dataclasses import dataclass, field

import pghistory
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sozialraum.models import Membership, Team, User

# The hidden field that carries the keys of the items the administrator has seen.
ITEMS_FIELD = "handover_items"
# Prefix of the decision fields: one select per item.
DECISION_PREFIX = "handover-"


@dataclass(frozen=True)
class Item:
    """One thing the person holds and the question what becomes of it."""

    key: str  # unique over all participants, e.g. "series-12"
    kind: str  # what it is, e.g. "Consultation hour"
    label: str
    choices: list[tuple[str, str]]  # (value, label); a person's value is their pk
    detail: str = ""
    team: Team | None = None

    @property
    def field_name(self) -> str:
        return DECISION_PREFIX + self.key


@dataclass
class Preview:
    user: User
    team: Team | None
    items: list[Item] = field(default_factory=list)

    @property
    def keys(self) -> str:
        """The items' keys as the hidden field carries them."""
        return ",".join(sorted(item.key for item in self.items))


class StaleHandover(Exception):  # noqa: N818 - a conflict, not a programming error
    """The holdings changed since the preview; ``preview`` is the current one."""

    def __init__(self, preview: Preview):
        super().__init__(f"holdings of user {preview.user.pk} changed meanwhile")
        self.preview = preview


STALE_MESSAGE = gettext_lazy(
    "What this person holds has changed since the list was shown (for example, someone added a "
    "consultation hour). Nothing was changed. Please check the current list and decide again."
)


class Participant:
    """What another app contributes to a hand-over. Both hooks are needed."""

    def handover_items(self, user: User, team: Team | None) -> list[Item]:
        """What ``user`` holds (in ``team``, or anywhere when ``team`` is None), each with its
        choices; a constant number of queries whatever the number of items."""
        return []

    def handover_apply(
        self, user: User, decisions: dict[str, str], actor: User, *, team: Team | None = None
    ) -> None:
        """Carry out the (checked) decisions for this participant's items; raise
        ``ValidationError`` to undo the whole change."""


_participants: list[Participant] = []


def register(participant: Participant) -> None:
    if not any(type(p) is type(participant) for p in _participants):
        _participants.append(participant)


def participants() -> list[Participant]:
    return list(_participants)


def handover_preview(user: User, team: Team | None = None) -> Preview:
    """What ``user`` holds and must hand over on leaving ``team`` (or every team, when None)."""
    preview = Preview(user, team)
    for participant in _participants:
        preview.items.extend(participant.handover_items(user, team))
    return preview


def decisions_from(data, preview: Preview) -> dict[str, str]:
    """The submitted decisions (by item key) from POST data."""
    return {
        item.key: data[item.field_name]
        for item in preview.items
        if data.get(item.field_name) not in (None, "")
    }


def check(preview: Preview, decisions: dict[str, str], seen: str | None) -> None:
    """Refuse a stale preview (``StaleHandover``) and missing or unknown decisions
    (``ValidationError`` keyed by the items' field names)."""
    if not preview.items:
        return
    if seen is not None and seen != preview.keys:
        raise StaleHandover(preview)
    errors = {}
    for item in preview.items:
        value = decisions.get(item.key)
        if value is None:
            errors[item.field_name] = ValidationError(
                _("Please decide what becomes of this."), code="required"
            )
        elif value not in dict(item.choices):
            errors[item.field_name] = ValidationError(
                _("Please choose one of the offered options."), code="invalid_choice"
            )
    if errors:
        raise ValidationError(errors)


def hand_over(
    *,
    user: User,
    actor: User,
    decisions: dict[str, str],
    seen: str | None,
    team: Team | None = None,
) -> Preview:
    """Check the decisions against the current holdings and carry them out.

    To be called inside the transaction that deactivates ``user`` or ends its membership, with
    the user's row locked (``SELECT … FOR UPDATE``): that blocks every new reference to the
    user (a new series staff link, a new responsible person) until the commit, so the holdings
    read here are the ones left when the transaction ends. Every change is recorded in the audit
    trail under the context label ``handover``.
    """
    return hand_over_many(user=user, actor=actor, decisions=decisions, seen=seen, scopes=[team])


def active_staff_by_team(team_ids, *, without: User) -> dict[int, list[User]]:
    """Active members of each team (except ``without``), by name; one query."""
    by_team: dict[int, list[User]] = {team_id: [] for team_id in team_ids}
    memberships = (
        Membership.objects.filter(team__in=team_ids, user__is_active=True)
        .exclude(user=without)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    for membership in memberships:
        by_team[membership.team_id].append(membership.user)
    return by_team


def person_choice(user: User) -> tuple[str, str]:
    name = user.get_full_name() or user.username
    return str(user.pk), _("Hand over to %(name)s") % {"name": name}


def handover_preview_many(user: User, scopes: list[Team | None]) -> Preview:
    """The holdings over several scopes (teams the user leaves at once), each item once."""
    preview = Preview(user, scopes[0] if len(scopes) == 1 else None)
    seen_keys = set()
    for scope in scopes:
        for item in handover_preview(user, scope).items:
            if item.key not in seen_keys:
                seen_keys.add(item.key)
                preview.items.append(item)
    return preview


def hand_over_many(
    *,
    user: User,
    actor: User,
    decisions: dict[str, str],
    seen: str | None,
    scopes: list[Team | None],
) -> Preview:
    """``hand_over`` for several scopes at once, checked against their combined preview."""
    preview = handover_preview_many(user, scopes)
    check(preview, decisions, seen)
    if not preview.items:
        return preview
    with pghistory.context(
        label="handover",
        handover_of=user.pk,
        handover_teams=[scope.pk for scope in scopes if scope is not None],
    ):
        for scope in scopes:
            for participant in _participants:
                participant.handover_apply(user, decisions, actor, team=scope)
    return preview


class HandoverForm(forms.Form):
    """One required choice per item, and the hidden list of the items shown."""

    def __init__(self, *args, preview: Preview, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        self.fields[ITEMS_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=preview.keys
        )
        for item in preview.items:
            self.fields[item.field_name] = forms.ChoiceField(
                label=f"{item.kind}: {item.label}",
                help_text=item.detail,
                choices=[("", _("– please choose –")), *item.choices],
                error_messages={
                    "required": _("Please decide what becomes of this."),
                    "invalid_choice": _("Please choose one of the offered options."),
                },
            )

    @property
    def rows(self):
        return [(item, self[item.field_name]) for item in self.preview.items]

    def decisions(self) -> dict[str, str]:
        return decisions_from(self.data, self.preview)

    def seen(self) -> str | None:
        return self.data.get(ITEMS_FIELD)
