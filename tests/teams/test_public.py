"""The public consultation-hour finder and its iCal feeds: no login, only public series, dates
that fall away, calendar feeds that calendar apps understand."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from icalendar import Calendar

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team, User
from teams import public
from teams.models import Activity, ClosurePeriod, ConsultationHour, TargetGroup
from teams.recurrence import public_holiday

FINDER = reverse("teams:public_finder")
BERLIN = ZoneInfo("Europe/Berlin")
# A Monday; every test pins "today" to it unless it says otherwise.
TODAY = datetime.date(2026, 12, 14)
FRIDAYS = "FREQ=WEEKLY;BYDAY=FR"
WEDNESDAYS = "FREQ=WEEKLY;BYDAY=WE"


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at_three(text: str) -> datetime.datetime:
    """A date at 15:00 in Berlin, the start time of the series below."""
    return datetime.datetime.combine(day(text), datetime.time(15), tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(public, "local_today", lambda: TODAY)


@pytest.fixture
def schorndorf(district):
    return Municipality.objects.get(name="Schorndorf")


@pytest.fixture
def team(district):
    team = Team.objects.get(name="Backnang")
    team.address = "Erbstetter Straße 58, 71522 Backnang"
    team.phone = "07191 000000"
    team.email = "sozialraumteam.backnang@example.org"
    team.save()
    return team


@pytest.fixture
def christmas_holidays(db):
    """School holidays: they close schools, not town halls."""
    return ClosurePeriod.objects.create(
        name="Weihnachtsferien",
        start=day("2026-12-23"),
        end=day("2027-01-09"),
        venue_kinds=[PartnerKind.SCHOOL],
    )


@pytest.fixture
def make_series(team, backnang, town_hall):
    """A public Friday series at the town hall, 15:00 to 17:00, from 1 December 2026."""

    def make(**fields):
        values = {
            "team": team,
            "municipality": backnang,
            "venue": town_hall,
            "rrule": FRIDAYS,
            "start_time": datetime.time(15),
            "end_time": datetime.time(17),
            "valid_from": day("2026-12-01"),
            "is_public": True,
        } | fields
        return ConsultationHour.objects.create(**values)

    return make


def cancel(series, date, reason=""):
    return Activity.objects.create(
        kind=Activity.Kind.CONSULTATION,
        date=day(date),
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status=Activity.Status.CANCELLED,
        cancel_reason=reason,
    )


def held(series, date):
    return Activity.objects.create(
        kind=Activity.Kind.CONSULTATION,
        date=day(date),
        team=series.team,
        municipality=series.municipality,
        consultation_hour=series,
        status=Activity.Status.HELD,
        parents=2,
    )


def shown_series(response):
    return [entry.series for group in response.context["finder"].groups for entry in group.entries]


def dates_of(response, series):
    """The finder's dates of a series as (ISO date, takes place, reason)."""
    for group in response.context["finder"].groups:
        for entry in group.entries:
            if entry.series == series:
                return [
                    (item.date.isoformat(), item.takes_place, item.reason) for item in entry.dates
                ]
    raise AssertionError(f"{series} is not shown")


def cache_directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


def parse(response):
    return Calendar.from_ical(response.content)


def event_of(calendar, series):
    (event,) = [
        e for e in calendar.events if str(e["UID"]) == f"consultationhour-{series.pk}@sozialraum"
    ]
    return event


# --- The finder ------------------------------------------------------------------------------


def test_finder_needs_no_login_and_shows_exactly_the_public_series(
    client, make_series, team, schorndorf
):
    shown = make_series(public_note="Ohne Anmeldung")
    ends_today = make_series(rrule="FREQ=WEEKLY;BYDAY=MO", valid_until=TODAY)
    make_series(is_public=False, public_note="Nur intern")
    make_series(valid_until=TODAY - datetime.timedelta(days=1), public_note="Abgelaufen")
    inactive_team = Team.objects.get(name="Winnenden")
    inactive_team.is_active = False
    inactive_team.save()
    make_series(team=inactive_team, municipality=schorndorf, public_note="Team aufgelöst")

    response = client.get(FINDER)

    assert response.status_code == 200
    assert shown_series(response) == [ends_today, shown]
    content = response.content.decode()
    assert "Rathaus Backnang" in content
    assert "Ohne Anmeldung" in content
    assert "Nur intern" not in content
    assert "Abgelaufen" not in content
    assert "Team aufgelöst" not in content


