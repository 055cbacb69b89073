"""Exports of the activity log and the dashboard as CSV and Excel.

The CSV is written by PostgreSQL: the list's own queryset, its columns annotated as SQL
expressions (labels, names, topics, neutralised text), runs as one ``COPY … TO STDOUT`` whose
bytes Python only passes on — a district's year (333,000 rows) in about 2 s, memory flat.
The Excel rows are lean: one ``values_list`` of exactly the exported columns read through a
server-side cursor, names and labels from maps loaded once, topic ids aggregated in SQL. Never
the note, never staff names (privacy: no figures per person leave the application).

An Excel export above ``settings.EXPORT_JOB_THRESHOLD`` rows runs as a background job
(:func:`activity_xlsx_job`), which re-applies the user's scope and filter itself.
"""

import csv
import io
from collections.abc import Callable, Iterator

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, NullIf
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kooperation.models import Body, Partner
from sozialraum.models import Municipality, Team, User
from sozialraum.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    Neutralised,
    XlsxWorkbook,
    neutralise,
)
from sozialraum.text import GermanSortKey
from teams import permissions
from teams.filters import ActivityFilter
from teams.models import Activity, Project, Topic

CHUNK_SIZE = 5000
COUNT_FIELDS = (*Activity.COUNT_FIELDS,)


def export_job_threshold() -> int:
    return getattr(settings, "EXPORT_JOB_THRESHOLD", 50_000)


def filtered_activities_for(user, params) -> QuerySet[Activity]:
    """The activities the list shows this user for these parameters (none when a filter is
    invalid) — the same scope and filter as the list, in a request or in a job."""
    visible = permissions.activities_visible_to(user)
    filterset = ActivityFilter(params, queryset=visible, user=user)
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


def activity_columns() -> list[Column]:
    """The exported columns, headed in the active language."""
    return [
        Column(capfirst(_("date")), "date", 11),
        Column(_("From"), "time", 7),
        Column(_("Until"), "time", 7),
        Column(_("Kind"), "text", 24),
        Column(_("Status"), "text", 12),
        Column(capfirst(_("reason for cancelling")), "text", 24),
        Column(_("Team"), "text", 20),
        Column(_("Town or municipality"), "text", 18),
        Column(capfirst(_("venue")), "text", 28),
        Column(_("Gremium"), "text", 28),
        Column(_("Project"), "text", 28),
        *[
            Column(capfirst(str(Activity._meta.get_field(name).verbose_name)), "number", 10)
            for name in COUNT_FIELDS
        ],
        Column(_("Contacts"), "number", 10),
        Column(capfirst(_("individual helps initiated")), "number", 12),
        Column(capfirst(_("topics")), "text", 40),
    ]


def _topic_ids() -> ArraySubquery:
    """The ids of an activity's topics as one array, collected in SQL (one index-only scan
    per row; cheaper than a grouped aggregate)."""
    through = Activity.topics.through.objects.filter(activity_id=OuterRef("pk"))
    return ArraySubquery(through.values("topic_id"))


LEAN_FIELDS = (
    "date", "start_time", "end_time", "kind", "status", "cancel_reason", "team_id",
    "municipality_id", "venue_id", "body_id", "project_id", *COUNT_FIELDS,
    "helps_initiated", "topic_ids",
)  # fmt: skip


class Labels:
    """Names and labels of everything a row refers to, loaded once per export (a handful of
    small queries, however many rows). ``text`` prepares every name once (for a CSV:
    :func:`~sozialraum.spreadsheets.neutralise`), so that rows need no work per cell."""

    def __init__(self, text=lambda value: value):
        self.text = text
        self.kinds = {value: text(str(label)) for value, label in Activity.Kind.choices}
        self.statuses = {value: text(str(label)) for value, label in Activity.Status.choices}
        self.teams = self._names(Team.objects.order_by().values_list("pk", "name"))
        self.municipalities = self._names(Municipality.objects.order_by().values_list("pk", "name"))
        self.venues = self._names(Partner.objects.order_by().values_list("pk", "name"))
        self.bodies = self._names(Body.objects.order_by().values_list("pk", "name"))
        self.projects = self._names(Project.objects.order_by().values_list("pk", "title"))
        self.topic_order = {
            pk: (position, name)
            for position, (pk, name) in enumerate(Topic.objects.values_list("pk", "name"))
        }
        self._topic_texts: dict[tuple, str] = {(): ""}

    def _names(self, pairs) -> dict:
        names = {pk: self.text(name) for pk, name in pairs}
        names[None] = ""
        return names

    def topics(self, ids) -> str:
        """The topics' names in the list's order, joined; computed once per combination."""
        key = tuple(ids)
        text = self._topic_texts.get(key)
        if text is None:
            names = sorted(self.topic_order[pk] for pk in key if pk in self.topic_order)
            text = self.text(", ".join(name for _position, name in names))
            self._topic_texts[key] = text
        return text


