"""The district map: the municipalities' boundaries drawn on the server as an accessible SVG.

No tile server, no third-party request, no script and no ``style`` attribute (the
Content-Security-Policy allows neither): the colours are SVG presentation attributes, focus and
hover come from ``static/css/app.css``. The boundaries come from the database
(``Municipality.boundary``, loaded by ``manage.py load_district``); their projection is kept in
the structure cache, which a save of a municipality empties.

API (the dashboard, the comparison, the annual report and the public finder call it)::

    entries = [MapEntry(municipality_id, name, value, label, href, band, note), ...]
    bands = bands_for([entry_value, ...], count=5)  # .bands, .of(value), .count, .legend()
    svg = render_map(entries, title=..., description=..., legend=bands.legend(),
                     id_prefix="presence", band_count=bands.count)
    figure = district_map(entries, ..., value_header=...)  # svg + table rows for the include
    {% load district_map %}{% district_map figure %}  # templates/includes/district_map.html

- ``MapEntry.value`` is the figure (None: no data), ``label`` its text as shown ("3,4"),
  ``band`` its class (0 = lightest … ``band_count - 1`` = darkest; None = hatched, for "no data"
  or "target not met"), ``href`` where the municipality's link leads (None: no link), ``note``
  a short text for the table and the link's name.
- A municipality with a boundary but no entry is drawn white without a link ("not part of this
  view"); an entry without a boundary appears in the table only.
- With links the SVG keeps its own role and is named by its ``<title>`` and ``<desc>``; without
  any link it is ``role="img"``.
- Every municipality is labelled: its name where it fits, else a number explained in a key
  below the map. The attribution "© GeoBasis-DE / BKG (2021)" is printed in the SVG.
- The colour scale is sequential light→dark blue, evenly spaced in lightness, so it reads in
  greyscale; text on the two darkest bands is white.
"""

import bisect
import itertools
import math
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sozialraum import structure_cache
from sozialraum.models import Municipality
from sozialraum.text import german_sort_key

ATTRIBUTION = "© GeoBasis-DE / BKG (2021)"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
# Light to dark, about equal steps of lightness (L* 92, 79, 58, 35, 20): readable in greyscale.
COLOURS = ("#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b")
DARK_FROM = 3  # COLOURS from this index on carry white text (contrast ≥ 7:1; black text ≥ 6:1)
OUTSIDE_COLOUR = "#ffffff"
STROKE = "#444444"
HATCH_LINE = "#767676"

WIDTH = 600  # user units of the viewBox; the SVG scales to its container (width 100 %)
MARGIN = 6
NAME_SIZES = (11, 9)  # font sizes tried for a name inside its municipality
NUMBER_SIZE = 9
CHAR_WIDTH = 0.6  # average glyph width of a sans-serif font, in font sizes (a safe estimate)
LEGEND_ROW = 20
KEY_ROW = 15
KEY_COLUMNS = 3


@dataclass
class MapEntry:
    municipality_id: int
    name: str
    value: float | None
    label: str
    href: str | None
    band: int | None
    note: str = ""


@dataclass(frozen=True)
class Shape:
    """A municipality projected into the viewBox: its path and where its label goes."""

    municipality_id: int
    name: str
    path: str
    x: float
    y: float
    font_size: int | None  # None: the name does not fit, a number stands in for it
    number: int | None = None


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    shapes: dict[int, Shape]

    @property
    def numbered(self) -> list[Shape]:
        return sorted((s for s in self.shapes.values() if s.number), key=lambda s: s.number)


