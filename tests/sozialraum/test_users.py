"""The users-and-roles pages of Administration: list, create, edit, password, deactivate.

Only Administration gets in. Nobody gives themselves more rights, and the last active
Administration account can neither lose the role nor be deactivated.
"""

import pghistory.models
import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from sozialraum.accounts.local import Roles, roles_held
from sozialraum.models import Headship, Membership, MiddleArea, Team, User, UserGroupEvent
from sozialraum.permissions import GROUP_ADMINISTRATION, GROUP_AMTSLEITUNG

LIST_URL = reverse("sozialraum:user_list")
CREATE_URL = reverse("sozialraum:user_create")
PASSWORD = "Sonnenblume-am-Bahnhof-17"


def team(name):
    return Team.objects.get(name=name)


def area(name):
    return MiddleArea.objects.get(name=name)


def usernames(response):
    return [user.username for user, _entries in response.context["rows"]]


def field_codes(form, field):
    return [error.code for error in form.errors.as_data().get(field, [])]


def personal(user, **changes):
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        **changes,
    }


def roles_data(user=None, **changes):
    """The roles part of the form as it is rendered for ``user`` (nothing for a new user)."""
    data = {}
    if user is not None:
        held = roles_held(user)
        data.update({f"team_{team_id}": role for team_id, role in held.teams.items()})
        data["middle_areas"] = [str(pk) for pk in sorted(held.middle_areas)]
        if GROUP_AMTSLEITUNG in held.groups:
            data["amtsleitung"] = "on"
        if GROUP_ADMINISTRATION in held.groups:
            data["administration"] = "on"
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def edit_data(user, **changes):
    fields = {k: v for k, v in changes.items() if k in personal(user)}
    roles = {k: v for k, v in changes.items() if k not in fields}
    return {**personal(user, **fields), **roles_data(user, **roles)}


def update_url(user):
    return reverse("sozialraum:user_update", args=[user.pk])


@pytest.fixture
def second_admin(district):
    user = User.objects.create_user("zweite.admin", password=PASSWORD, last_name="Zweite")
    user.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATION)[0])
    return user


# --- Who gets in -----------------------------------------------------------------------------

REFUSED = ["fachkraft", "teamleitung", "fbl-backnang", "fbl-waiblingen", "amtsleitung", "ohnerolle"]


def page_urls(user):
    return {
        "user_list": LIST_URL,
        "user_create": CREATE_URL,
        "user_update": update_url(user),
        "user_password": reverse("sozialraum:user_password", args=[user.pk]),
        "user_deactivate": reverse("sozialraum:user_deactivate", args=[user.pk]),
        "user_activate": reverse("sozialraum:user_activate", args=[user.pk]),
    }


@pytest.fixture
def everyone(demo_users, no_role_user):
    return {**demo_users, no_role_user.username: no_role_user}


@pytest.mark.parametrize("name", list(page_urls(User(pk=1))))
def test_administration_opens_every_page(client_for, everyone, name):
    url = page_urls(everyone["fachkraft"])[name]

    response = client_for(everyone["admin"]).get(url)

    assert response.status_code == 200
    assert response.templates[0].name.startswith("sozialraum/users/")


@pytest.mark.parametrize("username", REFUSED)
@pytest.mark.parametrize("name", list(page_urls(User(pk=1))))
def test_other_roles_are_refused_with_the_reason(client_for, everyone, username, name):
    url = page_urls(everyone["fachkraft"])[name]

    response = client_for(everyone[username]).get(url)

    assert response.status_code == 403
    with translation.override("de"):
        reason = translation.gettext("Only Administration manages users and roles.")
    assert escape(reason) in response.content.decode()


@pytest.mark.parametrize("username", REFUSED)
def test_other_roles_cannot_deactivate_or_create(client_for, everyone, username):
    target = everyone["teamleitung"]
    client = client_for(everyone[username])

    deactivate = client.post(reverse("sozialraum:user_deactivate", args=[target.pk]))
    create = client.post(CREATE_URL, {"username": "eindringling", **passwords()})

    assert (deactivate.status_code, create.status_code) == (403, 403)
    target.refresh_from_db()
    assert target.is_active
    assert not User.objects.filter(username="eindringling").exists()


