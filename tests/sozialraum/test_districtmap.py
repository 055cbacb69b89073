"""The district map (issue 15, point 5): the boundaries loaded with the district, the SVG drawn
from them, the bands, and the map on the dashboard and the public finder."""

import datetime
import io
import itertools
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from sozialraum import districtmap
from sozialraum.districtmap import (
    ATTRIBUTION,
    COLOURS,
    MapEntry,
    bands_for,
    district_map,
    render_map,
)
from sozialraum.models import Municipality, Team
from teams.models import Activity

SVG = "{http://www.w3.org/2000/svg}"
SHIPPED = districtmap.__file__.replace("districtmap.py", "data/rems-murr-kreis-gemeinden.geojson")


def entries_for(municipalities, value=lambda m: 1.0, band=lambda m: 0, href=True):
    return [
        MapEntry(
            m.pk,
            m.name,
            value(m),
            str(value(m)),
            f"/gemeinde/{m.pk}/" if href else None,
            band(m),
        )
        for m in municipalities
    ]


def render(entries, **kwargs):
    arguments = {
        "title": "Präsenz je 1.000",
        "description": "Karte des Landkreises",
        "legend": [(0, "niedrig"), (4, "hoch"), (None, "keine Daten")],
        "id_prefix": "test-map",
    } | kwargs
    return parse(render_map(entries, **arguments))


def parse(svg) -> ET.Element:
    """The SVG as XML: parsing it is the test that it is well-formed."""
    return ET.fromstring(str(svg))  # noqa: S314 - the application's own output


def links(svg):
    return svg.findall(f".//{SVG}a")


def write_geojson(tmp_path, features):
    path = tmp_path / "boundaries.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def square(ags, name, lon=9.4, lat=48.9):
    ring = [[lon, lat], [lon + 0.05, lat], [lon + 0.05, lat + 0.05], [lon, lat + 0.05], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"ags": ags, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


# --- Loading the boundaries --------------------------------------------------------------------


def test_load_district_stores_every_boundary_and_key(district):
    municipalities = list(Municipality.objects.all())

    assert len(municipalities) == 31
    assert all(m.boundary["type"] == "MultiPolygon" for m in municipalities)
    assert Municipality.objects.get(name="Backnang").ags == "08119008"
    assert len({m.ags for m in municipalities}) == 31


def test_load_district_boundaries_twice_changes_nothing(district):
    out = io.StringIO()

    call_command("load_district", stdout=out)

    assert "0 boundaries stored, 31 unchanged" in out.getvalue()


def test_foreign_geojson_with_an_unknown_municipality_is_refused_whole(district, tmp_path):
    Municipality.objects.update(boundary=None)
    path = write_geojson(
        tmp_path, [square("08119008", "Backnang"), square("08118001", "Affalterbach")]
    )

    with pytest.raises(CommandError) as error:
        call_command("load_district", "--boundaries", str(path), stdout=io.StringIO())

    message = str(error.value)
    assert "Affalterbach, 08118001" in message
    assert "Backnang" not in message.split("\n", 1)[1]
    assert Municipality.objects.filter(boundary__isnull=False).count() == 0


def test_foreign_geojson_matches_by_name_and_fills_a_missing_key(district, tmp_path):
    Municipality.objects.filter(name="Korb").update(ags="")
    path = write_geojson(tmp_path, [square("08119041", "Korb")])

    call_command("load_district", "--boundaries", str(path), stdout=io.StringIO())

    korb = Municipality.objects.get(name="Korb")
    assert korb.ags == "08119041"
    assert korb.boundary["coordinates"][0][0][1] == [9.45, 48.9]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "GeoJSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "keine Gemeindegrenzen"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"name": "Korb"}, "geometry": {"type": "Point", "coordinates": [9.4, 48.9]}}]}',
            "Polygon",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            '{"name": "Korb"}, "geometry": {"type": "Polygon", "coordinates": '
            "[[[948, 48], [9, 48], [9, 49], [948, 48]]]}}]}",
            "WGS84",
        ),
    ],
)
def test_a_bad_boundary_file_is_refused_with_a_clear_message(district, tmp_path, content, expected):
    path = tmp_path / "bad.geojson"
    path.write_text(content, "utf-8")
    before = list(Municipality.objects.order_by("pk").values_list("boundary", flat=True))

    with pytest.raises(CommandError) as error:
        call_command("load_district", "--boundaries", str(path), stdout=io.StringIO())

    assert expected in str(error.value)
    assert list(Municipality.objects.order_by("pk").values_list("boundary", flat=True)) == before


