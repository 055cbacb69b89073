import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from sozialraum.concurrency import IdempotentCreateMixin, VersionedFormViewMixin
from teams import permissions
from teams.forms import ConsultationHourForm
from teams.models import ConsultationHour
from teams.recurrence import describe, occurrences
from teams.selectors import series_with_staff

PAST_DAYS, FUTURE_DAYS = 90, 90


def series_dates_around(series: ConsultationHour, today: datetime.date) -> tuple[list, list]:
    """(upcoming, past) dates of a series as its page shows them; the form's preview shows
    the upcoming ones of the unsaved series, so both always agree."""
    dates = occurrences(
        [series],
        today - datetime.timedelta(days=PAST_DAYS),
        today + datetime.timedelta(days=FUTURE_DAYS),
        with_activities=series.pk is not None,
    )
    upcoming = [o for o in dates if o.date >= today]
    past = [o for o in reversed(dates) if o.date < today]
    return upcoming, past


# The fields the preview needs; with an error in any of them it shows no dates.
PREVIEW_FIELDS = ("venue", "pattern", "weekday", "interval", "nth", "valid_from", "valid_until")


def preview_context(form: ConsultationHourForm) -> dict:
    """The upcoming dates of the series as the bound form describes it, saved or not."""
    form.is_valid()
    series = form.instance
    ready = not any(name in form.errors for name in PREVIEW_FIELDS) and all(
        form.cleaned_data.get(name) is not None for name in ("venue", "weekday", "valid_from")
    )
    until = form.cleaned_data.get("valid_until")
    if until and form.cleaned_data.get("valid_from") and until < form.cleaned_data["valid_from"]:
        ready = False
    today = timezone.localdate()
    dates = series_dates_around(series, today)[0] if ready else None
    return {"preview": {"dates": dates, "ready": ready}, "today": today, "series": series}


class ConsultationHourListView(ListView):
    """The consultation-hour series of the teams the user may read."""

    template_name = "teams/consultationhour_list.html"
    context_object_name = "series_list"
    paginate_by = 50

    def get_queryset(self):
        visible = permissions.series_visible_to(self.request.user)
        return series_with_staff(visible).order_by(
            "team__name", "municipality__name", "start_time", "pk"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for series in context["series_list"]:
            series.description = describe(series.rrule)
        context["can_create"] = permissions.series_teams_for(self.request.user).exists()
        context["today"] = timezone.localdate()
        return context


class ConsultationHourDetailView(DetailView):
    """A series with its upcoming and past dates: held, cancelled, falls away, not logged."""

    template_name = "teams/consultationhour_detail.html"
    context_object_name = "series"

    def get_queryset(self):
        return series_with_staff(permissions.series_visible_to(self.request.user))

    def get_context_data(self, **kwargs):
        series = self.object
        today = timezone.localdate()
        upcoming, past = series_dates_around(series, today)
        return {
            **super().get_context_data(**kwargs),
            "description": describe(series.rrule),
            "upcoming": upcoming,
            "past": past,
            "today": today,
            "can_manage": permissions.can_manage_series(self.request.user, series.team),
            "can_log": permissions.can_log_for(self.request.user, series.team_id),
        }


class ConsultationHourFormMixin(VersionedFormViewMixin):
    model = ConsultationHour
    form_class = ConsultationHourForm
    template_name = "teams/consultationhour_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return reverse("teams:consultationhour_detail", args=[self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pk = self.object.pk if self.object else None
        context["preview_url"] = (
            reverse("teams:consultationhour_preview_update", args=[pk])
            if pk
            else reverse("teams:consultationhour_preview")
        )
        return context

    def post(self, request, *args, **kwargs):
        """ "Show the dates" without JavaScript: the form again, with the preview, unsaved."""
        if "preview" not in request.POST:
            return super().post(request, *args, **kwargs)
        self.object = self.get_object() if "pk" in kwargs else None
        form = self.get_form()
        return self.render_to_response(
            {**self.get_context_data(form=form), **preview_context(form)}
        )


class ConsultationHourCreateView(IdempotentCreateMixin, ConsultationHourFormMixin, CreateView):
    success_message = gettext_lazy("Consultation hour “%(name)s” created.")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.series_teams_for(request.user).exists():
            raise PermissionDenied(
                _(
                    "Consultation hours are set up by the Teamleitung, the Fachbereichsleitung "
                    "and Administration."
                )
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"valid_from": timezone.localdate(), "start_time": "14:00", "end_time": "16:00"}


class ConsultationHourUpdateView(ConsultationHourFormMixin, UpdateView):
    success_message = gettext_lazy("Consultation hour “%(name)s” saved.")

    def get_queryset(self):
        return permissions.series_visible_to(self.request.user).select_related("team", "venue")

    def get_object(self, queryset=None):
        series = super().get_object(queryset)
        if not permissions.can_manage_series(self.request.user, series.team):
            raise PermissionDenied(
                _(
                    "Consultation hours are changed by the Teamleitung of the team, the "
                    "Fachbereichsleitung and Administration."
                )
            )
        return series


class ConsultationHourPreviewView(View):
    """The upcoming dates of the series the form describes (a partial for htmx): the same
    dates its page shows once saved. Only for those who may create or change the series."""

    def post(self, request, pk=None):
        series = None
        if pk is not None:
            visible = permissions.series_visible_to(request.user).select_related("team")
            series = get_object_or_404(visible, pk=pk)
            if not permissions.can_manage_series(request.user, series.team):
                raise PermissionDenied
        elif not permissions.series_teams_for(request.user).exists():
            raise PermissionDenied
        form = ConsultationHourForm(request.POST, instance=series, user=request.user)
        return render(request, "teams/_series_preview.html", preview_context(form))
