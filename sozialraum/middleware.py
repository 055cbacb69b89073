"""Request plumbing for production: time limits on the database, no caching of personal pages,
the client's address behind the reverse proxy.

* ``DatabaseTimeoutMiddleware`` gives every web request a ``statement_timeout`` and a
  ``lock_timeout`` (``DB_STATEMENT_TIMEOUT`` / ``DB_LOCK_TIMEOUT`` seconds). They are set on the
  connection before the view runs, as session settings: they hold for persistent connections
  (``CONN_MAX_AGE``) and for a streamed response that keeps reading after the view returned.
  Management commands and the background worker never pass through here and keep PostgreSQL's
  defaults (no limit). A view that legitimately runs longer is marked with ``long_running``.
  A request that hits a limit gets the friendly 503 page (``templates/503.html``) with
  ``Retry-After`` instead of a hang or a 500.
* ``NoStoreMiddleware`` sends ``Cache-Control: no-store, private`` on every response to a
  signed-in user and on every download, so that no browser or proxy cache keeps personal data.
* ``client_ip_address`` is axes' ``AXES_CLIENT_IP_CALLABLE`` behind the proxy.
* ``LoginRequiredMiddleware`` is Django's, except that an htmx request of an expired session
  gets a whole-page redirect to the login page (``HX-Redirect``) that returns to the page the
  user was on, instead of the login page swapped into a part of that page.
"""

import logging
import sys
import weakref
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

# SQLSTATEs of "canceling statement due to statement timeout" and "could not obtain lock".
QUERY_CANCELED = "57014"
LOCK_NOT_AVAILABLE = "55P03"
TIMEOUT_STATES = {QUERY_CANCELED, LOCK_NOT_AVAILABLE}

# Seconds after which the 503 page asks the browser to try again.
RETRY_AFTER_SECONDS = 10


# --- Time limits ------------------------------------------------------------------------------


def long_running(statement_timeout: int | None = None):
    """Mark a view (function or ``as_view()`` result) as allowed a longer statement timeout.

    ``statement_timeout`` is in seconds; ``None`` takes ``DB_LONG_STATEMENT_TIMEOUT``, 0 means
    no limit. The lock timeout stays: a long export must not queue behind a lock for minutes.
    """

    def mark(view):
        view.db_statement_timeout = statement_timeout
        view.db_long_running = True
        return view

    return mark


# The timeouts last set on each physical connection, so that an unchanged connection costs no
# extra round trip (weak keys: a closed connection drops out by itself).
_applied: "weakref.WeakKeyDictionary[object, tuple[int, int]]" = weakref.WeakKeyDictionary()


def _milliseconds(seconds) -> int:
    return max(0, round(float(seconds) * 1000))


def apply_timeouts(statement_seconds, lock_seconds, using: str = DEFAULT_DB_ALIAS) -> None:
    """Set ``statement_timeout`` and ``lock_timeout`` on the connection (0 = no limit)."""
    wanted = (_milliseconds(statement_seconds), _milliseconds(lock_seconds))
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    # Inside a transaction the setting is undone by a rollback: set it every time then.
    if not connection.in_atomic_block and _applied.get(raw) == wanted:
        return
    # On the driver's own cursor: plumbing, not one of the page's queries (the query-count
    # tests and the debug toolbar see only those).
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false), "
            "set_config('lock_timeout', %s, false)",
            [f"{wanted[0]}ms", f"{wanted[1]}ms"],
        )
    if not connection.in_atomic_block:
        _applied[raw] = wanted


def is_timeout(error: BaseException | None) -> bool:
    """Whether ``error`` (as Django raises it) is a statement or lock timeout."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state in TIMEOUT_STATES


def busy_response(request=None) -> HttpResponse:
    """The friendly 'please try again' page (503 with Retry-After)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True, private=True)
    return response


class DatabaseTimeoutMiddleware:
    """Time limits for the database work of a web request; a 503 page when one is hit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        statement = settings.DB_STATEMENT_TIMEOUT
        if getattr(view_func, "db_long_running", False):
            statement = view_func.db_statement_timeout
            if statement is None:
                statement = settings.DB_LONG_STATEMENT_TIMEOUT
        try:
            apply_timeouts(statement, settings.DB_LOCK_TIMEOUT)
        except OperationalError as error:
            # The database cannot be reached at all: let the view fail as it would.
            logger.warning("Could not set the database timeouts: %s", error)
        return None

    def process_exception(self, request, exception):
        if is_timeout(exception):
            logger.warning("Database timeout on %s %s: %s", request.method, request.path, exception)
            return busy_response(request)
        return None


def server_error(request, template_name="500.html"):
    """``handler500``: a timeout raised outside a view (in a middleware, e.g. while loading the
    session or the user) also gets the 503 page; every other error Django's 500 page."""
    if is_timeout(sys.exc_info()[1]):
        return busy_response(request)
    return default_server_error(request, template_name=template_name)


# --- Caching ----------------------------------------------------------------------------------


def is_download(response) -> bool:
    return bool(response.get("Content-Disposition")) or getattr(response, "streaming", False)


def is_public(response) -> bool:
    """A response its view declared cacheable by anyone (the public consultation-hour feeds)."""
    directives = response.get("Cache-Control", "").lower().replace(" ", "").split(",")
    return "public" in directives


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` for signed-in users' pages and all downloads.

    Placed after WhiteNoise, so that static files keep their long cache lifetime. An anonymous
    download that its view declared ``public`` (the iCal feeds of the public consultation
    hours) stays cacheable; for a signed-in user every response is ``no-store``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or (is_download(response) and not is_public(response)):
            patch_cache_control(response, no_store=True, private=True)
            # A stored validator would let a cache revalidate instead of asking again.
            for header in ("ETag", "Last-Modified", "Expires"):
                if header in response:
                    del response[header]
        return response


# --- Client address behind the proxy ----------------------------------------------------------


def client_ip_address(request) -> str | None:
    """The client's address for axes when the application runs behind ``PROXY_COUNT`` trusted
    reverse proxies that each append the address they saw to ``X-Forwarded-For``.

    The client is the entry that the outermost trusted proxy appended, i.e. the
    ``PROXY_COUNT``-th from the right; whatever a client wrote into the header itself stands
    further left and is never used. Without such an entry (a request that did not come through
    the proxies) the peer address counts.
    """
    from ipware import get_client_ip

    count = max(1, int(getattr(settings, "PROXY_COUNT", 1)))
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        # ipware counts the proxies *listed* in the header; the nearest proxy is the peer.
        proxy_count=count - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or request.META.get("REMOTE_ADDR")


# --- Signing in again from a part of a page -------------------------------------------------


def htmx_page_path(request) -> str | None:
    """The path of the page an htmx request came from (``HX-Current-URL``), if it is ours."""
    current = request.headers.get("HX-Current-URL", "")
    if not current or not url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(current)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, with a whole-page redirect for htmx: the login page returns to the page the
    user was on (e.g. Meine Woche) rather than to the URL of the fragment it asked for."""

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        page = htmx_page_path(request) or request.get_full_path()
        login_url = resolve_url(self.get_login_url(view_func))
        login = redirect_to_login(page, login_url, self.get_redirect_field_name(view_func))
        # 204: htmx swaps nothing and follows HX-Redirect with a full page load.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login["Location"]
        return response
