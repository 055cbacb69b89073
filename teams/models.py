"""What the teams do: consultation-hour series, the presence-activity log, projects, closure
periods, topics and the team-month review."""

import pghistory
import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kooperation.models import Body, Partner, PartnerKind
from sozialraum.audit import audited
from sozialraum.models import DateRange, Municipality, Team, User, Versioned, same_id
from sozialraum.text import GermanSortKey
from teams.summary import ACTIVITY_TRIGGER_SQL, ACTIVITY_VENUE_SQL

MAX_COUNT = 999


@audited()
class Topic(models.Model):
    """A topic from the maintained list (e.g. school problems, family conflicts)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = [GermanSortKey("name")]

    def __str__(self):
        return self.name


@audited()
class ClosurePeriod(models.Model):
    """A period in which venues of some kinds are closed, e.g. school holidays close schools
    (but not town halls). No venue kinds means every venue is closed."""

    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    venue_kinds = ArrayField(
        models.CharField(max_length=30, choices=PartnerKind.choices),
        verbose_name=_("closes venues of these kinds"),
        default=list,
        blank=True,
        help_text=_("Leave empty to close every venue."),
    )

    class Meta:
        verbose_name = _("closure period")
        verbose_name_plural = _("closure periods")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="closure_end_after_start",
                violation_error_message=_("The last day must not be before the first day."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"

    def closes(self, kind: str) -> bool:
        return not self.venue_kinds or kind in self.venue_kinds


class TargetGroup(models.TextChoices):
    CHILDREN = "children", _("children")
    YOUNG_PEOPLE = "young_people", _("young people")
    PARENTS = "parents", _("parents")
    PROFESSIONALS = "professionals", _("professionals")


@audited()
class Project(Versioned):
    """A joint project of a team with partners in one or more municipalities."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        RUNNING = "running", _("running")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", pgettext_lazy("project status", "cancelled")

    title = models.CharField(_("title"), max_length=200)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="projects", verbose_name=_("team")
    )
    municipalities = models.ManyToManyField(
        Municipality,
        related_name="projects",
        blank=True,
        verbose_name=_("towns and municipalities"),
    )
    partners = models.ManyToManyField(
        Partner, related_name="projects", blank=True, verbose_name=_("partners")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    goals = models.TextField(
        _("goals"),
        max_length=2000,
        blank=True,
        help_text=_("What the project wants to achieve. No data about clients."),
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = [GermanSortKey("title"), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True)
                | Q(start__isnull=True)
                | Q(end__gte=models.F("start")),
                name="project_end_after_start",
                violation_error_message=_("The end must not be before the start."),
            )
        ]

    def __str__(self):
        return self.title


@audited()
class ConsultationHour(Versioned):
    """Sprechstunde: a regular offer of a team at a venue, recurring by an RFC 5545 RRULE."""

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="consultation_hours", verbose_name=_("team")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="consultation_hours",
        verbose_name=_("town or municipality"),
    )
    venue = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="consultation_hours",
        verbose_name=_("venue"),
        help_text=_("The institution where the consultation hour takes place."),
    )
    location = models.CharField(
        _("room or place"), max_length=200, blank=True, help_text=_("For example: room 104.")
    )
    rrule = models.CharField(_("recurrence rule"), max_length=200)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("first date on or after"))
    valid_until = models.DateField(_("last date on or before"), null=True, blank=True)
    staff = models.ManyToManyField(
        User, related_name="consultation_hours", blank=True, verbose_name=_("staff")
    )
    target_groups = ArrayField(
        models.CharField(max_length=20, choices=TargetGroup.choices),
        verbose_name=_("target groups"),
        default=list,
        blank=True,
    )
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Shown in the public consultation-hour finder and its calendar feeds."),
    )
    public_note = models.CharField(_("note for the public"), max_length=300, blank=True)
    show_staff_names = models.BooleanField(
        _("show staff names to the public"),
        default=False,
        help_text=_("Without it, the public sees only the team's institutional contact."),
    )

    class Meta:
        verbose_name = _("consultation hour")
        verbose_name_plural = _("consultation hours")
        ordering = ["team", "municipality", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="consultation_hour_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="consultation_hour_valid_until_after_valid_from",
                violation_error_message=_("The last date must not be before the first date."),
            ),
        ]

    def __str__(self):
        return f"{self.venue} ({self.start_time:%H:%M})"

    @property
    def target_group_labels(self) -> list[str]:
        return [str(TargetGroup(value).label) for value in self.target_groups]


