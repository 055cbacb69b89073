"""Signing in with OpenID Connect (ADFS, Entra ID, Keycloak), the second way beside LDAP.

Built on mozilla-django-oidc (authorization code flow with PKCE, state and nonce in the session)
with our own pieces where the office's rules differ from the library's defaults:

* the endpoints come from the issuer's discovery document (``discovery``), unless set one by
  one; the ID token's issuer and audience are checked, which the library leaves out;
* the account is the *directory account* of ``sozialraum.accounts.ldap`` (``person_sync``): the
  first sign-in creates it, name and e-mail follow the provider at every sign-in, no usable local
  password, a local account of the same name is never taken over, and the roles follow the groups
  of the ``OIDC_GROUPS_CLAIM`` claim through the same mapping (``group_roles``);
* an account deactivated here stays refused, whatever the provider says;
* every failure returns to the login page with a German message (never a 400 or 500);
* signing out of an OIDC sign-in also signs out at the provider (RP-initiated logout).
"""

import functools
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import path
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sozialraum.accounts import group_roles, ldap
from sozialraum.models import User

logger = logging.getLogger(__name__)

PROVIDER_UNAVAILABLE = _(
    "The sign-in service of the district office cannot be reached at the moment. Please try "
    "again in a few minutes or contact the IT department."
)
SIGN_IN_EXPIRED = _(
    "The sign-in could not be completed: it took too long or was started in another window. "
    "Please sign in again."
)
SIGN_IN_REFUSED = _(
    "The sign-in with the district office's account did not succeed. Please try again or "
    "contact the IT department."
)
ACCOUNT_DEACTIVATED = _(
    "Your account in Sozialraum is deactivated. Please contact the administration of the youth "
    "welfare office."
)
ACCOUNT_CLASH = _(
    "A local account with your user name exists already. Please contact the administration of "
    "the youth welfare office."
)
# The endpoints and the discovery document's names for them.
ENDPOINTS = {
    "authorization_endpoint": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "OIDC_OP_TOKEN_ENDPOINT",
    "userinfo_endpoint": "OIDC_OP_USER_ENDPOINT",
    "jwks_uri": "OIDC_OP_JWKS_ENDPOINT",
    "end_session_endpoint": "OIDC_OP_END_SESSION_ENDPOINT",
}


class ProviderUnavailable(Exception):  # noqa: N818 - a state of the world, not a bug
    """The provider cannot be reached, or its discovery document is unusable."""


def is_configured() -> bool:
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


@functools.lru_cache(maxsize=4)
def discovery(issuer: str) -> dict:
    """The issuer's discovery document, fetched once per process (providers change their
    endpoints rarely; a restart reads them again)."""
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"discovery at {url} failed: {error}") from error
    if document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable(f"{url} names another issuer: {document.get('issuer')!r}")
    return document


def endpoint(name: str) -> str:
    """An endpoint of the provider: set explicitly, or from the discovery document."""
    explicit = getattr(settings, ENDPOINTS[name])
    if explicit or not settings.OIDC_ISSUER:
        return explicit
    return discovery(settings.OIDC_ISSUER).get(name, "")


