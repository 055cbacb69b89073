from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from sozialraum.concurrency import IdempotentCreateMixin, VersionedFormViewMixin
from teams import permissions
from teams.forms import ProjectForm
from teams.models import Project
from teams.selectors import project_rows

RECENT_ACTIVITIES = 20


class ProjectListView(ListView):
    template_name = "teams/project_list.html"
    context_object_name = "projects"
    paginate_by = 50

    def get_queryset(self):
        return project_rows(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = permissions.project_teams_for(self.request.user).exists()
        return context


class ProjectDetailView(DetailView):
    template_name = "teams/project_detail.html"
    context_object_name = "project"

    def get_queryset(self):
        return project_rows(self.request.user).prefetch_related("partners")

    def get_context_data(self, **kwargs):
        project = self.object
        activities = project.activities.select_related("municipality").order_by("-date", "-pk")
        return {
            **super().get_context_data(**kwargs),
            "activities": activities[:RECENT_ACTIVITIES],
            "activity_count": project.activities.count(),
            "can_edit": permissions.can_edit_project(self.request.user, project.team),
            "can_log": permissions.can_log_for(self.request.user, project.team_id),
        }


class ProjectFormMixin(VersionedFormViewMixin):
    model = Project
    form_class = ProjectForm
    template_name = "teams/project_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return reverse("teams:project_detail", args=[self.object.pk])


class ProjectCreateView(IdempotentCreateMixin, ProjectFormMixin, CreateView):
    success_message = gettext_lazy("Project “%(name)s” created.")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.project_teams_for(request.user).exists():
            raise PermissionDenied(
                _("Projects are kept by the staff of a Sozialraumteam and its Fachbereichsleitung.")
            )
        return super().dispatch(request, *args, **kwargs)


class ProjectUpdateView(ProjectFormMixin, UpdateView):
    success_message = gettext_lazy("Project “%(name)s” saved.")

    def get_queryset(self):
        return permissions.projects_visible_to(self.request.user).select_related("team")

    def get_object(self, queryset=None):
        project = super().get_object(queryset)
        if not permissions.can_edit_project(self.request.user, project.team):
            raise PermissionDenied(
                _("Projects are changed by the staff of their team and its Fachbereichsleitung.")
            )
        return project
