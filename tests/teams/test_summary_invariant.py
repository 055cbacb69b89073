"""The activity summaries always equal the activities (issue 11, point 1).

After any sequence of writes — through the forms, the ORM, ``QuerySet.update()``, bulk deletes,
partner kind changes, series venue changes, reassignments and retention — the day, month and year
summaries equal a fresh ``GROUP BY`` over the activities, no row counts zero or fewer activities,
and every activity figure of the dashboard equals the same figure computed by a plain
``GROUP BY`` (over periods read from each of the three summaries).
"""

import datetime
import os

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from kooperation.models import Partner, PartnerKind
from sozialraum.models import Municipality, Team
from sozialraum.reassignment import reassign, reassignment_preview
from sozialraum.selectors import assignments_on
from teams.dashboard import Scope, dashboard, scope_municipality_ids, venue_bucket, year_earlier
from teams.models import (
    Activity,
    ActivityMonthSummary,
    ActivitySummary,
    ActivityYearSummary,
    ConsultationHour,
)
from teams.months import month_of, month_range
from teams.retention import Periods, apply_retention
from teams.summary import rebuild_activity_summary, summary_drift
from tests.teams.conftest import make_series

D = datetime.date
GROUPS = ("children", "young_people", "parents", "professionals", "others")
# Tuesdays (the series' weekday), in a year and the year before (the trend compares them).
DAYS = [
    D(2025, 1, 14),
    D(2025, 2, 11),
    D(2025, 3, 4),
    D(2026, 1, 13),
    D(2026, 1, 27),
    D(2026, 2, 10),
    D(2026, 3, 3),
    D(2026, 3, 31),
]
# Periods with partly covered months at both ends (read from the day summary), whole months, a
# whole year (read from the year summary) and a whole year with months and days after it.
PERIODS = [
    (D(2026, 1, 20), D(2026, 3, 15)),
    (D(2026, 1, 1), D(2026, 3, 31)),
    (D(2025, 1, 1), D(2025, 12, 31)),
    (D(2025, 1, 1), D(2026, 3, 15)),
]
SERIES_START = D(2025, 1, 7)


# --- The figures by a plain GROUP BY over the activities -----------------------------------------


def scoped(scope: Scope):
    activities = Activity.objects.all()
    if scope.kind == "team":
        activities = activities.filter(team=scope.pk)
    return activities


def plain_figures(user, scope: Scope, start, end, today) -> dict:
    """The dashboard's activity figures, computed straight from the activities."""
    rows = list(
        scoped(scope)
        .filter(date__range=(start, end))
        .annotate(vk=Coalesce("venue__kind", Value("")))
        .values("kind", "status", "vk", "municipality")
        .annotate(n=Count("id"), helps=Sum("helps_initiated"), **{g: Sum(g) for g in GROUPS})
        .order_by()
    )
    held = [row for row in rows if row["status"] == "held"]
    by_kind = {
        kind.value: [
            sum(r["n"] for r in rows if r["kind"] == kind and r["status"] == status)
            for status in ("held", "cancelled")
        ]
        for kind in Activity.Kind
    }
    consultations = {}
    for row in rows:
        if row["kind"] == "consultation":
            key = (venue_bucket(row["vk"]), row["status"])
            consultations[key] = consultations.get(key, 0) + row["n"]
    trend = {}
    periods = {"this": (start, end), "earlier": (year_earlier(start), year_earlier(end))}
    for name, period in periods.items():
        for row in (
            scoped(scope)
            .filter(date__range=period, status="held")
            .annotate(month=TruncMonth("date"))
            .values("month")
            .annotate(n=Count("id"))
            .order_by()
        ):
            trend[name, row["month"]] = row["n"]
    covered = {row["municipality"] for row in held}
    gaps = set(scope_municipality_ids(scope, user, min(end, today))) - covered
    return {
        "by_kind": by_kind,
        "consultations": consultations,
        "contacts": [sum(row[g] for row in held) for g in GROUPS],
        "trend": [
            [
                None if month > month_of(today) else trend.get(("this", month), 0),
                trend.get(("earlier", year_earlier(month)), 0),
            ]
            for month in month_range(start, end)
        ],
        "meetings": sum(r["n"] for r in held if r["kind"] in ("round_table", "working_group")),
        "helps": sum(r["helps"] for r in held),
        "gaps": gaps,
    }


