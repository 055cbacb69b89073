"""The activity list's filters (the CSV and Excel exports use the same ones).

Partners, projects and Gremien number in the hundreds: their fields render only the chosen
option and are searched as you type through small JSON endpoints (``teams.views.choosers``)
that offer exactly the choices below, so a user is offered only what the filter accepts.

Privacy: there is no filter by person. Figures per person are shown only to that person (the
staff council's co-determination, BVerwG 6 P 32.84), so the one person-related filter is
"only mine"; an old ``staff=<id>`` parameter is not a filter and is ignored.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from kooperation.models import Body, Partner
from sozialraum.forms import DATE_INPUT
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.permissions import (
    municipalities_visible_to,
    reads_whole_district,
    scope_of,
    teams_visible_to,
)
from sozialraum.text import GermanSortKey
from teams import permissions
from teams.models import Activity, Project

# --- The choices a user may filter by (the choosers offer the same) --------------------------


def partner_choices(user) -> QuerySet[Partner]:
    """Partners in the municipalities the user's teams serve today, and district-wide ones."""
    partners = Partner.objects.select_related("municipality").only("name", "municipality__name")
    if reads_whole_district(user):
        return partners
    if not scope_of(user).roles:
        return partners.none()
    return partners.filter(
        Q(municipality__in=municipalities_visible_to(user)) | Q(municipality__isnull=True)
    )


def project_choices(user) -> QuerySet[Project]:
    """Projects of the teams the user reads."""
    projects = Project.objects.only("title")
    if reads_whole_district(user):
        return projects
    return projects.filter(team__in=permissions.visible_team_ids(user))


def body_choices(user) -> QuerySet[Body]:
    """Gremien the user's teams take part in or that meet in their municipalities, and
    district-wide ones."""
    bodies = Body.objects.only("name")
    if reads_whole_district(user):
        return bodies
    if not scope_of(user).roles:
        return bodies.none()
    return bodies.filter(
        Q(team__in=permissions.visible_team_ids(user))
        | Q(municipality__in=municipalities_visible_to(user))
        | Q(municipality__isnull=True)
    )


def partner_label(partner: Partner) -> str:
    """A partner's name with its municipality: names repeat across municipalities."""
    place = partner.municipality.name if partner.municipality_id else _("district-wide")
    return f"{partner.name} ({place})"


# --- The chooser field -----------------------------------------------------------------------


class ChooserSelect(forms.Select):
    """A select that renders only "all" and the chosen option, never the whole list.

    ``static/js/choosers.js`` turns it into a search-as-you-type chooser fed by ``url``;
    without JavaScript the chosen value stays selectable and can be cleared.
    """

    def __init__(self, url, attrs=None):
        texts = {
            "data-chooser": url,
            "data-chooser-placeholder": _("Type to search"),
            "data-chooser-no-results": _("No matches"),
            "data-chooser-loading": _("Loading …"),
            "data-chooser-clear": _("Clear the choice"),
        }
        super().__init__(attrs={**texts, **(attrs or {})})

    def optgroups(self, name, value, attrs=None):
        chosen = [item for item in value if str(item).isdigit()]
        options = [self.create_option(name, "", self.choices.field.empty_label, not chosen, 0)]
        if chosen:
            field = self.choices.field
            for index, obj in enumerate(field.queryset.filter(pk__in=chosen[:1]), start=1):
                label = field.label_from_instance(obj)
                options.append(self.create_option(name, str(obj.pk), label, True, index))
        return [(None, options, 0)]


class PartnerChoiceField(FilterModelChoiceField):
    def label_from_instance(self, obj):
        return partner_label(obj)


class PartnerFilter(django_filters.ModelChoiceFilter):
    field_class = PartnerChoiceField


def chooser(url_name: str) -> ChooserSelect:
    return ChooserSelect(reverse_lazy(url_name))


class ActivityFilter(django_filters.FilterSet):
    """The activity list's filters; the exports use the same ones. Without any parameter the
    list shows the current year and the user's own teams."""

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
    partner = PartnerFilter(
        label=_("Partner"),
        queryset=Partner.objects.none(),
        empty_label=_("all"),
        method="filter_partner",
        widget=chooser("teams:chooser_partners"),
    )
    body = django_filters.ModelChoiceFilter(
        label=_("Gremium"),
        queryset=Body.objects.none(),
        empty_label=_("all"),
        widget=chooser("teams:chooser_bodies"),
    )
    project = django_filters.ModelChoiceFilter(
        label=_("Project"),
        queryset=Project.objects.none(),
        empty_label=_("all"),
        widget=chooser("teams:chooser_projects"),
    )
    mine = django_filters.BooleanFilter(
        label=_("Only activities I took part in"),
        widget=forms.CheckboxInput,
        method="filter_mine",
    )

    class Meta:
        model = Activity
        fields = []

    def __init__(self, data=None, *args, user, **kwargs):
        data = data.copy() if data is not None else {}
        if not any(data.get(name) for name in self.base_filters):
            self.apply_defaults(data, user)
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.filters["team"].queryset = teams_visible_to(user)
        self.filters["partner"].queryset = partner_choices(user)
        self.filters["body"].queryset = body_choices(user)
        self.filters["project"].queryset = project_choices(user)

    @property
    def form(self):
        """The filter form; its structure selects carry the key their options are cached by
        (``sozialraum.filter_fields``): the teams depend on the user's scope only."""
        form = super().form
        fields = form.fields
        fields["team"].structure_key = ("activity-filter-teams", scope_of(self.user))
        fields["middle_area"].structure_key = ("activity-filter-middle-areas",)
        fields["municipality"].structure_key = ("activity-filter-municipalities",)
        return form

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

    def filter_mine(self, queryset, name, value):
        """The activities the signed-in user took part in; never anyone else's."""
        if not value:
            return queryset
        links = Activity.staff.through.objects.filter(activity=OuterRef("pk"), user=self.user)
        return queryset.filter(Exists(links))
