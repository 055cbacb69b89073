"""Reminders by e-mail: what each kind says to whom, once per occasion, never to a user who
switched it off; the heads' digest without per-person figures; "your export is ready". The
last tests run the periodic jobs twice through a real worker and a real SMTP server."""

import datetime
import json
import signal
import time

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind
from sozialraum.jobs.models import Job, JobState
from sozialraum.jobs.services import job_start
from sozialraum.models import NotificationPreference, SentReminder, Team, User
from sozialraum.reminders import (
    EXPORT_READY,
    MONTHLY,
    WEEKLY,
    export_ready_notify,
    occasion_of,
    reminders_send,
)
from teams.models import Activity
from tests import smtp
from tests.smtp import links_in, text_of
from tests.sozialraum import test_jobs
from tests.sozialraum.test_jobs import wait_for
from tests.teams.conftest import make_series

# The real SMTP server (tests/smtp.py) and the real worker (manage.py run_worker).
smtp_server = smtp.smtp_server
worker = test_jobs.worker

D = datetime.date
# A Monday: the series below (Tuesdays since January) has three dates in the two weeks before
# that nobody logged (24 February, 3 and 10 March).
MONDAY = D(2026, 3, 16)
FIRST_OF_MARCH = D(2026, 3, 1)


def queued_mails() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = 'sozialraum.mail.send' "
            "ORDER BY id"
        )
        return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in cursor]


def mails_to(user) -> list[dict]:
    return [mail for mail in queued_mails() if mail["to"] == user.email]


def de(message: str) -> str:
    with translation.override("de"):
        return gettext(message)


@pytest.fixture
def team_backnang(district):
    return Team.objects.get(name="Backnang")


@pytest.fixture
def series(team_backnang, backnang, school_backnang, fachkraft):
    return make_series(
        team_backnang,
        backnang,
        school_backnang,
        weekday=1,
        staff=[fachkraft],
        valid_from=D(2026, 1, 1),
    )


@pytest.fixture
def overdue_step(backnang, fachkraft):
    partner = Partner.objects.create(
        name="Jugendhaus Backnang", kind=PartnerKind.YOUTH_HOUSE, municipality=backnang
    )
    return Cooperation.objects.create(
        partner=partner,
        status=CooperationStatus.ACTIVE,
        since=D(2025, 1, 1),
        responsible=fachkraft,
        next_step="Kooperationsvereinbarung erneuern",
        next_step_due=MONDAY - datetime.timedelta(days=3),
    )


# --- What each kind says ----------------------------------------------------------------------


def test_staff_get_their_dates_not_logged_and_next_steps_due(series, overdue_step, fachkraft):
    reminders_send(cadence=WEEKLY, today=MONDAY)

    (mail,) = [m for m in mails_to(fachkraft) if "Sozialraum" in m["subject"]]
    assert mail["subject"] == de("Sozialraum: your open dates and next steps")
    for day in ("24.02.2026", "03.03.2026", "10.03.2026"):
        assert day in mail["text"]
    assert "Grundschule Backnang-Süd (Backnang)" in mail["text"]
    assert "13.03.2026: Jugendhaus Backnang" in mail["text"]
    assert "http://localhost/meine-woche/" in mail["text"]
    assert "http://localhost/konto/benachrichtigungen/" in mail["text"]
    assert "Kreisjugendamt Rems-Murr-Kreis" in mail["text"]
    assert 'href="http://localhost/konto/benachrichtigungen/"' in mail["html"]
    assert "Friederike Fachkraft" in mail["text"]


def test_a_reminder_is_queued_once_per_occasion(series, fachkraft):
    first = reminders_send(cadence=WEEKLY, today=MONDAY)
    again = reminders_send(cadence=WEEKLY, today=MONDAY + datetime.timedelta(days=2))
    next_week = reminders_send(cadence=WEEKLY, today=MONDAY + datetime.timedelta(days=7))

    assert first >= 1
    assert again == 0
    assert next_week >= 1
    keys = SentReminder.objects.filter(user=fachkraft).values_list("kind", "occasion")
    assert sorted(keys) == [("staff_weekly", "2026-W12"), ("staff_weekly", "2026-W13")]
    assert len(mails_to(fachkraft)) == 2


