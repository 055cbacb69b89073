from django import forms
from django.utils.translation import gettext_lazy as _


class StructureDateForm(forms.Form):
    """Pick the date on which the structure page shows who is responsible."""

    on = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a valid date, for example 2026-11-25.")},
    )
