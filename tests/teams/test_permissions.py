"""Who may read and change the teams' work, through the pages.

Reading follows the team scope: the own teams, the teams of a headed Mittelbereich, every team
for Amtsleitung and Administration; anything outside it answers 404. Activities are changed by
the staff of their team, consultation-hour series by the team's lead, the heads of its
Mittelbereich and Administration, projects by the team's staff and the heads of its
Mittelbereich. A reader who may not change answers 403 with the reason.
"""

import csv
import datetime
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.html import escape

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team
from teams.models import Activity, ConsultationHour, Project
from tests.teams.conftest import make_series

USERNAMES = [
    "fachkraft",
    "teamleitung",
    "fbl-backnang",
    "fbl-waiblingen",
    "amtsleitung",
    "admin",
    "winnenden",
    "ohnerolle",
]

# Four teams in three Mittelbereiche, each with a town it serves.
TOWN_OF_TEAM = {
    "Backnang": "Backnang",
    "Backnang Umland": "Aspach",
    "Winnenden": "Winnenden",
    "Schorndorf/Winterbach/Remshalden": "Schorndorf",
}
ALL_TEAMS = set(TOWN_OF_TEAM)
# The teams (of the four) whose work each user reads.
SCOPE = {
    "fachkraft": {"Backnang"},
    "teamleitung": {"Backnang"},
    "fbl-backnang": {"Backnang", "Backnang Umland"},
    "fbl-waiblingen": {"Winnenden"},
    "amtsleitung": ALL_TEAMS,
    "admin": ALL_TEAMS,
    "winnenden": {"Winnenden"},
    "ohnerolle": set(),
}
READERS = {username for username, teams in SCOPE.items() if "Backnang" in teams}
# Who may change the work of team Backnang.
ACTIVITY_CHANGERS = {"fachkraft", "teamleitung"}
SERIES_MANAGERS = {"teamleitung", "fbl-backnang", "admin"}
PROJECT_EDITORS = {"fachkraft", "teamleitung", "fbl-backnang"}
# Who may create (for some team).
ACTIVITY_CREATORS = {"fachkraft", "teamleitung", "winnenden"}
SERIES_CREATORS = {"teamleitung", "fbl-backnang", "fbl-waiblingen", "admin"}
PROJECT_CREATORS = {"fachkraft", "teamleitung", "fbl-backnang", "fbl-waiblingen", "winnenden"}

NOT_FOUND = "Seite nicht gefunden"
ACTIVITY_REFUSAL = (
    "Nur die Mitarbeitenden des Teams, zu dem eine Aktivität gehört, können sie erfassen und "
    "ändern."
)
ACTIVITY_CREATE_REFUSAL = "Nur Mitarbeitende eines Sozialraumteams können Aktivitäten erfassen."
SERIES_REFUSAL = (
    "Nur die Teamleitung des Teams, die Fachbereichsleitung und die Administration können "
    "Sprechstunden ändern."
)
SERIES_CREATE_REFUSAL = (
    "Nur die Teamleitung, die Fachbereichsleitung und die Administration können Sprechstunden "
    "einrichten."
)
PROJECT_REFUSAL = (
    "Nur die Mitarbeitenden des Teams, zu dem ein Projekt gehört, und dessen "
    "Fachbereichsleitung können es ändern."
)
PROJECT_CREATE_REFUSAL = (
    "Nur Mitarbeitende eines Sozialraumteams und dessen Fachbereichsleitung können Projekte "
    "pflegen."
)

# A Tuesday in the past: the day of the activities and a date of the (Tuesday) series.
TUESDAY = datetime.date(2026, 3, 3)
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def allowed(who):
    return [u for u in USERNAMES if u in who]


def refused(who, reason):
    """(username, status, text shown) of everyone else: the reason (403) for those who read
    team Backnang's work, the not-found page (404) for the others."""
    return [
        (u, 403, reason) if u in READERS else (u, 404, NOT_FOUND) for u in USERNAMES if u not in who
    ]


