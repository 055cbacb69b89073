"""Password reset by e-mail, end to end through a real SMTP server: the request, the mail, its
link, the new password; no hint whether an account exists; the rate limit; short-lived,
single-use links; the other sessions end."""

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from sozialraum.accounts.password_reset import TOO_MANY, email_digest
from sozialraum.models import PasswordResetRequest, User
from tests import smtp
from tests.smtp import html_of, links_in, text_of

# The real SMTP server (tests/smtp.py).
smtp_server = smtp.smtp_server

NEW_PASSWORD = "Ein-neues-langes-Passwort-2026"


@pytest.fixture
def local_user(db):
    return User.objects.create_user(
        "mkeller",
        email="m.keller@example.org",
        password="das-alte-passwort-123",
        first_name="Mara",
        last_name="Keller",
    )


def request_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def reset_path(message) -> str:
    (link,) = [link for link in links_in(message) if "/konto/passwort-neu/" in link]
    return urlsplit(link).path


def test_reset_end_to_end_sets_the_password_and_ends_other_sessions(
    client, local_user, smtp_server, settings
):
    settings.SITE_URL = "https://sozialraum.example.org"
    elsewhere = Client()
    elsewhere.force_login(local_user)

    answer = request_reset(client, "M.Keller@example.org")
    (mail,) = smtp_server.wait_for(1)
    opened = client.get(reset_path(mail), follow=True)
    form_url = opened.redirect_chain[-1][0]
    saved = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    old_link = client.get(reset_path(mail), follow=True)

    assert answer["Location"] == reverse("password_reset_done")
    assert mail["To"] == "m.keller@example.org"
    assert links_in(mail)[0].startswith("https://sozialraum.example.org/konto/passwort-neu/")
    assert "Mara Keller" in text_of(mail)
    assert "Kreisjugendamt Rems-Murr-Kreis" in text_of(mail)
    assert 'href="https://sozialraum.example.org/konto/passwort-neu/' in html_of(mail)
    assert saved["Location"] == reverse("password_reset_complete")
    local_user.refresh_from_db()
    assert local_user.check_password(NEW_PASSWORD)
    assert elsewhere.get(reverse("sozialraum:home"))["Location"].startswith(reverse("login"))
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(local_user.pk) for s in Session.objects.all()
    )
    assert old_link.context["validlink"] is False
    assert 'id="reset-link-invalid"' in old_link.content.decode()
    signed_in = Client().post(reverse("login"), {"username": "mkeller", "password": NEW_PASSWORD})
    assert signed_in["Location"] == reverse("sozialraum:home")


def test_mail_is_german_and_names_the_office(client, local_user, smtp_server):
    request_reset(client, local_user.email)

    (mail,) = smtp_server.wait_for(1)

    with translation.override("de"):
        assert mail["Subject"] == gettext("Sozialraum: choose a new password")
        assert gettext("Kind regards") in text_of(mail)
    assert '<html lang="de">' in html_of(mail)
    assert "60" in text_of(mail)


def test_unknown_address_gives_the_same_answer_and_no_mail(client, local_user, smtp_server):
    known = request_reset(client, local_user.email)
    unknown = request_reset(client, "niemand@example.org")
    smtp_server.wait_for(1)

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m["To"] for m in smtp_server.messages] == [local_user.email]


@pytest.mark.parametrize("change", ["inactive", "no_password", "pseudonym"])
def test_only_active_local_accounts_get_mail(client, local_user, smtp_server, change):
    if change == "inactive":
        local_user.is_active = False
    elif change == "no_password":
        local_user.set_unusable_password()  # e.g. an account of the directory
    else:
        local_user.is_pseudonym = True
    local_user.save()

    answer = request_reset(client, local_user.email)

    assert answer["Location"] == reverse("password_reset_done")
    time.sleep(0.2)
    assert smtp_server.messages == []


def test_an_invalid_address_is_refused_next_to_the_field(client, local_user, smtp_server):
    answer = request_reset(client, "kein-at-zeichen")

    assert answer.status_code == 200
    assert answer.context["form"].errors["email"]
    assert PasswordResetRequest.objects.count() == 0
    assert smtp_server.messages == []


def test_rate_limit_per_account(client, local_user, smtp_server, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = 2
    answers = [request_reset(client, local_user.email, REMOTE_ADDR=f"10.0.0.{n}") for n in (1, 2)]
    refused = request_reset(client, local_user.email.upper(), REMOTE_ADDR="10.0.0.3")
    smtp_server.wait_for(2)
    time.sleep(0.2)

    assert [a.status_code for a in answers] == [302, 302]
    assert refused.status_code == 429
    with translation.override("de"):
        assert str(TOO_MANY) in refused.content.decode()
    assert len(smtp_server.messages) == 2


def test_rate_limit_per_address_does_not_tell_whether_an_account_exists(
    client, local_user, smtp_server, settings
):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 2
    request_reset(client, "a@example.org")
    request_reset(client, "b@example.org")

    refused_known = request_reset(client, local_user.email)
    refused_unknown = request_reset(client, "c@example.org")
    other_address = request_reset(client, local_user.email, REMOTE_ADDR="192.0.2.7")

    assert (refused_known.status_code, refused_unknown.status_code) == (429, 429)
    assert other_address.status_code == 302
    assert [m["To"] for m in smtp_server.wait_for(1)] == [local_user.email]


def test_an_expired_link_is_refused(client, local_user, smtp_server, settings):
    settings.PASSWORD_RESET_TIMEOUT = 1
    request_reset(client, local_user.email)
    (mail,) = smtp_server.wait_for(1)
    time.sleep(2.1)

    opened = client.get(reset_path(mail), follow=True)

    assert opened.context["validlink"] is False
    local_user.refresh_from_db()
    assert local_user.check_password("das-alte-passwort-123")


def test_the_link_is_valid_for_an_hour_by_default():
    from sozialraum import settings as project_settings

    assert project_settings.PASSWORD_RESET_TIMEOUT == 3600


def test_a_mail_server_that_is_down_changes_nothing_for_the_user(
    client, local_user, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there

    answer = request_reset(client, local_user.email)

    assert answer["Location"] == reverse("password_reset_done")
    assert "could not be sent" in caplog.text


def test_the_login_page_links_to_the_reset(client, db):
    page = client.get(reverse("login")).content.decode()

    assert f'href="{reverse("password_reset")}"' in page


@given(email=st.emails(), upper=st.booleans(), padding=st.sampled_from(["", " ", "\t"]))
def test_the_limit_counts_an_address_however_it_is_written(email, upper, padding):
    written = f"{padding}{email.upper() if upper else email}{padding}"

    assert email_digest(written) == email_digest(email)