@pytest.mark.parametrize("name", list(page_urls(User(pk=1))))
def test_anonymous_is_sent_to_login(client, fachkraft, name):
    url = page_urls(fachkraft)[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_retention_placeholder_is_not_managed(client_for, administration):
    placeholder = User.objects.create(username="pseudonym-1", is_pseudonym=True)
    client = client_for(administration)

    edit = client.get(update_url(placeholder))
    listed = client.get(LIST_URL, {"active": "all"})

    assert edit.status_code == 404
    assert "pseudonym-1" not in usernames(listed)


# --- The list --------------------------------------------------------------------------------


def test_list_shows_users_by_last_name_with_their_roles(client_for, administration):
    response = client_for(administration).get(LIST_URL)

    assert usernames(response) == [
        "admin",
        "amtsleitung",
        "fbl-backnang",
        "fbl-waiblingen",
        "fachkraft",
        "teamleitung",
    ]
    entries = dict(response.context["rows"])
    fbl = User.objects.get(username="fbl-backnang")
    teamleitung = User.objects.get(username="teamleitung")
    assert [(e.role.value, e.place) for e in entries[fbl]] == [("fachbereichsleitung", "Backnang")]
    assert [(e.role.value, e.place) for e in entries[teamleitung]] == [("teamleitung", "Backnang")]
    assert [(e.role.value, e.place) for e in entries[administration]] == [("administration", "")]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "fachkraft"}, ["fachkraft"]),
        ({"role": "teamleitung"}, ["teamleitung"]),
        ({"role": "fachbereichsleitung"}, ["fbl-backnang", "fbl-waiblingen"]),
        ({"role": "amtsleitung"}, ["amtsleitung"]),
        ({"role": "administration"}, ["admin", "chefin"]),
        ({"role": "none"}, ["ohnerolle"]),
        ({"active": "no"}, ["ehemalig"]),
        ({"active": "all", "role": "fachkraft"}, ["ehemalig", "fachkraft"]),
        ({"q": "friederike"}, ["fachkraft"]),
        ({"q": "MULLER"}, ["ohnerolle"]),
        ({"q": "müller"}, ["ohnerolle"]),
        ({"q": "demo.invalid bereichsleitung"}, ["fbl-backnang", "fbl-waiblingen"]),
        ({"q": "gibt es nicht"}, []),
    ],
)
def test_list_filters(client_for, administration, no_role_user, params, expected):
    no_role_user.last_name = "Müller"
    no_role_user.save()
    User.objects.create_superuser("chefin", password=PASSWORD, last_name="Chefin")
    former = User.objects.create_user("ehemalig", is_active=False, last_name="Ehemalig")
    Membership.objects.create(user=former, team=team("Winnenden"))

    response = client_for(administration).get(LIST_URL, params)

    assert sorted(usernames(response)) == expected


def test_team_filter_combines_with_team_roles(client_for, administration, fachkraft):
    Membership.objects.create(user=fachkraft, team=team("Winnenden"), role="lead")
    client = client_for(administration)

    winnenden = client.get(LIST_URL, {"team": team("Winnenden").pk})
    lead_in_winnenden = client.get(LIST_URL, {"team": team("Winnenden").pk, "role": "teamleitung"})
    lead_in_backnang = client.get(LIST_URL, {"team": team("Backnang").pk, "role": "teamleitung"})

    assert usernames(winnenden) == ["fachkraft"]
    assert usernames(lead_in_winnenden) == ["fachkraft"]
    assert usernames(lead_in_backnang) == ["teamleitung"]


