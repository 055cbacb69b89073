"""Roles from directory groups (Administration): the mappings from a directory group to a
role, listed, added, changed and deleted. The rules live in ``sozialraum.accounts.group_roles``;
a sign-in applies them (``sozialraum.accounts.ldap``)."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DeleteView, TemplateView, UpdateView

from sozialraum.accounts import group_roles
from sozialraum.concurrency import IdempotentCreateMixin, VersionedFormViewMixin
from sozialraum.models import DirectoryGroupRole
from sozialraum.views.users import AdministrationRequiredMixin


class GroupRoleListView(AdministrationRequiredMixin, TemplateView):
    template_name = "sozialraum/directory/group_role_list.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "mappings": group_roles.mappings(),
            "directory_on": bool(settings.LDAP_URL),
        }


class GroupRoleFormMixin(AdministrationRequiredMixin, VersionedFormViewMixin):
    model = DirectoryGroupRole
    form_class = group_roles.DirectoryGroupRoleForm
    template_name = "sozialraum/directory/group_role_form.html"

    def get_success_url(self):
        return reverse("sozialraum:directory_group_list")


class GroupRoleCreateView(IdempotentCreateMixin, GroupRoleFormMixin, CreateView):
    success_message = gettext_lazy("Mapping “%(name)s” added.")


class GroupRoleUpdateView(GroupRoleFormMixin, UpdateView):
    success_message = gettext_lazy("Mapping “%(name)s” saved.")


class GroupRoleDeleteView(AdministrationRequiredMixin, DeleteView):
    """Deletes the mapping as it was shown: a mapping changed meanwhile is shown again (409)."""

    model = DirectoryGroupRole
    template_name = "sozialraum/directory/group_role_confirm_delete.html"
    context_object_name = "mapping"

    def form_valid(self, form):
        with transaction.atomic():
            current = DirectoryGroupRole.objects.select_for_update().get(pk=self.object.pk)
            if str(current.version) != self.request.POST.get("version"):
                self.object = current
                context = self.get_context_data(conflict=True)
                return self.render_to_response(context, status=409)
            current.delete()
        messages.success(
            self.request,
            _("Mapping deleted. Members of the group lose the role at their next sign-in."),
        )
        return redirect("sozialraum:directory_group_list")


urlpatterns = [
    path(
        "verwaltung/benutzer/verzeichnisgruppen/",
        GroupRoleListView.as_view(),
        name="directory_group_list",
    ),
    path(
        "verwaltung/benutzer/verzeichnisgruppen/neu/",
        GroupRoleCreateView.as_view(),
        name="directory_group_create",
    ),
    path(
        "verwaltung/benutzer/verzeichnisgruppen/<int:pk>/",
        GroupRoleUpdateView.as_view(),
        name="directory_group_update",
    ),
    path(
        "verwaltung/benutzer/verzeichnisgruppen/<int:pk>/loeschen/",
        GroupRoleDeleteView.as_view(),
        name="directory_group_delete",
    ),
]
