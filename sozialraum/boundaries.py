"""The municipalities' boundaries for the district map, from a GeoJSON file.

A district brings its own file (``manage.py load_district --boundaries FILE``): a
FeatureCollection in WGS84 with one Polygon or MultiPolygon feature per municipality and the
properties ``ags`` (the official key, eight digits) and ``name``. A feature names its
municipality by the key where the database stores one, else by its name; a matched
municipality without a key gets the feature's. Every feature is checked before anything is
written: a feature that matches no municipality of the district refuses the whole file, because a
map with a neighbour's boundary on it, or a misspelt name, would be silently wrong.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from sozialraum.csvfile import CsvFileError
from sozialraum.models import Municipality
from sozialraum.text import german_sort_key

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Five decimals of a degree are about a metre: more than a map at 1:5,000,000 can show.
DECIMALS = 5

BoundaryFileError = CsvFileError


@dataclass
class Feature:
    number: int
    ags: str
    name: str
    geometry: dict


@dataclass
class BoundaryResult:
    stored: int = 0
    unchanged: int = 0
    without_boundary: list[str] = field(default_factory=list)


def read_boundary_file(path: Path) -> list[Feature]:
    """Parse and check a GeoJSON file; raise ``BoundaryFileError`` listing every problem."""
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise BoundaryFileError(
            [_("The file cannot be read: %(error)s") % {"error": error}]
        ) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise BoundaryFileError(
            [_("The file is not GeoJSON (JSON in UTF-8): %(error)s") % {"error": error}]
        ) from error
    return parse_features(data)


def parse_features(data) -> list[Feature]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError([_("The file is not a GeoJSON FeatureCollection.")])
    features, errors = [], []
    for number, item in enumerate(data.get("features") or [], start=1):
        feature = _feature(number, item, errors)
        if feature is not None:
            features.append(feature)
    if not features and not errors:
        errors.append(_("The file holds no boundaries."))
    if errors:
        raise BoundaryFileError(errors)
    return features


def _feature(number: int, item, errors: list[str]) -> Feature | None:
    properties = item.get("properties") if isinstance(item, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    ags, name = str(properties.get("ags") or "").strip(), str(properties.get("name") or "").strip()
    label = _feature_label(number, ags, name)
    if not ags and not name:
        errors.append(_("%(feature)s: give the property “ags” or “name”.") % {"feature": label})
        return None
    geometry = item.get("geometry") if isinstance(item, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        errors.append(
            _("%(feature)s: the geometry must be a Polygon or a MultiPolygon.") % {"feature": label}
        )
        return None
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    cleaned = _polygons(polygons)
    if cleaned is None:
        errors.append(
            _(
                "%(feature)s: the coordinates are not rings of longitude and latitude in degrees "
                "(WGS84)."
            )
            % {"feature": label}
        )
        return None
    return Feature(number, ags, name, {"type": "MultiPolygon", "coordinates": cleaned})


def _feature_label(number: int, ags: str, name: str) -> str:
    described = ", ".join(part for part in (name, ags) if part)
    if described:
        return _("Feature %(number)s (%(described)s)") % {"number": number, "described": described}
    return _("Feature %(number)s") % {"number": number}


def _polygons(polygons) -> list | None:
    """The polygons with rounded coordinates, or None when any ring is not a list of at least
    four (longitude, latitude) pairs within the valid range."""
    if not isinstance(polygons, list) or not polygons:
        return None
    result = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return None
        rings = [_ring(ring) for ring in polygon]
        if any(ring is None for ring in rings):
            return None
        result.append(rings)
    return result


def _ring(ring) -> list | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return None
    points = []
    for point in ring:
        if not isinstance(point, list) or len(point) < 2:
            return None
        lon, lat = point[0], point[1]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
            return None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return None
        points.append([round(lon, DECIMALS), round(lat, DECIMALS)])
    return points


def match_features(features: list[Feature]) -> list[tuple[Municipality, Feature]]:
    """Each feature's municipality, by key or name; raise ``BoundaryFileError`` naming every
    feature that matches none or a municipality already matched."""
    municipalities = list(Municipality.objects.all())
    by_ags = {m.ags: m for m in municipalities if m.ags}
    by_name = {german_sort_key(m.name): m for m in municipalities}
    matched, errors, seen = [], [], {}
    for feature in features:
        municipality = by_ags.get(feature.ags.zfill(8)) if feature.ags.isdigit() else None
        if municipality is None:
            candidate = by_name.get(german_sort_key(feature.name))
            # A municipality that has a key is matched by it only: the same name elsewhere
            # (there are two Altdorfs in Baden-Württemberg) is another municipality.
            if candidate is not None and not (candidate.ags and feature.ags):
                municipality = candidate
        label = _feature_label(feature.number, feature.ags, feature.name)
        if municipality is None:
            errors.append(
                _(
                    "%(feature)s: no town or municipality of the district has this key or name. "
                    "Load the district's municipalities first, or correct the feature."
                )
                % {"feature": label}
            )
        elif municipality.pk in seen:
            errors.append(
                _("%(feature)s: “%(name)s” already has the boundary of feature %(first)s.")
                % {"feature": label, "name": municipality.name, "first": seen[municipality.pk]}
            )
        else:
            seen[municipality.pk] = feature.number
            matched.append((municipality, feature))
    if errors:
        raise BoundaryFileError(errors)
    return matched


def boundaries_load(features: list[Feature]) -> BoundaryResult:
    """Store each feature's boundary (and a missing key) on its municipality, all or nothing.
    Saving the municipality empties the structure cache, so the map is drawn anew."""
    result = BoundaryResult()
    with transaction.atomic():
        matched = match_features(features)
        for municipality, feature in matched:
            fields = []
            if municipality.boundary != feature.geometry:
                municipality.boundary = feature.geometry
                fields.append("boundary")
            if not municipality.ags and feature.ags.isdigit():
                municipality.ags = feature.ags.zfill(8)
                fields.append("ags")
            if fields:
                municipality.save(update_fields=fields)
                result.stored += 1
            else:
                result.unchanged += 1
        done = {municipality.pk for municipality, _feature in matched}
        result.without_boundary = sorted(
            (
                m.name
                for m in Municipality.objects.filter(boundary__isnull=True)
                if m.pk not in done
            ),
            key=german_sort_key,
        )
    return result
