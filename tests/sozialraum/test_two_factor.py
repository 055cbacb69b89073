"""Two-factor authentication for local accounts (issue 16, point 3): enrolment at the first
sign-in, the code after the password, wrong codes counted by django-axes, recovery codes, the
reset by another member of Administration, and directory accounts never asked."""

import base64
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from sozialraum.accounts import two_factor
from sozialraum.demo import DEMO_PASSWORD
from sozialraum.models import DirectoryAccount, User
from sozialraum.permissions import GROUP_ADMINISTRATION, ensure_role_groups

LOGIN = "/konto/anmelden/"
ENROL = "/konto/zwei-faktor/einrichten/"
VERIFY = "/konto/zwei-faktor/code/"
RECOVERY = "/konto/zwei-faktor/wiederherstellungscodes/"
ACCOUNT = "/konto/zwei-faktor/"


@pytest.fixture(autouse=True)
def _administration_requires_two_factor(settings):
    """The production default (tests/settings.py switches it off for the other tests)."""
    settings.TWO_FACTOR_REQUIRED_ROLES = ["administration"]


def code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows (``steps_ahead`` 30-second steps later: a code is
    accepted once, so the sign-in after the enrolment takes the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, username, password=DEMO_PASSWORD, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    return device, two_factor.recovery_codes_make(user)


def second_administration(password="ein-langes-passwort") -> User:
    user = User.objects.create_user("admin2", password=password, first_name="Zweite")
    user.groups.add(ensure_role_groups()[GROUP_ADMINISTRATION])
    return user


def test_administration_enrols_at_first_sign_in(client, administration, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code right after the wrong one
    response = sign_in(client, "admin", next_url="/verwaltung/benutzer/")

    # The password is right, but the pages wait until an authenticator is set up.
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    page = client.get(response["Location"])
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=administration, confirmed=False)
    secret = two_factor.secret(device)
    shown = re.search(r'id="two-factor-secret">([^<]+)<', text).group(1)
    assert shown.replace(" ", "") == secret
    assert all(len(group) == 4 for group in shown.split(" ")[:-1])
    qr_code = text.split('class="bg-white p-2 d-inline-block border mb-3 two-factor-qr"')[1]
    qr_code = qr_code.split("</svg>")[0]
    assert "<svg" in qr_code
    assert "style" not in qr_code and "script" not in qr_code  # nothing the CSP would block
    assert f"secret={secret}" in page.context["config_url"]
    assert client.get("/verwaltung/benutzer/")["Location"].startswith(ENROL)

    # A wrong code changes nothing.
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"]
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    done = client.post(response["Location"], {"code": code(device)})
    assert done["Location"].startswith(RECOVERY)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    codes = client.session[two_factor.SESSION_RECOVERY_CODES]
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=administration).count()
    recovery = client.get(done["Location"])
    assert all(c in recovery.content.decode() for c in codes)
    download = client.get("/konto/zwei-faktor/wiederherstellungscodes.txt")
    assert download["Content-Disposition"].startswith("attachment")
    assert all(c in download.content.decode() for c in codes)

    # Kept: shown once, then gone; the page asked for first opens.
    onward = client.post(done["Location"], {"next": recovery.context["next"]})
    assert onward["Location"] == "/verwaltung/benutzer/"
    assert client.get("/verwaltung/benutzer/").status_code == 200
    assert client.get(RECOVERY)["Location"] == ACCOUNT
    assert client.get("/konto/zwei-faktor/wiederherstellungscodes.txt").status_code == 404


def test_sign_in_with_a_code(client, administration):
    device, _codes = enrolled(administration)

    response = sign_in(client, "admin", next_url="/verwaltung/benutzer/")

    assert response["Location"].startswith(VERIFY)
    assert DEVICE_ID_SESSION_KEY not in client.session
    # The enrolment page does not let an unverified session add a second authenticator.
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    page = client.get(response["Location"])
    assert page.context["next"] == "/verwaltung/benutzer/"
    verified = client.post(VERIFY, {"code": code(device), "next": "/verwaltung/benutzer/"})
    assert verified["Location"] == "/verwaltung/benutzer/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/verwaltung/benutzer/").status_code == 200
    assert client.get(VERIFY)["Location"] == "/"  # done: the code page steps aside