@audited()
class Activity(Versioned):
    """Präsenzaktivität: one logged presence of a team on site, with anonymous counts only.

    ``venue`` is the place where it took place. A database trigger fills it from the
    consultation-hour series when the activity is written (on insert when no venue is given, on
    update when the series changes; without a series it stays empty unless set explicitly), so
    moving a series to another venue later does not move the dates already logged. The figures
    use the venue's *current* kind: correcting a partner's kind corrects past figures too (see
    ``teams.summary``).
    """

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation hour")
        ROUND_TABLE = "round_table", _("Round table")
        WORKING_GROUP = "working_group", _("Working group / committee")
        PROJECT = "project", _("Project work")
        EVENT = "event", _("Kick-off or network event")
        COMMUNITY = "community", _("Community work")
        OTHER = "other", pgettext_lazy("activity kind", "Other")

    class Status(models.TextChoices):
        HELD = "held", _("held")
        CANCELLED = "cancelled", pgettext_lazy("activity status", "cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("team"),
        help_text=_("The team that did it, kept as it was on that day."),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("town or municipality"),
    )
    consultation_hour = models.ForeignKey(
        ConsultationHour,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("consultation hour"),
    )
    venue = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="venue_activities",
        verbose_name=_("venue"),
        help_text=_("Where it took place: the venue of its consultation hour on that day."),
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("Gremium"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("project"),
    )
    partners = models.ManyToManyField(
        Partner, related_name="activities", blank=True, verbose_name=_("partners involved")
    )
    staff = models.ManyToManyField(
        User, related_name="activities", blank=True, verbose_name=_("staff involved")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.HELD
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    children = models.PositiveSmallIntegerField(
        _("children"), default=0, validators=[MaxValueValidator(MAX_COUNT)]
    )
    young_people = models.PositiveSmallIntegerField(
        _("young people"), default=0, validators=[MaxValueValidator(MAX_COUNT)]
    )
    parents = models.PositiveSmallIntegerField(
        _("parents"), default=0, validators=[MaxValueValidator(MAX_COUNT)]
    )
    professionals = models.PositiveSmallIntegerField(
        _("professionals"), default=0, validators=[MaxValueValidator(MAX_COUNT)]
    )
    others = models.PositiveSmallIntegerField(
        _("others"), default=0, validators=[MaxValueValidator(MAX_COUNT)]
    )
    helps_initiated = models.PositiveSmallIntegerField(
        _("individual helps initiated"),
        default=0,
        validators=[MaxValueValidator(MAX_COUNT)],
        help_text=_("How often individual help (einzelfallbezogene Hilfe) was set in motion."),
    )
    topics = models.ManyToManyField(
        Topic, related_name="activities", blank=True, verbose_name=_("topics")
    )
    note = models.CharField(
        _("note"),
        max_length=500,
        blank=True,
        help_text=_("At most 500 characters. Nothing about clients: no names, initials or cases."),
    )
    outside_area_confirmed = models.BooleanField(
        _("outside the team's area confirmed"), default=False, editable=False
    )

    COUNT_FIELDS = ("children", "young_people", "parents", "professionals", "others")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-pk"]
        indexes = [
            # With the id, a list filtered by team or municipality (newest first, keyset by
            # date and id) is one backward index scan that stops after a page.
            models.Index(fields=["team", "date", "id"], name="activity_team_date_id"),
            models.Index(
                fields=["municipality", "date", "id"], name="activity_municipality_date_id"
            ),
            models.Index(fields=["date", "id"], name="activity_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation_hour", "date"],
                condition=Q(consultation_hour__isnull=False),
                name="activity_one_per_series_date",
                violation_error_message=_("This date of the consultation hour is already logged."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | Q(end_time__gt=models.F("start_time")),
                name="activity_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]
        triggers = [
            # The venue of the series, kept on the activity (see the class docstring).
            pgtrigger.Trigger(
                name="activity_venue",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=ACTIVITY_VENUE_SQL,
            ),
            # The day and month summaries (teams.summary).
            pgtrigger.Trigger(
                name="activity_summary",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.After,
                declare=[("old_venue_kind", "varchar"), ("new_venue_kind", "varchar")],
                func=ACTIVITY_TRIGGER_SQL,
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_series = instance.__dict__.get("consultation_hour_id")
        return instance

    def save(self, *args, **kwargs):
        # Mirror the venue trigger on the instance when the series object is at hand, so the
        # instance does not carry a stale venue into a later save.
        series = Activity.consultation_hour.field.get_cached_value(self, None)
        loaded = getattr(self, "_saved_series", None)
        if series is not None and (
            self.venue_id is None or (not self._state.adding and series.pk != loaded)
        ):
            self.venue_id = series.venue_id
        elif self.consultation_hour_id is None and loaded is not None:
            self.venue_id = None
        super().save(*args, **kwargs)
        self._saved_series = self.consultation_hour_id

    @property
    def contacts(self) -> int:
        return sum(getattr(self, name) for name in self.COUNT_FIELDS)


def _audited_links(field, name: str):
    """Record who added or removed a link of an activity (its staff, partners, topics): Django's
    link tables have no migrations of ours, so their triggers are installed after each migrate
    (settings.PGTRIGGER_INSTALL_ON_MIGRATE)."""
    return pghistory.create_event_model(
        field.through,
        pghistory.InsertEvent(),
        pghistory.DeleteEvent(),
        model_name=name,
        app_label="teams",
        abstract=False,
    )


ActivityStaffEvent = _audited_links(Activity.staff, "ActivityStaffEvent")
ActivityPartnerEvent = _audited_links(Activity.partners, "ActivityPartnerEvent")
ActivityTopicEvent = _audited_links(Activity.topics, "ActivityTopicEvent")


@audited()
class TeamMonthReview(models.Model):
    """A team's month as reviewed by its Fachbereichsleitung: signed off, it is locked for staff
    edits; reopened (with a reason), it is open again. The audit trail keeps every change."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="month_reviews", verbose_name=_("team")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    signed_off_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.CharField(_("reason for reopening"), max_length=300, blank=True)
    # The consultation dates the head confirmed as not logged when signing off (key, date and
    # label of each), so that the audit trail shows what was signed off knowingly.
    missing_dates = models.JSONField(_("dates confirmed as not logged"), default=list, blank=True)

    class Meta:
        verbose_name = _("team-month review")
        verbose_name_plural = _("team-month reviews")
        ordering = ["-month", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="unique_team_month_review"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="team_month_review_first_of_month"
            ),
        ]

    def __str__(self):
        return f"{self.team} {self.month:%m/%Y}"

    @property
    def is_locked(self) -> bool:
        return self.signed_off_at is not None


class SummaryFigures(models.Model):
    """What both summaries keep per period: the key beside the period and the sums."""

    team = models.ForeignKey(
        Team, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Activity.Kind.choices)
    venue_kind = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Activity.Status.choices)
    activities = models.IntegerField(default=0)
    children = models.IntegerField(default=0)
    young_people = models.IntegerField(default=0)
    parents = models.IntegerField(default=0)
    professionals = models.IntegerField(default=0)
    others = models.IntegerField(default=0)
    helps_initiated = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ActivitySummary(SummaryFigures):
    """Sums of activities per day, team, municipality, kind, venue kind and status.

    Kept by database triggers (``teams.summary``): it always equals a ``GROUP BY`` over the
    activities, with ``venue_kind`` the current kind of each activity's venue (empty without
    one), and holds no row with zero activities.
    """

    date = models.DateField()

    class Meta:
        verbose_name = _("activity summary")
        verbose_name_plural = _("activity summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "team", "municipality", "kind", "venue_kind", "status"],
                name="activity_summary_key",
            )
        ]
        indexes = [models.Index(fields=["team", "date"], name="summary_team_date")]

    def __str__(self):
        return f"{self.date} {self.team_id} {self.kind} {self.status}: {self.activities}"


class ActivityMonthSummary(SummaryFigures):
    """The month rollup of ``ActivitySummary``: the same sums per month (``month`` is the first
    day), team, municipality, kind, venue kind and status, for reports over long periods.

    Kept by the same triggers, with the same invariant (``teams.summary``).
    """

    month = models.DateField()

    class Meta:
        verbose_name = _("activity month summary")
        verbose_name_plural = _("activity month summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "municipality", "kind", "venue_kind", "status"],
                name="activity_month_summary_key",
            )
        ]
        indexes = [
            models.Index(fields=["month"], name="month_summary_month"),
            models.Index(fields=["team", "month"], name="month_summary_team_month"),
        ]

    def __str__(self):
        return f"{self.month:%m/%Y} {self.team_id} {self.kind} {self.status}: {self.activities}"


class ActivityYearSummary(SummaryFigures):
    """The year rollup of ``ActivityMonthSummary``: the same sums per year (``year`` is the
    first of January), for the dashboards and reports over whole years (issue 11).

    Kept by triggers of its own that follow the day and month ones, with the same invariant
    (``teams.summary``).
    """

    year = models.DateField()

    class Meta:
        verbose_name = _("activity year summary")
        verbose_name_plural = _("activity year summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "team", "municipality", "kind", "venue_kind", "status"],
                name="activity_year_summary_key",
            )
        ]
        indexes = [
            models.Index(fields=["year"], name="year_summary_year"),
            models.Index(fields=["team", "year"], name="year_summary_team_year"),
        ]

    def __str__(self):
        return f"{self.year:%Y} {self.team_id} {self.kind} {self.status}: {self.activities}"


@audited()
class Absence(Versioned):
    """Abwesenheit: a staff member is away from ``start`` to ``end`` (both inclusive), e.g.
    Elternzeit or illness. No reason is stored: the team needs to know *that*, never *why*.

    The database refuses two overlapping absences of one person, whoever writes them.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="absences", verbose_name=_("person")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="absences", verbose_name=_("team")
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["team", "start"], name="absence_team_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="absence_end_after_start",
                violation_error_message=_("The last day must not be before the first day."),
            ),
            ExclusionConstraint(
                name="absence_no_overlap",
                expressions=[
                    (same_id("user"), RangeOperators.EQUAL),
                    (DateRange("start", "end", Value("[]")), RangeOperators.OVERLAPS),
                ],
                violation_error_code="overlap",
                violation_error_message=_("This person is already absent in this period."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.start:%d.%m.%Y}–{self.end:%d.%m.%Y})"

    def covers(self, day) -> bool:
        return self.start <= day <= self.end


@audited()
class AbsenceStandIn(models.Model):
    """Vertretung: who takes over a consultation-hour series during an absence."""

    absence = models.ForeignKey(
        Absence, on_delete=models.CASCADE, related_name="stand_ins", verbose_name=_("absence")
    )
    series = models.ForeignKey(
        ConsultationHour,
        on_delete=models.CASCADE,
        related_name="stand_ins",
        verbose_name=_("consultation hour"),
    )
    stand_in = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="stand_ins", verbose_name=_("stand-in")
    )

    class Meta:
        verbose_name = _("stand-in")
        verbose_name_plural = _("stand-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["absence", "series"], name="absence_stand_in_one_per_series"
            ),
        ]

    def __str__(self):
        return f"{self.stand_in} → {self.series}"


class ReportSection(models.TextChoices):
    """The sections of the annual report that carry the office's own text."""

    STRUCTURE = "structure", _("Structure")
    PRESENCE = "presence", _("Presence on site")
    COOPERATION = "cooperation", _("Intensified cooperation")
    COMMUNITY = "community", _("Support of the community")
    MUNICIPALITIES = "municipalities", _("Towns and municipalities")
    NETWORKS = "networks", _("Network work")
    NEXT_STEPS = "next_steps", _("Next steps")


REPORT_TEXT_FIELDS = ("introduction", "examples", "challenges", "outlook")
REPORT_TEXT_MAX_LENGTH = 4000


@audited()
class ReportText(Versioned):
    """Berichtstext: what the Fachbereichsleitung or Amtsleitung writes for one section of the
    annual report of one year and scope. Kept per year and scope (``scope_key`` as in the
    report's URL: "district", "middle_area-3", …) so last year's text stays as it was handed
    out; the audit trail keeps every earlier wording."""

    year = models.PositiveSmallIntegerField(_("year"))
    scope_key = models.CharField(_("scope"), max_length=40)
    section = models.CharField(_("section"), max_length=20, choices=ReportSection.choices)
    introduction = models.TextField(
        _("introduction"), max_length=REPORT_TEXT_MAX_LENGTH, blank=True
    )
    examples = models.TextField(_("examples"), max_length=REPORT_TEXT_MAX_LENGTH, blank=True)
    challenges = models.TextField(_("challenges"), max_length=REPORT_TEXT_MAX_LENGTH, blank=True)
    outlook = models.TextField(_("outlook"), max_length=REPORT_TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("report text")
        verbose_name_plural = _("report texts")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope_key", "section"], name="report_text_one_per_section"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.scope_key} {self.get_section_display()}"

    @property
    def later_parts(self) -> list[tuple[str, str]]:
        """(label, text) of the filled parts that follow a section's figures (examples,
        challenges, outlook); the introduction opens the section."""
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in REPORT_TEXT_FIELDS[1:]
            if getattr(self, name).strip()
        ]


class TargetIndicator(models.TextChoices):
    """What a target can be set for: only figures the data measures (``teams.targets``)."""

    CONSULTATIONS_PER_MONTH = "consultations_per_month", _("Consultation dates held per month")
    PRESENCE_SHARE = "presence_share", _("Towns and municipalities with presence (%)")
    SCHOOL_COOPERATION = "school_cooperation", _("Schools with an agreed or active cooperation (%)")
    DAYCARE_COOPERATION = (
        "daycare_cooperation",
        _("Day-care centres with an agreed or active cooperation (%)"),
    )
    YOUTH_COOPERATION = (
        "youth_cooperation",
        _("Youth houses and youth work with an agreed or active cooperation (%)"),
    )
    EVENT_HELD = "event_held", _("Kick-off or network event held (1 = yes)")
    EVENTS = "events", _("Kick-off and network events held")
    NETWORK_MEETINGS = "network_meetings", _("Network meetings attended")
    NETWORK_SHARE = "network_share", _("Share of the networks' meetings attended (%)")
    HELPS = "helps", _("Individual helps initiated")


@audited()
class Target(Versioned):
    """Soll: a target for one year and exactly one scope (a town or municipality, a team or a
    Mittelbereich) on one indicator. The actual value is measured, never stored."""

    year = models.PositiveSmallIntegerField(_("year"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("town or municipality"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("team"),
    )
    middle_area = models.ForeignKey(
        "sozialraum.MiddleArea",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("middle area"),
    )
    indicator = models.CharField(_("indicator"), max_length=40, choices=TargetIndicator.choices)
    value = models.DecimalField(_("target value"), max_digits=8, decimal_places=1)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-year", "indicator", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(municipality__isnull=False, team__isnull=True, middle_area__isnull=True)
                    | Q(municipality__isnull=True, team__isnull=False, middle_area__isnull=True)
                    | Q(municipality__isnull=True, team__isnull=True, middle_area__isnull=False)
                ),
                name="target_exactly_one_scope",
                violation_error_message=_(
                    "Choose exactly one: a town or municipality, a team or a Mittelbereich."
                ),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.UniqueConstraint(
                fields=["year", "indicator", "municipality", "team", "middle_area"],
                nulls_distinct=False,
                name="target_one_per_scope_indicator_year",
                violation_error_message=_(
                    "This scope already has a target for this indicator and year."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_indicator_display()}: {self.value}"

    @property
    def scope_object(self):
        return self.municipality or self.team or self.middle_area

    @property
    def scope_kind(self) -> str:
        if self.municipality_id:
            return "municipality"
        return "team" if self.team_id else "middle_area"


class TopicFigures(models.Model):
    """What both topic summaries keep beside their period."""

    team = models.ForeignKey(
        Team, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Activity.Status.choices)
    activities = models.IntegerField(default=0)

    class Meta:
        abstract = True


class TopicSummary(TopicFigures):
    """How many activities carried each topic, per day, team, municipality and status (for the
    partly covered months at the edges of a custom period).

    Kept by database triggers (``teams.topics``): it always equals a ``GROUP BY`` over the
    activities' topic links, and holds no row with zero activities."""

    date = models.DateField()

    class Meta:
        verbose_name = _("topic summary")
        verbose_name_plural = _("topic summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "team", "municipality", "topic", "status"],
                name="topic_summary_key",
            )
        ]
        indexes = [models.Index(fields=["date"], name="topic_summary_date")]

    def __str__(self):
        return f"{self.date} {self.team_id} {self.topic_id}: {self.activities}"


class TopicMonthSummary(TopicFigures):
    """The month rollup of ``TopicSummary``, kept by the same triggers, with the same
    invariant (``teams.topics``)."""

    month = models.DateField()

    class Meta:
        verbose_name = _("topic month summary")
        verbose_name_plural = _("topic month summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "team", "municipality", "topic", "status"],
                name="topic_month_summary_key",
            )
        ]
        indexes = [models.Index(fields=["team", "month"], name="topic_summary_team_month")]

    def __str__(self):
        return f"{self.month:%m/%Y} {self.team_id} {self.topic_id}: {self.activities}"
