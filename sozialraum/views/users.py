"""Users and roles (Administration): list, create, edit, set a password, deactivate and
reactivate. The rules live in ``sozialraum.accounts``; these views only translate HTTP."""

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

from sozialraum import accounts, permissions
from sozialraum.account_forms import PersonalDataForm, RolesForm, UserCreateForm, apply_errors
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
            "is_self": self.is_self(),
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
        if form.is_valid() and roles_form.is_valid():
            try:
                accounts.user_update(
                    actor=request.user,
                    user=form.instance,
                    roles=roles_form.roles(),
                    expected_fingerprint=submitted_fingerprint(form),
                )
            except ValidationError as error:
                apply_errors(error, form, roles_form)
            except StaleFingerprint as stale:
                differences = form_differences(form, stale.current) + roles_form.differences(
                    accounts.roles_held(stale.current)
                )
                refuse_stale(form, stale, differences=differences)
                return self.render(form, roles_form, status=409)
            else:
                messages.success(request, _("User “%(user)s” saved.") % {"user": form.instance})
                if self.is_self() and not permissions.is_administration(self.account):
                    # The acting user gave up the own Administration role.
                    return redirect("sozialraum:home")
                return redirect("sozialraum:user_update", pk=self.account.pk)
        return self.render(form, roles_form)

    def roles_form(self, data=None):
        return RolesForm(
            data, held=accounts.roles_held(self.account), superuser=self.account.is_superuser
        )

    def render(self, form, roles_form, status=200):
        return self.render_to_response(
            self.get_context_data(form=form, roles_form=roles_form), status=status
        )


class UserPasswordView(UserObjectMixin, FormView):
    """Set a new password for an account, e.g. when someone forgot theirs."""

    form_class = SetPasswordForm
    template_name = "sozialraum/users/user_password.html"

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
        return {
            **super().get_context_data(**kwargs),
            "activate": self.activate,
            "fingerprint": fingerprint(self.account),
        }

    def post(self, request, *args, **kwargs):
        change = accounts.user_activate if self.activate else accounts.user_deactivate
        try:
            change(
                actor=request.user,
                user=self.account,
                expected_fingerprint=request.POST.get(FINGERPRINT_FIELD),
            )
        except StaleFingerprint:
            # Confirm again, on the account as it is now.
            del self.account
            return self.render_to_response(self.get_context_data(conflict=True), status=409)
        except ValidationError as error:
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
