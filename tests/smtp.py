"""A real SMTP server for the tests (aiosmtpd on a free port): the application sends to it over
SMTP, the tests read what it received and follow the links in it."""

import email
import re
import time
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.processes import free_port

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
LINK = re.compile(r"https?://\S+")


class Inbox:
    """What the server received, as parsed messages (aiosmtpd's handler)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, *, timeout: float = 30.0) -> list[EmailMessage]:
        """The messages once there are ``count`` (a worker sends them a moment later)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK.findall(text_of(message))


@pytest.fixture
def smtp_server(settings, monkeypatch):
    """The SMTP server, with this process's mail settings and the environment of any worker
    started by the test pointing at it."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    for name, value in {
        "DJANGO_EMAIL_BACKEND": SMTP_BACKEND,
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(inbox.port),
    }.items():
        monkeypatch.setenv(name, value)
    yield inbox
    controller.stop()
