"""Zuständigkeiten: which team serves which municipality since when, moving a municipality to
another team with a preview of the impact, and creating, renaming and closing teams.

For Administration only (``permissions.can_change_structure``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, FormView, TemplateView, UpdateView

from sozialraum import permissions, reassignment
from sozialraum.concurrency import FingerprintFormViewMixin, IdempotentCreateMixin
from sozialraum.forms import ReassignForm, TeamForm, first_of_next_month
from sozialraum.models import Municipality, Team
from sozialraum.selectors import (
    assignment_gaps,
    by_middle_area,
    district_start,
    gaps_in,
    municipality_assignments,
    teams_with_municipalities,
)
from sozialraum.text import GermanSortKey
from sozialraum.views.mixins import RoleRequiredMixin


class AdministrationRequiredMixin(RoleRequiredMixin):
    """Only Administration changes the structure; everyone else is told so (403)."""

    allowed = staticmethod(permissions.can_change_structure)
    denied_message = gettext_lazy("Only Administration maintains teams and their responsibilities.")


class AssignmentListView(AdministrationRequiredMixin, TemplateView):
    """Every municipality with its current team, grouped by Mittelbereich, and the gaps."""

    template_name = "sozialraum/assignments/list.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        rows = municipality_assignments(on=today)
        groups = by_middle_area(rows)
        context = super().get_context_data(**kwargs)
        context.update(
            today=today,
            groups=groups,
            gaps=assignment_gaps(rows),
            planned_count=sum(1 for _a, rows in groups for row in rows if row.planned),
        )
        return context


class MunicipalityMixin:
    def get_municipality(self) -> Municipality:
        return get_object_or_404(Municipality, pk=self.kwargs["pk"])


class AssignmentHistoryView(AdministrationRequiredMixin, MunicipalityMixin, TemplateView):
    """One municipality's assignments as a timeline, with the periods without a team."""

    template_name = "sozialraum/assignments/history.html"

    def get_context_data(self, **kwargs):
        municipality = self.get_municipality()
        today = timezone.localdate()
        assignments = list(
            municipality.assignments.select_related("team__middle_area").order_by("-valid_from")
        )
        facts: dict[int, list] = {}
        for participant in reassignment.participants():
            for pk, items in participant.history_facts(municipality, assignments).items():
                facts.setdefault(pk, []).extend(items)
        entries = []
        for assignment in assignments:
            if assignment.covers(today):
                state = "current"
            elif assignment.valid_from > today:
                state = "planned"
            else:
                state = "ended"
            entries.append(
                {"assignment": assignment, "state": state, "facts": facts.get(assignment.pk, [])}
            )
        context = super().get_context_data(**kwargs)
        context.update(
            municipality=municipality,
            entries=entries,
            gaps=gaps_in(municipality, assignments[::-1], district_start()),
            today=today,
        )
        return context


