"""Texts Django's admin renders without translating them.

Its yes/no icons in change lists and read-only fields carry ``alt="True"``, ``"False"`` or
``"None"`` (``admin_list._boolean_icon``, which the admin looks up at every call); here they get
the page's language.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val) -> str:
    labels = {True: _("yes"), False: _("no"), None: _("unknown")}
    icon_url = static(f"admin/img/icon-{ICONS[field_val]}.svg")
    return format_html('<img src="{}" alt="{}">', icon_url, labels[field_val])


def install() -> None:
    admin_list._boolean_icon = boolean_icon
