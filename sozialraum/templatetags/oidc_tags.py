"""The login page's button for signing in with OpenID Connect (sozialraum.accounts.oidc)."""

from django import template

from sozialraum.accounts import oidc

register = template.Library()


@register.inclusion_tag("registration/_oidc_sign_in.html", takes_context=True)
def oidc_sign_in(context) -> dict:
    """The button, only where OpenID Connect is configured; it keeps ``next``."""
    return {
        "oidc_configured": oidc.is_configured(),
        "label": oidc.button_label(),
        "next": context.get("next", ""),
    }
