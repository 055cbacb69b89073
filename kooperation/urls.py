from django.urls import path, re_path

from kooperation import views

app_name = "kooperation"

urlpatterns = [
    path("partner/", views.PartnerListView.as_view(), name="partner_list"),
    path("partner/neu/", views.PartnerCreateView.as_view(), name="partner_create"),
    path("partner/import/", views.PartnerImportView.as_view(), name="partner_import"),
    re_path(
        r"^partner/export\.(?P<format>csv|xlsx)$",
        views.PartnerExportView.as_view(),
        name="partner_export",
    ),
    path("partner/<int:pk>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path("partner/<int:pk>/bearbeiten/", views.PartnerUpdateView.as_view(), name="partner_update"),
    path("partner/<int:pk>/aktiv/", views.PartnerActiveView.as_view(), name="partner_active"),
    path("partner/<int:pk>/loeschen/", views.PartnerDeleteView.as_view(), name="partner_delete"),
    path(
        "partner/<int:pk>/kooperation/",
        views.CooperationStepView.as_view(),
        name="cooperation_step",
    ),
    path(
        "partner/<int:partner_pk>/kontakte/neu/",
        views.ContactPersonCreateView.as_view(),
        name="contact_create",
    ),
    path(
        "kontakte/<int:pk>/bearbeiten/",
        views.ContactPersonUpdateView.as_view(),
        name="contact_update",
    ),
    path(
        "kontakte/<int:pk>/loeschen/",
        views.ContactPersonDeleteView.as_view(),
        name="contact_delete",
    ),
    path("naechste-schritte/", views.NextStepsView.as_view(), name="next_steps"),
    path("gremien/", views.BodyListView.as_view(), name="body_list"),
    path("gremien/neu/", views.BodyCreateView.as_view(), name="body_create"),
    path("gremien/<int:pk>/", views.BodyDetailView.as_view(), name="body_detail"),
    path("gremien/<int:pk>/bearbeiten/", views.BodyUpdateView.as_view(), name="body_update"),
    path("abdeckung/", views.CoverageView.as_view(), name="coverage"),
    re_path(
        r"^abdeckung/export\.(?P<format>csv|xlsx)$",
        views.CoverageExportView.as_view(),
        name="coverage_export",
    ),
]
