import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from sozialraum.models import Assignment, Municipality, Team
from sozialraum.selectors import (
    municipalities_of,
    municipalities_without_team,
    team_responsible_for,
)
from sozialraum.services import assignment_reassign

D = datetime.date


@pytest.fixture
def winnenden(district):
    return Team.objects.get(name="Winnenden")


def error_codes(error: ValidationError) -> dict:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_reassign_switches_team_on_the_effective_date(korb, winnenden):
    old_team = Team.objects.get(name="Waiblingen/Korb")

    assignment_reassign(municipality=korb, team=winnenden, effective=D(2027, 1, 1))

    assert team_responsible_for(korb, on=D(2026, 12, 31)) == old_team
    assert team_responsible_for(korb, on=D(2027, 1, 1)) == winnenden
    assert list(municipalities_of(winnenden, on=D(2027, 1, 1)).values_list("name", flat=True)) == [
        "Berglen",
        "Korb",
        "Leutenbach",
        "Schwaikheim",
        "Winnenden",
    ]
    assert "Korb" not in municipalities_of(old_team, on=D(2027, 1, 1)).values_list(
        "name", flat=True
    )


def test_reassign_closes_old_and_opens_new_assignment(korb, winnenden):
    assignment_reassign(municipality=korb, team=winnenden, effective=D(2027, 1, 1))

    rows = list(
        korb.assignments.order_by("valid_from").values_list(
            "team__name", "valid_from", "valid_until"
        )
    )

    assert rows == [
        ("Waiblingen/Korb", D(2007, 1, 1), D(2026, 12, 31)),
        ("Winnenden", D(2027, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("effective", "code"),
    [(D(2007, 1, 1), "before_current_start"), (D(2006, 6, 1), "before_current_start")],
)
def test_reassign_refuses_date_not_after_current_start(korb, winnenden, effective, code):
    with pytest.raises(ValidationError) as error:
        assignment_reassign(municipality=korb, team=winnenden, effective=effective)

    assert error_codes(error.value) == {"effective": [code]}
    assert korb.assignments.count() == 1


def test_reassign_refuses_same_team(korb):
    same = Team.objects.get(name="Waiblingen/Korb")

    with pytest.raises(ValidationError) as error:
        assignment_reassign(municipality=korb, team=same, effective=D(2027, 1, 1))

    assert error_codes(error.value) == {"team": ["same_team"]}
    assert korb.assignments.get().valid_until is None


def test_reassign_refuses_inactive_team(korb, winnenden):
    Team.objects.filter(pk=winnenden.pk).update(is_active=False)
    winnenden.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        assignment_reassign(municipality=korb, team=winnenden, effective=D(2027, 1, 1))

    assert error_codes(error.value) == {"team": ["inactive_team"]}
    assert korb.assignments.count() == 1


def test_reassign_refuses_date_before_a_planned_assignment(korb, winnenden):
    assignment_reassign(municipality=korb, team=winnenden, effective=D(2027, 1, 1))
    fellbach = Team.objects.get(name="Fellbach/Kernen/Weinstadt")

    with pytest.raises(ValidationError) as error:
        assignment_reassign(municipality=korb, team=fellbach, effective=D(2026, 6, 1))

    assert error_codes(error.value) == {"effective": ["before_current_start"]}
    assert korb.assignments.count() == 2


def test_reassign_message_names_the_current_assignment(korb, winnenden, settings):
    settings.LANGUAGE_CODE = "en"

    with pytest.raises(ValidationError) as error:
        assignment_reassign(municipality=korb, team=winnenden, effective=D(2007, 1, 1))

    assert "Waiblingen/Korb" in error.value.message_dict["effective"][0]


def test_reassign_of_unassigned_municipality_opens_an_assignment(district, winnenden):
    new = Municipality.objects.create(name="Neustadt", kind=Municipality.Kind.TOWN)

    assignment_reassign(municipality=new, team=winnenden, effective=D(2027, 1, 1))

    assert team_responsible_for(new, on=D(2026, 12, 31)) is None
    assert team_responsible_for(new, on=D(2027, 1, 1)) == winnenden


def test_failed_reassignment_leaves_nothing_changed(korb, winnenden, monkeypatch):
    before = list(Assignment.objects.values_list("pk", "team_id", "valid_from", "valid_until"))

    def fail(self, *args, **kwargs):
        raise ValidationError("boom")

    monkeypatch.setattr(Assignment, "full_clean", fail)
    with pytest.raises(ValidationError):
        assignment_reassign(municipality=korb, team=winnenden, effective=D(2027, 1, 1))

    after = list(Assignment.objects.values_list("pk", "team_id", "valid_from", "valid_until"))
    assert after == before


def test_loaded_district_has_one_team_per_municipality_on_every_date(district):
    # Contiguous assignments from 2007-01-01 with an open end cover every date exactly once;
    # the exclusion constraint already rules out overlaps.
    for municipality in Municipality.objects.prefetch_related("assignments"):
        spans = sorted((a.valid_from, a.valid_until) for a in municipality.assignments.all())
        assert spans[0][0] == D(2007, 1, 1)
        assert spans[-1][1] is None
        for (_, until), (start, _) in itertools.pairwise(spans):
            assert start == until + datetime.timedelta(days=1)
    assert municipalities_without_team(on=D(2007, 1, 1)).count() == 0
    assert municipalities_without_team(on=D(2006, 12, 31)).count() == 31


def test_every_date_has_one_team_after_reassignments(korb, winnenden):
    assignment_reassign(municipality=korb, team=winnenden, effective=D(2020, 3, 1))
    assignment_reassign(
        municipality=korb, team=Team.objects.get(name="Waiblingen/Korb"), effective=D(2024, 9, 1)
    )

    days = [
        D(2007, 1, 1),
        D(2020, 2, 29),
        D(2020, 3, 1),
        D(2024, 8, 31),
        D(2024, 9, 1),
        D(2030, 1, 1),
    ]
    teams = [team_responsible_for(korb, on=day).name for day in days]

    assert (
        teams
        == ["Waiblingen/Korb", "Waiblingen/Korb", "Winnenden", "Winnenden"]
        + ["Waiblingen/Korb"] * 2
    )