# --- The SVG -----------------------------------------------------------------------------------


def test_the_map_is_valid_svg_with_one_labelled_link_per_municipality(district):
    municipalities = list(Municipality.objects.all())

    svg = render(entries_for(municipalities))

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") is None  # the links inside stay reachable
    assert svg.get("aria-labelledby") == "test-map-title"
    assert svg.find(f"{SVG}title").text == "Präsenz je 1.000"
    assert svg.find(f"{SVG}desc").text == "Karte des Landkreises"
    names = sorted(link.get("aria-label").split(":")[0] for link in links(svg))
    assert names == sorted(m.name for m in municipalities)
    assert all(link.find(f"{SVG}path") is not None for link in links(svg))
    assert all(link.find(f"{SVG}text").text for link in links(svg))
    assert {link.get("href") for link in links(svg)} == {
        f"/gemeinde/{m.pk}/" for m in municipalities
    }


def test_a_map_without_links_is_one_image(district):
    svg = render(entries_for(Municipality.objects.all(), href=False))

    assert svg.get("role") == "img"
    assert links(svg) == []
    assert len(svg.findall(f".//{SVG}g[@class='district-map-place']")) == 31


def test_a_name_that_does_not_fit_has_a_number_and_a_key(district):
    svg = render(entries_for(Municipality.objects.all()))

    labels = {
        link.get("aria-label").split(":")[0]: link.find(f"{SVG}text").text for link in links(svg)
    }
    numbered = {name: label for name, label in labels.items() if label != name}
    key = [text.text for text in svg.findall(f".//{SVG}g[@class='district-map-key']/{SVG}text")]
    assert labels["Backnang"] == "Backnang"
    assert numbered
    assert sorted(key) == sorted(f"{label} {name}" for name, label in numbered.items())


def test_the_attribution_and_the_legend_are_printed(district):
    svg = render(entries_for(Municipality.objects.all()))

    texts = ["".join(text.itertext()) for text in svg.iter(f"{SVG}text")]
    assert any(ATTRIBUTION in text for text in texts)
    legend = svg.find(f".//{SVG}g[@class='district-map-legend']")
    assert [text.text for text in legend.iter(f"{SVG}text")] == ["niedrig", "hoch", "keine Daten"]
    assert [rect.get("fill") for rect in legend.iter(f"{SVG}rect")] == [
        COLOURS[0],
        COLOURS[4],
        "url(#test-map-hatch)",
    ]


def test_fill_follows_the_band_and_no_data_is_hatched(district):
    municipalities = list(Municipality.objects.filter(name__in=["Backnang", "Korb", "Aspach"]))
    bands = {"Backnang": 4, "Korb": None, "Aspach": 1}

    svg = render(entries_for(municipalities, band=lambda m: bands[m.name]))

    fills = {
        link.get("aria-label").split(":")[0]: link.find(f"{SVG}path").get("fill")
        for link in links(svg)
    }
    assert fills == {"Backnang": COLOURS[4], "Korb": "url(#test-map-hatch)", "Aspach": COLOURS[1]}
    outside = svg.findall(f".//{SVG}g[@class='district-map-place']")
    assert len(outside) == 28
    assert {g.find(f"{SVG}path").get("fill") for g in outside} == {"#ffffff"}


