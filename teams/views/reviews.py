"""Prüfung: the overview of the team-months and one team's month with sign-off and reopening."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from sozialraum.permissions import teams_visible_to
from teams import review_dates, reviews
from teams.calendar import team_absences
from teams.models import TeamMonthReview
from teams.months import month_end
from teams.review_dates import occurrence_label

FIRST_YEAR = reviews.FIRST_YEAR


class SignOffForm(forms.Form):
    """The comment and, for a month with consultation dates not logged, a checkbox that names
    them and confirms they were not logged (the service checks it against the dates then)."""

    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=TeamMonthReview._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Optional. Read by everyone who sees the team's months. Nothing about clients."
        ),
    )

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        if self.missing:
            self.fields[reviews.CONFIRM_FIELD] = forms.BooleanField(
                label=confirm_label(self.missing), required=False
            )
            self.fields["missing_keys"] = forms.CharField(widget=forms.HiddenInput, required=False)
            self.initial["missing_keys"] = " ".join(o.key for o in self.missing)

    def confirmed(self) -> set[str]:
        """The keys of the dates the user saw and confirmed as not logged."""
        if not self.cleaned_data.get(reviews.CONFIRM_FIELD):
            return set()
        return set(self.cleaned_data.get("missing_keys", "").split())


def confirm_label(missing) -> str:
    return ngettext(
        "I confirm that this date was not logged: %(dates)s",
        "I confirm that these %(count)s dates were not logged: %(dates)s",
        len(missing),
    ) % {"count": len(missing), "dates": "; ".join(occurrence_label(o) for o in missing)}


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        max_length=TeamMonthReview._meta.get_field("reopen_reason").max_length,
        error_messages={"required": gettext_lazy("Please give the reason for reopening.")},
        help_text=gettext_lazy("The team and the audit trail keep it. Nothing about clients."),
    )


class ReviewListView(TemplateView):
    """The team-months of the teams the user reads, the ones still to sign off first."""

    template_name = "teams/review_list.html"

    def get_context_data(self, **kwargs):
        on = reviews.today()
        year = self._year(on)
        months = reviews.overview_months(on, year)
        rows = reviews.overview(self.request.user, months, on)
        shown_year = year or months[0].year
        return {
            **super().get_context_data(**kwargs),
            "today": on,
            "year": year,
            "months": months,
            "rows": rows,
            "open_rows": [row for row in rows if row.open_months],
            "may_review": any(row.may_review for row in rows),
            "previous_year": shown_year - 1 if shown_year > FIRST_YEAR else None,
        }

    def _year(self, on: datetime.date) -> int | None:
        value = self.request.GET.get("year", "")
        if value.isdigit() and FIRST_YEAR <= int(value) <= on.year:
            return int(value)
        return None


class ReviewDetailView(TemplateView):
    """A team's month: its activities, the totals, the review state and history; sign-off and
    reopening for the heads of the team's Mittelbereich and Administration."""

    template_name = "teams/review_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.team = reviews.team_for(request.user, kwargs["team"])
        if self.team is None:
            raise Http404(_("No team found."))
        # A year outside the calendar the pages know (1, 99999999999) is no month, not an error.
        self.month = reviews.month_or_none(kwargs["year"], kwargs["month"])
        if self.month is None:
            raise Http404(_("No such month."))
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return month_url(self.team.pk, self.month)

    def get_context_data(self, sign_off_form=None, reopen_form=None, review_error="", **kwargs):
        on = reviews.today()
        team, month = self.team, self.month
        totals = reviews.month_totals(team, month)
        series_rows = review_dates.month_series(team, month, on)
        not_logged = review_dates.not_logged_of(series_rows)
        activities = list(reviews.month_activities(team, month)[: reviews.MONTH_ROWS])
        review = reviews.review_of(team, month)
        is_over = reviews.is_over(month, on)
        state = reviews.state_of(review, is_over=is_over)
        next_month = reviews.add_months(month, 1)
        previous_month = reviews.add_months(month, -1)
        if sign_off_form is None:
            sign_off_form = SignOffForm(
                initial={"comment": review.comment if review else ""}, missing=not_logged
            )
        return {
            **super().get_context_data(**kwargs),
            "team": team,
            "month": month,
            "activities": activities,
            "totals": totals,
            "series_rows": series_rows,
            "not_logged": not_logged,
            "absences": team_absences([team.pk], month, month_end(month)),
            "more_activities": totals.activities - len(activities),
            "list_url": reviews.month_list_url(team, month),
            "review": review,
            "state": state,
            "state_label": reviews.State.LABELS[state],
            "history": reviews.review_history(review),
            "is_over": is_over,
            "signable_from": next_month,
            "may_review": reviews.can_review(self.request.user, team),
            "sign_off_form": sign_off_form,
            "reopen_form": reopen_form or ReopenForm(),
            "review_error": review_error,
            "previous_url": (
                month_url(team.pk, previous_month) if reviews.is_shown(previous_month) else ""
            ),
            "next_url": (
                month_url(team.pk, next_month)
                if next_month <= on and reviews.is_shown(next_month)
                else ""
            ),
            "previous_month": previous_month,
            "next_month": next_month,
        }


