"""Disclosure control of the annual report: no hidden count of persons can be worked out from
what the report publishes, and counts of institutions are never hidden."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sozialraum.models import Municipality
from teams import disclosure
from teams.dashboard import GROUPS, Scope
from teams.report import PERSON_COLUMNS, Place, annual_report, person_grid

D = datetime.date


def solve(values: dict, hidden: set, sums) -> set:
    """The hidden cells an attacker can recompute: repeatedly, a sum with exactly one unknown
    cell among its total and its parts gives that cell away (and it becomes known)."""
    unknown = set(hidden)
    recovered = set()
    progress = True
    while progress:
        progress = False
        for total, parts in sums:
            missing = [cell for cell in [total, *parts] if cell in unknown]
            if len(missing) == 1:
                unknown.discard(missing[0])
                recovered.add(missing[0])
                progress = True
    return recovered


def place(area: str, number: int, this: list[int], previous: list[int]) -> Place:
    municipality = Municipality(pk=number, name=f"Gemeinde {number}", population=1000)
    persons = {
        "this": {**dict(zip(GROUPS, this[: len(GROUPS)], strict=True)), "helps": this[-1]},
        "previous": {"contacts": sum(previous[:-1]), "helps": previous[-1]},
    }
    persons["this"]["contacts"] = sum(this[: len(GROUPS)])
    persons["previous"].update(dict.fromkeys(GROUPS, 0))
    return Place(area, municipality, {"this": {}, "previous": {}}, persons)


small_counts = st.one_of(st.integers(0, 3), st.integers(0, 40))
row_figures = st.lists(small_counts, min_size=len(GROUPS) + 1, max_size=len(GROUPS) + 1)


@st.composite
def places_of_a_scope(draw):
    areas = draw(st.integers(1, 3))
    places = []
    for number in range(draw(st.integers(1, 9))):
        area = f"Bereich {number % areas}"
        places.append(place(area, number + 1, draw(row_figures), draw(row_figures)))
    return sorted(places, key=lambda p: (p.area, p.municipality.pk))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(places_of_a_scope())
def test_no_hidden_count_of_persons_can_be_recomputed_from_the_totals(places):
    values, sums = person_grid(places)
    marks = disclosure.suppressed(values, sums)

    assert solve(values, set(marks), sums) == set()
    # Every count of 1 or 2 is hidden, and only hidden cells carry a mark.
    assert {cell for cell, value in values.items() if 0 < value < 3} <= set(marks)
    # No sum (row, column, Mittelbereich, grand total) has exactly one hidden cell.
    for total, parts in sums:
        assert sum(cell in marks for cell in [total, *parts]) != 1


@settings(max_examples=100, deadline=None)
@given(places_of_a_scope())
def test_published_tables_show_exactly_the_marks(places):
    """What the tables print is what the check above saw: a hidden cell is never printed as a
    number, and a change beside a hidden figure is hidden too."""
    values, sums = person_grid(places)
    marks = disclosure.suppressed(values, sums)
    printed = {}
    for p in places:
        for column in PERSON_COLUMNS:
            key = ("this", p.key, column)
            printed[key] = disclosure.published(values[key], marks.get(key))
    for key, value in printed.items():
        assert (value in (disclosure.PRIMARY, disclosure.SECONDARY)) == (key in marks)
    assert disclosure.change(disclosure.PRIMARY, 5) == disclosure.SECONDARY
    assert disclosure.change(7, 5) == 2


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    values = {"a": 1, "b": 5, "c": 4, "d": 7, "r1": 6, "r2": 11, "k1": 5, "k2": 12, "t": 17}
    sums = [("r1", ["a", "b"]), ("r2", ["c", "d"]), ("k1", ["a", "c"]), ("k2", ["b", "d"])]
    sums += [("t", ["r1", "r2"]), ("t", ["k1", "k2"])]

    marks = disclosure.suppressed(values, sums)

    assert marks["a"] == disclosure.PRIMARY
    assert {cell for cell, mark in marks.items() if mark == disclosure.SECONDARY} == {
        "b",
        "c",
        "d",
    }
    assert solve(values, set(marks), sums) == set()


@pytest.fixture
def partners_and_persons(team_backnang, backnang, school, town_hall):
    from kooperation.models import Partner
    from teams.models import Activity

    Partner.objects.create(name="Grundschule 2", kind="school", municipality=backnang)
    Activity.objects.create(
        team=team_backnang,
        municipality=backnang,
        date=D(2025, 3, 3),
        kind="community",
        status="held",
        parents=2,
        children=7,
        helps_initiated=1,
    )


def test_institution_counts_are_shown_and_person_counts_hidden_in_the_report(
    partners_and_persons, fbl_backnang, team_backnang
):
    scope = Scope("team", team_backnang.pk, "Team Backnang")

    report = annual_report(fbl_backnang, scope, 2025, D(2026, 11, 25))

    partners = {str(row[0]): row[1:] for row in report.partners.rows}
    assert partners["Schule"][0] == 2  # two schools: an institution count, not hidden
    backnang = {str(row[0]): row[1:] for row in report.persons.rows}["Backnang"]
    # children 7, parents 2 → "< 3"; the row's contacts 9 would give the 2 away → hidden too;
    # helps 1 → "< 3", alone in its column with the total → the total is hidden as well.
    assert backnang[GROUPS.index("parents")] == disclosure.PRIMARY
    assert backnang[GROUPS.index("children")] == disclosure.SECONDARY
    assert backnang[PERSON_COLUMNS.index("helps")] == disclosure.PRIMARY
    total = {str(row[0]): row[1:] for row in report.persons.rows}["Gesamt"]
    assert total[PERSON_COLUMNS.index("helps")] != 1
