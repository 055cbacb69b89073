"""Conflict-safe editing: the second of two people saving the same record is refused.

Forms carry the version they were rendered from; ``save_versioned`` saves only if the row still
has that version, and raises ``EditConflict`` (with the current row) otherwise.
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sozialraum.models import User, Versioned


class EditConflict(Exception):  # noqa: N818 - a conflict, not a programming error
    """Someone else saved the record since the form was loaded."""

    def __init__(self, current: Versioned):
        super().__init__(f"{type(current).__name__} {current.pk} changed meanwhile")
        self.current = current


def save_versioned(instance: Versioned, *, expected_version: int | None, user: User) -> None:
    """Create ``instance``, or update it if its row still has ``expected_version``."""
    with transaction.atomic():
        if instance.pk is None:
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
                "user": current.updated_by or _("someone"),
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
        differences = []
        for name, field in self.fields.items():
            if name == "version" or name not in self.cleaned_data:
                continue
            try:
                model_field = current._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if model_field.many_to_many:
                now = list(getattr(current, name).all())
                theirs = ", ".join(str(obj) for obj in now)
                changed = {obj.pk for obj in now} != {
                    obj.pk for obj in self.cleaned_data[name] or []
                }
            else:
                value = getattr(current, name)
                changed = value != self.cleaned_data[name]
                display = getattr(current, f"get_{name}_display", None)
                theirs = display() if display else ("" if value is None else str(value))
            if changed:
                differences.append((str(field.label), theirs or "–"))
        return differences


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
