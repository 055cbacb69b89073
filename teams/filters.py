import datetime

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.models import Body, Partner
from sozialraum.forms import DATE_INPUT
from sozialraum.models import MiddleArea, Municipality, Team, User
from sozialraum.permissions import scope_of, teams_visible_to
from sozialraum.text import GermanSortKey
from teams.models import Activity, Project


class ActivityFilter(django_filters.FilterSet):
    """The activity list's filters; the CSV export uses the same ones. Without any parameter
    the list shows the current year and the user's own teams."""

    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("Until"), widget=DATE_INPUT
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Activity.Kind.choices, empty_label=_("all")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Activity.Status.choices, empty_label=_("all")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.none(), empty_label=_("all")
    )
    middle_area = django_filters.ModelChoiceFilter(
        label=_("Mittelbereich"),
        field_name="team__middle_area",
        queryset=MiddleArea.objects.all(),
        empty_label=_("all"),
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Town or municipality"),
        queryset=Municipality.objects.order_by(GermanSortKey("name")),
        empty_label=_("all"),
    )
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"),
        queryset=Partner.objects.order_by(GermanSortKey("name")),
        empty_label=_("all"),
        method="filter_partner",
    )
    body = django_filters.ModelChoiceFilter(
        label=_("Gremium"), queryset=Body.objects.all(), empty_label=_("all")
    )
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=Project.objects.none(), empty_label=_("all")
    )
    staff = django_filters.ModelChoiceFilter(
        label=_("Staff member"),
        queryset=User.objects.none(),
        empty_label=_("all"),
        method="filter_staff",
    )

    class Meta:
        model = Activity
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        data = data.copy() if data is not None else {}
        if not any(data.get(name) for name in self.base_filters):
            self.apply_defaults(data, user)
        super().__init__(data, *args, **kwargs)
        visible = teams_visible_to(user)
        self.filters["team"].queryset = visible
        self.filters["project"].queryset = Project.objects.filter(team__in=visible)
        self.filters["staff"].queryset = (
            User.objects.filter(memberships__team__in=visible)
            .distinct()
            .order_by("last_name", "first_name")
        )

    @staticmethod
    def apply_defaults(data, user) -> None:
        today = timezone.localdate()
        data["date_from"] = datetime.date(today.year, 1, 1).isoformat()
        data["date_to"] = datetime.date(today.year, 12, 31).isoformat()
        own = sorted(scope_of(user).team_ids)
        if len(own) == 1:
            data["team"] = str(own[0])

    # EXISTS rather than a join: a join through a many-to-many relation could repeat rows.
    def filter_partner(self, queryset, name, value):
        links = Activity.partners.through.objects.filter(activity=OuterRef("pk"), partner=value)
        return queryset.filter(Exists(links))

    def filter_staff(self, queryset, name, value):
        links = Activity.staff.through.objects.filter(activity=OuterRef("pk"), user=value)
        return queryset.filter(Exists(links))
