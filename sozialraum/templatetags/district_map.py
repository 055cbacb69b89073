"""``{% district_map figure %}``: the district map (``sozialraum.districtmap.DistrictMap``) beside
a table with the same figures, as ``templates/includes/district_map.html`` lays them out."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/district_map.html")
def district_map(figure):
    return {"figure": figure}
