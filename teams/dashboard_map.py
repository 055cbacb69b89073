"""The dashboard's district map: held activities per 1,000 inhabitants in each municipality of
the dashboard's scope and period (issue 15, point 5), read from the same month summaries and
scoped like the dashboard's tables. Each municipality links to the dashboard narrowed to it,
where the user may read it."""

import datetime

from django.http import QueryDict
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from sozialraum import structure_cache
from sozialraum.districtmap import DistrictMap, MapEntry, bands_for, district_map
from sozialraum.models import Municipality
from teams.dashboard import Scope, scope_municipality_ids


def per_thousand(count: int, population: int | None) -> float | None:
    """``count`` per 1,000 inhabitants; None without a population figure."""
    return count * 1000 / population if population else None


def presence_map(
    user,
    scope: Scope,
    scopes: list[Scope],
    start,
    end,
    today,
    query: QueryDict,
    held: dict[int, int],
) -> DistrictMap:
    """The map and its table, from ``held``, the held activities by municipality id the
    dashboard has summed (two queries, both from the structure cache)."""
    ids = scope_municipality_ids(scope, user, min(end, today))
    readable = tuple(sorted(s.pk for s in scopes if s.kind == "municipality"))
    params = query.copy()
    params.pop("export", None)
    # The map is a function of what is in this key (the municipalities' names, populations and
    # outlines are structure, emptied from the cache with every structure write): a view of the
    # same figures is drawn once, a changed figure makes a new key.
    key = (
        "presence-map",
        get_language(),
        scope.key,
        scope.label,
        start,
        end,
        params.urlencode(),
        readable,
        tuple((pk, held.get(pk, 0)) for pk in ids),
    )
    return structure_cache.remember(
        key, lambda: _presence_map(scope, start, end, ids, held, set(readable), params)
    )


def _presence_map(scope, start, end, ids, held, readable, params) -> DistrictMap:
    municipalities = structure_cache.rows_of(
        Municipality.objects.filter(pk__in=ids), lambda m: m, exact=("municipalities", *ids)
    )
    values = [per_thousand(held.get(m.pk, 0), m.population) for m in municipalities]
    bands = bands_for(values)
    entries = [
        _entry(m, value, held.get(m.pk, 0), bands.of(value), _href(m, readable, params))
        for m, value in zip(municipalities, values, strict=True)
    ]
    legend = [*bands.legend()]
    if None in bands.bands:
        legend.append((None, _("no population figure")))
    return district_map(
        entries,
        title=_("Presence per 1,000 inhabitants"),
        description=_(
            "Map of the district: held activities per 1,000 inhabitants in each town and "
            "municipality of %(scope)s from %(start)s to %(end)s; the darker, the more. The "
            "table beside the map holds the same figures."
        )
        % {"scope": scope.label, "start": _date(start), "end": _date(end)},
        legend=legend,
        id_prefix="presence-map",
        value_header=_("Held activities per 1,000 inhabitants"),
        band_count=bands.count,
    )


def _entry(municipality, value, count, band, href) -> MapEntry:
    if value is None:
        label = _("no population figure")
        note = held_text(count)
    else:
        label = figure_text(value)
        note = _("%(held)s, %(population)s inhabitants (%(date)s)") % {
            "held": held_text(count),
            "population": formats.number_format(municipality.population, force_grouping=True),
            "date": _date(municipality.population_date),
        }
    return MapEntry(municipality.pk, municipality.name, value, label, href, band, note)


def figure_text(value: float) -> str:
    """A figure per 1,000 with one decimal, two below 1 (so that 0.03 does not read as 0)."""
    decimals = 2 if 0 < value < 1 else 1
    # number_format cuts decimals off; round first.
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


def held_text(count: int) -> str:
    return ngettext("%(count)s held activity", "%(count)s held activities", count) % {
        "count": count
    }


def _href(municipality, readable: set[int], query: QueryDict) -> str | None:
    if municipality.pk not in readable:
        return None
    params = query.copy()
    params["scope"] = f"municipality-{municipality.pk}"
    return "?" + params.urlencode()


def _date(day: datetime.date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else "–"
