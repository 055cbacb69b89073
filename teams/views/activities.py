import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DeleteView, DetailView, TemplateView, UpdateView

from sozialraum import structure_cache
from sozialraum.concurrency import IdempotentCreateMixin, VersionedFormViewMixin
from sozialraum.permissions import scope_of
from teams import permissions
from teams.filters import ActivityFilter
from teams.forms import ActivityForm, already_logged_message
from teams.models import Activity
from teams.recurrence import Occurrence, falls_away
from teams.selectors import activity_list_rows, activity_row_names, activity_rows
from teams.services import AlreadyLogged, activity_from_occurrence, refusing_double_logging

PAGE_SIZE = 50


def filtered_activities(request):
    """The activities a list with these parameters shows (none when a filter is invalid)."""
    filterset = ActivityFilter(
        request.GET, queryset=activity_list_rows(request.user), user=request.user
    )
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, rows


def parse_cursor(value: str):
    """``YYYY-MM-DD.<id>`` of the last row shown, or None."""
    try:
        day, pk = value.split(".")
        return datetime.date.fromisoformat(day), int(pk)
    except (ValueError, AttributeError):
        return None


class ActivityListView(TemplateView):
    """The activity log, newest first, paged by keyset (no OFFSET: fast on large data)."""

    template_name = "teams/activity_list.html"

    def get_context_data(self, **kwargs):
        filterset, rows = filtered_activities(self.request)
        cursor = parse_cursor(self.request.GET.get("after", ""))
        if cursor:
            day, pk = cursor
            rows = rows.filter(date__lte=day).exclude(date=day, pk__gte=pk)
        page = list(rows.order_by("-date", "-pk")[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        # Labels and links computed once per page, not per row (no reverse() per row).
        kinds = {value: str(label) for value, label in Activity.Kind.choices}
        detail = reverse("teams:activity_detail", args=[0])[: -len("0/")]
        short_dates = {}  # a page spans a few days: each formatted once
        for activity in page:
            activity.kind_label = kinds.get(activity.kind, activity.kind)
            activity.detail_url = f"{detail}{activity.pk}/"
            if activity.date not in short_dates:
                short_dates[activity.date] = date_format(activity.date, "SHORT_DATE_FORMAT")
            activity.short_date = short_dates[activity.date]
        activity_row_names(page)
        query = self.request.GET.copy()
        query.pop("after", None)
        # No filter by person (see teams.filters): an old staff=<id> is ignored and said so.
        ignored_staff = query.pop("staff", None) is not None
        next_query = None
        if more:
            query["after"] = f"{page[-1].date.isoformat()}.{page[-1].pk}"
            next_query = query.urlencode()
            query.pop("after")
        return {
            **super().get_context_data(**kwargs),
            "filter": filterset,
            "activities": page,
            "next_query": next_query,
            "first_query": query.urlencode(),
            "is_later_page": cursor is not None,
            "ignored_staff": ignored_staff,
            "can_log": bool(
                scope_of(self.request.user).team_ids
                and structure_cache.rows_of(
                    permissions.teams_logging_for(self.request.user),
                    lambda team: team.pk,
                    exact=("logging-teams", *sorted(scope_of(self.request.user).team_ids)),
                )
            ),
        }


class ActivityDetailView(DetailView):
    template_name = "teams/activity_detail.html"
    context_object_name = "activity"

    def get_queryset(self):
        return (
            activity_rows(self.request.user)
            .select_related("created_by", "updated_by")
            .prefetch_related("partners", "staff", "topics")
        )

    def get_context_data(self, **kwargs):
        refusal = permissions.activity_change_refusal(self.request.user, self.object)
        return {**super().get_context_data(**kwargs), "can_change": not refusal, "refusal": refusal}


class ActivityFormMixin(VersionedFormViewMixin):
    model = Activity
    form_class = ActivityForm
    template_name = "teams/activity_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        """Back to where the form was opened from (``?next=``, e.g. Meine Woche, so a week is
        logged without detours), else the activity's page."""
        back = self.request.GET.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return back
        return reverse("teams:activity_detail", args=[self.object.pk])

    def form_valid(self, form):
        """Two people who log the same date of a series at once both pass the form's check;
        the second is told who was first, with a link, instead of an error page."""
        data = form.cleaned_data
        try:
            with refusing_double_logging(data.get("consultation_hour"), data.get("date")):
                return super().form_valid(form)
        except AlreadyLogged as refusal:
            form.add_error("date", already_logged_message(refusal.activity))
            return self.render_to_response(self.get_context_data(form=form))


class ActivityCreateView(IdempotentCreateMixin, ActivityFormMixin, CreateView):
    success_message = gettext_lazy("Activity “%(name)s” logged.")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.teams_logging_for(request.user).exists():
            raise PermissionDenied(_("Activities are logged by the staff of a Sozialraumteam."))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        """Pre-fill from a series date (?series=&date=), a Gremium (?body=) or a project."""
        initial = {"date": timezone.localdate(), "status": Activity.Status.HELD}
        params = self.request.GET
        series = self._series(params.get("series"))
        day = _date(params.get("date"))
        if series and day:
            activity = activity_from_occurrence(
                Occurrence(series, day, falls_away(day, series.venue.kind, []))
            )
            initial.update(
                kind=activity.kind,
                date=day,
                start_time=activity.start_time,
                end_time=activity.end_time,
                team=activity.team,
                municipality=activity.municipality,
                consultation_hour=series,
                partners=[series.venue],
                staff=list(series.staff.all()) or [self.request.user],
            )
        for name in ("kind", "body", "project"):
            if params.get(name):
                initial[name] = params[name]
        return initial

    def _series(self, value):
        if not (value or "").isdigit():
            return None
        visible = permissions.series_visible_to(self.request.user).select_related("venue", "team")
        return get_object_or_404(visible, pk=value)


def _date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


class ActivityChangeMixin:
    """Find the activity in the user's reading scope (404 otherwise), then check the user may
    change it (403 with the reason otherwise)."""

    def get_queryset(self):
        return permissions.activities_visible_to(self.request.user)

    def get_object(self, queryset=None):
        activity = super().get_object(queryset)
        refusal = permissions.activity_change_refusal(self.request.user, activity)
        if refusal:
            raise PermissionDenied(refusal)
        return activity


class ActivityUpdateView(ActivityChangeMixin, ActivityFormMixin, UpdateView):
    success_message = gettext_lazy("Activity “%(name)s” saved.")


class ActivityDeleteView(ActivityChangeMixin, DeleteView):
    model = Activity
    template_name = "teams/activity_confirm_delete.html"
    context_object_name = "activity"

    def form_valid(self, form):
        self.object.delete()
        messages.success(self.request, _("Activity deleted. The audit trail keeps a record of it."))
        return redirect("teams:activity_list")
