"""Settings for Sozialraum: one module, driven by environment variables.

Production is the default: DEBUG is off unless ``DJANGO_DEBUG`` asks for it, and the
application refuses to start without ``DJANGO_SECRET_KEY`` then. Without ``DATABASE_URL`` an
embedded PostgreSQL (``pgserver``) is started with its data under ``var/``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state: the embedded PostgreSQL's data, backups, the lock of `make run`.
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR") or BASE_DIR / "var").resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DEBUG is off "
            "(set DJANGO_DEBUG=true for development)."
        )
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    # Two-factor authentication for local accounts (sozialraum.accounts.two_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "pgtrigger",
    "pghistory",
    "procrastinate.contrib.django",
    "sozialraum",
    "kooperation",
    "teams",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files stay cacheable), before everything that reads the database.
    "sozialraum.middleware.NoStoreMiddleware",
    "sozialraum.middleware.DatabaseTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Django's, with a whole-page redirect for htmx requests of an expired session.
    "sozialraum.middleware.LoginRequiredMiddleware",
    # A session that still owes its second factor reaches only the two-factor pages.
    "sozialraum.accounts.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # axes must come last: it turns a lockout signalled by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sozialraum.urls"
WSGI_APPLICATION = "sozialraum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sozialraum.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True)}
else:
    from sozialraum.embedded_db import embedded_database

    DATABASES = {
        "default": embedded_database(
            VAR_DIR / "pgdata", os.environ.get("DJANGO_DB_NAME", "sozialraum")
        )
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Time limits of a web request's database work in seconds (0: none), set per request by
# sozialraum.middleware.DatabaseTimeoutMiddleware; management commands and the worker have none.
# A request that hits one gets the "please try again" page (503).
DB_STATEMENT_TIMEOUT = float(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT", "15"))
DB_LOCK_TIMEOUT = float(os.environ.get("DJANGO_DB_LOCK_TIMEOUT", "5"))
# For views marked sozialraum.middleware.long_running (large downloads).
DB_LONG_STATEMENT_TIMEOUT = float(os.environ.get("DJANGO_DB_LONG_STATEMENT_TIMEOUT", "300"))

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "sozialraum.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The directory (when DJANGO_LDAP_URL is set) and the rule for local sign-in.
    "sozialraum.accounts.ldap.DirectoryBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "sozialraum:home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username from one address after 5 failures, for 15 minutes, never for good.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The user name of a failed attempt, cut to the length of axes' column (sozialraum.accounts.login).
AXES_USERNAME_CALLABLE = "sozialraum.accounts.login.axes_username"
# Behind the reverse proxy the client's address is the one the proxy appended to
# X-Forwarded-For (DJANGO_PROXY_COUNT trusted proxies, each appending; see
# sozialraum.middleware.client_ip_address): failures from other clients never lock a user out.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
if BEHIND_PROXY:
    AXES_CLIENT_IP_CALLABLE = "sozialraum.middleware.client_ip_address"

# Teams, Mittelbereiche, municipalities and assignments read by every page's filter panel are kept
# in memory at most this long (sozialraum/structure_cache.py); 0 turns the cache off. A write
# empties the writing process's cache at once; the other processes compare the structure version
# the database keeps at most once per STRUCTURE_VERSION_CHECK_SECONDS and follow within it.
STRUCTURE_CACHE_SECONDS = int(os.environ.get("DJANGO_STRUCTURE_CACHE_SECONDS", "600"))
STRUCTURE_VERSION_CHECK_SECONDS = float(os.environ.get("DJANGO_STRUCTURE_VERSION_SECONDS", "1"))

# Idle timeout: every request renews the session, which expires after this many idle minutes.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "60")) * 60
SESSION_SAVE_EVERY_REQUEST = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "sozialraum" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("DJANGO_PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# "- please choose -" instead of Django's "---------" as the empty choice of every select.
FORM_RENDERER = "sozialraum.form_rendering.SozialraumFormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------------------------
# HTTPS is assumed in production; DJANGO_HTTPS=false only for local runs over plain HTTP.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", HTTPS)
if env_bool("DJANGO_BEHIND_PROXY", False):
    # The TLS-terminating proxy must set X-Forwarded-Proto and strip it from client requests.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Application ----------------------------------------------------------------------------
# Where the shipped district data lives; `load_district` reads it unless given --file.
DISTRICT_CSV = BASE_DIR / "sozialraum" / "data" / "rems-murr-kreis.csv"
# The district named on the annual report's cover and running head (with SOZIALRAUM_OFFICE_NAME).
SOZIALRAUM_DISTRICT_NAME = os.environ.get("SOZIALRAUM_DISTRICT_NAME", "Rems-Murr-Kreis")

# django-pghistory: record who changed what; reads change nothing, so only writes get a context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The user↔group link (the roles Amtsleitung and Administration) is Django's own many-to-many
# table, which has no migrations of ours to carry its audit triggers: install every trigger after
# each migrate (idempotent; the other models' triggers come with their migrations as well).
# sozialraum.apps.install_triggers does that, and only on a fully migrated database (a
# `migrate <app> zero` must not reinstall the triggers of the tables it just removed).
PGTRIGGER_INSTALL_ON_MIGRATE = False

# `make bench` only: the measuring pages of teams/bench.py (the floor view, a stock admin).
BENCH = env_bool("DJANGO_BENCH", False)

# --- Retention (teams.retention, `manage.py apply_retention`) ---------------------------------
# Months after which activity notes are blanked, the links of activities to staff pseudonymised
# and audit events deleted; a run's options override them.
RETENTION_NOTE_MONTHS = int(os.environ.get("DJANGO_RETENTION_NOTE_MONTHS", "12"))
RETENTION_STAFF_MONTHS = int(os.environ.get("DJANGO_RETENTION_STAFF_MONTHS", "36"))
RETENTION_AUDIT_MONTHS = int(os.environ.get("DJANGO_RETENTION_AUDIT_MONTHS", "12"))

# --- Exports (teams.exports) ------------------------------------------------------------------
# An Excel export of more rows than this is prepared as a background job (CSV always streams).
EXPORT_JOB_THRESHOLD = int(os.environ.get("DJANGO_EXPORT_JOB_THRESHOLD", "50000"))

# --- Background jobs (sozialraum.jobs, procrastinate; worker: `manage.py run_worker`) --------
# Hours after which a finished job is deleted with its result file.
JOB_RESULT_HOURS = int(os.environ.get("DJANGO_JOB_RESULT_HOURS", "24"))
PROCRASTINATE_IMPORT_PATHS = ["sozialraum.jobs.tasks"]
PROCRASTINATE_IMPORT_PATHS += ["sozialraum.accounts.ldap"]  # the directory check
# The queue's entry of a successful task goes at once (our Job row keeps what the user sees);
# failed ones stay for diagnosis until the clean-up.
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}

# --- E-mail (sozialraum.mail; reminders: sozialraum.reminders) --------------------------------
# SMTP by environment. In development (DEBUG) without DJANGO_EMAIL_HOST, mails are printed to the
# console instead (`make run` says so); DJANGO_EMAIL_BACKEND overrides either choice.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "sozialraum@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not os.environ.get("DJANGO_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
# The address of the application as mails link to it (no trailing slash): mails are sent by the
# worker, which has no request to take the host from.
SITE_URL = os.environ.get(
    "DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "http://localhost"
).rstrip("/")
# The office as mails (and reports) name it.
SOZIALRAUM_OFFICE_NAME = os.environ.get("SOZIALRAUM_OFFICE_NAME", "Kreisjugendamt Rems-Murr-Kreis")
# Password reset (sozialraum.accounts.password_reset): the link is valid this long, and at most
# this many requests per hour are accepted from one address and for one account.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("DJANGO_PASSWORD_RESET_MINUTES", "60")) * 60
PASSWORD_RESET_LIMIT_PER_IP = int(os.environ.get("DJANGO_PASSWORD_RESET_LIMIT_PER_IP", "10"))
PASSWORD_RESET_LIMIT_PER_ACCOUNT = int(
    os.environ.get("DJANGO_PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3")
)
# The reminders' periodic tasks and the mail task (sozialraum.reminders, sozialraum.mail).
PROCRASTINATE_IMPORT_PATHS += ["sozialraum.reminders", "sozialraum.mail"]

# --- Directory sign-in over LDAP (sozialraum.accounts.ldap; README "Directory sign-in") -----
# Off unless DJANGO_LDAP_URL is set (ldap://host:389 with DJANGO_LDAP_START_TLS, or ldaps://).
LDAP_URL = os.environ.get("DJANGO_LDAP_URL", "")
LDAP_BIND_DN = os.environ.get("DJANGO_LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("DJANGO_LDAP_BIND_PASSWORD", "")
LDAP_START_TLS = env_bool("DJANGO_LDAP_START_TLS", False)
LDAP_CA_FILE = os.environ.get("DJANGO_LDAP_CA_FILE", "")
LDAP_TIMEOUT = int(os.environ.get("DJANGO_LDAP_TIMEOUT", "5"))
LDAP_USER_BASE = os.environ.get("DJANGO_LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get("DJANGO_LDAP_USER_FILTER", "(objectClass=person)")
# A person signs in with any of these (AD: sAMAccountName,userPrincipalName,mail).
LDAP_LOGIN_ATTRIBUTES = env_list("DJANGO_LDAP_LOGIN_ATTRIBUTES", "uid,mail")
LDAP_USERNAME_ATTRIBUTE = (
    os.environ.get("DJANGO_LDAP_USERNAME_ATTRIBUTE", "") or LDAP_LOGIN_ATTRIBUTES[0]
)
LDAP_FIRST_NAME_ATTRIBUTE = os.environ.get("DJANGO_LDAP_FIRST_NAME_ATTRIBUTE", "givenName")
LDAP_LAST_NAME_ATTRIBUTE = os.environ.get("DJANGO_LDAP_LAST_NAME_ATTRIBUTE", "sn")
LDAP_EMAIL_ATTRIBUTE = os.environ.get("DJANGO_LDAP_EMAIL_ATTRIBUTE", "mail")
LDAP_GROUP_BASE = os.environ.get("DJANGO_LDAP_GROUP_BASE", "")
LDAP_GROUP_FILTER = os.environ.get(
    "DJANGO_LDAP_GROUP_FILTER", "(|(objectClass=groupOfNames)(objectClass=group))"
)
LDAP_GROUP_MEMBER_ATTRIBUTE = os.environ.get("DJANGO_LDAP_GROUP_MEMBER_ATTRIBUTE", "member")
# Nested groups: walk (follow member upwards, OpenLDAP), ad (matching rule in chain), none.
LDAP_NESTED = os.environ.get("DJANGO_LDAP_NESTED", "walk")
# People matching this filter cannot sign in and are deactivated; AD:
# (userAccountControl:1.2.840.113556.1.4.803:=2), OpenLDAP e.g. (pwdAccountLockedTime=*).
LDAP_DISABLED_FILTER = os.environ.get("DJANGO_LDAP_DISABLED_FILTER", "")
# Local sign-in (password kept here): all, administration (break-glass only) or none.
LOCAL_LOGIN = os.environ.get("DJANGO_LOCAL_LOGIN", "all")
if LOCAL_LOGIN not in {"all", "administration", "none"}:
    raise ImproperlyConfigured("DJANGO_LOCAL_LOGIN must be all, administration or none.")
if LDAP_NESTED not in {"walk", "ad", "none"}:
    raise ImproperlyConfigured("DJANGO_LDAP_NESTED must be walk, ad or none.")

# --- Two-factor authentication (sozialraum.accounts.two_factor; README "Two-factor") ---------
# Local accounts of these roles must use a second factor (an authenticator app): a comma list of
# fachkraft, teamleitung, fachbereichsleitung, amtsleitung, administration; "all"; or empty for
# none. Everyone else with a local account may switch it on. Directory and OIDC accounts are
# never asked (the directory has its own factors).
TWO_FACTOR_REQUIRED_ROLES = env_list("DJANGO_2FA_REQUIRED_ROLES", "administration")
if set(TWO_FACTOR_REQUIRED_ROLES) - {
    "all",
    "fachkraft",
    "teamleitung",
    "fachbereichsleitung",
    "amtsleitung",
    "administration",
}:
    raise ImproperlyConfigured(
        "DJANGO_2FA_REQUIRED_ROLES must be all, or a comma list of fachkraft, teamleitung, "
        "fachbereichsleitung, amtsleitung, administration."
    )
# The issuer the authenticator app shows beside the user name.
OTP_TOTP_ISSUER = SOZIALRAUM_OFFICE_NAME

# --- Sign-in with OpenID Connect (sozialraum.accounts.oidc; README "Anmeldung über OpenID Connect")
# Off unless DJANGO_OIDC_CLIENT_ID and the issuer (or the endpoints one by one) are set. The
# endpoints are read from the issuer's /.well-known/openid-configuration at the first sign-in;
# an endpoint set explicitly wins (ADFS without discovery, or a provider behind a proxy).
OIDC_ISSUER = os.environ.get("DJANGO_OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("DJANGO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("DJANGO_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("DJANGO_OIDC_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = os.environ.get("DJANGO_OIDC_GROUPS_CLAIM", "groups")
OIDC_USERNAME_CLAIM = os.environ.get("DJANGO_OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_BUTTON_LABEL = os.environ.get("DJANGO_OIDC_BUTTON_LABEL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("DJANGO_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("DJANGO_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("DJANGO_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("DJANGO_OIDC_JWKS_ENDPOINT", "")
OIDC_OP_END_SESSION_ENDPOINT = os.environ.get("DJANGO_OIDC_END_SESSION_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("DJANGO_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = env_bool("DJANGO_OIDC_USE_PKCE", True)
OIDC_TIMEOUT = int(os.environ.get("DJANGO_OIDC_TIMEOUT", "10"))
# A CA file for a provider with an internal certificate; otherwise the system's CAs.
OIDC_VERIFY_SSL = os.environ.get("DJANGO_OIDC_CA_FILE", "") or True
# The ID token is kept in the session: it marks an OIDC sign-in and is the hint at sign-out.
OIDC_STORE_ID_TOKEN = True
LOGIN_REDIRECT_URL_FAILURE = "login"
AUTHENTICATION_BACKENDS += ["sozialraum.accounts.oidc.OidcBackend"]
if OIDC_ISSUER or OIDC_OP_END_SESSION_ENDPOINT:
    # Signing out is a form sent here that redirects to the provider's end-session endpoint:
    # browsers hold such a redirect to form-action.
    from urllib.parse import urlsplit

    _end_session = urlsplit(OIDC_OP_END_SESSION_ENDPOINT or OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [
        SELF,
        f"{_end_session.scheme}://{_end_session.netloc}",
    ]