def groups_from_claims(claims: dict) -> frozenset[str]:
    """The (normalised) groups the ``OIDC_GROUPS_CLAIM`` claim names; one group may come as a
    plain string."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return frozenset(group_roles.normalise_group(str(group)) for group in value if str(group))


def person_from_claims(claims: dict) -> ldap.Person | None:
    """The person the claims describe, as the directory sign-in knows one (the subject in
    place of the DN); None without a user name."""
    username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip().lower()
    if not username or not claims.get("sub"):
        return None
    return ldap.Person(
        dn=f"oidc:{claims['sub']}"[:500],
        username=username[:150],
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        email=str(claims.get("email") or "")[:254],
    )


def refuse(request, message) -> None:
    """Remember why a sign-in was refused, for the login page."""
    if request is not None:
        request.oidc_refusal = message


def account_sync(request, claims: dict) -> User | None:
    """The account of the person the provider signed in, created or updated with the roles of
    their groups; None (with the reason on the request) when refused."""
    person = person_from_claims(claims)
    if person is None:
        logger.warning("OIDC sign-in refused: no %r claim", settings.OIDC_USERNAME_CLAIM)
        refuse(request, SIGN_IN_REFUSED)
        return None
    known = ldap.directory_user(person.username)
    if known is not None and not known.is_active:
        # Deactivated here (or by the directory's periodic check): the provider cannot undo it.
        refuse(request, ACCOUNT_DEACTIVATED)
        return None
    user = ldap.person_sync(person, groups_from_claims(claims))
    if user is None:
        refuse(request, ACCOUNT_CLASH)
    return user


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only the callback (its ``nonce`` argument),
    with the settings read at each sign-in (the library reads them once, and refuses to start
    without them) and the account rules of ``account_sync``."""

    def __init__(self, *args, **kwargs):
        self.UserModel = User

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None or "nonce" not in kwargs or not is_configured():
            return None
        self.OIDC_OP_TOKEN_ENDPOINT = endpoint("token_endpoint")
        self.OIDC_OP_USER_ENDPOINT = endpoint("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = endpoint("jwks_uri")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks signature and nonce; the ID token must also come from our
        issuer and be meant for us."""
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if settings.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("The ID token is meant for another client.")
            issuer = str(payload.get("iss", "")).rstrip("/")
            if settings.OIDC_ISSUER and issuer != settings.OIDC_ISSUER:
                raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint where there is one
        (Entra ID sends the groups only in the ID token, Keycloak often only in userinfo)."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("The provider sent no subject.")
        return account_sync(self.request, claims)

    def get_user(self, user_id):
        # Django's, which refuses a deactivated account (the library's does not).
        return ModelBackend.get_user(self, user_id)


def _configured_only(request) -> None:
    if not is_configured():
        raise Http404


class SignInView(OIDCAuthenticationRequestView):
    """The button on the login page: off to the provider (a GET redirect)."""

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        _configured_only(request)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("authorization_endpoint")
        except ProviderUnavailable as error:
            logger.error("OIDC provider unavailable: %s", error)
            messages.error(request, PROVIDER_UNAVAILABLE)
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: sign in, or back to the login page with the reason in German
    (a forged or stale state, a wrong nonce, a refused account, the provider unreachable)."""

    def get(self, request):
        _configured_only(request)
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            logger.warning("OIDC sign-in refused: %s", error)
            refuse(request, SIGN_IN_EXPIRED)
        except (requests.RequestException, ProviderUnavailable) as error:
            if _refused_by_provider(error):
                # invalid_grant and the like: a used or stale code, a wrong PKCE verifier.
                logger.warning("OIDC sign-in refused by the provider: %s", error)
                refuse(request, SIGN_IN_EXPIRED)
            else:
                logger.error("OIDC provider unavailable: %s", error)
                refuse(request, PROVIDER_UNAVAILABLE)
        return self.login_failure()

    def login_failure(self):
        message = getattr(self.request, "oidc_refusal", None)
        if message is None:
            stale = "code" in self.request.GET and "oidc_states" not in self.request.session
            message = SIGN_IN_EXPIRED if stale else SIGN_IN_REFUSED
        messages.error(self.request, message)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL_FAILURE))


def _refused_by_provider(error: Exception) -> bool:
    """Whether the provider answered with a client error (4xx) rather than not at all."""
    response = getattr(error, "response", None)
    return response is not None and 400 <= response.status_code < 500


def end_session_url(request, id_token: str) -> str | None:
    """The provider's end-session address for this sign-in, coming back to the login page;
    None where the provider has none (or cannot be reached: then only here)."""
    try:
        end_session = endpoint("end_session_endpoint")
    except ProviderUnavailable as error:
        logger.error("OIDC provider unavailable at sign-out: %s", error)
        return None
    if not end_session:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(
                resolve_url(settings.LOGOUT_REDIRECT_URL)
            ),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{end_session}?{query}"


class LogoutView(auth_views.LogoutView):
    """Django's sign-out; after an OIDC sign-in also at the provider, so that the next
    sign-in asks for the password again (a shared office computer)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if id_token and is_configured():
            target = end_session_url(request, id_token)
            if target:
                return HttpResponseRedirect(target)
        return response


def button_label() -> str:
    """The label of the login page's button (``OIDC_BUTTON_LABEL``, or ours)."""
    return settings.OIDC_BUTTON_LABEL or str(_("Sign in with the district office's account"))


urlpatterns = [
    path(
        "konto/oidc/anmelden/",
        login_not_required(SignInView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "konto/oidc/callback/",
        login_not_required(CallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
]
