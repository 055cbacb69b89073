"""A create form sent twice (a retry after an error, a double tap, a browser resend) creates one
record: every create form carries a one-time token, and the second submission is sent to the
record the first one created with "Dieser Eintrag wurde bereits gespeichert."
"""

import datetime
import threading
import uuid

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from kooperation.models import Body, ContactPerson, CooperationStep, Partner, PartnerKind
from sozialraum.admin import ConflictSafeAdmin
from sozialraum.concurrency import TOKEN_LIFETIME, submission_tokens_delete_expired
from sozialraum.models import MiddleArea, Municipality, SubmissionToken, Team, User
from teams.models import Activity, ClosurePeriod, ConsultationHour, Project, Topic
from tests.sozialraum.test_conflicts import page_form, signed_in

ALREADY_SAVED = "This entry has already been saved."


def already_saved_text() -> str:
    with translation.override("de"):
        return gettext(ALREADY_SAVED)


def backnang():
    return Municipality.objects.get(name="Backnang")


def team_backnang():
    return Team.objects.get(name="Backnang")


def venue():
    return Partner.objects.get_or_create(
        name="Grundschule Backnang-Süd",
        defaults={"kind": PartnerKind.SCHOOL, "municipality": backnang(), "address": "Weg 1"},
    )[0]


# Each create form: (url, who fills it in, the model it creates, the input a person types).
CREATE_FORMS = {
    "activity": (
        lambda: reverse("teams:activity_create"),
        "fachkraft",
        Activity,
        lambda: {
            "kind": "community",
            "team": team_backnang().pk,
            "municipality": backnang().pk,
            "start_time": "10:00",
            "end_time": "12:00",
        },
    ),
    "partner": (
        lambda: reverse("kooperation:partner_create"),
        "fachkraft",
        Partner,
        lambda: {
            "name": "Jugendhaus Mitte",
            "kind": PartnerKind.YOUTH_HOUSE,
            "municipality": backnang().pk,
            "address": "Am Markt 1",
        },
    ),
    "contact": (
        lambda: reverse("kooperation:contact_create", args=[venue().pk]),
        "fachkraft",
        ContactPerson,
        lambda: {"name": "Frau Berger", "function": "Schulleitung"},
    ),
    "cooperation": (
        lambda: reverse("kooperation:cooperation_step", args=[venue().pk]),
        "fachkraft",
        CooperationStep,
        lambda: {"status": "initiated", "on": timezone.localdate().isoformat()},
    ),
    "body": (
        lambda: reverse("kooperation:body_create"),
        "fachkraft",
        Body,
        lambda: {"name": "Runder Tisch", "kind": "round_table", "municipality": backnang().pk},
    ),
    "series": (
        lambda: reverse("teams:consultationhour_create"),
        "teamleitung",
        ConsultationHour,
        lambda: {
            "team": team_backnang().pk,
            "municipality": backnang().pk,
            "venue": venue().pk,
            "pattern": "weekly",
            "weekday": "1",
        },
    ),
    "project": (
        lambda: reverse("teams:project_create"),
        "fachkraft",
        Project,
        lambda: {"title": "Ferienprogramm", "team": team_backnang().pk, "status": "planned"},
    ),
    "user": (
        lambda: reverse("sozialraum:user_create"),
        "admin",
        User,
        lambda: {
            "username": "neu",
            "password1": "Sonnenblume-am-Bahnhof-17",
            "password2": "Sonnenblume-am-Bahnhof-17",
        },
    ),
    "team": (
        lambda: reverse("sozialraum:team_create"),
        "admin",
        Team,
        lambda: {"name": "Neues Team", "middle_area": MiddleArea.objects.first().pk},
    ),
    "admin-topic": (
        lambda: reverse("admin:teams_topic_add"),
        "admin",
        Topic,
        lambda: {"name": "Familie"},
    ),
    "admin-closure": (
        lambda: reverse("admin:teams_closureperiod_add"),
        "admin",
        ClosurePeriod,
        lambda: {"name": "Sommerferien", "start": "2026-07-30", "end": "2026-09-12"},
    ),
    "admin-middle-area": (
        lambda: reverse("admin:sozialraum_middlearea_add"),
        "admin",
        MiddleArea,
        lambda: {"name": "Neuer Mittelbereich"},
    ),
}


