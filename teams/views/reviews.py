"""Prüfung: the overview of the team-months and one team's month with sign-off and reopening."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from teams import reviews
from teams.models import TeamMonthReview

FIRST_YEAR = reviews.FIRST_YEAR


class SignOffForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=TeamMonthReview._meta.get_field("comment").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Optional. Read by everyone who sees the team's months. Nothing about clients."
        ),
    )


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
        activities = list(reviews.month_activities(team, month)[: reviews.MONTH_ROWS])
        review = reviews.review_of(team, month)
        is_over = reviews.is_over(month, on)
        state = reviews.state_of(review, is_over=is_over)
        next_month = reviews.add_months(month, 1)
        previous_month = reviews.add_months(month, -1)
        if sign_off_form is None:
            sign_off_form = SignOffForm(initial={"comment": review.comment if review else ""})
        return {
            **super().get_context_data(**kwargs),
            "team": team,
            "month": month,
            "activities": activities,
            "totals": totals,
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
        form = self.form_class(request.POST)
        status = 200
        review_error = ""
        if form.is_valid():
            try:
                self.act(form.cleaned_data)
            except reviews.ReviewRefused as refused:
                if refused.field:
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

    def act(self, data: dict) -> None:
        raise NotImplementedError


class ReviewSignOffView(ReviewActionView):
    form_class = SignOffForm
    form_context = "sign_off_form"
    success_message = gettext_lazy("%(team)s, %(month)s: signed off.")

    def act(self, data):
        reviews.sign_off(
            team=self.team, month=self.month, user=self.request.user, comment=data["comment"]
        )


class ReviewReopenView(ReviewActionView):
    form_class = ReopenForm
    form_context = "reopen_form"
    success_message = gettext_lazy("%(team)s, %(month)s: reopened.")

    def act(self, data):
        reviews.reopen(
            team=self.team, month=self.month, user=self.request.user, reason=data["reason"]
        )