def test_finder_shows_venue_time_contact_target_groups_and_feed_links(
    client, make_series, team, backnang
):
    series = make_series(
        location="Raum 104",
        target_groups=[TargetGroup.PARENTS, TargetGroup.YOUNG_PEOPLE],
        public_note="Ohne Anmeldung",
    )

    response = client.get(FINDER)

    content = response.content.decode()
    (group,) = response.context["finder"].groups
    (entry,) = group.entries
    assert entry.series == series
    assert entry.target_groups == [TargetGroup.PARENTS.label, TargetGroup.YOUNG_PEOPLE.label]
    assert entry.team_phone_uri == "tel:07191000000"
    for text in [
        "Rathaus Backnang",
        "Am Rathaus 1, 71522 Backnang",
        "Raum 104",
        "15:00",
        "17:00",
        "Erbstetter Straße 58, 71522 Backnang",
        'href="tel:07191000000"',
        'href="mailto:sozialraumteam.backnang@example.org"',
        "Freitag, 18. Dezember 2026",
    ]:
        assert text in content
    municipality_feed = reverse("teams:municipality_calendar", args=[backnang.pk])
    team_feed = reverse("teams:team_calendar", args=[team.pk])
    assert [feed.url for feed in group.feeds] == [
        f"http://testserver{municipality_feed}",
        f"http://testserver{team_feed}",
    ]
    assert [feed.webcal_url for feed in group.feeds] == [
        f"webcal://testserver{municipality_feed}",
        f"webcal://testserver{team_feed}",
    ]
    assert f'href="webcal://testserver{municipality_feed}"' in content
    assert f'href="http://testserver{team_feed}"' in content


def test_staff_names_only_with_show_staff_names(client, make_series):
    maria = User.objects.create_user("mmuster", first_name="Maria", last_name="Muster")
    jonas = User.objects.create_user("jbeispiel", first_name="Jonas", last_name="Verborgen")
    no_name = User.objects.create_user("kuerzel-xy")
    named = make_series(show_staff_names=True)
    named.staff.set([maria, no_name])
    anonymous = make_series(rrule=WEDNESDAYS, show_staff_names=False)
    anonymous.staff.set([jonas])

    response = client.get(FINDER)

    entries = {entry.series: entry for entry in response.context["finder"].groups[0].entries}
    assert entries[named].staff_names == ["Maria Muster"]
    assert entries[anonymous].staff_names == []
    content = response.content.decode()
    assert "Maria Muster" in content
    assert "Verborgen" not in content
    assert "kuerzel-xy" not in content


def test_next_dates_skip_public_holidays(client, make_series):
    series = make_series()

    response = client.get(FINDER)

    assert dates_of(response, series) == [
        ("2026-12-18", True, ""),
        ("2026-12-25", False, public_holiday(day("2026-12-25"))),
        ("2027-01-01", False, public_holiday(day("2027-01-01"))),
        ("2027-01-08", True, ""),
        ("2027-01-15", True, ""),
    ]
    assert public_holiday(day("2026-12-25")) != ""


def test_school_holidays_close_the_school_but_not_the_town_hall(
    client, make_series, school, christmas_holidays
):
    at_school = make_series(venue=school, rrule=WEDNESDAYS)
    at_town_hall = make_series(
        rrule=WEDNESDAYS, start_time=datetime.time(9), end_time=datetime.time(11)
    )

    response = client.get(FINDER)

    assert dates_of(response, at_school) == [
        ("2026-12-16", True, ""),
        ("2026-12-23", False, "Weihnachtsferien"),
        ("2026-12-30", False, "Weihnachtsferien"),
        ("2027-01-06", False, public_holiday(day("2027-01-06"))),
        ("2027-01-13", True, ""),
        ("2027-01-20", True, ""),
    ]
    assert dates_of(response, at_town_hall) == [
        ("2026-12-16", True, ""),
        ("2026-12-23", True, ""),
        ("2026-12-30", True, ""),
    ]
    assert "Weihnachtsferien" in response.content.decode()


