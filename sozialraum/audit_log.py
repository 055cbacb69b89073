"""The audit trail as a page: which recorded changes to list, and how to show them readably.

django-pghistory's triggers write one event table per tracked model (see ``sozialraum.audit``).
Its aggregate ``Events`` view builds the snapshot and the diff of *every* event of every table
before it can sort them, which gets slow with tens of thousands of events. So the list works in
two steps:

1. ``audit_events`` selects only the keys of the matching events (kind, event id, time): from
   the one event table of a chosen kind, or as a UNION ALL over all of them, newest first. The
   paginator counts and slices this cheap query.
2. ``audit_entries`` loads snapshot and diff of just the page's events through ``Events`` (the
   filter on the event ids reaches each table's primary key), then resolves users, records and
   foreign keys with one query per model involved, never one per event.
"""

import datetime
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import CharField, Q, QuerySet, Value
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory import core as pghistory_core
from pghistory.models import Events

from sozialraum.models import User
from sozialraum.text import german_sort_key

# pghistory's labels of the three trackers (see ``sozialraum.audit.audited``).
INSERT, UPDATE, DELETE = "insert", "update", "delete"
ACTIONS = {
    INSERT: gettext_lazy("created"),
    UPDATE: gettext_lazy("changed"),
    DELETE: gettext_lazy("deleted"),
}

# The user filter's choice for changes without a signed-in user (commands, imports, SQL).
NO_USER = "none"

# Bookkeeping that every row of the list already shows (who, when) or that means nothing to a
# reader (the primary key, the edit-conflict counter); left out of the change tables.
HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "created_by", "updated_at", "updated_by"})

# Values a snapshot leaves out: an empty field says nothing about what was created or deleted.
EMPTY = (None, "", [], {})

# Tracked models without a verbose name of their own (Django's generated link tables).
KIND_LABELS = {
    "sozialraum.user_groups": (
        gettext_lazy("role group membership"),
        gettext_lazy("role group memberships"),
    ),
    "teams.activity_staff": (
        gettext_lazy("staff member of an activity"),
        gettext_lazy("staff members of activities"),
    ),
    "teams.activity_partners": (
        gettext_lazy("partner involved in an activity"),
        gettext_lazy("partners involved in activities"),
    ),
    "teams.activity_topics": (
        gettext_lazy("topic of an activity"),
        gettext_lazy("topics of activities"),
    ),
}


@dataclass(frozen=True)
class Kind:
    """A kind of record: a tracked model and the event table pghistory keeps for it."""

    key: str  # the tracked model's "app_label.model_name", the ``model`` GET parameter
    model: type[models.Model]
    event_model: type[models.Model]

    @property
    def label(self) -> str:
        if self.key in KIND_LABELS:
            return KIND_LABELS[self.key][0]
        return self.model._meta.verbose_name

    @property
    def label_plural(self) -> str:
        if self.key in KIND_LABELS:
            return KIND_LABELS[self.key][1]
        return self.model._meta.verbose_name_plural

    @functools.cached_property
    def fields_by_column(self) -> dict[str, models.Field]:
        return {f.column: f for f in self.model._meta.concrete_fields}


@functools.cache
def audited_kinds() -> dict[str, Kind]:
    """Every tracked model by its key, found from pghistory's event models."""
    kinds = {}
    for event_model in pghistory_core.event_models():
        tracked = event_model.pgh_tracked_model
        kinds[tracked._meta.label_lower] = Kind(tracked._meta.label_lower, tracked, event_model)
    return kinds


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of record for a select, by their plural name in German alphabetical order."""
    kinds = audited_kinds().values()
    return sorted(
        ((kind.key, str(kind.label_plural)) for kind in kinds),
        key=lambda choice: german_sort_key(choice[1]),
    )


def user_choices() -> list[tuple[str, str]]:
    """Everyone who could have changed something, in German alphabetical order, with the user
    name to tell people of the same name apart (pseudonyms never sign in)."""
    users = User.objects.filter(is_pseudonym=False).only("username", "first_name", "last_name")
    choices = [
        (str(user.pk), f"{user} ({user.username})" if user.get_full_name() else user.username)
        for user in users
    ]
    return sorted(choices, key=lambda choice: german_sort_key(choice[1]))


# --- Step 1: the matching events' keys ---------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """What the reader filters by; every part is optional."""

    kind: Kind | None = None
    obj: int | None = None  # a record's primary key, with ``kind``
    user: int | str | None = None  # a user's primary key or NO_USER
    date_from: datetime.date | None = None  # local dates, both inclusive
    date_to: datetime.date | None = None
    action: str | None = None  # INSERT, UPDATE or DELETE


def audit_events(query: AuditQuery) -> QuerySet:
    """The keys ``audit_kind``, ``pgh_id`` and ``pgh_created_at`` of the matching events, newest
    first. A chosen kind reads its own event table only; otherwise all tables, united."""
    kinds = [query.kind] if query.kind else list(audited_kinds().values())
    parts = [_event_keys(kind, query) for kind in kinds]
    events = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    # Events of one transaction share their time; the event id orders them within a table.
    return events.order_by("-pgh_created_at", "-pgh_id", "audit_kind")


def _event_keys(kind: Kind, query: AuditQuery) -> QuerySet:
    events = kind.event_model.objects.filter(_conditions(query))
    return events.annotate(audit_kind=Value(kind.key, output_field=CharField())).values(
        "audit_kind", "pgh_id", "pgh_created_at"
    )


def _conditions(query: AuditQuery) -> Q:
    conditions = Q()
    if query.obj is not None:
        conditions &= Q(pgh_obj_id=query.obj)
    if query.action:
        conditions &= Q(pgh_label=query.action)
    if query.date_from:
        conditions &= Q(pgh_created_at__gte=_local_midnight(query.date_from))
    if query.date_to:
        conditions &= Q(pgh_created_at__lt=_local_midnight(query.date_to, days=1))
    if query.user == NO_USER:
        conditions &= (
            Q(pgh_context__isnull=True)
            | Q(pgh_context__metadata__user__isnull=True)
            | Q(pgh_context__metadata__user=None)
        )
    elif query.user is not None:
        conditions &= Q(pgh_context__metadata__user=query.user)
    return conditions


def _local_midnight(day: datetime.date, *, days: int = 0) -> datetime.datetime:
    """The start of a local day as an aware time, so that the filter can use plain comparisons."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time.min)
    return timezone.make_aware(start)