def test_a_user_who_switched_a_reminder_off_gets_none(series, fachkraft):
    NotificationPreference.objects.create(user=fachkraft, kind="staff_weekly", enabled=False)

    reminders_send(cadence=WEEKLY, today=MONDAY)

    assert mails_to(fachkraft) == []
    assert not SentReminder.objects.filter(user=fachkraft).exists()


def test_nothing_to_say_sends_nothing(team_backnang, fachkraft):
    reminders_send(cadence=WEEKLY, today=MONDAY)

    assert mails_to(fachkraft) == []


def test_accounts_without_address_or_inactive_get_nothing(series, fachkraft):
    fachkraft.email = ""
    fachkraft.save()

    reminders_send(cadence=WEEKLY, today=MONDAY)

    assert not SentReminder.objects.filter(user=fachkraft).exists()


def test_team_lead_gets_the_series_nobody_staffs(
    team_backnang, backnang, town_hall_backnang, teamleitung, fachkraft
):
    make_series(team_backnang, backnang, town_hall_backnang, weekday=3, staff=[])

    reminders_send(cadence=WEEKLY, today=MONDAY)

    (mail,) = mails_to(teamleitung)
    assert mail["subject"] == de("Sozialraum: consultation hours without staff")
    assert "Backnang: Rathaus Backnang (Backnang)" in mail["text"]
    assert "14:00" in mail["text"]
    assert mails_to(fachkraft) == []


def test_heads_get_months_to_sign_off_and_overdue_steps(
    team_backnang, overdue_step, fbl_backnang, fbl_waiblingen
):
    reminders_send(cadence=WEEKLY, today=MONDAY)

    (mail,) = mails_to(fbl_backnang)
    assert mail["subject"] == de("Sozialraum: months to sign off and overdue next steps")
    assert "Backnang:" in mail["text"]
    assert "13.03.2026: Jugendhaus Backnang" in mail["text"]
    # The other Mittelbereich's head does not hear of Backnang's step.
    assert all("Jugendhaus Backnang" not in m["text"] for m in mails_to(fbl_waiblingen))


# --- The monthly digest -----------------------------------------------------------------------


def test_the_digest_holds_the_months_figures_and_no_person(
    team_backnang, backnang, fachkraft, teamleitung, fbl_backnang, amtsleitung
):
    for day in (3, 10, 17):
        activity = Activity.objects.create(
            team=team_backnang,
            municipality=backnang,
            kind="round_table",
            date=D(2026, 2, day),
            status="held",
            helps_initiated=2,
            young_people=5,
        )
        activity.staff.set([fachkraft, teamleitung])

    reminders_send(cadence=MONTHLY, today=FIRST_OF_MARCH)

    (mail,) = mails_to(fbl_backnang)
    assert mail["subject"] == de("Sozialraum: key figures of %(month)s").replace(
        "%(month)s", "Februar 2026"
    )
    text = mail["text"]
    assert "== Mittelbereich Backnang ==" in text
    assert f"{de('Individual helps initiated')}: 6" in text
    assert f"{de('Meetings of round tables and working groups')}: 3" in text
    people = User.objects.exclude(pk=fbl_backnang.pk)
    for person in people:
        for name in {person.first_name, person.last_name, person.username} - {""}:
            assert name not in text.replace(str(fbl_backnang), ""), name
            assert name not in mail["html"].replace(str(fbl_backnang), ""), name
    (district,) = mails_to(amtsleitung)
    assert de("whole district") in district["text"]
    assert SentReminder.objects.get(user=fbl_backnang).occasion == "2026-02"


