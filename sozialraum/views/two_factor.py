"""Two-factor pages: setting up an authenticator, the code after the password, recovery codes,
the own account's two-factor page, and the reset by another member of Administration. The
rules live in ``sozialraum.accounts.two_factor``; these views only translate HTTP."""

from axes.helpers import get_lockout_response
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from sozialraum.accounts import two_factor
from sozialraum.views.users import UserObjectMixin

as_two_factor_page = method_decorator(two_factor.two_factor_page, name="dispatch")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def next_url(request) -> str:
    """Where to go once the step is done: ``next`` if it is ours, else the start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("sozialraum:home")


class NextMixin:
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": next_url(self.request)}


@as_two_factor_page
class VerifyView(NextMixin, FormView):
    """The code after the password: from the authenticator app or a recovery code."""

    form_class = CodeForm
    template_name = "sozialraum/two_factor/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.session.get(two_factor.SESSION_STEP) != two_factor.VERIFY:
            return redirect(next_url(request))
        if two_factor.is_locked_out(request, request.user):
            return self.locked_out()
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["code"].help_text = _(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        )
        return form

    def form_valid(self, form):
        request = self.request
        device = two_factor.check_code(request, request.user, form.cleaned_data["code"])
        if device is None:
            if getattr(request, "axes_locked_out", False):
                return self.locked_out()
            form.add_error("code", _("This code is not right. Please try the current code."))
            return self.form_invalid(form)
        two_factor.step_done(request, device)
        if isinstance(device, two_factor.StaticDevice):
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)d are left. Please create new "
                    "ones on your two-factor page if you run short."
                )
                % {"left": two_factor.recovery_codes_left(request.user)},
            )
        return redirect(next_url(request))

    def locked_out(self):
        """Too many wrong codes: signed out, with django-axes' lockout page."""
        user = self.request.user
        logout(self.request)
        return get_lockout_response(self.request, None, two_factor.credentials(user))


@as_two_factor_page
class EnrolView(NextMixin, FormView):
    """Set up an authenticator app: scan the QR code or type the secret, confirm with a code."""

    form_class = CodeForm
    template_name = "sozialraum/two_factor/enrol.html"

    def dispatch(self, request, *args, **kwargs):
        step = request.session.get(two_factor.SESSION_STEP)
        if step == two_factor.VERIFY:
            # An account with an authenticator proves it first; no second one unverified.
            return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
        if not two_factor.is_local_account(request.user):
            raise Http404
        if two_factor.authenticator(request.user) is not None:
            return redirect("two_factor_account")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["code"].help_text = _("The six digits the app shows after adding the account.")
        return form

    def get_context_data(self, **kwargs):
        device = two_factor.pending_authenticator(self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "qr_code": two_factor.qr_code_svg(device.config_url),
            "secret_groups": two_factor.secret_groups(device),
            "config_url": device.config_url,
            "required": two_factor.is_required(self.request.user),
        }

    def form_valid(self, form):
        request = self.request
        device = two_factor.pending_authenticator(request.user)
        codes = two_factor.enrol(device, form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                _(
                    "This code does not match. Please check that the time on your phone is "
                    "right and enter the code the app shows now."
                ),
            )
            return self.form_invalid(form)
        two_factor.step_done(request, device)
        request.session[two_factor.SESSION_RECOVERY_CODES] = codes
        messages.success(request, _("Two-factor authentication is set up."))
        return redirect(f"{reverse('two_factor_recovery')}?{request.GET.urlencode()}")


@as_two_factor_page
class RecoveryCodesView(NextMixin, TemplateView):
    """The new recovery codes, shown once: until the user confirms they kept them."""

    template_name = "sozialraum/two_factor/recovery_codes.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.session.get(two_factor.SESSION_RECOVERY_CODES):
            return redirect("two_factor_account")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        codes = self.request.session[two_factor.SESSION_RECOVERY_CODES]
        return {**super().get_context_data(**kwargs), "codes": codes}

    def post(self, request, *args, **kwargs):
        request.session.pop(two_factor.SESSION_RECOVERY_CODES, None)
        return redirect(next_url(request))


@two_factor.two_factor_page
def recovery_codes_download(request):
    """The codes just shown, as a text file to keep."""
    codes = request.session.get(two_factor.SESSION_RECOVERY_CODES)
    if not codes:
        raise Http404
    heading = _("Sozialraum: recovery codes for %(user)s (each works once)") % {
        "user": request.user.get_username()
    }
    response = HttpResponse(
        "\n".join([heading, "", *codes, ""]), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="sozialraum-recovery-codes.txt"'
    return response


class AccountView(TemplateView):
    """The own account's two-factor page: set up, new recovery codes, switch off (only when
    the role does not require it)."""

    template_name = "sozialraum/two_factor/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "local": two_factor.is_local_account(user),
            "device": two_factor.authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.is_required(user),
        }

    def post(self, request, *args, **kwargs):
        user = request.user
        if not two_factor.is_local_account(user) or two_factor.authenticator(user) is None:
            return redirect("two_factor_account")
        if request.POST.get("action") == "codes":
            request.session[two_factor.SESSION_RECOVERY_CODES] = two_factor.recovery_codes_make(
                user
            )
            return redirect(
                f"{reverse('two_factor_recovery')}?next={reverse('two_factor_account')}"
            )
        if request.POST.get("action") == "off" and not two_factor.is_required(user):
            two_factor.two_factor_off(user)
            messages.success(request, _("Two-factor authentication is switched off."))
        return redirect("two_factor_account")


class ResetView(UserObjectMixin, TemplateView):
    """Administration resets the second factor of someone who lost their device."""

    template_name = "sozialraum/two_factor/reset.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "has_device": two_factor.has_device(self.account),
        }

    def post(self, request, *args, **kwargs):
        try:
            ended = two_factor.two_factor_reset(actor=request.user, user=self.account)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("sozialraum:user_update", pk=self.account.pk)
        messages.success(
            request,
            _(
                "Two-factor authentication of “%(user)s” reset; %(ended)d sessions ended. At "
                "the next sign-in the person sets up a new authenticator where their role "
                "requires one."
            )
            % {"user": self.account, "ended": ended},
        )
        return redirect("sozialraum:user_update", pk=self.account.pk)


urlpatterns = [
    path("konto/zwei-faktor/code/", VerifyView.as_view(), name="two_factor_verify"),
    path("konto/zwei-faktor/einrichten/", EnrolView.as_view(), name="two_factor_enrol"),
    path(
        "konto/zwei-faktor/wiederherstellungscodes/",
        RecoveryCodesView.as_view(),
        name="two_factor_recovery",
    ),
    path(
        "konto/zwei-faktor/wiederherstellungscodes.txt",
        recovery_codes_download,
        name="two_factor_recovery_download",
    ),
    path("konto/zwei-faktor/", AccountView.as_view(), name="two_factor_account"),
    path(
        "verwaltung/benutzer/<int:pk>/zwei-faktor-zuruecksetzen/",
        ResetView.as_view(),
        name="two_factor_reset",
    ),
]