def test_a_date_logged_as_cancelled_is_shown_without_the_internal_reason(client, make_series):
    series = make_series()
    cancel(series, "2026-12-18", "Fortbildung des Teams")

    response = client.get(FINDER)

    assert "Fortbildung des Teams" not in response.content.decode()
    assert dates_of(response, series) == [
        ("2026-12-18", False, ""),
        ("2026-12-25", False, public_holiday(day("2026-12-25"))),
        ("2027-01-01", False, public_holiday(day("2027-01-01"))),
        ("2027-01-08", True, ""),
        ("2027-01-15", True, ""),
        ("2027-01-22", True, ""),
    ]


def test_a_series_starting_later_has_no_dates_yet(client, make_series):
    series = make_series(valid_from=TODAY + datetime.timedelta(days=200))

    response = client.get(FINDER)

    assert shown_series(response) == [series]
    assert dates_of(response, series) == []


def test_municipality_select_lists_municipalities_with_series_in_german_order(
    client, make_series, schorndorf, backnang, town_hall
):
    oetisheim = Municipality.objects.create(name="Ötisheim", kind=Municipality.Kind.MUNICIPALITY)
    in_schorndorf = make_series(municipality=schorndorf)
    in_oetisheim = make_series(municipality=oetisheim)
    in_backnang = make_series()
    make_series(municipality=Municipality.objects.get(name="Korb"), is_public=False)

    everything = client.get(FINDER)
    narrowed = client.get(FINDER, {"municipality": oetisheim.pk})
    unknown = client.get(FINDER, {"municipality": "kein-ort"})

    assert everything.context["finder"].municipalities == [backnang, oetisheim, schorndorf]
    assert [g.municipality for g in everything.context["finder"].groups] == [
        backnang,
        oetisheim,
        schorndorf,
    ]
    assert shown_series(everything) == [in_backnang, in_oetisheim, in_schorndorf]
    assert narrowed.context["finder"].selected == oetisheim
    assert shown_series(narrowed) == [in_oetisheim]
    assert f'<option value="{oetisheim.pk}" selected>Ötisheim</option>' in narrowed.content.decode()
    assert unknown.context["finder"].selected is None
    assert shown_series(unknown) == [in_backnang, in_oetisheim, in_schorndorf]


def test_empty_state_without_public_series(client, make_series):
    make_series(is_public=False)

    response = client.get(FINDER)

    assert response.status_code == 200
    assert response.context["finder"].groups == []
    assert response.context["finder"].municipalities == []
    assert 'id="no-consultation-hours"' in response.content.decode()


def test_feeds_may_be_cached_by_anyone_the_page_only_by_the_browser(
    client, make_series, team, backnang
):
    make_series()

    page = client.get(FINDER)
    feeds = [
        client.get(reverse("teams:municipality_calendar", args=[backnang.pk])),
        client.get(reverse("teams:team_calendar", args=[team.pk])),
    ]

    # The page carries the footer's CSRF token and sets its cookie: no shared cache.
    assert cache_directives(page) == {"private", "max-age=900"}
    assert "csrftoken" in page.cookies
    assert [cache_directives(feed) for feed in feeds] == [{"public", "max-age=900"}] * 2
    assert [dict(feed.cookies) for feed in feeds] == [{}, {}]


def make_many(make_series, count, school):
    """``count`` series, each with staff shown, a cancelled date and a closed school."""
    for number in range(count):
        series = make_series(
            venue=school if number % 2 else Partner.objects.get(name="Rathaus Backnang"),
            start_time=datetime.time(8 + number),
            end_time=datetime.time(9 + number),
            target_groups=[TargetGroup.PARENTS],
            show_staff_names=True,
        )
        series.staff.set(
            [
                User.objects.create_user(
                    f"staff{number}", first_name="Vorname", last_name=f"N{number}"
                )
            ]
        )
        cancel(series, "2026-12-18", "Krank")
        held(series, "2026-12-04")


