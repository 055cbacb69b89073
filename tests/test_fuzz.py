"""Fuzzing every list, dashboard and report page and the main forms with hostile input: no
page answers 500, and an invalid form saves nothing (issue 12, point 4).

Bounded in time: one demo data set per test, a few hypothesis examples, each example trying
every page (or every form) once. The pages and their GET parameters come from the URLconf,
from the GET forms the pages render and from the parameters the views read directly.
"""

import re

import pghistory.models
import pytest
from django.apps import apps
from django.db.models import Count, Max, Sum
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kooperation import demo as kooperation_demo
from kooperation.models import Body, ContactPerson, Cooperation, Partner
from sozialraum.models import Assignment, Municipality, Team, User
from teams import demo as teams_demo
from teams.models import Activity, ConsultationHour, Project, TeamMonthReview
from teams.selectors import week_start
from tests.form_values import shown_values

FUZZ = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,  # the same inputs on every run: a failure is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROLES = ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung", "admin", None]

# Pages without a path argument that are not lists, dashboards or reports, or that act.
SKIPPED = {"logout", "set_language", "password_change_done"}
# Parameters the views read from ``request.GET`` themselves (not through a GET form).
RAW_PARAMETERS = [
    "page", "after", "woche", "year", "scope", "export", "format", "municipality",
    "middle_area", "q", "series", "date", "kind", "body", "project", "on", "staff", "period",
    "day", "start", "end", "team", "status",
]  # fmt: skip

