import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View

from teams import permissions
from teams.forms import QuickLogForm, already_logged_message
from teams.models import ConsultationHour, Topic
from teams.recurrence import Occurrence, occurrences
from teams.selectors import my_week, series_current, week_activities, week_start
from teams.services import AlreadyLogged, activity_log_occurrence


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# The weeks "Meine Woche" can show: the page links a week before and after, and the calendar
# ends at the years 1 and 9999.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)


def _monday(request) -> datetime.date:
    """The Monday of the requested week (``?woche=``), or of this week when none or an
    unusable one was asked for."""
    value = request.GET.get("woche")
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = None
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        messages.warning(
            request,
            _("Weeks from %(first)s to %(last)s can be shown; here is the current week.")
            % {"first": FIRST_DAY.year, "last": LAST_DAY.year},
        )
        day = None
    return week_start(day or timezone.localdate())


def topic_choices() -> list[tuple[int, str]]:
    return list(Topic.objects.filter(is_active=True).values_list("pk", "name"))


def week_context(request, monday: datetime.date, bound: dict | None = None) -> dict:
    """Everything "Meine Woche" shows; ``bound`` maps an occurrence key to a submitted form."""
    topics = topic_choices()
    items = my_week(request.user, monday)
    for occurrence in items:
        occurrence.form = (bound or {}).get(occurrence.key) or QuickLogForm(
            occurrence=occurrence, topics=topics, initial={"status": "held"}
        )
    today = timezone.localdate()
    return {
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
        "this_week": week_start(today),
        "today": today,
        "occurrences": items,
        "other_activities": week_activities(request.user, monday),
        "open_count": sum(1 for o in items if o.state == "open" and o.date <= today),
        # Reading roles (Fachbereichsleitung, Amtsleitung, Administration) log nothing: no
        # buttons that would lead to "403". From the cached scope: no extra query.
        "can_log": bool(permissions.scope_of(request.user).team_ids),
    }


class MyWeekView(View):
    """Meine Woche: this week's dates of the series the user staffs, to log in place."""

    def get(self, request):
        monday = _monday(request)
        return render(request, "teams/my_week.html", week_context(request, monday))


class MyWeekLogView(View):
    """Log one date as held or cancelled: answers htmx with the updated card, otherwise goes
    back to the week (or shows it with the form's errors)."""

    def post(self, request, series: int, day: str):
        occurrence = self._occurrence(request, series, day)
        form = QuickLogForm(request.POST, occurrence=occurrence, topics=topic_choices())
        monday = week_start(occurrence.date)
        if occurrence.activity is not None:
            self._already_logged(request, occurrence)
        elif form.is_valid():
            try:
                occurrence.activity = activity_log_occurrence(
                    occurrence=occurrence, data=form.cleaned_data, user=request.user
                )
            except AlreadyLogged as refusal:  # someone logged it at the same moment
                occurrence.activity = refusal.activity
                self._already_logged(request, occurrence)
            if not is_htmx(request) and not occurrence.notice:
                messages.success(
                    request,
                    _("Logged: %(venue)s on %(date)s.")
                    % {
                        "venue": occurrence.series.venue.name,
                        "date": date_format(occurrence.date, "SHORT_DATE_FORMAT"),
                    },
                )
        elif not is_htmx(request):
            context = week_context(request, monday, bound={occurrence.key: form})
            return render(request, "teams/my_week.html", context)
        else:
            occurrence.form = form  # the card shows the errors in place
        if is_htmx(request):
            return render(
                request,
                "teams/_occurrence.html",
                {"occurrence": occurrence, "today": timezone.localdate()},
            )
        url = reverse("teams:my_week") + f"?woche={monday.isoformat()}#occ-{occurrence.key}"
        return redirect(url)

    def _already_logged(self, request, occurrence: Occurrence) -> None:
        """Say who logged the date, with a link: on the card (htmx) or as a message."""
        occurrence.notice = already_logged_message(occurrence.activity)
        if not is_htmx(request):
            messages.info(request, occurrence.notice)

    def _occurrence(self, request, series_pk: int, day: str) -> Occurrence:
        """The expected date, if the series is one of the user's teams' and yields that date."""
        try:
            date = datetime.date.fromisoformat(day)
        except ValueError as error:
            raise Http404 from error
        if not FIRST_DAY <= date <= LAST_DAY:
            raise Http404
        teams = permissions.teams_logging_for(request.user)
        series = (
            series_current(ConsultationHour.objects.filter(team__in=teams), date, date)
            .filter(pk=series_pk)
            .first()
        )
        found = occurrences([series], date, date) if series else []
        if not found:
            raise Http404
        return found[0]
