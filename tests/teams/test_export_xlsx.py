import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sozialraum.models import Municipality, Team
from teams.models import Activity

D = datetime.date
URL = reverse("teams:activity_export_xlsx")
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
HEADINGS = [
    "Datum", "Von", "Bis", "Art", "Status", "Grund für den Ausfall", "Team", "Stadt/Gemeinde",
    "Ort", "Gremium", "Projekt", "Kinder", "Jugendliche", "Eltern", "Fachkräfte",
    "Sonstige", "Kontakte", "Angebahnte Einzelfallhilfen", "Themen",
]  # fmt: skip
COUNTS = ["Kinder", "Jugendliche", "Eltern", "Fachkräfte", "Sonstige", "Kontakte"]


def make_activity(team, municipality, **fields):
    defaults = {"kind": "community", "date": D(2026, 5, 4), "status": "held"}
    return Activity.objects.create(team=team, municipality=municipality, **{**defaults, **fields})


def sheet_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def as_text(rows) -> list[list[str]]:
    """Cells as the CSV export writes them: dates TT.MM.JJJJ, times HH:MM."""

    def text(value):
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.strftime("%d.%m.%Y")
        if isinstance(value, datetime.time):
            return value.strftime("%H:%M")
        return str(value)

    return [[text(value) for value in row] for row in rows]


@pytest.fixture
def winnenden_activity(district):
    return make_activity(
        Team.objects.get(name="Winnenden"),
        Municipality.objects.get(name="Winnenden"),
        date=D(2026, 5, 5),
        young_people=8,
        note="Notiz Winnenden",
    )


@pytest.fixture
def backnang_activities(team_backnang, backnang, topics, fachkraft):
    first = make_activity(
        team_backnang,
        backnang,
        start_time=datetime.time(10, 0),
        end_time=datetime.time(12, 0),
        children=3,
        parents=1,
        helps_initiated=2,
        note="Geheim",
    )
    first.topics.set(topics)
    first.staff.set([fachkraft])
    second = make_activity(
        team_backnang,
        backnang,
        date=D(2026, 7, 1),
        status="cancelled",
        cancel_reason="Krankheit",
        note="Auch geheim",
    )
    make_activity(team_backnang, backnang, date=D(2025, 5, 4), note="Letztes Jahr")
    return [second, first]


def test_xlsx_holds_the_filtered_rows_without_the_note(
    client_for, fachkraft, backnang_activities, winnenden_activity
):
    response = client_for(fachkraft).get(URL, PERIOD)

    rows = sheet_rows(response)
    assert list(rows[0]) == HEADINGS
    assert "Notiz" not in rows[0]
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["Datum"], r["Team"]) for r in records] == [
        (datetime.datetime(2026, 7, 1), "Backnang"),
        (datetime.datetime(2026, 5, 4), "Backnang"),
    ]
    first = records[1]
    assert (first["Von"], first["Bis"], first["Stadt/Gemeinde"]) == (
        datetime.time(10, 0),
        datetime.time(12, 0),
        "Backnang",
    )
    assert [first[name] for name in (*COUNTS, "Angebahnte Einzelfallhilfen")] == [
        3, 0, 1, 0, 0, 4, 2,
    ]  # fmt: skip
    assert first["Themen"] == "Familie und Erziehung, Schule und Ausbildung"
    assert records[0]["Grund für den Ausfall"] == "Krankheit"
    cells = [value for row in rows for value in row]
    assert not {"Geheim", "Auch geheim", "Letztes Jahr", "Notiz Winnenden"} & set(cells)


def test_xlsx_has_the_same_rows_as_the_csv(client_for, fachkraft, backnang_activities):
    client = client_for(fachkraft)

    xlsx = client.get(URL, PERIOD)
    csv_response = client.get(reverse("teams:activity_export"), PERIOD)

    content = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert as_text(sheet_rows(xlsx)) == list(csv.reader(io.StringIO(content), delimiter=";"))


def test_another_teams_activities_are_not_in_the_export(
    client_for, fachkraft, other_team_member, backnang_activities, winnenden_activity
):
    backnang = sheet_rows(client_for(fachkraft).get(URL, PERIOD))
    winnenden = sheet_rows(client_for(other_team_member).get(URL, PERIOD))

    assert [(row[0].date(), row[6]) for row in backnang[1:]] == [
        (D(2026, 7, 1), "Backnang"),
        (D(2026, 5, 4), "Backnang"),
    ]
    assert [(row[0].date(), row[6], row[12]) for row in winnenden[1:]] == [
        (D(2026, 5, 5), "Winnenden", 8)
    ]


def test_filter_narrows_the_export(client_for, fachkraft, backnang_activities):
    response = client_for(fachkraft).get(URL, {**PERIOD, "status": "cancelled"})

    assert [row[0].date() for row in sheet_rows(response)[1:]] == [D(2026, 7, 1)]


def test_xlsx_file_name_and_type(client_for, fachkraft, backnang_activities):
    response = client_for(fachkraft).get(URL, PERIOD)

    stamp = timezone.localdate().isoformat()
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f'attachment; filename="aktivitaeten-{stamp}.xlsx"',
    )


def test_text_starting_with_equals_stays_text(client_for, fachkraft, team_backnang, backnang):
    make_activity(
        team_backnang, backnang, status="cancelled", cancel_reason='=HYPERLINK("http://x")'
    )

    response = client_for(fachkraft).get(URL, PERIOD)

    workbook = load_workbook(io.BytesIO(response.content))
    cell = workbook.worksheets[0].cell(row=2, column=HEADINGS.index("Grund für den Ausfall") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_anonymous_user_gets_no_export(client, db):
    response = client.get(URL)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={URL}")


def test_activity_list_links_to_the_xlsx_export(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("teams:activity_list"))

    assert f'href="{URL}?' in response.content.decode()
