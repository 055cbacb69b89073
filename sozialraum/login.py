"""Signing in: the login form and what django-axes records of a failed attempt."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

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


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The user name django-axes records, cut to its column (``AXES_USERNAME_CALLABLE``):
    the admin's login form does not check the length either."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get("username")
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username
