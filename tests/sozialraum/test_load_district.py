import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from sozialraum.models import Assignment, MiddleArea, Municipality, Team

HEADER = "municipality,kind,grosse_kreisstadt,population_2007,middle_area_example,team_example\n"


def snapshot():
    return {
        "areas": list(MiddleArea.objects.order_by("pk").values_list("pk", "name")),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name", "middle_area_id")),
        "municipalities": list(
            Municipality.objects.order_by("pk").values_list(
                "pk", "name", "kind", "is_major_district_town", "population", "population_date"
            )
        ),
        "assignments": list(
            Assignment.objects.order_by("pk").values_list(
                "pk", "municipality_id", "team_id", "valid_from", "valid_until", "is_example"
            )
        ),
    }


def load(path=None):
    out = io.StringIO()
    args = ["--file", str(path)] if path else []
    call_command("load_district", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(body: str, header: str = HEADER):
        path = tmp_path / "district.csv"
        path.write_text(header + body, encoding="utf-8")
        return path

    return write


def test_load_district_creates_the_rems_murr_kreis(db):
    load()

    assert MiddleArea.objects.count() == 3
    assert Team.objects.count() == 9
    assert Municipality.objects.count() == 31
    assert Assignment.objects.filter(valid_until__isnull=True, is_example=True).count() == 31
    assert sum(Municipality.objects.values_list("population", flat=True)) == 417_131
    assert Municipality.objects.filter(kind=Municipality.Kind.TOWN).count() == 8
    assert Municipality.objects.filter(is_major_district_town=True).count() == 6
    backnang = Municipality.objects.get(name="Backnang")
    assert (backnang.population, str(backnang.population_date)) == (35603, "2007-12-31")
    assert list(MiddleArea.objects.values_list("name", flat=True)) == [
        "Backnang",
        "Schorndorf",
        "Waiblingen",
    ]


def test_load_district_twice_gives_the_same_rows(db):
    load()
    first = snapshot()

    output = load()

    assert snapshot() == first
    assert "31 municipalities already present and kept" in output


def test_load_district_keeps_what_administration_changed(db):
    load()
    Team.objects.filter(name="Backnang").update(email="backnang@example.org")
    Municipality.objects.filter(name="Korb").update(population=11000, population_date="2024-12-31")

    load()

    assert Team.objects.get(name="Backnang").email == "backnang@example.org"
    assert Municipality.objects.get(name="Korb").population == 11000


def test_load_district_from_another_file(db, csv_file):
    path = csv_file(
        "Adorf,Stadt,yes,20000,Nord,Team Adorf\n"
        "Bedorf,Gemeinde,no,3000,Nord,Team Adorf\n"
        "Cedorf,Gemeinde,nein,4000,Süd,Team Cedorf\n"
    )

    load(path)

    assert list(Team.objects.values_list("name", "middle_area__name")) == [
        ("Team Adorf", "Nord"),
        ("Team Cedorf", "Süd"),
    ]
    assert Municipality.objects.get(name="Adorf").is_major_district_town is True


def test_load_district_accepts_semicolons(db, csv_file):
    path = csv_file("Adorf;Stadt;no;20000;Nord;Team Adorf\n", header=HEADER.replace(",", ";"))

    load(path)

    assert Municipality.objects.get().name == "Adorf"


@pytest.mark.parametrize(
    ("body", "header", "message"),
    [
        (
            "Adorf,Stadt,no,20000,Nord\n",
            HEADER.replace(",team_example", ""),
            "Zeile 1: fehlende Spalte(n): team_example.",
        ),
        (
            "Adorf,Stadt,no,20000,Nord,A\nBedorf,Gemeinde,no,zwölf,Nord,A\n",
            HEADER,
            "Zeile 3, Spalte „population_2007“: „zwölf“ ist keine ganze Zahl.",
        ),
        (
            "Adorf,Stadt,no,20000,Nord,A\nBedorf,Gemeinde,no,-5,Nord,A\n",
            HEADER,
            "Zeile 3, Spalte „population_2007“: „-5“ ist keine ganze Zahl.",
        ),
        (
            "Adorf,Stadt,no,20000,Nord,A\nBedorf,Gemeinde,no,300,Nord,A\nadorf,Stadt,no,1,Nord,A\n",
            HEADER,
            "Zeile 4: Die Stadt/Gemeinde „adorf“ steht bereits in Zeile 2.",
        ),
        (
            "Adorf,Stadt,no,20000,,A\n",
            HEADER,
            "Zeile 2, Spalte „middle_area_example“: ein Wert ist erforderlich.",
        ),
        (
            "Adorf,Stadt,no,20000,Nord,A\nBedorf,Gemeinde,no,300,Süd,A\n",
            HEADER,
            "Zeile 3, Spalte „middle_area_example“: Das Team „A“ gehört zum Mittelbereich "
            "„Nord“, nicht zu „Süd“.",
        ),
        (
            "Adorf,Dorf,no,20000,Nord,A\n",
            HEADER,
            "Zeile 2, Spalte „kind“: „Dorf“ ist weder Stadt noch Gemeinde.",
        ),
        (
            "Adorf,Gemeinde,yes,20000,Nord,A\n",
            HEADER,
            "Zeile 2, Spalte „grosse_kreisstadt“: nur eine Stadt kann Große Kreisstadt sein.",
        ),
    ],
    ids=[
        "missing-column",
        "bad-number",
        "negative-number",
        "duplicate",
        "empty-middle-area",
        "team-in-two-areas",
        "bad-kind",
        "gemeinde-as-grosse-kreisstadt",
    ],
)
def test_bad_file_names_the_line_and_writes_nothing(db, csv_file, body, header, message):
    path = csv_file(body, header)

    with pytest.raises(CommandError) as error:
        load(path)

    assert message in str(error.value).splitlines()
    assert snapshot() == {"areas": [], "teams": [], "municipalities": [], "assignments": []}


def test_unknown_middle_area_refused_once_the_district_exists(db, csv_file):
    load()
    before = snapshot()
    text = settings.DISTRICT_CSV.read_text(encoding="utf-8")
    path = csv_file(
        text.split("\n", 1)[1].replace(
            "Korb,Gemeinde,no,10404,Waiblingen", "Korb,Gemeinde,no,10404,Waiblngen"
        )
    )

    with pytest.raises(CommandError) as error:
        load(path)

    assert (
        "Zeile 15, Spalte „middle_area_example“: unbekannter Mittelbereich „Waiblngen“; "
        "in diesem Landkreis gibt es Backnang, Schorndorf, Waiblingen."
    ) in str(error.value).splitlines()
    assert snapshot() == before
