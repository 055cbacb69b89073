"""The network the teams work with: partners (Kooperationspartner), their contact persons, the
cooperation with each partner and its history, and the Gremien where partners meet."""

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sozialraum.audit import audited
from sozialraum.models import Municipality, Team, User, Versioned
from sozialraum.text import GermanSortKey


class PartnerKind(models.TextChoices):
    TOWN_HALL = "town_hall", _("Town hall / municipality")
    SCHOOL = "school", _("School")
    DAYCARE = "daycare", _("Day-care centre for children")
    YOUTH_HOUSE = "youth_house", _("Youth house / open youth work")
    MOBILE_YOUTH_WORK = "mobile_youth_work", _("Mobile youth work")
    SCHOOL_SOCIAL_WORK = "school_social_work", _("Youth social work / school social work")
    INDEPENDENT_PROVIDER = "independent_provider", _("Independent provider (freier Träger)")
    VOLUNTEERS = "volunteers", _("Volunteers / initiative")
    COMMUNITY_PROJECT = "community_project", _("Community project")
    OUTPATIENT_HELP = "outpatient_help", _("Outpatient help project")
    EARLY_HELP = "early_help", _("Early help (Frühe Hilfen)")
    PARENT_EDUCATION = "parent_education", _("Parent education")
    OTHER = "other", pgettext_lazy("partner kind", "Other")


class SchoolType(models.TextChoices):
    PRIMARY = "primary", _("Primary school (Grundschule)")
    WERKREALSCHULE = "werkrealschule", _("Werkrealschule / Hauptschule")
    REALSCHULE = "realschule", _("Realschule")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    GEMEINSCHAFTSSCHULE = "gemeinschaftsschule", _("Gemeinschaftsschule")
    SBBZ = "sbbz", _("Special needs school (SBBZ)")
    VOCATIONAL = "vocational", _("Vocational school")
    OTHER = "other", pgettext_lazy("school type", "Other")


class CooperationStatus(models.TextChoices):
    """The pipeline angebahnt → im Aufbau → vereinbart → aktiv → ruhend / beendet."""

    INITIATED = "initiated", _("initiated (angebahnt)")
    BUILDING = "building", _("being built (im Aufbau)")
    AGREED = "agreed", _("agreed (vereinbart)")
    ACTIVE = "active", _("active (aktiv)")
    DORMANT = "dormant", _("dormant (ruhend)")
    ENDED = "ended", _("ended (beendet)")


# How far a cooperation has come, for "the most advanced status": a running cooperation counts
# more than one that was only initiated, a dormant or ended one least.
STATUS_RANK = {
    CooperationStatus.ENDED: 1,
    CooperationStatus.DORMANT: 2,
    CooperationStatus.INITIATED: 3,
    CooperationStatus.BUILDING: 4,
    CooperationStatus.AGREED: 5,
    CooperationStatus.ACTIVE: 6,
}
STATUS_BY_RANK = {rank: status for status, rank in STATUS_RANK.items()}


