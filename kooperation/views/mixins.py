from django.core.exceptions import PermissionDenied

from kooperation.permissions import (
    EditScope,
    can_create,
    create_denied_message,
    edit_denied_message,
)


class EditCheckMixin:
    """Refuse (403, with the reason) a change the user's role does not allow."""

    def check_can_edit(self, obj) -> None:
        if not EditScope(self.request.user).allows(obj.municipality_id):
            raise PermissionDenied(edit_denied_message(obj.municipality))

    def check_can_create(self) -> None:
        if not can_create(self.request.user):
            raise PermissionDenied(create_denied_message())
