"""Two people saving the same record: the second save, made from an outdated copy, is refused
with 409 and the German conflict page that keeps the input; the first one's change stays.

Every edit form of the application and every change form of the Django admin (parametrised over
``admin.site._registry``) is opened twice and saved twice, as a browser would: the test submits
exactly the fields the page renders.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from kooperation.models import Body, ContactPerson, Cooperation, Partner, PartnerKind
from sozialraum.admin import ConflictSafeAdmin
from sozialraum.concurrency import STALE_MESSAGE, fingerprint
from sozialraum.models import Membership, MiddleArea, Municipality, Team, User
from sozialraum.permissions import GROUP_ADMINISTRATION
from teams.models import (
    Activity,
    ClosurePeriod,
    ConsultationHour,
    Project,
    TeamMonthReview,
    Topic,
)
from teams.recurrence import build_rrule

# --- A browser's view of a page's forms ----------------------------------------------------


class FormParser(HTMLParser):
    """The forms of a page with the values a browser would submit (no submit buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._options: list = []
        self._textarea = None

    @property
    def _fields(self):
        return self.forms[-1]["fields"] if self.forms else []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": a, "fields": []})
        elif not self.forms or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields.append((a["name"], a.get("value", "on")))
                return
            self._fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a)
            self._options = []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            self._fields.append((name, value.removeprefix("\n")))
            self._textarea = None


def page_form(response, containing: str) -> dict[str, list[str]]:
    """The POST data of the page's form that has a field named ``containing``."""
    parser = FormParser()
    parser.feed(response.content.decode())
    for form in parser.forms:
        names = [name for name, _value in form["fields"]]
        if containing in names:
            data: dict[str, list[str]] = {}
            for name, value in form["fields"]:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"no form with a field {containing!r} on the page")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def conflict_text() -> str:
    with translation.override("de"):
        return escape(str(STALE_MESSAGE))


# --- The Django admin: every registered model -----------------------------------------------

D = datetime.date


def _partner(name="Jugendhaus Backnang"):
    return Partner.objects.create(
        name=name,
        kind=PartnerKind.YOUTH_HOUSE,
        municipality=Municipality.objects.get(name="Backnang"),
        address="Am Markt 1, 71522 Backnang",
    )


def _series():
    return ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=Municipality.objects.get(name="Backnang"),
        venue=_partner("Grundschule Backnang-Süd"),
        location="Raum 3",
        rrule=build_rrule(pattern="weekly", weekday=1, interval=1, nth=1),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(16, 0),
        valid_from=D(2026, 1, 1),
    )


def _activity():
    return Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=Municipality.objects.get(name="Backnang"),
        kind="community",
        date=timezone.localdate(),
        status="held",
        note="Stadtteilfest",
    )


# One record per registered model whose page the test opens. The district (middle areas,
# municipalities, teams, assignments) is loaded by the fixture; a model added to the admin
# without a builder here makes its test fail with the reason.
BUILDERS = {
    MiddleArea: lambda: MiddleArea.objects.order_by("pk").first(),
    Municipality: lambda: Municipality.objects.get(name="Backnang"),
    Team: lambda: Team.objects.get(name="Backnang"),
    "sozialraum.Assignment": lambda: Team.objects.get(name="Backnang").assignments.first(),
    Topic: lambda: Topic.objects.create(name="Familie und Erziehung"),
    ClosurePeriod: lambda: ClosurePeriod.objects.create(
        name="Herbstferien 2026", start=D(2026, 10, 26), end=D(2026, 10, 30)
    ),
    ConsultationHour: _series,
    Project: lambda: Project.objects.create(
        title="Jugendbeteiligung", team=Team.objects.get(name="Backnang")
    ),
    Activity: _activity,
    TeamMonthReview: lambda: TeamMonthReview.objects.create(
        team=Team.objects.get(name="Backnang"), month=D(2026, 1, 1), comment="Geprüft"
    ),
    Partner: _partner,
    Cooperation: lambda: Cooperation.objects.create(
        partner=_partner(), status="initiated", since=D(2026, 1, 1), next_step="Anrufen"
    ),
    Body: lambda: Body.objects.create(name="Runder Tisch Backnang", kind="round_table"),
}
# The field each admin test changes: a text field where the model has one, else a flag.
TEXT_FIELDS = ["name", "title", "location", "next_step", "comment", "note", "rhythm_note"]
FLAGS = ["is_example", "is_active", "is_public"]


def _builder(model):
    return BUILDERS.get(model) or BUILDERS.get(model._meta.label)


REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
CONFLICT_SAFE = [m for m in REGISTERED if isinstance(admin.site._registry[m], ConflictSafeAdmin)]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_that_changes_records_is_conflict_safe(rf, demo_users, model):
    """Our ModelAdmins derive from ``MasterDataAdmin``; a third-party one (django-axes,
    procrastinate) may stay only if it changes nothing for Administration."""
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = demo_users["admin"]
    editable = set(model_admin.get_form(request, None, change=True).base_fields) - set(
        model_admin.get_readonly_fields(request)
    )

    assert isinstance(model_admin, ConflictSafeAdmin) or not (
        editable and model_admin.has_change_permission(request)
    )


@pytest.mark.parametrize("model", CONFLICT_SAFE, ids=lambda model: model._meta.label)
def test_admin_change_form_refuses_a_stale_save(demo_users, model):
    builder = _builder(model)
    assert builder, f"add a builder for {model._meta.label} to BUILDERS"
    obj = builder()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(demo_users["admin"])
    page_first, page_second = first.get(url), second.get(url)
    data_first = page_form(page_first, "fingerprint")
    data_second = page_form(page_second, "fingerprint")
    field, value_first = _change_field(obj, data_first, "A")
    _field, value_second = _change_field(obj, data_second, "B")

    saved = first.post(url, data_first)
    refused = second.post(url, data_second)

    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert refused.status_code == 409
    content = refused.content.decode()
    assert conflict_text() in content
    if value_first != value_second:
        assert 'id="conflict"' in content  # the current value that differs from the input
    assert _stored(obj, field) == _stored_value(obj, field, value_first)
    if value_second:
        assert escape(value_second) in content  # the input is kept


def _change_field(obj, data, suffix):
    for name in TEXT_FIELDS:
        if name in data:
            data[name] = [f"{data[name][0]} {suffix}"]
            return name, data[name][0]
    for name in FLAGS:
        if hasattr(obj, name) and name in data:
            data.pop(name)
            return name, ""
        if hasattr(obj, name):
            data[name] = ["on"]
            return name, "on"
    raise AssertionError(f"no field to change in {sorted(data)}")


def _stored(obj, field):
    return getattr(type(obj).objects.get(pk=obj.pk), field)


def _stored_value(obj, field, value):
    return (value == "on") if field in FLAGS else value