def test_unverified_session_reaches_only_the_two_factor_pages(client, administration):
    enrolled(administration)
    sign_in(client, "admin")

    for url in ["/", "/verwaltung/benutzer/", "/admin/", ACCOUNT, "/konto/passwort/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    htmx = client.get(
        "/verwaltung/benutzer/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/sozialraeume/"},
    )
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == f"{VERIFY}?next=%2Fsozialraeume%2F"
    assert client.get(VERIFY).status_code == 200
    # Signing out stays possible.
    assert client.post("/konto/abmelden/").status_code == 302
    assert SESSION_KEY not in client.session


def test_wrong_codes_are_counted_by_axes_and_lock_out(client, administration, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # axes alone decides here
    device, _codes = enrolled(administration)
    sign_in(client, "admin")

    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = client.post(VERIFY, {"code": "123456"})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]
        assert AccessAttempt.objects.get(username="admin").failures_since_start == attempt

    locked = client.post(VERIFY, {"code": "123456"})

    assert locked.status_code == 429
    assert "gesperrt" in locked.content.decode()
    assert SESSION_KEY not in client.session  # signed out
    # Even the right password and the right code do not get in now.
    assert sign_in(client, "admin").status_code == 429
    assert SESSION_KEY not in client.session
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_right_code_resets_the_failures(client, administration, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _codes = enrolled(administration)
    sign_in(client, "admin")
    client.post(VERIFY, {"code": "123456"})
    assert AccessAttempt.objects.filter(username="admin").exists()

    client.post(VERIFY, {"code": code(device)})

    assert not AccessAttempt.objects.filter(username="admin").exists()


def test_recovery_code_works_once(client, administration):
    _device, codes = enrolled(administration)
    sign_in(client, "admin")

    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)

    assert response.redirect_chain[0][0] == "/"
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert "9" in str(next(iter(response.context["messages"])))
    assert StaticToken.objects.filter(device__user=administration).count() == 9
    client.post("/konto/abmelden/")
    sign_in(client, "admin")
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 1


def test_reset_by_another_administration(client, administration):
    device, _codes = enrolled(administration)
    other = second_administration()
    # The person with the lost phone has a session somewhere.
    lost = client.__class__()
    lost.force_login(administration)
    assert Session.objects.count() == 1
    client.force_login(other)
    session = client.session
    session[two_factor.SESSION_STEP] = two_factor.DONE  # as after giving the code
    session.save()

    page = client.get(f"/verwaltung/benutzer/{administration.pk}/")
    assert "user-two-factor-reset" in page.content.decode()
    confirm = client.get(f"/verwaltung/benutzer/{administration.pk}/zwei-faktor-zuruecksetzen/")
    assert confirm.status_code == 200
    response = client.post(
        f"/verwaltung/benutzer/{administration.pk}/zwei-faktor-zuruecksetzen/", follow=True
    )

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=administration).exists()
    assert not StaticDevice.objects.filter(user=administration).exists()
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = LogEntry.objects.get(object_id=str(administration.pk))
    assert entry.user == other
    assert entry.change_message.startswith("Two-factor authentication reset")
    assert list(two_factor.reset_entries(administration)) == [entry]
    # The lost session ended; the acting administrator's stays.
    assert SESSION_KEY not in lost.session
    assert Session.objects.count() == 1
    # At the next sign-in the person sets up a new authenticator.
    fresh = client.__class__()
    assert sign_in(fresh, "admin")["Location"].startswith(ENROL)


def test_self_reset_is_refused(client, administration):
    device, _codes = enrolled(administration)
    client.force_login(administration)
    session = client.session
    session[two_factor.SESSION_STEP] = two_factor.DONE
    session.save()

    page = client.get(f"/verwaltung/benutzer/{administration.pk}/")
    assert "user-two-factor-reset" not in page.content.decode()
    response = client.post(
        f"/verwaltung/benutzer/{administration.pk}/zwei-faktor-zuruecksetzen/", follow=True
    )

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not LogEntry.objects.exists()


def test_only_administration_resets(client, fachkraft, administration):
    enrolled(administration)
    client.force_login(fachkraft)

    response = client.post(f"/verwaltung/benutzer/{administration.pk}/zwei-faktor-zuruecksetzen/")

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=administration).exists()


