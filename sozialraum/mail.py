"""E-mail: the office's mails, rendered from templates and sent over SMTP.

Every mail has a plain-text and an HTML part from ``templates/mail/<name>.txt`` and ``.html``
(subject: ``<name>_subject.txt``), in the office's language, with the office's name and a link
to the recipient's notification settings. Links are absolute, built from ``SITE_URL``: the
worker that renders reminders has no request to take the host from.

Reminders are queued (``mail_queue``) in the transaction that records them, and sent by the
worker's task ``send_queued_mail``, which retries while the mail server is unreachable.
"""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

# The mail server may be down for a while (maintenance): retry over about five hours.
SEND_RETRY = RetryStrategy(max_attempts=6, exponential_wait=5)


@dataclass(frozen=True)
class Mail:
    """A rendered mail, ready to send (plain values: it travels through the job queue)."""

    to: str
    subject: str
    text: str
    html: str


def absolute_url(path: str) -> str:
    """The address of ``path`` (from ``reverse``) as a mail links to it."""
    return f"{settings.SITE_URL}{path}"


def uses_console() -> bool:
    """True when mails are printed instead of sent (development without a mail server)."""
    return settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def mail_render(template: str, *, to: str, context: dict) -> Mail:
    """Render the mail ``template`` for the address ``to``, in the office's language."""
    with translation.override(settings.LANGUAGE_CODE):
        full = {
            "office_name": settings.SOZIALRAUM_OFFICE_NAME,
            "site_url": absolute_url("/"),
            "settings_url": absolute_url(reverse("sozialraum:notification_settings")),
            **context,
        }
        subject = render_to_string(f"mail/{template}_subject.txt", full)
        return Mail(
            to=to,
            # A header is one line: template line breaks and indentation go.
            subject=" ".join(subject.split()),
            text=render_to_string(f"mail/{template}.txt", full),
            html=render_to_string(f"mail/{template}.html", full),
        )


def mail_send(mail: Mail) -> None:
    """Send at once through the configured backend (SMTP, or the console in development)."""
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to]
    )
    message.attach_alternative(mail.html, "text/html")
    message.send()


def mail_queue(mail: Mail) -> None:
    """Queue the mail for the worker, inside the caller's transaction: it goes out only if
    that transaction commits."""
    send_queued_mail.defer(**asdict(mail))


@app.task(name="sozialraum.mail.send", retry=SEND_RETRY)
def send_queued_mail(to: str, subject: str, text: str, html: str) -> None:
    mail_send(Mail(to=to, subject=subject, text=text, html=html))
