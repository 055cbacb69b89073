"""The teams' part in moving a municipality to another team and in closing a team.

Activities keep the team that did them: a reassignment never rewrites the log. Consultation-hour
series of the old team in the municipality need a decision: hand them over to the new team from
the effective date on (the old series ends the day before, a copy continues with the new team, so
the old team's past dates stay its own) or end them.
"""

import datetime

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sozialraum.models import Assignment, Membership, Municipality, Team, User
from sozialraum.reassignment import Change, ClosingImpact, Decision, Fact, Impact, Participant
from teams.models import Activity, ConsultationHour, Project
from teams.recurrence import describe

HAND_OVER = "hand_over"
END = "end"
OPEN_PROJECT_STATUSES = (Project.Status.PLANNED, Project.Status.RUNNING)


def series_key(series: ConsultationHour) -> str:
    return f"series-{series.pk}"


def series_label(series: ConsultationHour) -> str:
    return _("%(venue)s, %(rule)s, %(start)s–%(end)s") % {
        "venue": series.venue.name,
        "rule": describe(series.rrule),
        "start": time_format(series.start_time),
        "end": time_format(series.end_time),
    }


def running_series(team: Team, *, on: datetime.date, municipality: Municipality | None = None):
    """The team's series with dates on or after ``on`` (in ``municipality``, when given)."""
    series = ConsultationHour.objects.filter(team=team).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    if municipality is not None:
        series = series.filter(municipality=municipality)
    return series.select_related("venue", "team").order_by("valid_from", "start_time", "pk")


def first_date_from(series: ConsultationHour, day: datetime.date) -> datetime.date | None:
    """The first date of the series' rule on or after ``day`` within its validity (public
    holidays and closures are left to the calendar: they only skip single dates)."""
    dtstart = datetime.datetime.combine(series.valid_from, datetime.time())
    moment = rrulestr(series.rrule, dtstart=dtstart).after(
        datetime.datetime.combine(max(day, series.valid_from), datetime.time()), inc=True
    )
    if moment is None or (series.valid_until and moment.date() > series.valid_until):
        return None
    return moment.date()


class TeamWork(Participant):
    def reassignment_impact(self, change: Change, impact: Impact) -> None:
        old = change.old_team
        if old is None:
            return
        counts = Activity.objects.filter(municipality=change.municipality, team=old).aggregate(
            before=Count("pk", filter=Q(date__lt=change.effective)),
            after=Count("pk", filter=Q(date__gte=change.effective)),
        )
        impact.facts.append(
            Fact(
                _("Activities of %(team)s on or after %(date)s")
                % {"team": old.name, "date": date_format(change.effective)},
                str(counts["after"]),
                _("They keep the team %(team)s: an activity keeps the team that did it.")
                % {"team": old.name},
            )
        )
        impact.facts.append(
            Fact(
                _("Earlier activities of %(team)s here") % {"team": old.name},
                str(counts["before"]),
                _("Unchanged."),
            )
        )
        projects = list(
            Project.objects.filter(
                team=old, municipalities=change.municipality, status__in=OPEN_PROJECT_STATUSES
            )
            .filter(Q(end__isnull=True) | Q(end__gte=change.effective))
            .order_by("title")
            .values_list("title", flat=True)
        )
        if projects:
            impact.facts.append(
                Fact(
                    _("Open projects of %(team)s here") % {"team": old.name},
                    str(len(projects)),
                    _(
                        "They stay with %(team)s; change them on the project page if "
                        "needed: %(list)s"
                    )
                    % {"team": old.name, "list": ", ".join(projects)},
                )
            )
        for series in running_series(old, on=change.effective, municipality=change.municipality):
            impact.decisions.append(self._decision(series, change))

    def _decision(self, series: ConsultationHour, change: Change) -> Decision:
        effective = date_format(change.effective)
        new = change.new_team.name
        if series.valid_from >= change.effective:
            choices = [
                (HAND_OVER, _("Hand over to %(team)s") % {"team": new}),
                (
                    END,
                    _("Delete it (it starts on %(date)s)")
                    % {"date": date_format(series.valid_from)},
                ),
            ]
        else:
            first = first_date_from(series, change.effective)
            choices = [
                (
                    HAND_OVER,
                    _("Hand over to %(team)s from %(date)s")
                    % {"team": new, "date": date_format(first or change.effective)},
                ),
                (END, _("End it: last date before %(date)s") % {"date": effective}),
            ]
        until = (
            _("until %(date)s") % {"date": date_format(series.valid_until)}
            if series.valid_until
            else _("open end")
        )
        return Decision(
            key=series_key(series),
            label=series_label(series),
            choices=choices,
            initial=HAND_OVER,
            detail=_("Consultation hour of %(team)s since %(date)s, %(until)s")
            % {"team": series.team.name, "date": date_format(series.valid_from), "until": until},
        )

    def reassignment_apply(self, change: Change, answers: dict[str, str], user: User) -> None:
        old = change.old_team
        if old is None:
            return
        members = set(
            Membership.objects.filter(team=change.new_team).values_list("user", flat=True)
        )
        running = running_series(old, on=change.effective, municipality=change.municipality)
        for series in running.select_for_update(of=("self",)):
            if answers[series_key(series)] == HAND_OVER:
                hand_over(series, change.new_team, change.effective, user=user, members=members)
            else:
                end_series(series, last_day=change.old_end, user=user)

    def closing_impact(self, impact: ClosingImpact) -> None:
        count = running_series(impact.team, on=impact.on).count()
        if count:
            impact.facts.append(
                Fact(
                    _("Consultation-hour series"),
                    str(count),
                    ngettext(
                        "It ends the day before the team closes.",
                        "They end the day before the team closes.",
                        count,
                    ),
                )
            )

    def closing_apply(self, team: Team, on: datetime.date, user: User) -> None:
        last_day = on - datetime.timedelta(days=1)
        for series in running_series(team, on=on):
            end_series(series, last_day=last_day, user=user)

    def history_facts(
        self, municipality: Municipality, assignments: list[Assignment]
    ) -> dict[int, list[Fact]]:
        if not assignments:
            return {}
        sums = {}
        for assignment in assignments:
            period = Q(date__gte=assignment.valid_from)
            if assignment.valid_until:
                period &= Q(date__lte=assignment.valid_until)
            sums[f"own_{assignment.pk}"] = Count("pk", filter=period & Q(team=assignment.team_id))
            sums[f"other_{assignment.pk}"] = Count(
                "pk", filter=period & ~Q(team=assignment.team_id)
            )
        counts = Activity.objects.filter(municipality=municipality).aggregate(**sums)
        facts = {}
        for assignment in assignments:
            own, other = counts[f"own_{assignment.pk}"], counts[f"other_{assignment.pk}"]
            facts[assignment.pk] = [
                Fact(_("Activities of %(team)s") % {"team": assignment.team.name}, str(own))
            ]
            if other:
                facts[assignment.pk].append(
                    Fact(
                        _("Activities of other teams in this period"),
                        str(other),
                        _("They keep the team that did them."),
                    )
                )
        return facts


