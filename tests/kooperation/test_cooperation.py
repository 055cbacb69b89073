import datetime

import pghistory.models
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kooperation.models import Cooperation, CooperationStatus, CooperationStep
from kooperation.services import Step, cooperation_record_step

D = datetime.date


def today():
    return timezone.localdate()


def step(status, **kwargs):
    return Step(status=status, on=kwargs.pop("on", today()), **kwargs)


def test_first_step_creates_the_cooperation_with_history(school_backnang, fachkraft):
    cooperation = cooperation_record_step(
        partner=school_backnang,
        step=step(CooperationStatus.INITIATED, note="Erstgespräch", responsible=fachkraft),
        user=fachkraft,
    )

    assert (cooperation.status, cooperation.since, cooperation.responsible) == (
        "initiated",
        today(),
        fachkraft,
    )
    assert list(
        cooperation.steps.values_list("previous_status", "status", "note", "recorded_by")
    ) == [("", "initiated", "Erstgespräch", fachkraft.pk)]


def test_status_change_is_kept_with_who_and_when(cooperation_backnang, fachkraft):
    cooperation_record_step(
        partner=cooperation_backnang.partner,
        step=step(
            CooperationStatus.AGREED, agreement_date=today(), next_step="Sprechstunde planen"
        ),
        user=fachkraft,
    )

    cooperation_backnang.refresh_from_db()
    assert (cooperation_backnang.status, cooperation_backnang.since) == ("agreed", today())
    assert cooperation_backnang.next_step == "Sprechstunde planen"
    latest = CooperationStep.objects.get(cooperation=cooperation_backnang)
    assert (latest.previous_status, latest.status, latest.recorded_by) == (
        "building",
        "agreed",
        fachkraft,
    )


def test_same_status_updates_next_step_without_history(cooperation_backnang, fachkraft):
    cooperation_record_step(
        partner=cooperation_backnang.partner,
        step=step(
            CooperationStatus.BUILDING, next_step="Neuer Schritt", next_step_due=D(2027, 1, 10)
        ),
        user=fachkraft,
    )

    cooperation_backnang.refresh_from_db()
    assert (cooperation_backnang.next_step, cooperation_backnang.next_step_due) == (
        "Neuer Schritt",
        D(2027, 1, 10),
    )
    assert cooperation_backnang.since == D(2026, 3, 1)
    assert not CooperationStep.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"status": "agreed"},
            "agreement_date",
            "Eine vereinbarte Kooperation braucht das Datum der schriftlichen Vereinbarung.",
        ),
        (
            {"status": "active", "on": D(2030, 1, 1)},
            "on",
            "Das Datum eines Schritts kann nicht in der Zukunft liegen.",
        ),
        (
            {"status": "active", "on": D(2026, 1, 1)},
            "on",
            "Der aktuelle Status gilt seit 01.03.2026; ein neuer Schritt kann nicht früher liegen.",
        ),
        (
            {"status": "ended", "next_step": "weiter"},
            "next_step",
            "Eine beendete Kooperation hat keinen nächsten Schritt.",
        ),
        (
            {"status": "building", "next_step_due": D(2027, 1, 1)},
            "next_step",
            "Beschreiben Sie den nächsten Schritt, der zu diesem Datum fällig ist.",
        ),
    ],
    ids=[
        "agreed-without-date",
        "future",
        "before-current",
        "ended-with-next-step",
        "due-without-step",
    ],
)
def test_bad_step_is_refused_and_changes_nothing(
    cooperation_backnang, fachkraft, kwargs, field, message
):
    kwargs.setdefault("on", today())

    with pytest.raises(ValidationError) as error:
        cooperation_record_step(
            partner=cooperation_backnang.partner, step=Step(**kwargs), user=fachkraft
        )

    assert error.value.message_dict[field] == [message]
    assert Cooperation.objects.get().status == "building"
    assert not CooperationStep.objects.exists()


def test_step_form_shows_errors_at_the_field(client_for, fachkraft, cooperation_backnang):
    response = client_for(fachkraft).post(
        reverse("kooperation:cooperation_step", args=[cooperation_backnang.partner.pk]),
        {"status": "agreed", "on": today().isoformat(), "version": cooperation_backnang.version},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["agreement_date"] == [
        "Eine vereinbarte Kooperation braucht das Datum der schriftlichen Vereinbarung."
    ]
    assert Cooperation.objects.get().status == "building"


def test_step_saved_meanwhile_by_someone_else_is_refused_with_409(
    client_for, fachkraft, teamleitung, cooperation_backnang
):
    stale_version = cooperation_backnang.version
    cooperation_record_step(
        partner=cooperation_backnang.partner,
        step=step(CooperationStatus.BUILDING, next_step="Schritt der Teamleitung"),
        user=teamleitung,
    )

    response = client_for(fachkraft).post(
        reverse("kooperation:cooperation_step", args=[cooperation_backnang.partner.pk]),
        {
            "status": "active",
            "on": today().isoformat(),
            "next_step": "Mein Schritt",
            "version": stale_version,
        },
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Tobias Teamleitung hat diesen Datensatz" in content
    assert 'value="Mein Schritt"' in content
    assert Cooperation.objects.get().next_step == "Schritt der Teamleitung"


def test_cooperation_changes_are_in_the_audit_trail(school_backnang, fachkraft):
    with pghistory.context(user=fachkraft.pk):
        cooperation_record_step(partner=school_backnang, step=step("initiated"), user=fachkraft)

    events = pghistory.models.Events.objects.filter(pgh_model="kooperation.CooperationEvent")
    assert [(e.pgh_label, e.pgh_context["user"]) for e in events] == [("insert", fachkraft.pk)]