def shown_figures(user, scope: Scope, start, end, today) -> dict:
    """The same figures as the dashboard shows them."""
    tables, facts = dashboard(user, scope, start, end, today)
    tables = {table.key: table for table in tables}
    buckets = ["school", "youth_house", "town_hall", "other"]
    consultations = {}
    for key, row in zip(buckets, tables["consultations"].rows, strict=True):
        for status, value in (("held", row[2]), ("cancelled", row[3])):
            if value:
                consultations[key, status] = value
    return {
        "by_kind": {
            kind.value: row[1:3]
            for kind, row in zip(Activity.Kind, tables["by_kind"].rows, strict=True)
        },
        "consultations": consultations,
        "contacts": [row[1] for row in tables["contacts"].rows],
        "trend": [row[1:3] for row in tables["trend"].rows],
        "meetings": facts["meetings"],
        "helps": facts["helps"],
        "gaps": {m.pk for m in facts["gaps"]},
    }


def assert_summaries_right():
    assert summary_drift() == {}
    assert not ActivitySummary.objects.filter(activities__lte=0).exists()
    assert not ActivityMonthSummary.objects.filter(activities__lte=0).exists()
    assert not ActivityYearSummary.objects.filter(activities__lte=0).exists()


def assert_dashboard_right(user, scope, start, end, today):
    assert shown_figures(user, scope, start, end, today) == plain_figures(
        user, scope, start, end, today
    )


# --- Writing through the forms ------------------------------------------------------------------


def form_data(activity=None, **values) -> dict:
    data = {
        "kind": "community",
        "start_time": "10:00",
        "end_time": "12:00",
        "status": "held",
        "cancel_reason": "",
        "children": 0,
        "young_people": 0,
        "parents": 0,
        "professionals": 0,
        "others": 0,
        "helps_initiated": 0,
        "note": "",
        "confirm_outside_area": "on",
    }
    if activity is not None:
        data.update(
            kind=activity.kind,
            date=activity.date.isoformat(),
            team=activity.team_id,
            municipality=activity.municipality_id,
            consultation_hour=activity.consultation_hour_id or "",
            status=activity.status,
            cancel_reason=activity.cancel_reason,
            version=activity.version,
            **{name: getattr(activity, name) for name in (*GROUPS, "helps_initiated")},
        )
    data.update(values)
    if data["status"] == "cancelled":
        data.update(dict.fromkeys((*GROUPS, "helps_initiated"), 0), cancel_reason="Krankheit")
    return {key: "" if value is None else value for key, value in data.items()}


# --- The named regression: kind change, then delete ----------------------------------------------