EDGES = st.sampled_from(
    [
        "", "0", "-1", "1.5", "1e309", "NaN", "0001-01-01", "9999-12-31", "10000-01-01",
        "2026-02-30", "31.12.9999", "01.01.0001", "99999999999", "99999999999999999999",
        "2026-13", "1", "9999", "a\x00b", "\x00", "\x07", "\u2028", "x" * 10_000,
        "' OR 1=1 --", "<script>", "2026-01-01.1", "9999-12-31.99999999999", "..", "%", "[]",
        "csv", "xlsx", "pdf", "custom", "month", "quarter", "year",
    ]
)  # fmt: skip
DATES = st.dates().flatmap(lambda day: st.sampled_from([day.isoformat(), f"{day:%d.%m.%Y}"]))
# Edge values twice as likely as the rest: they are what broke pages before.
HOSTILE = st.one_of(
    EDGES,
    EDGES,
    DATES,
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
BIG_INTEGERS = st.one_of(
    st.integers(min_value=0, max_value=13), st.integers(min_value=0, max_value=10**20)
)


def simple_pages() -> list[str]:
    """The path of every page without path arguments (admin and auth pages aside)."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if not pattern.pattern.regex.groupindex and name not in SKIPPED:
                    names.append(name)

    walk(get_resolver().url_patterns, "")
    return sorted({reverse(name) for name in names})


def pages_with_arguments(data) -> list[str]:
    team = Team.objects.get(name="Backnang")
    this_month = timezone.localdate()
    return [
        reverse("kooperation:partner_export", kwargs={"format": "csv"}),
        reverse("kooperation:partner_export", kwargs={"format": "xlsx"}),
        reverse("teams:review_detail", args=[team.pk, this_month.year, this_month.month]),
        reverse("teams:consultationhour_detail", args=[data["series"].pk]),
        reverse("teams:activity_detail", args=[data["activity"].pk]),
        reverse("kooperation:partner_detail", args=[data["partner"].pk]),
        reverse("sozialraum:assignment_history", args=[data["municipality"].pk]),
    ]


def get_parameters(client, pages) -> list[str]:
    """Every field name of the GET forms the pages render, and the raw parameters."""
    names = set(RAW_PARAMETERS)
    for page in pages:
        response = client.get(page)
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            continue
        content = response.content.decode()
        for form in re.findall(r"<form[^>]*method=\"get\"[^>]*>.*?</form>", content, re.S):
            names.update(re.findall(r'name="([^"]+)"', form))
    return sorted(names - {"csrfmiddlewaretoken"})


def clients(users) -> dict:
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role:
            client.force_login(users[role])
        result[role] = client
    return result


TRACKED = [
    Activity, ConsultationHour, Project, Partner, ContactPerson, Cooperation, Body, Team, User,
    Assignment, TeamMonthReview, Municipality,
]  # fmt: skip


def change_marker() -> tuple:
    """Changes anywhere: the newest event of every audit-trail table, and the rows, newest
    key and versions of the main tables (one query each)."""
    events = [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]
    return (
        *(model.objects.aggregate(Max("pgh_id"))["pgh_id__max"] for model in events),
        *(tuple(model.objects.aggregate(*_row_marks(model)).values()) for model in TRACKED),
    )


def _row_marks(model) -> list:
    marks = [Count("pk"), Max("pk")]
    if any(field.name == "version" for field in model._meta.fields):
        marks.append(Sum("version"))
    return marks


@pytest.fixture
def demo(demo_users):
    kooperation_demo.demo_load()
    teams_demo.demo_load()
    team = Team.objects.get(name="Backnang")
    today = timezone.localdate()
    series = ConsultationHour.objects.filter(team=team).order_by("pk").first()
    return {
        "users": demo_users,
        "team": team,
        "series": series,
        "activity": Activity.objects.filter(team=team).order_by("-date", "-pk").first(),
        "partner": Partner.objects.filter(municipality__name="Backnang").order_by("pk").first(),
        "body": Body.objects.order_by("pk").first(),
        "project": Project.objects.filter(team=team).order_by("pk").first(),
        "municipality": Municipality.objects.get(name="Backnang"),
        "week": week_start(today),
    }


def test_no_get_parameter_makes_a_page_answer_500(demo):
    users = demo["users"]
    by_role = clients(users)
    pages = simple_pages() + pages_with_arguments(demo)
    parameters = get_parameters(by_role["admin"], pages)
    assert len(pages) >= 30
    assert {"start", "end", "day", "woche", "after", "municipality", "q"} <= set(parameters)

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        for page in pages:
            role = data.draw(st.sampled_from(ROLES), label="role")
            chosen = data.draw(st.lists(st.sampled_from(parameters), max_size=4), label=page)
            query = {name: data.draw(HOSTILE, label=name) for name in chosen}
            response = by_role[role].get(page, query)
            if response.streaming:  # a streamed export fails only while it is read
                b"".join(response.streaming_content)
            assert response.status_code < 500, (page, role, query)
        year, month = (data.draw(BIG_INTEGERS, name) for name in ("year", "month"))
        review = reverse("teams:review_detail", args=[demo["team"].pk, year, month])
        assert by_role["fbl-backnang"].get(review).status_code < 500, review

    fuzz()


def form_pages(demo) -> list[tuple[str, str]]:
    """(role, path) of the main forms: create and edit pages of the records people keep."""
    partner, activity = demo["partner"], demo["activity"]
    return [
        ("fachkraft", reverse("teams:activity_create")),
        ("fachkraft", reverse("teams:activity_update", args=[activity.pk])),
        ("fachkraft", reverse("teams:project_create")),
        ("fachkraft", reverse("teams:project_update", args=[demo["project"].pk])),
        ("fachkraft", reverse("kooperation:partner_create")),
        ("fachkraft", reverse("kooperation:partner_update", args=[partner.pk])),
        ("fachkraft", reverse("kooperation:contact_create", args=[partner.pk])),
        ("fachkraft", reverse("kooperation:cooperation_step", args=[partner.pk])),
        ("fachkraft", reverse("kooperation:body_create")),
        ("fachkraft", reverse("kooperation:body_update", args=[demo["body"].pk])),
        ("teamleitung", reverse("teams:consultationhour_create")),
        ("teamleitung", reverse("teams:consultationhour_update", args=[demo["series"].pk])),
        ("admin", reverse("sozialraum:team_create")),
        ("admin", reverse("sozialraum:team_update", args=[demo["team"].pk])),
        ("admin", reverse("sozialraum:user_create")),
        ("admin", reverse("sozialraum:assignment_reassign", args=[demo["municipality"].pk])),
        (None, reverse("login")),
    ]


def field_names(form) -> list[str]:
    return sorted(form[name].html_name for name in form.fields if name != "submission_token")


FIELD_VALUE = st.one_of(HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3))


def test_no_form_input_answers_500_and_an_invalid_form_saves_nothing(demo):
    by_role = clients(demo["users"])
    # What each form shows, loaded once: a stale version after a saved edit only means a
    # refused save (409), which must save nothing either.
    shown = {}
    for role, page in form_pages(demo):
        form = by_role[role].get(page).context["form"]
        shown[page] = (role, shown_values(form), field_names(form))
    for occurrence in by_role["fachkraft"].get(reverse("teams:my_week")).context["occurrences"]:
        if occurrence.state == "open" and occurrence.date <= timezone.localdate():
            page = reverse("teams:my_week_log", args=[occurrence.series.pk, occurrence.date])
            shown[page] = ("fachkraft", shown_values(occurrence.form), field_names(occurrence.form))
            break
    assert len(shown) >= 17

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        for page, (role, values, names) in shown.items():
            chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4), page)
            post = {**values, **{name: data.draw(FIELD_VALUE, name) for name in chosen}}
            before = change_marker()
            response = by_role[role].post(page, post)
            assert response.status_code < 500, (page, post)
            if response.status_code not in (301, 302, 303):
                assert change_marker() == before, (page, post)

    fuzz()