class _Memo(dict):
    """A value computed once per key: dates and times repeat thousands of times in an export."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, key):
        value = self[key] = self.compute(key)
        return value


def activity_values(
    rows: QuerySet[Activity], labels: Labels | None = None, *, days=None, times=None
) -> Iterator[list]:
    """The export's rows, newest first, read through a server-side cursor: dates and times as
    Python values (or as ``days``/``times`` map them), counts as numbers, names from
    ``labels``, free text through ``labels.text``."""
    labels = labels or Labels()
    days = days if days is not None else _Memo(lambda day: day)
    times = times if times is not None else _Memo(lambda time: time)
    lean = rows.annotate(topic_ids=_topic_ids()).order_by("-date", "-pk").values_list(*LEAN_FIELDS)
    kinds, statuses, teams = labels.kinds, labels.statuses, labels.teams
    municipalities, venues = labels.municipalities, labels.venues
    bodies, projects, topics, text = labels.bodies, labels.projects, labels.topics, labels.text
    for row in lean.iterator(chunk_size=CHUNK_SIZE):
        counts = row[11:16]
        yield [
            days[row[0]],
            times[row[1]],
            times[row[2]],
            kinds.get(row[3], ""),
            statuses.get(row[4], ""),
            text(row[5]),
            teams[row[6]],
            municipalities[row[7]],
            venues[row[8]],
            bodies[row[9]],
            projects[row[10]],
            *counts,
            sum(counts),
            row[16],
            topics(row[17]),
        ]


def activity_workbook(
    rows: QuerySet[Activity], progress: Callable[[int], None] | None = None
) -> bytes:
    """The export as an Excel workbook of one sheet."""
    workbook = XlsxWorkbook()
    workbook.add_sheet(
        _("Activities"), activity_columns(), activity_values(rows), progress=progress
    )
    return workbook.to_bytes()


# --- The CSV, written by PostgreSQL -----------------------------------------------------------

CSV_COPY_OPTIONS = "FORMAT csv, DELIMITER ';'"
CSV_BUFFER_BYTES = 256 * 1024


def _text_cell(expression):
    """A text cell: neutralised like every CSV cell, and empty (not ``""``) when blank."""
    return NullIf(Neutralised(expression), Value(""), output_field=TextField())


def _label_cell(field: str, choices) -> Case:
    """A kind or status by its label in the active language (labels neutralised in Python)."""
    whens = [When(**{field: value}, then=Value(neutralise(str(label)))) for value, label in choices]
    return Case(*whens, default=Value(None), output_field=TextField())


def _to_char(field: str, pattern: str) -> Func:
    return Func(F(field), Value(pattern), function="to_char", output_field=TextField())


def _topic_names() -> Subquery:
    """An activity's topics joined with ", " in the list's order (``Topic.Meta.ordering``, the
    German sort key; the name itself breaks ties), neutralised as one cell."""
    names = StringAgg(
        "topic__name",
        ", ",
        order_by=(GermanSortKey("topic__name"), "topic__name", "topic_id"),
    )
    through = Activity.topics.through.objects.filter(activity_id=OuterRef("pk"))
    return Subquery(
        through.order_by().values("activity_id").annotate(text=Neutralised(names)).values("text"),
        output_field=TextField(),
    )


def activity_csv_cells() -> dict:
    """The CSV's columns as SQL expressions, in the order of :func:`activity_columns`: dates as
    TT.MM.JJJJ and times as HH:MM (the way Excel in Germany reads them), counts as numbers and
    their sum, every text neutralised (:class:`~sozialraum.spreadsheets.Neutralised`)."""
    contacts = sum((F(name) for name in COUNT_FIELDS[1:]), Cast(COUNT_FIELDS[0], IntegerField()))
    return {
        "csv_date": _to_char("date", "DD.MM.YYYY"),
        "csv_from": _to_char("start_time", "HH24:MI"),
        "csv_until": _to_char("end_time", "HH24:MI"),
        "csv_kind": _label_cell("kind", Activity.Kind.choices),
        "csv_status": _label_cell("status", Activity.Status.choices),
        "csv_cancel_reason": _text_cell(F("cancel_reason")),
        "csv_team": _text_cell(F("team__name")),
        "csv_municipality": _text_cell(F("municipality__name")),
        "csv_venue": _text_cell(F("venue__name")),
        "csv_body": _text_cell(F("body__name")),
        "csv_project": _text_cell(F("project__title")),
        **{f"csv_{name}": F(name) for name in COUNT_FIELDS},
        "csv_contacts": ExpressionWrapper(contacts, output_field=IntegerField()),
        "csv_helps_initiated": F("helps_initiated"),
        "csv_topics": NullIf(_topic_names(), Value(""), output_field=TextField()),
    }


def activity_csv_copy(rows: QuerySet[Activity]) -> tuple[str, tuple] | None:
    """The ``COPY … TO STDOUT`` statement and its parameters that write the export's rows,
    newest first — built from the list's own queryset, so the rows are the list's. None when
    the queryset can hold no rows (an invalid filter)."""
    cells = activity_csv_cells()
    lean = rows.annotate(**cells).order_by("-date", "-pk").values_list(*cells)
    try:
        sql, params = lean.query.sql_with_params()
    except EmptyResultSet:
        return None
    return f"COPY ({sql}) TO STDOUT WITH ({CSV_COPY_OPTIONS})", tuple(params)


def csv_head(headings) -> bytes:
    """Byte-order mark and the headings, in the dialect PostgreSQL writes the rows in."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow([neutralise(str(heading)) for heading in headings])
    return buffer.getvalue().encode("utf-8")