def hand_over(
    series: ConsultationHour,
    team: Team,
    effective: datetime.date,
    *,
    user: User,
    members: set[int],
) -> ConsultationHour:
    """Give ``series`` to ``team`` from ``effective`` on. A series that already has dates before
    that ends the day before and continues as a copy from its first date after it, so that the
    old team keeps its past dates (and a every-n-weeks rhythm stays in step). Staff who are not
    members of the new team drop out. Returns the series the new team now runs."""
    staff = [user_id for user_id in series.staff.values_list("pk", flat=True) if user_id in members]
    if series.valid_from >= effective:
        series.team = team
        _save(series, user)
        series.staff.set(staff)
        return series
    first = first_date_from(series, effective)
    if first is None:  # no dates left: nothing to hand over
        end_series(series, last_day=effective - datetime.timedelta(days=1), user=user)
        return series
    # The same series as a new row (every field carried over), for the new team from ``first``.
    copy = ConsultationHour.objects.get(pk=series.pk)
    copy.pk, copy._state.adding = None, True
    copy.team, copy.valid_from, copy.version = team, first, 1
    copy.show_staff_names = series.show_staff_names and bool(staff)
    copy.created_by = copy.updated_by = user
    end_series(series, last_day=effective - datetime.timedelta(days=1), user=user)
    copy.full_clean()
    copy.save()
    copy.staff.set(staff)
    return copy


def end_series(series: ConsultationHour, *, last_day: datetime.date, user: User) -> None:
    """No dates after ``last_day``. A series that would not have started by then is deleted,
    unless dates of it are logged already: then the change is refused."""
    if series.valid_from > last_day:
        if series.activities.exists():
            raise ValidationError(
                _(
                    "The consultation hour “%(series)s” starts on %(date)s and already has logged "
                    "dates, so it cannot be removed: hand it over instead."
                )
                % {"series": series_label(series), "date": date_format(series.valid_from)},
                code="series_has_dates",
            )
        series.delete()
        return
    series.valid_until = last_day
    _save(series, user)


def _save(series: ConsultationHour, user: User) -> None:
    series.version += 1
    series.updated_by = user
    series.full_clean()
    series.save()
