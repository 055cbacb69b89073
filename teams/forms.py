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
from teams.form_context import area_ids, implied, is_public_place
from teams.models import MAX_COUNT, Activity, ConsultationHour, Project, TargetGroup, Topic
from teams.recurrence import Pattern, build_rrule, parse_rrule
from teams.services import activity_errors, logged_activity, serves
from teams.widgets import ChooserCheckboxes, GroupedSelect, VenueSelect

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
            "topics": ChooserCheckboxes(threshold=15),
            "partners": ChooserCheckboxes(),
            "staff": ChooserCheckboxes(),
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "municipality": GroupedSelect,
            "body": GroupedSelect,
            **dict.fromkeys((*Activity.COUNT_FIELDS, "helps_initiated"), COUNT_WIDGET),
        }
        help_texts = {"note": NOTE_HELP}

    # The links whose choice fills the municipality and the partners (first given wins).
    CONTEXT_LINKS = ("consultation_hour", "body", "project")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(
            Q(pk__in=permissions.teams_logging_for(user)) | Q(pk=self.instance.team_id or 0)
        )
        team_ids = list(teams.values_list("pk", flat=True))
        self.area = area_ids(team_ids)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["municipality"].queryset = Municipality.objects.order_by(GermanSortKey("name"))
        self.fields["municipality"].required = False  # a series, Gremium or project may fill it
        self.fields["municipality"].help_text = _(
            "Left empty, it is taken from the chosen consultation hour, Gremium or project."
        )
        self.fields["municipality"].widget.group_of = self.area_group
        series = ConsultationHour.objects.filter(team__in=team_ids).select_related("venue")
        self.fields["consultation_hour"].queryset = series
        self.fields["body"].queryset = Body.objects.filter(is_active=True)
        self.fields["body"].widget.group_of = self.area_group
        self.fields["project"].queryset = Project.objects.filter(team__in=team_ids)
        partners = Partner.objects.filter(is_active=True)
        if self.instance.pk:  # a partner made inactive since stays on the activity
            partners = Partner.objects.filter(
                Q(is_active=True) | Q(pk__in=self.instance.partners.values("pk"))
            )
        partners = partners.select_related("municipality")
        self.fields["partners"].queryset = partners.order_by(GermanSortKey("name"))
        self.fields["partners"].label_from_instance = partner_label
        self.fields["partners"].widget.group_of = self.area_group
        self.fields["staff"].queryset = active_staff(team_ids)
        self.fields["topics"].queryset = Topic.objects.filter(
            Q(is_active=True) | Q(activities=self.instance.pk or 0)
        ).distinct()
        if not self.instance.pk:
            self.preselect(user, team_ids)

    def preselect(self, user, team_ids: list[int]) -> None:
        """A new activity: the staff member themself, the team and the municipality when
        there is exactly one choice."""
        if not self.initial.get("staff"):
            self.initial["staff"] = [user.pk]
        if len(team_ids) == 1:
            self.initial.setdefault("team", team_ids[0])
            if len(self.area) == 1 and not self.initial.get("municipality"):
                self.initial["municipality"] = next(iter(self.area))

    def area_group(self, obj) -> tuple[int, str]:
        """The team's own area first, then district-wide, then the rest of the district."""
        municipality_id = obj.pk if isinstance(obj, Municipality) else obj.municipality_id
        if municipality_id in self.area:
            return (0, _("Area of the team"))
        if municipality_id is None:
            return (1, _("District-wide"))
        return (2, _("Other towns and municipalities"))

    def fill_from_context(self, cleaned: dict) -> None:
        """An empty municipality or empty partners are taken from the chosen series, Gremium
        or project (a new activity, or one whose link has changed)."""
        links = {name: cleaned.get(name) for name in self.CONTEXT_LINKS}
        found = implied(
            series=links["consultation_hour"], body=links["body"], project=links["project"]
        )
        if found is None:
            return
        if not cleaned.get("municipality") and found.municipality_id:
            cleaned["municipality"] = Municipality.objects.get(pk=found.municipality_id)
        changed = not self.instance.pk or any(name in self.changed_data for name in links)
        if changed and "partners" not in self.errors and not cleaned.get("partners"):
            cleaned["partners"] = found.partners

    def clean(self):
        self.fill_from_context(self.cleaned_data)
        if not self.cleaned_data.get("municipality") and "municipality" not in self.errors:
            self.add_error("municipality", _("Choose the town or municipality."))
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

    # The field names carry the date's prefix: the script finds the status by this attribute.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Activity.Status.choices,
        widget=forms.RadioSelect(attrs={"data-status-choice": ""}),
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
    confirm_outside_area = forms.BooleanField(
        label=_("Yes, the consultation hour takes place outside the team's area"),
        required=False,
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
            "staff": ChooserCheckboxes(),
            "municipality": GroupedSelect,
            "venue": VenueSelect,
        }
        help_texts = {
            "is_public": _(
                "Shown in the public consultation-hour finder and its calendar feeds. A new "
                "consultation hour is public by default where the venue is a public place "
                "(town hall, school, day-care centre, youth house, community project, early "
                "help, parent education)."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = permissions.series_teams_for(user)
        team_ids = list(teams.values_list("pk", flat=True))
        self.area = area_ids(team_ids)
        self.fields["team"].queryset = teams
        self.fields["municipality"].queryset = Municipality.objects.order_by(GermanSortKey("name"))
        self.fields["municipality"].required = False  # the venue fills it when left empty
        self.fields["municipality"].help_text = _("Left empty, it is taken from the venue.")
        self.fields["municipality"].widget.group_of = self.area_group
        venues = Partner.objects.filter(is_active=True, municipality__isnull=False)
        if self.instance.pk:
            venues = Partner.objects.filter(
                Q(is_active=True, municipality__isnull=False) | Q(pk=self.instance.venue_id)
            )
        self.fields["venue"].queryset = venues.select_related("municipality").order_by(
            GermanSortKey("municipality__name"), GermanSortKey("name")
        )
        self.fields["venue"].label_from_instance = partner_label
        venue_widget = self.fields["venue"].widget
        venue_widget.group_of = self.venue_group
        venue_widget.keep = self.venue_offered
        venue_widget.option_attrs = venue_attrs
        self.fields["staff"].queryset = active_staff(team_ids)
        if not self.instance.pk:
            self.preselect(team_ids)
        if self.instance.pk:
            stored = parse_rrule(self.instance.rrule)
            # A weekly rule has the interval 1, which "every n weeks" does not allow: the
            # fields the pattern does not use keep their defaults, so the form saves unchanged.
            unused = RECURRENCE_FIELDS - PATTERN_FIELDS[stored["pattern"]]
            for name, value in stored.items():
                if name not in unused:
                    self.fields[name].initial = value

    def preselect(self, team_ids: list[int]) -> None:
        """A new series: the team and the municipality when there is exactly one choice;
        public where the venue is a public place (without a venue yet: public)."""
        if len(team_ids) == 1:
            self.initial.setdefault("team", team_ids[0])
            if len(self.area) == 1 and not self.initial.get("municipality"):
                self.initial["municipality"] = next(iter(self.area))
        if "is_public" not in self.initial:
            kind = getattr(self.initial.get("venue"), "kind", None)
            self.initial["is_public"] = is_public_place(kind) if kind else True

    def area_group(self, municipality) -> tuple[int, str]:
        if municipality.pk in self.area:
            return (0, _("Area of the team"))
        return (1, _("Other towns and municipalities"))

    def venue_group(self, partner) -> tuple[int, str]:
        return (0 if partner.municipality_id in self.area else 1, partner.municipality.name)

    def chosen_municipality_id(self) -> int | None:
        value = self["municipality"].value()
        return int(value) if str(value or "").isdigit() else None

    def venue_offered(self, partner) -> bool:
        """Only venues in the chosen municipality; before one is chosen, in the team's area."""
        chosen = self.chosen_municipality_id()
        if chosen is not None:
            return partner.municipality_id == chosen
        return not self.area or partner.municipality_id in self.area

    def clean(self):
        cleaned = super().clean()
        for name in RECURRENCE_FIELDS - PATTERN_FIELDS.get(cleaned.get("pattern"), set()):
            self.errors.pop(name, None)  # a field the chosen pattern does not use
            cleaned[name] = None
        if not cleaned.get("municipality") and "municipality" not in self.errors:
            if cleaned.get("venue"):
                cleaned["municipality"] = cleaned["venue"].municipality
            else:
                self.add_error("municipality", _("Choose the town or municipality."))
        self.check_outside_area(cleaned)
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

    def check_outside_area(self, cleaned: dict) -> None:
        """A municipality outside the team's area on the first date needs a confirmation,
        as an activity does; an unchanged series is not asked again."""
        team, municipality, day = (cleaned.get(n) for n in ("team", "municipality", "valid_from"))
        if not (team and municipality and day) or cleaned.get("confirm_outside_area"):
            return
        moved = {"team", "municipality", "valid_from", "venue"} & set(self.changed_data)
        if self.instance.pk and not moved:
            return
        if not serves(team, municipality, day):
            self.add_error(
                "confirm_outside_area",
                _(
                    "%(municipality)s is not in the area of the team %(team)s on the first "
                    "date. Confirm that the consultation hour takes place there."
                )
                % {"municipality": municipality.name, "team": team.name},
            )


def venue_attrs(partner) -> dict:
    """What the page script needs of a venue: its municipality, whether it is public."""
    return {
        "data-municipality": str(partner.municipality_id),
        "data-public": "true" if is_public_place(partner.kind) else "false",
    }


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
