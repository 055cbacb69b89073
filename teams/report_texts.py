"""The office's own text in the annual report: who may write it, the form, and the save.

The Amtsleitung writes for every scope; a Fachbereichsleitung for her Mittelbereich and its
teams and towns and municipalities; nobody else. The text leaves the office with the report,
so the form says that it must not describe single cases.
"""

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sozialraum.concurrency import EditConflict, VersionedFormMixin, save_versioned
from sozialraum.models import Team
from sozialraum.permissions import Role, scope_of
from sozialraum.selectors import assignments_on
from teams.dashboard import Scope
from teams.models import REPORT_TEXT_FIELDS, ReportText

NO_SINGLE_CASES = _(
    "The text is published with the report: do not describe single cases and name no "
    "children, young people, parents or other persons, not even by details that would "
    "identify them."
)


def can_write_texts(user, scope: Scope) -> bool:
    """May ``user`` write the texts of the report of ``scope`` (a scope they may read)?"""
    roles = scope_of(user)
    if Role.AMTSLEITUNG in roles.roles:
        return True
    areas = roles.headed_area_ids
    if not areas or scope.kind == "district":
        return False
    if scope.kind == "middle_area":
        return scope.pk in areas
    if scope.kind == "team":
        return Team.objects.filter(pk=scope.pk, middle_area__in=areas).exists()
    return assignments_on().filter(municipality=scope.pk, team__middle_area__in=areas).exists()


class ReportTextForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ReportText
        fields = list(REPORT_TEXT_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in REPORT_TEXT_FIELDS}
        help_texts = {
            "introduction": _("Opens the section, before its figures."),
            "examples": _("Examples of the work, after the figures."),
            "challenges": _("What was difficult or is still missing."),
            "outlook": _("What comes next."),
        }

    def clean(self):
        data = super().clean()
        for name in REPORT_TEXT_FIELDS:
            value = data.get(name)
            if value and any(ord(c) < 32 and c not in "\n\r\t" for c in value):
                self.add_error(name, _("The text contains control characters; please remove them."))
        return data


def report_text_for(scope: Scope, year: int, section: str) -> ReportText:
    """The saved text of a section, or a new, empty one."""
    return ReportText.objects.filter(year=year, scope_key=scope.key, section=section).first() or (
        ReportText(year=year, scope_key=scope.key, section=section)
    )


def report_text_save(*, text: ReportText, expected_version, user) -> None:
    """Save through the version check: a save from an outdated page raises EditConflict, and
    so does a first save when someone else wrote the section's first text meanwhile."""
    try:
        with transaction.atomic():
            save_versioned(text, expected_version=expected_version, user=user)
    except IntegrityError:
        current = ReportText.objects.get(
            year=text.year, scope_key=text.scope_key, section=text.section
        )
        raise EditConflict(current) from None
