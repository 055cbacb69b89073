"""What the page script needs to warn before the idle timeout (static/js/session.js)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def session_idle_seconds() -> int:
    """Seconds without a request after which the session ends (``SESSION_COOKIE_AGE``; every
    request saves the session again, so this is an idle timeout)."""
    return int(settings.SESSION_COOKIE_AGE)
