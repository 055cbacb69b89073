"""Small JSON endpoints behind the activity filter's search-as-you-type choosers.

Each offers exactly the choices the filter accepts for the signed-in user (``teams.filters``):
at most ``LIMIT`` matches of ``?q=`` as ``{"results": [{"id": …, "text": …}]}``. Sign-in is
required (the login middleware); any ``q`` is answered, never with an error.
"""

import operator
import re
from functools import reduce

from django.db.models import Q
from django.http import JsonResponse
from django.views import View

from sozialraum.text import GermanSortKey
from teams.filters import body_choices, partner_choices, partner_label, project_choices

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
