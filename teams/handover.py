"""The teams' part in a hand-over: the consultation-hour series a person staffs.

Each running series (with dates today or later) the person staffs is handed to another active
member of the series' team, or the person is removed from its staff (only while other active
staff remain), or the series ends after today. A series is never left without staff silently.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sozialraum.handover import Item, Participant, active_staff_by_team, person_choice
from sozialraum.models import Team, User
from teams.models import Activity, ConsultationHour
from teams.reassignment import series_label

REMOVE = "remove"
END = "end"


def item_key(series_pk: int) -> str:
    return f"series-{series_pk}"


def staffed_series(user: User, team: Team | None):
    """The running series ``user`` staffs (in ``team``, when given)."""
    today = timezone.localdate()
    series = ConsultationHour.objects.filter(staff=user).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    if team is not None:
        series = series.filter(team=team)
    return series


def held_series(user: User, team: Team | None):
    """``staffed_series`` with the number of other active staff members of each."""
    series = staffed_series(user, team)
    others = ConsultationHour.objects.filter(pk__in=series.values("pk")).annotate(
        others=Count("staff", filter=Q(staff__is_active=True) & ~Q(staff=user), distinct=True)
    )
    return others.select_related("venue", "team").order_by("team__name", "valid_from", "pk")


class SeriesHandover(Participant):
    def handover_items(self, user: User, team: Team | None) -> list[Item]:
        series_list = list(held_series(user, team))
        if not series_list:
            return []
        staff = active_staff_by_team({s.team_id for s in series_list}, without=user)
        today = timezone.localdate()
        items = []
        for series in series_list:
            choices = [person_choice(person) for person in staff[series.team_id]]
            if series.others:
                choices.append(
                    (
                        REMOVE,
                        ngettext(
                            "Only remove from the staff (%(count)s other person remains)",
                            "Only remove from the staff (%(count)s other people remain)",
                            series.others,
                        )
                        % {"count": series.others},
                    )
                )
            if series.valid_from > today:
                end = _("End the series: delete it (it starts on %(date)s)") % {
                    "date": date_format(series.valid_from)
                }
            else:
                end = _("End the series: no dates after today")
            choices.append((END, end))
            items.append(
                Item(
                    key=item_key(series.pk),
                    kind=_("Consultation hour"),
                    label=series_label(series),
                    choices=choices,
                    detail=_("Team %(team)s; other active staff: %(count)s")
                    % {"team": series.team.name, "count": series.others},
                    team=series.team,
                )
            )
        return items

    def handover_apply(
        self, user: User, decisions: dict[str, str], actor: User, *, team: Team | None = None
    ) -> None:
        today = timezone.localdate()
        ids = list(
            staffed_series(user, team).select_for_update(of=("self",)).values_list("pk", flat=True)
        )
        # Locked now: count the other active staff again for "only remove".
        series_list = list(held_series(user, team).filter(pk__in=ids))
        if not series_list:
            return
        decided = {s.pk: decisions[item_key(s.pk)] for s in series_list}
        alone = [s for s in series_list if decided[s.pk] == REMOVE and not s.others]
        if alone:
            raise ValidationError(
                _("“%(series)s” has no other active staff: hand it over to someone or end it.")
                % {"series": series_label(alone[0])},
                code="last_staff",
            )
        ended = [s for s in series_list if decided[s.pk] == END]
        not_started = [s.pk for s in ended if s.valid_from > today]
        with_dates = set(
            Activity.objects.filter(consultation_hour__in=not_started).values_list(
                "consultation_hour", flat=True
            )
        )
        if with_dates:
            series = next(s for s in ended if s.pk in with_dates)
            raise ValidationError(
                _(
                    "The consultation hour “%(series)s” starts on %(date)s and already has "
                    "logged dates, so it cannot be removed: hand it over instead."
                )
                % {"series": series_label(series), "date": date_format(series.valid_from)},
                code="series_has_dates",
            )
        links = ConsultationHour.staff.through
        links.objects.filter(consultationhour__in=ids, user=user).delete()
        links.objects.bulk_create(
            [
                links(consultationhour_id=pk, user_id=int(value))
                for pk, value in decided.items()
                if value not in (REMOVE, END)
            ],
            ignore_conflicts=True,
        )
        ConsultationHour.objects.filter(pk__in=not_started).delete()
        bump = {"version": F("version") + 1, "updated_by": actor, "updated_at": timezone.now()}
        running_on = [s.pk for s in ended if s.valid_from <= today]
        ConsultationHour.objects.filter(pk__in=running_on).update(valid_until=today, **bump)
        kept = [pk for pk, value in decided.items() if value != END]
        ConsultationHour.objects.filter(pk__in=kept).update(**bump)
