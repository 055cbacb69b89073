"""Notification settings (Benachrichtigungen): one switch per kind of reminder that concerns the
user (``sozialraum.reminders``). A reminder is on until the user switches it off; each change is
a row of ``NotificationPreference`` and lands in the audit trail."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from sozialraum.concurrency import (
    StaleFingerprint,
    add_fingerprint_field,
    check_fingerprint,
    refuse_stale,
    submitted_fingerprint,
)
from sozialraum.models import NotificationPreference, User
from sozialraum.reminders import ReminderKind, kinds_for


def preferences_of(user: User) -> dict[str, bool]:
    """The user's stored switches by kind (kinds without a row are on)."""
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))


def preferences_fingerprint(user: User) -> str:
    """Equal while nobody changed the user's switches (another tab, another device)."""
    state = sorted(preferences_of(user).items())
    return salted_hmac("sozialraum.notifications", repr(state), algorithm="sha256").hexdigest()


def preferences_save(*, user: User, values: dict[str, bool], expected: str | None) -> None:
    """Store the switches ``values`` (kind key → on) of the kinds that concern the user;
    raises ``StaleFingerprint`` when they changed since ``expected``."""
    allowed = {kind.key for kind in kinds_for(user)}
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        check_fingerprint(current, expected, of=preferences_fingerprint)
        stored = preferences_of(current)
        for key, enabled in values.items():
            if key in allowed and stored.get(key, True) != enabled:
                NotificationPreference.objects.update_or_create(
                    user=current, kind=key, defaults={"enabled": enabled}
                )


class NotificationSettingsForm(forms.Form):
    """A checkbox per kind of reminder that concerns the user."""

    def __init__(self, *args, kinds: list[ReminderKind], stored: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.key] = forms.BooleanField(
                label=kind.label,
                help_text=kind.description,
                required=False,
                initial=stored.get(kind.key, True),
            )


class NotificationSettingsView(FormView):
    template_name = "sozialraum/notification_settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        user = self.request.user
        return {
            **super().get_form_kwargs(),
            "kinds": kinds_for(user),
            "stored": preferences_of(user),
        }

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        fingerprint = "" if form.is_bound else preferences_fingerprint(self.request.user)
        add_fingerprint_field(form, fingerprint)
        return form

    def form_valid(self, form):
        try:
            preferences_save(
                user=self.request.user,
                values=form.cleaned_data,
                expected=submitted_fingerprint(form),
            )
        except StaleFingerprint as stale:
            refuse_stale(form, stale, differences=[])
            return self.render_to_response(self.get_context_data(form=form), status=409)
        messages.success(self.request, _("Your notification settings have been saved."))
        return redirect("sozialraum:notification_settings")


urlpatterns = [
    path(
        "konto/benachrichtigungen/",
        NotificationSettingsView.as_view(),
        name="notification_settings",
    ),
]
