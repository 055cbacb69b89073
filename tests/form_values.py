"""What a rendered form sends back when submitted unchanged, for tests that re-post forms."""

from django import forms


def shown_values(form) -> dict:
    """The values the (unbound or bound) form shows, as the browser sends them back."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field, forms.BooleanField):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(getattr(item, "pk", item)) for item in value]
        else:
            shown = field.field.widget.format_value(getattr(value, "pk", value))
            data[field.html_name] = "" if shown is None else shown
    return data
