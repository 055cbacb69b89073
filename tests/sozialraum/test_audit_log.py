"""The audit trail page (/verwaltung/protokoll/): who changed which record when, before and
after; filters; read-only; only for the Amtsleitung and Administration."""

import datetime

import pghistory
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from pghistory.models import Context

from kooperation.models import ContactPerson, Partner, PartnerKind
from sozialraum import audit_log
from sozialraum.models import Assignment, Municipality, Team, User, UserGroupEvent
from sozialraum.text import german_sort_key
from sozialraum.views.audit import DENIED
from teams.models import Activity, Topic
from tests.kooperation.forms_data import partner_data

URL = reverse("sozialraum:audit_list")
D = datetime.date


def label(model, field: str) -> str:
    return capfirst(str(model._meta.get_field(field).verbose_name))


def changes(entry) -> list[tuple[str, str, str]]:
    return [(change.field, change.before, change.after) for change in entry.changes]


def snapshot(entry) -> dict[str, str]:
    return {change.field: change.value for change in entry.changes}


def history(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def at(year, month, day, hour=12, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


# --- What a row shows --------------------------------------------------------------------------


def test_partner_edited_through_its_page_shows_user_kind_before_and_after(
    client_for, fachkraft, administration, school_backnang
):
    client_for(fachkraft).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, address="Schulstraße 5, 71522 Backnang"),
    )

    response = history(
        client_for(administration), model="kooperation.partner", obj=school_backnang.pk
    )

    latest = response.context["entries"][0]
    assert (latest.action, latest.who, latest.kind.key, latest.record) == (
        "update",
        "Friederike Fachkraft",
        "kooperation.partner",
        "Grundschule Backnang-Süd",
    )
    assert latest.url == reverse("kooperation:partner_update", args=[school_backnang.pk])
    assert changes(latest) == [
        (
            label(Partner, "address"),
            "Schulstraße 3, 71522 Backnang",
            "Schulstraße 5, 71522 Backnang",
        )
    ]
    html = response.content.decode()
    assert f'id="{latest.anchor}"' in html
    assert '<td class="text-break audit-before">Schulstraße 3, 71522 Backnang</td>' in html
    assert '<td class="text-break audit-after">Schulstraße 5, 71522 Backnang</td>' in html


def test_created_record_lists_its_first_values_readably(client_for, administration, korb):
    team = Team.objects.get(name="Winnenden")
    Assignment.objects.filter(municipality=korb).update(valid_until=D(2026, 1, 31))
    with pghistory.context(user=administration.pk):
        created = Assignment.objects.create(
            municipality=korb, team=team, valid_from=D(2026, 2, 1), is_example=True
        )

    response = history(client_for(administration), model="sozialraum.assignment", obj=created.pk)

    (entry,) = response.context["entries"]
    assert (entry.action, entry.who, entry.record, entry.record_exists) == (
        "insert",
        "Adrian Administration",
        str(created),
        True,
    )
    # Foreign keys by name, dates in German, yes/no; empty fields are left out.
    assert snapshot(entry) == {
        label(Assignment, "municipality"): "Korb",
        label(Assignment, "team"): "Winnenden",
        label(Assignment, "valid_from"): "01.02.2026",
        label(Assignment, "is_example"): _("yes"),
    }


def test_deleted_record_shows_its_last_values_and_its_number(client_for, administration):
    with pghistory.context(user=administration.pk):
        partner = Partner.objects.create(name="Jugendtreff Nord", kind=PartnerKind.YOUTH_HOUSE)
        pk = partner.pk
        partner.delete()

    response = history(client_for(administration), model="kooperation.partner", obj=pk)

    deleted, created = response.context["entries"]
    assert (deleted.action, created.action) == ("delete", "insert")
    assert (deleted.record, deleted.record_exists) == (f"#{pk}", False)
    assert snapshot(deleted)[label(Partner, "name")] == "Jugendtreff Nord"
    assert snapshot(deleted)[label(Partner, "is_active")] == _("yes")
    assert response.context["record"]["name"] == f"#{pk}"


def test_activity_note_is_shown_as_stored_and_escaped(client_for, administration, backnang):
    with pghistory.context(user=administration.pk):
        activity = Activity.objects.create(
            kind=Activity.Kind.EVENT,
            date=D(2026, 3, 4),
            team=Team.objects.get(name="Backnang"),
            municipality=backnang,
            note="Treffen <Jugendhaus> & Schule",
        )

    response = history(client_for(administration), model="teams.activity", obj=activity.pk)

    (entry,) = response.context["entries"]
    assert snapshot(entry)[label(Activity, "note")] == "Treffen <Jugendhaus> & Schule"
    assert "Treffen &lt;Jugendhaus&gt; &amp; Schule" in response.content.decode()


