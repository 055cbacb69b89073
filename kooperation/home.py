"""The network's panels of the start page (registered in ``KooperationConfig.ready``).

For everyone responsible for cooperations: their own next steps that are due (overdue, or due
within a week). For heads (Fachbereichsleitung, Amtsleitung): the overdue next steps of
everyone in their area. Each panel costs at most two queries.
"""

import datetime

from django.db.models import QuerySet

from kooperation.models import Cooperation
from kooperation.selectors import open_next_steps
from sozialraum.home_panels import Panel
from sozialraum.models import User
from sozialraum.permissions import is_head, scope_of

# "Due" means overdue or due within this many days.
DUE_SOON_DAYS = 7
# A panel lists this many steps and links to the list of all next steps for the rest.
PANEL_ROWS = 10


def own_steps_due(user: User, today: datetime.date) -> QuerySet[Cooperation]:
    """The open next steps the user is responsible for, due within a week or overdue."""
    return (
        Cooperation.objects.filter(
            responsible=user,
            partner__is_active=True,
            next_step_due__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .exclude(next_step="")
        .select_related("partner__municipality")
        .order_by("next_step_due", "partner__name", "pk")
    )


def own_steps_panel(user: User, today: datetime.date) -> Panel | None:
    """Shown to team staff always (an empty list is good news), to others when they have some."""
    rows = list(own_steps_due(user, today)[: PANEL_ROWS + 1])
    if not rows and not scope_of(user).team_ids:
        return None
    return Panel(
        "kooperation/_home_next_steps_due.html",
        {"rows": rows[:PANEL_ROWS], "more": len(rows) > PANEL_ROWS},
        order=15,
    )


def area_overdue_panel(user: User, today: datetime.date) -> Panel | None:
    """Heads: the overdue next steps in the Mittelbereich (Amtsleitung: the district), scoped
    like the list of next steps."""
    if not is_head(user):
        return None
    overdue = open_next_steps(user, on=today).filter(next_step_due__lt=today)
    return Panel(
        "kooperation/_home_overdue_steps.html",
        {"rows": list(overdue[:PANEL_ROWS]), "count": overdue.count()},
        order=50,
    )


def register_panels() -> None:
    from sozialraum import home_panels

    home_panels.register("kooperation.own_steps", own_steps_panel)
    home_panels.register("kooperation.area_overdue", area_overdue_panel)