@pytest.mark.parametrize("count", [1, 5])
def test_list_query_count_is_constant(client, administration, django_assert_num_queries, count):
    groups = {g.name: g for g in Group.objects.all()}
    for n in range(count):
        user = User.objects.create_user(f"person-{n}", last_name=f"Person {n}")
        Membership.objects.create(user=user, team=team("Winnenden"))
        Membership.objects.create(user=user, team=team("Backnang"), role="lead")
        Headship.objects.create(user=user, middle_area=area("Schorndorf"))
        user.groups.add(groups[GROUP_AMTSLEITUNG])
    client.force_login(administration)
    params = {"team": team("Winnenden").pk}

    with django_assert_num_queries(14):
        response = client.get(LIST_URL, params)

    assert len(response.context["rows"]) == count
    assert all(len(entries) == 4 for _user, entries in response.context["rows"])


def test_list_is_paginated(client_for, administration):
    User.objects.bulk_create(User(username=f"p{n:02}", last_name=f"P{n:02}") for n in range(30))

    first = client_for(administration).get(LIST_URL)
    second = client_for(administration).get(LIST_URL, {"page": 2})

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 36 - 25
    assert first.context["paginator"].count == 36


# --- Create ----------------------------------------------------------------------------------


def passwords(first=PASSWORD, second=None):
    return {"password1": first, "password2": first if second is None else second}


def new_user_data(**changes):
    return {
        "username": "neue.fachkraft",
        "first_name": "Nele",
        "last_name": "Neumann",
        "email": "nele.neumann@example.org",
        **passwords(),
        **changes,
    }


def test_create_user_with_roles(client_for, administration):
    korb_team = team("Waiblingen/Korb")

    response = client_for(administration).post(
        CREATE_URL,
        new_user_data(
            **{
                f"team_{korb_team.pk}": "member",
                f"team_{team('Winnenden').pk}": "lead",
                "middle_areas": [str(area("Waiblingen").pk)],
                "amtsleitung": "on",
            }
        ),
    )

    user = User.objects.get(username="neue.fachkraft")
    assert response.status_code == 302
    assert response.url == update_url(user)
    assert (user.first_name, user.last_name, user.email) == (
        "Nele",
        "Neumann",
        "nele.neumann@example.org",
    )
    assert user.check_password(PASSWORD)
    assert (user.is_active, user.is_staff) == (True, False)
    assert roles_held(user).teams == {korb_team.pk: "member", team("Winnenden").pk: "lead"}
    assert roles_held(user).middle_areas == {area("Waiblingen").pk}
    assert roles_held(user).groups == {GROUP_AMTSLEITUNG}


def test_new_administration_account_can_use_the_master_data(client_for, administration):
    client_for(administration).post(CREATE_URL, new_user_data(administration="on"))

    user = User.objects.get(username="neue.fachkraft")
    assert user.is_staff
    assert roles_held(user).groups == {GROUP_ADMINISTRATION}


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"username": "fachkraft"}, "username", "unique"),
        ({"username": "FachKraft"}, "username", "unique"),
        ({"username": "mit leerzeichen"}, "username", "invalid"),
        ({"username": ""}, "username", "required"),
        ({"email": "keine-adresse"}, "email", "invalid"),
        (passwords("kurz-7"), "password2", "password_too_short"),
        (passwords("qwertyqwerty"), "password2", "password_too_common"),
        (passwords("784512369874563"), "password2", "password_entirely_numeric"),
        (passwords("NeleNeumann-1"), "password2", "password_too_similar"),
        (passwords(PASSWORD, PASSWORD + "x"), "password2", "password_mismatch"),
        ({"password1": ""}, "password1", "required"),
    ],
)
def test_create_refuses_bad_input_next_to_the_field(
    client_for, administration, changes, field, code
):
    before = User.objects.count()

    response = client_for(administration).post(
        CREATE_URL, new_user_data(**changes, **{f"team_{team('Backnang').pk}": "member"})
    )

    assert response.status_code == 200
    assert field_codes(response.context["form"], field) == [code]
    assert User.objects.count() == before
    assert not Membership.objects.filter(user__username="neue.fachkraft").exists()


def test_create_refuses_unknown_team_role(client_for, administration):
    response = client_for(administration).post(
        CREATE_URL, new_user_data(**{f"team_{team('Backnang').pk}": "boss"})
    )

    assert field_codes(response.context["roles_form"], f"team_{team('Backnang').pk}") == [
        "invalid_choice"
    ]
    assert not User.objects.filter(username="neue.fachkraft").exists()