def activity_csv_stream(rows: QuerySet[Activity]) -> Iterator[bytes]:
    """The CSV export as bytes: the headings at once, then the rows as PostgreSQL's ``COPY``
    writes them, passed through in blocks of a few hundred kilobytes (Python touches no cell,
    memory stays flat). The statement is built before the first byte, in the request's
    language; it runs when the response is read."""
    head = csv_head(column.heading for column in activity_columns())
    statement = activity_csv_copy(rows)
    return _copy_stream(head, statement)


def _copy_stream(head: bytes, statement) -> Iterator[bytes]:
    yield head
    if statement is None:
        return
    sql, params = statement
    buffer = bytearray()
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner prices the per-row topics subquery high enough to JIT-compile the
        # query, which took longer (2.7 s of CPU at 333,000 rows) than running it.
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(sql, params) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= CSV_BUFFER_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)


def activity_export_filename(extension: str) -> str:
    return f"aktivitaeten-{timezone.localdate().isoformat()}.{extension}"


def activity_xlsx_job(*, job, user_id: int, query: str, language: str = "de") -> None:
    """Background job: the Excel export of the activity list for a user and a filter. The
    scope and filter are applied again here, as the user's request would apply them."""
    from sozialraum.jobs.services import JobError

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise JobError(_("The export was started by a user who can no longer sign in."))
    with translation.override(language):
        rows = filtered_activities_for(user, QueryDict(query))
        total = rows.count()
        job.progress(0, total)
        data = activity_workbook(rows, progress=lambda done: job.progress(done, total))
        job.progress(total, total)
        job.finish(
            filename=activity_export_filename("xlsx"), content_type=XLSX_CONTENT_TYPE, data=data
        )


# --- The dashboard -------------------------------------------------------------------------


def table_columns(table) -> list[Column]:
    """A dashboard table's columns: a label column, then figures."""
    first, *rest = table.headers
    return [Column(str(first), "text", 40), *[Column(str(h), "number", 14) for h in rest]]


def dashboard_workbook(tables, gaps=None) -> bytes:
    """Every table of the dashboard as its own sheet, and (when given) the municipalities
    without presence."""
    workbook = XlsxWorkbook()
    for table in tables:
        workbook.add_sheet(str(table.title), table_columns(table), table.rows)
    if gaps is not None:
        workbook.add_sheet(
            _("Without any presence in the period"),
            [Column(_("Town or municipality"), "text", 30)],
            [[municipality.name] for municipality in gaps],
        )
    return workbook.to_bytes()
