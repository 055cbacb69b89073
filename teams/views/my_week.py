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
from teams.models import Activity, ConsultationHour, Topic
from teams.months import month_of
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


def mark_locked(items: list[Occurrence]) -> None:
    """Flag the dates in a signed-off month (one query): they offer no form, only the notice."""
    if not items:
        return
    locked = permissions.locked_months(
        {o.series.team_id for o in items}, items[0].date, items[-1].date
    )
    for occurrence in items:
        occurrence.locked = (occurrence.series.team_id, month_of(occurrence.date)) in locked


def week_status(items: list[Occurrence], today: datetime.date) -> dict:
    """The banner and the counters of the week: they change with every save."""
    dates = [o for o in items if o.state != "falls_away"]
    return {
        "open_count": sum(1 for o in dates if o.state == "open" and o.date <= today),
        "logged_count": sum(1 for o in dates if o.activity is not None),
        "date_count": len(dates),
    }


def can_log(user) -> bool:
    # Reading roles (Fachbereichsleitung, Amtsleitung, Administration) log nothing: no
    # buttons that would lead to "403". From the cached scope: no extra query.
    return bool(permissions.scope_of(user).team_ids)


def week_context(request, monday: datetime.date, bound: dict | None = None) -> dict:
    """Everything "Meine Woche" shows; ``bound`` maps an occurrence key to a submitted form."""
    topics = topic_choices()
    items = my_week(request.user, monday)
    mark_locked(items)
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
        **week_status(items, today),
        "can_log": can_log(request.user),
        "oob": False,  # the cards and the banner are part of the page, not an htmx answer
    }


class MyWeekView(View):
    """Meine Woche: this week's dates of the series the user staffs, to log in place."""

    def get(self, request):
        monday = _monday(request)
        return render(request, "teams/my_week.html", week_context(request, monday))


class MyWeekLogView(View):
    """Log one date as held or cancelled (also an upcoming one, as cancelled ahead): answers
    htmx with the updated card, the week's banner and counters (out of band) and a sentence for
    the live region; otherwise goes back to the week (or shows it with the form's errors)."""

    def get(self, request, series: int, day: str):
        """The URL takes only POST; a GET (e.g. the return from signing in again after the
        session ended) goes to the date on the week instead of a bare 405."""
        occurrence = self._occurrence(request, series, day)
        return redirect(self._week_url(occurrence))

    def post(self, request, series: int, day: str):
        occurrence = self._occurrence(request, series, day)
        mark_locked([occurrence])
        form = QuickLogForm(request.POST, occurrence=occurrence, topics=topic_choices())
        monday = week_start(occurrence.date)
        announcement = ""
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
            if not occurrence.notice:
                announcement = saved_message(occurrence)
                if not is_htmx(request):
                    messages.success(request, announcement)
        elif not is_htmx(request):
            context = week_context(request, monday, bound={occurrence.key: form})
            return render(request, "teams/my_week.html", context)
        else:
            occurrence.form = form  # the card shows the errors in place
            announcement = (
                permissions.locked_message(occurrence.date)
                if occurrence.locked  # the card shows no form, only the notice
                else _("Not saved: please correct the marked fields.")
            )
        if is_htmx(request):
            return self._card(request, occurrence, announcement or occurrence.notice)
        return redirect(self._week_url(occurrence))

    def _card(self, request, occurrence: Occurrence, announcement: str):
        """The card, and out of band the week's banner, counters and live region."""
        today = timezone.localdate()
        items = my_week(request.user, week_start(occurrence.date))
        context = {
            "occurrence": occurrence,
            "today": today,
            "can_log": can_log(request.user),
            "announcement": announcement,
            "oob": True,
            **week_status(items, today),
        }
        return render(request, "teams/_occurrence_saved.html", context)

    @staticmethod
    def _week_url(occurrence: Occurrence) -> str:
        monday = week_start(occurrence.date)
        return reverse("teams:my_week") + f"?woche={monday.isoformat()}#occ-{occurrence.key}"

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


def saved_message(occurrence: Occurrence) -> str:
    values = {
        "venue": occurrence.series.venue.name,
        "date": date_format(occurrence.date, "SHORT_DATE_FORMAT"),
    }
    if occurrence.activity.status == Activity.Status.CANCELLED:
        if occurrence.date > timezone.localdate():
            return (
                _(
                    "Cancelled ahead: %(venue)s on %(date)s. The public consultation-hour page "
                    "shows it."
                )
                % values
            )
        return _("Logged as cancelled: %(venue)s on %(date)s.") % values
    return _("Logged: %(venue)s on %(date)s.") % values