@pytest.fixture
def logged(client_for, fachkraft, district):
    """A consultation hour of team Backnang at a school in Backnang, one date logged through the
    form."""
    team = Team.objects.get(name="Backnang")
    backnang = Municipality.objects.get(name="Backnang")
    school = Partner.objects.create(
        name="Grundschule Backnang-Süd", kind=PartnerKind.SCHOOL, municipality=backnang
    )
    series = make_series(team, backnang, school, weekday=1, valid_from=SERIES_START)
    client = client_for(fachkraft)
    response = client.post(
        reverse("teams:activity_create"),
        form_data(
            kind="consultation",
            date="2026-03-03",
            team=team.pk,
            municipality=backnang.pk,
            consultation_hour=series.pk,
            children=2,
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.get()
    return {
        "team": team,
        "backnang": backnang,
        "school": school,
        "series": series,
        "activity": activity,
        "client": client,
    }


def consultation_row(user, scope, bucket: str) -> list:
    tables, _facts = dashboard(user, scope, *PERIODS[1], D(2026, 11, 25))
    table = next(t for t in tables if t.key == "consultations")
    labels = {"school": "Schule", "town_hall": "Rathaus"}
    return next(row for row in table.rows if str(row[0]) == labels[bucket])


def test_the_activity_keeps_the_venue_of_its_series(logged):
    assert logged["activity"].venue == logged["school"]


def test_kind_change_then_delete_leaves_no_negative_or_phantom_figure(logged, amtsleitung):
    """Schule → Rathaus, then the activity deleted through the form: no "held -1" for Rathaus,
    no phantom "held 1" for Schule, and Backnang counts as without presence again."""
    scope = Scope("team", logged["team"].pk, "Team Backnang")
    school = logged["school"]
    school.kind = PartnerKind.TOWN_HALL
    school.save()

    assert consultation_row(amtsleitung, scope, "school")[2] == 0
    assert consultation_row(amtsleitung, scope, "town_hall")[2] == 1
    assert ActivitySummary.objects.get().venue_kind == PartnerKind.TOWN_HALL
    assert ActivityYearSummary.objects.get().venue_kind == PartnerKind.TOWN_HALL
    assert_summaries_right()
    assert_dashboard_right(amtsleitung, scope, D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 25))

    response = logged["client"].post(reverse("teams:activity_delete", args=[logged["activity"].pk]))

    assert response.status_code == 302
    assert not Activity.objects.exists()
    assert not ActivitySummary.objects.exists()
    assert not ActivityMonthSummary.objects.exists()
    assert not ActivityYearSummary.objects.exists()
    assert consultation_row(amtsleitung, scope, "school")[2] == 0
    assert consultation_row(amtsleitung, scope, "town_hall")[2] == 0
    _tables, facts = dashboard(amtsleitung, scope, *PERIODS[1], D(2026, 11, 25))
    assert logged["backnang"] in facts["gaps"]
    assert_dashboard_right(amtsleitung, scope, *PERIODS[1], D(2026, 11, 25))


def test_a_series_moved_to_another_venue_keeps_its_past_dates(logged, amtsleitung):
    scope = Scope("team", logged["team"].pk, "Team Backnang")
    town_hall = Partner.objects.create(
        name="Rathaus Backnang", kind=PartnerKind.TOWN_HALL, municipality=logged["backnang"]
    )
    series = logged["series"]
    series.venue = town_hall
    series.save()

    assert consultation_row(amtsleitung, scope, "school")[2] == 1
    assert consultation_row(amtsleitung, scope, "town_hall")[2] == 0

    logged["client"].post(
        reverse("teams:activity_update", args=[logged["activity"].pk]),
        form_data(logged["activity"], children=5),
    )
    Activity.objects.all().delete()

    assert_summaries_right()
    assert not ActivitySummary.objects.exists()
    assert consultation_row(amtsleitung, scope, "school")[2] == 0
    assert consultation_row(amtsleitung, scope, "town_hall")[2] == 0


def test_venue_follows_a_change_of_series_and_stays_without_one(logged):
    other_venue = Partner.objects.create(
        name="Jugendhaus Backnang", kind=PartnerKind.YOUTH_HOUSE, municipality=logged["backnang"]
    )
    other = make_series(
        logged["team"], logged["backnang"], other_venue, weekday=1, valid_from=SERIES_START
    )
    activity = logged["activity"]

    Activity.objects.filter(pk=activity.pk).update(consultation_hour=other)
    activity.refresh_from_db()
    assert activity.venue == other_venue
    Activity.objects.filter(pk=activity.pk).update(consultation_hour=None)
    activity.refresh_from_db()
    assert activity.venue is None
    Activity.objects.filter(pk=activity.pk).update(venue=logged["school"])
    assert_summaries_right()
    assert ActivitySummary.objects.get().venue_kind == PartnerKind.SCHOOL


def test_rebuild_gives_the_triggers_sums(logged):
    Activity.objects.create(
        team=logged["team"],
        municipality=logged["backnang"],
        date=D(2026, 3, 4),
        kind="community",
        children=3,
    )
    before = (
        sorted(ActivitySummary.objects.values_list("date", "kind", "venue_kind", "activities")),
        sorted(ActivityMonthSummary.objects.values_list("month", "kind", "activities")),
        sorted(ActivityYearSummary.objects.values_list("year", "kind", "children")),
    )
    rebuild_activity_summary()
    after = (
        sorted(ActivitySummary.objects.values_list("date", "kind", "venue_kind", "activities")),
        sorted(ActivityMonthSummary.objects.values_list("month", "kind", "activities")),
        sorted(ActivityYearSummary.objects.values_list("year", "kind", "children")),
    )
    assert after == before
    assert before[1] == [(D(2026, 3, 1), "community", 1), (D(2026, 3, 1), "consultation", 1)]
    assert before[2] == [(D(2026, 1, 1), "community", 3), (D(2026, 1, 1), "consultation", 2)]


# --- Any sequence of writes ----------------------------------------------------------------------


class World:
    """What the state machine works on, made once per test (each example is rolled back)."""

    def __init__(self, users):
        self.fachkraft, self.reader = users["fachkraft"], users["amtsleitung"]
        self.team = Team.objects.get(name="Backnang")
        self.other_team = Team.objects.get(name="Backnang Umland")
        own = list(
            assignments_on(D(2026, 1, 1))
            .filter(team=self.team)
            .order_by("municipality__name")
            .values_list("municipality", flat=True)
        )
        other = list(
            assignments_on(D(2026, 1, 1))
            .filter(team=self.other_team)
            .order_by("municipality__name")
            .values_list("municipality", flat=True)
        )
        self.municipalities = Municipality.objects.filter(pk__in=own[:2] + other[:1]).order_by("pk")
        first = self.municipalities[0]
        self.partners = [
            Partner.objects.create(name=f"Ort {kind}", kind=kind, municipality=first)
            for kind in (PartnerKind.SCHOOL, PartnerKind.TOWN_HALL, PartnerKind.YOUTH_HOUSE)
        ]
        self.series = [
            make_series(self.team, municipality, venue, weekday=1, valid_from=SERIES_START)
            for municipality, venue in zip(self.municipalities, self.partners[:2], strict=False)
        ]
        self.today = D(2026, 11, 25)
        self.scopes = [
            (Scope("district", None, "Landkreis"), PERIODS[0]),
            (Scope("team", self.team.pk, "Team Backnang"), PERIODS[1]),
            (Scope("district", None, "Landkreis"), PERIODS[2]),
            (Scope("team", self.team.pk, "Team Backnang"), PERIODS[3]),
        ]


counts = st.integers(0, 4)
kinds = st.sampled_from([k.value for k in Activity.Kind])
form_kinds = st.sampled_from(["community", "consultation", "event", "other"])
statuses = st.sampled_from(["held", "held", "cancelled"])
days = st.sampled_from(DAYS)
picks = st.integers(0, 10_000)


class SummaryMachine(RuleBasedStateMachine):
    world: World = None

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.client = None

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers ---

    def pick(self, queryset, index):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        return ids[index % len(ids)] if ids else None

    def some(self, index, size):
        ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
        if not ids:
            return []
        start = index % len(ids)
        return ids[start : start + size]

    def web(self):
        if self.client is None:
            from django.test import Client

            self.client = Client()
            self.client.force_login(self.world.fachkraft)
        return self.client

    def own_activity(self, index):
        return self.pick(Activity.objects.filter(team=self.world.team), index)

    # --- writes through the forms ---

    @rule(
        kind=form_kinds,
        day=days,
        municipality=picks,
        series=picks,
        status=statuses,
        children=counts,
        helps=counts,
    )
    def form_create(self, kind, day, municipality, series, status, children, helps):
        w = self.world
        values = {
            "kind": kind,
            "date": day.isoformat(),
            "team": w.team.pk,
            "municipality": w.municipalities[municipality % len(w.municipalities)].pk,
            "status": status,
            "children": children,
            "helps_initiated": helps,
        }
        if kind == "consultation":
            chosen = w.series[series % len(w.series)]
            values.update(consultation_hour=chosen.pk, municipality=chosen.municipality_id)
        response = self.web().post(reverse("teams:activity_create"), form_data(**values))
        event(f"form create: {response.status_code}")

    @rule(which=picks, day=days, status=statuses, children=counts, series=picks, move=st.booleans())
    def form_update(self, which, day, status, children, series, move):
        pk = self.own_activity(which)
        if pk is None:
            return
        activity = Activity.objects.get(pk=pk)
        values = {"date": day.isoformat(), "status": status, "children": children}
        if move:
            chosen = self.world.series[series % len(self.world.series)]
            values.update(kind="consultation", consultation_hour=chosen.pk)
        response = self.web().post(
            reverse("teams:activity_update", args=[pk]), form_data(activity, **values)
        )
        event(f"form update: {response.status_code}")

    @rule(which=picks)
    def form_delete(self, which):
        pk = self.own_activity(which)
        if pk is None:
            return
        response = self.web().post(reverse("teams:activity_delete", args=[pk]))
        event(f"form delete: {response.status_code}")

    # --- writes through the ORM ---

    @rule(
        kind=kinds,
        day=days,
        municipality=picks,
        series=st.none() | picks,
        venue=st.none() | picks,
        other_team=st.booleans(),
        status=statuses,
        children=counts,
        parents=counts,
        helps=counts,
    )
    def orm_create(
        self, kind, day, municipality, series, venue, other_team, status, children, parents, helps
    ):
        w = self.world
        fields = {
            "kind": kind,
            "date": day,
            "team": w.other_team if other_team else w.team,
            "municipality": w.municipalities[municipality % len(w.municipalities)],
            "status": status,
            "children": children,
            "parents": parents,
            "helps_initiated": helps,
        }
        if series is not None:
            fields["consultation_hour"] = w.series[series % len(w.series)]
        if venue is not None:
            fields["venue"] = w.partners[venue % len(w.partners)]
        try:
            with transaction.atomic():
                Activity.objects.create(**fields)
        except IntegrityError:
            event("orm create: series date taken")

    @rule(which=picks, day=days, kind=kinds, young_people=counts, series=st.none() | picks)
    def orm_save(self, which, day, kind, young_people, series):
        pk = self.pick(Activity.objects.all(), which)
        if pk is None:
            return
        activity = Activity.objects.get(pk=pk)
        activity.date, activity.kind, activity.young_people = day, kind, young_people
        activity.consultation_hour = (
            None if series is None else self.world.series[series % len(self.world.series)]
        )
        try:
            with transaction.atomic():
                activity.save()
        except IntegrityError:
            event("orm save: series date taken")

    @rule(
        which=picks,
        size=st.integers(1, 4),
        change=st.sampled_from(["date", "municipality", "kind", "status", "children", "series"]),
        value=picks,
    )
    def queryset_update(self, which, size, change, value):
        w = self.world
        new = {
            "date": {"date": DAYS[value % len(DAYS)]},
            "municipality": {"municipality": w.municipalities[value % len(w.municipalities)]},
            "kind": {"kind": list(Activity.Kind)[value % len(Activity.Kind)]},
            "status": {"status": ["held", "cancelled"][value % 2]},
            "children": {"children": value % 7},
            "series": {"consultation_hour": [None, *w.series][value % (len(w.series) + 1)]},
        }[change]
        try:
            with transaction.atomic():
                Activity.objects.filter(pk__in=self.some(which, size)).update(**new)
        except IntegrityError:
            event("queryset update: series date taken")

    @rule(which=picks, size=st.integers(1, 5))
    def bulk_delete(self, which, size):
        Activity.objects.filter(pk__in=self.some(which, size)).delete()

    # --- writes around the activities ---

    @rule(partner=picks, kind=st.sampled_from(list(PartnerKind)), through_save=st.booleans())
    def partner_kind_change(self, partner, kind, through_save):
        chosen = self.world.partners[partner % len(self.world.partners)]
        if through_save:
            chosen.refresh_from_db()
            chosen.kind = kind
            chosen.save()
        else:
            Partner.objects.filter(pk=chosen.pk).update(kind=kind)

    @rule(series=picks, partner=picks)
    def series_venue_change(self, series, partner):
        chosen = self.world.series[series % len(self.world.series)]
        ConsultationHour.objects.filter(pk=chosen.pk).update(
            venue=self.world.partners[partner % len(self.world.partners)]
        )

    @rule(
        municipality=picks,
        to_other=st.booleans(),
        effective=st.sampled_from([D(2026, 2, 1), D(2026, 3, 1), D(2026, 6, 1)]),
        hand_over=st.booleans(),
    )
    def reassignment(self, municipality, to_other, effective, hand_over):
        from django.core.exceptions import ValidationError

        w = self.world
        place = w.municipalities[municipality % len(w.municipalities)]
        team = w.other_team if to_other else w.team
        try:
            with transaction.atomic():
                impact = reassignment_preview(municipality=place, team=team, effective=effective)
                answers = {
                    d.key: "hand_over" if hand_over else d.choices[-1][0] for d in impact.decisions
                }
                reassign(
                    municipality=place,
                    team=team,
                    effective=effective,
                    answers=answers,
                    user=w.reader,
                )
            event("reassignment applied")
        except ValidationError:
            event("reassignment refused")

    @rule()
    def retention(self):
        apply_retention(Periods(1, 1, 1).cutoffs(self.world.today))

    # --- after every step ---

    @invariant()
    def summaries_equal_the_activities(self):
        assert_summaries_right()

    @invariant()
    def dashboard_equals_a_plain_aggregation(self):
        for scope, period in self.world.scopes:
            assert_dashboard_right(self.world.reader, scope, *period, self.world.today)


def test_any_sequence_of_writes_keeps_the_summaries_right(demo_users):
    SummaryMachine.world = World(demo_users)
    run_state_machine_as_test(
        SummaryMachine,
        settings=settings(
            max_examples=int(os.environ.get("H1_EXAMPLES", 20)),
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    assert connection.in_atomic_block