class ReassignView(AdministrationRequiredMixin, MunicipalityMixin, FormView):
    """Step one: municipality, new team, effective date → the impact and its decisions.
    Step two: the same form with the decisions answered → everything in one transaction."""

    template_name = "sozialraum/assignments/reassign.html"
    form_class = ReassignForm
    impact = None

    def dispatch(self, request, *args, **kwargs):
        self.municipality = None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        self.municipality = self.municipality or self.get_municipality()
        return {**super().get_form_kwargs(), "municipality": self.municipality}

    def get_initial(self):
        return {"effective": first_of_next_month(timezone.localdate())}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.impact = reassignment.reassignment_preview(
                municipality=self.municipality, team=data["team"], effective=data["effective"]
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        if self.request.POST.get("action") != "apply":
            # Preview: the decisions start at their suggested answers.
            data = self.request.POST.copy()
            for decision in self.impact.decisions:
                data.setdefault(decision.key, decision.initial)
            form = self.get_form_class()(data, municipality=self.municipality)
            form.add_decisions(self.impact.decisions)
            form.full_clean()
            return self.render_to_response(self.get_context_data(form=form))
        form.add_decisions(self.impact.decisions)
        form.full_clean()  # now with the decision fields
        if form.errors:
            return self.form_invalid(form)
        try:
            reassignment.reassign(
                municipality=self.municipality,
                team=data["team"],
                effective=data["effective"],
                answers=form.answers,
                user=self.request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("From %(date)s on, %(team)s is responsible for %(municipality)s.")
            % {
                "date": date_format(data["effective"]),
                "team": data["team"].name,
                "municipality": self.municipality.name,
            },
        )
        return HttpResponseRedirect(
            reverse("sozialraum:assignment_history", args=[self.municipality.pk])
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            municipality=self.municipality,
            current=self.municipality.assignments.select_related("team")
            .order_by("-valid_from")
            .first(),
            impact=self.impact,
            decision_fields=[form[key] for key in form.decision_keys],
        )
        return context


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's errors next to the fields they concern (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Teams ----------------------------------------------------------------------------------


class TeamListView(AdministrationRequiredMixin, TemplateView):
    template_name = "sozialraum/assignments/team_list.html"

    def get_context_data(self, **kwargs):
        teams = teams_with_municipalities(
            Team.objects.order_by("-is_active", GermanSortKey("name"))
        ).prefetch_related("memberships")
        return {**super().get_context_data(**kwargs), "teams": teams}


class TeamFormMixin(AdministrationRequiredMixin):
    model = Team
    form_class = TeamForm
    template_name = "sozialraum/assignments/team_form.html"

    def get_success_url(self):
        return reverse("sozialraum:team_list")


class TeamCreateView(IdempotentCreateMixin, TeamFormMixin, CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _(
                "The team “%(team)s” was created. Assign municipalities to it on the "
                "Zuständigkeiten page."
            )
            % {"team": self.object.name},
        )
        return response


class TeamUpdateView(FingerprintFormViewMixin, TeamFormMixin, UpdateView):
    """A save from an outdated copy of the team answers 409 (see ``FingerprintFormViewMixin``)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if isinstance(response, HttpResponseRedirect):
            messages.success(
                self.request, _("The team “%(team)s” was saved.") % {"team": self.object.name}
            )
        return response


class TeamCloseView(AdministrationRequiredMixin, TemplateView):
    """Closing a team: refused while it is responsible for any municipality."""

    template_name = "sozialraum/assignments/team_close.html"

    def get_team(self) -> Team:
        return get_object_or_404(Team, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        team = kwargs.pop("team", None) or self.get_team()
        context = super().get_context_data(**kwargs)
        context.update(team=team, impact=reassignment.team_closing_preview(team))
        return context

    def post(self, request, *args, **kwargs):
        team = self.get_team()
        if request.POST.get("action") == "reopen":
            reassignment.team_reopen(team)
            messages.success(
                request, _("The team “%(team)s” is active again.") % {"team": team.name}
            )
            return HttpResponseRedirect(reverse("sozialraum:team_list"))
        try:
            reassignment.team_close(team, user=request.user)
        except ValidationError as error:
            context = self.get_context_data(team=team, errors=error.messages)
            return self.render_to_response(context, status=400)
        messages.success(request, _("The team “%(team)s” is closed.") % {"team": team.name})
        return HttpResponseRedirect(reverse("sozialraum:team_list"))


urlpatterns = [
    path("verwaltung/zustaendigkeiten/", AssignmentListView.as_view(), name="assignment_list"),
    path(
        "verwaltung/zustaendigkeiten/<int:pk>/",
        AssignmentHistoryView.as_view(),
        name="assignment_history",
    ),
    path(
        "verwaltung/zustaendigkeiten/<int:pk>/neu-zuordnen/",
        ReassignView.as_view(),
        name="assignment_reassign",
    ),
    path("verwaltung/teams/", TeamListView.as_view(), name="team_list"),
    path("verwaltung/teams/neu/", TeamCreateView.as_view(), name="team_create"),
    path("verwaltung/teams/<int:pk>/", TeamUpdateView.as_view(), name="team_update"),
    path("verwaltung/teams/<int:pk>/schliessen/", TeamCloseView.as_view(), name="team_close"),
]