def not_allowed(who):
    return [u for u in USERNAMES if u not in who]


def case_ids(cases):
    return [f"{username}-{status}" for username, status, _text in cases]


def shows(response, text) -> bool:
    return escape(text) in response.content.decode()


def snapshot(model):
    return list(model.objects.order_by("pk").values())


@dataclass
class Work:
    activity: Activity
    series: ConsultationHour
    project: Project


@pytest.fixture
def users(demo_users, other_team_member, no_role_user):
    return {**demo_users, "winnenden": other_team_member, "ohnerolle": no_role_user}


@pytest.fixture
def work(users):
    """An activity, a weekly Tuesday series and a project of each of the four teams; the series
    of Backnang is staffed by fachkraft, the one of Winnenden by its Fachkraft."""
    made = {}
    for team_name, town in TOWN_OF_TEAM.items():
        team = Team.objects.get(name=team_name)
        municipality = Municipality.objects.get(name=town)
        venue = Partner.objects.create(
            name=f"Rathaus {town}", kind=PartnerKind.TOWN_HALL, municipality=municipality
        )
        made[team_name] = Work(
            activity=Activity.objects.create(
                kind="community", date=TUESDAY, team=team, municipality=municipality, children=2
            ),
            series=make_series(team, municipality, venue, weekday=1),
            project=Project.objects.create(title=f"Projekt {team_name}", team=team),
        )
    made["Backnang"].series.staff.set([users["fachkraft"]])
    made["Winnenden"].series.staff.set([users["winnenden"]])
    return made


@pytest.fixture
def backnang_work(work):
    return work["Backnang"]


def activity_data(activity, **changes):
    data = {
        "kind": activity.kind,
        "date": activity.date.isoformat(),
        "start_time": "",
        "end_time": "",
        "team": activity.team_id,
        "municipality": activity.municipality_id,
        "status": "held",
        "children": activity.children,
        "young_people": 0,
        "parents": 0,
        "professionals": 0,
        "others": 0,
        "helps_initiated": 0,
        "note": "",
        "version": activity.version,
    }
    return {**data, **changes}


def series_data(series, **changes):
    data = {
        "team": series.team_id,
        "municipality": series.municipality_id,
        "venue": series.venue_id,
        "location": "",
        "pattern": "weekly",
        "weekday": 1,
        "interval": "",
        "nth": "",
        "start_time": "14:00",
        "end_time": "16:00",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "staff": [user.pk for user in series.staff.all()],
        "version": series.version,
    }
    return {**data, **changes}


def project_data(project, **changes):
    data = {
        "title": project.title,
        "team": project.team_id,
        "status": project.status,
        "start": "",
        "end": "",
        "goals": project.goals,
        "version": project.version,
    }
    return {**data, **changes}


def team_names(rows) -> list[str]:
    return sorted(row.team.name for row in rows)


# --- Activities: reading ----------------------------------------------------------------------


@pytest.mark.parametrize("username", USERNAMES)
def test_activity_list_shows_exactly_the_rows_of_the_scope(client_for, users, work, username):
    response = client_for(users[username]).get(reverse("teams:activity_list"), PERIOD)

    assert response.status_code == 200
    assert team_names(response.context["activities"]) == sorted(SCOPE[username])
    assert response.context["can_log"] is (username in ACTIVITY_CREATORS)


@pytest.mark.parametrize("username", USERNAMES)
def test_activity_export_holds_exactly_the_rows_of_the_scope(client_for, users, work, username):
    response = client_for(users[username]).get(reverse("teams:activity_export"), PERIOD)

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(content), delimiter=";")
    assert header[6] == "Team"
    assert sorted(row[6] for row in rows) == sorted(SCOPE[username])


@pytest.mark.parametrize("username", ["fachkraft", "fbl-backnang", "winnenden"])
def test_team_filter_outside_the_scope_shows_nothing(client_for, users, work, username):
    schorndorf = Team.objects.get(name="Schorndorf/Winterbach/Remshalden")

    response = client_for(users[username]).get(
        reverse("teams:activity_list"), {**PERIOD, "team": schorndorf.pk}
    )

    assert response.context["activities"] == []
    assert list(response.context["filter"].errors) == ["team"]


