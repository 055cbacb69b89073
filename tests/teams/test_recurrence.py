import datetime

import pytest

from kooperation.models import Partner, PartnerKind
from teams.models import Activity, ClosurePeriod
from teams.recurrence import (
    Pattern,
    build_rrule,
    describe,
    occurrences,
    parse_rrule,
    series_dates,
)
from tests.teams.conftest import make_series

D = datetime.date


@pytest.mark.parametrize(
    ("pattern", "weekday", "interval", "nth", "rule"),
    [
        (Pattern.WEEKLY, 1, 1, 1, "FREQ=WEEKLY;BYDAY=TU"),
        (Pattern.EVERY_N_WEEKS, 3, 2, 1, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
        (Pattern.MONTHLY, 4, 1, 2, "FREQ=MONTHLY;BYDAY=+2FR"),
        (Pattern.MONTHLY, 0, 1, -1, "FREQ=MONTHLY;BYDAY=-1MO"),
    ],
)
def test_rrule_round_trip(pattern, weekday, interval, nth, rule):
    assert build_rrule(pattern=pattern, weekday=weekday, interval=interval, nth=nth) == rule
    assert parse_rrule(rule) == {
        "pattern": pattern,
        "weekday": weekday,
        "interval": interval,
        "nth": nth,
    }


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "jeden Dienstag"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "alle 2 Wochen am Donnerstag"),
        ("FREQ=MONTHLY;BYDAY=+2FR", "am 2. Freitag im Monat"),
        ("FREQ=MONTHLY;BYDAY=-1MO", "am letzten Montag im Monat"),
    ],
)
def test_describe_in_german(rule, text):
    assert describe(rule) == text


@pytest.fixture
def friday_school(team_backnang, backnang, school):
    return make_series(team_backnang, backnang, school, weekday=4, valid_from=D(2026, 9, 1))


@pytest.fixture
def friday_town_hall(team_backnang, backnang, town_hall):
    return make_series(team_backnang, backnang, town_hall, weekday=4, valid_from=D(2026, 9, 1))


@pytest.fixture
def autumn_holidays(db):
    return ClosurePeriod.objects.create(
        name="Herbstferien 2026",
        start=D(2026, 10, 26),
        end=D(2026, 10, 30),
        venue_kinds=[PartnerKind.SCHOOL, PartnerKind.SCHOOL_SOCIAL_WORK],
    )


def states(items):
    return [(o.date, o.falls_away) for o in items]


def test_weekly_series_across_unity_day(team_backnang, backnang, school):
    # 2026-10-03, Tag der Deutschen Einheit, is a Saturday.
    series = make_series(team_backnang, backnang, school, weekday=5, valid_from=D(2026, 9, 1))

    items = occurrences([series], D(2026, 9, 26), D(2026, 10, 10))

    assert states(items) == [
        (D(2026, 9, 26), ""),
        (D(2026, 10, 3), "Tag der Deutschen Einheit"),
        (D(2026, 10, 10), ""),
    ]


def test_christmas_falls_away(friday_town_hall):
    items = occurrences([friday_town_hall], D(2026, 12, 18), D(2027, 1, 8))

    assert states(items) == [
        (D(2026, 12, 18), ""),
        (D(2026, 12, 25), "Erster Weihnachtstag"),
        (D(2027, 1, 1), "Neujahr"),
        (D(2027, 1, 8), ""),
    ]


def test_school_holidays_close_the_school_but_not_the_town_hall(
    friday_school, friday_town_hall, autumn_holidays
):
    items = occurrences([friday_school, friday_town_hall], D(2026, 10, 23), D(2026, 11, 6))

    by_venue = {}
    for item in items:
        by_venue.setdefault(item.series.venue.kind, []).append((item.date, item.falls_away))
    assert by_venue["school"] == [
        (D(2026, 10, 23), ""),
        (D(2026, 10, 30), "Herbstferien 2026"),
        (D(2026, 11, 6), ""),
    ]
    assert by_venue["town_hall"] == [
        (D(2026, 10, 23), ""),
        (D(2026, 10, 30), ""),
        (D(2026, 11, 6), ""),
    ]


