"""The absence form: from and until and a stand-in per series (see ``teams.absences``)."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from sozialraum.concurrency import VersionedFormMixin
from sozialraum.forms import DATE_INPUT
from teams.absences import overlapping_absence
from teams.models import Absence
from teams.recurrence import describe

# The years the calendars can show (as "Meine Woche").
FIRST_YEAR, LAST_YEAR = 1900, 2199
STAND_IN_PREFIX = "stand_in_"


def series_label(series) -> str:
    return _("Stand-in for %(venue)s (%(rule)s, %(start)s–%(end)s)") % {
        "venue": series.venue.name,
        "rule": describe(series.rrule),
        "start": f"{series.start_time:%H:%M}",
        "end": f"{series.end_time:%H:%M}",
    }


class AbsenceForm(VersionedFormMixin, forms.ModelForm):
    """``instance`` carries the person and the team; ``series`` are the series the person
    staffs, ``candidates`` who may stand in."""

    class Meta:
        model = Absence
        fields = ["start", "end"]
        widgets = {"start": DATE_INPUT, "end": DATE_INPUT}
        error_messages = {
            "start": {"invalid": _("Enter a valid date, for example 2026-11-25.")},
            "end": {"invalid": _("Enter a valid date, for example 2026-11-25.")},
        }

    def __init__(self, *args, series, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = list(series)
        current = {}
        if self.instance.pk:
            current = {s.series_id: s.stand_in_id for s in self.instance.stand_ins.all()}
        for item in self.series:
            self.fields[f"{STAND_IN_PREFIX}{item.pk}"] = forms.ModelChoiceField(
                queryset=candidates,
                required=False,
                empty_label=_("No stand-in"),
                label=series_label(item),
                initial=current.get(item.pk),
                error_messages={
                    "invalid_choice": _(
                        "Choose a stand-in from the team's active staff, or “No stand-in”."
                    )
                },
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        for name in ("start", "end"):
            day = cleaned.get(name)
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("Enter a date between %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
                return cleaned
        if start and end and end < start:
            self.add_error("end", _("The last day must not be before the first day."))
        elif start and end:
            self.check_overlap(start, end)
        return cleaned

    def check_overlap(self, start, end) -> None:
        other = overlapping_absence(self.instance.user, start, end, exclude_pk=self.instance.pk)
        if other is not None:
            self.add_error(None, overlap_message(other))

    def stand_ins(self) -> dict:
        """Series id → the chosen stand-in (``None`` for none)."""
        return {
            item.pk: self.cleaned_data.get(f"{STAND_IN_PREFIX}{item.pk}") for item in self.series
        }


def overlap_message(other: Absence | None = None) -> str:
    if other is None:
        return str(_("This person is already absent on a day of this period."))
    return _("%(person)s is already recorded as absent from %(start)s to %(end)s.") % {
        "person": other.user,
        "start": date_format(other.start, "SHORT_DATE_FORMAT"),
        "end": date_format(other.end, "SHORT_DATE_FORMAT"),
    }
