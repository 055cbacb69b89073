"""Signing in: the login form and what django-axes records of a failed attempt."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

DIRECTORY_UNAVAILABLE = _(
    "The directory service cannot be reached at the moment, so signing in with your directory "
    "account is not possible. Please try again in a few minutes or contact the IT department."
)

# django-axes keeps the user name of a failed attempt in a column of this many characters.
AXES_USERNAME_LENGTH = 255


class LoginForm(AuthenticationForm):
    """Django's login form, with the user name's length checked: Django sets the field's
    ``max_length`` only after the field is built, so the length is never validated and an
    overlong name reached the database."""

    # Django's own text asks to "enter" a user name and password although both were entered.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or the password is wrong. Please check both; upper and lower case count."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))

    def get_invalid_login_error(self):
        """When the directory could not be asked (sozialraum.accounts.ldap), say so rather
        than blame the password; local accounts sign in all the same."""
        if getattr(self.request, "directory_unavailable", False):
            return ValidationError(DIRECTORY_UNAVAILABLE, code="directory_unavailable")
        return super().get_invalid_login_error()


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The user name django-axes records, cut to its column (``AXES_USERNAME_CALLABLE``):
    the admin's login form does not check the length either."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get("username")
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username


class AdminLoginView(LoginView):
    """The application's login for a form sent to the admin's login URL; afterwards, without
    ``next``, to the admin's index (as Django's admin login does)."""

    authentication_form = LoginForm

    def get_default_redirect_url(self):
        return reverse("admin:index")


@login_not_required
def admin_login(request):
    """The admin's login URL (``admin:login``, where the admin sends whoever may not use it):
    the application's own login page instead of Django's admin login, so that there is one
    login with one wording. Django's admin form answers a wrong password with "Please enter the
    correct user name and password" although both were entered.

    A GET goes to the login page with ``next`` (the admin's index by default); a form sent here
    is checked by the same form, and django-axes counts it like any other attempt. Whoever is
    signed in and may use the admin goes to its index; anyone else signed in gets 403: the
    admin sent them here for lack of permission, and the login page would send them back."""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied(_("Only Administration maintains the master data."))
    if request.method == "POST":
        return AdminLoginView.as_view()(request)
    target = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': target})}")
