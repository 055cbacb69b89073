from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def minutes(delta) -> int:
    """A timedelta as whole minutes (rounded up), e.g. for the lockout message."""
    return -(-int(delta.total_seconds()) // 60) if delta else 0


@register.simple_tag(takes_context=True)
def nav_current(context, url_name: str) -> str:
    """``aria-current="page"`` on the navigation link of the page being shown."""
    request = context.get("request")
    if request is not None and request.path == reverse(url_name):
        return 'aria-current="page"'
    return ""
