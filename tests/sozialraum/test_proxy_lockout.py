"""Lockout behind the reverse proxy: the client's address comes from X-Forwarded-For.

The proxy (one hop, DJANGO_PROXY_COUNT=1) appends the address it saw to X-Forwarded-For and
connects from its own address, so every request reaches Django from REMOTE_ADDR 10.0.0.1.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory, override_settings

from sozialraum.demo import DEMO_PASSWORD
from sozialraum.middleware import client_ip_address

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/konto/anmelden/"
PROXY = "10.0.0.1"
BEHIND_PROXY = override_settings(
    AXES_CLIENT_IP_CALLABLE="sozialraum.middleware.client_ip_address", PROXY_COUNT=1
)


def attempt(client, forwarded_for, password="falsch-falsch-falsch", username="fachkraft"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@BEHIND_PROXY
def test_failures_from_other_clients_do_not_lock_the_user_out(client, fachkraft):
    failures = [attempt(client, f"203.0.113.{n}") for n in range(1, 6)]

    response = attempt(client, "198.51.100.7", password=DEMO_PASSWORD)

    assert [r.status_code for r in failures] == [200] * 5
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(fachkraft.pk)


@BEHIND_PROXY
def test_five_failures_from_one_client_lock_that_client_only(client, fachkraft):
    failures = [attempt(client, "203.0.113.9") for _ in range(5)]

    locked = attempt(client, "203.0.113.9", password=DEMO_PASSWORD)

    assert [r.status_code for r in failures] == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "für 15 Minuten gesperrt" in locked.content.decode()
    assert SESSION_KEY not in client.session
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
    # The real user at another address still gets in.
    assert attempt(client, "198.51.100.7", password=DEMO_PASSWORD).status_code == 302


@BEHIND_PROXY
def test_an_address_forged_by_the_client_is_not_trusted(client, fachkraft):
    # The attacker writes a different "client" into the header each time; the proxy appends
    # the attacker's real address, and that one is counted.
    failures = [attempt(client, f"192.0.2.{n}, 203.0.113.9") for n in range(1, 6)]

    locked = attempt(client, "198.51.100.1, 203.0.113.9", password=DEMO_PASSWORD)

    assert [r.status_code for r in failures][-1] == 429
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (1, "nonsense, 203.0.113.9", "203.0.113.9"),
        (2, "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Not through the proxies (no or too short a header): the peer counts.
        (1, None, PROXY),
        (2, "203.0.113.9", PROXY),
        (1, "", PROXY),
    ],
)
def test_client_address_is_the_proxys_entry(settings, count, forwarded, expected):
    settings.PROXY_COUNT = count
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded

    request = RequestFactory().get("/", **meta)

    assert client_ip_address(request) == expected


def test_behind_proxy_setting_switches_axes_to_the_forwarded_address():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="true",
        DJANGO_BEHIND_PROXY="true",
        DJANGO_PROXY_COUNT="2",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        DJANGO_SETTINGS_MODULE="sozialraum.settings",
    )
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.AXES_CLIENT_IP_CALLABLE, s.PROXY_COUNT, "
        "list(s.SECURE_PROXY_SSL_HEADER)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "sozialraum.middleware.client_ip_address",
        2,
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]
