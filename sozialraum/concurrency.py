"""Conflict-safe editing and idempotent creates.

- Records with a version column (``Versioned``): forms carry the version they were rendered
  from; ``save_versioned`` saves only if the row still has that version, and raises
  ``EditConflict`` (with the current row) otherwise.
- Records without one (users and their roles, teams, the admin's master data): forms carry a
  ``fingerprint``, a keyed hash of the saved state with its many-to-many links (for a user,
  also its memberships, headships and role groups). The save locks the row, recomputes it and
  refuses with ``StaleFingerprint`` if it differs. Both conflicts answer 409 with the German
  conflict page that keeps the input (``templates/includes/conflict.html``).
- Create forms carry a one-time ``submission_token``; ``create_once`` saves the token row in
  the same transaction as the record, so a repeated submission creates nothing and is sent
  to the record the first one created.
"""

import datetime
import json
import uuid

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from sozialraum.models import SubmissionToken, User, Versioned
from sozialraum.transactions import retry_on_deadlock


class EditConflict(Exception):  # noqa: N818 - a conflict, not a programming error
    """Someone else saved the record since the form was loaded."""

    def __init__(self, current: Versioned):
        super().__init__(f"{type(current).__name__} {current.pk} changed meanwhile")
        self.current = current


def save_versioned(instance: Versioned, *, expected_version: int | None, user: User) -> None:
    """Create ``instance``, or update it if its row still has ``expected_version``.

    A transaction PostgreSQL aborts for a deadlock (e.g. between the summary triggers of two
    people logging the same team-day) is run again rather than answered with an error."""
    creating = instance.pk is None

    def save():
        if creating:
            # A retried create starts from scratch: the rolled-back insert gave it a pk.
            instance.pk, instance._state.adding = None, True
            instance.created_by = user
            instance.updated_by = user
            instance.save()
            return
        current = type(instance).objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        instance.version = current.version + 1
        instance.updated_by = user
        instance.save()

    retry_on_deadlock(save)


