"""The public consultation-hour finder and its iCal feeds (no login)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.generic import TemplateView

from sozialraum.districtmap import (
    DistrictMap,
    MapEntry,
    district_map,
    geometry,
    mapped_municipalities,
)
from sozialraum.models import Municipality, Team
from teams import public

# Browsers and shared caches may keep the feeds for 15 minutes.
public_cache = cache_control(public=True, max_age=900)
# The page only in the browser: the footer's language switch puts a CSRF token into it and the
# response sets the CSRF cookie, which a shared cache must not hand to other visitors.
browser_cache = cache_control(private=True, max_age=900)


@dataclass
class FeedLink:
    """A calendar feed to subscribe to: ``webcal_url`` opens the calendar app, ``url`` is the
    address to paste into Outlook or Google Calendar."""

    label: str
    url: str
    webcal_url: str


def feed_link(request, label: str, path: str) -> FeedLink:
    url = request.build_absolute_uri(path)
    return FeedLink(label, url, "webcal://" + url.split("://", 1)[1])


@method_decorator([login_not_required, browser_cache], name="dispatch")
class PublicFinderView(TemplateView):
    """Where and when the Sozialraumteams hold public consultation hours, by municipality."""

    template_name = "teams/public_finder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finder = public.finder(municipality=self.request.GET.get("municipality"))
        for group in finder.groups:
            municipality = group.municipality
            group.feeds = [
                feed_link(
                    self.request,
                    _("All consultation hours in %(municipality)s")
                    % {"municipality": municipality.name},
                    reverse("teams:municipality_calendar", args=[municipality.pk]),
                )
            ] + [
                feed_link(
                    self.request,
                    _("All consultation hours of Sozialraumteam %(team)s") % {"team": team.name},
                    reverse("teams:team_calendar", args=[team.pk]),
                )
                for team in group.teams
            ]
        context["finder"] = finder
        context["finder_map"] = finder_map(finder)
        return context


def finder_map(finder) -> DistrictMap:
    """The district map of the finder: a municipality with public consultation hours links to
    them (the finder narrowed to it, at its heading); the others are drawn light, without a
    link. Only the map's geometry is read, from the structure cache."""
    with_hours = {municipality.pk for municipality in finder.municipalities}
    drawn = geometry()
    entries = [
        MapEntry(
            pk,
            name,
            1 if pk in with_hours else 0,
            _("yes") if pk in with_hours else _("no"),
            f"?municipality={pk}#municipality-{pk}" if pk in with_hours else None,
            1 if pk in with_hours else 0,
        )
        for pk, name in mapped_municipalities(drawn)
    ]
    return district_map(
        entries,
        title=_("Map of the towns and municipalities"),
        description=_(
            "Choose your town or municipality on the map to see its consultation hours. "
            "Dark: with public consultation hours; light: none at the moment."
        ),
        legend=[
            (1, _("with public consultation hours")),
            (0, _("no public consultation hours at the moment")),
        ],
        id_prefix="finder-map",
        value_header=_("Public consultation hours"),
        band_count=2,
        drawn=drawn,
    )


def calendar_response(calendar, filename: str) -> HttpResponse:
    return HttpResponse(
        calendar.to_ical(),
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(False, filename)},
    )


@method_decorator([login_not_required, public_cache], name="dispatch")
class MunicipalityCalendarView(View):
    """The public series of a municipality as an iCal feed; an empty calendar when it has none
    (subscribers then lose the dates instead of getting errors), 404 for an unknown pk."""

    def get(self, request, pk):
        municipality = get_object_or_404(Municipality, pk=pk)
        calendar = public.municipality_calendar(municipality)
        return calendar_response(calendar, f"sprechstunden-{slugify(municipality.name)}.ics")


@method_decorator([login_not_required, public_cache], name="dispatch")
class TeamCalendarView(View):
    """The public series of a team (in all its municipalities) as an iCal feed; an empty
    calendar for a team without public series or no longer active, 404 for an unknown pk."""

    def get(self, request, pk):
        team = get_object_or_404(Team, pk=pk)
        calendar = public.team_calendar(team)
        return calendar_response(calendar, f"sprechstunden-team-{slugify(team.name)}.ics")