def test_commands_and_changes_without_user_are_named(client_for, administration):
    with pghistory.context(command="load_demo"):
        Topic.objects.create(name="Ausbildung")
    # A change without any context (e.g. SQL typed into psql).
    without = Topic.objects.create(name="Freizeit")
    Topic.pgh_event_model.objects.filter(pgh_obj_id=without.pk).update(pgh_context=None)

    response = history(client_for(administration), model="teams.topic")

    who = {entry.record: entry.who for entry in response.context["entries"]}
    assert who == {
        "Ausbildung": _("Command: %(name)s") % {"name": "load_demo"},
        "Freizeit": _("unknown (system)"),
    }


def test_change_by_a_deleted_user_names_the_former_account(client_for, administration):
    former = User.objects.create_user("ehemalig", first_name="Erika", last_name="Ehemalig")
    with pghistory.context(user=former.pk):
        topic = Topic.objects.create(name="Übergang Schule–Beruf")
    former_pk = former.pk
    former.delete()

    response = history(client_for(administration), model="teams.topic", obj=topic.pk)

    (entry,) = response.context["entries"]
    assert entry.who == _("deleted user %(number)s") % {"number": f"#{former_pk}"}


def test_role_group_change_names_user_and_group(client_for, administration, fachkraft):
    group = Group.objects.get(name="Amtsleitung")
    with pghistory.context(user=administration.pk):
        fachkraft.groups.add(group)
    link = User.groups.through.objects.get(user=fachkraft, group=group)
    assert UserGroupEvent.objects.filter(pgh_obj=link).count() == 1  # written by the trigger

    response = history(client_for(administration), model="sozialraum.user_groups", obj=link.pk)

    (entry,) = response.context["entries"]
    assert (entry.action, entry.record, entry.kind.label) == (
        "insert",
        "Friederike Fachkraft – Amtsleitung",
        _("role group membership"),
    )
    assert sorted(snapshot(entry).values()) == ["Amtsleitung", "Friederike Fachkraft"]


def test_staff_added_to_an_activity_is_in_the_trail(
    client_for, administration, fachkraft, backnang
):
    activity = Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        date=datetime.date(2026, 11, 3),
        kind=Activity.Kind.COMMUNITY,
    )
    with pghistory.context(user=administration.pk):
        activity.staff.add(fachkraft)
        activity.staff.remove(fachkraft)

    response = history(client_for(administration), model="teams.activity_staff")

    removed, added = response.context["entries"]
    assert (added.action, removed.action) == ("insert", "delete")
    assert added.kind.label == _("staff member of an activity")
    assert sorted(snapshot(added).values()) == sorted([str(activity), "Friederike Fachkraft"])
    assert _("staff members of activities") in dict(audit_log.kind_choices()).values()


def test_password_never_appears(client_for, administration, fachkraft):
    events_before = User.pgh_event_model.objects.count()
    with pghistory.context(user=administration.pk):
        fachkraft.set_password("ein-neues-langes-passwort")
        fachkraft.save()

    response = history(client_for(administration), model="sozialraum.user")

    assert User.pgh_event_model.objects.count() == events_before
    assert "password" not in {f.name for f in User.pgh_event_model._meta.fields}
    assert fachkraft.password not in response.content.decode()


def test_bookkeeping_fields_stay_out_of_the_change_table(
    client_for, fachkraft, administration, school_backnang
):
    client_for(fachkraft).post(
        reverse("kooperation:partner_update", args=[school_backnang.pk]),
        partner_data(school_backnang, phone="07191 1234"),
    )

    response = history(
        client_for(administration), model="kooperation.partner", obj=school_backnang.pk
    )

    assert [change.field for change in response.context["entries"][0].changes] == [
        label(Partner, "phone")
    ]


# --- Filters -------------------------------------------------------------------------------------


@pytest.fixture
def changes_by_two(administration, fachkraft, backnang):
    """A partner and its contact person created by the admin (1 March 2026), the partner changed
    by the Fachkraft (11 March, 00:30 local time: still 10 March in UTC), the contact person
    deleted by the admin (20 March 2026)."""
    with pghistory.context(user=administration.pk, url="/partner/neu/"):
        partner = Partner.objects.create(
            name="Jugendhaus Backnang", kind=PartnerKind.YOUTH_HOUSE, municipality=backnang
        )
        contact = ContactPerson.objects.create(partner=partner, name="Frau Beispiel")
    with pghistory.context(user=fachkraft.pk, url="/partner/1/bearbeiten/"):
        partner.phone = "07191 4711"
        partner.save()
    contact_pk = contact.pk
    with pghistory.context(user=administration.pk, url="/partner/1/ansprechperson/"):
        contact.delete()
    partner_events = Partner.pgh_event_model.objects.filter(pgh_obj_id=partner.pk)
    partner_events.filter(pgh_label="insert").update(pgh_created_at=at(2026, 3, 1))
    partner_events.filter(pgh_label="update").update(pgh_created_at=at(2026, 3, 11, 0, 30))
    contact_events = ContactPerson.pgh_event_model.objects.filter(pgh_obj_id=contact_pk)
    contact_events.filter(pgh_label="insert").update(pgh_created_at=at(2026, 3, 1))
    contact_events.filter(pgh_label="delete").update(pgh_created_at=at(2026, 3, 20))
    return partner, contact_pk


