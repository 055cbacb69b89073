from kooperation.views.bodies import BodyCreateView, BodyDetailView, BodyListView, BodyUpdateView
from kooperation.views.coverage import CoverageExportView, CoverageView, NextStepsView
from kooperation.views.partners import (
    ContactPersonCreateView,
    ContactPersonDeleteView,
    ContactPersonUpdateView,
    CooperationStepView,
    PartnerActiveView,
    PartnerCreateView,
    PartnerDeleteView,
    PartnerDetailView,
    PartnerExportView,
    PartnerImportView,
    PartnerListView,
    PartnerUpdateView,
)

__all__ = [
    "BodyCreateView",
    "BodyDetailView",
    "BodyListView",
    "BodyUpdateView",
    "ContactPersonCreateView",
    "ContactPersonDeleteView",
    "ContactPersonUpdateView",
    "CooperationStepView",
    "CoverageExportView",
    "CoverageView",
    "NextStepsView",
    "PartnerActiveView",
    "PartnerCreateView",
    "PartnerDeleteView",
    "PartnerDetailView",
    "PartnerExportView",
    "PartnerImportView",
    "PartnerListView",
    "PartnerUpdateView",
]
