from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kooperation.models import Body, Partner
from sozialraum.concurrency import VersionedFormMixin
from sozialraum.forms import DATE_INPUT
from sozialraum.models import Municipality, Team
from sozialraum.selectors import active_staff
from sozialraum.text import GermanSortKey
from teams import permissions
from teams.models import MAX_COUNT, Activity, ConsultationHour, Project, TargetGroup, Topic
from teams.recurrence import Pattern, build_rrule, parse_rrule
from teams.services import activity_errors, logged_activity

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
COUNT_WIDGET = forms.NumberInput(attrs={"min": 0, "max": MAX_COUNT, "inputmode": "numeric"})
NOTE_HELP = _(
    "At most 500 characters. Never anything about clients: no names, initials, ages, "
    "addresses or case details."
)


def partner_label(partner: Partner) -> str:
    where = partner.municipality.name if partner.municipality else _("district-wide")
    return f"{partner.name} ({where})"


def already_logged_message(activity: Activity) -> str:
    """'Already logged by <name>' with a link to the activity (HTML, escaped)."""
    author = activity.created_by
    name = (author.get_full_name() or author.username) if author else _("someone")
    return format_html(
        '{} <a href="{}">{}</a>',
        _("This date has already been logged by %(name)s.") % {"name": name},
        reverse("teams:activity_detail", args=[activity.pk]),
        _("Open the activity"),
    )


class ActivityRulesMixin:
    """Runs the shared activity rules (teams.services.activity_errors) in ``clean``."""

    def clean(self):
        cleaned = super().clean()
        for field, message in activity_errors(self.rule_data(cleaned)).items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned

    def rule_data(self, cleaned: dict) -> dict:
        return cleaned


class ActivityForm(ActivityRulesMixin, VersionedFormMixin, forms.ModelForm):
    confirm_outside_area = forms.BooleanField(
        label=_("Yes, it took place outside the team's area"), required=False
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "date",
            "start_time",
            "end_time",
            "team",
            "municipality",
            "consultation_hour",
            "body",
            "project",
            "status",
            "cancel_reason",
            "children",
            "young_people",
            "parents",
            "professionals",
            "others",
            "helps_initiated",
            "topics",
            "partners",
            "staff",
            "note",
        ]
        widgets = {
            "date": DATE_INPUT,
            "start_time": TIME_WIDGET,
            "end_time": TIME_WIDGET,
            "status": forms.RadioSelect,
            "topics": forms.CheckboxSelectMultiple,
            "partners": forms.SelectMultiple(attrs={"size": 6}),
            "staff": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            **dict.fromkeys((*Activity.COUNT_FIELDS, "helps_initiated"), COUNT_WIDGET),
        }
        help_texts = {"note": NOTE_HELP}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(
            Q(pk__in=permissions.teams_logging_for(user)) | Q(pk=self.instance.team_id or 0)
        )
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["municipality"].queryset = Municipality.objects.order_by(GermanSortKey("name"))
        series = ConsultationHour.objects.filter(team__in=teams.values("pk")).select_related(
            "venue"
        )
        self.fields["consultation_hour"].queryset = series
        self.fields["body"].queryset = Body.objects.filter(is_active=True)
        self.fields["project"].queryset = Project.objects.filter(team__in=teams.values("pk"))
        partners = Partner.objects.filter(is_active=True).select_related("municipality")
        self.fields["partners"].queryset = partners.order_by(GermanSortKey("name"))
        self.fields["partners"].label_from_instance = partner_label
        self.fields["staff"].queryset = active_staff(teams.values("pk"))
        self.fields["topics"].queryset = Topic.objects.filter(
            Q(is_active=True) | Q(activities=self.instance.pk or 0)
        ).distinct()
        if not self.instance.pk and not self.initial.get("staff"):
            self.initial["staff"] = [user.pk]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in {Activity.Kind.ROUND_TABLE, Activity.Kind.WORKING_GROUP} and not cleaned.get(
            "body"
        ):
            self.add_error("body", _("Choose the Gremium that met."))
        if kind == Activity.Kind.PROJECT and not cleaned.get("project"):
            self.add_error("project", _("Choose the project."))
        if cleaned.get("status") == Activity.Status.CANCELLED and cleaned.get("topics"):
            self.add_error("topics", _("A cancelled activity has no topics."))
        team = cleaned.get("team")
        for name in ("project", "consultation_hour"):
            linked = cleaned.get(name)
            if team and linked and linked.team_id != team.pk:
                self.add_error(name, _("It belongs to another team than the activity."))
        series, day = cleaned.get("consultation_hour"), cleaned.get("date")
        if series and day and "date" not in self.errors:
            existing = logged_activity(series, day, exclude_pk=self.instance.pk)
            if existing is not None:
                self.add_error("date", already_logged_message(existing))
        return cleaned

    def save(self, commit=True):
        activity = super().save(commit=False)
        activity.outside_area_confirmed = bool(self.cleaned_data.get("confirm_outside_area"))
        if commit:
            activity.save()
            self.save_m2m()
        return activity


def count_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=MAX_COUNT, required=False, widget=COUNT_WIDGET
    )


