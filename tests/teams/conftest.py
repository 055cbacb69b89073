import datetime

import pytest

from sozialraum.models import Team
from teams.models import ConsultationHour, Topic
from teams.recurrence import build_rrule

D = datetime.date
JANUARY_2026 = D(2026, 1, 1)


@pytest.fixture
def team_backnang(district):
    return Team.objects.get(name="Backnang")


@pytest.fixture
def school(school_backnang):
    return school_backnang


@pytest.fixture
def town_hall(town_hall_backnang):
    return town_hall_backnang


@pytest.fixture
def topics(db):
    return [
        Topic.objects.create(name=name)
        for name in ["Familie und Erziehung", "Schule und Ausbildung"]
    ]


def make_series(
    team,
    municipality,
    venue,
    *,
    weekday=1,
    pattern="weekly",
    valid_from=JANUARY_2026,
    staff=(),
    **extra,
):
    series = ConsultationHour.objects.create(
        team=team,
        municipality=municipality,
        venue=venue,
        rrule=build_rrule(
            pattern=pattern,
            weekday=weekday,
            interval=extra.pop("interval", 1),
            nth=extra.pop("nth", 1),
        ),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(16, 0),
        valid_from=valid_from,
        **extra,
    )
    series.staff.set(staff)
    return series


@pytest.fixture
def series(team_backnang, backnang, school, fachkraft):
    """A weekly Tuesday consultation hour of team Backnang at a school, staffed by fachkraft."""
    return make_series(team_backnang, backnang, school, weekday=1, staff=[fachkraft])