def test_closure_without_kinds_closes_every_venue(team_backnang, backnang, town_hall):
    monday = make_series(team_backnang, backnang, town_hall, weekday=0, valid_from=D(2026, 9, 1))
    ClosurePeriod.objects.create(name="Betriebsruhe", start=D(2026, 12, 28), end=D(2026, 12, 31))

    items = occurrences([monday], D(2026, 12, 21), D(2027, 1, 4))

    assert states(items) == [
        (D(2026, 12, 21), ""),
        (D(2026, 12, 28), "Betriebsruhe"),
        (D(2027, 1, 4), ""),
    ]


def test_monthly_series_nth_weekday_across_holidays(team_backnang, backnang, town_hall):
    # First Thursday of the month: 2026-10-01, 2026-11-05, 2026-12-03, 2027-01-07.
    series = make_series(
        team_backnang,
        backnang,
        town_hall,
        pattern=Pattern.MONTHLY,
        weekday=3,
        nth=1,
        valid_from=D(2026, 9, 1),
    )

    assert [o.date for o in occurrences([series], D(2026, 10, 1), D(2027, 1, 31))] == [
        D(2026, 10, 1),
        D(2026, 11, 5),
        D(2026, 12, 3),
        D(2027, 1, 7),
    ]


def test_last_weekday_of_month_and_holiday(team_backnang, backnang, town_hall):
    # Last Wednesday of the month... 2026-12-30 is in no closure; 2027-01-27.
    series = make_series(
        team_backnang,
        backnang,
        town_hall,
        pattern=Pattern.MONTHLY,
        weekday=2,
        nth=-1,
        valid_from=D(2026, 11, 1),
    )

    assert [o.date for o in occurrences([series], D(2026, 11, 1), D(2027, 1, 31))] == [
        D(2026, 11, 25),
        D(2026, 12, 30),
        D(2027, 1, 27),
    ]


def test_validity_limits_the_dates(team_backnang, backnang, town_hall):
    series = make_series(
        team_backnang,
        backnang,
        town_hall,
        weekday=0,
        valid_from=D(2026, 11, 3),
        valid_until=D(2026, 11, 20),
    )

    assert series_dates(series, D(2026, 10, 1), D(2026, 12, 31)) == [
        D(2026, 11, 9),
        D(2026, 11, 16),
    ]


def test_every_two_weeks_counts_from_the_first_date(team_backnang, backnang, town_hall):
    series = make_series(
        team_backnang,
        backnang,
        town_hall,
        pattern=Pattern.EVERY_N_WEEKS,
        weekday=0,
        interval=2,
        valid_from=D(2026, 11, 2),
    )

    assert series_dates(series, D(2026, 11, 1), D(2026, 12, 1)) == [
        D(2026, 11, 2),
        D(2026, 11, 16),
        D(2026, 11, 30),
    ]


def test_occurrence_state_follows_the_log(series, fachkraft):
    Activity.objects.create(
        kind="consultation",
        date=D(2026, 11, 3),
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status="held",
    )
    Activity.objects.create(
        kind="consultation",
        date=D(2026, 11, 10),
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status="cancelled",
        cancel_reason="Krankheit",
    )

    items = occurrences([series], D(2026, 11, 3), D(2026, 11, 17))

    assert [o.state for o in items] == ["held", "cancelled", "open"]


def test_occurrences_cost_two_queries_for_many_series(
    team_backnang, backnang, town_hall, school, django_assert_num_queries
):
    many = [
        make_series(team_backnang, backnang, venue, weekday=day)
        for venue in (school, town_hall)
        for day in range(5)
    ]
    many = list(type(many[0]).objects.select_related("venue"))

    with django_assert_num_queries(2):
        items = occurrences(many, D(2026, 11, 2), D(2026, 11, 8))

    assert len(items) == 10
    assert Partner.objects.count() == 2
