"""The notification settings page (Benachrichtigungen), the mail settings and the rendering of
mails: switches per kind that concerns the user, audited, conflict-safe; SMTP by environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from sozialraum.accounts.notifications import preferences_fingerprint
from sozialraum.mail import mail_render, mail_send
from sozialraum.models import NotificationPreference, User
from tests import smtp
from tests.smtp import html_of, text_of

# The real SMTP server (tests/smtp.py).
smtp_server = smtp.smtp_server

URL = reverse("sozialraum:notification_settings")


def switches(response) -> list[str]:
    return list(response.context["form"].fields)


def test_staff_see_their_reminders_and_heads_theirs(client_for, fachkraft, fbl_backnang):
    staff = client_for(fachkraft).get(URL)
    head = client_for(fbl_backnang).get(URL)

    assert switches(staff) == ["staff_weekly", "export_ready", "fingerprint"]
    assert switches(head) == ["head_weekly", "head_digest", "export_ready", "fingerprint"]
    assert staff.context["form"]["staff_weekly"].value() is True


def test_switching_off_is_stored_and_audited(client_for, fachkraft):
    client = client_for(fachkraft)
    page = client.get(URL)
    fingerprint = page.context["form"]["fingerprint"].value()

    saved = client.post(URL, {"export_ready": "on", "fingerprint": fingerprint}, follow=True)

    assert dict(
        NotificationPreference.objects.filter(user=fachkraft).values_list("kind", "enabled")
    ) == {"staff_weekly": False}
    with translation.override("de"):
        assert gettext("Your notification settings have been saved.") in saved.content.decode()
    assert saved.context["form"]["staff_weekly"].value() is False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pgh_label, kind, enabled FROM sozialraum_notificationpreferenceevent "
            "WHERE user_id = %s",
            [fachkraft.pk],
        )
        assert cursor.fetchall() == [("insert", "staff_weekly", False)]


def test_switching_on_again_updates_the_row(client_for, fachkraft):
    NotificationPreference.objects.create(user=fachkraft, kind="staff_weekly", enabled=False)
    client = client_for(fachkraft)

    client.post(
        URL,
        {
            "staff_weekly": "on",
            "export_ready": "on",
            "fingerprint": preferences_fingerprint(fachkraft),
        },
    )

    assert NotificationPreference.objects.get(user=fachkraft, kind="staff_weekly").enabled is True


def test_a_kind_that_does_not_concern_the_user_is_ignored(client_for, fachkraft):
    client_for(fachkraft).post(URL, {"export_ready": "on", "head_digest": "", "staff_weekly": "on"})

    assert not NotificationPreference.objects.filter(user=fachkraft).exists()


def test_a_stale_second_save_is_refused_with_409(client_for, fachkraft):
    client = client_for(fachkraft)
    old = client.get(URL).context["form"]["fingerprint"].value()
    client.post(URL, {"export_ready": "on", "fingerprint": old})

    stale = client.post(URL, {"staff_weekly": "on", "fingerprint": old})

    assert stale.status_code == 409
    assert dict(
        NotificationPreference.objects.filter(user=fachkraft).values_list("kind", "enabled")
    ) == {"staff_weekly": False}
    assert stale.context["form"].non_field_errors()


def test_the_page_needs_sign_in(client, db):
    response = client.get(URL)

    assert response["Location"].startswith(reverse("login"))


def test_the_account_menu_links_to_the_page(client_for, fachkraft):
    page = client_for(fachkraft).get(reverse("sozialraum:home")).content.decode()

    assert f'href="{URL}"' in page


def test_an_account_without_address_is_told_so(client_for, fachkraft):
    User.objects.filter(pk=fachkraft.pk).update(email="")
    fachkraft.refresh_from_db()

    page = client_for(fachkraft).get(URL).content.decode()

    assert 'id="no-email"' in page


def test_query_count_does_not_grow_with_the_stored_switches(client_for, fbl_backnang):
    client = client_for(fbl_backnang)
    counts = []
    for kind in ["head_weekly", "head_digest"]:
        NotificationPreference.objects.create(user=fbl_backnang, kind=kind, enabled=False)
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            client.get(URL)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Mails ------------------------------------------------------------------------------------


def test_a_mail_goes_over_smtp_in_german_with_both_parts(fachkraft, smtp_server):
    mail = mail_render(
        "export_ready",
        to=fachkraft.email,
        context={"recipient": fachkraft, "title": "Aktivitäten", "jobs_url": "x", "hours": 24},
    )

    mail_send(mail)

    (received,) = smtp_server.wait_for(1)
    assert received["From"] == settings.DEFAULT_FROM_EMAIL
    assert "Friederike Fachkraft" in text_of(received)
    assert "Kreisjugendamt Rems-Murr-Kreis" in html_of(received)
    assert '<html lang="de">' in html_of(received)
    assert "&lt;" not in text_of(received)


def settings_in_subprocess(**env) -> dict:
    code = (
        "import json, django; from django.conf import settings as s; "
        "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, "
        "s.DEFAULT_FROM_EMAIL, s.SITE_URL]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_EMAIL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "sozialraum.settings",
            # Parsed only: no connection is opened.
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_smtp_is_configured_by_environment():
    values = settings_in_subprocess(
        DJANGO_SECRET_KEY="x",
        DJANGO_EMAIL_HOST="mail.lra.example",
        DJANGO_EMAIL_PORT="587",
        DJANGO_EMAIL_USE_TLS="true",
        DJANGO_DEFAULT_FROM_EMAIL="sozialraum@lra.example",
        DJANGO_SITE_URL="https://sozialraum.lra.example/",
    )

    assert values == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.lra.example",
        587,
        True,
        "sozialraum@lra.example",
        "https://sozialraum.lra.example",
    ]


def test_development_prints_mails_to_the_console():
    values = settings_in_subprocess(DJANGO_DEBUG="true")

    assert values[0] == "django.core.mail.backends.console.EmailBackend"


def test_make_run_says_that_mails_go_to_the_console(tmp_path):
    from tests.test_make_run import Run

    run = Run(tmp_path, "--no-worker")
    run.wait_until_up()

    output = run.stop()

    assert "E-mails are printed to this console, not sent" in output