@pytest.mark.parametrize(
    ("username", "team"),
    [("amtsleitung", "Winnenden"), ("fbl-backnang", "Backnang Umland"), ("admin", "Backnang")],
)
def test_team_filter_inside_the_scope_narrows_the_rows(client_for, users, work, username, team):
    response = client_for(users[username]).get(
        reverse("teams:activity_list"), {**PERIOD, "team": Team.objects.get(name=team).pk}
    )

    assert response.context["activities"] == [work[team].activity]


@pytest.mark.parametrize("username", allowed(READERS))
def test_activity_detail_is_shown_to_readers(client_for, users, backnang_work, username):
    activity = backnang_work.activity

    response = client_for(users[username]).get(reverse("teams:activity_detail", args=[activity.pk]))

    assert response.status_code == 200
    assert response.context["activity"] == activity
    assert response.context["can_change"] is (username in ACTIVITY_CHANGERS)
    expected_refusal = "" if username in ACTIVITY_CHANGERS else ACTIVITY_REFUSAL
    assert response.context["refusal"] == expected_refusal


@pytest.mark.parametrize("username", not_allowed(READERS))
def test_activity_detail_outside_the_scope_is_not_found(client_for, users, backnang_work, username):
    activity = backnang_work.activity

    response = client_for(users[username]).get(reverse("teams:activity_detail", args=[activity.pk]))

    assert response.status_code == 404
    assert shows(response, NOT_FOUND)


# --- Activities: changing ---------------------------------------------------------------------


@pytest.mark.parametrize("username", allowed(ACTIVITY_CHANGERS))
@pytest.mark.parametrize("view", ["activity_update", "activity_delete"])
def test_activity_change_page_is_offered_to_the_team_staff(
    client_for, users, backnang_work, view, username
):
    activity = backnang_work.activity

    response = client_for(users[username]).get(reverse(f"teams:{view}", args=[activity.pk]))

    assert response.status_code == 200
    assert response.context["object"] == activity


ACTIVITY_REFUSED = refused(ACTIVITY_CHANGERS, ACTIVITY_REFUSAL)


@pytest.mark.parametrize(
    ("username", "status", "text"), ACTIVITY_REFUSED, ids=case_ids(ACTIVITY_REFUSED)
)
@pytest.mark.parametrize("view", ["activity_update", "activity_delete"])
def test_activity_change_page_is_refused(
    client_for, users, backnang_work, view, username, status, text
):
    activity = backnang_work.activity

    response = client_for(users[username]).get(reverse(f"teams:{view}", args=[activity.pk]))

    assert response.status_code == status
    assert shows(response, text)


@pytest.mark.parametrize(
    ("username", "status", "text"), ACTIVITY_REFUSED, ids=case_ids(ACTIVITY_REFUSED)
)
def test_refused_activity_update_and_delete_change_nothing(
    client_for, users, backnang_work, username, status, text
):
    activity = backnang_work.activity
    client = client_for(users[username])
    before = snapshot(Activity)

    update = client.post(
        reverse("teams:activity_update", args=[activity.pk]), activity_data(activity, children=9)
    )
    delete = client.post(reverse("teams:activity_delete", args=[activity.pk]))

    assert (update.status_code, delete.status_code) == (status, status)
    assert shows(update, text)
    assert snapshot(Activity) == before


@pytest.mark.parametrize("username", allowed(ACTIVITY_CHANGERS))
def test_activity_update_is_saved_for_the_team_staff(client_for, users, backnang_work, username):
    activity = backnang_work.activity

    response = client_for(users[username]).post(
        reverse("teams:activity_update", args=[activity.pk]), activity_data(activity, children=9)
    )

    assert response.url == reverse("teams:activity_detail", args=[activity.pk])
    activity.refresh_from_db()
    assert (activity.children, activity.version, activity.updated_by) == (9, 2, users[username])


