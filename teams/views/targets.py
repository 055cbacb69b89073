"""Ziele (Soll): the list of targets, setting, changing and deleting one.

Fachbereichsleitung sets targets for the own Mittelbereiche, their teams and municipalities;
Amtsleitung / Jugendhilfeplanung for every scope. Others may not (403); a target outside the
user's scopes is a 404. A change based on an outdated copy answers 409 (``Versioned``).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from sozialraum.concurrency import (
    IdempotentCreateMixin,
    VersionedFormMixin,
    VersionedFormViewMixin,
)
from sozialraum.permissions import Role, has_role
from teams.dashboard import scopes_for
from teams.models import Target, TargetIndicator
from teams.targets import PERCENT, rows_for
from teams.views.dashboard import FIRST_DAY, LAST_DAY

REFUSAL = gettext_lazy(
    "Targets are set by the Fachbereichsleitung and by the Amtsleitung / Jugendhilfeplanung."
)


def may_set_targets(user) -> bool:
    return has_role(user, Role.AMTSLEITUNG) or has_role(user, Role.FACHBEREICHSLEITUNG)


def target_scopes(user) -> list:
    """The scopes the user may set targets for (no district: a target has one scope)."""
    return [scope for scope in scopes_for(user) if scope.kind != "district"]


def targets_visible_to(user):
    if has_role(user, Role.AMTSLEITUNG):
        return Target.objects.all()
    ids = {}
    for scope in target_scopes(user):
        ids.setdefault(scope.kind, []).append(scope.pk)
    return Target.objects.filter(
        Q(municipality__in=ids.get("municipality", []))
        | Q(team__in=ids.get("team", []))
        | Q(middle_area__in=ids.get("middle_area", []))
    )


class TargetForm(VersionedFormMixin, forms.ModelForm):
    scope = forms.ChoiceField(label=gettext_lazy("For"))

    class Meta:
        model = Target
        fields = ["year", "indicator", "value", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.key: scope for scope in target_scopes(user)}
        self.fields["scope"].choices = [(key, s.label) for key, s in self.scopes.items()]
        self.order_fields(["scope", "year", "indicator", "value", "note"])
        self.fields["value"].help_text = _(
            "A share in per cent (0 to 100), a number, or 1 for “held” (yes/no)."
        )
        if self.instance.pk:
            self.initial["scope"] = f"{self.instance.scope_kind}-{self.instance.scope_object.pk}"
        else:
            self.initial.setdefault("year", timezone.localdate().year)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise forms.ValidationError(
                _("Choose a year between %(first)s and %(last)s."),
                params={"first": FIRST_DAY.year, "last": LAST_DAY.year},
            )
        return year

    def clean(self):
        cleaned = super().clean()
        indicator, value = cleaned.get("indicator"), cleaned.get("value")
        if value is not None and value < 0:
            self.add_error("value", _("The target must not be negative."))
        elif indicator in PERCENT and value is not None and value > 100:
            self.add_error("value", _("A share is at most 100 per cent."))
        elif indicator == TargetIndicator.EVENT_HELD and value not in (None, 0, 1):
            self.add_error("value", _("Enter 1 for “held” or 0."))
        scope = self.scopes.get(cleaned.get("scope"))
        if scope is not None:
            for kind in ("municipality", "team", "middle_area"):
                setattr(self.instance, f"{kind}_id", scope.pk if kind == scope.kind else None)
            same = Target.objects.filter(
                year=cleaned.get("year"),
                indicator=indicator,
                **{
                    f"{kind}_id": getattr(self.instance, f"{kind}_id")
                    for kind in ("municipality", "team", "middle_area")
                },
            ).exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error(
                    "indicator", _("This scope already has a target for this indicator and year.")
                )
        return cleaned


class TargetAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_set_targets(request.user):
            raise PermissionDenied(REFUSAL)
        return super().dispatch(request, *args, **kwargs)


class TargetListView(TargetAccessMixin, TemplateView):
    """The targets of a year with their actual values."""

    template_name = "teams/target_list.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        try:
            year = int(self.request.GET.get("year") or today.year)
        except ValueError:
            year = today.year
        year = min(max(year, FIRST_DAY.year), LAST_DAY.year)
        targets = list(
            targets_visible_to(self.request.user)
            .filter(year=year)
            .select_related("municipality", "team", "middle_area")
        )
        return {
            **super().get_context_data(**kwargs),
            "year": year,
            "years": [year - 1, year, year + 1],
            "target_rows": rows_for(self.request.user, targets, year, today),
        }


class TargetFormMixin(TargetAccessMixin, VersionedFormViewMixin):
    model = Target
    form_class = TargetForm
    template_name = "teams/target_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return f"{reverse('teams:target_list')}?year={self.object.year}"


class TargetCreateView(IdempotentCreateMixin, TargetFormMixin, CreateView):
    success_message = gettext_lazy("Target “%(name)s” saved.")


class TargetUpdateView(TargetFormMixin, UpdateView):
    success_message = gettext_lazy("Target “%(name)s” saved.")

    def get_queryset(self):
        return targets_visible_to(self.request.user)


class TargetDeleteView(TargetAccessMixin, View):
    """Delete a target; a copy changed meanwhile is shown again (409) before it goes."""

    def get(self, request, pk):
        target = get_object_or_404(targets_visible_to(request.user), pk=pk)
        return render(request, "teams/target_confirm_delete.html", {"target": target})

    def post(self, request, pk):
        with transaction.atomic():
            target = get_object_or_404(targets_visible_to(request.user).select_for_update(), pk=pk)
            if str(target.version) != request.POST.get("version"):
                context = {"target": target, "conflict": True}
                return render(request, "teams/target_confirm_delete.html", context, status=409)
            year = target.year
            target.delete()
        messages.success(request, _("Target deleted."))
        return redirect(f"{reverse('teams:target_list')}?year={year}")