def month_url(team_id: int, month: datetime.date) -> str:
    return reverse("teams:review_detail", args=[team_id, month.year, month.month])


class ReviewActionView(ReviewDetailView):
    """POST only: checks the user may review the team (403 otherwise), then runs the action and
    answers with the month page (the errors shown there) or a redirect to it."""

    http_method_names = ["post"]
    form_class: type[forms.Form]
    form_context: str
    success_message = ""

    def post(self, request, *args, **kwargs):
        refusal = reviews.review_refusal(request.user, self.team)
        if refusal:
            raise PermissionDenied(refusal)
        form = self.make_form()
        status = 200
        review_error = ""
        if form.is_valid():
            try:
                self.act(form)
            except reviews.ReviewRefused as refused:
                if refused.field in form.fields:
                    form.add_error(refused.field, refused.message)
                else:
                    review_error = refused.message
                status = 409 if refused.conflict else 200
            else:
                messages.success(
                    request,
                    self.success_message
                    % {"team": self.team.name, "month": reviews.month_label(self.month)},
                )
                return redirect(self.detail_url())
        context = self.get_context_data(**{self.form_context: form}, review_error=review_error)
        return self.render_to_response(context, status=status)

    def make_form(self) -> forms.Form:
        return self.form_class(self.request.POST)

    def act(self, form: forms.Form) -> None:
        raise NotImplementedError


class ReviewSignOffView(ReviewActionView):
    form_class = SignOffForm
    form_context = "sign_off_form"
    success_message = gettext_lazy("%(team)s, %(month)s: signed off.")

    def make_form(self):
        """The form with the dates not logged now: the checkbox names what is confirmed."""
        missing = review_dates.month_not_logged(self.team, self.month, reviews.today())
        return SignOffForm(self.request.POST, missing=missing)

    def act(self, form):
        reviews.sign_off(
            team=self.team,
            month=self.month,
            user=self.request.user,
            comment=form.cleaned_data["comment"],
            confirmed=form.confirmed(),
        )


class ReviewReopenView(ReviewActionView):
    form_class = ReopenForm
    form_context = "reopen_form"
    success_message = gettext_lazy("%(team)s, %(month)s: reopened.")

    def act(self, form):
        reviews.reopen(
            team=self.team,
            month=self.month,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class ReviewBulkSignOffView(ReviewListView):
    """POST only: signs off the months ticked on the overview, each through the same service as
    one month. Months with dates not logged or not over yet are refused with the reason (the
    others are signed off); a month another head signed off meanwhile answers 409."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        months = self.selected_months(request.POST.getlist("months"))
        if not months:
            messages.error(request, _("Please select at least one month to sign off."))
            return redirect(self.list_url())
        for team in {team for team, _month in months}:
            refusal = reviews.review_refusal(request.user, team)
            if refusal:
                raise PermissionDenied(refusal)
        result = reviews.sign_off_many(months=months, user=request.user)
        self.report(result)
        if result.conflict:
            return self.render_to_response(self.get_context_data(), status=409)
        return redirect(self.list_url())

    def selected_months(self, values: list[str]) -> list[tuple]:
        """(team, month) per ticked box; a team the user does not read answers 404, a value that
        names no month is ignored (the form never sends one)."""
        wanted = []
        for value in values:
            team_id, _sep, month_text = value.partition("-")
            try:
                month = datetime.date.fromisoformat(f"{month_text}-01")
            except ValueError:
                continue
            if team_id.isdigit() and reviews.is_shown(month):
                wanted.append((int(team_id), month))
        teams = {
            team.pk: team
            for team in teams_visible_to(self.request.user)
            .select_related("middle_area")
            .filter(pk__in={team_id for team_id, _month in wanted})
        }
        if any(team_id not in teams for team_id, _month in wanted):
            raise Http404(_("No team found."))
        return [(teams[team_id], month) for team_id, month in dict.fromkeys(wanted)]

    def report(self, result: reviews.BulkResult) -> None:
        if result.signed:
            names = "; ".join(f"{t.name}, {reviews.month_label(m)}" for t, m in result.signed)
            messages.success(self.request, _("Signed off: %(months)s.") % {"months": names})
        for team, month, reason in result.refused:
            messages.warning(
                self.request,
                _("%(team)s, %(month)s: not signed off. %(reason)s")
                % {"team": team.name, "month": reviews.month_label(month), "reason": reason},
            )

    def list_url(self) -> str:
        year = self.request.POST.get("year", "")
        url = reverse("teams:review_list")
        return f"{url}?year={year}" if year.isdigit() else url
