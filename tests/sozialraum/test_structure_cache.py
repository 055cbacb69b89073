"""The structure cache (sozialraum.structure_cache): fewer round trips, never a stale page.

Every structure write — a save, a delete, a reassignment, an admin action — reaches the pages of
the writing process at once; a rolled-back write leaves nothing behind; a user's scope is part of
the key. The invariant "a cached read equals a fresh read" is checked over random sequences of
structure writes (hypothesis).
"""

import datetime
import re
import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozialraum import structure_cache
from sozialraum.models import Assignment, Headship, Membership, MiddleArea, Municipality, Team
from sozialraum.permissions import teams_visible_to
from sozialraum.reassignment import reassign, reassignment_preview

# Committed writes, as in production: inside a test's transaction every read after a structure
# write is (rightly) not cached until that transaction ends.
pytestmark = pytest.mark.django_db(transaction=True)

CACHED = override_settings(STRUCTURE_CACHE_SECONDS=60)
LIST = reverse("teams:activity_list")


def team_options(content: str) -> list[str]:
    select = re.search(r'<select[^>]* name="team".*?</select>', content, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def structure_reads(queries) -> list[str]:
    tables = ('"sozialraum_team"', '"sozialraum_municipality"', '"sozialraum_middlearea"')
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and any(f"FROM {table}" in q["sql"] for table in tables)
    ]


@CACHED
def test_a_second_view_reads_no_structure_rows(client_for, amtsleitung):
    client = client_for(amtsleitung)
    with CaptureQueriesContext(connection) as first:
        first_page = client.get(LIST)
    with CaptureQueriesContext(connection) as second:
        second_page = client.get(LIST)

    assert structure_reads(first.captured_queries)
    assert structure_reads(second.captured_queries) == []
    assert len(second.captured_queries) < len(first.captured_queries)
    assert team_options(second_page.content.decode()) == team_options(first_page.content.decode())


@CACHED
def test_a_renamed_team_shows_at_once(client_for, amtsleitung):
    client = client_for(amtsleitung)
    assert "Backnang" in team_options(client.get(LIST).content.decode())

    team = Team.objects.get(name="Backnang")
    team.name = "Backnang Stadt"
    team.save()

    options = team_options(client.get(LIST).content.decode())
    assert "Backnang Stadt" in options
    assert "Backnang" not in options


@CACHED
def test_the_scope_is_part_of_the_key(client_for, fachkraft, amtsleitung):
    own = team_options(client_for(fachkraft).get(LIST).content.decode())
    everyone = team_options(client_for(amtsleitung).get(LIST).content.decode())

    assert own == ["alle", "Backnang"]
    assert len(everyone) == Team.objects.count() + 1
    # And again from the cache: the Fachkraft still sees only the own team.
    assert team_options(client_for(fachkraft).get(LIST).content.decode()) == own


@CACHED
def test_a_rolled_back_write_leaves_nothing_behind(district):
    area = MiddleArea.objects.first()

    def names():
        return structure_cache.rows_of(Team.objects.order_by("name"), lambda t: t.name)

    before = names()
    with pytest.raises(RuntimeError), transaction.atomic():
        Team.objects.create(name="Nur kurz", middle_area=area)
        assert "Nur kurz" in names()  # read inside the transaction, and cached there
        raise RuntimeError

    assert names() == before


@CACHED
def test_a_reassignment_moves_the_gap_list_at_once(client_for, amtsleitung, administration):
    korb = Municipality.objects.get(name="Korb")
    backnang = Team.objects.get(name="Backnang")
    url = reverse("teams:dashboard")
    scope = {"scope": f"team-{backnang.pk}", "period": "year"}
    client = client_for(amtsleitung)
    gaps = [m.name for m in client.get(url, scope).context["facts"]["gaps"]]
    assert "Korb" not in gaps

    effective = datetime.date.today()
    preview = reassignment_preview(municipality=korb, team=backnang, effective=effective)
    answers = {decision.key: decision.initial for decision in preview.decisions}
    reassign(
        municipality=korb, team=backnang, effective=effective, answers=answers, user=administration
    )

    gaps = [m.name for m in client.get(url, scope).context["facts"]["gaps"]]
    assert "Korb" in gaps  # Backnang now serves Korb and has no activity there


