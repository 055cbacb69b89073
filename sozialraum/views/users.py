"""Users and roles (Administration): list, create, edit, set a password, deactivate and
reactivate. The rules live in ``sozialraum.accounts.local``; these views only translate HTTP."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from sozialraum import handover, permissions
from sozialraum.accounts import group_roles, ldap, two_factor
from sozialraum.accounts import local as accounts
from sozialraum.accounts.forms import PersonalDataForm, RolesForm, UserCreateForm, apply_errors
from sozialraum.concurrency import (
    FINGERPRINT_FIELD,
    StaleFingerprint,
    add_fingerprint_field,
    add_token_field,
    check_fingerprint,
    create_once,
    fingerprint,
    form_differences,
    locked,
    password_fingerprint,
    refuse_stale,
    submitted_fingerprint,
    submitted_token,
)
from sozialraum.filters import UserFilter
from sozialraum.views.mixins import RoleRequiredMixin


class AdministrationRequiredMixin(RoleRequiredMixin):
    """Only Administration reaches these pages; everyone else gets 403 with the reason."""

    denied_message = gettext_lazy("Only Administration manages users and roles.")


class UserObjectMixin(AdministrationRequiredMixin):
    """An Administration page about the account of the URL, with its roles loaded (the
    placeholders of retention answer 404)."""

    @cached_property
    def account(self):
        return get_object_or_404(accounts.users_for_administration(), pk=self.kwargs["pk"])

    def is_self(self) -> bool:
        return self.account.pk == self.request.user.pk

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "account": self.account,
            "role_entries": accounts.role_entries(self.account),
            "role_origins": group_roles.role_origins(self.account),
            "is_self": self.is_self(),
            "two_factor_on": two_factor.authenticator(self.account) is not None,
            "password_in_directory": ldap.password_kept_by_directory(self.account),
        }


class UserListView(AdministrationRequiredMixin, FilterView):
    filterset_class = UserFilter
    template_name = "sozialraum/users/user_list.html"
    paginate_by = 25

    def get_queryset(self):
        return accounts.users_for_administration()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(user, accounts.role_entries(user)) for user in context["object_list"]]
        return context


class UserCreateView(AdministrationRequiredMixin, TemplateView):
    template_name = "sozialraum/users/user_form.html"

    def get(self, request, *args, **kwargs):
        form = UserCreateForm()
        add_token_field(form)
        return self.render(form, RolesForm(held=accounts.Roles()))

    def post(self, request, *args, **kwargs):
        """Creates the account once, however often the same form is sent."""
        return create_once(request, submitted_token(request), self.create)

    def create(self):
        request = self.request
        form = UserCreateForm(request.POST)
        add_token_field(form)
        roles_form = RolesForm(request.POST, held=accounts.Roles())
        if form.is_valid() and roles_form.is_valid():
            try:
                user = accounts.user_create(
                    actor=request.user,
                    user=form.instance,
                    password=form.cleaned_data["password1"],
                    roles=roles_form.roles(),
                )
            except ValidationError as error:
                apply_errors(error, form, roles_form)
            else:
                messages.success(request, _("User “%(user)s” created.") % {"user": user})
                return redirect("sozialraum:user_update", pk=user.pk)
        return self.render(form, roles_form)

    def render(self, form, roles_form):
        return self.render_to_response(self.get_context_data(form=form, roles_form=roles_form))


class UserUpdateView(UserObjectMixin, TemplateView):
    """Personal data and roles of an account, saved together: all or nothing."""

    template_name = "sozialraum/users/user_form.html"

    def get(self, request, *args, **kwargs):
        form = PersonalDataForm(instance=self.account)
        add_fingerprint_field(form, fingerprint(self.account))
        return self.render(form, self.roles_form())

    def post(self, request, *args, **kwargs):
        form = PersonalDataForm(request.POST, instance=self.account)
        add_fingerprint_field(form, "")
        roles_form = self.roles_form(request.POST)
        handover_form = None
        if form.is_valid() and roles_form.is_valid():
            # Ending a membership hands over what the person holds in that team first.
            scopes = accounts.handover_scopes(accounts.roles_held(self.account), roles_form.roles())
            if scopes:
                preview = handover.handover_preview_many(self.account, scopes)
                handover_form = handover_form_for(request, preview)
            try:
                accounts.user_update(
                    actor=request.user,
                    user=form.instance,
                    roles=roles_form.roles(),
                    expected_fingerprint=submitted_fingerprint(form),
                    handover_decisions=handover_form.decisions() if handover_form else {},
                    handover_seen=request.POST.get(handover.ITEMS_FIELD),
                )
            except ValidationError as error:
                apply_handover_errors(error, handover_form, form, roles_form)
            except handover.StaleHandover as stale:
                handover_form = stale_handover_form(request, stale)
                return self.render(form, roles_form, handover_form, status=409)
            except StaleFingerprint as stale:
                differences = form_differences(form, stale.current) + roles_form.differences(
                    accounts.roles_held(stale.current)
                )
                refuse_stale(form, stale, differences=differences)
                return self.render(form, roles_form, handover_form, status=409)
            else:
                messages.success(request, _("User “%(user)s” saved.") % {"user": form.instance})
                if self.is_self() and not permissions.is_administration(self.account):
                    # The acting user gave up the own Administration role.
                    return redirect("sozialraum:home")
                return redirect("sozialraum:user_update", pk=self.account.pk)
        return self.render(form, roles_form, handover_form)

    def roles_form(self, data=None):
        return RolesForm(
            data, held=accounts.roles_held(self.account), superuser=self.account.is_superuser
        )

    def render(self, form, roles_form, handover_form=None, status=200):
        return self.render_to_response(
            self.get_context_data(form=form, roles_form=roles_form, handover_form=handover_form),
            status=status,
        )


def handover_form_for(request, preview: handover.Preview) -> handover.HandoverForm:
    """The hand-over choices: unanswered when shown for the first time, else as sent."""
    if handover.ITEMS_FIELD in request.POST:
        return handover.HandoverForm(request.POST, preview=preview)
    return handover.HandoverForm(preview=preview)


def stale_handover_form(request, stale: handover.StaleHandover) -> handover.HandoverForm:
    """The current list again, with the answers given for the items that are still there."""
    form = handover.HandoverForm(
        initial=handover.decisions_from(request.POST, stale.preview), preview=stale.preview
    )
    form.stale_message = handover.STALE_MESSAGE
    return form


def apply_handover_errors(error: ValidationError, handover_form, *forms_) -> None:
    """A service's errors next to their fields; the hand-over's only once the list was shown
    (on the first showing, the open choices are the message)."""
    if handover_form is None or not hasattr(error, "error_dict"):
        apply_errors(error, *forms_)
        return
    own = {k: v for k, v in error.error_dict.items() if k in handover_form.fields}
    rest = {k: v for k, v in error.error_dict.items() if k not in handover_form.fields}
    if handover_form.is_bound:
        for key, errors in own.items():
            if key not in handover_form.errors:
                handover_form.add_error(key, errors)
    if rest:
        apply_errors(ValidationError(rest), *forms_)


class UserPasswordView(UserObjectMixin, FormView):
    """Set a new password for an account, e.g. when someone forgot theirs."""

    form_class = SetPasswordForm
    template_name = "sozialraum/users/user_password.html"

    def get(self, request, *args, **kwargs):
        return self._kept_by_directory() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._kept_by_directory() or super().post(request, *args, **kwargs)

    def _kept_by_directory(self):
        """Back to the account, changing nothing, when its password is the directory's (a
        password set here would never be accepted); None otherwise. Runs after the role
        check."""
        if not ldap.password_kept_by_directory(self.account):
            return None
        messages.info(
            self.request,
            _(
                "“%(user)s” signs in with the password of the directory; it is changed "
                "there, not here."
            )
            % {"user": self.account},
        )
        return redirect("sozialraum:user_update", pk=self.account.pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.account}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        add_fingerprint_field(form, "" if form.is_bound else password_fingerprint(self.account))
        return form

    def form_valid(self, form):
        with transaction.atomic():
            try:
                check_fingerprint(
                    locked(self.account),
                    submitted_fingerprint(form),
                    of=password_fingerprint,
                )
            except StaleFingerprint as stale:
                refuse_stale(form, stale, differences=[])
                return self.render_to_response(self.get_context_data(form=form), status=409)
            accounts.user_set_password(
                actor=self.request.user,
                user=self.account,
                password=form.cleaned_data["new_password1"],
            )
        if self.is_self():
            update_session_auth_hash(self.request, self.account)  # stay signed in
        messages.success(
            self.request, _("New password for “%(user)s” set.") % {"user": self.account}
        )
        return redirect("sozialraum:user_update", pk=self.account.pk)


class UserStatusView(UserObjectMixin, TemplateView):
    """Deactivate or reactivate an account: a confirmation page (GET), the change (POST)."""

    template_name = "sozialraum/users/user_confirm_status.html"
    activate = False

    def get_context_data(self, **kwargs):
        context = {
            **super().get_context_data(**kwargs),
            "activate": self.activate,
            "fingerprint": fingerprint(self.account),
        }
        if not self.activate and "handover_form" not in context:
            # Deactivating hands over everything the person holds first.
            context["handover_form"] = handover.HandoverForm(
                preview=handover.handover_preview(self.account)
            )
        return context

    def post(self, request, *args, **kwargs):
        if self.activate:
            return self.change(accounts.user_activate)
        preview = handover.handover_preview(self.account)
        handover_form = handover_form_for(request, preview)
        return self.change(
            accounts.user_deactivate,
            handover_form=handover_form,
            handover_decisions=handover_form.decisions(),
            handover_seen=request.POST.get(handover.ITEMS_FIELD),
        )

    def change(self, function, *, handover_form=None, **handover_kwargs):
        request = self.request
        try:
            function(
                actor=request.user,
                user=self.account,
                expected_fingerprint=request.POST.get(FINGERPRINT_FIELD),
                **handover_kwargs,
            )
        except StaleFingerprint:
            # Confirm again, on the account as it is now.
            del self.account
            return self.render_to_response(self.get_context_data(conflict=True), status=409)
        except handover.StaleHandover as stale:
            return self.render_to_response(
                self.get_context_data(handover_form=stale_handover_form(request, stale)),
                status=409,
            )
        except ValidationError as error:
            keys = set(getattr(error, "error_dict", {}))
            if handover_form is not None and accounts.ACTIVE_FIELD not in keys:
                # A hand-over that cannot be done as decided: the list again, with the reason.
                apply_handover_errors(error, handover_form, handover_form)
                return self.render_to_response(self.get_context_data(handover_form=handover_form))
            for message in error.messages:
                messages.error(request, message)
            return redirect("sozialraum:user_update", pk=self.account.pk)
        if self.is_self():
            # The own sessions are gone with the account's: start afresh at the login page.
            logout(request)
            return redirect("login")
        if self.activate:
            text = _("User “%(user)s” is active again.")
        else:
            text = _("User “%(user)s” deactivated and signed out everywhere.")
        messages.success(request, text % {"user": self.account})
        return redirect("sozialraum:user_update", pk=self.account.pk)


urlpatterns = [
    path("verwaltung/benutzer/", UserListView.as_view(), name="user_list"),
    path("verwaltung/benutzer/neu/", UserCreateView.as_view(), name="user_create"),
    path("verwaltung/benutzer/<int:pk>/", UserUpdateView.as_view(), name="user_update"),
    path(
        "verwaltung/benutzer/<int:pk>/passwort/",
        UserPasswordView.as_view(),
        name="user_password",
    ),
    path(
        "verwaltung/benutzer/<int:pk>/deaktivieren/",
        UserStatusView.as_view(),
        name="user_deactivate",
    ),
    path(
        "verwaltung/benutzer/<int:pk>/aktivieren/",
        UserStatusView.as_view(activate=True),
        name="user_activate",
    ),
]
