"""Exports of the activity list and the dashboard: same rows as the list, German headings,
real dates and numbers, never a formula, constant queries, large Excel exports as a job."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.db.models import TextField, Value
from django.db.models.sql import Query
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kooperation.models import Body, BodyKind
from sozialraum.jobs.models import Job
from sozialraum.jobs.services import JobError
from sozialraum.models import Municipality, Team
from sozialraum.spreadsheets import (
    FORMULA_TRIGGERS,
    Neutralised,
    neutralise,
    sheet_title,
    undo_neutralise,
)
from teams import exports
from teams.models import Activity, Project, Topic

D = datetime.date
CSV_URL = reverse("teams:activity_export")
XLSX_URL = reverse("teams:activity_export_xlsx")
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)"]
HEADINGS = [
    "Datum", "Von", "Bis", "Art", "Status", "Grund für den Ausfall", "Team", "Stadt/Gemeinde",
    "Ort", "Gremium", "Projekt", "Kinder", "Jugendliche", "Eltern", "Fachkräfte",
    "Sonstige", "Kontakte", "Angebahnte Einzelfallhilfen", "Themen",
]  # fmt: skip


def make_activity(team, municipality, **fields):
    defaults = {"kind": "community", "date": D(2026, 5, 4), "status": "held"}
    return Activity.objects.create(team=team, municipality=municipality, **{**defaults, **fields})


def csv_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 (umlauts) only with a BOM
    return content.decode("utf-8-sig")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_text(response)), delimiter=";"))


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def hostile(team_backnang, backnang, fachkraft):
    """One activity with a formula-like text in each free-text place an export shows."""
    project = Project.objects.create(title=HOSTILE[1], team=team_backnang)
    body = Body.objects.create(name=HOSTILE[2], kind=BodyKind.ROUND_TABLE, municipality=backnang)
    topic = Topic.objects.create(name=HOSTILE[3])
    activity = make_activity(
        team_backnang,
        backnang,
        kind="round_table",
        status="cancelled",
        cancel_reason=HOSTILE[0],
        project=project,
        body=body,
        start_time=datetime.time(9, 30),
        end_time=datetime.time(11, 0),
        children=2,
        parents=3,
        helps_initiated=1,
        note="Geheime Notiz",
    )
    activity.topics.set([topic])
    activity.staff.set([fachkraft])
    return activity


@pytest.fixture
def several(team_backnang, backnang, topics):
    """Six Backnang activities in 2026, one of 2025, one of another team."""
    for day in range(1, 7):
        activity = make_activity(team_backnang, backnang, date=D(2026, 3, day), young_people=day)
        activity.topics.set(topics[: day % 3])
    make_activity(team_backnang, backnang, date=D(2025, 3, 1))
    make_activity(Team.objects.get(name="Winnenden"), Municipality.objects.get(name="Winnenden"))


def listed_ids(client, params) -> list[int]:
    response = client.get(reverse("teams:activity_list"), params)
    assert response.context["next_query"] is None  # everything on one page
    return [activity.pk for activity in response.context["activities"]]


# --- Same rows as the list ----------------------------------------------------------------


FILTERS = [PERIOD, {**PERIOD, "status": "cancelled"}, {**PERIOD, "kind": "community"}, {}]


@pytest.mark.parametrize("params", FILTERS, ids=["year", "cancelled", "kind", "default"])
@pytest.mark.parametrize("username", ["fachkraft", "fbl-backnang", "amtsleitung"])
def test_csv_and_xlsx_have_as_many_rows_as_the_list(
    client_for, demo_users, several, hostile, params, username
):
    client = client_for(demo_users[username])
    listed = listed_ids(client, params)

    csv_data = csv_rows(client.get(CSV_URL, params))[1:]
    sheet = workbook(client.get(XLSX_URL, params)).worksheets[0]

    assert len(csv_data) == len(listed)
    assert sheet.max_row - 1 == len(listed)
    assert [row[0] for row in csv_data] == [
        activity.date.strftime("%d.%m.%Y")
        for activity in Activity.objects.filter(pk__in=listed).order_by("-date", "-pk")
    ]


def test_csv_is_semicolon_separated_with_german_headings(client_for, fachkraft, hostile):
    rows = csv_rows(client_for(fachkraft).get(CSV_URL, PERIOD))

    assert rows[0] == HEADINGS
    assert rows[1][:5] == ["04.05.2026", "09:30", "11:00", "Runder Tisch", "ausgefallen"]
    assert rows[1][11:18] == ["2", "0", "3", "0", "0", "5", "1"]


def test_csv_neutralises_every_formula_like_text(client_for, fachkraft, hostile):
    rows = csv_rows(client_for(fachkraft).get(CSV_URL, PERIOD))

    record = dict(zip(rows[0], rows[1], strict=True))
    assert [record[name] for name in ("Grund für den Ausfall", "Projekt", "Gremium", "Themen")] == [
        "'" + text for text in HOSTILE
    ]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]


def test_xlsx_has_german_headings_real_dates_and_numbers(client_for, fachkraft, hostile):
    sheet = workbook(client_for(fachkraft).get(XLSX_URL, PERIOD)).worksheets[0]

    headings, row = [list(r) for r in sheet.iter_rows(min_row=1, max_row=2)]
    assert [cell.value for cell in headings] == HEADINGS
    assert (row[0].value, row[0].number_format) == (datetime.datetime(2026, 5, 4), "DD.MM.YYYY")
    assert (row[1].value, row[1].number_format) == (datetime.time(9, 30), "HH:MM")
    assert [cell.value for cell in row[11:18]] == [2, 0, 3, 0, 0, 5, 1]
    assert {cell.data_type for cell in row[11:18]} == {"n"}
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:S2")


def test_xlsx_keeps_formula_like_text_as_text(client_for, fachkraft, hostile):
    sheet = workbook(client_for(fachkraft).get(XLSX_URL, PERIOD)).worksheets[0]

    cells = [cell for row in sheet.iter_rows() for cell in row]
    record = {heading.value: cell for heading, cell in zip(cells[:19], cells[19:], strict=True)}
    shown = [record[name] for name in ("Grund für den Ausfall", "Projekt", "Gremium", "Themen")]
    assert [(cell.value, cell.data_type) for cell in shown] == [(t, "s") for t in HOSTILE]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL], ids=["csv", "xlsx"])
def test_export_holds_neither_note_nor_staff(client_for, fachkraft, hostile, url):
    response = client_for(fachkraft).get(url, PERIOD)

    if url == CSV_URL:
        cells = {cell for row in csv_rows(response) for cell in row}
    else:
        cells = {str(c.value) for row in workbook(response).worksheets[0].iter_rows() for c in row}
    assert not {"Geheime Notiz", "Notiz", fachkraft.username, fachkraft.get_full_name()} & cells


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL], ids=["csv", "xlsx"])
def test_export_answers_with_no_store_and_the_file_name(client_for, fachkraft, hostile, url):
    response = client_for(fachkraft).get(url, PERIOD)

    extension = url.rsplit(".", 1)[1]
    stamp = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="aktivitaeten-{stamp}.{extension}"'
    )
    assert "no-store" in response["Cache-Control"]


# --- Constant cost ------------------------------------------------------------------------


def export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, PERIOD)
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL], ids=["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_the_rows(
    client_for, fachkraft, team_backnang, backnang, topics, url
):
    client = client_for(fachkraft)
    make_activity(team_backnang, backnang).topics.set(topics)
    one = export_queries(client, url)
    for day in range(1, 9):
        make_activity(team_backnang, backnang, date=D(2026, 6, day)).topics.set(topics[:1])

    several = export_queries(client, url)

    assert several == one


# --- Large Excel exports as a background job ----------------------------------------------


def test_large_xlsx_export_starts_a_job_instead(client_for, fachkraft, several, settings):
    settings.EXPORT_JOB_THRESHOLD = 5

    response = client_for(fachkraft).get(XLSX_URL, {**PERIOD, "kind": "community"})

    job = Job.objects.get()
    assert (response.status_code, response.url) == (302, job.get_absolute_url())
    assert (job.user, job.runner, job.state) == (
        fachkraft,
        "teams.exports.activity_xlsx_job",
        "queued",
    )
    assert job.params == {
        "user_id": fachkraft.pk,
        "query": "date_from=2026-01-01&date_to=2026-12-31&kind=community",
        "language": "de",
    }
    assert "6" in job.title


def test_small_xlsx_export_answers_at_once(client_for, fachkraft, several, settings):
    settings.EXPORT_JOB_THRESHOLD = 6

    response = client_for(fachkraft).get(XLSX_URL, PERIOD)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not Job.objects.exists()


class Handle:
    """What the worker hands a runner, recording what the runner reports."""

    def __init__(self):
        self.reports, self.file = [], None

    def progress(self, done, total):
        self.reports.append((done, total))

    def finish(self, *, filename, content_type, data):
        self.file = (filename, content_type, data)


def test_job_runner_applies_the_users_scope_and_filter(client_for, fachkraft, several, hostile):
    handle = Handle()
    listed = listed_ids(client_for(fachkraft), PERIOD)

    exports.activity_xlsx_job(
        job=handle, user_id=fachkraft.pk, query="date_from=2026-01-01&date_to=2026-12-31"
    )

    filename, content_type, data = handle.file
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    teams = {row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (sheet.max_row - 1, teams) == (len(listed), {"Backnang"})
    assert filename.endswith(".xlsx") and content_type.startswith("application/vnd.openxml")
    assert (handle.reports[0], handle.reports[-1]) == ((0, len(listed)), (len(listed),) * 2)


def test_job_runner_refuses_a_user_who_can_no_longer_sign_in(fachkraft, several):
    fachkraft.is_active = False
    fachkraft.save()

    with pytest.raises(JobError):
        exports.activity_xlsx_job(job=Handle(), user_id=fachkraft.pk, query="")


# --- The dashboard ------------------------------------------------------------------------


DASHBOARD = reverse("teams:dashboard")


def test_dashboard_workbook_has_a_sheet_per_table(client_for, fbl_backnang, hostile):
    client = client_for(fbl_backnang)
    page = client.get(DASHBOARD, {"period": "year", "day": "2026-06-01"})

    response = client.get(
        DASHBOARD, {"period": "year", "day": "2026-06-01", "export": "all", "format": "xlsx"}
    )

    book = workbook(response)
    tables = page.context["tables"]
    assert len(book.sheetnames) == len(tables) + 1
    assert book.sheetnames[1].startswith("Sprechstunden")  # its title holds a ":"
    for table, sheet in zip(tables, book.worksheets, strict=False):
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == [str(header) for header in table.headers]
        assert [list(row) for row in values[1:]] == [
            [str(cell) if isinstance(cell, str) else cell for cell in row] for row in table.rows
        ]
        assert (sheet.freeze_panes, sheet.auto_filter.ref[:3]) == ("A2", "A1:")
    gaps = [row[0] for row in book.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert gaps == [municipality.name for municipality in page.context["facts"]["gaps"]]


def test_dashboard_page_links_the_workbook(client_for, fbl_backnang):
    response = client_for(fbl_backnang).get(DASHBOARD)

    assert "export=all&amp;format=xlsx" in response.content.decode()


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_consultation_table_exports_in_both_formats(client_for, fbl_backnang, format):
    response = client_for(fbl_backnang).get(
        DASHBOARD, {"period": "year", "export": "consultations", "format": format}
    )

    if format == "xlsx":
        (title,) = workbook(response).sheetnames
        assert (title.startswith("Sprechstunden"), ":" in title, len(title) <= 31) == (
            True,
            False,
            True,
        )
        rows = list(workbook(response).worksheets[0].iter_rows(min_row=2, values_only=True))
        assert {type(value) for row in rows for value in row[1:4]} == {int}
    else:
        rows = csv_rows(response)[1:]
    assert len(rows) == 4  # school, youth house, town hall, other venue


def test_unknown_dashboard_table_is_not_found(client_for, fbl_backnang):
    response = client_for(fbl_backnang).get(DASHBOARD, {"export": "nope", "format": "csv"})

    assert response.status_code == 404


# --- The building blocks ------------------------------------------------------------------


@given(st.text())
def test_neutralised_text_never_starts_like_a_formula_and_reads_back(text):
    cell = neutralise(text)

    assert not cell.startswith(FORMULA_TRIGGERS)
    assert neutralise(cell) == cell
    assert undo_neutralise(cell) == text or text.startswith("'")


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none()))
def test_numbers_stay_numbers(value):
    assert neutralise(value) == value


@given(st.lists(st.text(), min_size=1, max_size=8))
def test_sheet_titles_are_valid_and_unique(titles):
    taken: set[str] = set()

    results = [sheet_title(title, taken) for title in titles]

    assert all(0 < len(title) <= 31 for title in results)
    assert not [title for title in results if set(title) & set("[]:*?/\\")]
    assert len({title.lower() for title in results}) == len(results)


# --- The CSV written by PostgreSQL (COPY) ---------------------------------------------------


def test_csv_streams_the_headings_before_the_rows(client_for, fachkraft, several):
    response = client_for(fachkraft).get(CSV_URL, PERIOD)

    first, *rest = response.streaming_content
    assert first.decode("utf-8-sig").rstrip("\n").split(";") == HEADINGS
    assert b"".join(rest).count(b"\n") == 6  # the rows, in blocks rather than one per row


def test_csv_writes_empty_cells_empty_and_topics_in_the_lists_order(
    client_for, fachkraft, team_backnang, backnang
):
    names = ["Zoff", "Ärger", "alkohol", "Öffentlicher Raum"]
    make_activity(team_backnang, backnang).topics.set(
        [Topic.objects.create(name=name) for name in names]
    )

    text = csv_text(client_for(fachkraft).get(CSV_URL, PERIOD))
    row = text.splitlines()[1].split(";")

    assert '""' not in text  # an empty text is an empty cell, not a quoted one
    assert row[1:3] == ["", ""] and row[5] == "" and row[8:11] == ["", "", ""]
    assert row[-1] == ", ".join(Topic.objects.filter(name__in=names).values_list("name", flat=True))
    assert row[-1] == "alkohol, Ärger, Öffentlicher Raum, Zoff"


def test_csv_quotes_cells_holding_the_delimiter(client_for, fachkraft, team_backnang, backnang):
    make_activity(
        team_backnang, backnang, status="cancelled", cancel_reason='Regen; "Sturm"'
    ).topics.set([Topic.objects.create(name="A;B")])

    rows = csv_rows(client_for(fachkraft).get(CSV_URL, PERIOD))

    assert (rows[1][5], rows[1][-1]) == ('Regen; "Sturm"', "A;B")


def test_csv_of_an_invalid_filter_holds_only_the_headings(client_for, fachkraft, several):
    rows = csv_rows(client_for(fachkraft).get(CSV_URL, {"date_from": "kaputt"}))

    assert rows == [HEADINGS]


def test_csv_labels_follow_the_active_language(fachkraft, hostile):
    rows = exports.filtered_activities_for(fachkraft, QueryDict("date_from=2026-01-01"))
    with translation.override("en"):
        stream = exports.activity_csv_stream(rows)
    data = b"".join(stream).decode("utf-8-sig").splitlines()

    assert data[0].startswith("Date;From;Until;Kind;Status;")
    assert data[1].split(";")[3:5] == ["Round table", "cancelled"]


def in_database(expression):
    """The value of an expression as PostgreSQL computes it."""
    query = Query(None)
    sql, params = expression.resolve_expression(query).as_sql(
        query.get_compiler("default"), connection
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


# PostgreSQL's text holds no NUL character; the triggers are made likely at the start.
TEXTS = st.text(st.characters(exclude_characters="\x00"))
CELLS = st.one_of(
    TEXTS, st.tuples(st.sampled_from([*FORMULA_TRIGGERS, "'", " "]), TEXTS).map("".join)
)


@pytest.mark.django_db
@given(CELLS)
def test_sql_twin_neutralises_exactly_like_python(text):
    assert in_database(Neutralised(Value(text, output_field=TextField()))) == neutralise(text)


@pytest.mark.django_db
def test_sql_twin_leaves_null_alone():
    assert in_database(Neutralised(Value(None, output_field=TextField()))) is None
