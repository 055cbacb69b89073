from django.core.exceptions import PermissionDenied

from sozialraum import permissions


class RoleRequiredMixin:
    """A page for some roles only (``allowed``, a predicate on the user): everyone else gets
    403 with ``denied_message``, the reason in words."""

    allowed = staticmethod(permissions.is_administration)
    denied_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            raise PermissionDenied(self.denied_message)
        return super().dispatch(request, *args, **kwargs)
