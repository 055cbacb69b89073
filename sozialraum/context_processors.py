"""Template context for the page shell: the user's roles and navigation, the example notice."""

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from sozialraum import permissions, structure_cache
from sozialraum.selectors import example_assignment_in_use


def navigation(request):
    user = request.user
    return {
        "user_roles": SimpleLazyObject(lambda: permissions.roles_of(user)),
        "can_use_admin_site": SimpleLazyObject(lambda: permissions.can_use_admin_site(user)),
        "is_administration": SimpleLazyObject(lambda: permissions.is_administration(user)),
        "reads_whole_district": SimpleLazyObject(lambda: permissions.reads_whole_district(user)),
        "example_assignment_in_use": SimpleLazyObject(
            lambda: structure_cache.remember(
                ("example_assignment", timezone.localdate()), example_assignment_in_use
            )
        ),
    }
