import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sozialraum.models import Assignment, MiddleArea, Municipality, Team

D = datetime.date


@pytest.fixture
def korb(db):
    area = MiddleArea.objects.create(name="Waiblingen")
    team = Team.objects.create(name="Waiblingen/Korb", middle_area=area)
    municipality = Municipality.objects.create(name="Korb", kind=Municipality.Kind.MUNICIPALITY)
    Assignment.objects.create(municipality=municipality, team=team, valid_from=D(2007, 1, 1))
    return municipality, team


def test_overlapping_assignment_refused_by_database(korb):
    municipality, team = korb
    other = Team.objects.create(name="Winnenden", middle_area=team.middle_area)

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(municipality=municipality, team=other, valid_from=D(2020, 1, 1))

    assert Assignment.objects.filter(municipality=municipality).count() == 1


def test_overlap_on_the_boundary_day_refused(korb):
    municipality, team = korb
    Assignment.objects.filter(municipality=municipality).update(valid_until=D(2019, 12, 31))

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(municipality=municipality, team=team, valid_from=D(2019, 12, 31))


def test_adjacent_assignments_allowed(korb):
    municipality, team = korb
    Assignment.objects.filter(municipality=municipality).update(valid_until=D(2019, 12, 31))

    Assignment.objects.create(municipality=municipality, team=team, valid_from=D(2020, 1, 1))

    assert Assignment.objects.filter(municipality=municipality).count() == 2


def test_other_municipality_may_overlap(korb):
    _, team = korb
    other = Municipality.objects.create(name="Waiblingen", kind=Municipality.Kind.TOWN)

    Assignment.objects.create(municipality=other, team=team, valid_from=D(2007, 1, 1))

    assert Assignment.objects.filter(team=team).count() == 2


def test_end_before_start_refused_by_database(korb):
    municipality, team = korb
    Assignment.objects.all().delete()

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            municipality=municipality,
            team=team,
            valid_from=D(2020, 1, 1),
            valid_until=D(2019, 1, 1),
        )


def test_full_clean_reports_overlap(korb):
    municipality, team = korb
    assignment = Assignment(municipality=municipality, team=team, valid_from=D(2010, 1, 1))

    with pytest.raises(ValidationError) as error:
        assignment.full_clean()

    assert [e.code for e in error.value.error_dict["__all__"]] == ["overlap"]


def test_names_sort_with_umlauts_as_base_letters(db):
    for name in ["Zell", "Öhringen", "Oberstenfeld", "Abtsgmünd"]:
        Municipality.objects.create(name=name, kind=Municipality.Kind.MUNICIPALITY)

    names = list(Municipality.objects.values_list("name", flat=True))

    assert names == ["Abtsgmünd", "Oberstenfeld", "Öhringen", "Zell"]