def test_admin_saves_again_after_the_conflict_and_then_keeps_the_second_input(demo_users):
    """The 409 page carries the new fingerprint: saving it again is a deliberate overwrite."""
    topic = Topic.objects.create(name="Familie")
    url = reverse("admin:teams_topic_change", args=[topic.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(demo_users["admin"])
    data_first = page_form(first.get(url), "fingerprint")
    data_second = page_form(second.get(url), "fingerprint")
    first.post(url, {**data_first, "name": "Familie und Erziehung"})
    refused = second.post(url, {**data_second, "name": "Familie und Schule"})

    again = second.post(url, page_form(refused, "fingerprint"))

    assert again.status_code == 302
    assert Topic.objects.get(pk=topic.pk).name == "Familie und Schule"


def test_admin_conflict_names_the_current_values(demo_users):
    town = Municipality.objects.get(name="Backnang")
    url = reverse("admin:sozialraum_municipality_change", args=[town.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(demo_users["admin"])
    data_first = page_form(first.get(url), "fingerprint")
    data_second = page_form(second.get(url), "fingerprint")
    first.post(url, {**data_first, "name": "Backnang (Große Kreisstadt)"})

    refused = second.post(url, {**data_second, "name": "Backnang an der Murr"})

    assert refused.status_code == 409
    notice = refused.content.decode().split('id="conflict"')[1].split("</div>")[0]
    assert "Backnang (Große Kreisstadt)" in notice
    assert Municipality.objects.get(pk=town.pk).name == "Backnang (Große Kreisstadt)"


def test_admin_change_of_an_inline_row_counts_as_a_change(demo_users):
    """The fingerprint covers the inline rows: a contact person changed by someone else."""
    partner = _partner()
    contact = ContactPerson.objects.create(partner=partner, name="Frau Berger")
    url = reverse("admin:kooperation_partner_change", args=[partner.pk])
    stale = page_form(signed_in(demo_users["admin"]).get(url), "fingerprint")
    ContactPerson.objects.filter(pk=contact.pk).update(function="Leitung")

    refused = signed_in(demo_users["admin"]).post(url, stale)

    assert refused.status_code == 409
    assert ContactPerson.objects.get(pk=contact.pk).function == "Leitung"


def test_admin_save_counts_up_the_version_of_a_versioned_record(demo_users):
    """An admin save is seen by the application's own version check."""
    partner = _partner()
    url = reverse("admin:kooperation_partner_change", args=[partner.pk])
    client = signed_in(demo_users["admin"])

    client.post(url, {**page_form(client.get(url), "fingerprint"), "name": "Jugendhaus Mitte"})

    partner.refresh_from_db()
    assert (partner.version, partner.updated_by) == (2, demo_users["admin"])


# --- Users and roles ------------------------------------------------------------------------


@pytest.fixture
def second_admin(demo_users):
    user = User.objects.create_user("admin2", password="ein-langes-passwort", is_staff=True)
    user.groups.add(Group.objects.get(name=GROUP_ADMINISTRATION))
    return user


def test_user_form_saved_from_an_older_copy_does_not_restore_a_removed_membership(
    demo_users, second_admin
):
    """The case of the report: one administrator removed a team membership, a second saving
    an older copy of the form silently restored it."""
    fachkraft = demo_users["fachkraft"]
    backnang = Team.objects.get(name="Backnang")
    url = reverse("sozialraum:user_update", args=[fachkraft.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(second_admin)
    data_first = page_form(first.get(url), "fingerprint")
    data_second = page_form(second.get(url), "fingerprint")
    data_first[f"team_{backnang.pk}"] = [""]
    data_second["first_name"] = ["Franziska"]

    saved = first.post(url, data_first)
    refused = second.post(url, data_second)

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert not Membership.objects.filter(user=fachkraft, team=backnang).exists()
    fachkraft.refresh_from_db()
    assert fachkraft.first_name != "Franziska"
    content = refused.content.decode()
    assert conflict_text() in content
    assert 'value="Franziska"' in content
    notice = content.split('id="conflict"')[1].split("</div>")[0]
    assert "Backnang" in notice


def test_user_form_saved_again_after_the_conflict_keeps_all_of_the_second_input(
    demo_users, second_admin
):
    fachkraft = demo_users["fachkraft"]
    url = reverse("sozialraum:user_update", args=[fachkraft.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(second_admin)
    data_first = page_form(first.get(url), "fingerprint")
    data_second = page_form(second.get(url), "fingerprint")
    first.post(url, {**data_first, "email": "fk@example.org"})
    refused = second.post(url, {**data_second, "first_name": "Franziska"})

    again = second.post(url, page_form(refused, "fingerprint"))

    fachkraft.refresh_from_db()
    assert again.status_code == 302
    assert (fachkraft.first_name, fachkraft.email) == ("Franziska", data_second["email"][0])


def test_a_sign_in_of_the_user_is_no_conflict(demo_users):
    fachkraft = demo_users["fachkraft"]
    url = reverse("sozialraum:user_update", args=[fachkraft.pk])
    client = signed_in(demo_users["admin"])
    data = page_form(client.get(url), "fingerprint")
    fachkraft.last_login = timezone.now()
    fachkraft.save(update_fields=["last_login"])

    response = client.post(url, {**data, "first_name": "Franziska"})

    assert response.status_code == 302


def test_password_set_meanwhile_refuses_the_second(demo_users, second_admin):
    fachkraft = demo_users["fachkraft"]
    url = reverse("sozialraum:user_password", args=[fachkraft.pk])
    first, second = signed_in(demo_users["admin"]), signed_in(second_admin)
    data_first = page_form(first.get(url), "fingerprint")
    data_second = page_form(second.get(url), "fingerprint")
    passwords = {"new_password1": ["Sonnenblume-am-Bahnhof-17"]}
    passwords["new_password2"] = passwords["new_password1"]

    saved = first.post(url, {**data_first, **passwords})
    refused = second.post(
        url,
        {
            **data_second,
            "new_password1": "Kirschbaum-im-Hof-22",
            "new_password2": "Kirschbaum-im-Hof-22",
        },
    )

    assert saved.status_code == 302
    assert refused.status_code == 409
    fachkraft.refresh_from_db()
    assert fachkraft.check_password("Sonnenblume-am-Bahnhof-17")
    assert conflict_text() in refused.content.decode()


@pytest.mark.parametrize("action", ["user_deactivate", "user_activate"])
def test_status_change_confirmed_on_an_outdated_page_is_refused(demo_users, action):
    fachkraft = demo_users["fachkraft"]
    if action == "user_activate":
        User.objects.filter(pk=fachkraft.pk).update(is_active=False)
    url = reverse(f"sozialraum:{action}", args=[fachkraft.pk])
    client = signed_in(demo_users["admin"])
    stale = page_form(client.get(url), "fingerprint")
    Membership.objects.filter(user=fachkraft).delete()  # someone else changes the roles

    refused = client.post(url, stale)
    confirmed = client.post(url, page_form(refused, "fingerprint"))

    assert refused.status_code == 409
    assert 'id="conflict"' in refused.content.decode()
    assert confirmed.status_code == 302
    fachkraft.refresh_from_db()
    assert fachkraft.is_active is (action == "user_activate")


def test_user_fingerprint_covers_roles_and_personal_data(demo_users):
    fachkraft = User.objects.prefetch_related("memberships", "headships", "groups").get(
        username="fachkraft"
    )
    before = fingerprint(fachkraft)

    fachkraft.headships.create(middle_area=MiddleArea.objects.first())
    after_headship = fingerprint(User.objects.get(pk=fachkraft.pk))
    Membership.objects.filter(user=fachkraft).update(role=Membership.Role.LEAD)
    after_role = fingerprint(User.objects.get(pk=fachkraft.pk))
    fachkraft.groups.add(Group.objects.get(name=GROUP_ADMINISTRATION))
    after_group = fingerprint(User.objects.get(pk=fachkraft.pk))

    assert len({before, after_headship, after_role, after_group}) == 4


# --- Teams and the application's own edit forms ---------------------------------------------


def _contact():
    return ContactPerson.objects.create(partner=_partner(), name="Frau Berger")


def _cooperation_partner():
    partner = _partner()
    Cooperation.objects.create(partner=partner, status="initiated", since=D(2026, 1, 1))
    return partner


def _body():
    return Body.objects.create(
        name="Runder Tisch Backnang",
        kind="round_table",
        municipality=Municipality.objects.get(name="Backnang"),
    )


def _project():
    return Project.objects.create(title="Jugendbeteiligung", team=Team.objects.get(name="Backnang"))


# (url name, builder, signed-in user, the text field both change); users: see above.
EDIT_FORMS = [
    ("sozialraum:team_update", lambda: Team.objects.get(name="Backnang"), "admin", "phone"),
    ("kooperation:contact_update", _contact, "fachkraft", "function"),
    ("kooperation:partner_update", _partner, "fachkraft", "address"),
    ("kooperation:cooperation_step", _cooperation_partner, "fachkraft", "next_step"),
    ("kooperation:body_update", _body, "fachkraft", "rhythm_note"),
    ("teams:activity_update", _activity, "fachkraft", "note"),
    ("teams:consultationhour_update", _series, "teamleitung", "location"),
    ("teams:project_update", _project, "fachkraft", "goals"),
]


@pytest.mark.parametrize(
    ("url_name", "build", "username", "field"),
    [pytest.param(*case, id=case[0]) for case in EDIT_FORMS],
)
def test_edit_form_refuses_a_stale_save(demo_users, url_name, build, username, field):
    obj = build()
    url = reverse(url_name, args=[obj.pk])
    user = demo_users[username]
    first, second = signed_in(user), signed_in(user)
    page_first, page_second = first.get(url), second.get(url)
    marker = "fingerprint" if 'name="fingerprint"' in page_first.content.decode() else "version"
    data_first, data_second = page_form(page_first, marker), page_form(page_second, marker)
    data_first[field], data_second[field] = ["Erste Fassung"], ["Zweite Fassung"]

    saved = first.post(url, data_first)
    refused = second.post(url, data_second)

    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert refused.status_code == 409
    content = refused.content.decode()
    assert "Zweite Fassung" in content
    assert "Erste Fassung" in content.split('id="conflict"')[1].split("</div>")[0]
    stored = _reload(obj)
    assert getattr(stored, field) == "Erste Fassung"


def _reload(obj):
    if isinstance(obj, Partner) and hasattr(obj, "cooperation"):
        return Cooperation.objects.get(partner=obj)
    return type(obj).objects.get(pk=obj.pk)


# --- The admin's change list: editable columns ------------------------------------------------


def _population_of(client, municipality) -> tuple[Client, dict]:
    url = reverse("admin:sozialraum_municipality_changelist")
    data = page_form(client.get(url), "form-TOTAL_FORMS")
    row = next(
        key.removesuffix("-id")
        for key, values in data.items()
        if key.endswith("-id") and values == [str(municipality.pk)]
    )
    return url, data, row


def test_admin_change_list_refuses_a_stale_row_and_keeps_the_first_save(demo_users):
    backnang = Municipality.objects.get(name="Backnang")
    first, second = signed_in(demo_users["admin"]), signed_in(demo_users["admin"])
    url, data_first, row = _population_of(first, backnang)
    _url, data_second, _row = _population_of(second, backnang)
    data_first[f"{row}-population"] = ["40001"]
    data_second[f"{row}-population"] = ["39999"]

    saved = first.post(url, {**data_first, "_save": "Sichern"})
    refused = second.post(url, {**data_second, "_save": "Sichern"})

    backnang.refresh_from_db()
    assert saved.status_code == 302
    assert refused.status_code == 409
    assert backnang.population == 40001
    page = refused.content.decode()
    assert "Backnang" in page and 'value="39999"' in page


def test_admin_change_list_saves_an_unchanged_row_without_conflict(demo_users):
    backnang = Municipality.objects.get(name="Backnang")
    client = signed_in(demo_users["admin"])
    url, data, row = _population_of(client, backnang)
    data[f"{row}-population"] = ["40002"]

    response = client.post(url, {**data, "_save": "Sichern"})

    backnang.refresh_from_db()
    assert response.status_code == 302
    assert backnang.population == 40002
