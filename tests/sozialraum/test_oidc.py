"""Signing in with OpenID Connect against a real provider (tests/oidc_server.py): the account
made at the first sign-in, roles from the groups claim given and withdrawn, a deactivated account,
forged state and nonce, an unreachable provider, sign-out at the provider, the rule for local
sign-in and django-axes."""

import html
import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from sozialraum.accounts import group_roles, oidc
from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import DirectoryAccount, DirectoryGroupRole, Membership, Team, User
from tests.ldap_server import free_port
from tests.oidc_server import GROUP_WINNENDEN, oidc_provider, password_of
from tests.sozialraum.test_settings import PRODUCTION, manage

__all__ = ["oidc_provider"]  # the fixture, used by name

START = "/konto/oidc/anmelden/"
TESTSERVER = "http://testserver"


def provider_round(client, login: str, next_url: str = "/meine-woche/") -> str:
    """Click the button, sign in at the provider with the login form (a real HTTP session),
    and return the callback URL the provider sends the browser back to (not yet opened)."""
    response = client.get(START, {"next": next_url})
    assert response.status_code == 302
    browser = requests.Session()
    url, form = response["Location"], None
    for _step in range(12):
        reply = (
            browser.post(url, data=form, allow_redirects=False, timeout=10)
            if form
            else browser.get(url, allow_redirects=False, timeout=10)
        )
        form = None
        if reply.is_redirect:
            url = urljoin(url, reply.headers["Location"])
            if url.startswith(TESTSERVER):
                return url[len(TESTSERVER) :]
        elif 'name="login"' in reply.text:
            form = {"login": login, "password": password_of(login)}
        else:
            raise AssertionError(f"unexpected answer of the provider: {reply.text[:500]}")
    raise AssertionError("the provider never sent the browser back")


def sign_in(client, login: str, next_url: str = "/meine-woche/"):
    return client.get(provider_round(client, login, next_url))