@pytest.mark.parametrize("count", [1, 5])
def test_finder_queries_do_not_grow_with_the_series(
    client, make_series, school, christmas_holidays, django_assert_num_queries, count
):
    make_many(make_series, count, school)

    # municipalities, series, staff, closures, activities; the footer's example notice; the
    # district map's geometry (from the structure cache outside tests)
    with django_assert_num_queries(7):
        response = client.get(FINDER)

    assert len(shown_series(response)) == count


@pytest.mark.parametrize("count", [1, 5])
@pytest.mark.parametrize("feed", ["municipality", "team"])
def test_feed_queries_do_not_grow_with_the_series(
    client,
    make_series,
    school,
    christmas_holidays,
    team,
    backnang,
    django_assert_num_queries,
    count,
    feed,
):
    make_many(make_series, count, school)
    url = reverse(
        f"teams:{feed}_calendar", args=[(backnang if feed == "municipality" else team).pk]
    )

    # the municipality or team, series, staff, closures, activities
    with django_assert_num_queries(5):
        response = client.get(url)

    assert len(parse(response).events) == count


# --- iCal feeds ------------------------------------------------------------------------------


def test_municipality_feed_is_a_calendar_with_timezone_rule_and_exdates(
    client, make_series, backnang, school, christmas_holidays
):
    fridays = make_series(valid_until=day("2027-01-31"), location="Raum 104")
    cancel(fridays, "2026-12-11", "Fortbildung")
    # A day closing every venue; held anyway on the first date, so only 15 January falls away.
    ClosurePeriod.objects.create(name="Klausurtag", start=day("2026-12-04"), end=day("2026-12-04"))
    held(fridays, "2026-12-04")
    ClosurePeriod.objects.create(
        name="Betriebsausflug", start=day("2027-01-15"), end=day("2027-01-15")
    )
    at_school = make_series(venue=school, rrule=WEDNESDAYS, valid_until=day("2027-01-31"))

    response = client.get(reverse("teams:municipality_calendar", args=[backnang.pk]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="sprechstunden-backnang.ics"'
    calendar = parse(response)
    assert [timezone.tz_name for timezone in calendar.timezones] == ["Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()
    assert calendar.refresh_interval == datetime.timedelta(hours=12)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT12H"
    assert len(calendar.events) == 2

    event = event_of(calendar, fridays)
    assert event.start == at_three("2026-12-04")
    assert event.end == datetime.datetime(2026, 12, 4, 17, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    (rule,) = event.rrules
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["FR"]
    assert rule["UNTIL"] == [datetime.datetime(2027, 1, 31, 22, 59, 59, tzinfo=datetime.UTC)]
    assert b"UNTIL=20270131T225959Z" in response.content
    assert event.exdates == [
        at_three("2026-12-11"),
        at_three("2026-12-25"),
        at_three("2027-01-01"),
        at_three("2027-01-15"),
    ]

    school_event = event_of(calendar, at_school)
    assert school_event.start == at_three("2026-12-02")
    assert school_event.exdates == [
        at_three("2026-12-23"),
        at_three("2026-12-30"),
        at_three("2027-01-06"),
    ]


def test_feed_event_texts_carry_venue_room_note_and_team_contact(client, make_series, backnang):
    maria = User.objects.create_user("mmuster", first_name="Maria", last_name="Muster")
    with_names = make_series(
        location="Raum 104", public_note="Ohne Anmeldung", show_staff_names=True
    )
    with_names.staff.set([maria])
    without_names = make_series(rrule=WEDNESDAYS)
    without_names.staff.set([maria])

    calendar = parse(client.get(reverse("teams:municipality_calendar", args=[backnang.pk])))

    event = event_of(calendar, with_names)
    assert str(event["LOCATION"]) == "Rathaus Backnang, Am Rathaus 1, 71522 Backnang, Raum 104"
    assert "Backnang" in str(event["SUMMARY"])
    assert "Rathaus Backnang" in str(event["SUMMARY"])
    description = str(event["DESCRIPTION"])
    for text in [
        "Ohne Anmeldung",
        "Maria Muster",
        "Erbstetter Straße 58, 71522 Backnang",
        "07191 000000",
        "sozialraumteam.backnang@example.org",
    ]:
        assert text in description
    assert "Muster" not in str(event_of(calendar, without_names)["DESCRIPTION"])


def test_exdates_reach_one_year_ahead_of_today(make_series, backnang):
    mondays = make_series(rrule="FREQ=WEEKLY;BYDAY=MO", valid_from=day("2026-10-01"))

    before = event_of(public.municipality_calendar(backnang, today=day("2026-10-31")), mondays)
    a_day_later = event_of(public.municipality_calendar(backnang, today=day("2026-11-01")), mondays)

    assert before.rrules[0].get("UNTIL") is None
    assert before.exdates == [at_three("2027-03-29"), at_three("2027-05-17")]
    assert a_day_later.exdates == [
        at_three("2027-03-29"),
        at_three("2027-05-17"),
        at_three("2027-11-01"),
    ]


def test_team_feed_has_the_team_public_series_in_all_its_municipalities(
    client, make_series, team, schorndorf
):
    in_backnang = make_series()
    in_schorndorf = make_series(municipality=schorndorf, rrule=WEDNESDAYS)
    make_series(is_public=False)
    make_series(team=Team.objects.get(name="Winnenden"))

    response = client.get(reverse("teams:team_calendar", args=[team.pk]))

    assert response["Content-Disposition"] == 'inline; filename="sprechstunden-team-backnang.ics"'
    assert sorted(str(event["UID"]) for event in parse(response).events) == sorted(
        [
            f"consultationhour-{in_backnang.pk}@sozialraum",
            f"consultationhour-{in_schorndorf.pk}@sozialraum",
        ]
    )


def test_municipality_feed_leaves_out_other_municipalities_and_non_public_series(
    client, make_series, backnang, schorndorf
):
    shown = make_series()
    make_series(municipality=schorndorf)
    make_series(is_public=False)
    make_series(valid_until=TODAY - datetime.timedelta(days=1))

    calendar = parse(client.get(reverse("teams:municipality_calendar", args=[backnang.pk])))

    assert [str(event["UID"]) for event in calendar.events] == [
        f"consultationhour-{shown.pk}@sozialraum"
    ]


def test_feed_without_public_series_is_an_empty_calendar(client, make_series, team, schorndorf):
    make_series(is_public=False)
    team.is_active = False
    team.save()

    responses = [
        client.get(reverse("teams:municipality_calendar", args=[schorndorf.pk])),
        client.get(reverse("teams:team_calendar", args=[team.pk])),
    ]

    for response in responses:
        assert response.status_code == 200
        calendar = parse(response)
        assert calendar.events == []
        assert [timezone.tz_name for timezone in calendar.timezones] == ["Europe/Berlin"]


def test_feed_of_an_unknown_municipality_or_team_is_not_found(client, district):
    responses = [
        client.get(reverse("teams:municipality_calendar", args=[999999])),
        client.get(reverse("teams:team_calendar", args=[999999])),
    ]

    assert [response.status_code for response in responses] == [404, 404]
    assert [response["Content-Type"] for response in responses] == ["text/html; charset=utf-8"] * 2


# --- In a browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_finder_on_a_phone_and_a_desktop_fits_and_is_accessible(
    page, live_server, make_series, school, christmas_holidays, width
):
    series = make_series(
        location="Raum 104",
        target_groups=[TargetGroup.PARENTS],
        public_note="Ohne Anmeldung",
        show_staff_names=True,
    )
    series.staff.set([User.objects.create_user("mm", first_name="Maria", last_name="Muster")])
    make_series(venue=school, rrule=WEDNESDAYS)
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}{FINDER}")

    # The first heading of level 2 is the district map's (issue 15).
    assert page.get_by_role("heading", level=2).nth(1).inner_text() == "Backnang"
    assert page.get_by_role("heading", level=3).all_inner_texts()[:2] == [
        "Grundschule Backnang-Süd",
        "Rathaus Backnang",
    ]
    assert page.get_by_text("Maria Muster").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []
