"""The page "Roles from directory groups" (Administration only), where each role comes from on
the user page, and the mapping rules (a hypothesis test for the DN spelling)."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from sozialraum.accounts.group_roles import normalise_dn, roles_from_groups
from sozialraum.models import DirectoryGroupRole, Membership, MiddleArea, Team
from sozialraum.permissions import GROUP_AMTSLEITUNG
from tests.ldap_server import group_dn, ldap_server, password_of

__all__ = ["ldap_server"]  # the fixture, used by name

LIST = reverse("sozialraum:directory_group_list")
CREATE = reverse("sozialraum:directory_group_create")
DN = "cn=srt-winnenden,ou=groups,dc=example,dc=org"
# The list page: session (read, save), user, scope, the mappings with their places.
LIST_QUERIES = 8
Kind = DirectoryGroupRole.Kind


def german(message) -> str:
    with translation.override("de"):
        return html.escape(translation.gettext(str(message)))


def mapping(kind=Kind.AMTSLEITUNG, dn=DN, **places):
    return DirectoryGroupRole.objects.create(group_dn=dn, kind=kind, **places)


@pytest.fixture
def winnenden(district):
    return Team.objects.get(name="Winnenden")


def post_form(client, url, **data):
    values = {"group_dn": DN, "kind": Kind.TEAM_MEMBER, "team": "", "middle_area": ""}
    values.update(data)
    return client.post(url, values)


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["fachkraft", "teamleitung", "fbl-backnang", "amtsleitung"])
def test_only_administration_reaches_the_mapping_pages(client_for, demo_users, role):
    existing = mapping()
    client = client_for(demo_users[role])
    urls = [
        LIST,
        CREATE,
        reverse("sozialraum:directory_group_update", args=[existing.pk]),
        reverse("sozialraum:directory_group_delete", args=[existing.pk]),
    ]

    statuses = [client.get(url).status_code for url in urls]
    posted = post_form(client, CREATE, kind=Kind.ADMINISTRATION)
    deleted = client.post(urls[3], {"version": existing.version})

    assert statuses == [403, 403, 403, 403]
    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert list(DirectoryGroupRole.objects.values_list("pk", flat=True)) == [existing.pk]


def test_unknown_mapping_answers_404(client_for, administration):
    client = client_for(administration)

    responses = [
        client.get(reverse("sozialraum:directory_group_update", args=[999999])),
        client.post(reverse("sozialraum:directory_group_delete", args=[999999]), {"version": 1}),
    ]

    assert [r.status_code for r in responses] == [404, 404]


def test_user_list_links_to_the_mapping_page(client_for, administration):
    page = client_for(administration).get(reverse("sozialraum:user_list")).content.decode()

    assert f'id="directory-groups" href="{LIST}"' in page


# --- List, create, edit, delete ---------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_list_shows_every_mapping_in_constant_queries(
    client_for, administration, winnenden, rows, django_assert_num_queries
):
    client = client_for(administration)
    created = [
        mapping(Kind.TEAM_MEMBER, f"cn=g{number},dc=example", team=winnenden)
        for number in range(rows)
    ]

    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(LIST).content.decode()

    assert [f'id="group-role-{m.pk}"' in page for m in created] == [True] * rows


def test_create_stores_the_dn_in_one_spelling_and_audits_it(client_for, administration, winnenden):
    client = client_for(administration)
    form = client.get(CREATE).content.decode()

    response = post_form(
        client,
        CREATE,
        group_dn=" CN=SRT-Winnenden, OU=Groups,DC=example,dc=org ",
        team=winnenden.pk,
        middle_area=winnenden.middle_area_id,  # not needed by the role: left out
        submission_token=_token(form),
    )

    row = DirectoryGroupRole.objects.get()
    assert response.status_code == 302
    assert (row.group_dn, row.kind, row.team, row.middle_area) == (
        DN,
        Kind.TEAM_MEMBER,
        winnenden,
        None,
    )
    assert (row.created_by, row.events.count()) == (administration, 1)


def _token(page: str) -> str:
    marker = 'name="submission_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        (
            {"group_dn": "kein DN"},
            "Please enter the group's distinguished name, e.g. cn=team,ou=groups,dc=example.",
        ),
        ({"group_dn": ""}, "This field is required."),
        ({"kind": Kind.TEAM_LEAD}, "Please choose the team of this role."),
        ({"kind": Kind.HEAD}, "Please choose the Mittelbereich of this role."),
        (
            {"kind": "ruler"},
            "Select a valid choice. %(value)s is not one of the available choices.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(client_for, administration, data, field_message):
    response = post_form(client_for(administration), CREATE, **data)

    assert response.status_code == 200
    assert german(field_message) % {"value": "ruler"} in response.content.decode()
    assert DirectoryGroupRole.objects.count() == 0


def test_the_same_mapping_twice_is_refused(client_for, administration, winnenden):
    mapping(Kind.TEAM_MEMBER, team=winnenden)

    response = post_form(client_for(administration), CREATE, team=winnenden.pk)

    assert german("This group already gives this role.") in response.content.decode()
    assert DirectoryGroupRole.objects.count() == 1


def test_stale_edit_is_refused_with_409_and_keeps_the_input(client_for, administration):
    row = mapping()
    url = reverse("sozialraum:directory_group_update", args=[row.pk])
    client = client_for(administration)
    DirectoryGroupRole.objects.filter(pk=row.pk).update(version=2, kind=Kind.ADMINISTRATION)

    response = post_form(client, url, kind=Kind.AMTSLEITUNG, version=1, group_dn="cn=neu,dc=x")

    row.refresh_from_db()
    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    assert 'value="cn=neu,dc=x"' in response.content.decode()
    assert (row.kind, row.group_dn, row.version) == (Kind.ADMINISTRATION, DN, 2)


def test_edit_saves_a_new_version(client_for, administration):
    row = mapping()
    url = reverse("sozialraum:directory_group_update", args=[row.pk])

    response = post_form(client_for(administration), url, kind=Kind.ADMINISTRATION, version=1)

    row.refresh_from_db()
    assert response.status_code == 302
    assert (row.kind, row.version, row.updated_by) == (Kind.ADMINISTRATION, 2, administration)


def test_delete_of_a_changed_mapping_is_refused_with_409(client_for, administration):
    row = mapping()
    url = reverse("sozialraum:directory_group_delete", args=[row.pk])
    client = client_for(administration)
    DirectoryGroupRole.objects.filter(pk=row.pk).update(version=2)

    stale = client.post(url, {"version": 1})
    current = client.post(url, {"version": 2})

    assert stale.status_code == 409
    assert 'id="conflict"' in stale.content.decode()
    assert current.status_code == 302
    assert not DirectoryGroupRole.objects.exists()
    assert row.events.filter(pgh_label="delete").count() == 1


# --- Where each role comes from ---------------------------------------------------------------


def test_user_page_tells_directory_roles_from_manual_ones(
    ldap_server, client, client_for, administration, winnenden
):
    mapping(Kind.TEAM_MEMBER, normalise_dn(group_dn("srt-winnenden")), team=winnenden)
    client.post(reverse("login"), {"username": "anna", "password": password_of("anna")})
    anna = client.session["_auth_user_id"]
    Membership.objects.create(user_id=anna, team=Team.objects.get(name="Backnang"))
    client.logout()

    page = client_for(administration).get(reverse("sozialraum:user_update", args=[anna]))

    assert role_lines(page) == [
        f"{german('Staff member (Fachkraft)')}: Backnang – {german('given by hand')}",
        f"{german('Staff member (Fachkraft)')}: Winnenden – {german('from directory group')} "
        + normalise_dn(group_dn("srt-winnenden")),
    ]
    assert 'id="directory-notice"' in page.content.decode()


def role_lines(page) -> list[str]:
    """The lines of the role list on the user page, as text."""
    block = page.content.decode().split('id="role-sources">')[1].split("</ul>")[0]
    return [" ".join(re.sub("<[^>]+>", " ", item).split()) for item in block.split("<li>")[1:]]


def test_local_account_page_shows_roles_given_by_hand(client_for, administration, fachkraft):
    page = client_for(administration).get(reverse("sozialraum:user_update", args=[fachkraft.pk]))

    content = page.content.decode()
    assert german("given by hand") in content
    assert german("from directory group") not in content
    assert 'id="directory-notice"' not in content


# --- The mapping rules ------------------------------------------------------------------------

ATTRIBUTE = st.sampled_from(["cn", "CN", "ou", "Ou", "dc", "DC", "uid"])
VALUE = (
    st.text(alphabet="abcdefgXYZäöüß-0123456789 ", min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(st.tuples(ATTRIBUTE, VALUE), min_size=1, max_size=5))
def test_dn_spelling_is_one_whatever_case_and_blanks(parts):
    spelled = ", ".join(f"{attr} = {value}" for attr, value in parts)
    shouted = ",".join(f"{attr.upper()}={value.upper()}" for attr, value in parts)

    once = normalise_dn(spelled)

    assert normalise_dn(once) == once
    assert normalise_dn(shouted) == normalise_dn(spelled.upper())


def test_roles_from_groups_lead_wins_and_inactive_teams_give_nothing(winnenden):
    closed = Team.objects.create(
        name="Geschlossen", middle_area=winnenden.middle_area, is_active=False
    )
    area = MiddleArea.objects.get(name="Backnang")
    mapping(Kind.TEAM_MEMBER, "cn=a", team=winnenden)
    mapping(Kind.TEAM_LEAD, "cn=b", team=winnenden)
    mapping(Kind.TEAM_MEMBER, "cn=a", team=closed)
    mapping(Kind.HEAD, "cn=b", middle_area=area)
    mapping(Kind.AMTSLEITUNG, "cn=c")

    roles = roles_from_groups(["cn=a", "cn=b"])

    assert dict(roles.teams) == {winnenden.pk: Membership.Role.LEAD}
    assert (roles.middle_areas, roles.groups) == (frozenset({area.pk}), frozenset())
    assert roles_from_groups(["cn=c"]).groups == frozenset({GROUP_AMTSLEITUNG})
