"""Keeping a session alive: the "Stay signed in" button of the idle-timeout warning."""

from django.http import HttpResponse
from django.urls import path
from django.views import View


class SessionKeepAliveView(View):
    """Touch the session and answer 204: the idle timeout starts again.

    Every request of a signed-in user saves the session (``SESSION_SAVE_EVERY_REQUEST``); this
    view only has to be reached. An expired session never gets here: the login middleware
    answers with the redirect to the login page, which the script reads as "signed out"."""

    http_method_names = ["post"]

    def post(self, request):
        request.session.modified = True
        return HttpResponse(status=204)


urlpatterns = [
    path("konto/sitzung/", SessionKeepAliveView.as_view(), name="session_keepalive"),
]
