"""Small JSON endpoints behind the activity filter's search-as-you-type choosers.

Each offers exactly the choices the filter accepts for the signed-in user (``teams.filters``):
at most ``LIMIT`` matches of ``?q=`` as ``{"results": [{"id": …, "text": …}]}``. Sign-in is
required (the login middleware); any ``q`` is answered, never with an error.
"""

import operator
import re
from functools import reduce

from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from kooperation.models import Body, Partner
from sozialraum.text import GermanSortKey
from teams import permissions
from teams.filters import body_choices, partner_choices, partner_label, project_choices
from teams.form_context import implied, is_public_place
from teams.models import ConsultationHour, Project

LIMIT = 20
MAX_QUERY = 100
# Control characters (C0, DEL, C1) never belong in a search; PostgreSQL refuses NUL outright.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def search_text(value: str) -> str:
    """The search term: control characters as spaces, blanks collapsed, at most MAX_QUERY."""
    return " ".join(CONTROL.sub(" ", value[: MAX_QUERY * 4]).split())[:MAX_QUERY]


MAX_WORDS = 5


class ChooserView(View):
    """``choices(user)`` searched word by word in ``fields``, sorted by the first, labelled
    by ``label``."""

    fields = ("name",)
    choices = None
    label = str

    def get(self, request, *args, **kwargs):
        rows = type(self).choices(request.user)
        query = search_text(request.GET.get("q", ""))
        for word in query.split()[:MAX_WORDS]:
            rows = rows.filter(
                reduce(operator.or_, (Q(**{f"{name}__icontains": word}) for name in self.fields))
            )
        rows = rows.order_by(GermanSortKey(self.fields[0]), "pk")[:LIMIT]
        label = type(self).label
        response = JsonResponse({"results": [{"id": row.pk, "text": label(row)} for row in rows]})
        # Choices depend on the user's scope: never kept by a shared cache.
        response["Cache-Control"] = "no-store, private"
        return response


class PartnerChooserView(ChooserView):
    fields = ("name", "municipality__name")
    choices = partner_choices
    label = partner_label


class ProjectChooserView(ChooserView):
    fields = ("title",)
    choices = project_choices


class BodyChooserView(ChooserView):
    choices = body_choices


# --- What the activity and series forms fill in as the user chooses ---------------------------


class ActivityContextView(View):
    """``?consultation_hour=`` | ``?body=`` | ``?project=``: the municipality and partners it
    implies, as ``{"municipality": id or null, "partners": [{"id", "text"}]}``. Only what the
    activity form offers the user; anything else is 404."""

    def get(self, request, *args, **kwargs):
        teams = permissions.teams_logging_for(request.user)
        sources = {
            "consultation_hour": ConsultationHour.objects.filter(team__in=teams).select_related(
                "venue__municipality"
            ),
            "body": Body.objects.filter(is_active=True).select_related("convener__municipality"),
            "project": Project.objects.filter(team__in=teams),
        }
        for name, rows in sources.items():
            value = request.GET.get(name, "")
            if value:
                if not value.isdigit():
                    raise Http404
                found = get_object_or_404(rows, pk=value)
                return context_response(implied(**{LINK_ARGUMENT[name]: found}))
        raise Http404


LINK_ARGUMENT = {"consultation_hour": "series", "body": "body", "project": "project"}


def context_response(found) -> JsonResponse:
    response = JsonResponse(
        {
            "municipality": found.municipality_id,
            "partners": [{"id": p.pk, "text": partner_label(p)} for p in found.partners],
        }
    )
    response["Cache-Control"] = "no-store, private"
    return response


class SeriesVenuesView(View):
    """``?municipality=``: the venues the series form offers there, as ``{"results": [{"id",
    "text", "public"}]}``, for those who manage series (others: 404)."""

    def get(self, request, *args, **kwargs):
        if not permissions.series_teams_for(request.user).exists():
            raise Http404
        value = request.GET.get("municipality", "")
        if not value.isdigit():
            raise Http404
        venues = Partner.objects.filter(is_active=True, municipality=value).select_related(
            "municipality"
        )
        rows = venues.order_by(GermanSortKey("name"), "pk")
        response = JsonResponse(
            {
                "results": [
                    {"id": p.pk, "text": partner_label(p), "public": is_public_place(p.kind)}
                    for p in rows
                ]
            }
        )
        response["Cache-Control"] = "no-store, private"
        return response
