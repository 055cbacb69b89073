"""Control characters are refused in every text field of every form and never reach the public
iCal feed (issue 12, point 7)."""

import copy
import importlib
import inspect
import pkgutil

import django_filters
import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from kooperation.models import Partner
from sozialraum.text import CONTROL_CHARACTERS_MESSAGE
from teams.models import Activity, Topic

APPS = ("sozialraum", "kooperation", "teams")
SKIPPED_MODULES = (".migrations", ".management", "sozialraum.settings", "sozialraum.wsgi")
REFUSED = ["\x00", "\x01", "\x07", "\x1b", "\x1f", "\x7f", "\u2028", "\u2029"]
# Form fields whose value is not typed text.
NOT_TEXT = (forms.JSONField,)


def project_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not any(part in info.name for part in SKIPPED_MODULES):
                yield importlib.import_module(info.name)


def project_form_classes():
    """Every form and filter set the project defines (filter sets as their forms' fields)."""
    found = {}
    for module in project_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not cls.__module__.startswith(APPS):
                continue
            if issubclass(cls, forms.BaseForm):
                found[f"{cls.__module__}.{cls.__qualname__}"] = dict(cls.base_fields)
            elif issubclass(cls, django_filters.FilterSet) and cls.base_filters:
                # A copy: a filter caches its form field, and the class's filters must stay
                # without one (each filter set sets its querysets before building the fields).
                found[f"{cls.__module__}.{cls.__qualname__}"] = {
                    name: flt.field for name, flt in copy.deepcopy(cls.base_filters).items()
                }
    return found


def admin_form_fields(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        f"admin:{model._meta.label}": dict(model_admin.get_form(request).base_fields)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }


def text_fields(forms_by_name):
    """(form, field name, field) of every text field; passwords are never shown or stored."""
    return [
        (form_name, name, field)
        for form_name, fields in forms_by_name.items()
        for name, field in fields.items()
        if isinstance(field, forms.CharField)
        and isinstance(getattr(field, "base_field", field), forms.CharField)  # arrays of text
        and not isinstance(field, NOT_TEXT)
        and not isinstance(field.widget, forms.PasswordInput)
    ]


def refuses_control_characters(field, value) -> bool:
    """Whether the field refuses the value for its control characters (an array field names
    the item: "Item 1 … did not validate: <message>")."""
    try:
        field.clean(value)
    except ValidationError as error:
        return any(str(CONTROL_CHARACTERS_MESSAGE) in message for message in error.messages)
    return False


# The admin's URL fields (without ``assume_scheme``) warn while adding a scheme to the value.
DEFAULT_SCHEME = (
    "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
)


@pytest.mark.filterwarnings(DEFAULT_SCHEME)
def test_every_text_field_of_every_form_refuses_control_characters(administration):
    fields = text_fields({**project_form_classes(), **admin_form_fields(administration)})

    accepted = [
        (form, name, repr(char))
        for form, name, field in fields
        for char in REFUSED
        if not refuses_control_characters(field, f"Text{char}mehr")
    ]

    assert len(fields) >= 41  # the fields the report counted, and more
    assert accepted == []


@pytest.mark.filterwarnings(DEFAULT_SCHEME)
def test_line_breaks_only_in_text_areas(administration):
    fields = text_fields({**project_form_classes(), **admin_form_fields(administration)})

    refused = {
        (form, name)
        for form, name, field in fields
        if refuses_control_characters(field, "Zeile 1\r\nZeile\t2")
    }

    multiline = {
        (form, name) for form, name, field in fields if isinstance(field.widget, forms.Textarea)
    }
    assert multiline  # notes, goals, comments
    assert refused == {(form, name) for form, name, _field in fields} - multiline


def test_partner_with_a_control_character_is_refused_with_a_message(client_for, fachkraft):
    response = client_for(fachkraft).post(
        reverse("kooperation:partner_create"), {"name": "Grundschule\x07 Nord", "kind": "school"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [str(CONTROL_CHARACTERS_MESSAGE)]
    assert not Partner.objects.filter(name__startswith="Grundschule").exists()


def test_admin_refuses_a_control_character_in_a_topic(client_for, administration):
    response = client_for(administration).post(
        reverse("admin:teams_topic_add"), {"name": "Schule\x1b", "is_active": "on"}
    )

    assert response.status_code == 200
    assert not Topic.objects.exists()


@pytest.mark.parametrize("note", ["Zeile 1\r\nZeile 2", "Spalte\tzwei"])
def test_a_note_may_span_lines(client_for, fachkraft, backnang, note):
    from sozialraum.models import Team

    team = Team.objects.get(name="Backnang")
    data = {
        "kind": "other", "date": "2026-03-02", "team": team.pk, "municipality": backnang.pk,
        "status": "held", "staff": [fachkraft.pk], "note": note,
        **dict.fromkeys(("children", "young_people", "parents", "professionals", "others",
                         "helps_initiated"), "0"),
    }  # fmt: skip

    client_for(fachkraft).post(reverse("teams:activity_create"), data)

    assert list(Activity.objects.values_list("note", flat=True)) == [note]