def shown(response) -> list[tuple[str, str, str]]:
    return [(e.kind.key, e.action, e.record) for e in response.context["entries"]]


def test_filter_by_kind_lists_only_that_kind(client_for, administration, changes_by_two):
    response = history(client_for(administration), model="kooperation.contactperson")

    assert shown(response) == [
        ("kooperation.contactperson", "delete", f"#{changes_by_two[1]}"),
        ("kooperation.contactperson", "insert", f"#{changes_by_two[1]}"),
    ]
    assert response.context["page_obj"].paginator.count == 2


def test_filter_by_user_lists_only_that_users_changes(
    client_for, administration, fachkraft, changes_by_two
):
    response = history(client_for(administration), user=fachkraft.pk)

    assert shown(response) == [("kooperation.partner", "update", "Jugendhaus Backnang")]


def test_filter_without_user_lists_commands_and_system(client_for, administration, changes_by_two):
    response = history(client_for(administration), user=audit_log.NO_USER)

    entries = response.context["entries"]
    assert entries
    assert {entry.who for entry in entries} <= {
        _("Command: %(name)s") % {"name": "load_district"},
        _("Command: %(name)s") % {"name": "load_demo"},
    }


def test_filter_by_action_lists_only_that_action(client_for, administration, changes_by_two):
    response = history(client_for(administration), action="delete")

    assert shown(response) == [("kooperation.contactperson", "delete", f"#{changes_by_two[1]}")]


PARTNER_CREATED = ("kooperation.partner", "insert")
CONTACT_CREATED = ("kooperation.contactperson", "insert")
PARTNER_CHANGED = ("kooperation.partner", "update")
CONTACT_DELETED = ("kooperation.contactperson", "delete")


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2026-03-01", "2026-03-01", [CONTACT_CREATED, PARTNER_CREATED]),
        ("2026-03-10", "2026-03-10", []),
        ("2026-03-11", "2026-03-11", [PARTNER_CHANGED]),
        ("2026-03-12", "2026-03-20", [CONTACT_DELETED]),
        ("2026-03-02", "2026-03-20", [CONTACT_DELETED, PARTNER_CHANGED]),
    ],
)
def test_filter_by_local_dates_includes_both_days(
    client_for, administration, changes_by_two, date_from, date_to, expected
):
    response = history(client_for(administration), date_from=date_from, date_to=date_to)

    assert sorted((e.kind.key, e.action) for e in response.context["entries"]) == expected


def test_record_filter_shows_exactly_that_records_history(
    client_for, administration, changes_by_two
):
    partner = changes_by_two[0]
    with pghistory.context(user=administration.pk):
        Partner.objects.create(name="Anderer Partner", kind=PartnerKind.OTHER)

    response = history(client_for(administration), model="kooperation.partner", obj=partner.pk)

    assert shown(response) == [
        ("kooperation.partner", "update", "Jugendhaus Backnang"),
        ("kooperation.partner", "insert", "Jugendhaus Backnang"),
    ]
    assert response.context["record"] == {
        "kind": audit_log.audited_kinds()["kooperation.partner"],
        "name": "Jugendhaus Backnang",
    }
    assert 'id="record-filter"' in response.content.decode()


def test_each_row_links_to_the_history_of_its_record(client_for, administration, changes_by_two):
    response = history(client_for(administration), user=administration.pk, action="insert")

    html = response.content.decode()
    partner, contact_pk = changes_by_two
    assert f'href="{URL}?model=kooperation.partner&amp;obj={partner.pk}"' in html
    assert f'href="{URL}?model=kooperation.contactperson&amp;obj={contact_pk}"' in html


def test_newest_first_and_50_per_page(client_for, administration, district):
    response = history(client_for(administration))
    second = history(client_for(administration), page=2)

    times = [entry.when for entry in response.context["entries"]]
    assert len(times) == 50
    assert times == sorted(times, reverse=True)
    every_event = sum(k.event_model.objects.count() for k in audit_log.audited_kinds().values())
    assert response.context["page_obj"].paginator.count == every_event > 50
    first_ids = {e.anchor for e in response.context["entries"]}
    assert first_ids.isdisjoint({e.anchor for e in second.context["entries"]})


