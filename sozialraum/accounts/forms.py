"""Forms of the users-and-roles pages: personal data, the initial password, and the roles.

The forms check the input; the rules about who may give which role live in
``sozialraum.accounts.local``, whose ``ValidationError`` the views put back next to the fields.
"""

from django import forms
from django.contrib.auth.forms import SetPasswordMixin, UsernameField
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sozialraum.accounts.local import GROUP_FIELDS, MIDDLE_AREAS_FIELD, Roles, team_field
from sozialraum.models import Membership, MiddleArea, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG, Role
from sozialraum.text import GermanSortKey

NO_TEAM_ROLE = ""


class PersonalDataForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]
        field_classes = {"username": UsernameField}

    def clean_username(self):
        """Refuse a username that differs from another one only in case (as Django's
        UserCreationForm does): "M.Mueller" and "m.mueller" would confuse everyone."""
        username = self.cleaned_data["username"]
        taken = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("This username is already taken."), code="unique")
        return username


class UserCreateForm(SetPasswordMixin, PersonalDataForm):
    """Personal data and an initial password, entered twice and checked by the password
    validators of the settings (length, similarity to the name, common passwords)."""

    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Initial password"), label2=_("Initial password (again)")
    )

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        # After the instance carries the entered names, so similarity to them is checked.
        self.validate_password_for_user(self.instance)


class RolesForm(forms.Form):
    """The roles of one account: a role per team (works without JavaScript, one select per
    team), headships of Mittelbereiche and the district-wide roles."""

    middle_areas = forms.ModelMultipleChoiceField(
        label=_("Department head (Fachbereichsleitung) of"),
        queryset=MiddleArea.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    amtsleitung = forms.BooleanField(label=Role.AMTSLEITUNG.label, required=False)
    administration = forms.BooleanField(
        label=Role.ADMINISTRATION.label,
        required=False,
        help_text=_("Manages master data, users and roles."),
    )

    def __init__(self, *args, held: Roles, superuser: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Active teams, and an inactive one only while the user still belongs to it.
        teams = Team.objects.filter(Q(is_active=True) | Q(pk__in=list(held.teams))).order_by(
            GermanSortKey("name")
        )
        self.team_ids = {}
        for team in teams:
            name = team_field(team.pk)
            self.fields[name] = forms.ChoiceField(
                label=team.name if team.is_active else _("%(team)s (inactive)") % {"team": team},
                choices=[(NO_TEAM_ROLE, _("no role")), *Membership.Role.choices],
                required=False,
                initial=held.teams.get(team.pk, NO_TEAM_ROLE),
            )
            self.team_ids[name] = team.pk
        self.fields[MIDDLE_AREAS_FIELD].initial = sorted(held.middle_areas)
        self.fields["amtsleitung"].initial = GROUP_AMTSLEITUNG in held.groups
        self.fields["administration"].initial = GROUP_ADMINISTRATION in held.groups
        if superuser:
            self.fields["administration"].help_text = _(
                "A superuser holds the Administration role whatever this box says."
            )

    def team_fields(self):
        return [self[name] for name in self.team_ids]

    def differences(self, current: Roles) -> list[tuple[str, str]]:
        """(label, current value) of the roles where the saved account differs from the input,
        for the conflict notice when someone else changed the roles meanwhile."""
        wanted = self.roles()
        role_labels = dict(Membership.Role.choices)
        differences = []
        for name, team_id in self.team_ids.items():
            if wanted.teams.get(team_id) != current.teams.get(team_id):
                now = role_labels.get(current.teams.get(team_id), _("no role"))
                differences.append((str(self.fields[name].label), str(now)))
        if wanted.middle_areas != current.middle_areas:
            areas = MiddleArea.objects.filter(pk__in=current.middle_areas).order_by(
                GermanSortKey("name")
            )
            now = ", ".join(area.name for area in areas) or "–"
            differences.append((str(self.fields[MIDDLE_AREAS_FIELD].label), now))
        for group, name in GROUP_FIELDS.items():
            if (group in wanted.groups) != (group in current.groups):
                now = _("yes") if group in current.groups else _("no")
                differences.append((str(self.fields[name].label), str(now)))
        return differences

    def roles(self) -> Roles:
        data = self.cleaned_data
        return Roles(
            teams={
                team_id: data[name]
                for name, team_id in self.team_ids.items()
                if data.get(name) != NO_TEAM_ROLE
            },
            middle_areas=frozenset(area.pk for area in data[MIDDLE_AREAS_FIELD]),
            groups=frozenset(group for group, name in GROUP_FIELDS.items() if data.get(name)),
        )


def apply_errors(error: ValidationError, *forms_) -> None:
    """Put the errors of a service next to their fields, in whichever form has the field."""
    if not hasattr(error, "error_dict"):
        forms_[0].add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        form = next((f for f in forms_ if key in f.fields), None)
        if form is None:
            forms_[0].add_error(None, errors)
        else:
            form.add_error(key, errors)
