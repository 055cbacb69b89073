"""A staff member's own figures ("Meine Aktivitäten").

Figures per person need the staff council's consent wherever anyone else could see them, so
these reads take the user and nothing else: there is no way to ask for another person's
figures. Everything is summed in the database, in a constant number of queries.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from teams.models import Activity

HELD = Q(status=Activity.Status.HELD)
SUM_FIELDS = (*Activity.COUNT_FIELDS, "helps_initiated")


@dataclass
class Tally:
    """Activities held and cancelled, with the contacts and helps of the held ones."""

    held: int = 0
    cancelled: int = 0
    children: int = 0
    young_people: int = 0
    parents: int = 0
    professionals: int = 0
    others: int = 0
    helps_initiated: int = 0

    @property
    def total(self) -> int:
        return self.held + self.cancelled

    @property
    def contacts(self) -> int:
        return sum(getattr(self, name) for name in Activity.COUNT_FIELDS)

    def add(self, row: dict) -> None:
        self.held += row["held"]
        self.cancelled += row["cancelled"]
        for name in SUM_FIELDS:
            setattr(self, name, getattr(self, name) + row[name])


@dataclass
class KindRow:
    kind: str
    label: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class MonthRow:
    month: datetime.date
    tally: Tally = field(default_factory=Tally)


@dataclass
class ContactRow:
    group: str
    label: str
    number: int


@dataclass
class PersonalFigures:
    year: int
    total: Tally
    by_kind: list[KindRow]
    by_month: list[MonthRow]

    @property
    def contacts(self) -> list[ContactRow]:
        return [
            ContactRow(name, Activity._meta.get_field(name).verbose_name, getattr(self.total, name))
            for name in Activity.COUNT_FIELDS
        ]


def own_activities(user):
    """The activities the user took part in (is among the staff of)."""
    return Activity.objects.filter(staff=user)


def activity_years(user) -> list[int]:
    """The years the user has activities in, newest first (one query)."""
    return list(
        own_activities(user)
        .annotate(year=ExtractYear("date"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def personal_figures(user, year: int) -> PersonalFigures:
    """The user's activities of a year by kind and month, held and cancelled, with contacts by
    group and helps initiated (of the held ones). One query: the rows are grouped by kind and month
    in the database, so at most one row per kind and month comes back however many activities."""
    grouped = (
        own_activities(user)
        .filter(date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
        .annotate(month=ExtractMonth("date"))
        .values("kind", "month")
        .annotate(
            held=Count("pk", filter=HELD),
            cancelled=Count("pk", filter=~HELD),
            **{name: Sum(name, filter=HELD, default=0) for name in SUM_FIELDS},
        )
        .order_by()
    )
    total = Tally()
    by_kind = {kind.value: KindRow(kind.value, kind.label) for kind in Activity.Kind}
    by_month = {month: MonthRow(datetime.date(year, month, 1)) for month in range(1, 13)}
    for row in grouped:
        total.add(row)
        by_kind.setdefault(row["kind"], KindRow(row["kind"], row["kind"])).tally.add(row)
        by_month[row["month"]].tally.add(row)
    return PersonalFigures(
        year=year, total=total, by_kind=list(by_kind.values()), by_month=list(by_month.values())
    )