def test_kinds_are_every_tracked_model_by_plural_in_german_order():
    choices = audit_log.kind_choices()

    assert ("sozialraum.assignment", str(Assignment._meta.verbose_name_plural)) in choices
    assert ("teams.activity", str(Activity._meta.verbose_name_plural)) in choices
    assert len(choices) == len(audit_log.audited_kinds()) == 30
    labels = [name for _key, name in choices]
    assert labels == sorted(labels, key=german_sort_key)


def test_a_chosen_kind_reads_only_its_own_event_table(client_for, administration, district):
    client = client_for(administration)

    with CaptureQueriesContext(connection) as queries:
        history(client, model="sozialraum.assignment")

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "sozialraum_assignmentevent" in sql
    other_tables = {
        kind.event_model._meta.db_table
        for kind in audit_log.audited_kinds().values()
        if kind.key != "sozialraum.assignment"
    }
    assert [table for table in other_tables if f'"{table}"' in sql] == []


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "31.02.2026"}, "date_from"),
        ({"date_to": "gestern"}, "date_to"),
        ({"model": "sozialraum.unbekannt"}, "model"),
        ({"model": "auth.permission"}, "model"),
        ({"obj": "12"}, "model"),
        ({"model": "kooperation.partner", "obj": "zwölf"}, "obj"),
        ({"user": "999999"}, "user"),
        ({"action": "drop"}, "action"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"model": "kooperation.partner", "obj": "0"}, "obj"),
    ],
)
def test_bad_filter_gets_a_message_next_to_the_field_and_no_list(
    client_for, administration, params, field
):
    response = history(client_for(administration), **params)

    form = response.context["form"]
    assert list(form.errors) == [field]
    assert (response.context["page_obj"], response.context["entries"]) == (None, [])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'id="filter-errors"' in html


def test_page_number_out_of_range_shows_the_last_page(client_for, administration, district):
    response = history(client_for(administration), model="sozialraum.assignment", page="999")

    assert response.context["page_obj"].number == 1
    assert len(response.context["entries"]) == Assignment.pgh_event_model.objects.count()


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "amtsleitung"])
def test_amtsleitung_and_administration_read_the_trail(client_for, demo_users, username):
    response = history(client_for(demo_users[username]))

    assert len(response.context["entries"]) == 50
    assert 'id="audit-entries"' in response.content.decode()


@pytest.mark.parametrize("username", ["fachkraft", "teamleitung", "fbl-backnang", "fbl-waiblingen"])
def test_team_roles_are_refused_with_the_reason(client_for, demo_users, username):
    response = client_for(demo_users[username]).get(URL)

    assert response.status_code == 403
    assert str(DENIED) in response.content.decode()
    assert b"audit-entries" not in response.content


def test_user_without_role_is_refused(client_for, no_role_user):
    response = client_for(no_role_user).get(URL)

    assert response.status_code == 403
    assert str(DENIED) in response.content.decode()


def test_anonymous_is_sent_to_login(client, district):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_trail_cannot_be_written(client_for, administration, method):
    contexts = Context.objects.count()
    events = Partner.pgh_event_model.objects.count()

    response = getattr(client_for(administration), method)(URL, {"model": "kooperation.partner"})

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert (Context.objects.count(), Partner.pgh_event_model.objects.count()) == (contexts, events)


# --- Queries -------------------------------------------------------------------------------------


def make_changes(count: int, user: User, municipality: Municipality) -> None:
    """``count`` partners, each created, changed and given a contact person by ``user``."""
    with pghistory.context(user=user.pk, url="/test/"):
        for n in range(count):
            partner = Partner.objects.create(
                name=f"Partner {n}", kind=PartnerKind.OTHER, municipality=municipality
            )
            partner.address = f"Straße {n}"
            partner.save()
            ContactPerson.objects.create(partner=partner, name=f"Kontakt {n}")


@pytest.mark.parametrize("size", [1, 5])
@pytest.mark.parametrize(
    ("kind", "shown_per_partner", "queries"),
    [("", 3, 15), ("kooperation.partner", 2, 14)],
)
def test_query_count_does_not_grow_with_events(
    client_for,
    administration,
    backnang,
    django_assert_num_queries,
    size,
    kind,
    shown_per_partner,
    queries,
):
    make_changes(size, administration, backnang)
    client = client_for(administration)

    with django_assert_num_queries(queries):
        response = client.get(URL, {"model": kind, "user": administration.pk})

    entries = response.context["entries"]
    assert len(entries) == shown_per_partner * size
    assert {entry.record for entry in entries} >= {f"Partner {n}" for n in range(size)}
