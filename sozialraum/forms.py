import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sozialraum.models import Municipality, Team
from sozialraum.text import CONTROL_CHARACTERS_MESSAGE, GermanSortKey, has_control_characters

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


# --- Control characters in typed text -------------------------------------------------------


def check_text(field: forms.CharField, value) -> None:
    """Refuse control characters in a text field's value; line breaks and tabs only where the
    field is several lines long (a text area). Passwords are never shown or stored as text."""
    if not isinstance(value, str) or isinstance(field.widget, forms.PasswordInput):
        return
    multiline = isinstance(field.widget, forms.Textarea)
    if has_control_characters(value, multiline=multiline):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def install_text_check() -> None:
    """Make every text field of every form refuse control characters: the project's forms,
    the filters' forms, the login and the Django admin's ModelForms alike.

    One hook on ``forms.CharField`` (and so its subclasses: e-mail, URL, user name, …) instead
    of a base class in every form: a form added later, or one Django builds for the admin,
    cannot forget it. Called once from ``SozialraumConfig.ready``.
    """
    if getattr(forms.CharField, "_checks_control_characters", False):
        return
    plain_validate = forms.CharField.validate

    def validate(self, value):
        plain_validate(self, value)
        check_text(self, value)

    forms.CharField.validate = validate
    forms.CharField._checks_control_characters = True


class PlainModelChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a select, read with one plain query.

    Django reads them through ``QuerySet.iterator()``, which on PostgreSQL declares a
    server-side cursor ``WITH HOLD`` outside a transaction: the cursor is materialised and
    costs extra round trips, measured at 5 to 40 ms per select on the activity list at 1 M
    activities. The options of a select are a few dozen rows; a plain query is the cheap way.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


def install_plain_choice_queries() -> None:
    """Every model select of every form (project forms, filters, admin) uses
    :class:`PlainModelChoiceIterator`. Called once from ``SozialraumConfig.ready``."""
    forms.ModelChoiceField.iterator = PlainModelChoiceIterator
