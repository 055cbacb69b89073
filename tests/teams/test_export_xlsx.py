import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sozialraum.models import Municipality, Team
from teams.models import Activity
from teams.views.activities import EXPORT_HEADER

D = datetime.date
URL = reverse("teams:activity_export_xlsx")
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def make_activity(team, municipality, **fields):
    defaults = {"kind": "community", "date": D(2026, 5, 4), "status": "held"}
    return Activity.objects.create(team=team, municipality=municipality, **{**defaults, **fields})


def sheet_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def as_text(rows) -> list[list[str]]:
    return [["" if value is None else str(value) for value in row] for row in rows]


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
    assert list(rows[0]) == EXPORT_HEADER
    assert "note" not in rows[0]
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["date"], r["team"]) for r in records] == [
        ("2026-07-01", "Backnang"),
        ("2026-05-04", "Backnang"),
    ]
    first = records[1]
    assert (first["start"], first["end"], first["municipality"]) == ("10:00", "12:00", "Backnang")
    assert [first[name] for name in (*Activity.COUNT_FIELDS, "contacts", "helps_initiated")] == [
        3, 0, 1, 0, 0, 4, 2,
    ]  # fmt: skip
    assert first["topics"] == "Familie und Erziehung, Schule und Ausbildung"
    assert records[0]["cancel_reason"] == "Krankheit"
    cells = [value for row in rows for value in row]
    assert not {"Geheim", "Auch geheim", "Letztes Jahr", "Notiz Winnenden"} & set(cells)


def test_xlsx_has_the_same_rows_as_the_csv(client_for, fachkraft, backnang_activities):
    client = client_for(fachkraft)

    xlsx = client.get(URL, PERIOD)
    csv_response = client.get(reverse("teams:activity_export"), PERIOD)

    content = b"".join(csv_response.streaming_content).decode()
    assert as_text(sheet_rows(xlsx)) == list(csv.reader(io.StringIO(content), delimiter=";"))


def test_another_teams_activities_are_not_in_the_export(
    client_for, fachkraft, other_team_member, backnang_activities, winnenden_activity
):
    backnang = sheet_rows(client_for(fachkraft).get(URL, PERIOD))
    winnenden = sheet_rows(client_for(other_team_member).get(URL, PERIOD))

    assert [(row[0], row[6]) for row in backnang[1:]] == [
        ("2026-07-01", "Backnang"),
        ("2026-05-04", "Backnang"),
    ]
    assert [(row[0], row[6], row[12]) for row in winnenden[1:]] == [("2026-05-05", "Winnenden", 8)]


def test_filter_narrows_the_export(client_for, fachkraft, backnang_activities):
    response = client_for(fachkraft).get(URL, {**PERIOD, "status": "cancelled"})

    assert [row[0] for row in sheet_rows(response)[1:]] == ["2026-07-01"]


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
    cell = workbook.worksheets[0].cell(row=2, column=EXPORT_HEADER.index("cancel_reason") + 1)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_anonymous_user_gets_no_export(client, db):
    response = client.get(URL)

    assert (response.status_code, response.url) == (302, f"{reverse('login')}?next={URL}")


def test_activity_list_links_to_the_xlsx_export(client_for, fachkraft):
    response = client_for(fachkraft).get(reverse("teams:activity_list"))

    assert f'href="{URL}?' in response.content.decode()
