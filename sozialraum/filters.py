import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sozialraum.accounts.local import NO_ROLE, with_role
from sozialraum.models import Membership, Team, User
from sozialraum.permissions import Role
from sozialraum.text import GermanSortKey, german_sort_key

ACTIVE_CHOICES = [("yes", _("active")), ("no", _("inactive")), ("all", _("all"))]


class SearchMixin:
    """A ``search`` filter method over ``search_fields``: every word must occur in one of them,
    ignoring case and umlauts ("muller" finds "Müller", "okumenisch" finds "Ökumenisch"); core
    PostgreSQL has no unaccent, so the fields are compared by their German sort key."""

    search_fields = ("name",)

    def search(self, queryset, name, value):
        keys = {f"search_{field}": GermanSortKey(field) for field in self.search_fields}
        queryset = queryset.annotate(**keys)
        for term in german_sort_key(value).split():
            matches = Q()
            for key in keys:
                matches |= Q(**{f"{key}__contains": term})
            queryset = queryset.filter(matches)
        return queryset


class ActiveByDefaultMixin:
    """An ``active`` filter (choices ``ACTIVE_CHOICES``) that shows the active records when the
    request does not choose."""

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        if not data.get("active"):
            data["active"] = "yes"
        super().__init__(data, *args, **kwargs)

    def filter_active(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(is_active=value == "yes")


class UserFilter(SearchMixin, ActiveByDefaultMixin, django_filters.FilterSet):
    """The user list's filters; without parameters it shows the active accounts."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Name, username or e-mail address"),
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        queryset=Team.objects.order_by(GermanSortKey("name")),
        method="filter_team",
        empty_label=_("all"),
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        choices=[*Role.choices, (NO_ROLE, _("no role"))],
        method="filter_role",
        empty_label=_("all"),
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"), choices=ACTIVE_CHOICES, method="filter_active", empty_label=None
    )

    search_fields = ("first_name", "last_name", "username", "email")

    class Meta:
        model = User
        fields = []

    def filter_team(self, queryset, name, value):
        return queryset.filter(pk__in=Membership.objects.filter(team=value).values("user"))

    def filter_role(self, queryset, name, value):
        """With a team chosen, a team role means that role in that team."""
        return queryset.filter(with_role(value, team=self.form.cleaned_data.get("team")))