# --- Edit ------------------------------------------------------------------------------------


def test_edit_page_shows_current_roles_and_the_form(client_for, administration, teamleitung):
    response = client_for(administration).get(update_url(teamleitung))

    assert [(e.role.value, e.place) for e in response.context["role_entries"]] == [
        ("teamleitung", "Backnang")
    ]
    roles_form = response.context["roles_form"]
    assert roles_form[f"team_{team('Backnang').pk}"].value() == "lead"
    assert len(roles_form.team_fields()) == Team.objects.filter(is_active=True).count()
    assert response.context["form"]["username"].value() == "teamleitung"


def test_edit_roles(client_for, administration, fachkraft):
    backnang, winnenden = team("Backnang"), team("Winnenden")

    response = client_for(administration).post(
        update_url(fachkraft),
        edit_data(
            fachkraft,
            first_name="Frieda",
            **{
                f"team_{backnang.pk}": "lead",
                f"team_{winnenden.pk}": "member",
                "middle_areas": [str(area("Backnang").pk), str(area("Schorndorf").pk)],
                "amtsleitung": "on",
            },
        ),
    )

    assert response.status_code == 302
    fachkraft.refresh_from_db()
    assert fachkraft.first_name == "Frieda"
    assert roles_held(fachkraft).teams == {backnang.pk: "lead", winnenden.pk: "member"}
    assert roles_held(fachkraft).middle_areas == {area("Backnang").pk, area("Schorndorf").pk}
    assert roles_held(fachkraft).groups == {GROUP_AMTSLEITUNG}


def test_edit_removes_roles(client_for, administration, fbl_backnang, fachkraft):
    client = client_for(administration)

    client.post(update_url(fbl_backnang), edit_data(fbl_backnang, middle_areas=None))
    client.post(update_url(fachkraft), edit_data(fachkraft, **{f"team_{team('Backnang').pk}": ""}))

    assert roles_held(fbl_backnang).middle_areas == frozenset()
    assert roles_held(fachkraft).teams == {}


def test_edit_refuses_a_taken_username(client_for, administration, fachkraft):
    response = client_for(administration).post(
        update_url(fachkraft), edit_data(fachkraft, username="Teamleitung", amtsleitung="on")
    )

    assert field_codes(response.context["form"], "username") == ["unique"]
    fachkraft.refresh_from_db()
    assert fachkraft.username == "fachkraft"
    assert roles_held(fachkraft).groups == frozenset()


def test_role_change_is_in_the_audit_trail_with_the_admin(client_for, administration, fachkraft):
    membership = Membership.objects.get(user=fachkraft)

    client_for(administration).post(
        update_url(fachkraft), edit_data(fachkraft, **{f"team_{team('Backnang').pk}": "lead"})
    )

    event = pghistory.models.Events.objects.get(
        pgh_model="sozialraum.MembershipEvent", pgh_label="update", pgh_obj_id=str(membership.pk)
    )
    assert event.pgh_diff == {"role": ["member", "lead"]}
    assert event.pgh_context["user"] == administration.pk


def test_group_change_is_in_the_audit_trail_with_the_admin(client_for, administration, fachkraft):
    client_for(administration).post(update_url(fachkraft), edit_data(fachkraft, amtsleitung="on"))

    link = UserGroupEvent.objects.get(pgh_label="insert", user=fachkraft)
    event = pghistory.models.Events.objects.get(
        pgh_model="sozialraum.UserGroupEvent",
        pgh_label="insert",
        pgh_context__user=administration.pk,
    )
    assert link.group.name == GROUP_AMTSLEITUNG
    assert event.pgh_data["user_id"] == fachkraft.pk
    assert event.pgh_context["user"] == administration.pk


# --- Nobody gives themselves more rights -----------------------------------------------------


