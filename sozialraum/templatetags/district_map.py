"""``{% district_map figure %}``: the district map (``sozialraum.districtmap.DistrictMap``) beside
a table with the same figures, as ``templates/includes/district_map.html`` lays them out.

The HTML is a function of the figure and the language only, so it is kept on the figure: a map
that is kept (``teams.dashboard_map.presence_map``) is laid out once per language."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def district_map(figure) -> SafeString:
    if not figure:
        return mark_safe("")
    rendered = figure.__dict__.setdefault("_rendered", {})
    language = get_language()
    if language not in rendered:
        rendered[language] = render_to_string("includes/district_map.html", {"figure": figure})
    return mark_safe(rendered[language])  # the template's own output, escaped there
