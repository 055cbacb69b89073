"""Absences: the list of a team's absences, recording, changing and deleting one."""

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from sozialraum.concurrency import EditConflict, add_token_field, create_once, submitted_token
from sozialraum.models import Membership, User
from sozialraum.permissions import scope_of
from sozialraum.text import GermanSortKey
from teams import permissions
from teams.absence_forms import AbsenceForm, overlap_message
from teams.absences import (
    AbsenceOverlap,
    absence_delete,
    absence_save,
    absence_series,
    stand_in_candidates,
)
from teams.models import Absence, AbsenceStandIn

# The list shows absences that ended at most this long ago, and all later ones.
PAST_DAYS = 90
RECORD_REFUSAL = gettext_lazy(
    "An absence is recorded by the person themselves or by the Teamleitung of the team."
)


def absence_rows(user):
    return (
        permissions.absences_visible_to(user)
        .select_related("user", "team")
        .prefetch_related(
            Prefetch(
                "stand_ins",
                queryset=AbsenceStandIn.objects.select_related("series__venue", "stand_in"),
            )
        )
    )


def _int(value) -> int | None:
    """A plain number of at most nine ASCII digits, or None (``isdigit`` also accepts "²")."""
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value or "") else None


class AbsenceListView(TemplateView):
    """The absences of the teams the user reads, current and planned first; with a chooser of
    the person to record an absence for (the Teamleitung may choose anyone of the team)."""

    template_name = "teams/absence_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        rows = absence_rows(user).filter(end__gte=today - datetime.timedelta(days=PAST_DAYS))
        absences = list(rows.order_by("start", "pk")[:500])
        scope = scope_of(user)
        for absence in absences:
            absence.can_change = permissions.can_record_absence(
                user, team_id=absence.team_id, person_id=absence.user_id
            )
        members = (
            Membership.objects.filter(
                team__in=scope.lead_team_ids, team__is_active=True, user__is_active=True
            )
            .select_related("user", "team")
            .order_by(GermanSortKey("user__last_name"), GermanSortKey("user__first_name"))
        )
        return {
            **super().get_context_data(**kwargs),
            "absences": absences,
            "today": today,
            "own_teams": list(permissions.absence_teams_for(user).order_by(GermanSortKey("name"))),
            "lead_members": list(members),
        }


class AbsenceFormView(View):
    """Record (no ``pk``) or change an absence with its stand-ins."""

    template_name = "teams/absence_form.html"

    def dispatch(self, request, *args, pk=None, **kwargs):
        self.object = self._absence(pk) if pk is not None else self._new_absence()
        return super().dispatch(request, *args, **kwargs)

    def _absence(self, pk) -> Absence:
        absence = get_object_or_404(absence_rows(self.request.user), pk=pk)
        if not permissions.can_record_absence(
            self.request.user, team_id=absence.team_id, person_id=absence.user_id
        ):
            raise PermissionDenied(RECORD_REFUSAL)
        return absence

    def _new_absence(self) -> Absence:
        """The person and team from ``?team=&person=``: the own team when there is one, the
        user when no person is named."""
        user = self.request.user
        params = self.request.GET.copy()
        # The list's chooser sends "team-person" as one value.
        team_part, _dash, person_part = (params.get("member") or "").partition("-")
        if team_part and person_part:
            params["team"], params["person"] = team_part, person_part
        teams = permissions.absence_teams_for(user)
        team_id = _int(params.get("team"))
        if team_id is not None:
            team = get_object_or_404(teams, pk=team_id)
        else:
            candidates = list(teams[:2])
            if len(candidates) != 1:
                if not candidates:
                    raise PermissionDenied(RECORD_REFUSAL)
                raise Http404(_("Choose the team."))
            team = candidates[0]
        person_id = _int(params.get("person")) or user.pk
        person = get_object_or_404(User.objects.filter(memberships__team=team), pk=person_id)
        if not permissions.can_record_absence(user, team_id=team.pk, person_id=person.pk):
            raise PermissionDenied(RECORD_REFUSAL)
        return Absence(user=person, team=team)

    def form(self, data=None) -> AbsenceForm:
        absence = self.object
        creating = absence.pk is None
        start = timezone.localdate() if creating else min(absence.start, timezone.localdate())
        form = AbsenceForm(
            data,
            instance=absence,
            series=absence_series(absence.user, absence.team, start),
            candidates=stand_in_candidates(absence.team, absence.user),
        )
        if creating:
            add_token_field(form)
        return form

    def render_form(self, form, status=200):
        context = {"form": form, "absence": self.object, "creating": self.object.pk is None}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form())

    def post(self, request, *args, **kwargs):
        if self.object.pk is None:
            return create_once(request, submitted_token(request), self.save)
        return self.save()

    def save(self):
        form = self.form(self.request.POST)
        if not form.is_valid():
            return self.render_form(form)
        absence = form.save(commit=False)
        try:
            absence_save(
                absence=absence,
                stand_ins=form.stand_ins(),
                expected_version=form.cleaned_data.get("version"),
                user=self.request.user,
            )
        except EditConflict as conflict:
            form.add_conflict_error(conflict)
            return self.render_form(form, status=409)
        except AbsenceOverlap:
            # Someone recorded an overlapping absence after the form's own check.
            form.add_error(None, overlap_message())
            return self.render_form(form)
        messages.success(self.request, _("Absence saved: %(absence)s.") % {"absence": absence})
        return redirect(calendar_url(absence))


def calendar_url(absence: Absence) -> str:
    return (
        reverse("teams:team_week")
        + f"?team={absence.team_id}&period=month&date={absence.start.isoformat()}"
    )


class AbsenceDeleteView(View):
    template_name = "teams/absence_confirm_delete.html"

    def dispatch(self, request, *args, pk, **kwargs):
        self.object = AbsenceFormView(request=request)._absence(pk)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, {"absence": self.object})

    def post(self, request, *args, **kwargs):
        version = _int(request.POST.get("version"))
        try:
            absence_delete(absence=self.object, expected_version=version)
        except EditConflict as conflict:
            context = {"absence": conflict.current, "conflict": True}
            return render(request, self.template_name, context, status=409)
        messages.success(request, _("Absence deleted. The audit trail keeps a record of it."))
        return redirect("teams:absence_list")
