from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.models import (
    Body,
    ContactPerson,
    CooperationStatus,
    Partner,
    PartnerKind,
)
from kooperation.permissions import EditScope, municipalities_editable_by
from sozialraum.concurrency import VersionedFormMixin
from sozialraum.forms import DATE_INPUT
from sozialraum.models import Municipality, User
from sozialraum.selectors import active_staff
from sozialraum.text import GermanSortKey


def limit_municipalities(field, user, current=None) -> None:
    """Offer the municipalities the user may change, and "district-wide" if allowed."""
    scope = EditScope(user)
    allowed = Municipality.objects.all()
    if not scope.everything:
        keep = Q(pk__in=municipalities_editable_by(user))
        if current is not None:
            keep |= Q(pk=current.pk)
        allowed = allowed.filter(keep)
    field.queryset = allowed.order_by(GermanSortKey("name"))
    field.required = not scope.district_wide
    field.empty_label = _("district-wide") if scope.district_wide else None


class PartnerForm(VersionedFormMixin, forms.ModelForm):
    website = forms.URLField(
        label=_("website"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "kind",
            "school_type",
            "municipality",
            "address",
            "phone",
            "email",
            "website",
        ]
        help_texts = {
            "address": _("Street, postcode and town of the institution."),
            "phone": _("The institution's phone, not a private number."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        limit_municipalities(self.fields["municipality"], user, self.instance.municipality)
        self.fields["school_type"].help_text = _("Only for schools.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("school_type") and cleaned.get("kind") != PartnerKind.SCHOOL:
            self.add_error("school_type", _("Only a school has a school type."))
        return cleaned


class ContactPersonForm(forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["name", "function", "phone", "email"]
        help_texts = {
            "name": _("A professional contact of the institution. Never enter clients here."),
        }


class CooperationStepForm(VersionedFormMixin, forms.Form):
    """Record where a cooperation stands and what comes next."""

    status = forms.ChoiceField(label=_("Status"), choices=CooperationStatus.choices)
    on = forms.DateField(label=_("Date of the step"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("What happened"),
        max_length=300,
        required=False,
        help_text=_("Short and without any data about clients, e.g. 'Meeting with the head'."),
    )
    agreement_date = forms.DateField(
        label=_("Date of the written agreement"), required=False, widget=DATE_INPUT
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible staff member"), queryset=User.objects.none(), required=False
    )
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, cooperation=None, user=None, **kwargs):
        self.instance = cooperation or _NoCooperation()
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = active_staff()
        if cooperation is not None:
            for name in ["status", "agreement_date", "responsible", "next_step", "next_step_due"]:
                self.fields[name].initial = getattr(cooperation, name)
        else:
            self.fields["responsible"].initial = user
        self.fields["on"].initial = timezone.localdate()

    def as_step(self):
        from kooperation.services import Step

        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return Step(**data)

    def apply_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class _NoCooperation:
    """Stands in for the cooperation before its first step (no version yet)."""

    pk = None


class BodyForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Body
        fields = [
            "name",
            "kind",
            "municipality",
            "team",
            "convener",
            "members",
            "representatives",
            "rhythm",
            "rhythm_note",
        ]
        widgets = {
            "members": forms.SelectMultiple(attrs={"size": 12}),
            "representatives": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "members": _("Hold Ctrl (Mac: Cmd) to select several partners."),
            "representatives": _("Staff who represent the team in this Gremium."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        limit_municipalities(self.fields["municipality"], user, self.instance.municipality)
        keep = Q(is_active=True)
        if self.instance.pk:
            keep |= Q(pk__in=self.instance.members.values("pk"))
        partners = Partner.objects.filter(keep).select_related("municipality")
        partners = partners.order_by(GermanSortKey("name"))
        for name in ["convener", "members"]:
            self.fields[name].queryset = partners
            self.fields[name].label_from_instance = _partner_label
        self.fields["representatives"].queryset = active_staff()
        self.fields["team"].queryset = self.fields["team"].queryset.filter(is_active=True)


def _partner_label(partner: Partner) -> str:
    where = partner.municipality.name if partner.municipality else _("district-wide")
    return f"{partner.name} ({where})"


class PartnerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma or semicolon separated, with the columns described below."),
    )
