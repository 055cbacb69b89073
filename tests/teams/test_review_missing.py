"""A sign-off that sees what was never logged (issue 15, point 1): the month page lists every
expected consultation date per series with its state and the team's absences; a month with
dates not logged is signed off only with a confirmation that names them, and the review keeps
them; the overview marks such months; complete months are signed off together from the
overview; every page costs a fixed number of queries."""

import datetime

import pghistory.models
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozialraum.models import Team, User
from teams import review_dates, reviews
from teams.models import Absence, Activity, TeamMonthReview
from tests.teams.conftest import make_series
from tests.teams.test_reviews import detail_url, sign_off_url, today  # noqa: F401 - autouse

D = datetime.date
TODAY = D(2026, 11, 25)  # as in test_reviews, whose ``today`` fixture sets it
SEPTEMBER = D(2026, 9, 1)
OCTOBER = D(2026, 10, 1)
NOVEMBER = D(2026, 11, 1)
# The Wednesdays of October 2026; the series below meets on Wednesdays.
OCTOBER_WEDNESDAYS = [D(2026, 10, 7), D(2026, 10, 14), D(2026, 10, 21), D(2026, 10, 28)]
SEPTEMBER_WEDNESDAYS = [
    D(2026, 9, 2),
    D(2026, 9, 9),
    D(2026, 9, 16),
    D(2026, 9, 23),
    D(2026, 9, 30),
]


def bulk_url():
    return reverse("teams:review_bulk")


def log(series, day, status=Activity.Status.HELD):
    return Activity.objects.create(
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        date=day,
        kind=Activity.Kind.CONSULTATION,
        status=status,
        cancel_reason="krank" if status == Activity.Status.CANCELLED else "",
    )


@pytest.fixture
def series(team_backnang, backnang, school):
    """Weekly on Wednesdays at the Backnang school."""
    return make_series(team_backnang, backnang, school, weekday=2)


@pytest.fixture
def october_with_a_deleted_date(series):
    """October: held on the 7th and 14th, cancelled on the 21st; the 28th was logged and then
    deleted. September: every Wednesday held."""
    for day in OCTOBER_WEDNESDAYS[:2] + SEPTEMBER_WEDNESDAYS:
        log(series, day)
    log(series, OCTOBER_WEDNESDAYS[2], Activity.Status.CANCELLED)
    log(series, OCTOBER_WEDNESDAYS[3]).delete()
    return series


def key(series, day):
    return f"{series.pk}-{day:%Y%m%d}"


def review_events():
    return pghistory.models.Events.objects.filter(pgh_model="teams.TeamMonthReviewEvent")


# --- The month page ---------------------------------------------------------------------------