def test_occasions_are_the_iso_week_and_the_month_before():
    assert occasion_of(WEEKLY, D(2026, 1, 1)) == "2026-W01"
    assert occasion_of(WEEKLY, D(2027, 1, 1)) == "2026-W53"
    assert occasion_of(MONTHLY, D(2026, 1, 1)) == "2025-12"


# --- "Your export is ready" -------------------------------------------------------------------


def done_job(user, *, result=b"a;b\n"):
    return Job.objects.create(
        user=user,
        title="Aktivitäten 2026 (CSV)",
        runner="tests.job_runners.silent",
        state=JobState.DONE,
        result=result,
        result_filename="aktivitaeten.csv" if result else "",
        finished_at=timezone.now(),
    )


def test_export_ready_is_sent_once_per_job(fachkraft):
    job = done_job(fachkraft)

    sent = [export_ready_notify(job.pk), export_ready_notify(job.pk)]

    assert sent == [True, False]
    (mail,) = mails_to(fachkraft)
    assert "Aktivitäten 2026 (CSV)" in mail["subject"]
    assert f"http://localhost/auftraege/#job-{job.pk}" in mail["text"]


def test_export_ready_respects_the_switch_and_needs_a_file(fachkraft, teamleitung):
    NotificationPreference.objects.create(user=fachkraft, kind=EXPORT_READY, enabled=False)

    sent = [
        export_ready_notify(done_job(fachkraft).pk),
        export_ready_notify(done_job(teamleitung, result=None).pk),
    ]

    assert sent == [False, False]
    assert queued_mails() == []


# --- Through a real worker and a real SMTP server ---------------------------------------------


def queue_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
        return cursor.fetchone()[0] == 0


def at(day: datetime.date) -> int:
    """The timestamp the periodic deferrer would pass for 06:00 UTC on ``day``."""
    return int(datetime.datetime(day.year, day.month, day.day, 6, tzinfo=datetime.UTC).timestamp())


@pytest.mark.django_db(transaction=True)
def test_worker_sends_each_weekly_reminder_once_even_after_a_restart(
    worker, smtp_server, series, overdue_step, fachkraft, fbl_backnang, teamleitung
):
    from sozialraum.reminders import send_weekly_reminders

    NotificationPreference.objects.create(user=teamleitung, kind="staff_weekly", enabled=False)
    first = worker()

    send_weekly_reminders.defer(timestamp=at(MONDAY))
    wait_for(queue_is_empty, what="the first run")
    received = smtp_server.wait_for(2)
    send_weekly_reminders.defer(timestamp=at(MONDAY))
    wait_for(queue_is_empty, what="the second run")
    first.stop(signal.SIGTERM)
    worker()
    send_weekly_reminders.defer(timestamp=at(MONDAY))
    wait_for(queue_is_empty, what="the run after the restart")
    time.sleep(0.5)

    addressed = sorted((m["To"], m["Subject"]) for m in smtp_server.messages)
    assert len(addressed) == len(set(addressed)) == len(received)
    assert {m["To"] for m in smtp_server.messages} >= {fachkraft.email, fbl_backnang.email}
    (note,) = smtp_server.to(fachkraft.email)
    assert "24.02.2026" in text_of(note)
    assert "http://localhost/meine-woche/" in links_in(note)
    assert all(
        m["Subject"] != de("Sozialraum: your open dates and next steps")
        for m in smtp_server.to(teamleitung.email)
    )


@pytest.mark.django_db(transaction=True)
def test_worker_mails_that_an_export_is_ready(worker, smtp_server, fachkraft, tmp_path):
    gate = tmp_path / "gate"
    gate.touch()
    worker()

    job = job_start(
        user=fachkraft,
        title="Aktivitäten (Excel)",
        runner="tests.job_runners.gated_csv",
        params={"rows": 3, "gate": str(gate)},
    )

    (mail,) = smtp_server.wait_for(1)
    assert mail["To"] == fachkraft.email
    assert "Aktivitäten (Excel)" in mail["Subject"]
    assert f"http://localhost/auftraege/#job-{job.pk}" in text_of(mail)
