"""The social-space structure: Mittelbereiche, Städte und Gemeinden, Sozialraumteams, who works
in which team, who heads which Mittelbereich, and which team is responsible for which
municipality on which date."""

import pghistory
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sozialraum.audit import audited
from sozialraum.text import GermanSortKey


# Password hashes and login times stay out of the audit trail; a login records no event.
@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in: staff, heads, leadership, administration.

    ``is_pseudonym`` marks the placeholder accounts that retention puts in the place of real
    staff on old activities (see ``teams.retention``); they never sign in.
    """

    is_pseudonym = models.BooleanField(
        _("pseudonym"),
        default=False,
        editable=False,
        help_text=_("A placeholder that replaced a staff member on old activities."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username


# Group memberships carry the roles Amtsleitung and Administration: record who gave or took them.
UserGroupEvent = pghistory.create_event_model(
    User.groups.through,
    pghistory.InsertEvent(),
    pghistory.DeleteEvent(),
    model_name="UserGroupEvent",
    app_label="sozialraum",
    abstract=False,
)


@audited()
class MiddleArea(models.Model):
    """Mittelbereich: a part of the district led on site by one or more Fachbereichsleitungen."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    heads = models.ManyToManyField(
        User,
        through="Headship",
        related_name="headed_middle_areas",
        blank=True,
        verbose_name=_("heads (Fachbereichsleitung)"),
    )

    class Meta:
        verbose_name = _("middle area")
        verbose_name_plural = _("middle areas")
        ordering = [GermanSortKey("name")]

    def __str__(self):
        return self.name


