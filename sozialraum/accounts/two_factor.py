"""Two-factor authentication for local accounts (django-otp): an authenticator app (TOTP) and
ten single-use recovery codes.

Who is asked: accounts that sign in with a password kept here. Directory (LDAP) and OpenID
Connect accounts rely on the directory's own factors and are never asked. A local account with a
confirmed authenticator must give a code after the password; one without, whose role is in
``TWO_FACTOR_REQUIRED_ROLES`` (default: Administration), must set one up first. Other roles may
set one up on their own account page.

How it is enforced: at sign-in (``user_logged_in``) the step still missing is noted in the
session, "verify" or "enrol"; ``TwoFactorMiddleware`` sends such a session to that step's page
(htmx requests with ``HX-Redirect``), and only the two-factor pages and sign-out are reachable
until the step is done, which logs the device into the session (django-otp's ``is_verified``).
Working from the session keeps pages free of extra queries. A wrong code counts as a failed
sign-in for django-axes, so repeated wrong codes lock the account out like wrong passwords.
"""

import base64
import logging
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import BACKEND_SESSION_KEY, user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sozialraum.accounts import local
from sozialraum.middleware import htmx_page_path
from sozialraum.models import DirectoryAccount, User
from sozialraum.permissions import roles_of

logger = logging.getLogger(__name__)

ALL_ROLES = "all"
# The step a session still has to take: give a code, or set up an authenticator first.
SESSION_STEP = "two_factor_step"
VERIFY, ENROL, DONE = "verify", "enrol", ""
STEP_URLS = {VERIFY: "two_factor_verify", ENROL: "two_factor_enrol"}
# Recovery codes just made, shown (and downloadable) until the user confirms they kept them.
SESSION_RECOVERY_CODES = "two_factor_recovery_codes"
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 8  # django-otp's StaticToken.random_token()
# Pages an unfinished session may still reach, beside the two-factor pages themselves.
OPEN_URL_NAMES = frozenset({"logout", "set_language"})


def keep_devices_out_of_the_admin() -> None:
    """django-otp registers its devices in the Django admin, whose pages show an
    authenticator's QR code (its secret) to whoever has the model permissions, a superuser
    included: devices change only through the two-factor pages (a reset is recorded)."""
    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


# Imported by ``SozialraumConfig.ready``, after the admin discovered django-otp's modules.
keep_devices_out_of_the_admin()


# --- Who is asked ----------------------------------------------------------------------------


def required_roles() -> frozenset[str]:
    return frozenset(settings.TWO_FACTOR_REQUIRED_ROLES)


def is_local_account(user: User, backend: str | None = None) -> bool:
    """Whether the account signs in with a password kept here (not the directory, not OIDC)."""
    if backend and "oidc" in backend.lower():
        return False
    return not DirectoryAccount.objects.filter(user_id=user.pk).exists()


def is_required(user: User) -> bool:
    """Whether the account's roles oblige it to use a second factor."""
    wanted = required_roles()
    if not wanted:
        return False
    return ALL_ROLES in wanted or bool(wanted & {str(role) for role in roles_of(user)})


