"""Password reset by e-mail for local accounts (Django's flow, made stricter).

- The answer to a request is the same page whether or not an account has the address: nobody
  learns from it who has an account here.
- Only active local accounts with a usable password get a mail (directory accounts change
  their password in the directory; Django's form already skips the others).
- At most ``PASSWORD_RESET_LIMIT_PER_IP`` requests per hour from one address and
  ``PASSWORD_RESET_LIMIT_PER_ACCOUNT`` for one e-mail address (counted whether or not an account
  has it, so the limit tells nothing either); the requests are kept in the database, so the
  limit holds across all web server processes.
- The link is valid for ``PASSWORD_RESET_TIMEOUT`` (one hour) and only once: the token depends
  on the password hash and the last sign-in.
- The new password ends every session of the account, and lifts a lockout of django-axes.
"""

import logging
import smtplib
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from sozialraum.accounts.local import sessions_end
from sozialraum.mail import absolute_url, mail_render, mail_send
from sozialraum.middleware import client_ip_address
from sozialraum.models import PasswordResetRequest

logger = logging.getLogger(__name__)

LIMIT_WINDOW = timedelta(hours=1)
TOO_MANY = _(
    "Too many requests to reset a password. For your security, please wait an hour before "
    "you try again."
)


def client_ip(request) -> str | None:
    """The client's address, as django-axes sees it (behind the proxy: the forwarded one)."""
    if settings.BEHIND_PROXY:
        return client_ip_address(request)
    return request.META.get("REMOTE_ADDR")


def email_digest(email: str) -> str:
    """A keyed hash of the entered address: the limit needs no address in clear."""
    normalised = email.strip().casefold()
    return salted_hmac("sozialraum.password_reset", normalised, algorithm="sha256").hexdigest()


def reset_limited(*, ip: str | None, digest: str) -> bool:
    """True when the address or the account has used up its requests of the last hour."""
    since = timezone.now() - LIMIT_WINDOW
    PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
    recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
    by_account = recent.filter(email_digest=digest).count()
    by_ip = recent.filter(ip_address=ip).count() if ip else 0
    return (
        by_account >= settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT
        or by_ip >= settings.PASSWORD_RESET_LIMIT_PER_IP
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the mail is the office's (German, plain text and HTML) and its link
    points at ``SITE_URL``, never at the host a request names."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_pseudonym)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        link = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        mail = mail_render(
            "password_reset",
            to=user.email,
            context={
                "recipient": user,
                "reset_url": absolute_url(link),
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
        try:
            mail_send(mail)
        except (OSError, smtplib.SMTPException):
            # The page says the same either way; the operator finds the cause in the log.
            logger.exception("The password-reset mail to user %s could not be sent", user.pk)


class ResetRequestView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form):
        ip = client_ip(self.request)
        digest = email_digest(form.cleaned_data["email"])
        if reset_limited(ip=ip, digest=digest):
            form.add_error(None, TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        PasswordResetRequest.objects.create(ip_address=ip, email_digest=digest)
        return super().form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        ended = sessions_end(user)
        axes_reset(username=user.get_username())
        logger.info("User %s reset the password by e-mail; %s sessions ended", user.pk, ended)
        return response


urlpatterns = [
    path("konto/passwort-vergessen/", ResetRequestView.as_view(), name="password_reset"),
    path(
        "konto/passwort-vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "konto/passwort-neu/<uidb64>/<token>/",
        ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/passwort-neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
