from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, FormView, UpdateView
from django_filters.views import FilterView

from kooperation import importing
from kooperation.filters import PartnerFilter, filtered_partners
from kooperation.forms import ContactPersonForm, CooperationStepForm, PartnerForm, PartnerImportForm
from kooperation.models import ContactPerson, Cooperation, Partner
from kooperation.permissions import EditScope, can_import
from kooperation.selectors import partner_detail, partner_list
from kooperation.services import (
    cooperation_record_step,
    partner_delete,
    partner_has_history,
    partner_set_active,
)
from kooperation.views.mixins import EditCheckMixin
from sozialraum.concurrency import (
    EditConflict,
    FingerprintFormViewMixin,
    IdempotentCreateMixin,
    VersionedFormViewMixin,
)
from sozialraum.csvfile import CsvFileError, decode
from sozialraum.permissions import teams_visible_to
from sozialraum.views.mixins import RoleRequiredMixin


class PartnerListView(FilterView):
    """The partner directory: every signed-in user reads all partners."""

    filterset_class = PartnerFilter
    template_name = "kooperation/partner_list.html"
    paginate_by = 25

    def get_queryset(self):
        return partner_list()

    def get_context_data(self, **kwargs):
        scope = EditScope(self.request.user)
        context = super().get_context_data(**kwargs)
        context.update(can_create=scope.allows_anything(), can_import=can_import(self.request.user))
        return context


class PartnerExportView(View):
    """The filtered partner list as CSV or Excel: exactly the rows of the list."""

    def get(self, request, format):
        partners = filtered_partners(request.GET)
        if format == "xlsx":
            return importing.export_xlsx(partners)
        return importing.export_csv(partners)


class PartnerDetailView(DetailView):
    template_name = "kooperation/partner_detail.html"
    context_object_name = "partner"

    def get_object(self, queryset=None):
        partner = partner_detail(self.kwargs["pk"]).first()
        if partner is None:
            raise Http404
        return partner

    def get_context_data(self, **kwargs):
        partner = self.object
        cooperation = getattr(partner, "cooperation", None)
        context = super().get_context_data(**kwargs)
        context.update(
            can_edit=EditScope(self.request.user).allows(partner.municipality_id),
            cooperation=cooperation,
            steps=cooperation.steps.select_related("recorded_by") if cooperation else [],
            today=timezone.localdate(),
            recent_activities=recent_activities(partner, self.request.user),
        )
        return context


RECENT_ACTIVITIES = 10


def recent_activities(partner: Partner, user) -> list:
    """The partner's latest logged activities that the user may read (the presence log lives
    in the teams app, which builds on this one; its activities link to partners)."""
    return list(
        partner.activities.filter(team__in=teams_visible_to(user))
        .select_related("team", "municipality")
        .order_by("-date", "-pk")[:RECENT_ACTIVITIES]
    )


class PartnerCreateView(IdempotentCreateMixin, EditCheckMixin, VersionedFormViewMixin, CreateView):
    model = Partner
    form_class = PartnerForm
    template_name = "kooperation/partner_form.html"
    success_message = gettext_lazy("Partner “%(name)s” added.")

    def dispatch(self, request, *args, **kwargs):
        self.check_can_create()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return reverse("kooperation:partner_detail", args=[self.object.pk])


class PartnerUpdateView(EditCheckMixin, VersionedFormViewMixin, UpdateView):
    model = Partner
    form_class = PartnerForm
    template_name = "kooperation/partner_form.html"
    success_message = gettext_lazy("Partner “%(name)s” saved.")

    def get_object(self, queryset=None):
        partner = super().get_object(queryset)
        self.check_can_edit(partner)
        return partner

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return reverse("kooperation:partner_detail", args=[self.object.pk])


class PartnerActiveView(EditCheckMixin, View):
    """Deactivate a partner (its history stays) or activate it again (POST)."""

    def post(self, request, pk):
        partner = get_object_or_404(Partner, pk=pk)
        self.check_can_edit(partner)
        active = request.POST.get("active") == "1"
        partner_set_active(partner=partner, active=active, user=request.user)
        if active:
            messages.success(request, _("Partner “%(name)s” is active again.") % {"name": partner})
        else:
            messages.success(request, _("Partner “%(name)s” deactivated.") % {"name": partner})
        return redirect("kooperation:partner_detail", pk=partner.pk)