@pytest.fixture
def admin_in_team(administration):
    """The administrator also works as Fachkraft in the team Backnang."""
    Membership.objects.create(user=administration, team=team("Backnang"))
    return administration


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amtsleitung": "on"}, "amtsleitung"),
        ({"team_WINNENDEN": "member"}, "team_WINNENDEN"),
        ({"team_BACKNANG": "lead"}, "team_BACKNANG"),
        ({"middle_areas": "AREA"}, "middle_areas"),
    ],
    ids=["group", "membership", "member-to-lead", "headship"],
)
def test_self_escalation_is_refused_and_changes_nothing(client_for, admin_in_team, change, field):
    ids = {
        "WINNENDEN": str(team("Winnenden").pk),
        "BACKNANG": str(team("Backnang").pk),
        "AREA": str(area("Backnang").pk),
    }

    def resolve(text):
        for key, value in ids.items():
            text = text.replace(key, value)
        return text

    change = {resolve(k): [resolve(v)] if k == "middle_areas" else v for k, v in change.items()}
    held = roles_held(admin_in_team)
    events = pghistory.models.Events.objects.count()

    response = client_for(admin_in_team).post(
        update_url(admin_in_team), edit_data(admin_in_team, first_name="Neu", **change)
    )

    assert response.status_code == 200
    assert field_codes(response.context["roles_form"], resolve(field)) == ["self_escalation"]
    admin_in_team.refresh_from_db()
    assert admin_in_team.first_name == "Adrian"
    assert roles_held(admin_in_team) == held
    assert pghistory.models.Events.objects.count() == events


def test_admin_may_remove_own_roles_other_than_the_last_administration(client_for, admin_in_team):
    admin_in_team.groups.add(Group.objects.get(name=GROUP_AMTSLEITUNG))

    response = client_for(admin_in_team).post(
        update_url(admin_in_team),
        edit_data(admin_in_team, amtsleitung=None, **{f"team_{team('Backnang').pk}": ""}),
    )

    assert response.status_code == 302
    assert roles_held(admin_in_team) == Roles(groups=frozenset({GROUP_ADMINISTRATION}))


def test_own_reactivation_is_refused(client_for, administration, second_admin):
    # Only possible with a session that outlived the deactivation; still refused.
    response = client_for(administration).post(
        reverse("sozialraum:user_activate", args=[administration.pk])
    )

    assert response.status_code == 302
    assert response.url == update_url(administration)


# --- The last Administration account ---------------------------------------------------------


def test_last_administration_cannot_drop_the_role(client_for, administration):
    response = client_for(administration).post(
        update_url(administration), edit_data(administration, administration=None)
    )

    assert field_codes(response.context["roles_form"], "administration") == ["last_administration"]
    assert roles_held(administration).groups == {GROUP_ADMINISTRATION}


def test_last_administration_cannot_be_deactivated(client_for, administration):
    client = client_for(administration)

    response = client.post(reverse("sozialraum:user_deactivate", args=[administration.pk]))

    administration.refresh_from_db()
    assert administration.is_active
    assert response.url == update_url(administration)
    page = client.get(response.url)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]


def test_with_two_administrators_one_may_drop_the_role(client_for, administration, second_admin):
    response = client_for(administration).post(
        update_url(administration), edit_data(administration, administration=None)
    )

    assert response.status_code == 302
    assert response.url == reverse("sozialraum:home")
    administration.refresh_from_db()
    assert roles_held(administration).groups == frozenset()
    assert not administration.is_staff


def test_with_two_administrators_one_may_deactivate_the_other(
    client_for, administration, second_admin
):
    response = client_for(administration).post(
        reverse("sozialraum:user_deactivate", args=[second_admin.pk])
    )

    second_admin.refresh_from_db()
    assert response.url == update_url(second_admin)
    assert not second_admin.is_active


def test_deactivating_oneself_signs_out(client_for, administration, second_admin):
    client = client_for(administration)

    response = client.post(reverse("sozialraum:user_deactivate", args=[administration.pk]))
    after = client.get(LIST_URL)

    assert response.url == reverse("login")
    administration.refresh_from_db()
    assert not administration.is_active
    assert after.status_code == 302
    assert after.url.startswith(reverse("login"))


