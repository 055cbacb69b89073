"""Test settings: the production settings module with what only tests need changed.

The project keeps one settings module driven by environment variables; this shim sets the
variables a test run needs (before that module reads them) and speeds up password hashing.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-tests-only")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("DJANGO_PLAIN_STATIC", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from sozialraum.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files come from the finders (no collectstatic before tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# The live server's thread must not keep a persistent connection open, or the test database
# cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Separate test databases for test runs side by side (e.g. TEST_DB_NAME=test_sozialraum_2).
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}  # noqa: F405

# The structure cache (sozialraum.structure_cache) is off, so that a test that compares the
# queries of two requests compares like with like; tests/sozialraum/test_structure_cache.py
# turns it on and checks that every structure write reaches the pages at once.
STRUCTURE_CACHE_SECONDS = 0

# Two-factor authentication is required of no role in tests (production: Administration), so
# that force_login and the demo logins reach the pages; tests/sozialraum/test_two_factor.py
# and tests/browser/test_two_factor_flow.py switch it on with the ``settings`` fixture.
TWO_FACTOR_REQUIRED_ROLES = []
