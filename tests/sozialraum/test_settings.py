import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7Jq-3vN9#pLw2!tR8zK5mYc0bH6dF4gS1aE_uQiO-lT9rWn2VxZ",
    "DJANGO_ALLOWED_HOSTS": "sozialraum.example.org",
    # Never contacted: the checks below do not open a connection.
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_security_settings():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.DEBUG, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.LANGUAGE_CODE, s.TIME_ZONE, "
        "s.PASSWORD_HASHERS[0], s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds]))"
    )

    result = manage("shell", "-c", code, **PRODUCTION)

    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        False,
        True,
        True,
        True,
        31536000,
        "DENY",
        "de",
        "Europe/Berlin",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        5,
        900,
    ]


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("login"))

    directives = sorted(response["Content-Security-Policy"].split("; "))
    assert directives == [
        "base-uri 'self'",
        "default-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_expires_after_idle_time():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 60 * 60