class VersionedFormMixin(forms.Form):
    """Adds the hidden version field to a ModelForm of a ``Versioned`` model."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conflict_differences: list[tuple[str, str]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version

    def add_conflict_error(self, conflict: EditConflict) -> None:
        current = conflict.current
        self.add_error(
            None,
            _(
                "%(user)s changed this record at %(time)s while you were editing it. Your "
                "input is still here; please compare it with the current state below and "
                "save again to keep yours."
            )
            % {
                "user": current.updated_by or _("Someone"),
                "time": _format_time(current.updated_at),
            },
        )
        self.conflict_differences = self._differences(current)
        # Saving again deliberately overwrites the newer state the user has now seen.
        data = self.data.copy()
        data["version"] = current.version
        self.data = data

    def _differences(self, current: Versioned) -> list[tuple[str, str]]:
        """(label, current value) of the fields where the saved record differs from the input."""
        return form_differences(self, current, skip=("version",))


def _format_time(value) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


class VersionedFormViewMixin:
    """For create and update views of a ``Versioned`` model with a ``VersionedFormMixin``
    form: saves through ``save_versioned`` and answers a conflict with 409, keeping the input."""

    success_message = ""

    def form_valid(self, form):
        from django.contrib import messages
        from django.shortcuts import redirect

        instance = form.save(commit=False)
        try:
            save_versioned(
                instance, expected_version=form.cleaned_data.get("version"), user=self.request.user
            )
        except EditConflict as conflict:
            form.add_conflict_error(conflict)
            return self.render_to_response(self.get_context_data(form=form), status=409)
        form.save_m2m()
        self.object = instance
        if self.success_message:
            messages.success(self.request, self.success_message % {"name": instance})
        return redirect(self.get_success_url())


# --- Records without a version column: a fingerprint of their saved state -------------------

FINGERPRINT_FIELD = "fingerprint"
# Columns that change without anyone editing the record (a sign-in, a new password has its own
# fingerprint) or that no form edits (the roles are groups, never single permissions).
UNEDITED_COLUMNS = frozenset({"last_login", "password", "user_permissions"})


def record_state(obj) -> dict:
    """The saved state of ``obj`` as plain values: its columns, its many-to-many links and,
    for a user, the roles (memberships, headships; the role groups are a many-to-many)."""
    state = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in UNEDITED_COLUMNS
    }
    for f in obj._meta.many_to_many:
        if f.name in UNEDITED_COLUMNS:
            continue
        state[f.name] = sorted(related.pk for related in getattr(obj, f.name).all())
    if isinstance(obj, User):
        state["memberships"] = sorted((m.team_id, m.role) for m in obj.memberships.all())
        state["headships"] = sorted(h.middle_area_id for h in obj.headships.all())
    return state


def fingerprint(obj, *, related=()) -> str:
    """A keyed hash of the saved state of ``obj`` and of the ``related`` rows (e.g. the inline
    rows of an admin page): equal exactly while nobody changed any of them. Keyed, so that
    the hidden field tells nothing about the values."""
    state = [type(obj)._meta.label, record_state(obj)]
    state += [[type(row)._meta.label, record_state(row)] for row in related]
    return _digest(state)


def password_fingerprint(user: User) -> str:
    """The state a new password replaces: equal while nobody else set one meanwhile."""
    return _digest(["password", user.pk, user.password])


def _digest(state) -> str:
    payload = json.dumps(state, sort_keys=True, default=str)
    return salted_hmac(
        "sozialraum.concurrency.fingerprint", payload, algorithm="sha256"
    ).hexdigest()


def locked(obj):
    """The committed row of ``obj``, locked until the end of the transaction."""
    return type(obj)._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)


class StaleFingerprint(Exception):  # noqa: N818 - a conflict, not a programming error
    """The record changed since the form was rendered: ``current`` is the committed row and
    ``fingerprint`` its fingerprint now."""

    def __init__(self, current, fingerprint: str):
        super().__init__(f"{type(current).__name__} {current.pk} changed meanwhile")
        self.current = current
        self.fingerprint = fingerprint


def check_fingerprint(current, expected: str | None, *, related=(), of=None) -> None:
    """Raise ``StaleFingerprint`` if ``current`` (locked by the caller) no longer has the
    ``expected`` fingerprint (computed by ``of``, default ``fingerprint``). No expected value
    (a client that sent none) checks nothing: every form rendered here sends one."""
    if not expected:
        return
    now = of(current) if of is not None else fingerprint(current, related=related)
    if not constant_time_compare(now, expected):
        raise StaleFingerprint(current, now)


def add_fingerprint_field(form, value: str) -> None:
    """The hidden field carrying the fingerprint the form was rendered from."""
    form.fields[FINGERPRINT_FIELD] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=value
    )
    _transport_only(form, FINGERPRINT_FIELD)


def submitted_fingerprint(form) -> str:
    """The fingerprint the bound ``form`` was rendered from ("" if none was sent)."""
    return form.data.get(form.add_prefix(FINGERPRINT_FIELD)) or ""


def _transport_only(form, name: str) -> None:
    """Keep the field ``name`` out of ``cleaned_data``: it travels with the form but is no
    input of the record, and forms that build objects from their cleaned data must not see it."""
    full_clean = form.full_clean

    def full_clean_without_field():
        full_clean()
        getattr(form, "cleaned_data", {}).pop(name, None)

    form.full_clean = full_clean_without_field


STALE_MESSAGE = _(
    "Someone else changed this record while you were editing it. Your input is still here; "
    "please compare it with the current state below and save again to keep yours."
)


def refuse_stale(form, stale: StaleFingerprint, *, differences=None) -> None:
    """Turn a conflict into the form's message and the differences shown above it; the next
    save overwrites deliberately the newer state the user has now seen."""
    form.add_error(None, STALE_MESSAGE)
    form.conflict_differences = (
        form_differences(form, stale.current) if differences is None else differences
    )
    data = form.data.copy()
    data[form.add_prefix(FINGERPRINT_FIELD)] = stale.fingerprint
    form.data = data


def form_differences(form, current, *, skip=()) -> list[tuple[str, str]]:
    """(label, current value) of the form fields where the saved record differs from the
    input (fields that did not validate are left out)."""
    differences = []
    cleaned = getattr(form, "cleaned_data", {})
    for name, field in form.fields.items():
        if name in skip or name not in cleaned:
            continue
        try:
            model_field = current._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if model_field.many_to_many:
            now = list(getattr(current, name).all())
            theirs = ", ".join(str(obj) for obj in now)
            changed = {obj.pk for obj in now} != {obj.pk for obj in cleaned[name] or []}
        elif not model_field.concrete:
            continue
        else:
            value = getattr(current, name)
            changed = value != cleaned[name] and not (value in (None, "") and not cleaned[name])
            display = getattr(current, f"get_{name}_display", None)
            theirs = display() if display else ("" if value is None else str(value))
        if changed:
            differences.append((str(field.label), theirs or "–"))
    return differences


class FingerprintFormViewMixin:
    """For UpdateViews of a record without a version column: the form carries the record's
    fingerprint, and a save from an outdated copy answers 409 with the input kept."""

    def fingerprint_related(self, obj):
        """Rows that belong to the record and change on the same page."""
        return ()

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        value = (
            ""
            if form.is_bound
            else fingerprint(self.object, related=self.fingerprint_related(self.object))
        )
        add_fingerprint_field(form, value)
        return form

    def form_valid(self, form):
        with transaction.atomic():
            current = locked(self.object)
            try:
                check_fingerprint(
                    current, submitted_fingerprint(form), related=self.fingerprint_related(current)
                )
            except StaleFingerprint as stale:
                refuse_stale(form, stale)
                return self.render_to_response(self.get_context_data(form=form), status=409)
            return super().form_valid(form)


# --- Idempotent creates: a one-time token per rendered create form --------------------------

TOKEN_FIELD = "submission_token"  # noqa: S105 - a form field name, not a secret
TOKEN_LIFETIME = datetime.timedelta(days=7)


def add_token_field(form) -> None:
    """The hidden one-time token of a create form: new for every rendering, kept while the
    same input is shown again with errors."""
    form.fields[TOKEN_FIELD] = forms.UUIDField(
        widget=forms.HiddenInput, required=False, initial=uuid.uuid4
    )
    _transport_only(form, TOKEN_FIELD)


def submitted_token(request) -> uuid.UUID | None:
    """The token of the submitted form; none (or a malformed one) means no check."""
    try:
        return uuid.UUID(request.POST.get(TOKEN_FIELD) or "")
    except ValueError:
        return None


def create_once(request, token: uuid.UUID | None, create) -> HttpResponse:
    """Run ``create`` (which answers a redirect after saving) unless a submission with the same
    ``token`` already saved: then redirect to what that one created.

    The token row is inserted in the same transaction as the record. A second submission
    that arrives while the first is still running waits on the row's key and, once the first
    has committed, finds it; if the first failed, the second one saves.
    """
    if token is None:
        return create()
    replay = _replay(request, token)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            SubmissionToken.objects.create(token=token, user=request.user)
            response = create()
            if response.status_code in (301, 302, 303):
                SubmissionToken.objects.filter(pk=token).update(redirect_url=response["Location"])
            else:
                # Nothing saved (the input had errors): the same form may be sent again.
                SubmissionToken.objects.filter(pk=token).delete()
                return response
    except IntegrityError:
        replay = _replay(request, token)
        if replay is None:
            raise
        return replay
    submission_tokens_delete_expired()
    return response


def _replay(request, token: uuid.UUID) -> HttpResponse | None:
    from django.contrib import messages

    saved = SubmissionToken.objects.filter(pk=token).first()
    if saved is None:
        return None
    if saved.user_id != request.user.pk:
        # Another person's token (never sent by a form we rendered): start afresh.
        messages.error(request, _("This form has expired. Please fill it in again."))
        return HttpResponseRedirect(request.path)
    messages.info(request, _("This entry has already been saved."))
    return HttpResponseRedirect(saved.redirect_url or request.path)


def submission_tokens_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the tokens older than ``TOKEN_LIFETIME`` (a resend after a week is a new entry);
    called after each successful create (``create_once``), so the table stays small without a
    timer. Returns the count."""
    cutoff = (now or timezone.now()) - TOKEN_LIFETIME
    deleted, _by_model = SubmissionToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotentCreateMixin:
    """For create views (CreateView, FormView): the form carries a one-time token, and a
    repeated submission (a retry after an error, a double tap, a browser resend) creates
    nothing and redirects to the record the first one created."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        add_token_field(form)
        return form

    def post(self, request, *args, **kwargs):
        parent = super().post
        return create_once(
            request, submitted_token(request), lambda: parent(request, *args, **kwargs)
        )