def filled_form(client, name) -> tuple[str, dict]:
    url, _user, _model, typed = CREATE_FORMS[name]
    page = client.get(url())
    data = page_form(page, "submission_token")
    data.update({key: [str(value)] for key, value in typed().items()})
    return url(), data


@pytest.mark.parametrize("name", CREATE_FORMS)
def test_the_same_create_sent_twice_creates_one_record(demo_users, name):
    _url, username, model, _typed = CREATE_FORMS[name]
    client = signed_in(demo_users[username])
    url, data = filled_form(client, name)
    before = model.objects.count()

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == 302, first.content.decode()[:3000]
    assert model.objects.count() == before + 1
    assert (second.status_code, second.url) == (302, first.url)
    assert [str(m) for m in get_messages(second.wsgi_request)][-1] == already_saved_text()


@pytest.mark.parametrize("name", CREATE_FORMS)
def test_two_renderings_of_a_create_form_carry_different_tokens(demo_users, name):
    url, username, _model, _typed = CREATE_FORMS[name]
    client = signed_in(demo_users[username])

    tokens = {page_form(client.get(url()), "submission_token")["submission_token"][0] for _ in "ab"}

    assert len(tokens) == 2
    assert all(uuid.UUID(token) for token in tokens)


ADMIN_ADDABLE = [
    model
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, ConflictSafeAdmin)
]


@pytest.mark.parametrize("model", ADMIN_ADDABLE, ids=lambda model: model._meta.label)
def test_every_admin_add_form_carries_a_token(client_for, demo_users, model):
    response = client_for(demo_users["admin"]).get(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    )

    if response.status_code == 403:  # added on their own pages (assignments, activities)
        return
    assert uuid.UUID(page_form(response, "submission_token")["submission_token"][0])


def test_a_refused_create_keeps_the_token_for_the_corrected_input(demo_users):
    client = signed_in(demo_users["fachkraft"])
    url, data = filled_form(client, "project")

    refused = client.post(url, {**data, "title": ""})
    saved = client.post(url, data)

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert Project.objects.filter(title="Ferienprogramm").count() == 1


def test_without_a_token_every_submission_creates(demo_users):
    """Clients that send no token (none of our forms) get no check."""
    client = signed_in(demo_users["fachkraft"])
    url, data = filled_form(client, "project")
    data.pop("submission_token")

    client.post(url, data)
    client.post(url, data)

    assert Project.objects.filter(title="Ferienprogramm").count() == 2


def test_another_persons_token_creates_nothing_and_reveals_nothing(demo_users):
    url, data = filled_form(signed_in(demo_users["fachkraft"]), "project")
    signed_in(demo_users["fachkraft"]).post(url, data)
    other = signed_in(demo_users["teamleitung"])

    response = other.post(url, data)

    assert Project.objects.filter(title="Ferienprogramm").count() == 1
    assert response.url == url


def test_tokens_older_than_their_lifetime_are_deleted(demo_users):
    user = demo_users["fachkraft"]
    old, fresh = uuid.uuid4(), uuid.uuid4()
    SubmissionToken.objects.create(token=old, user=user)
    SubmissionToken.objects.create(token=fresh, user=user)
    SubmissionToken.objects.filter(pk=old).update(
        created_at=timezone.now() - TOKEN_LIFETIME - datetime.timedelta(minutes=1)
    )

    deleted = submission_tokens_delete_expired()

    assert deleted == 1
    assert list(SubmissionToken.objects.values_list("pk", flat=True)) == [fresh]


def test_a_create_deletes_the_expired_tokens(demo_users):
    user = demo_users["fachkraft"]
    SubmissionToken.objects.create(token=uuid.uuid4(), user=user)
    SubmissionToken.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    client = signed_in(user)
    url, data = filled_form(client, "project")

    client.post(url, data)

    assert list(SubmissionToken.objects.values_list("token", flat=True)) == [
        uuid.UUID(data["submission_token"][0])
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["activity", "user"])
def test_the_same_create_sent_twice_at_once_creates_one_record(demo_users, name):
    """Two submissions racing each other: the second waits for the first's token row and
    then finds it."""
    _url, username, model, _typed = CREATE_FORMS[name]
    url, data = filled_form(signed_in(demo_users[username]), name)
    before = model.objects.count()
    barrier = threading.Barrier(2)
    responses = []

    def submit():
        client = signed_in(demo_users[username])
        barrier.wait()
        try:
            responses.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert model.objects.count() == before + 1
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].url == responses[1].url