@pytest.mark.parametrize("username", allowed(ACTIVITY_CHANGERS))
def test_activity_delete_by_the_team_staff(client_for, users, backnang_work, username):
    activity = backnang_work.activity

    response = client_for(users[username]).post(
        reverse("teams:activity_delete", args=[activity.pk])
    )

    assert response.url == reverse("teams:activity_list")
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert Activity.objects.count() == len(TOWN_OF_TEAM) - 1


# --- Activities: logging ----------------------------------------------------------------------

OWN_TEAMS = {"fachkraft": ["Backnang"], "teamleitung": ["Backnang"], "winnenden": ["Winnenden"]}


@pytest.mark.parametrize("username", allowed(ACTIVITY_CREATORS))
def test_activity_create_page_offers_only_the_own_team(client_for, users, username):
    response = client_for(users[username]).get(reverse("teams:activity_create"))

    assert response.status_code == 200
    team_choices = response.context["form"].fields["team"].queryset
    assert [team.name for team in team_choices] == OWN_TEAMS[username]


@pytest.mark.parametrize("username", not_allowed(ACTIVITY_CREATORS))
def test_activity_create_is_refused_without_a_team(client_for, users, backnang_work, username):
    client = client_for(users[username])
    before = snapshot(Activity)

    page = client.get(reverse("teams:activity_create"))
    post = client.post(
        reverse("teams:activity_create"), activity_data(backnang_work.activity, version="")
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert shows(page, ACTIVITY_CREATE_REFUSAL)
    assert shows(post, ACTIVITY_CREATE_REFUSAL)
    assert snapshot(Activity) == before


def test_other_team_member_cannot_log_for_backnang(client_for, other_team_member, backnang_work):
    activity = backnang_work.activity

    response = client_for(other_team_member).post(
        reverse("teams:activity_create"), activity_data(activity, version="")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["team"] == [
        "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
    ]
    assert Activity.objects.count() == len(TOWN_OF_TEAM)


def test_prefill_from_a_series_outside_the_scope_is_not_found(
    client_for, other_team_member, backnang_work
):
    response = client_for(other_team_member).get(
        reverse("teams:activity_create"),
        {"series": backnang_work.series.pk, "date": TUESDAY.isoformat()},
    )

    assert response.status_code == 404
    assert shows(response, NOT_FOUND)


# --- Meine Woche ------------------------------------------------------------------------------

MY_SERIES = {"fachkraft": ["Backnang"], "teamleitung": ["Backnang"], "winnenden": ["Winnenden"]}


@pytest.fixture
def lead_series(work, teamleitung):
    """A second Tuesday series of team Backnang, staffed by its lead."""
    backnang = work["Backnang"].series
    return make_series(
        backnang.team, backnang.municipality, backnang.venue, weekday=1, staff=[teamleitung]
    )


@pytest.mark.parametrize("username", USERNAMES)
def test_my_week_shows_only_the_series_i_staff(client_for, users, work, lead_series, username):
    staffed = {
        "fachkraft": [work["Backnang"].series],
        "teamleitung": [lead_series],
        "winnenden": [work["Winnenden"].series],
    }

    response = client_for(users[username]).get(reverse("teams:my_week"), {"woche": "2026-03-02"})

    assert response.status_code == 200
    items = response.context["occurrences"]
    assert [(o.series, o.date) for o in items] == [
        (series, TUESDAY) for series in staffed.get(username, [])
    ]


def log_url(series):
    return reverse("teams:my_week_log", args=[series.pk, TUESDAY.isoformat()])


def quick(series, **fields):
    return {f"{series.pk}-{TUESDAY:%Y%m%d}-{name}": value for name, value in fields.items()}


LOGGERS = {"Backnang": {"fachkraft", "teamleitung"}, "Winnenden": {"winnenden"}}
LOG_ALLOWED = [(u, team) for team, who in LOGGERS.items() for u in USERNAMES if u in who]
LOG_REFUSED = [(u, team) for team, who in LOGGERS.items() for u in USERNAMES if u not in who]


def logged(series):
    return list(
        Activity.objects.filter(consultation_hour=series).values_list("children", "created_by")
    )


@pytest.mark.parametrize(("username", "team"), LOG_ALLOWED, ids=map("-".join, LOG_ALLOWED))
def test_my_week_logs_a_date_of_the_own_team(client_for, users, work, username, team):
    series = work[team].series

    response = client_for(users[username]).post(
        log_url(series), quick(series, status="held", children="3")
    )

    anchor = f"#occ-{series.pk}-{TUESDAY:%Y%m%d}"
    assert response.url == reverse("teams:my_week") + "?woche=2026-03-02" + anchor
    assert logged(series) == [(3, users[username].pk)]


@pytest.mark.parametrize(("username", "team"), LOG_REFUSED, ids=map("-".join, LOG_REFUSED))
def test_my_week_log_of_another_team_is_not_found_and_saves_nothing(
    client_for, users, work, username, team
):
    series = work[team].series

    response = client_for(users[username]).post(
        log_url(series), quick(series, status="held", children="3")
    )

    assert response.status_code == 404
    assert shows(response, NOT_FOUND)
    assert logged(series) == []


# --- Consultation-hour series -----------------------------------------------------------------


@pytest.mark.parametrize("username", USERNAMES)
def test_series_list_shows_exactly_the_series_of_the_scope(client_for, users, work, username):
    response = client_for(users[username]).get(reverse("teams:consultationhour_list"))

    assert response.status_code == 200
    assert team_names(response.context["series_list"]) == sorted(SCOPE[username])
    assert response.context["can_create"] is (username in SERIES_CREATORS)


@pytest.mark.parametrize("username", allowed(READERS))
def test_series_detail_is_shown_to_readers(client_for, users, backnang_work, username):
    series = backnang_work.series

    response = client_for(users[username]).get(
        reverse("teams:consultationhour_detail", args=[series.pk])
    )

    assert response.status_code == 200
    assert response.context["series"] == series
    assert response.context["can_manage"] is (username in SERIES_MANAGERS)
    assert response.context["can_log"] is (username in ACTIVITY_CHANGERS)


@pytest.mark.parametrize("username", not_allowed(READERS))
def test_series_detail_outside_the_scope_is_not_found(client_for, users, backnang_work, username):
    series = backnang_work.series

    response = client_for(users[username]).get(
        reverse("teams:consultationhour_detail", args=[series.pk])
    )

    assert response.status_code == 404
    assert shows(response, NOT_FOUND)


@pytest.mark.parametrize("username", allowed(SERIES_MANAGERS))
def test_series_update_is_saved_for_lead_heads_and_administration(
    client_for, users, backnang_work, username
):
    series = backnang_work.series
    url = reverse("teams:consultationhour_update", args=[series.pk])
    client = client_for(users[username])

    page = client.get(url)
    saved = client.post(url, series_data(series, location="Raum 104"))

    assert page.context["form"].instance == series
    assert saved.url == reverse("teams:consultationhour_detail", args=[series.pk])
    series.refresh_from_db()
    assert (series.location, series.version, series.updated_by) == ("Raum 104", 2, users[username])


SERIES_REFUSED = refused(SERIES_MANAGERS, SERIES_REFUSAL)


@pytest.mark.parametrize(
    ("username", "status", "text"), SERIES_REFUSED, ids=case_ids(SERIES_REFUSED)
)
def test_refused_series_update_changes_nothing(
    client_for, users, backnang_work, username, status, text
):
    series = backnang_work.series
    url = reverse("teams:consultationhour_update", args=[series.pk])
    client = client_for(users[username])
    before = snapshot(ConsultationHour)

    page = client.get(url)
    post = client.post(url, series_data(series, location="Raum 104"))

    assert (page.status_code, post.status_code) == (status, status)
    assert shows(page, text)
    assert shows(post, text)
    assert snapshot(ConsultationHour) == before


@pytest.mark.parametrize("username", allowed(SERIES_CREATORS))
def test_series_create_page_offers_the_managed_teams(client_for, users, username):
    managed = {
        "teamleitung": ["Backnang"],
        "fbl-backnang": ["Backnang", "Backnang Umland", "Oberes Murrtal"],
        "fbl-waiblingen": [
            "Fellbach/Kernen/Weinstadt",
            "Waiblingen/Korb",
            "Winnenden",
        ],
    }

    response = client_for(users[username]).get(reverse("teams:consultationhour_create"))

    assert response.status_code == 200
    teams = sorted(team.name for team in response.context["form"].fields["team"].queryset)
    expected = managed.get(username) or sorted(Team.objects.values_list("name", flat=True))
    assert teams == expected


@pytest.mark.parametrize("username", not_allowed(SERIES_CREATORS))
def test_series_create_is_refused_with_the_reason(client_for, users, backnang_work, username):
    client = client_for(users[username])
    before = snapshot(ConsultationHour)

    page = client.get(reverse("teams:consultationhour_create"))
    post = client.post(
        reverse("teams:consultationhour_create"),
        series_data(backnang_work.series, version="", location="Raum 1"),
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert shows(page, SERIES_CREATE_REFUSAL)
    assert shows(post, SERIES_CREATE_REFUSAL)
    assert snapshot(ConsultationHour) == before


def test_head_of_waiblingen_manages_winnenden_but_not_backnang(client_for, fbl_waiblingen, work):
    client = client_for(fbl_waiblingen)
    winnenden = work["Winnenden"].series

    saved = client.post(
        reverse("teams:consultationhour_update", args=[winnenden.pk]),
        series_data(winnenden, location="Jugendraum"),
    )
    created = client.post(
        reverse("teams:consultationhour_create"),
        series_data(work["Backnang"].series, version="", staff=[]),
    )

    assert saved.url == reverse("teams:consultationhour_detail", args=[winnenden.pk])
    winnenden.refresh_from_db()
    assert (winnenden.location, winnenden.updated_by) == ("Jugendraum", fbl_waiblingen)
    assert created.context["form"].errors["team"] == [
        "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
    ]
    assert ConsultationHour.objects.count() == len(TOWN_OF_TEAM)


# --- Projects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", USERNAMES)
def test_project_list_shows_exactly_the_projects_of_the_scope(client_for, users, work, username):
    response = client_for(users[username]).get(reverse("teams:project_list"))

    assert response.status_code == 200
    assert team_names(response.context["projects"]) == sorted(SCOPE[username])
    assert response.context["can_create"] is (username in PROJECT_CREATORS)


@pytest.mark.parametrize("username", allowed(READERS))
def test_project_detail_is_shown_to_readers(client_for, users, backnang_work, username):
    project = backnang_work.project

    response = client_for(users[username]).get(reverse("teams:project_detail", args=[project.pk]))

    assert response.status_code == 200
    assert response.context["project"] == project
    assert response.context["can_edit"] is (username in PROJECT_EDITORS)
    assert response.context["can_log"] is (username in ACTIVITY_CHANGERS)


@pytest.mark.parametrize("username", not_allowed(READERS))
def test_project_detail_outside_the_scope_is_not_found(client_for, users, backnang_work, username):
    project = backnang_work.project

    response = client_for(users[username]).get(reverse("teams:project_detail", args=[project.pk]))

    assert response.status_code == 404
    assert shows(response, NOT_FOUND)


@pytest.mark.parametrize("username", allowed(PROJECT_EDITORS))
def test_project_update_is_saved_for_staff_and_heads(client_for, users, backnang_work, username):
    project = backnang_work.project
    url = reverse("teams:project_update", args=[project.pk])
    client = client_for(users[username])

    page = client.get(url)
    saved = client.post(url, project_data(project, goals="Mehr Beteiligung"))

    assert page.context["form"].instance == project
    assert saved.url == reverse("teams:project_detail", args=[project.pk])
    project.refresh_from_db()
    assert (project.goals, project.version, project.updated_by) == (
        "Mehr Beteiligung",
        2,
        users[username],
    )


PROJECT_REFUSED = refused(PROJECT_EDITORS, PROJECT_REFUSAL)


@pytest.mark.parametrize(
    ("username", "status", "text"), PROJECT_REFUSED, ids=case_ids(PROJECT_REFUSED)
)
def test_refused_project_update_changes_nothing(
    client_for, users, backnang_work, username, status, text
):
    project = backnang_work.project
    url = reverse("teams:project_update", args=[project.pk])
    client = client_for(users[username])
    before = snapshot(Project)

    page = client.get(url)
    post = client.post(url, project_data(project, goals="Übernommen"))

    assert (page.status_code, post.status_code) == (status, status)
    assert shows(page, text)
    assert shows(post, text)
    assert snapshot(Project) == before


@pytest.mark.parametrize("username", allowed(PROJECT_CREATORS))
def test_project_create_page_offers_the_own_and_headed_teams(client_for, users, username):
    offered = {
        "fachkraft": ["Backnang"],
        "teamleitung": ["Backnang"],
        "fbl-backnang": ["Backnang", "Backnang Umland", "Oberes Murrtal"],
        "fbl-waiblingen": ["Fellbach/Kernen/Weinstadt", "Waiblingen/Korb", "Winnenden"],
        "winnenden": ["Winnenden"],
    }

    response = client_for(users[username]).get(reverse("teams:project_create"))

    assert response.status_code == 200
    teams = sorted(team.name for team in response.context["form"].fields["team"].queryset)
    assert teams == offered[username]


@pytest.mark.parametrize("username", not_allowed(PROJECT_CREATORS))
def test_project_create_is_refused_with_the_reason(client_for, users, backnang_work, username):
    client = client_for(users[username])
    before = snapshot(Project)

    page = client.get(reverse("teams:project_create"))
    post = client.post(
        reverse("teams:project_create"),
        project_data(backnang_work.project, version="", title="Neu"),
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert shows(page, PROJECT_CREATE_REFUSAL)
    assert shows(post, PROJECT_CREATE_REFUSAL)
    assert snapshot(Project) == before


# --- Anonymous users --------------------------------------------------------------------------

ANONYMOUS_PAGES = [
    ("activity_list", None),
    ("activity_export", None),
    ("activity_create", None),
    ("activity_detail", "activity"),
    ("activity_update", "activity"),
    ("activity_delete", "activity"),
    ("my_week", None),
    ("consultationhour_list", None),
    ("consultationhour_create", None),
    ("consultationhour_detail", "series"),
    ("consultationhour_update", "series"),
    ("project_list", None),
    ("project_create", None),
    ("project_detail", "project"),
    ("project_update", "project"),
]


@pytest.mark.parametrize(("view", "record"), ANONYMOUS_PAGES, ids=[v for v, _ in ANONYMOUS_PAGES])
def test_anonymous_user_is_sent_to_the_login_page(client, backnang_work, view, record):
    args = [getattr(backnang_work, record).pk] if record else []
    url = reverse(f"teams:{view}", args=args)

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={url}")


def test_anonymous_log_is_sent_to_the_login_page_and_saves_nothing(client, backnang_work):
    series = backnang_work.series
    url = log_url(series)

    response = client.post(url, quick(series, status="held"))

    assert response.url == f"{reverse('login')}?next={url}"
    assert not Activity.objects.filter(consultation_hour=series).exists()


def test_public_finder_answers_without_login(client, backnang_work):
    series = backnang_work.series
    series.is_public = True
    series.save()

    response = client.get(reverse("teams:public_finder"))

    assert response.status_code == 200
    shown = [e.series for group in response.context["finder"].groups for e in group.entries]
    assert shown == [series]
    assert shows(response, "Rathaus Backnang")