# --- Step 2: the page's events, readable -------------------------------------------------------


@dataclass
class Change:
    """One field of an event: its value before and after (``before`` empty for a snapshot)."""

    field: str
    before: str
    after: str

    @property
    def value(self) -> str:
        """The one value of a snapshot (created: the first, deleted: the last)."""
        return self.after or self.before


@dataclass
class Entry:
    """One row of the audit trail, ready to show."""

    kind: Kind
    event_id: int
    when: datetime.datetime
    action: str
    who: str
    url: str
    record_id: int | None
    record: str
    record_exists: bool
    changes: list[Change] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def is_update(self) -> bool:
        return self.action == UPDATE

    @property
    def anchor(self) -> str:
        return f"event-{self.kind.key.replace('.', '-')}-{self.event_id}"


def audit_entries(rows: Iterable[dict]) -> list[Entry]:
    """The events behind ``audit_events`` rows (a page of them), in the same order.

    Queries: one for the events' data, then one per model whose rows are named (users, the
    records themselves, the targets of foreign keys), independent of the number of events.
    """
    rows = list(rows)
    if not rows:
        return []
    kinds = audited_kinds()
    events = _event_data(rows, kinds)
    names = _Names()
    for event in events.values():
        _note_references(event, kinds[event["kind"]], names)
    names.load()
    entries = []
    for row in rows:
        event = events.get((row["audit_kind"], row["pgh_id"]))
        if event is not None:
            entries.append(_entry(event, kinds[row["audit_kind"]], names))
    return entries


def record_name(kind: Kind, pk: int) -> str:
    """The record's name today, or "#pk" once it is deleted (one query)."""
    names = _Names()
    names.want(kind.model, pk)
    names.load()
    return names.record(kind.model, pk)[0]


def _event_data(rows: list[dict], kinds: dict[str, Kind]) -> dict[tuple[str, int], dict]:
    ids_by_kind = defaultdict(list)
    for row in rows:
        ids_by_kind[row["audit_kind"]].append(row["pgh_id"])
    labels = {kinds[key].event_model._meta.label: key for key in ids_by_kind}
    wanted = functools.reduce(
        operator.or_,
        (
            Q(pgh_model=kinds[key].event_model._meta.label, pgh_id__in=ids)
            for key, ids in ids_by_kind.items()
        ),
    )
    events = (
        Events.objects.across(*[kinds[key].event_model for key in ids_by_kind])
        .filter(wanted)
        .values(
            "pgh_model",
            "pgh_id",
            "pgh_created_at",
            "pgh_label",
            "pgh_obj_id",
            "pgh_data",
            "pgh_diff",
            "pgh_context",
        )
    )
    return {
        (labels[event["pgh_model"]], event["pgh_id"]): {**event, "kind": labels[event["pgh_model"]]}
        for event in events
    }


class _Names:
    """Collects which rows of which models are to be named, then loads each model once."""

    def __init__(self):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.loaded: dict[type[models.Model], dict] = {}

    def want(self, model: type[models.Model], pk) -> None:
        pk = _as_pk(pk)
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self) -> None:
        for model, pks in self.wanted.items():
            # Names of records that refer to others (an assignment names its municipality and
            # team) need those rows too: one level of joins covers every __str__ here.
            relations = [
                f.name
                for f in model._meta.concrete_fields
                if f.is_relation and f.name not in HIDDEN_FIELDS
            ]
            rows = model._base_manager.select_related(*relations).order_by()
            self.loaded[model] = rows.in_bulk(pks)

    def record(self, model: type[models.Model], pk) -> tuple[str, bool]:
        """The name of the row and whether it still exists."""
        pk = _as_pk(pk)
        obj = self.loaded.get(model, {}).get(pk)
        if obj is None:
            return (f"#{pk}" if pk is not None else "–"), False
        return _name(obj), True