@CACHED
def test_the_admin_confirm_action_ends_the_example_notice(client_for, administration):
    client = client_for(administration)
    assert client.get(reverse("sozialraum:home")).context["example_assignment_in_use"]

    client.post(
        reverse("admin:sozialraum_assignment_changelist"),
        {
            "action": "confirm_assignments",
            "_selected_action": list(Assignment.objects.values_list("pk", flat=True)),
        },
    )

    assert not client.get(reverse("sozialraum:home")).context["example_assignment_in_use"]


@override_settings(STRUCTURE_CACHE_SECONDS=0)
def test_zero_seconds_turns_the_cache_off():
    calls = []
    for _ in range(3):
        structure_cache.remember(("k",), lambda: calls.append(1))
    assert len(calls) == 3


@CACHED
def test_entries_expire(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(structure_cache.time, "monotonic", lambda: now[0])
    values = iter(["first", "second"])

    assert structure_cache.remember(("k",), lambda: next(values)) == "first"
    now[0] += 59
    assert structure_cache.remember(("k",), lambda: next(values)) == "first"
    now[0] += 2
    assert structure_cache.remember(("k",), lambda: next(values)) == "second"


# --- Writes of other processes: the structure version -----------------------------------------


def elsewhere(sql: str, params: tuple) -> None:
    """A write by another process: its own connection, plain SQL, committed; no signal of it
    reaches this process (as with a second gunicorn worker, psql or an import)."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        other.close()


def team_names() -> list[str]:
    return structure_cache.rows_of(Team.objects.order_by("pk"), lambda t: t.name)


@CACHED
@override_settings(STRUCTURE_VERSION_CHECK_SECONDS=0)
def test_a_write_of_another_process_reaches_this_one(district):
    team = Team.objects.order_by("pk").first()
    assert team.name in team_names()

    elsewhere("UPDATE sozialraum_team SET name = %s WHERE id = %s", ("Anderswo", team.pk))

    names = team_names()
    assert "Anderswo" in names
    assert team.name not in names


@CACHED
@override_settings(STRUCTURE_VERSION_CHECK_SECONDS=3600)
def test_the_version_is_read_at_most_once_per_interval(district):
    team = Team.objects.order_by("pk").first()
    team_names()  # reads the version and fills the cache

    elsewhere("UPDATE sozialraum_team SET name = %s WHERE id = %s", ("Anderswo", team.pk))
    with CaptureQueriesContext(connection) as queries:
        names = team_names()

    # Within the interval: neither the version nor the rows are read again.
    assert queries.captured_queries == []
    assert team.name in names


@CACHED
def test_a_value_computed_while_the_cache_was_emptied_is_not_kept(district):
    calls = []

    def compute():
        calls.append(1)
        if len(calls) == 1:  # another thread empties the cache while this one reads the rows
            structure_cache.clear()
        return len(calls)

    assert structure_cache.remember(("k",), compute) == 1
    assert structure_cache.remember(("k",), compute) == 2  # the first value was not kept
    assert structure_cache.remember(("k",), compute) == 2  # this one is


def test_every_structure_table_raises_the_version(district):
    tables = {
        model._meta.db_table for model in (*structure_cache.STRUCTURE_MODELS, Headship, Membership)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'structure_version'"
        )
        triggered = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT version FROM sozialraum_structure_version")
        before = cursor.fetchone()[0]
    assert triggered == tables

    Team.objects.filter(pk=-1).update(name="x")  # a statement that changes no row counts too
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM sozialraum_structure_version")
        assert cursor.fetchone()[0] == before + 1


# --- The invariant: a cached read equals a fresh read, after any sequence of writes -------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["rename_team", "new_team", "delete_team", "rename_municipality", "move"]),
        st.integers(min_value=0, max_value=50),
        st.booleans(),  # written by another process (plain SQL, no signal)
    ),
    min_size=1,
    max_size=12,
)


def reads(user) -> dict:
    return {
        "teams": structure_cache.rows_of(
            teams_visible_to(user).order_by("pk"), lambda t: (t.pk, t.name, t.middle_area_id)
        ),
        "municipalities": structure_cache.rows_of(
            Municipality.objects.order_by("pk"), lambda m: (m.pk, m.name)
        ),
    }


def fresh(user) -> dict:
    return {
        "teams": [(t.pk, t.name, t.middle_area_id) for t in teams_visible_to(user).order_by("pk")],
        "municipalities": [(m.pk, m.name) for m in Municipality.objects.order_by("pk")],
    }


ELSEWHERE = {
    "rename_team": "UPDATE sozialraum_team SET name = left(name, 30) || ' ' || %s WHERE id = %s",
    "rename_municipality": (
        "UPDATE sozialraum_municipality SET name = left(name, 30) || ' ' || %s WHERE id = %s"
    ),
}


def apply_elsewhere(operation: str, n: int) -> bool:
    """The operation as another process writes it; False for those it has no SQL for."""
    if operation == "move":
        teams, areas = list(Team.objects.order_by("pk")), list(MiddleArea.objects.order_by("pk"))
        elsewhere(
            "UPDATE sozialraum_team SET middle_area_id = %s WHERE id = %s",
            (areas[n % len(areas)].pk, teams[n % len(teams)].pk),
        )
        return True
    if operation in ELSEWHERE:
        model = Team if operation == "rename_team" else Municipality
        rows = list(model.objects.order_by("pk"))
        elsewhere(ELSEWHERE[operation], (uuid.uuid4().hex[:6], rows[n % len(rows)].pk))
        return True
    return False


def apply(operation: str, n: int) -> None:
    teams = list(Team.objects.order_by("pk"))
    areas = list(MiddleArea.objects.order_by("pk"))
    if operation == "rename_team":
        team = teams[n % len(teams)]
        team.name = f"{team.name[:30]} {uuid.uuid4().hex[:6]}"
        team.save()
    elif operation == "new_team":
        Team.objects.create(name=f"Neu {uuid.uuid4().hex[:8]}", middle_area=areas[n % len(areas)])
    elif operation == "delete_team":
        unused = [t for t in teams if not t.assignments.exists() and not t.memberships.exists()]
        if unused:
            unused[n % len(unused)].delete()
    elif operation == "rename_municipality":
        municipality = Municipality.objects.order_by("pk")[n % Municipality.objects.count()]
        municipality.name = f"{municipality.name[:30]} {uuid.uuid4().hex[:6]}"
        municipality.save()
    elif operation == "move":
        team = teams[n % len(teams)]
        team.middle_area = areas[n % len(areas)]
        team.save()


@CACHED
@override_settings(STRUCTURE_VERSION_CHECK_SECONDS=0)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_a_cached_read_always_equals_a_fresh_one(operations, fbl_backnang, amtsleitung):
    for operation, n, other_process in operations:
        for user in (fbl_backnang, amtsleitung):
            reads(user)  # fill the cache before the write
        if other_process and apply_elsewhere(operation, n):
            pass
        elif n % 3 == 0:  # some writes in a transaction of their own, some in autocommit
            with transaction.atomic():
                apply(operation, n)
        else:
            apply(operation, n)
        for user in (fbl_backnang, amtsleitung):
            assert reads(user) == fresh(user), operation


@CACHED
def test_the_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(structure_cache, "MAX_ENTRIES", 3)
    for n in range(10):
        structure_cache.remember(("k", n), lambda n=n: n)
    assert len(structure_cache._entries) <= 3
    assert structure_cache.remember(("k", 9), lambda: "again") == 9
