"""Deleting a partner that other records still refer to (issue 12, point 4)."""

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from kooperation.models import ContactPerson, Partner
from sozialraum.models import Team
from tests.teams.conftest import make_series


def test_deleting_the_venue_of_a_series_names_the_series_and_changes_nothing(
    client_for, fachkraft, school_backnang, backnang
):
    series = make_series(Team.objects.get(name="Backnang"), backnang, school_backnang)
    ContactPerson.objects.create(partner=school_backnang, name="Frau Rektorin")
    client = client_for(fachkraft)

    response = client.post(reverse("kooperation:partner_delete", args=[school_backnang.pk]))

    assert response.url == reverse("kooperation:partner_detail", args=[school_backnang.pk])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    with translation.override("de"):
        name = f"{series._meta.verbose_name} „{series}“"
    assert name in message
    assert Partner.objects.filter(pk=school_backnang.pk).exists()
    assert ContactPerson.objects.filter(partner=school_backnang).count() == 1
