"""The public iCal feed never carries control characters, not even from old rows (issue 12)."""

import datetime
import re

from django.urls import reverse

from kooperation.models import Partner
from teams.models import ConsultationHour
from tests.teams.conftest import make_series

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def test_feed_strips_control_characters_of_old_rows(client, team_backnang, backnang, school):
    Partner.objects.filter(pk=school.pk).update(name="Grundschule\x07 Süd", address="Weg\x1b 1")
    series = make_series(
        team_backnang, backnang, school, valid_from=datetime.date(2026, 1, 1), is_public=True
    )
    ConsultationHour.objects.filter(pk=series.pk).update(
        public_note="Ohne\x01 Anmeldung\u2028bitte\r\nklingeln", location="Raum\x7f 4"
    )

    response = client.get(reverse("teams:municipality_calendar", args=[backnang.pk]))

    text = response.content.decode().replace("\r\n ", "")  # unfolded
    assert "Grundschule Süd" in text
    assert "Ohne Anmeldungbitte\\nklingeln" in text
    assert "Raum 4" in text
    assert CONTROL.findall(text.replace("\r\n", "")) == []