def test_directory_accounts_are_not_asked(client, administration, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["all"]
    DirectoryAccount.objects.create(user=administration, dn="uid=admin,ou=people,dc=example")

    client.force_login(administration)

    assert client.session[two_factor.SESSION_STEP] == two_factor.DONE
    assert client.get("/verwaltung/benutzer/").status_code == 200
    assert client.get(ENROL).status_code == 404
    account = client.get(ACCOUNT)
    assert account.context["local"] is False
    card = account.content.decode().split('id="two-factor-account"')[1].split("</div>")[0]
    assert "<form" not in card


def test_an_oidc_session_is_not_asked(administration):
    assert two_factor.step_after_password(administration, "x.oidc.OIDCBackend") == two_factor.DONE
    assert two_factor.step_after_password(administration) == two_factor.ENROL


@pytest.mark.parametrize(
    ("roles", "fachkraft_asked", "admin_asked"),
    [
        ([], False, False),
        (["administration"], False, True),
        (["fachkraft", "teamleitung"], True, False),
        (["all"], True, True),
    ],
)
def test_required_roles_setting(
    settings, fachkraft, administration, roles, fachkraft_asked, admin_asked
):
    settings.TWO_FACTOR_REQUIRED_ROLES = roles

    assert two_factor.is_required(fachkraft) is fachkraft_asked
    assert two_factor.is_required(administration) is admin_asked


def test_voluntary_enrolment_and_switching_off(client, fachkraft):
    client.force_login(fachkraft)
    assert client.get("/").status_code == 200  # not required of a Fachkraft
    assert client.get(ACCOUNT).context["device"] is None

    page = client.get(f"{ENROL}?next={ACCOUNT}")
    device = TOTPDevice.objects.get(user=fachkraft)
    assert page.status_code == 200
    done = client.post(f"{ENROL}?next={ACCOUNT}", {"code": code(device), "next": ACCOUNT})
    assert done["Location"].startswith(RECOVERY)
    assert client.post(RECOVERY, {"next": ACCOUNT})["Location"] == ACCOUNT

    # From now on a sign-in asks for the code.
    client.post("/konto/abmelden/")
    assert sign_in(client, "fachkraft")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code(device, steps_ahead=1)})
    assert DEVICE_ID_SESSION_KEY in client.session

    new_codes = client.post(ACCOUNT, {"action": "codes"})
    assert new_codes["Location"].startswith(RECOVERY)
    assert len(client.session[two_factor.SESSION_RECOVERY_CODES]) == 10
    client.post(ACCOUNT, {"action": "off"})
    assert not TOTPDevice.objects.filter(user=fachkraft).exists()
    assert not StaticDevice.objects.filter(user=fachkraft).exists()


def test_required_two_factor_cannot_be_switched_off(client, administration):
    device, _codes = enrolled(administration)
    sign_in(client, "admin")
    client.post(VERIFY, {"code": code(device)})

    client.post(ACCOUNT, {"action": "off"})

    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def page_queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_pages_cost_no_extra_queries(settings, fachkraft, administration):
    """The step is kept in the session: a signed-in page asks the database nothing more
    than without two-factor authentication (a verified session: one for its device)."""
    with_middleware = page_queries(fachkraft)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "two_factor" not in m]

    assert page_queries(fachkraft) == with_middleware


@given(key=st.binary(min_size=10, max_size=40))
def test_the_key_shown_for_typing_is_the_device_key(key):
    """Whatever the key, the groups of four read together are the key an app decodes."""
    device = TOTPDevice(key=key.hex(), user=User(username="m.muster"))

    groups = two_factor.secret_groups(device)

    assert all(len(group) == 4 for group in groups[:-1]) and 1 <= len(groups[-1]) <= 4
    text = "".join(groups)
    assert base64.b32decode(text + "=" * (-len(text) % 8)) == key
    assert f"secret={text}" in device.config_url


def test_next_never_leads_off_site(client, administration):
    device, _codes = enrolled(administration)
    sign_in(client, "admin")

    response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_devices_are_not_in_the_django_admin(client, administration, settings):
    """The admin would show an authenticator's secret; devices change only on our pages."""
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    device, _codes = enrolled(administration)
    other = second_administration()
    User.objects.filter(pk=other.pk).update(is_superuser=True, is_staff=True)
    client.force_login(other)

    assert client.get("/admin/").status_code == 200

    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
