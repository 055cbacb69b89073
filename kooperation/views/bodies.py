from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from kooperation.filters import BodyFilter
from kooperation.forms import BodyForm
from kooperation.models import Body
from kooperation.permissions import EditScope
from kooperation.selectors import body_detail, body_list
from kooperation.views.mixins import EditCheckMixin
from sozialraum.concurrency import IdempotentCreateMixin, VersionedFormViewMixin


class BodyListView(FilterView):
    """Gremien: round tables, working groups, committees and networks."""

    filterset_class = BodyFilter
    template_name = "kooperation/body_list.html"
    paginate_by = 25

    def get_queryset(self):
        return body_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = EditScope(self.request.user).allows_anything()
        return context


class BodyDetailView(DetailView):
    template_name = "kooperation/body_detail.html"
    context_object_name = "body"

    def get_object(self, queryset=None):
        body = body_detail(self.kwargs["pk"]).first()
        if body is None:
            raise Http404
        return body

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = EditScope(self.request.user).allows(self.object.municipality_id)
        return context


class BodyFormMixin(EditCheckMixin, VersionedFormViewMixin):
    model = Body
    form_class = BodyForm
    template_name = "kooperation/body_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return reverse("kooperation:body_detail", args=[self.object.pk])


class BodyCreateView(IdempotentCreateMixin, BodyFormMixin, CreateView):
    success_message = gettext_lazy("Gremium “%(name)s” added.")

    def dispatch(self, request, *args, **kwargs):
        self.check_can_create()
        return super().dispatch(request, *args, **kwargs)


class BodyUpdateView(BodyFormMixin, UpdateView):
    success_message = gettext_lazy("Gremium “%(name)s” saved.")

    def get_object(self, queryset=None):
        body = super().get_object(queryset)
        self.check_can_edit(body)
        return body
