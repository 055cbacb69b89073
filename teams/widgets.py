"""Widgets for the forms that know their context: options grouped with the team's own area
first, long checkbox lists that ``static/js/choosers.js`` turns into search-as-you-type
choosers, and venues carrying what the page script needs (municipality, public place).

Each renders from one pass over its choices: one query, whatever the number of options.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from sozialraum.text import german_sort_key

NO_GROUP = (-1, "")


class GroupedChoicesMixin:
    """Options grouped by ``group_of(obj) -> (rank, label)`` (by rank, then label); ``keep(obj)``
    drops options (a chosen one always stays); ``option_attrs(obj)`` adds attributes. One group
    only is shown without a heading."""

    group_of = None
    keep = None
    option_attrs = None

    def grouped_options(self, name, value, attrs=None) -> list[tuple[tuple, list]]:
        chosen = {str(item) for item in value}
        groups, index = {}, 0
        for option_value, label in self.choices:
            instance = getattr(option_value, "instance", None)
            selected = str(option_value) in chosen
            if instance is not None and self.keep and not selected and not self.keep(instance):
                continue
            key = self.group_of(instance) if instance is not None and self.group_of else NO_GROUP
            option = self.create_option(name, option_value, label, selected, index, attrs=attrs)
            if instance is not None and self.option_attrs:
                option["attrs"].update(self.option_attrs(instance))
            groups.setdefault(key, []).append(option)
            index += 1
        return sorted(groups.items(), key=lambda item: (item[0][0], german_sort_key(item[0][1])))

    def optgroups(self, name, value, attrs=None):
        grouped = self.grouped_options(name, value, attrs)
        if sum(1 for key, _options in grouped if key != NO_GROUP) <= 1:
            grouped = [(NO_GROUP, [option for _key, options in grouped for option in options])]
        return [(key[1] or None, options, index) for index, (key, options) in enumerate(grouped)]


class GroupedSelect(GroupedChoicesMixin, forms.Select):
    pass


class VenueSelect(GroupedSelect):
    """The series' venue: partners of the chosen municipality (or the team's area), grouped
    by municipality; each option says its municipality and whether it is a public place."""


class ChooserCheckboxes(GroupedChoicesMixin, forms.CheckboxSelectMultiple):
    """A checkbox list: without JavaScript a plain list (a click never drops another choice);
    longer than ``threshold``, ``static/js/choosers.js`` turns it into a search-as-you-type
    chooser that keeps the checkboxes as what is sent."""

    def __init__(self, *args, threshold: int = 12, **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold = threshold

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        options = [option for _label, group, _index in groups for option in group]
        if len(options) > self.threshold:
            for label, group, _index in groups:
                for option in group:
                    option["attrs"]["data-multi-chooser"] = ""
                    option["attrs"]["data-group"] = label or ""
            options[0]["attrs"].update(
                {
                    "data-chooser-placeholder": _("Type to search"),
                    "data-chooser-no-results": _("No matches"),
                    "data-chooser-remove": _("Remove"),
                }
            )
        return groups