def status_rank_expression(field: str = "cooperation__status"):
    """SQL rank of a status field (0 when there is no cooperation)."""
    return Case(
        *[When(**{field: status}, then=Value(rank)) for status, rank in STATUS_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


@audited()
class Partner(Versioned):
    """Kooperationspartner: an institution the teams work with, in one municipality or
    district-wide (no municipality)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    school_type = models.CharField(
        _("school type"), max_length=30, choices=SchoolType.choices, blank=True
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("town or municipality"),
        help_text=_("Leave empty for a partner working district-wide."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = [GermanSortKey("name"), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "municipality"],
                name="partner_unique_name_in_municipality",
                nulls_distinct=False,
                violation_error_message=_(
                    "A partner with this name already exists in this municipality."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="school") | models.Q(school_type=""),
                name="partner_school_type_only_for_schools",
                violation_error_message=_("Only a school has a school type."),
            ),
        ]
        indexes = [models.Index(fields=["municipality", "kind"], name="partner_municipality_kind")]

    def __str__(self):
        return self.name

    @property
    def is_district_wide(self) -> bool:
        return self.municipality_id is None


@audited()
class ContactPerson(models.Model):
    """A professional contact at a partner: name, function, institutional phone and e-mail."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=150)
    function = models.CharField(_("function"), max_length=150, blank=True)
    phone = models.CharField(_("phone (office)"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail (office)"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("A fictitious person created for the demo.")
    )

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = [GermanSortKey("name"), "pk"]

    def __str__(self):
        return self.name


@audited()
class Cooperation(Versioned):
    """The office's cooperation with one partner: where it stands and what comes next."""

    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, related_name="cooperation", verbose_name=_("partner")
    )
    status = models.CharField(_("status"), max_length=20, choices=CooperationStatus.choices)
    since = models.DateField(_("status since"))
    agreement_date = models.DateField(_("date of the written agreement"), null=True, blank=True)
    responsible = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cooperations",
        verbose_name=_("responsible staff member"),
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)

    class Meta:
        verbose_name = _("cooperation")
        verbose_name_plural = _("cooperations")
        indexes = [models.Index(fields=["next_step_due"], name="cooperation_next_step_due")]

    def __str__(self):
        return f"{self.partner} ({self.get_status_display()})"

    @property
    def rank(self) -> int:
        return STATUS_RANK[self.status]


class CooperationStep(models.Model):
    """One entry of a cooperation's history: the status it was moved to, by whom, when."""

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.CASCADE, related_name="steps", verbose_name=_("cooperation")
    )
    status = models.CharField(_("status"), max_length=20, choices=CooperationStatus.choices)
    previous_status = models.CharField(
        _("previous status"), max_length=20, choices=CooperationStatus.choices, blank=True
    )
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cooperation step")
        verbose_name_plural = _("cooperation steps")
        ordering = ["-on", "-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.cooperation.partner}: {self.get_status_display()} ({self.on})"


class BodyKind(models.TextChoices):
    ROUND_TABLE = "round_table", _("Round table")
    WORKING_GROUP = "working_group", _("Working group")
    COMMITTEE = "committee", _("Committee")
    NETWORK = "network", _("Network")


class MeetingRhythm(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    BIMONTHLY = "bimonthly", _("every two months")
    QUARTERLY = "quarterly", _("quarterly")
    HALF_YEARLY = "half_yearly", _("twice a year")
    YEARLY = "yearly", _("yearly")
    IRREGULAR = "irregular", _("as needed")


@audited()
class Body(Versioned):
    """Gremium: a round table, working group, committee or network (e.g. Frühe Hilfen,
    Elternbildung) in one municipality or district-wide."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("town or municipality"),
        help_text=_("Leave empty for a district-wide body."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("team taking part"),
    )
    convener = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="convened_bodies",
        verbose_name=_("convened by"),
    )
    members = models.ManyToManyField(
        Partner,
        through="BodyMembership",
        related_name="bodies",
        blank=True,
        verbose_name=_("member partners"),
    )
    representatives = models.ManyToManyField(
        User,
        through="BodyRepresentative",
        related_name="represented_bodies",
        blank=True,
        verbose_name=_("team representatives"),
    )
    rhythm = models.CharField(
        _("meeting rhythm"), max_length=20, choices=MeetingRhythm.choices, blank=True
    )
    rhythm_note = models.CharField(
        _("meeting details"),
        max_length=200,
        blank=True,
        help_text=_("For example: first Tuesday of the month, 17:00, town hall."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("body (Gremium)")
        verbose_name_plural = _("bodies (Gremien)")
        ordering = [GermanSortKey("name"), "pk"]

    def __str__(self):
        return self.name


@audited()
class BodyMembership(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, verbose_name=_("body (Gremium)"))
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, verbose_name=_("partner"))

    class Meta:
        verbose_name = _("member partner")
        verbose_name_plural = _("member partners")
        constraints = [
            models.UniqueConstraint(fields=["body", "partner"], name="unique_body_membership")
        ]

    def __str__(self):
        return f"{self.partner} – {self.body}"


@audited()
class BodyRepresentative(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, verbose_name=_("body (Gremium)"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("representative"))

    class Meta:
        verbose_name = _("team representative")
        verbose_name_plural = _("team representatives")
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], name="unique_body_representative")
        ]

    def __str__(self):
        return f"{self.user} – {self.body}"
