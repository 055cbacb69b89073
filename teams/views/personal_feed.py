"""Mein Kalender-Abo: the personal calendar feed (token only, no login) and the page where the
user creates, renews and deletes its secret address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseNotFound
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.generic import TemplateView

from sozialraum.calendar_tokens import (
    calendar_token_delete,
    calendar_token_of,
    calendar_token_renew,
    calendar_token_user,
    token_hash,
)
from teams.personal_feed import personal_calendar
from teams.views.public import calendar_response, feed_link

# Where the page keeps a new secret between the POST that made it and the GET that shows it
# once (popped there).
SHOW_ONCE = "calendar_feed_show_once"


def feed_path(user_id: int, secret: str) -> str:
    return reverse("teams:personal_feed", kwargs={"user": user_id, "secret": secret})


def leave_session_alone(request) -> None:
    """The feed neither reads nor writes the session: a calendar program sends no cookie, and a
    browser that opens the address keeps its sign-in (and its idle time) as it was. Without a
    session object ``SessionMiddleware`` skips its work on the response."""
    request.session = None
    request.user = AnonymousUser()


@method_decorator(
    [login_not_required, cache_control(private=True, no_cache=True, max_age=0)], name="dispatch"
)
class PersonalFeedView(View):
    """The user's own dates as iCalendar. Unknown, renewed or deleted secrets and deactivated
    users get a plain 404 (no page, no session)."""

    def get(self, request, user: int, secret: str):
        leave_session_alone(request)
        owner = calendar_token_user(user, secret)
        if owner is None:
            return HttpResponseNotFound(b"", content_type="text/plain; charset=utf-8")
        calendar = personal_calendar(
            owner, link=request.build_absolute_uri(reverse("teams:my_week"))
        )
        return calendar_response(calendar, "sozialraum-meine-termine.ics")


class CalendarSubscriptionView(TemplateView):
    """The settings page: the address is shown once, right after it was made (only its hash is
    kept); the user can renew it (the old one stops at once) or delete it."""

    template_name = "teams/calendar_subscription.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        token = calendar_token_of(user)
        secret = self.request.session.pop(SHOW_ONCE, None)
        link = None
        if token is not None and secret and token.token_hash == token_hash(secret):
            link = feed_link(self.request, _("My dates"), feed_path(user.pk, secret))
        return {**super().get_context_data(**kwargs), "token": token, "link": link}

    def post(self, request):
        action = request.POST.get("action")
        if action in ("create", "renew"):
            request.session[SHOW_ONCE] = calendar_token_renew(user=request.user)
            if action == "renew":
                messages.success(
                    request,
                    _("Your calendar address has been renewed. The old address no longer works."),
                )
            else:
                messages.success(request, _("Your calendar address has been created."))
        elif action == "delete":
            calendar_token_delete(user=request.user)
            messages.success(
                request, _("Your calendar address has been deleted. It no longer works.")
            )
        else:
            messages.error(request, _("Please choose what to do with your calendar address."))
        return redirect("teams:calendar_subscription")
