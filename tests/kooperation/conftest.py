import datetime

import pytest

from kooperation.models import Cooperation, CooperationStatus, Partner, PartnerKind


@pytest.fixture
def youth_house_korb(korb):
    return Partner.objects.create(
        name="Jugendhaus Korb", kind=PartnerKind.YOUTH_HOUSE, municipality=korb
    )


@pytest.fixture
def network_partner(district):
    """A district-wide partner."""
    return Partner.objects.create(
        name="Koordinierungsstelle Frühe Hilfen", kind=PartnerKind.EARLY_HELP
    )


@pytest.fixture
def cooperation_backnang(school_backnang, fachkraft):
    return Cooperation.objects.create(
        partner=school_backnang,
        status=CooperationStatus.BUILDING,
        since=datetime.date(2026, 3, 1),
        responsible=fachkraft,
        next_step="Termin mit der Schulleitung",
        next_step_due=datetime.date(2026, 12, 1),
    )