@audited()
class Headship(models.Model):
    """A user's role as Fachbereichsleitung of a Mittelbereich."""

    middle_area = models.ForeignKey(
        MiddleArea,
        on_delete=models.CASCADE,
        related_name="headships",
        verbose_name=_("middle area"),
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="headships", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("headship")
        verbose_name_plural = _("headships")
        constraints = [
            models.UniqueConstraint(fields=["middle_area", "user"], name="unique_headship"),
        ]

    def __str__(self):
        return f"{self.user} – {self.middle_area}"


# The boundary is map geometry loaded from a file, not a record anyone edits: kept out of the trail.
@audited(exclude=["boundary"])
class Municipality(models.Model):
    """Stadt oder Gemeinde in the district."""

    class Kind(models.TextChoices):
        TOWN = "town", pgettext_lazy("municipality kind", "Town")
        MUNICIPALITY = "municipality", pgettext_lazy("municipality kind", "Municipality")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_major_district_town = models.BooleanField(
        _("Große Kreisstadt"),
        default=False,
        help_text=_("A town with the status of a major district town (Große Kreisstadt)."),
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    ags = models.CharField(
        _("official municipality key (AGS)"),
        max_length=8,
        blank=True,
        help_text=_("Amtlicher Gemeindeschlüssel, eight digits."),
    )
    # The boundary for the district map (sozialraum.districtmap): a GeoJSON geometry (Polygon
    # or MultiPolygon, WGS84), loaded with ``load_district --boundaries``; empty = not drawn.
    boundary = models.JSONField(_("boundary"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = [GermanSortKey("name")]

    def __str__(self):
        return self.name


@audited()
class Team(models.Model):
    """Sozialraumteam: the staff serving a group of municipalities in one Mittelbereich."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    middle_area = models.ForeignKey(
        MiddleArea, on_delete=models.PROTECT, related_name="teams", verbose_name=_("middle area")
    )
    address = models.CharField(_("office address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        User, through="Membership", related_name="teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = [GermanSortKey("name")]

    def __str__(self):
        return self.name


@audited()
class Membership(models.Model):
    """A user's place in a team: member (Fachkraft) or lead (Teamleitung)."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member (Fachkraft)")
        LEAD = "lead", _("Lead (Teamleitung)")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class DateRange(Func):
    """``daterange(lower, upper, '[]')``: both ends inclusive, an empty upper end is open."""

    function = "DATERANGE"
    output_field = DateRangeField()


def same_id(field: str) -> Func:
    """``int8range(field, field, '[]')``: equality on a foreign key as a range, so that an
    exclusion constraint can compare it with ``=`` in a GiST index without btree_gist."""
    return Func(
        F(field), F(field), Value("[]"), function="INT8RANGE", output_field=BigIntegerRangeField()
    )


@audited()
class Assignment(models.Model):
    """Zuständigkeit: a team is responsible for a municipality from ``valid_from`` to
    ``valid_until`` (both inclusive; no end means until further notice).

    The database refuses overlapping assignments for one municipality, whoever writes them.
    """

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("municipality"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("team")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_example = models.BooleanField(
        _("example assignment"),
        default=False,
        help_text=_(
            "Set for the example split shipped with the software. Clear it once the office "
            "has confirmed that this assignment is right."
        ),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["municipality", "valid_from"]
        indexes = [models.Index(fields=["team", "valid_from"], name="assignment_team_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="assignment_valid_until_after_valid_from",
                violation_error_code="end_before_start",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            ExclusionConstraint(
                name="assignment_no_overlap",
                expressions=[
                    (same_id("municipality"), RangeOperators.EQUAL),
                    (DateRange("valid_from", "valid_until", Value("[]")), RangeOperators.OVERLAPS),
                ],
                violation_error_code="overlap",
                violation_error_message=_(
                    "This municipality already has a responsible team in this period."
                ),
            ),
        ]

    def __str__(self):
        until = f"{self.valid_until:%d.%m.%Y}" if self.valid_until else "…"
        return f"{self.municipality} → {self.team} ({self.valid_from:%d.%m.%Y}–{until})"

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Versioned(models.Model):
    """A record edited by several people: who created and changed it when, and a version
    number that refuses a save based on an outdated copy (see ``sozialraum.concurrency``)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        abstract = True


class SubmissionToken(models.Model):
    """The one-time token of a create form: a repeated submission (a retry after an error, a
    double tap, a browser resend) finds the record the first one created instead of creating it
    again. Written in the same transaction as the record."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    redirect_url = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")

    def __str__(self):
        return str(self.token)


class CalendarToken(models.Model):
    """The secret of a user's personal calendar feed (Kalender-Abo), one per user.

    Only a SHA-256 hash of the secret is kept, like a password-reset token: whoever reads the
    database cannot subscribe to anyone's calendar. The secret has 256 random bits, so a fast
    hash is as safe here as a slow one. Renewing replaces the hash: the old address stops at once.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_token", verbose_name=_("user")
    )
    token_hash = models.CharField(_("token hash"), max_length=64)
    created = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")

    def __str__(self):
        return str(self.user)


# Background jobs live in their own package; imported here so that Django registers the model.
from sozialraum.jobs.models import Job  # noqa: E402, F401

# --- Notifications (sozialraum.accounts.notifications, sozialraum.reminders) -----------------


@audited()
class NotificationPreference(models.Model):
    """A user's switch for one kind of reminder (``kind``: a key of ``sozialraum.reminders``).
    Without a row the reminder is on: a switch is stored once the user changes it."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind of reminder"), max_length=50)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self):
        return f"{self.user}: {self.kind}"


class SentReminder(models.Model):
    """A reminder queued for sending: its key (user, kind, occasion) is unique, and it is
    written in the same transaction that queues the mail, so a reminder goes out once per
    occasion (a week, a month, a finished job) however often the periodic job runs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=50)
    occasion = models.CharField(max_length=100)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "occasion"], name="sent_reminder_once_per_occasion"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.occasion}"


class PasswordResetRequest(models.Model):
    """One accepted request for a password-reset mail, kept for the rate limit: the client's
    address and a keyed hash of the e-mail address entered (never the address itself), whether
    or not an account has it."""

    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    email_digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        indexes = [models.Index(fields=["email_digest", "requested_at"], name="pw_reset_email_idx")]

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M}"


# --- Directory sign-in (sozialraum.accounts.ldap, sozialraum.accounts.group_roles) -----------


@audited()
class DirectoryAccount(models.Model):
    """Marks an account whose sign-in, name, e-mail and roles come from the office's directory
    (LDAP, e.g. Active Directory). Such an account has no usable local password.

    ``groups`` are the (normalised) DNs of the directory groups the person belonged to at the
    last sign-in, nested groups included: they show Administration where each role comes from.
    ``disabled_by_directory`` is set when the directory disabled or deleted the person; a later
    sign-in after the directory enabled them again reactivates the account, whereas an account
    deactivated by Administration stays deactivated."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="directory_account", verbose_name=_("user")
    )
    dn = models.CharField(_("distinguished name"), max_length=500)
    groups = models.JSONField(_("directory groups"), default=list, blank=True)
    synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)
    disabled_by_directory = models.BooleanField(_("disabled in the directory"), default=False)

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")

    def __str__(self):
        return self.dn


@audited()
class DirectoryGroupRole(Versioned):
    """Verzeichnisgruppe → Rolle: members of the directory group ``group_dn`` (nested groups
    included) get the role at each sign-in, and lose it at the next sign-in after leaving it."""

    class Kind(models.TextChoices):
        TEAM_MEMBER = "team_member", _("Staff member (Fachkraft)")
        TEAM_LEAD = "team_lead", _("Team lead (Teamleitung)")
        HEAD = "head", _("Department head (Fachbereichsleitung)")
        AMTSLEITUNG = "amtsleitung", _("Office leadership and planning (Amtsleitung)")
        ADMINISTRATION = "administration", _("Administration")

    group_dn = models.CharField(
        _("directory group (DN)"),
        max_length=500,
        help_text=_("The distinguished name of the group, e.g. cn=srt-winnenden,ou=groups,dc=…"),
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_group_roles",
        verbose_name=_("team"),
    )
    middle_area = models.ForeignKey(
        MiddleArea,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="directory_group_roles",
        verbose_name=_("middle area"),
    )

    class Meta:
        verbose_name = _("directory group role")
        verbose_name_plural = _("directory group roles")
        ordering = ["group_dn", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["team_member", "team_lead"], team__isnull=False)
                    | ~Q(kind__in=["team_member", "team_lead"]) & Q(team__isnull=True)
                ),
                name="directory_group_role_team",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="head", middle_area__isnull=False)
                    | ~Q(kind="head") & Q(middle_area__isnull=True)
                ),
                name="directory_group_role_middle_area",
            ),
        ]

    def __str__(self):
        place = self.team or self.middle_area
        role = self.get_kind_display()
        return f"{self.group_dn} → {role}: {place}" if place else f"{self.group_dn} → {role}"
