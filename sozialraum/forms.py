import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from sozialraum.models import Municipality, Team
from sozialraum.text import GermanSortKey

# The browser's date picker; the value travels in ISO form whatever the page's language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StructureDateForm(forms.Form):
    """Pick the date on which the structure page shows who is responsible."""

    on = forms.DateField(
        label=_("As of"),
        required=False,
        widget=DATE_INPUT,
        error_messages={"invalid": _("Enter a valid date, for example 2026-11-25.")},
    )


def first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team):
        return f"{team.name} ({team.middle_area.name})"


class ReassignForm(forms.Form):
    """Which team serves the municipality from which date; the decisions the change needs are
    added as radio fields once the impact is known (see ``add_decisions``)."""

    team = TeamChoiceField(
        label=_("New responsible team"),
        queryset=Team.objects.none(),
        empty_label=_("Choose a team"),
        error_messages={"required": _("Choose the team that takes over.")},
    )
    effective = forms.DateField(
        label=_("Effective from"),
        widget=DATE_INPUT,
        help_text=_(
            "The first day on which the new team is responsible. The current assignment ends "
            "the day before."
        ),
        error_messages={
            "required": _("Enter the date from which the new team is responsible."),
            "invalid": _("Enter a valid date, for example 2026-12-01."),
        },
    )

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["team"].queryset = (
            Team.objects.filter(is_active=True)
            .select_related("middle_area")
            .order_by(GermanSortKey("name"))
        )
        self.decision_keys: list[str] = []

    def add_decisions(self, decisions) -> None:
        for decision in decisions:
            self.fields[decision.key] = forms.ChoiceField(
                label=decision.label,
                choices=decision.choices,
                initial=decision.initial,
                help_text=decision.detail,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": _("Decide what happens to this consultation hour.")},
            )
            self.decision_keys.append(decision.key)

    @property
    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) for key in self.decision_keys}


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "middle_area", "address", "phone", "email"]
        help_texts = {
            "name": _("Renaming keeps the team's history: its activities and assignments stay."),
        }