# --- Bands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """Classes of values: ``breaks`` are the upper bounds (inclusive) of every band but the
    last, ``bands`` the band of each value given to ``bands_for`` (None for None)."""

    breaks: tuple[float, ...]
    bands: list[int | None] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.breaks) + 1

    def of(self, value: float | None) -> int | None:
        return None if value is None else bisect.bisect_left(self.breaks, value)

    def legend(self) -> list[tuple[int, str]]:
        """One line per band: "0" or "up to 2.5", "over 2.5 up to 5", …, "over 10"."""
        if not self.breaks:
            return [(0, _("all values"))]
        lines = []
        for band, upper in enumerate(self.breaks):
            if band == 0:
                text = nice_text(upper) if upper == 0 else _("up to %(upper)s")
            else:
                text = _("over %(lower)s up to %(upper)s")
            lower = nice_text(self.breaks[band - 1]) if band else ""
            lines.append((band, text % {"lower": lower, "upper": nice_text(upper)}))
        last = _("over %(lower)s") % {"lower": nice_text(self.breaks[-1])}
        return [*lines, (len(self.breaks), last)]


def nice(value: float) -> float:
    """``value`` rounded to two significant digits (0.347 → 0.35, 1234 → 1200)."""
    if value == 0:
        return 0.0
    digits = 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def nice_text(value: float) -> str:
    digits = 0 if value == 0 else max(0, 1 - math.floor(math.log10(abs(value))))
    # number_format cuts decimals off; round first.
    return formats.number_format(round(value, digits), decimal_pos=digits, use_l10n=True)


def bands_for(values: list[float | None], count: int = 5) -> Bands:
    """Bands by quantiles of the values, the breaks rounded to two significant digits:
    about as many municipalities in each band, with limits a reader can take in. Fewer bands
    when the values have fewer distinct figures; None stays None (no data)."""
    known = sorted(v for v in values if v is not None)
    breaks: list[float] = []
    if known:
        for k in range(1, count):
            upper = nice(known[math.ceil(k * len(known) / count) - 1])
            if upper < known[-1] and (not breaks or upper > breaks[-1]):
                breaks.append(upper)
    result = Bands(tuple(breaks))
    return Bands(result.breaks, [result.of(value) for value in values])


def band_colour(band: int, band_count: int) -> str:
    """The colour of a band, the scale spread over ``band_count`` bands (2 bands: the lightest
    and the darkest but one, so that both carry readable text)."""
    if band_count <= 1:
        return COLOURS[2]
    last = len(COLOURS) - 1 if band_count > 2 else DARK_FROM
    return COLOURS[round(min(band, band_count - 1) * last / (band_count - 1))]


# --- Geometry ---------------------------------------------------------------------------------


def geometry() -> Geometry:
    """The projected boundaries of every municipality that has one (one query, then kept in
    the structure cache until a municipality is saved)."""
    return structure_cache.remember(("district-map-geometry",), _geometry)


def mapped_municipalities(drawn: Geometry | None = None) -> list[tuple[int, str]]:
    """(pk, name) of the municipalities drawn on the map, in German alphabetical order."""
    shapes = (drawn or geometry()).shapes.values()
    return [(s.municipality_id, s.name) for s in sorted(shapes, key=_name_key)]


def _geometry() -> Geometry:
    rows = Municipality.objects.filter(~Q(boundary=None)).values_list("pk", "name", "boundary")
    return project(list(rows))


def project(rows: list[tuple[int, str, dict]]) -> Geometry:
    """Project (pk, name, GeoJSON geometry) rows into the viewBox and place their labels."""
    rows = [(pk, name, boundary) for pk, name, boundary in rows if _polygons(boundary)]
    if not rows:
        return Geometry(WIDTH, 0, {})
    points = [p for _pk, _name, b in rows for poly in _polygons(b) for ring in poly for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    # Equirectangular with the scale of the middle latitude: true enough for a district.
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = (WIDTH - 2 * MARGIN) / max((east - west) * squeeze, 1e-9)

    def xy(point):
        return ((point[0] - west) * squeeze * scale + MARGIN, (north - point[1]) * scale + MARGIN)

    shapes = {}
    for pk, name, boundary in rows:
        polygons = [[[xy(p) for p in ring] for ring in poly] for poly in _polygons(boundary)]
        shapes[pk] = _shape(pk, name, polygons)
    unfit = sorted((s for s in shapes.values() if s.font_size is None), key=_name_key)
    for number, shape in enumerate(unfit, start=1):
        shapes[shape.municipality_id] = Shape(**{**shape.__dict__, "number": number})
    height = (north - south) * scale + 2 * MARGIN
    return Geometry(WIDTH, round(height, 1), shapes)


def _name_key(shape: Shape) -> str:
    return german_sort_key(shape.name)


def _polygons(boundary) -> list:
    if not isinstance(boundary, dict):
        return []
    if boundary.get("type") == "Polygon":
        return [boundary.get("coordinates") or []]
    if boundary.get("type") == "MultiPolygon":
        return boundary.get("coordinates") or []
    return []


def _shape(pk: int, name: str, polygons: list) -> Shape:
    path = " ".join(
        "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z"
        for polygon in polygons
        for ring in polygon
    )
    # The label goes into the largest polygon (the main part of the municipality).
    main = max(polygons, key=lambda polygon: abs(_area(polygon[0])))
    x, y, size = _label_place(main, name)
    return Shape(pk, name, path, round(x, 1), round(y, 1), size)


def _area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def _label_place(polygon, name: str) -> tuple[float, float, int | None]:
    """Where the name fits: the middle of the widest inside stretch of horizontal lines through
    the polygon that leaves room above and below, with the largest font that fits; else the
    middle of the widest stretch and None (a number stands in for the name)."""
    ys = [y for _x, y in polygon[0]]
    top, bottom = min(ys), max(ys)
    candidates = [
        (right - left, (left + right) / 2, y)
        for y in (top + (bottom - top) * step / 20 for step in range(3, 18))
        for left, right in _spans(polygon, y)
    ]
    candidates.sort(reverse=True)
    for size in NAME_SIZES:
        half = CHAR_WIDTH * size * len(name) / 2 + 2
        for width, x, y in candidates:
            if width < 2 * half:
                break
            if _fits(polygon, x, y, half, size):
                return x, y, size
    if not candidates:
        return sum(x for x, _y in polygon[0]) / len(polygon[0]), (top + bottom) / 2, None
    _width, x, y = candidates[0]
    return x, y, None


def _fits(polygon, x: float, y: float, half: float, size: int) -> bool:
    return all(
        any(left <= x - half and x + half <= right for left, right in _spans(polygon, line))
        for line in (y - size * 0.45, y, y + size * 0.45)
    )


def _spans(polygon, y: float) -> list[tuple[float, float]]:
    """The stretches of the horizontal line at ``y`` inside the polygon (even-odd rule)."""
    crossings = []
    for ring in polygon:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 <= y < y2) or (y2 <= y < y1):
                crossings.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    crossings.sort()
    return list(zip(crossings[::2], crossings[1::2], strict=False))


# --- Rendering --------------------------------------------------------------------------------


def render_map(
    entries: list[MapEntry],
    *,
    title: str,
    description: str,
    legend: list[tuple[int | None, str]],
    id_prefix: str,
    band_count: int = 5,
    outside: str = "",
    drawn: Geometry | None = None,
) -> SafeString:
    """The SVG of the district with ``entries`` drawn in; empty when no boundary is loaded.

    ``legend`` lists (band, text) in the order shown (band None: the hatch); ``outside`` names
    the municipalities without an entry in the legend (default "not part of this view");
    ``drawn`` is the geometry when the caller has read it already."""
    shapes = drawn or geometry()
    if not shapes.shapes:
        return mark_safe("")
    by_id = {entry.municipality_id: entry for entry in entries}
    has_outside = any(pk not in by_id for pk in shapes.shapes)
    legend = list(legend)
    if has_outside:
        legend.append(("outside", outside or _("not part of this view")))
    height = shapes.height
    parts = [_defs(id_prefix)]
    parts.append('<g class="district-map-areas">')
    for shape in sorted(shapes.shapes.values(), key=_name_key):
        parts.append(_area_svg(shape, by_id.get(shape.municipality_id), id_prefix, band_count))
    parts.append("</g>")
    legend_svg, height = _legend_svg(legend, id_prefix, band_count, height + 8)
    key_svg, height = _key_svg(shapes.numbered, height)
    parts += [legend_svg, key_svg]
    parts.append(
        f'<text class="district-map-attribution" x="{MARGIN}" y="{height + 14:.0f}" '
        f'font-size="10" fill="#333333">{escape(ATTRIBUTION)} · {escape(LICENCE)}</text>'
    )
    height += 22
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="district-map" id="{escape(id_prefix)}" '
        f'viewBox="0 0 {shapes.width} {height:.0f}" width="100%"{_role(entries)} '
        f'aria-labelledby="{escape(id_prefix)}-title" aria-describedby="{escape(id_prefix)}-desc" '
        f'font-family="sans-serif">'
        f'<title id="{escape(id_prefix)}-title">{escape(title)}</title>'
        f'<desc id="{escape(id_prefix)}-desc">{escape(description)}</desc>'
    )
    # Every text and attribute value from outside went through escape() above.
    return mark_safe(head + "".join(parts) + "</svg>")


def _role(entries: list[MapEntry]) -> str:
    """Without links the map is one image (title and description are its text); with links it
    keeps the SVG's own role (graphics-document) so that the links stay reachable. The HTML
    checker refuses role="group" on an svg element."""
    return "" if any(entry.href for entry in entries) else ' role="img"'


def _defs(id_prefix: str) -> str:
    return (
        f'<defs><pattern id="{escape(id_prefix)}-hatch" patternUnits="userSpaceOnUse" '
        f'width="6" height="6" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH_LINE}" stroke-width="2"/>'
        f"</pattern></defs>"
    )


def _fill(band, id_prefix: str, band_count: int) -> str:
    if band == "outside":
        return OUTSIDE_COLOUR
    if band is None:
        return f"url(#{escape(id_prefix)}-hatch)"
    return band_colour(band, band_count)


def _text_colour(band, band_count: int) -> str:
    if band == "outside":
        return "#595959"
    if band is None or band_colour(band, band_count) not in COLOURS[DARK_FROM:]:
        return "#000000"
    return "#ffffff"


def _area_svg(shape: Shape, entry: MapEntry | None, id_prefix: str, band_count: int) -> str:
    band = "outside" if entry is None else entry.band
    fill = _fill(band, id_prefix, band_count)
    path = (
        f'<path d="{shape.path}" fill="{fill}" stroke="{STROKE}" stroke-width="0.8" '
        f'fill-rule="evenodd" class="district-map-area"/>'
    )
    colour = _text_colour(band, band_count)
    text = shape.name if shape.font_size else str(shape.number)
    size = shape.font_size or NUMBER_SIZE
    label = (
        f'<text x="{shape.x}" y="{shape.y}" dy="0.35em" text-anchor="middle" '
        f'font-size="{size}" fill="{colour}" class="district-map-label">{escape(text)}</text>'
    )
    if entry is None or not entry.href:
        name = escape(_link_name(shape.name, entry))
        return f'<g class="district-map-place" aria-label="{name}" role="img">{path}{label}</g>'
    return (
        f'<a href="{escape(entry.href)}" class="district-map-link" '
        f'aria-label="{escape(_link_name(shape.name, entry))}">{path}{label}</a>'
    )


def _link_name(name: str, entry: MapEntry | None) -> str:
    if entry is None:
        return name
    return ": ".join([name, "; ".join(part for part in (entry.label, entry.note) if part)]).rstrip(
        ": "
    )


def _legend_svg(legend, id_prefix: str, band_count: int, top: float) -> tuple[str, float]:
    parts = ['<g class="district-map-legend">']
    for row, (band, text) in enumerate(legend):
        y = top + row * LEGEND_ROW
        parts.append(
            f'<rect x="{MARGIN}" y="{y:.0f}" width="24" height="14" '
            f'fill="{_fill(band, id_prefix, band_count)}" stroke="{STROKE}" stroke-width="0.8"/>'
            f'<text x="{MARGIN + 32}" y="{y + 11:.0f}" font-size="12" fill="#000000">'
            f"{escape(text)}</text>"
        )
    parts.append("</g>")
    return "".join(parts), top + len(legend) * LEGEND_ROW


def _key_svg(numbered: list[Shape], top: float) -> tuple[str, float]:
    """The key to the numbers standing in for names that do not fit, in columns."""
    if not numbered:
        return "", top
    rows = math.ceil(len(numbered) / KEY_COLUMNS)
    column_width = (WIDTH - 2 * MARGIN) / KEY_COLUMNS
    parts = ['<g class="district-map-key">']
    for index, shape in enumerate(numbered):
        column, row = divmod(index, rows)
        parts.append(
            f'<text x="{MARGIN + column * column_width:.0f}" y="{top + 12 + row * KEY_ROW:.0f}" '
            f'font-size="11" fill="#000000">{shape.number} {escape(shape.name)}</text>'
        )
    parts.append("</g>")
    return "".join(parts), top + rows * KEY_ROW + 4


# --- For templates ------------------------------------------------------------------------------


@dataclass
class MapRow:
    entry: MapEntry
    band_text: str


@dataclass
class DistrictMap:
    """What ``templates/includes/district_map.html`` shows: the SVG and the same figures as a
    table (municipality, figure with its note, class)."""

    svg: SafeString
    title: str
    value_header: str
    rows: list[MapRow]


def district_map(
    entries: list[MapEntry],
    *,
    title: str,
    description: str,
    legend: list[tuple[int | None, str]],
    id_prefix: str,
    value_header: str,
    band_count: int = 5,
    outside: str = "",
    drawn: Geometry | None = None,
) -> DistrictMap:
    """The map and its table, the rows in German alphabetical order."""
    svg = render_map(
        entries,
        title=title,
        description=description,
        legend=legend,
        id_prefix=id_prefix,
        band_count=band_count,
        outside=outside,
        drawn=drawn,
    )
    texts = dict(legend)
    rows = [
        MapRow(entry, texts.get(entry.band, ""))
        for entry in sorted(entries, key=lambda e: german_sort_key(e.name))
    ]
    return DistrictMap(svg, title, value_header, rows)
