from django import template

from kooperation.models import CooperationStatus

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """The translated label of a cooperation status value."""
    return CooperationStatus(status).label if status else ""
