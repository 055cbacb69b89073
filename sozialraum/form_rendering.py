"""How every form widget of the site and of the Django admin is rendered."""

from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

# Django's empty choice of every select built from a model field or a ModelChoiceField.
DJANGO_EMPTY_LABEL = BLANK_CHOICE_DASH[0][1]
PLEASE_CHOOSE = _("– please choose –")


class SozialraumFormRenderer(DjangoTemplates):
    """Django's renderer with a meaningful empty choice.

    Django labels the empty choice "---------": it says nothing, and a screen reader reads out
    dashes. Replacing it here, where every select is rendered, covers the forms of all apps,
    django-filter's and the admin's in one place; a form that names its empty choice itself
    ("All teams", "Choose a team") keeps that name."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and "optgroups" in widget:
            for _group, options, _index in widget["optgroups"]:
                for option in options:
                    if option["value"] in ("", None) and option["label"] == DJANGO_EMPTY_LABEL:
                        option["label"] = PLEASE_CHOOSE
        return super().render(template_name, context, request=request)
