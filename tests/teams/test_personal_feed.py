"""The personal calendar feed (Mein Kalender-Abo): a secret address per user, only a hash kept,
valid iCalendar with only the user's own dates, no notes, renewal stops the old address."""

import datetime
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils.translation import override, pgettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from kooperation.models import Body, BodyKind
from sozialraum.accounts.local import user_activate, user_deactivate
from sozialraum.calendar_tokens import calendar_token_renew, calendar_token_user
from sozialraum.models import CalendarToken, Membership, User
from teams import personal_feed
from teams.models import Absence, AbsenceStandIn, Activity
from tests.teams.conftest import make_series

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday; "today" of every test.
TODAY = datetime.date(2026, 12, 14)
PAGE = reverse("teams:calendar_subscription")


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(personal_feed, "local_today", lambda: TODAY)


def feed_url(user, secret):
    return reverse("teams:personal_feed", kwargs={"user": user.pk, "secret": secret})


def parse(response) -> Calendar:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def uids(calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


@pytest.fixture
def body(backnang, team_backnang):
    return Body.objects.create(
        name="Runder Tisch Jugend Backnang",
        kind=BodyKind.ROUND_TABLE,
        municipality=backnang,
        team=team_backnang,
    )


def meeting(body, staff, day, **fields):
    activity = Activity.objects.create(
        kind=Activity.Kind.ROUND_TABLE,
        date=day,
        team=body.team,
        municipality=body.municipality,
        body=body,
        **fields,
    )
    activity.staff.set(staff)
    return activity


@pytest.fixture
def others_series(team_backnang, backnang, town_hall, teamleitung):
    """A Thursday series of the same team that only the Teamleitung staffs."""
    return make_series(team_backnang, backnang, town_hall, weekday=3, staff=[teamleitung])


def test_feed_is_valid_icalendar_with_only_my_dates(
    client, fachkraft, teamleitung, series, others_series, body, team_backnang
):
    mine = meeting(
        body, [fachkraft], TODAY + datetime.timedelta(days=3), start_time=datetime.time(17)
    )
    meeting(body, [teamleitung], TODAY + datetime.timedelta(days=4))
    absence = Absence.objects.create(
        user=teamleitung, team=team_backnang, start=TODAY, end=TODAY + datetime.timedelta(days=2)
    )
    secret = calendar_token_renew(user=fachkraft)

    response = client.get(feed_url(fachkraft, secret))

    calendar = parse(response)
    assert str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert uids(calendar) == {
        f"staff-consultationhour-{series.pk}@sozialraum",
        f"activity-{mine.pk}@sozialraum",
        f"absence-{absence.pk}@sozialraum",
    }
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    consultation = events[f"staff-consultationhour-{series.pk}@sozialraum"]
    assert consultation.start == datetime.datetime(2026, 1, 6, 14, tzinfo=BERLIN)
    assert "FREQ=WEEKLY" in consultation["RRULE"].to_ical().decode()
    assert events[f"activity-{mine.pk}@sozialraum"].start == datetime.datetime(
        2026, 12, 17, 17, tzinfo=BERLIN
    )
    away = events[f"absence-{absence.pk}@sozialraum"]
    assert (away.start, away.end) == (TODAY, TODAY + datetime.timedelta(days=3))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_feed_holds_no_notes_no_reasons_and_nothing_of_other_people(
    client, fachkraft, teamleitung, series, others_series, body
):
    cancelled = meeting(
        body,
        [fachkraft],
        TODAY + datetime.timedelta(days=1),
        status=Activity.Status.CANCELLED,
        cancel_reason="Krankheit der Moderatorin",
        note="Geheime Notiz zum Treffen",
    )
    Activity.objects.create(
        kind=Activity.Kind.CONSULTATION,
        date=datetime.date(2026, 12, 15),
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status=Activity.Status.CANCELLED,
        cancel_reason="Fortbildung der Fachkraft",
        note="Notiz zur Sprechstunde",
    )
    series.public_note = "Öffentlicher Hinweis"
    series.save()
    secret = calendar_token_renew(user=fachkraft)

    response = client.get(feed_url(fachkraft, secret))

    text = response.content.decode()
    calendar = parse(response)
    for secret_text in [
        "Krankheit",
        "Fortbildung",
        "Geheime Notiz",
        "Notiz zur Sprechstunde",
        "Öffentlicher Hinweis",
        "Teamleitung",
        others_series.venue.name,
    ]:
        assert secret_text not in text
    event = next(
        e for e in calendar.walk("VEVENT") if e["UID"] == f"activity-{cancelled.pk}@sozialraum"
    )
    assert str(event["STATUS"]) == "CANCELLED"
    with override("de"):
        assert str(event["SUMMARY"]).startswith(pgettext("calendar event", "cancelled") + ": ")
    consultation = next(e for e in calendar.walk("VEVENT") if "consultationhour" in e["UID"])
    assert datetime.datetime(2026, 12, 15, 14, tzinfo=BERLIN) in consultation.exdates


def test_dates_i_stand_in_for_are_in_my_feed_and_only_mine(
    client, fachkraft, teamleitung, team_backnang, others_series
):
    absence = Absence.objects.create(
        user=teamleitung, team=team_backnang, start=TODAY, end=datetime.date(2026, 12, 27)
    )
    stand_in = AbsenceStandIn.objects.create(
        absence=absence, series=others_series, stand_in=fachkraft
    )
    Activity.objects.create(
        kind=Activity.Kind.CONSULTATION,
        date=datetime.date(2026, 12, 17),
        team=team_backnang,
        municipality=others_series.municipality,
        consultation_hour=others_series,
        status=Activity.Status.CANCELLED,
        cancel_reason="Krankheit",
    )
    mine = calendar_token_renew(user=fachkraft)
    theirs = calendar_token_renew(user=teamleitung)

    my_calendar = parse(client.get(feed_url(fachkraft, mine)))
    their_calendar = parse(client.get(feed_url(teamleitung, theirs)))

    assert f"stand-in-{stand_in.pk}-20261224@sozialraum" in uids(my_calendar)
    assert f"stand-in-{stand_in.pk}-20261217@sozialraum" not in uids(my_calendar)
    event = next(e for e in my_calendar.walk("VEVENT") if "stand-in" in e["UID"])
    assert event.start == datetime.datetime(2026, 12, 24, 14, tzinfo=BERLIN)
    assert not [uid for uid in uids(their_calendar) if uid.startswith("stand-in")]


def test_series_of_a_team_i_left_are_not_in_my_feed(client, fachkraft, series):
    Membership.objects.filter(user=fachkraft).delete()
    secret = calendar_token_renew(user=fachkraft)

    calendar = parse(client.get(feed_url(fachkraft, secret)))

    assert uids(calendar) == set()
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_old_address_is_404_after_renewal(client, fachkraft, series):
    old = calendar_token_renew(user=fachkraft)
    new = calendar_token_renew(user=fachkraft)

    old_response = client.get(feed_url(fachkraft, old))
    new_response = client.get(feed_url(fachkraft, new))

    assert old_response.status_code == 404
    assert old_response.content == b""
    assert uids(parse(new_response)) == {f"staff-consultationhour-{series.pk}@sozialraum"}


def test_deactivated_users_feed_is_404(client, fachkraft, series):
    secret = calendar_token_renew(user=fachkraft)
    fachkraft.is_active = False
    fachkraft.save()

    response = client.get(feed_url(fachkraft, secret))

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


@pytest.mark.parametrize(
    "case", ["wrong secret", "other user", "no token", "deleted", "huge id", "control characters"]
)
def test_unknown_addresses_are_404(client, fachkraft, teamleitung, series, case):
    secret = calendar_token_renew(user=fachkraft)
    url = {
        "wrong secret": feed_url(fachkraft, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        "other user": feed_url(teamleitung, secret),
        "no token": feed_url(teamleitung, "x" * 43),
        "deleted": feed_url(fachkraft, secret),
        "huge id": f"/kalender/{10**30}/{secret}.ics",
        "control characters": f"/kalender/{fachkraft.pk}/%00%07{secret}.ics",
    }[case]
    if case == "deleted":
        CalendarToken.objects.all().delete()

    response = client.get(url)

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(guess=st.text(max_size=60))
def test_only_the_issued_secret_opens_the_feed(fachkraft, teamleitung, guess):
    """Whatever is tried, only the last issued secret, with its own user, is accepted."""
    secret = calendar_token_renew(user=fachkraft)

    assert calendar_token_user(fachkraft.pk, secret) == fachkraft
    assert calendar_token_user(teamleitung.pk, secret) is None
    assert (calendar_token_user(fachkraft.pk, guess) == fachkraft) == (guess == secret)


def test_token_is_stored_only_as_a_hash(fachkraft):
    secret = calendar_token_renew(user=fachkraft)

    row = CalendarToken.objects.values().get(user=fachkraft)

    assert len(secret) >= 43
    assert secret not in str(row)
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()


def test_feed_neither_reads_nor_writes_the_session(client_for, fachkraft, series):
    secret = calendar_token_renew(user=fachkraft)
    client = client_for(fachkraft)
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(
        expire_date=session.expire_date - datetime.timedelta(minutes=30)
    )
    before = Session.objects.get().expire_date

    response = client.get(feed_url(fachkraft, secret))

    assert response.status_code == 200
    assert "Set-Cookie" not in str(response.cookies) and not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert Session.objects.get().expire_date == before


def test_feed_without_cookie_creates_no_session(client, fachkraft, series):
    secret = calendar_token_renew(user=fachkraft)

    response = client.get(feed_url(fachkraft, secret))

    assert response.status_code == 200
    assert not response.cookies
    assert Session.objects.count() == 0


@pytest.mark.parametrize("rows", [1, 4])
def test_feed_query_count_is_constant(
    client, django_assert_num_queries, fachkraft, team_backnang, backnang, school, body, rows
):
    for n in range(rows):
        make_series(team_backnang, backnang, school, weekday=n % 5, staff=[fachkraft])
        meeting(body, [fachkraft], TODAY + datetime.timedelta(days=n))
        colleague = User.objects.create_user(f"kollegin{n}")
        Membership.objects.create(user=colleague, team=team_backnang)
        absence = Absence.objects.create(
            user=colleague, team=team_backnang, start=TODAY, end=TODAY + datetime.timedelta(days=n)
        )
        theirs = make_series(team_backnang, backnang, school, weekday=0, staff=[colleague])
        AbsenceStandIn.objects.create(absence=absence, series=theirs, stand_in=fachkraft)
    secret = calendar_token_renew(user=fachkraft)

    # token, series, closures, logged dates, stand-ins with their closures and logged dates,
    # meetings, team ids, absences with their stand-ins
    with django_assert_num_queries(11):
        response = client.get(feed_url(fachkraft, secret))

    # Each colleague's Monday series falls on TODAY (a Monday) during the absence.
    assert len(parse(response).walk("VEVENT")) == 4 * rows


# --- The settings page -----------------------------------------------------------------------


def shown_url(response) -> str | None:
    link = response.context["link"]
    return link.url if link else None


def test_page_creates_and_shows_the_address_once(client_for, fachkraft, series):
    client = client_for(fachkraft)
    assert client.get(PAGE).context["token"] is None

    response = client.post(PAGE, {"action": "create"}, follow=True)

    url = shown_url(response)
    assert url.startswith("http://testserver/kalender/")
    assert url.encode() in response.content
    assert CalendarToken.objects.get(user=fachkraft).token_hash not in url
    assert client.get(url).status_code == 200
    again = client.get(PAGE)
    assert shown_url(again) is None
    assert again.context["token"] is not None
    assert url.encode() not in again.content


def test_page_renews_and_the_old_address_stops(client_for, fachkraft, series):
    client = client_for(fachkraft)
    first = shown_url(client.post(PAGE, {"action": "create"}, follow=True))

    second = shown_url(client.post(PAGE, {"action": "renew"}, follow=True))

    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert CalendarToken.objects.filter(user=fachkraft).count() == 1


def test_page_deletes_the_address(client_for, fachkraft, series):
    client = client_for(fachkraft)
    url = shown_url(client.post(PAGE, {"action": "create"}, follow=True))

    response = client.post(PAGE, {"action": "delete"}, follow=True)

    assert response.context["token"] is None
    assert not CalendarToken.objects.exists()
    assert client.get(url).status_code == 404


def test_page_without_an_action_changes_nothing(client_for, fachkraft):
    client = client_for(fachkraft)
    client.post(PAGE, {"action": "create"}, follow=True)
    before = CalendarToken.objects.get().token_hash

    response = client.post(PAGE, {"action": "nonsense"}, follow=True)

    assert response.status_code == 200
    assert CalendarToken.objects.get().token_hash == before
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_page_needs_login(client, district):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_user_has_only_their_own_address(client_for, fachkraft, teamleitung):
    """The page takes no user parameter: renewing as the Teamleitung leaves the Fachkraft's
    address alone."""
    mine = calendar_token_renew(user=fachkraft)
    client = client_for(teamleitung)

    client.post(PAGE, {"action": "renew"})
    client.post(PAGE, {"action": "delete"})

    assert client.get(feed_url(fachkraft, mine)).status_code == 200
    assert list(CalendarToken.objects.values_list("user__username", flat=True)) == ["fachkraft"]


def test_deactivation_ends_the_address_for_good(client, no_role_user, administration):
    """A reactivated account does not revive an address that may have been passed on."""
    secret = calendar_token_renew(user=no_role_user)

    user_deactivate(actor=administration, user=no_role_user, handover_seen="")
    user_activate(actor=administration, user=no_role_user)

    assert not CalendarToken.objects.filter(user=no_role_user).exists()
    assert client.get(feed_url(no_role_user, secret)).status_code == 404
