from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from sozialraum.filter_fields import render_filter_field

register = template.Library()


@register.filter
def minutes(delta) -> int:
    """A timedelta as whole minutes (rounded up), e.g. for the lockout message."""
    return -(-int(delta.total_seconds()) // 60) if delta else 0


@register.simple_tag(takes_context=True)
def nav_current(context, url_name: str) -> SafeString:
    """``aria-current="page"`` on the navigation link of the page being shown.

    Marked safe: a simple tag's result is escaped otherwise, and the attribute arrives as
    ``aria-current=&quot;page&quot;`` (invalid, and the link is never marked current)."""
    request = context.get("request")
    if request is not None and request.path == nav_url(url_name):
        return mark_safe('aria-current="page"')  # a constant, no user input
    return mark_safe("")


@register.simple_tag
def nav_url(url_name: str) -> str:
    """``{% url %}`` for a URL without arguments, reversed once per process (the page shell
    links about 30 of them on every page)."""
    return _path_of(url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=256)
def _path_of(url_name: str, _prefix: str, urlconf: str) -> str:
    return reverse(url_name, urlconf=urlconf)


@register.filter
def filter_field(field) -> SafeString:
    """One field of a list's filter panel in Bootstrap's markup, written in Python.

    The filter panel is on every view of the lists; rendered through crispy-forms and Django's
    widget templates (one template per ``<option>``) it cost more than the list's query. Selects
    are written here directly; other widgets keep their own template. Labels, help texts and
    errors are tied to the input as crispy-forms ties them.
    """
    return render_filter_field(field)
