import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from kooperation.models import Body, BodyKind, CooperationStatus, Partner, PartnerKind, SchoolType
from kooperation.selectors import partner_list
from sozialraum.filters import ACTIVE_CHOICES, ActiveByDefaultMixin, SearchMixin
from sozialraum.models import MiddleArea, Municipality, Team
from sozialraum.selectors import assignments_on
from sozialraum.text import GermanSortKey

NO_COOPERATION = "none"


class NetworkFilterMixin(SearchMixin):
    """Search and Mittelbereich filter shared by the partner and Gremium lists."""

    def filter_middle_area(self, queryset, name, value):
        """Records in the municipalities the Mittelbereich's teams serve today."""
        current = assignments_on().filter(team__middle_area=value)
        return queryset.filter(municipality__assignments__in=current)


class PartnerFilter(NetworkFilterMixin, ActiveByDefaultMixin, django_filters.FilterSet):
    """The partner directory's filters; the same filters drive the CSV and Excel export."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    municipality = django_filters.ModelChoiceFilter(
        label=_("Town or municipality"),
        queryset=Municipality.objects.order_by(GermanSortKey("name")),
        method="filter_municipality",
        empty_label=_("all"),
    )
    district_wide = django_filters.BooleanFilter(
        label=_("Only district-wide partners"),
        method="filter_district_wide",
        widget=forms.CheckboxInput,
    )
    middle_area = django_filters.ModelChoiceFilter(
        label=_("Mittelbereich"),
        queryset=MiddleArea.objects.all(),
        method="filter_middle_area",
        empty_label=_("all"),
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team responsible today"),
        queryset=Team.objects.filter(is_active=True),
        method="filter_team",
        empty_label=_("all"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=PartnerKind.choices, empty_label=_("all")
    )
    school_type = django_filters.ChoiceFilter(
        label=_("School type"), choices=SchoolType.choices, empty_label=_("all")
    )
    status = django_filters.ChoiceFilter(
        label=_("Cooperation status"),
        choices=[(NO_COOPERATION, _("no cooperation yet")), *CooperationStatus.choices],
        method="filter_status",
        empty_label=_("all"),
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=None
    )

    search_fields = ("name", "address")

    class Meta:
        model = Partner
        fields = []

    def filter_municipality(self, queryset, name, value):
        return queryset.filter(municipality=value)

    def filter_district_wide(self, queryset, name, value):
        return queryset.filter(municipality__isnull=True) if value else queryset

    def filter_team(self, queryset, name, value):
        return queryset.filter(municipality__assignments__in=assignments_on().filter(team=value))

    def filter_status(self, queryset, name, value):
        if value == NO_COOPERATION:
            return queryset.filter(cooperation__isnull=True)
        return queryset.filter(cooperation__status=value)


class BodyFilter(NetworkFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=BodyKind.choices, empty_label=_("all")
    )
    middle_area = django_filters.ModelChoiceFilter(
        label=_("Mittelbereich"),
        queryset=MiddleArea.objects.all(),
        method="filter_middle_area",
        empty_label=_("all"),
    )
    municipality = django_filters.ModelChoiceFilter(
        label=_("Town or municipality"),
        queryset=Municipality.objects.order_by(GermanSortKey("name")),
        empty_label=_("all"),
    )

    class Meta:
        model = Body
        fields = []


def filtered_partners(data):
    """The partners a list with these filter parameters shows: none when a value is invalid,
    as the list page does, so an export never holds more than the screen."""
    filterset = PartnerFilter(data, queryset=partner_list())
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()