class QuickLogForm(ActivityRulesMixin, forms.Form):
    """Log one expected date of a consultation-hour series as held or cancelled, in place."""

    status = forms.ChoiceField(
        label=_("Status"), choices=Activity.Status.choices, widget=forms.RadioSelect
    )
    children = count_field(_("children"))
    young_people = count_field(_("young people"))
    parents = count_field(_("parents"))
    professionals = count_field(_("professionals"))
    others = count_field(_("others"))
    helps_initiated = count_field(_("individual helps initiated"))
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cancel_reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=200, required=False
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        help_text=NOTE_HELP,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )

    def __init__(self, *args, occurrence, topics=None, **kwargs):
        self.occurrence = occurrence
        super().__init__(*args, **kwargs)
        prefix = occurrence.key
        self.prefix = prefix
        self.fields["topics"].queryset = Topic.objects.filter(is_active=True)
        if topics is not None:
            # The page renders many of these forms: share one list of topics between them.
            self.fields["topics"].choices = topics

    def count_fields(self):
        return [self[name] for name in Activity.COUNT_FIELDS]

    def rule_data(self, cleaned: dict) -> dict:
        series = self.occurrence.series
        return {
            **cleaned,
            "date": self.occurrence.date,
            "team": series.team,
            "municipality": series.municipality,
            "confirm_outside_area": True,
        }


WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
NTH_CHOICES = [
    (1, _("first")),
    (2, _("second")),
    (3, _("third")),
    (4, _("fourth")),
    (-1, _("last")),
]


# The recurrence fields each pattern uses. The page shows only those (static/js/app.js);
# without JavaScript it shows all, and the form ignores the ones the pattern does not use.
PATTERN_FIELDS = {
    Pattern.WEEKLY: set(),
    Pattern.EVERY_N_WEEKS: {"interval"},
    Pattern.MONTHLY: {"nth"},
}
RECURRENCE_FIELDS = {"interval", "nth"}


class ConsultationHourForm(VersionedFormMixin, forms.ModelForm):
    pattern = forms.ChoiceField(label=_("Repeats"), choices=Pattern.choices, initial=Pattern.WEEKLY)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAY_CHOICES, coerce=int)
    interval = forms.IntegerField(
        label=_("Every n weeks"),
        min_value=2,
        max_value=8,
        required=False,
        initial=2,
        help_text=_("Only for “every n weeks”."),
        widget=forms.NumberInput(attrs={"data-patterns": Pattern.EVERY_N_WEEKS}),
    )
    nth = forms.TypedChoiceField(
        label=_("Which weekday of the month"),
        choices=NTH_CHOICES,
        coerce=int,
        required=False,
        help_text=_("Only for “n-th weekday of the month”."),
        widget=forms.Select(attrs={"data-patterns": Pattern.MONTHLY}),
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ConsultationHour
        fields = [
            "team",
            "municipality",
            "venue",
            "location",
            "pattern",
            "weekday",
            "interval",
            "nth",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "staff",
            "target_groups",
            "is_public",
            "public_note",
            "show_staff_names",
        ]
        widgets = {
            "start_time": TIME_WIDGET,
            "end_time": TIME_WIDGET,
            "valid_from": DATE_INPUT,
            "valid_until": DATE_INPUT,
            "staff": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = permissions.series_teams_for(user)
        self.fields["team"].queryset = teams
        self.fields["municipality"].queryset = Municipality.objects.order_by(GermanSortKey("name"))
        venues = Partner.objects.filter(is_active=True, municipality__isnull=False)
        self.fields["venue"].queryset = venues.select_related("municipality").order_by(
            GermanSortKey("municipality__name"), GermanSortKey("name")
        )
        self.fields["venue"].label_from_instance = partner_label
        self.fields["staff"].queryset = active_staff(teams.values("pk"))
        if self.instance.pk:
            stored = parse_rrule(self.instance.rrule)
            # A weekly rule has the interval 1, which "every n weeks" does not allow: the
            # fields the pattern does not use keep their defaults, so the form saves unchanged.
            unused = RECURRENCE_FIELDS - PATTERN_FIELDS[stored["pattern"]]
            for name, value in stored.items():
                if name not in unused:
                    self.fields[name].initial = value

    def clean(self):
        cleaned = super().clean()
        for name in RECURRENCE_FIELDS - PATTERN_FIELDS.get(cleaned.get("pattern"), set()):
            self.errors.pop(name, None)  # a field the chosen pattern does not use
            cleaned[name] = None
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end must be after the start."))
        venue, municipality = cleaned.get("venue"), cleaned.get("municipality")
        if venue and municipality and venue.municipality_id != municipality.pk:
            self.add_error("venue", _("The venue must be in the chosen town or municipality."))
        pattern = cleaned.get("pattern")
        if pattern == Pattern.EVERY_N_WEEKS and not cleaned.get("interval"):
            self.add_error("interval", _("Enter after how many weeks the date repeats."))
        if pattern == Pattern.MONTHLY and not cleaned.get("nth"):
            self.add_error("nth", _("Choose which weekday of the month."))
        team, staff = cleaned.get("team"), cleaned.get("staff")
        if team and staff:
            outside = [u for u in staff if not u.memberships.filter(team=team).exists()]
            if outside:
                self.add_error(
                    "staff", _("Only members of the team can staff its consultation hour.")
                )
        if pattern and cleaned.get("weekday") is not None:
            self.instance.rrule = build_rrule(
                pattern=pattern,
                weekday=cleaned["weekday"],
                interval=cleaned.get("interval") or 1,
                nth=cleaned.get("nth") or 1,
            )
        return cleaned


class ProjectForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "team", "status", "start", "end", "municipalities", "partners", "goals"]
        widgets = {
            "start": DATE_INPUT,
            "end": DATE_INPUT,
            "municipalities": forms.SelectMultiple(attrs={"size": 6}),
            "partners": forms.SelectMultiple(attrs={"size": 8}),
            "goals": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = permissions.project_teams_for(user)
        self.fields["municipalities"].queryset = Municipality.objects.order_by(
            GermanSortKey("name")
        )
        partners = Partner.objects.filter(is_active=True).select_related("municipality")
        self.fields["partners"].queryset = partners.order_by(GermanSortKey("name"))
        self.fields["partners"].label_from_instance = partner_label

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not be before the start."))
        return cleaned