def authenticator(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def step_after_password(user: User, backend: str | None = None) -> str:
    """What a session of ``user`` still needs after the password: VERIFY, ENROL or DONE."""
    if not is_local_account(user, backend):
        return DONE
    if authenticator(user) is not None:
        return VERIFY
    return ENROL if is_required(user) else DONE


@receiver(user_logged_in, dispatch_uid="sozialraum.two_factor.step")
def note_step(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        step = step_after_password(user, getattr(user, "backend", None))
        request.session[SESSION_STEP] = step
        request.two_factor_step = step


def step_done(request, device) -> None:
    """The second factor is given: the device verifies the session from now on."""
    otp_login(request, device)
    request.session[SESSION_STEP] = DONE


# --- Enforcement -----------------------------------------------------------------------------


def two_factor_page(view):
    """Mark a view an unfinished session may reach (the two-factor pages)."""
    view.two_factor_page = True
    return view


def step_url(step: str, next_page: str) -> str:
    return f"{reverse(STEP_URLS[step])}?{urlencode({'next': next_page})}"


class TwoFactorMiddleware:
    """Sends a signed-in session that still owes its second factor to the step's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        step = getattr(request, "two_factor_step", DONE)
        if step and response.status_code == 302:
            # The password was right just now: on to the step, then where the login led.
            response["Location"] = step_url(step, response["Location"])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session = request.session
        if SESSION_STEP not in session:  # a session from before two-factor was switched on
            session[SESSION_STEP] = step_after_password(
                request.user, session.get(BACKEND_SESSION_KEY)
            )
        step = session[SESSION_STEP]
        if not step or getattr(view_func, "two_factor_page", False):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_URL_NAMES:
            return None
        htmx = request.headers.get("HX-Request") == "true"
        target = step_url(step, (htmx and htmx_page_path(request)) or request.get_full_path())
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


# --- Devices ---------------------------------------------------------------------------------


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), made on first use; its secret stays the
    same across reloads so that a scanned code keeps matching."""
    device = authenticator(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


def secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it for manual entry: Base32, no padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def secret_groups(device: TOTPDevice) -> list[str]:
    text = secret(device)
    return [text[i : i + 4] for i in range(0, len(text), 4)]


def qr_code_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG (no script, no style attribute)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    # Safe: the text is encoded into the path's geometry, never written into the markup.
    return mark_safe(image.to_string(encoding="unicode"))


def recovery_codes_make(user: User) -> list[str]:
    """Ten new recovery codes, replacing the old ones (each works once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrol(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator being set up with a code it shows; returns the new recovery
    codes, or None when the code does not match."""
    with transaction.atomic():
        if not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_make(device.user)


def two_factor_off(user: User) -> int:
    """Remove the account's authenticator and recovery codes; returns how many devices."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


# --- Checking a code -------------------------------------------------------------------------


def credentials(user: User) -> dict:
    return {"username": user.username}


def is_locked_out(request, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, credentials(user))


def matching_device(user: User, code: str):
    """The device that accepts ``code``, asking only the kind the code looks like: the
    authenticator for a short number, else the recovery codes. (django-otp's ``match_token``
    asks every device, so each recovery code would count as a wrong code of the authenticator
    and slow its next use down.)"""
    model = TOTPDevice if code.isdigit() and len(code) < RECOVERY_CODE_LENGTH else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user).select_for_update():
            if device.verify_token(code):
                return device
    return None


def check_code(request, user: User, code: str):
    """The device that accepts ``code`` (authenticator or a recovery code, used up), or None;
    a wrong code is a failed sign-in for django-axes, which may lock the account out."""
    device = matching_device(user, code) if code else None
    if device is None:
        user_login_failed.send(sender=__name__, credentials=credentials(user), request=request)
        return None
    axes_reset(username=user.username)
    return device


# --- Reset by Administration -----------------------------------------------------------------


def two_factor_reset(*, actor: User, user: User) -> int:
    """Remove the authenticator and recovery codes of someone who lost their device, and end
    their sessions; recorded in the admin's action log. Never one's own (another member of
    Administration must confirm the person). Returns how many sessions were ended."""
    local._require_administration(actor)
    if actor.pk == user.pk:
        raise ValidationError(
            _("Please ask another member of Administration to reset your own second factor."),
            code="self_reset",
        )
    with transaction.atomic():
        two_factor_off(user)
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message="Two-factor authentication reset (authenticator and recovery codes "
            "removed, sessions ended).",
            single_object=True,
        )
    ended = local.sessions_end(user)
    logger.warning("Two-factor authentication of %s reset by %s", user.username, actor.username)
    return ended


def reset_entries(user: User):
    """The recorded resets of ``user``'s second factor, newest first."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        change_message__startswith="Two-factor authentication reset",
    ).order_by("-action_time")


def has_device(user: User) -> bool:
    return any(True for _device in devices_for_user(user))