def test_a_deleted_date_shows_as_not_logged_with_a_link_to_log_it(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    series = october_with_a_deleted_date

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    (row,) = response.context["series_rows"]
    assert [o.date for o in row.held] == OCTOBER_WEDNESDAYS[:2]
    assert [o.date for o in row.cancelled] == [OCTOBER_WEDNESDAYS[2]]
    assert [o.date for o in row.not_logged] == [OCTOBER_WEDNESDAYS[3]]
    assert [o.key for o in response.context["not_logged"]] == [key(series, OCTOBER_WEDNESDAYS[3])]
    content = response.content.decode()
    log_link = f"{reverse('teams:activity_create')}?series={series.pk}&amp;date=2026-10-28"
    assert content.count(log_link) == 2  # in the warning and in the series table
    for activity in Activity.objects.filter(date__month=10):
        assert reverse("teams:activity_detail", args=[activity.pk]) in content
    assert 'name="confirm_missing"' in content


def test_dates_on_a_holiday_fall_away_and_are_not_missing(
    client_for, fbl_backnang, team_backnang, backnang, school
):
    """3 October 2026 (Tag der Deutschen Einheit) is a Saturday: a Saturday series loses it."""
    make_series(team_backnang, backnang, school, weekday=5)

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    (row,) = response.context["series_rows"]
    assert [o.date for o in row.falls_away] == [D(2026, 10, 3)]
    assert D(2026, 10, 3) not in [o.date for o in row.not_logged]
    assert len(row.expected) == len(row.not_logged) == 4


def test_the_month_page_lists_the_teams_absences(
    client_for, fbl_backnang, fachkraft, team_backnang
):
    Absence.objects.create(user=fachkraft, team=team_backnang, start=D(2026, 9, 28), end=OCTOBER)
    Absence.objects.create(
        user=fachkraft, team=team_backnang, start=D(2026, 12, 1), end=D(2026, 12, 3)
    )

    response = client_for(fbl_backnang).get(detail_url(team_backnang))

    assert [(a.user, a.start) for a in response.context["absences"]] == [
        (fachkraft, D(2026, 9, 28))
    ]
    assert escape(fachkraft.get_full_name()) in response.content.decode()


# --- Signing off with dates not logged ----------------------------------------------------------


def test_sign_off_without_the_confirmation_is_refused_and_names_the_date(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    response = client_for(fbl_backnang).post(sign_off_url(team_backnang), {"comment": "ok"})

    assert response.status_code == 200
    errors = response.context["sign_off_form"].errors["confirm_missing"]
    assert len(errors) == 1
    assert "28.10.2026" in errors[0]
    assert "28.10.2026" in response.context["sign_off_form"].fields["confirm_missing"].label
    assert TeamMonthReview.objects.count() == 0
    assert review_events().count() == 0


def test_sign_off_with_the_confirmation_keeps_the_dates_and_shows_them(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    missing = key(october_with_a_deleted_date, OCTOBER_WEDNESDAYS[3])
    client = client_for(fbl_backnang)

    response = client.post(
        sign_off_url(team_backnang),
        {"comment": "Termin fiel aus", "confirm_missing": "on", "missing_keys": missing},
    )

    assert response.status_code == 302
    review = TeamMonthReview.objects.get()
    assert review.signed_off_at is not None
    assert [item["key"] for item in review.missing_dates] == [missing]
    assert review.missing_dates[0]["date"] == "2026-10-28"
    assert "28.10.2026" in review.missing_dates[0]["label"]
    page = client.get(detail_url(team_backnang))
    (entry,) = page.context["history"]
    assert entry.missing == [review.missing_dates[0]["label"]]
    assert 'id="confirmed-missing"' in page.content.decode()
    assert 'name="confirm_missing"' not in page.content.decode()


def test_a_confirmation_of_other_dates_is_refused(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    """The page showed no missing date (or another one); one was deleted meanwhile."""
    series = october_with_a_deleted_date
    stale = key(series, OCTOBER_WEDNESDAYS[0])

    response = client_for(fbl_backnang).post(
        sign_off_url(team_backnang), {"confirm_missing": "on", "missing_keys": stale}
    )

    assert response.status_code == 200
    assert response.context["sign_off_form"].errors["confirm_missing"]
    assert TeamMonthReview.objects.count() == 0


def test_the_service_refuses_without_the_confirmation_and_accepts_with_it(
    fbl_backnang, team_backnang, october_with_a_deleted_date
):
    missing = {key(october_with_a_deleted_date, OCTOBER_WEDNESDAYS[3])}

    with pytest.raises(reviews.ReviewRefused) as refused:
        reviews.sign_off(team=team_backnang, month=OCTOBER, user=fbl_backnang)
    review = reviews.sign_off(
        team=team_backnang, month=OCTOBER, user=fbl_backnang, confirmed=missing
    )

    assert refused.value.field == "confirm_missing"
    assert [item["key"] for item in review.missing_dates] == sorted(missing)


def test_a_complete_month_needs_no_confirmation(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    response = client_for(fbl_backnang).post(sign_off_url(team_backnang, SEPTEMBER))

    assert response.status_code == 302
    assert TeamMonthReview.objects.get(month=SEPTEMBER).missing_dates == []


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "amtsleitung"])
def test_readers_cannot_sign_off_even_with_the_confirmation(
    client, demo_users, team_backnang, october_with_a_deleted_date, username
):
    client.force_login(demo_users[username])

    response = client.post(
        sign_off_url(team_backnang),
        {
            "confirm_missing": "on",
            "missing_keys": key(october_with_a_deleted_date, D(2026, 10, 28)),
        },
    )

    assert response.status_code == 403
    assert TeamMonthReview.objects.count() == 0


def test_head_of_another_area_gets_404_for_the_month(
    client_for, fbl_waiblingen, team_backnang, october_with_a_deleted_date
):
    client = client_for(fbl_waiblingen)

    page = client.get(detail_url(team_backnang))
    post = client.post(sign_off_url(team_backnang), {"confirm_missing": "on"})

    assert (page.status_code, post.status_code) == (404, 404)
    assert TeamMonthReview.objects.count() == 0


def test_a_second_confirmed_sign_off_answers_409(
    client_for, fbl_backnang, administration, team_backnang, october_with_a_deleted_date
):
    data = {
        "confirm_missing": "on",
        "missing_keys": key(october_with_a_deleted_date, OCTOBER_WEDNESDAYS[3]),
    }
    client_for(administration).post(sign_off_url(team_backnang), data)

    response = client_for(fbl_backnang).post(sign_off_url(team_backnang), data)

    assert response.status_code == 409
    assert TeamMonthReview.objects.get().signed_off_by == administration


# --- The overview -------------------------------------------------------------------------------


def test_the_overview_marks_months_with_dates_not_logged(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    response = client_for(fbl_backnang).get(reverse("teams:review_list"))

    row = next(r for r in response.context["rows"] if r.team == team_backnang)
    by_month = {cell.month: cell for cell in row.months}
    assert (by_month[SEPTEMBER].not_logged, by_month[OCTOBER].not_logged) == (0, 1)
    # November up to the 25th: the 4th, 11th, 18th and 25th are not logged (yet).
    assert by_month[NOVEMBER].not_logged == 4
    assert (by_month[SEPTEMBER].is_complete, by_month[OCTOBER].is_complete) == (True, False)
    content = response.content.decode()
    assert "1 date not logged" in content or "1 Termin nicht erfasst" in content
    assert f'value="{team_backnang.pk}-2026-09"' in content
    assert f'value="{team_backnang.pk}-2026-10"' not in content  # signed off on its page


def test_the_overview_agrees_with_the_month_page(
    fbl_backnang, team_backnang, october_with_a_deleted_date
):
    rows = reviews.overview(fbl_backnang, [SEPTEMBER, OCTOBER], TODAY)

    counts = {(c.team.pk, c.month): c.not_logged for r in rows for c in r.months}
    for month in (SEPTEMBER, OCTOBER):
        found = review_dates.month_not_logged(team_backnang, month, TODAY)
        assert counts[(team_backnang.pk, month)] == len(found)


# --- Signing off several months -----------------------------------------------------------------


def bulk_value(team, month):
    return f"{team.pk}-{month:%Y-%m}"


def test_bulk_sign_off_signs_only_the_complete_months(
    client_for, fbl_backnang, team_backnang, october_with_a_deleted_date
):
    umland = Team.objects.get(name="Backnang Umland")
    months = [
        bulk_value(team_backnang, SEPTEMBER),
        bulk_value(team_backnang, OCTOBER),
        bulk_value(umland, OCTOBER),
        bulk_value(umland, NOVEMBER),
    ]

    response = client_for(fbl_backnang).post(bulk_url(), {"months": months})

    assert response.status_code == 302
    signed = set(TeamMonthReview.objects.values_list("team__name", "month"))
    assert signed == {("Backnang", SEPTEMBER), ("Backnang Umland", OCTOBER)}
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(texts) == 3
    refused = [t for t in texts if "28.10.2026" in t]
    assert len(refused) == 1 and "Backnang" in refused[0]
    assert sum("11/2026" in t or "November 2026" in t for t in texts) == 1


def test_bulk_sign_off_without_a_selection_changes_nothing(client_for, fbl_backnang):
    response = client_for(fbl_backnang).post(bulk_url(), {"months": ["x", "3-2026-13"]})

    assert response.status_code == 302
    assert TeamMonthReview.objects.count() == 0
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


@pytest.mark.parametrize(("username", "status"), [("fachkraft", 403), ("amtsleitung", 403)])
def test_bulk_sign_off_by_readers_is_forbidden(client, demo_users, team_backnang, username, status):
    client.force_login(demo_users[username])

    response = client.post(bulk_url(), {"months": [bulk_value(team_backnang, SEPTEMBER)]})

    assert response.status_code == status
    assert TeamMonthReview.objects.count() == 0


def test_bulk_sign_off_of_another_areas_team_answers_404(client_for, fbl_waiblingen, team_backnang):
    winnenden = Team.objects.get(name="Winnenden")
    months = [bulk_value(winnenden, SEPTEMBER), bulk_value(team_backnang, SEPTEMBER)]

    response = client_for(fbl_waiblingen).post(bulk_url(), {"months": months})

    assert response.status_code == 404
    assert TeamMonthReview.objects.count() == 0


def test_bulk_sign_off_of_a_month_signed_off_meanwhile_answers_409(
    client_for, fbl_backnang, administration, team_backnang
):
    TeamMonthReview.objects.create(
        team=team_backnang,
        month=SEPTEMBER,
        signed_off_by=administration,
        signed_off_at=timezone.now(),
    )
    umland = Team.objects.get(name="Backnang Umland")
    months = [bulk_value(team_backnang, SEPTEMBER), bulk_value(umland, SEPTEMBER)]

    response = client_for(fbl_backnang).post(bulk_url(), {"months": months})

    assert response.status_code == 409
    assert TeamMonthReview.objects.get(team=team_backnang).signed_off_by == administration
    assert TeamMonthReview.objects.get(team=umland).signed_off_by == fbl_backnang


# --- Queries ------------------------------------------------------------------------------------


def many_series(team, municipality, venue, count):
    """``count`` series on weekdays, each with its first October date logged."""
    for n in range(count):
        series = make_series(team, municipality, venue, weekday=n % 5)
        log(series, OCTOBER + datetime.timedelta(days=(n % 5 + 3) % 7 + 1))


@pytest.mark.parametrize("count", [1, 6])
def test_overview_queries_do_not_grow_with_series_and_teams(
    client_for, fbl_backnang, backnang, school, django_assert_num_queries, count
):
    for team in Team.objects.filter(middle_area__name="Backnang")[: min(count, 3)]:
        many_series(team, backnang, school, count)
    client = client_for(fbl_backnang)

    with django_assert_num_queries(13):
        response = client.get(reverse("teams:review_list"))

    assert sum(c.not_logged for r in response.context["rows"] for c in r.months) > 0


@pytest.mark.parametrize("count", [1, 6])
def test_month_page_queries_do_not_grow_with_series_and_absences(
    client_for, fbl_backnang, team_backnang, backnang, school, django_assert_num_queries, count
):
    many_series(team_backnang, backnang, school, count)
    for n in range(count):
        user = User.objects.create(username=f"abwesend{n}")
        Absence.objects.create(user=user, team=team_backnang, start=OCTOBER, end=OCTOBER)
    client = client_for(fbl_backnang)

    with django_assert_num_queries(16):
        response = client.get(detail_url(team_backnang))

    assert len(response.context["series_rows"]) == count
    assert len(response.context["absences"]) == count


# --- Invariant ----------------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    logged=st.sets(st.sampled_from(OCTOBER_WEDNESDAYS)),
    confirmed=st.sets(st.sampled_from(OCTOBER_WEDNESDAYS)),
)
def test_missing_dates_and_the_sign_off_agree(
    administration, team_backnang, series, logged, confirmed
):
    """Whatever dates of a month are logged, the overview, the month page and the sign-off agree:
    the missing dates are the expected ones minus the logged ones, and a sign-off succeeds
    exactly when all of them are confirmed."""
    Activity.objects.all().delete()
    TeamMonthReview.objects.all().delete()
    for day in logged:
        log(series, day)
    expected_missing = set(OCTOBER_WEDNESDAYS) - logged

    found = review_dates.month_not_logged(team_backnang, OCTOBER, TODAY)
    counts = review_dates.not_logged_counts([team_backnang.pk], OCTOBER, OCTOBER, TODAY)
    try:
        reviews.sign_off(
            team=team_backnang,
            month=OCTOBER,
            user=administration,
            confirmed={key(series, day) for day in confirmed},
        )
        signed = True
    except reviews.ReviewRefused:
        signed = False

    assert {o.date for o in found} == expected_missing
    assert counts[(team_backnang.pk, OCTOBER)] == len(expected_missing)
    assert signed == (expected_missing <= confirmed)