def signed_in_user(client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def map_group(name, kind, *, team=None):
    return DirectoryGroupRole.objects.create(
        group_dn=group_roles.normalise_group(name), kind=kind, team=team
    )


def team_roles(user):
    return dict(Membership.objects.filter(user=user).values_list("team__name", "role"))


# --- Sign-in -----------------------------------------------------------------------------------


def test_first_sign_in_creates_the_account_with_the_roles_of_its_groups(
    client, oidc_provider, district
):
    map_group(
        GROUP_WINNENDEN,
        DirectoryGroupRole.Kind.TEAM_MEMBER,
        team=Team.objects.get(name="Winnenden"),
    )

    response = sign_in(client, "anna")

    assert response.status_code == 302
    assert response["Location"] == "/meine-woche/"
    anna = signed_in_user(client)
    assert (anna.username, anna.get_full_name(), anna.email) == (
        "anna",
        "Anna Berger",
        "anna.berger@example.org",
    )
    assert not anna.has_usable_password()
    account = DirectoryAccount.objects.get(user=anna)
    assert (account.dn, account.groups) == ("oidc:anna", ["alle-mitarbeitenden", GROUP_WINNENDEN])
    assert team_roles(anna) == {"Winnenden": Membership.Role.MEMBER}
    assert client.session["oidc_id_token"].count(".") == 2  # the ID token, for the sign-out


def test_sign_in_queries_do_not_grow_with_the_number_of_groups(client, oidc_provider, district):
    map_group(
        GROUP_WINNENDEN,
        DirectoryGroupRole.Kind.TEAM_MEMBER,
        team=Team.objects.get(name="Winnenden"),
    )
    oidc_provider.set_groups("anna", [GROUP_WINNENDEN])
    oidc_provider.set_groups("bernd", [GROUP_WINNENDEN, *(f"gruppe-{n}" for n in range(20))])
    counts = []
    for login in ("anna", "bernd"):
        callback = provider_round(client, login)
        with CaptureQueriesContext(connection) as queries:
            client.get(callback)
        client.post("/konto/abmelden/")
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert team_roles(User.objects.get(username="bernd")) == {"Winnenden": Membership.Role.MEMBER}


def test_role_withdrawn_and_name_updated_at_the_next_sign_in(client, oidc_provider, district):
    map_group(
        GROUP_WINNENDEN, DirectoryGroupRole.Kind.TEAM_LEAD, team=Team.objects.get(name="Winnenden")
    )
    sign_in(client, "anna")
    client.post("/konto/abmelden/")
    oidc_provider.set_groups("anna", ["alle-mitarbeitenden"])
    oidc_provider.change("anna", family_name="Berger-Klein")

    sign_in(client, "anna")

    anna = signed_in_user(client)
    assert anna.last_name == "Berger-Klein"
    assert team_roles(anna) == {}
    assert DirectoryAccount.objects.get(user=anna).groups == ["alle-mitarbeitenden"]
    assert User.objects.filter(username="anna").count() == 1


def test_deactivated_account_is_refused(client, oidc_provider, district):
    sign_in(client, "anna")
    client.post("/konto/abmelden/")
    User.objects.filter(username="anna").update(is_active=False)

    response = sign_in(client, "anna")

    assert response["Location"] == "/konto/anmelden/"
    assert signed_in_user(client) is None
    assert messages_of(response) == [str(oidc.ACCOUNT_DEACTIVATED)]
    assert not User.objects.get(username="anna").is_active


def test_local_account_of_the_same_name_is_not_taken_over_and_axes_counts_it(
    client, oidc_provider, district
):
    local = User.objects.create_user("anna", password=DEMO_PASSWORD, first_name="Lokal")

    response = sign_in(client, "anna")

    assert signed_in_user(client) is None
    assert messages_of(response) == [str(oidc.ACCOUNT_CLASH)]
    local.refresh_from_db()
    assert (local.first_name, local.has_usable_password()) == ("Lokal", True)
    assert not DirectoryAccount.objects.filter(user=local).exists()
    assert AccessAttempt.objects.get().failures_since_start == 1


# --- Forged or stale answers --------------------------------------------------------------------


def test_forged_state_is_refused_with_a_message(client, oidc_provider, district):
    callback = provider_round(client, "anna")
    forged = callback.replace("state=", "state=forged")

    response = client.get(forged, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/konto/anmelden/"
    assert str(oidc.SIGN_IN_EXPIRED) in response.content.decode()
    assert signed_in_user(client) is None


def test_callback_without_a_started_sign_in_is_refused(client, oidc_provider, db):
    response = client.get("/konto/oidc/callback/", {"code": "x", "state": "y"})

    assert response["Location"] == "/konto/anmelden/"
    assert messages_of(response) == [str(oidc.SIGN_IN_EXPIRED)]


def test_wrong_nonce_is_refused(client, oidc_provider, district):
    callback = provider_round(client, "anna")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["nonce"] = "another-sign-in"
    session.save()

    response = client.get(callback)

    assert response["Location"] == "/konto/anmelden/"
    assert messages_of(response) == [str(oidc.SIGN_IN_EXPIRED)]
    assert signed_in_user(client) is None
    assert not User.objects.filter(username="anna").exists()


def test_wrong_pkce_verifier_is_refused_by_the_provider(client, oidc_provider, district):
    callback = provider_round(client, "anna")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["code_verifier"] = "x" * 64
    session.save()

    response = client.get(callback)

    assert response["Location"] == "/konto/anmelden/"
    assert messages_of(response) == [str(oidc.SIGN_IN_EXPIRED)]
    assert signed_in_user(client) is None


def test_refusal_at_the_provider_returns_to_the_login_page(client, oidc_provider, db):
    client.get(START)
    state = next(iter(client.session["oidc_states"]))

    response = client.get("/konto/oidc/callback/", {"error": "access_denied", "state": state})

    assert response["Location"] == "/konto/anmelden/"
    assert messages_of(response) == [str(oidc.SIGN_IN_REFUSED)]


def test_unreachable_provider_gives_a_message(client, settings, db):
    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    settings.OIDC_RP_CLIENT_ID = "sozialraum"
    oidc.discovery.cache_clear()

    response = client.get(START, follow=True)

    assert response.redirect_chain == [("/konto/anmelden/", 302)]
    assert str(oidc.PROVIDER_UNAVAILABLE) in response.content.decode()


def test_provider_gone_before_the_code_is_redeemed_gives_a_message(client, oidc_provider, district):
    callback = provider_round(client, "anna")
    oidc_provider.stop()

    response = client.get(callback)

    assert response["Location"] == "/konto/anmelden/"
    assert messages_of(response) == [str(oidc.PROVIDER_UNAVAILABLE)]
    assert signed_in_user(client) is None


# --- Sign-out ---------------------------------------------------------------------------------


def test_sign_out_ends_the_session_here_and_at_the_provider(client, oidc_provider, district):
    sign_in(client, "anna")
    id_token = client.session["oidc_id_token"]

    response = client.post("/konto/abmelden/")

    target = urlsplit(response["Location"])
    query = parse_qs(target.query)
    assert (
        f"{target.scheme}://{target.netloc}{target.path}" == f"{oidc_provider.issuer}/session/end"
    )
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/konto/anmelden/"]
    assert signed_in_user(client) is None
    # The provider accepts hint and address: its page (sent on by script) ends on the login page.
    browser = requests.Session()
    page = browser.get(response["Location"], timeout=10).text
    action = re.search(r'<form method="post" action="([^"]+)"', page)[1]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    confirmed = browser.post(html.unescape(action), data=fields, allow_redirects=False, timeout=10)
    assert confirmed.headers["Location"] == "http://testserver/konto/anmelden/"


def test_local_sign_out_stays_local(client, fachkraft):
    client.force_login(fachkraft)

    response = client.post("/konto/abmelden/")

    assert response["Location"] == "/konto/anmelden/"
    assert signed_in_user(client) is None


# --- The login page and the rule for local sign-in ---------------------------------------------


def test_button_only_where_configured(client, settings, db):
    page = client.get("/konto/anmelden/").content.decode()
    assert 'id="oidc-sign-in"' not in page
    assert client.get(START).status_code == 404

    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID = "https://login.example.org", "sozialraum"
    settings.OIDC_BUTTON_LABEL = "Mit dem LRA-Konto anmelden"
    page = client.get("/konto/anmelden/?next=/meine-woche/").content.decode()

    assert 'href="/konto/oidc/anmelden/?next=/meine-woche/"' in page
    assert "Mit dem LRA-Konto anmelden</a>" in page


def test_local_login_rule_still_applies_beside_oidc(client, settings, oidc_provider, fachkraft):
    settings.LOCAL_LOGIN = "administration"

    refused = client.post(
        "/konto/anmelden/", {"username": fachkraft.username, "password": DEMO_PASSWORD}
    )
    sign_in(client, "bernd")

    assert refused.status_code == 200
    assert signed_in_user(client).username == "bernd"


def test_oidc_account_cannot_sign_in_with_a_password(client, oidc_provider, district):
    sign_in(client, "anna")
    client.post("/konto/abmelden/")

    response = client.post("/konto/anmelden/", {"username": "anna", "password": ""})

    assert response.status_code == 200
    assert signed_in_user(client) is None


# --- Groups as a claim names them ---------------------------------------------------------------


def test_mapping_form_takes_a_plain_group_name_when_oidc_is_on(settings, district):
    data = {
        "group_dn": "  SRT-Winnenden ",
        "kind": DirectoryGroupRole.Kind.TEAM_MEMBER,
        "team": Team.objects.get(name="Winnenden").pk,
    }
    assert not group_roles.DirectoryGroupRoleForm(data=data).is_valid()

    settings.OIDC_RP_CLIENT_ID = "sozialraum"
    form = group_roles.DirectoryGroupRoleForm(data=data)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["group_dn"] == "srt-winnenden"


@given(st.text(max_size=40))
def test_normalise_group_is_idempotent(value):
    once = group_roles.normalise_group(value)

    assert group_roles.normalise_group(once) == once


def test_groups_claim_may_be_one_string(settings):
    settings.OIDC_GROUPS_CLAIM = "roles"

    assert oidc.groups_from_claims({"roles": "CN=Team,DC=Example"}) == {"cn=team,dc=example"}
    assert oidc.groups_from_claims({}) == frozenset()


def test_settings_from_the_environment():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.OIDC_ISSUER, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], s.AUTHENTICATION_BACKENDS[-1], "
        "s.OIDC_USE_PKCE, s.OIDC_GROUPS_CLAIM]))"
    )
    environment = {
        **PRODUCTION,
        "DJANGO_OIDC_ISSUER": "https://sso.lra.example/realms/lra/",
        "DJANGO_OIDC_CLIENT_ID": "sozialraum",
        "DJANGO_OIDC_GROUPS_CLAIM": "roles",
    }

    result = manage("shell", "-c", code, **environment)

    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "https://sso.lra.example/realms/lra",
        ["'self'", "https://sso.lra.example"],
        "sozialraum.accounts.oidc.OidcBackend",
        True,
        "roles",
    ]