def test_names_and_links_are_escaped(district):
    backnang = Municipality.objects.get(name="Backnang")
    entry = MapEntry(backnang.pk, backnang.name, 1.0, "<b>1 & 2</b>", "?a=1&b=2", 0, note='"x"')

    svg = render([entry], title="A < B & C")

    (link,) = links(svg)
    assert link.get("href") == "?a=1&b=2"
    assert link.get("aria-label") == 'Backnang: <b>1 & 2</b>; "x"'
    assert svg.find(f"{SVG}title").text == "A < B & C"


def test_without_boundaries_the_map_is_empty_and_the_table_stays(district):
    Municipality.objects.update(boundary=None)
    municipalities = list(Municipality.objects.all())

    figure = district_map(
        entries_for(municipalities),
        title="T",
        description="D",
        legend=[(0, "a")],
        id_prefix="m",
        value_header="Wert",
    )

    assert figure.svg == ""
    assert [row.entry.name for row in figure.rows][:3] == [
        "Alfdorf",
        "Allmersbach im Tal",
        "Althütte",
    ]


@pytest.mark.parametrize("count", [1, 31])
def test_drawing_the_map_costs_one_query_whatever_the_entries(district, count):
    municipalities = list(Municipality.objects.all()[:count])

    with CaptureQueriesContext(connection) as queries:
        render(entries_for(municipalities))

    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_the_projection_is_cached_until_a_municipality_is_saved(district, settings):
    settings.STRUCTURE_CACHE_SECONDS = 60
    korb = Municipality.objects.get(name="Korb")
    first = districtmap.geometry()

    with CaptureQueriesContext(connection) as queries:
        assert districtmap.geometry() is first
    korb.boundary = {
        "type": "Polygon",
        "coordinates": square("", "Korb")["geometry"]["coordinates"],
    }
    korb.save()

    assert len(queries) == 0
    assert districtmap.geometry().shapes[korb.pk].path != first.shapes[korb.pk].path


# --- Bands -------------------------------------------------------------------------------------


def test_bands_by_quantiles_with_rounded_breaks():
    values = [0.0, 0.52, 1.04, 1.5, 2.2, 3.0, 4.1, 5.0, 7.7, 12.3, None]

    bands = bands_for(values)

    assert bands.breaks == (0.52, 1.5, 3.0, 5.0)
    assert bands.bands == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, None]
    with translation.override("en"):
        assert [text for _band, text in bands.legend()] == [
            "up to 0.52",
            "over 0.52 up to 1.5",
            "over 1.5 up to 3.0",
            "over 3.0 up to 5.0",
            "over 5.0",
        ]


def test_bands_shrink_when_the_values_do_not_differ():
    assert bands_for([2.0, 2.0, None]).bands == [0, 0, None]
    assert bands_for([0.0, 0.0, 3.0]).breaks == (0.0,)
    assert bands_for([]).count == 1


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6)), max_size=40), st.integers(2, 6))
def test_bands_are_monotone_and_within_the_count(values, count):
    bands = bands_for(values, count)

    known = sorted((v, b) for v, b in zip(values, bands.bands, strict=True) if v is not None)
    assert all(b is None for v, b in zip(values, bands.bands, strict=True) if v is None)
    assert all(0 <= b < min(count, bands.count) + 1 for _v, b in known)
    assert bands.count <= count
    assert all(b1 <= b2 for (_v1, b1), (_v2, b2) in itertools.pairwise(known))


# --- Where the map appears ----------------------------------------------------------------------


