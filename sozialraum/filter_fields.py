"""The fields of the lists' filter panels (``{{ field|filter_field }}``), written in Python."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from sozialraum import structure_cache
from sozialraum.form_rendering import DJANGO_EMPTY_LABEL, PLEASE_CHOOSE


def render_filter_field(field) -> SafeString:
    widget = field.field.widget
    described = f"{field.auto_id}_helptext" if field.help_text else ""
    attrs = {"aria-describedby": described} if described else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if isinstance(widget, forms.CheckboxInput):
        attrs["class"] = "form-check-input" + (" is-invalid" if field.errors else "")
        control = format_html(
            '<div class="form-check mt-4">{} {}</div>',
            _input(field, widget, attrs),
            _label(field, "form-check-label"),
        )
        return _with_notes(field, control, described)
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    attrs["class"] = css + (" is-invalid" if field.errors else "")
    # Django's own select: every choice (a model's rows from one plain, cached query). A
    # subclass that keeps Django's markup (e.g. a chooser) chooses its options itself.
    if type(widget) is forms.Select:
        html = _select(field, widget, attrs, _choices(field.field))
    elif _plain_select(widget):
        html = _select(field, widget, attrs, _own_options(field, widget))
    elif isinstance(widget, forms.widgets.Input) and widget.template_name.startswith(
        DJANGO_WIDGETS
    ):
        html = _input(field, widget, attrs)
    else:
        html = field.as_widget(attrs=attrs)
    return _with_notes(field, format_html("{}{}", _label(field, "form-label"), html), described)


# Django's own input templates all write one <input>: written here without a template.
DJANGO_WIDGETS = "django/forms/widgets/"


def _label(field, css: str) -> SafeString:
    required = mark_safe('<span class="asteriskField">*</span>') if field.field.required else ""
    return format_html(
        '<label class="{}" for="{}">{}{}</label>', css, field.id_for_label, field.label, required
    )


def _input(field, widget, extra) -> SafeString:
    attrs = field.build_widget_attrs({"id": field.auto_id, **extra}, widget)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = context["value"]
    value = "" if value is None else format_html(' value="{}"', value)
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        context["type"],
        context["name"],
        value,
        flatatt(context["attrs"]),
    )


def _plain_select(widget) -> bool:
    return (
        isinstance(widget, forms.Select)
        and not widget.allow_multiple_selected
        and widget.template_name == forms.Select.template_name
        and widget.option_template_name == forms.Select.option_template_name
    )


def _own_options(field, widget) -> list[tuple]:
    """The options a select subclass offers (its ``optgroups``), without a template."""
    groups = widget.optgroups(field.html_name, widget.format_value(field.value()))
    return [
        (option["value"], option["label"]) for _group, options, _i in groups for option in options
    ]


def _select(field, widget, extra, choices) -> SafeString:
    name, value = field.html_name, field.value()
    selected = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
    selected.discard("None")
    attrs = widget.build_attrs(widget.attrs, {"id": field.auto_id, **extra, "name": name})
    options = []
    choices = list(choices)
    # As Django's Select: "required" only with an empty first choice (else HTML forbids it).
    first_empty = bool(choices) and str(choices[0][0] or "") == ""
    if field.field.required and field.form.use_required_attribute and first_empty:
        attrs["required"] = True
    # Joined as strings (each value escaped): format_html per option cost more than the rest
    # of the panel on the lists' filter panels.
    for option_value, label in choices:
        option_value = "" if option_value is None else str(option_value)
        if option_value == "" and label == DJANGO_EMPTY_LABEL:
            label = PLEASE_CHOOSE
        mark = " selected" if option_value in selected else ""
        options.append(
            f'<option value="{conditional_escape(option_value)}"{mark}>'
            f"{conditional_escape(label)}</option>"
        )
    return mark_safe(f"<select{flatatt(attrs)}>{''.join(options)}</select>")


def _choices(field):
    """The field's choices; a model's rows read with one plain query (Django's and
    django-filter's iterators declare a server-side cursor for them)."""
    if not isinstance(field, forms.ModelChoiceField):
        return field.choices
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return empty + structure_cache.rows_of(
        field.queryset,
        lambda obj: (field.prepare_value(obj), field.label_from_instance(obj)),
        key=f"{type(field).__module__}.{type(field).__qualname__}",
        exact=getattr(field, "structure_key", ()),
    )


def _with_notes(field, control, described) -> SafeString:
    help_text = (
        format_html('<div id="{}" class="form-text">{}</div>', described, field.help_text)
        if described
        else ""
    )
    errors = format_html_join(
        "", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors)
    )
    return format_html("{}{}{}", control, help_text, errors)