# --- Deactivate and reactivate ---------------------------------------------------------------


def sessions_of(user):
    return [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]


def test_deactivation_asks_first(client_for, administration, fachkraft):
    response = client_for(administration).get(
        reverse("sozialraum:user_deactivate", args=[fachkraft.pk])
    )

    fachkraft.refresh_from_db()
    assert fachkraft.is_active
    assert response.context["account"] == fachkraft
    assert response.context["activate"] is False


def test_deactivation_ends_the_sessions_at_once(client_for, administration, fachkraft):
    fachkraft_browser, phone = Client(), Client()
    fachkraft_browser.force_login(fachkraft)
    phone.force_login(fachkraft)
    assert fachkraft_browser.get(reverse("sozialraum:home")).status_code == 200
    assert len(sessions_of(fachkraft)) == 2

    client_for(administration).post(reverse("sozialraum:user_deactivate", args=[fachkraft.pk]))
    next_request = fachkraft_browser.get(reverse("sozialraum:home"))

    assert sessions_of(fachkraft) == []
    assert len(sessions_of(administration)) == 1
    assert next_request.status_code == 302
    assert next_request.url.startswith(reverse("login"))
    fachkraft.refresh_from_db()
    assert not fachkraft.is_active


def test_a_surviving_session_of_an_inactive_user_is_logged_out(client, fachkraft):
    """Even without the session cleanup (another session engine, say), an inactive user's
    next request is anonymous: Django's ModelBackend refuses to load inactive users."""
    client.force_login(fachkraft)
    User.objects.filter(pk=fachkraft.pk).update(is_active=False)

    response = client.get(reverse("sozialraum:home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def log_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": "sozialraum-demo"})


def test_deactivated_user_cannot_log_in(client, administration, fachkraft):
    admin_client = Client()
    admin_client.force_login(administration)
    admin_client.post(reverse("sozialraum:user_deactivate", args=[fachkraft.pk]))

    response = log_in(client, "fachkraft")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_reactivation(client_for, administration, fachkraft):
    User.objects.filter(pk=fachkraft.pk).update(is_active=False)
    client = client_for(administration)

    confirm = client.get(reverse("sozialraum:user_activate", args=[fachkraft.pk]))
    response = client.post(reverse("sozialraum:user_activate", args=[fachkraft.pk]))

    assert confirm.context["activate"] is True
    assert response.url == update_url(fachkraft)
    fachkraft.refresh_from_db()
    assert fachkraft.is_active
    assert log_in(Client(), "fachkraft").url == reverse("sozialraum:home")


def test_status_pages_answer_only_get_and_post(client_for, administration, fachkraft):
    response = client_for(administration).put(
        reverse("sozialraum:user_deactivate", args=[fachkraft.pk])
    )

    assert response.status_code == 405
    fachkraft.refresh_from_db()
    assert fachkraft.is_active


# --- Password --------------------------------------------------------------------------------


def test_set_new_password(client_for, administration, fachkraft):
    response = client_for(administration).post(
        reverse("sozialraum:user_password", args=[fachkraft.pk]),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )

    assert response.url == update_url(fachkraft)
    fachkraft.refresh_from_db()
    assert fachkraft.check_password(PASSWORD)


def test_set_new_password_refuses_a_weak_one(client_for, administration, fachkraft):
    response = client_for(administration).post(
        reverse("sozialraum:user_password", args=[fachkraft.pk]),
        {"new_password1": "kurz", "new_password2": "kurz"},
    )

    assert field_codes(response.context["form"], "new_password2") == ["password_too_short"]
    fachkraft.refresh_from_db()
    assert fachkraft.check_password("sozialraum-demo")


def test_setting_the_own_password_keeps_the_session(client_for, administration):
    client = client_for(administration)

    client.post(
        reverse("sozialraum:user_password", args=[administration.pk]),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    after = client.get(LIST_URL)

    assert after.status_code == 200
    administration.refresh_from_db()
    assert administration.check_password(PASSWORD)
