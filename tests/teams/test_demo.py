"""The teams' demo data: series for every team, a year of activities, idempotent."""

import datetime

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from kooperation import demo as kooperation_demo
from sozialraum.models import Team
from sozialraum.selectors import team_responsible_for
from teams import demo as teams_demo
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project, Topic
from teams.recurrence import falls_away, occurrences, series_dates


@pytest.fixture
def demo(demo_users):
    kooperation_demo.demo_load()
    teams_demo.demo_load()
    return demo_users


def _month_start(day: datetime.date, back: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return datetime.date(year, month + 1, 1)


def test_topics_and_closure_periods(demo):
    assert set(teams_demo.TOPICS) <= set(Topic.objects.values_list("name", flat=True))
    autumn = ClosurePeriod.objects.get(name="Herbstferien 2026")
    assert (autumn.start, autumn.end) == (datetime.date(2026, 10, 26), datetime.date(2026, 10, 30))
    assert autumn.closes("school") and not autumn.closes("town_hall")
    office = ClosurePeriod.objects.get(name="Betriebsruhe zwischen den Jahren")
    assert office.venue_kinds == [] and office.closes("town_hall")


def test_every_active_team_has_series_at_its_venues(demo):
    for team in Team.objects.filter(is_active=True):
        series = list(ConsultationHour.objects.filter(team=team).select_related("venue"))
        assert 2 <= len(series) <= 4, team
        members = set(team.members.all())
        for one in series:
            assert one.venue.kind in {"school", "youth_house", "town_hall"}
            assert one.venue.municipality_id == one.municipality_id
            assert team_responsible_for(one.municipality) == team
            assert one.valid_until is None and one.end_time > one.start_time
            assert set(one.staff.all()) <= members
            assert not one.is_public or one.public_note
    assert ConsultationHour.objects.filter(is_public=True).exists()
    assert ConsultationHour.objects.filter(rrule__startswith="FREQ=MONTHLY").exists()
    assert ConsultationHour.objects.filter(rrule__contains="INTERVAL=2").exists()


def test_a_year_of_activities_and_none_in_the_future(demo):
    today = timezone.localdate()
    assert 1500 <= Activity.objects.count() <= 3000
    assert not Activity.objects.filter(date__gte=today).exists()
    assert not Activity.objects.filter(date__lt=today - datetime.timedelta(days=366)).exists()
    for back in range(12):
        start = _month_start(today, back)
        end = _month_start(today, back - 1) - datetime.timedelta(days=1)
        assert Activity.objects.filter(date__range=(start, end)).exists(), start
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert kinds >= {
        "consultation",
        "round_table",
        "working_group",
        "project",
        "event",
        "community",
    }
    assert Project.objects.filter(status="running").exists()
    assert Project.objects.filter(status="completed").exists()
    assert not Project.objects.annotate(n=Count("activities")).filter(n=0).exists()
    project_work = Activity.objects.filter(kind="project")
    assert not project_work.filter(project__isnull=True).exists()
    assert not project_work.filter(date__lt=F("project__start")).exists()
    meetings = Activity.objects.filter(kind__in=["round_table", "working_group"])
    assert not meetings.filter(body__isnull=True).exists()


def test_held_and_cancelled_activities(demo):
    held = Activity.objects.filter(status="held")
    cancelled = Activity.objects.filter(status="cancelled")
    assert held.exists() and cancelled.exists()
    share = (
        cancelled.filter(kind="consultation").count()
        / Activity.objects.filter(kind="consultation").count()
    )
    assert 0.07 < share < 0.17
    assert not cancelled.filter(cancel_reason="").exists()
    no_counts = Q(children=0, young_people=0, parents=0, professionals=0, others=0)
    assert cancelled.count() == cancelled.filter(no_counts, helps_initiated=0).count()
    assert not cancelled.filter(topics__isnull=False).exists()
    assert held.exclude(no_counts).count() > 0.8 * held.count()
    assert not held.exclude(cancel_reason="").exists()
    assert held.filter(topics__isnull=False).exists()
    assert held.filter(helps_initiated__gt=0).exists()
    assert Activity.objects.exclude(note="").count() < 0.1 * Activity.objects.count()


def test_consultation_activities_follow_their_series(demo):
    closures = list(ClosurePeriod.objects.all())
    consultations = Activity.objects.filter(kind="consultation").select_related(
        "consultation_hour__venue"
    )
    for activity in consultations:
        series = activity.consultation_hour
        assert activity.date in series_dates(series, activity.date, activity.date)
        assert not falls_away(activity.date, series.venue.kind, closures)
        assert activity.team_id == series.team_id
        assert activity.municipality_id == series.municipality_id
        assert (activity.start_time, activity.end_time) == (series.start_time, series.end_time)
        assert list(activity.partners.all()) == [series.venue]


def test_backnang_fachkraft_has_a_weekly_series_with_an_open_date_this_week(demo):
    fachkraft = demo["fachkraft"]
    backnang = Team.objects.get(name="Backnang")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    sunday = monday + datetime.timedelta(days=6)
    mine = ConsultationHour.objects.filter(team=backnang, staff=fachkraft).select_related("venue")
    assert mine.filter(rrule__startswith="FREQ=WEEKLY;BYDAY=").exists()
    this_week = occurrences(mine, monday, sunday)
    assert this_week
    assert any(o.activity is None for o in this_week)
    assert Activity.objects.filter(team=backnang, staff=fachkraft).count() > 50


def test_activities_belong_to_the_team_serving_the_municipality(demo):
    seen = set(Activity.objects.values_list("team_id", "municipality_id", "date").distinct())
    teams = {team.pk: team for team in Team.objects.all()}
    for team_id, municipality_id, day in seen:
        activity = Activity.objects.filter(
            team_id=team_id, municipality_id=municipality_id, date=day
        ).first()
        assert team_responsible_for(activity.municipality, on=day) == teams[team_id]
    backnang = Team.objects.get(name="Backnang")
    members = set(backnang.members.all())
    for activity in Activity.objects.filter(team=backnang).prefetch_related("staff"):
        assert activity.staff.all() and set(activity.staff.all()) <= members
        assert activity.created_by in members


def test_a_second_load_adds_nothing(demo):
    models = [Topic, ClosurePeriod, ConsultationHour, Project, Activity]
    throughs = [
        Activity.staff.through,
        Activity.partners.through,
        Activity.topics.through,
        ConsultationHour.staff.through,
        Project.partners.through,
    ]
    before = [model.objects.count() for model in models + throughs]
    teams_demo.demo_load()
    assert [model.objects.count() for model in models + throughs] == before
