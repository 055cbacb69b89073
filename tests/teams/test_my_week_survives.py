"""Meine Woche: input that survives an ended session, the week's banner and counters after
each save, signed-off months, cancelling a date ahead (reaching the public page and the feed)."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from sozialraum.models import Membership, Team
from teams.models import Activity, TeamMonthReview
from teams.months import month_of
from teams.selectors import week_start
from tests.teams.conftest import make_series

WEEK = reverse("teams:my_week")
LOGIN = reverse("login")
KEEPALIVE = reverse("sozialraum:session_keepalive")
HTMX = {"HX-Request": "true"}


def this_week_day(weekday: int) -> datetime.date:
    return week_start(timezone.localdate()) + datetime.timedelta(days=weekday)


def next_week_day(weekday: int) -> datetime.date:
    return this_week_day(weekday) + datetime.timedelta(days=7)


def log_url(series, day):
    return reverse("teams:my_week_log", args=[series.pk, day.isoformat()])


def quick(series, day, **fields):
    prefix = f"{series.pk}-{day:%Y%m%d}"
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def week_url(day):
    return f"{WEEK}?woche={week_start(day).isoformat()}"


def text(response) -> str:
    """The visible text of a response, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", without_tags).strip()


@pytest.fixture
def monday_series(team_backnang, backnang, school, fachkraft):
    """A weekly Monday series staffed by fachkraft: its date this week is never in the future."""
    return make_series(team_backnang, backnang, school, weekday=0, staff=[fachkraft])


@pytest.fixture
def public_series(team_backnang, backnang, town_hall, fachkraft):
    """A public weekly Monday series at the town hall, staffed by fachkraft."""
    return make_series(
        team_backnang, backnang, town_hall, weekday=0, staff=[fachkraft], is_public=True
    )


# --- An ended session -----------------------------------------------------------------------


def test_htmx_save_of_an_ended_session_redirects_the_whole_page_back_to_the_week(
    client, monday_series
):
    day = this_week_day(0)
    page = f"http://testserver{week_url(day)}"

    response = client.post(
        log_url(monday_series, day),
        quick(monday_series, day, status="held", children="3"),
        headers={**HTMX, "HX-Current-URL": page},
    )

    target = urlsplit(response["HX-Redirect"])
    assert (response.status_code, response.content) == (204, b"")
    assert (target.path, parse_qs(target.query)["next"]) == (LOGIN, [week_url(day)])
    assert not Activity.objects.exists()


def test_htmx_redirect_never_returns_to_another_host(client, monday_series):
    day = this_week_day(0)
    url = log_url(monday_series, day)

    response = client.post(url, {}, headers={**HTMX, "HX-Current-URL": "https://evil.example/"})

    assert response["HX-Redirect"] == f"{LOGIN}?next={url}"
    assert "evil" not in response["HX-Redirect"]


def test_plain_save_of_an_ended_session_goes_to_the_login_page(client, monday_series):
    day = this_week_day(0)
    url = log_url(monday_series, day)

    response = client.post(url, quick(monday_series, day, status="held"))

    assert (response.status_code, response.url) == (302, f"{LOGIN}?next={url}")
    assert not Activity.objects.exists()


def test_get_on_the_logging_url_after_signing_in_goes_to_the_date_on_the_week(
    client_for, fachkraft, monday_series
):
    day = this_week_day(0)

    response = client_for(fachkraft).get(log_url(monday_series, day))

    assert (response.status_code, response.url) == (
        302,
        f"{week_url(day)}#occ-{monday_series.pk}-{day:%Y%m%d}",
    )
    assert not Activity.objects.exists()


def test_get_on_the_logging_url_of_another_teams_series_is_404(
    client_for, other_team_member, monday_series
):
    response = client_for(other_team_member).get(log_url(monday_series, this_week_day(0)))

    assert response.status_code == 404


def test_signing_in_from_the_ended_session_returns_to_the_week(client, fachkraft, monday_series):
    day = this_week_day(0)
    redirect = client.post(
        log_url(monday_series, day), {}, headers={**HTMX, "HX-Current-URL": week_url(day)}
    )["HX-Redirect"]

    from sozialraum.demo import DEMO_PASSWORD

    response = client.post(redirect, {"username": "fachkraft", "password": DEMO_PASSWORD})

    assert (response.status_code, response.url) == (302, week_url(day))


# --- Stay signed in ---------------------------------------------------------------------------


def test_stay_signed_in_refreshes_the_session(client_for, fachkraft):
    client = client_for(fachkraft)
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=30)
    )

    response = client.post(KEEPALIVE)

    assert (response.status_code, response.content) == (204, b"")
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=30)


def test_stay_signed_in_after_the_session_ended_answers_with_the_login_redirect(client, db):
    response = client.post(KEEPALIVE)

    assert (response.status_code, response.url) == (302, f"{LOGIN}?next={KEEPALIVE}")


def test_stay_signed_in_takes_only_post(client_for, fachkraft):
    response = client_for(fachkraft).get(KEEPALIVE)

    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_every_signed_in_page_carries_the_warning_with_the_idle_time(
    client_for, fachkraft, settings
):
    settings.SESSION_COOKIE_AGE = 1800

    content = client_for(fachkraft).get(WEEK).content.decode()

    assert 'role="alertdialog"' in content
    assert 'data-idle-seconds="1800"' in content
    assert f'data-user="{fachkraft.pk}"' in content
    assert "js/session.js" in content


def test_the_login_page_has_no_warning(client, db):
    content = client.get(LOGIN).content.decode()

    assert 'id="session-warning"' not in content


# --- Saving updates the banner, the counters and the live region ----------------------------


def test_htmx_save_updates_the_banner_and_counters_out_of_band(
    client_for, fachkraft, team_backnang, backnang, school
):
    monday = make_series(team_backnang, backnang, school, weekday=0, staff=[fachkraft])
    client = client_for(fachkraft)
    day = this_week_day(0)
    before = client.get(WEEK).context

    response = client.post(
        log_url(monday, day), quick(monday, day, status="held", children="4"), headers=HTMX
    )

    content = response.content.decode()
    assert (before["open_count"], response.context["open_count"]) == (1, 0)
    assert (response.context["logged_count"], response.context["date_count"]) == (1, 1)
    assert '<div id="week-status" data-hx-swap-oob="true">' in content
    assert 'id="open-count"' not in content
    assert re.search(r'<div id="week-live" data-hx-swap-oob="innerHTML">[^<]+</div>', content)
    assert "data-focus-after-swap" in content
    assert Activity.objects.get().children == 4


def test_banner_counts_the_open_dates_up_to_today(client_for, fachkraft, monday_series):
    content = client_for(fachkraft).get(WEEK).content.decode()

    assert 'id="open-count"' in content
    assert 'id="week-live" role="status" aria-live="polite"' in content


def test_htmx_save_with_errors_announces_them_and_changes_nothing(
    client_for, fachkraft, monday_series
):
    day = this_week_day(0)

    response = client_for(fachkraft).post(
        log_url(monday_series, day),
        quick(monday_series, day, status="cancelled", cancel_reason="", children="3"),
        headers=HTMX,
    )

    content = text(response)
    assert "Bitte geben Sie den Grund für den Ausfall an." in content
    assert "Eine ausgefallene Aktivität hat keine Kontakte." in content
    assert response.context["open_count"] == 1
    assert not Activity.objects.exists()


def test_without_javascript_all_status_fields_show_and_the_message_explains(
    client_for, fachkraft, monday_series
):
    day = this_week_day(0)
    client = client_for(fachkraft)

    page = client.get(WEEK).content.decode()
    response = client.post(
        log_url(monday_series, day),
        quick(monday_series, day, status="cancelled", cancel_reason="Krank", children="2"),
    )

    prefix = f"{monday_series.pk}-{day:%Y%m%d}"
    assert f'name="{prefix}-children"' in page and f'name="{prefix}-cancel_reason"' in page
    assert 'data-status-choice=""' in page
    assert response.status_code == 200
    assert "Eine ausgefallene Aktivität hat keine Kontakte." in text(response)
    assert not Activity.objects.exists()


# --- Exactly one activity --------------------------------------------------------------------


def test_a_restored_draft_sent_again_creates_exactly_one_activity(
    client_for, fachkraft, teamleitung, monday_series
):
    day = this_week_day(0)
    data = quick(monday_series, day, status="held", children="2", parents="1")
    client = client_for(fachkraft)
    client.post(log_url(monday_series, day), data, headers=HTMX)

    again = client.post(log_url(monday_series, day), data, headers=HTMX)

    [activity] = Activity.objects.all()
    assert (activity.children, activity.parents, activity.created_by) == (2, 1, fachkraft)
    assert reverse("teams:activity_detail", args=[activity.pk]) in again.content.decode()
    assert again.context["occurrence"].activity == activity


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sends=st.lists(st.sampled_from(["held", "cancelled", "held-htmx"]), min_size=1, max_size=4))
def test_any_number_of_sends_of_a_date_leaves_exactly_one_activity(
    client_for, fachkraft, monday_series, sends
):
    Activity.objects.all().delete()
    day = this_week_day(0)
    client = client_for(fachkraft)

    for send in sends:
        status = send.split("-")[0]
        fields = {"children": "1"} if status == "held" else {"cancel_reason": "Krank"}
        headers = HTMX if send.endswith("htmx") else {}
        client.post(
            log_url(monday_series, day),
            quick(monday_series, day, status=status, **fields),
            headers=headers,
        )

    [activity] = Activity.objects.all()
    assert activity.status == sends[0].split("-")[0]


# --- Who sees the logging buttons -------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["fbl_backnang", "fbl_waiblingen", "amtsleitung", "administration", "no_role_user"]
)
def test_reading_roles_neither_see_nor_use_logging(request, client_for, monday_series, role):
    user = request.getfixturevalue(role)
    monday_series.staff.add(user)  # even when (wrongly) named as staff
    day = this_week_day(0)
    client = client_for(user)

    page = client.get(WEEK)
    post = client.post(log_url(monday_series, day), quick(monday_series, day, status="held"))

    assert "quick-log" not in page.content.decode()
    assert post.status_code == 404
    assert not Activity.objects.exists()