class PartnerDeleteView(EditCheckMixin, DeleteView):
    """Delete a partner entered by mistake; one with history can only be deactivated."""

    model = Partner
    template_name = "kooperation/partner_confirm_delete.html"
    context_object_name = "partner"

    def get_object(self, queryset=None):
        partner = super().get_object(queryset)
        self.check_can_edit(partner)
        return partner

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "has_history": partner_has_history(self.object),
        }

    def form_valid(self, form):
        try:
            partner_delete(partner=self.object)
        except ValidationError as error:
            messages.error(self.request, error.messages[0])
            return redirect("kooperation:partner_detail", pk=self.object.pk)
        messages.success(self.request, _("Partner “%(name)s” deleted.") % {"name": self.object})
        return redirect("kooperation:partner_list")


class ContactPersonMixin(EditCheckMixin):
    model = ContactPerson
    form_class = ContactPersonForm
    template_name = "kooperation/contactperson_form.html"

    def get_success_url(self):
        return reverse("kooperation:partner_detail", args=[self.partner.pk]) + "#contacts"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "partner": self.partner}

    def get_object(self, queryset=None):
        """The contact, for editing and removing: its partner must be the user's to change."""
        contact = super().get_object(queryset)
        self.partner = contact.partner
        self.check_can_edit(self.partner)
        return contact


class ContactPersonCreateView(IdempotentCreateMixin, ContactPersonMixin, CreateView):
    def dispatch(self, request, *args, **kwargs):
        self.partner = get_object_or_404(Partner, pk=kwargs["partner_pk"])
        self.check_can_edit(self.partner)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        form.instance.partner = self.partner
        messages.success(self.request, _("Contact person added."))
        return super().form_valid(form)


class ContactPersonUpdateView(FingerprintFormViewMixin, ContactPersonMixin, UpdateView):
    def form_valid(self, form):
        response = super().form_valid(form)  # 409 if someone else saved the contact meanwhile
        if response.status_code == 302:
            messages.success(self.request, _("Contact person saved."))
        return response


class ContactPersonDeleteView(ContactPersonMixin, DeleteView):
    template_name = "kooperation/contactperson_confirm_delete.html"
    form_class = DeleteView.form_class

    def form_valid(self, form):
        messages.success(self.request, _("Contact person removed."))
        return super().form_valid(form)


class CooperationStepView(IdempotentCreateMixin, EditCheckMixin, FormView):
    """Record a step of the cooperation with a partner: status, what happened, next step."""

    form_class = CooperationStepForm
    template_name = "kooperation/cooperation_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.partner = get_object_or_404(
            Partner.objects.select_related("municipality"), pk=kwargs["pk"]
        )
        self.check_can_edit(self.partner)
        self.cooperation = Cooperation.objects.filter(partner=self.partner).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "cooperation": self.cooperation,
            "user": self.request.user,
        }

    def form_valid(self, form):
        try:
            cooperation_record_step(
                partner=self.partner,
                step=form.as_step(),
                user=self.request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            form.apply_errors(error)
            return self.form_invalid(form)
        except EditConflict as conflict:
            form.add_conflict_error(conflict)
            return self.render_to_response(self.get_context_data(form=form), status=409)
        messages.success(self.request, _("Cooperation step recorded."))
        return redirect(
            reverse("kooperation:partner_detail", args=[self.partner.pk]) + "#cooperation"
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "partner": self.partner,
            "cooperation": self.cooperation,
        }


class PartnerImportView(RoleRequiredMixin, FormView):
    """Administration uploads a CSV of partners: all rows or none."""

    form_class = PartnerImportForm
    template_name = "kooperation/partner_import.html"
    allowed = staticmethod(can_import)
    denied_message = gettext_lazy("Only Administration imports partners.")

    def form_valid(self, form):
        try:
            rows = importing.parse_partners(decode(form.cleaned_data["file"].read()))
        except CsvFileError as error:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=error.errors)
            )
        result = importing.partners_import(rows, user=self.request.user)
        messages.success(
            self.request,
            _("Import finished: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return redirect("kooperation:partner_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "columns": importing.COLUMNS}