def test_dashboard_map_shows_held_activities_per_thousand_inhabitants(client_for, fbl_backnang):
    backnang = Municipality.objects.get(name="Backnang")  # 35,603 inhabitants (2007)
    team = Team.objects.get(name="Backnang")
    for day in (1, 2, 3, 4, 5, 6, 7):
        Activity.objects.create(
            team=team, municipality=backnang, date=datetime.date(2025, 3, day), kind="community"
        )
    Activity.objects.create(
        team=team,
        municipality=backnang,
        date=datetime.date(2025, 3, 8),
        kind="community",
        status="cancelled",
    )

    response = client_for(fbl_backnang).get(
        reverse("teams:dashboard"), {"period": "year", "day": "2025-06-01"}
    )

    figure = response.context["presence_map"]
    rows = {row.entry.name: row for row in figure.rows}
    assert len(rows) == 13  # the Mittelbereich Backnang
    assert rows["Backnang"].entry.label == "0,20"
    assert rows["Backnang"].entry.value == pytest.approx(7000 / 35603)
    assert rows["Backnang"].entry.note.startswith("7 ")
    assert "35.603" in rows["Backnang"].entry.note
    assert rows["Backnang"].entry.href.endswith(f"scope=municipality-{backnang.pk}")
    assert rows["Aspach"].entry.label == "0,0"
    assert (rows["Backnang"].entry.band, rows["Aspach"].entry.band) == (1, 0)
    assert rows["Aspach"].band_text == "0"
    assert rows["Backnang"].band_text.endswith(" 0")  # "over 0" in the page's language
    svg = parse(figure.svg)
    assert len(links(svg)) == 13
    assert len(svg.findall(f".//{SVG}g[@class='district-map-place']")) == 18
    assert 'id="presence-map"' in response.content.decode()


def test_dashboard_map_shows_only_what_the_user_may_read(client_for, other_team_member):
    backnang = Municipality.objects.get(name="Backnang")
    Activity.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        date=datetime.date(2025, 3, 1),
        kind="community",
    )

    response = client_for(other_team_member).get(
        reverse("teams:dashboard"), {"period": "year", "day": "2025-06-01"}
    )

    rows = {row.entry.name: row.entry for row in response.context["presence_map"].rows}
    assert "Backnang" not in rows
    assert sorted(rows) == sorted(
        Municipality.objects.filter(
            assignments__team__name="Winnenden", assignments__valid_until=None
        ).values_list("name", flat=True)
    )
    assert all(entry.value == 0 for entry in rows.values())
    links_shown = links(parse(response.context["presence_map"].svg))
    assert sorted(link.get("aria-label").split(":")[0] for link in links_shown) == sorted(rows)


def test_dashboard_map_queries_do_not_grow_with_the_municipalities(client_for, fbl_backnang):
    team = Team.objects.get(name="Backnang Umland")
    municipalities = list(Municipality.objects.filter(assignments__team=team))
    client = client_for(fbl_backnang)
    params = {"period": "year", "day": "2025-06-01"}
    counts = []
    for municipality in (municipalities[0], *municipalities[1:5]):
        Activity.objects.create(
            team=team, municipality=municipality, date=datetime.date(2025, 3, 1), kind="community"
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("teams:dashboard"), params)
        counts.append(len(queries))

    held = [row for row in response.context["presence_map"].rows if row.entry.value]
    assert len(held) == 5
    assert counts[1:] == [counts[1]] * 4


def test_public_finder_map_links_a_municipality_to_its_consultation_hours(client, district):
    from kooperation.models import Partner
    from teams.models import ConsultationHour
    from teams.recurrence import build_rrule

    backnang = Municipality.objects.get(name="Backnang")
    venue = Partner.objects.create(name="Rathaus Backnang", kind="town_hall", municipality=backnang)
    ConsultationHour.objects.create(
        team=Team.objects.get(name="Backnang"),
        municipality=backnang,
        venue=venue,
        rrule=build_rrule(pattern="weekly", weekday=4),
        start_time=datetime.time(15),
        end_time=datetime.time(17),
        valid_from=datetime.date(2026, 1, 1),
        is_public=True,
    )

    response = client.get(reverse("teams:public_finder"))

    svg = parse(response.context["finder_map"].svg)
    (link,) = links(svg)
    assert link.get("href") == f"?municipality={backnang.pk}#municipality-{backnang.pk}"
    assert link.get("aria-label").startswith("Backnang: ")
    assert len(svg.findall(f".//{SVG}g[@class='district-map-place']")) == 30
    followed = client.get(reverse("teams:public_finder"), {"municipality": backnang.pk})
    assert f'id="municipality-{backnang.pk}"' in followed.content.decode()