def test_another_teams_member_gets_404(client_for, other_team_member, monday_series):
    day = this_week_day(0)

    response = client_for(other_team_member).post(
        log_url(monday_series, day), quick(monday_series, day, status="held"), headers=HTMX
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_teamleitung_logs_a_date_of_a_series_it_staffs(client_for, teamleitung, monday_series):
    monday_series.staff.add(teamleitung)
    day = this_week_day(0)
    client = client_for(teamleitung)

    page = client.get(WEEK).content.decode()
    client.post(log_url(monday_series, day), quick(monday_series, day, status="held"))

    assert f'id="occ-{monday_series.pk}-{day:%Y%m%d}"' in page and "quick-log" in page
    assert Activity.objects.get().created_by == teamleitung


# --- Signed-off months ------------------------------------------------------------------------


def sign_off(team, day, user):
    TeamMonthReview.objects.create(
        team=team, month=month_of(day), signed_off_by=user, signed_off_at=timezone.now()
    )


def test_a_signed_off_month_shows_locked_instead_of_the_button(
    client_for, fachkraft, fbl_backnang, monday_series
):
    day = this_week_day(0)
    sign_off(monday_series.team, day, fbl_backnang)

    response = client_for(fachkraft).get(week_url(day))

    card = response.content.decode().split(f'id="occ-{monday_series.pk}-{day:%Y%m%d}"')[1]
    card = card.split("</li>")[0]
    assert "occurrence-locked" in card
    assert "quick-log" not in card
    assert response.context["occurrences"][0].locked is True


def test_a_save_into_a_signed_off_month_is_refused_in_german(
    client_for, fachkraft, fbl_backnang, monday_series
):
    day = this_week_day(0)
    sign_off(monday_series.team, day, fbl_backnang)

    response = client_for(fachkraft).post(
        log_url(monday_series, day), quick(monday_series, day, status="held"), headers=HTMX
    )

    assert "abgezeichnet" in text(response)
    assert not Activity.objects.exists()


# --- Cancelling ahead -------------------------------------------------------------------------


def test_an_upcoming_date_offers_cancelling_not_logging(client_for, fachkraft, monday_series):
    day = next_week_day(0)

    content = client_for(fachkraft).get(week_url(day)).content.decode()

    card = content.split(f'id="occ-{monday_series.pk}-{day:%Y%m%d}"')[1].split("</li>")[0]
    assert "quick-cancel" in card
    assert 'value="cancelled"' in card
    assert "data-status-choice" not in card


def test_cancelling_ahead_reaches_the_public_page_and_the_feed_at_once(
    client_for, client, fachkraft, public_series, backnang
):
    day = next_week_day(0)
    staff = client_for(fachkraft)

    response = staff.post(
        log_url(public_series, day),
        quick(public_series, day, status="cancelled", cancel_reason="Fortbildung"),
        headers=HTMX,
    )
    staff.logout()
    finder = client.get(reverse("teams:public_finder"), {"municipality": backnang.pk})
    feed = client.get(reverse("teams:municipality_calendar", args=[backnang.pk]))

    activity = Activity.objects.get()
    assert (activity.status, activity.date, activity.cancel_reason) == (
        "cancelled",
        day,
        "Fortbildung",
    )
    assert "occurrence-cancelled" in response.content.decode()
    struck = f'<s><time datetime="{day.isoformat()}">'
    assert struck in finder.content.decode()
    assert "Fortbildung" not in finder.content.decode()
    [event] = [
        e for e in Calendar.from_ical(feed.content).walk("VEVENT") if e.get("EXDATE") is not None
    ]
    exdates = [
        value.dt.date()
        for entry in (event["EXDATE"] if isinstance(event["EXDATE"], list) else [event["EXDATE"]])
        for value in entry.dts
    ]
    assert day in exdates


def test_an_upcoming_date_cannot_be_logged_as_held(
    client_for, fachkraft, team_backnang, backnang, school
):
    wednesdays = make_series(team_backnang, backnang, school, weekday=2, staff=[fachkraft])
    day = next_week_day(2)  # at least three days ahead

    response = client_for(fachkraft).post(
        log_url(wednesdays, day),
        quick(wednesdays, day, status="held", children="2"),
        headers=HTMX,
    )

    assert "höchstens einen Tag" in text(response)
    assert not Activity.objects.exists()


def test_cancelling_ahead_without_a_reason_is_refused(client_for, fachkraft, monday_series):
    day = next_week_day(0)

    response = client_for(fachkraft).post(
        log_url(monday_series, day), quick(monday_series, day, status="cancelled")
    )

    assert "Bitte geben Sie den Grund für den Ausfall an." in text(response)
    assert not Activity.objects.exists()


# --- Query counts -----------------------------------------------------------------------------


def saving_queries(client, series, day) -> int:
    with CaptureQueriesContext(connection) as context:
        client.post(log_url(series, day), quick(series, day, status="held"), headers=HTMX)
    return len(context.captured_queries)


def test_htmx_save_query_count_is_constant_in_the_dates_of_the_week(
    client, fachkraft, team_backnang, backnang, school
):
    day = this_week_day(0) - datetime.timedelta(days=7)  # last week: never in the future
    first = make_series(team_backnang, backnang, school, weekday=0, staff=[fachkraft])
    client.force_login(fachkraft)
    client.get(week_url(day))  # the page shell's caches are warm for both saves

    with_one_date = saving_queries(client, first, day)
    more = [
        make_series(team_backnang, backnang, school, weekday=n % 5, staff=[fachkraft])
        for n in range(6)
    ]
    with_seven_dates = saving_queries(client, more[0], day)

    assert with_one_date == with_seven_dates
    assert Activity.objects.filter(date=day).count() == 2


def test_page_query_count_with_open_and_locked_dates_is_constant(
    client, fachkraft, fbl_backnang, team_backnang, backnang, school
):
    day = this_week_day(0) - datetime.timedelta(days=7)
    make_series(team_backnang, backnang, school, weekday=0, staff=[fachkraft])
    sign_off(team_backnang, day, fbl_backnang)
    client.force_login(fachkraft)
    client.get(week_url(day))

    with CaptureQueriesContext(connection) as one:
        client.get(week_url(day))
    for n in range(6):
        make_series(team_backnang, backnang, school, weekday=n % 7, staff=[fachkraft])
    with CaptureQueriesContext(connection) as seven:
        response = client.get(week_url(day))

    assert len(response.context["occurrences"]) == 7
    assert len(one.captured_queries) == len(seven.captured_queries)


def test_membership_of_a_second_team_keeps_other_teams_series_out(
    client_for, fachkraft, monday_series, district
):
    Membership.objects.create(user=fachkraft, team=Team.objects.get(name="Winnenden"))

    response = client_for(fachkraft).get(WEEK)

    assert [o.series for o in response.context["occurrences"]] == [monday_series]