def _name(obj: models.Model) -> str:
    if type(obj).__str__ is not models.Model.__str__:
        return str(obj)
    # A generated link table (user ↔ group): name it by the rows it links.
    return " – ".join(str(getattr(obj, f.name)) for f in obj._meta.concrete_fields if f.is_relation)


def _as_pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _metadata(event: dict) -> dict:
    return event["pgh_context"] if isinstance(event["pgh_context"], dict) else {}


def _shown_values(event: dict, kind: Kind) -> list[tuple[models.Field | None, str, object, object]]:
    """(field, column, before, after) of what the row shows: the changed fields of an update,
    the snapshot of an insert (as "after") or a delete (the last values, as "before")."""
    shown = []
    if event["pgh_label"] == UPDATE:
        values = {column: tuple(pair) for column, pair in (event["pgh_diff"] or {}).items()}
    elif event["pgh_label"] == DELETE:
        values = {column: (value, None) for column, value in (event["pgh_data"] or {}).items()}
    else:
        values = {column: (None, value) for column, value in (event["pgh_data"] or {}).items()}
    fields = kind.fields_by_column
    ordered = [column for column in fields if column in values]
    ordered += sorted(column for column in values if column not in fields)
    for column in ordered:
        model_field = fields.get(column)
        if model_field is not None and model_field.name in HIDDEN_FIELDS:
            continue
        before, after = values[column]
        if event["pgh_label"] != UPDATE and before in EMPTY and after in EMPTY:
            continue  # a snapshot lists what was filled in
        shown.append((model_field, column, before, after))
    return shown


def _note_references(event: dict, kind: Kind, names: _Names) -> None:
    user = _metadata(event).get("user")
    if user is not None:
        names.want(User, user)
    names.want(kind.model, event["pgh_obj_id"])
    for model_field, _column, before, after in _shown_values(event, kind):
        if model_field is not None and model_field.is_relation:
            names.want(model_field.related_model, before)
            names.want(model_field.related_model, after)


def _entry(event: dict, kind: Kind, names: _Names) -> Entry:
    metadata = _metadata(event)
    record, exists = names.record(kind.model, event["pgh_obj_id"])
    changes = []
    for model_field, column, before, after in _shown_values(event, kind):
        changes.append(
            Change(
                field=capfirst(str(_field_label(model_field, column))),
                before=_shown(model_field, before, names) if event["pgh_label"] != INSERT else "",
                after=_shown(model_field, after, names) if event["pgh_label"] != DELETE else "",
            )
        )
    return Entry(
        kind=kind,
        event_id=event["pgh_id"],
        when=event["pgh_created_at"],
        action=event["pgh_label"],
        who=_who(metadata, names),
        url=metadata.get("url") or "",
        record_id=_as_pk(event["pgh_obj_id"]),
        record=record,
        record_exists=exists,
        changes=changes,
    )


def _field_label(model_field: models.Field | None, column: str) -> str:
    """The field's translated name. The link tables Django generates for many-to-many fields
    name their two columns after the linked models, untranslated ("activity", "user"): those
    take the linked model's name."""
    if model_field is None:
        return column
    if model_field.is_relation and model_field.model._meta.auto_created:
        return model_field.related_model._meta.verbose_name
    return model_field.verbose_name


def _who(metadata: dict, names: _Names) -> str:
    """The user of the request, else the command or process that made the change."""
    if metadata.get("user") is not None:
        name, exists = names.record(User, metadata["user"])
        return name if exists else _("deleted user %(number)s") % {"number": name}
    if metadata.get("command"):
        return _("Command: %(name)s") % {"name": metadata["command"]}
    processes = sorted(key for key, value in metadata.items() if value and key != "url")
    if processes:
        return _("System: %(name)s") % {"name": ", ".join(processes)}
    return _("unknown (system)")


def _shown(model_field: models.Field | None, value, names: _Names) -> str:
    """A stored JSON value as a reader expects it: names for foreign keys, labels for choices,
    yes/no, German dates and times."""
    if value is None or value == "":
        return _("(empty)")
    if model_field is None:
        return str(value)
    if model_field.is_relation:
        return names.record(model_field.related_model, value)[0]
    if isinstance(model_field, ArrayField):
        if not value:
            return _("(empty)")
        return ", ".join(_shown(model_field.base_field, item, names) for item in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    return _formatted(model_field, value)


def _formatted(model_field: models.Field, value) -> str:
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(str(value))
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    elif isinstance(model_field, models.DateField):
        day = parse_date(str(value)[:10])
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    elif isinstance(model_field, models.TimeField):
        moment = parse_time(str(value))
        if moment is not None:
            return moment.strftime("%H:%M")
    return str(value)
