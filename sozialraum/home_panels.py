"""The panels of the start page that show the work: open dates, next steps, months to sign off.

The start page lives in this app, but the work lives in apps that depend on it (``kooperation``,
``teams``). So that dependencies keep pointing one way, those apps register a panel provider here
(in their ``AppConfig.ready``), like the participants of ``sozialraum.reassignment``. A provider
is a function ``(user, today) -> Panel | None``: None when the panel does not concern the user.
Each provider reads in a constant number of queries, however many dates or steps it finds.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from sozialraum.models import User


@dataclass
class Panel:
    """One panel: its template (rendered with ``context`` and the request) and its place, lower
    first: the staff's own work (10s), the team's (20s), the heads' (30s and later)."""

    template_name: str
    context: dict = field(default_factory=dict)
    order: int = 100


Provider = Callable[[User, datetime.date], "Panel | None"]

_providers: dict[str, Provider] = {}


def local_today() -> datetime.date:
    """Today in the office's time zone; tests replace it to pin the day."""
    return timezone.localdate()


def register(key: str, provider: Provider) -> None:
    """Register a panel provider under a key (registering a key again replaces it)."""
    _providers[key] = provider


def panels_for(user: User, *, today: datetime.date) -> list[Panel]:
    """The panels that concern the user, in their order."""
    panels = [panel for provider in _providers.values() if (panel := provider(user, today))]
    return sorted(panels, key=lambda panel: panel.order)
