from django.urls import path

from teams.views import (
    absences,
    activities,
    calendar,
    choosers,
    comparison,
    dashboard,
    exports,
    my_week,
    personal,
    personal_feed,
    projects,
    public,
    report,
    reviews,
    series,
    targets,
)

app_name = "teams"

urlpatterns = [
    path("meine-woche/", my_week.MyWeekView.as_view(), name="my_week"),
    path("team-kalender/", calendar.TeamCalendarView.as_view(), name="team_week"),
    path("abwesenheiten/", absences.AbsenceListView.as_view(), name="absence_list"),
    path("abwesenheiten/neu/", absences.AbsenceFormView.as_view(), name="absence_create"),
    path(
        "abwesenheiten/<int:pk>/bearbeiten/",
        absences.AbsenceFormView.as_view(),
        name="absence_update",
    ),
    path(
        "abwesenheiten/<int:pk>/loeschen/",
        absences.AbsenceDeleteView.as_view(),
        name="absence_delete",
    ),
    path("auswertung/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("vergleich/", comparison.ComparisonView.as_view(), name="comparison"),
    path("ziele/", targets.TargetListView.as_view(), name="target_list"),
    path("ziele/neu/", targets.TargetCreateView.as_view(), name="target_create"),
    path("ziele/<int:pk>/bearbeiten/", targets.TargetUpdateView.as_view(), name="target_update"),
    path("ziele/<int:pk>/loeschen/", targets.TargetDeleteView.as_view(), name="target_delete"),
    path("jahresbericht/", report.AnnualReportView.as_view(), name="annual_report"),
    path("jahresbericht/pdf/", report.AnnualReportPdfView.as_view(), name="annual_report_pdf"),
    path("jahresbericht/docx/", report.AnnualReportDocxView.as_view(), name="annual_report_docx"),
    path(
        "jahresbericht/gemeinde/<int:pk>/pdf/",
        report.MunicipalityProfilePdfView.as_view(),
        name="annual_report_profile",
    ),
    path(
        "jahresbericht/gemeindeprofile/",
        report.MunicipalityProfilesJobView.as_view(),
        name="annual_report_profiles",
    ),
    path(
        "jahresbericht/text/<str:section>/",
        report.ReportTextView.as_view(),
        name="annual_report_text",
    ),
    path(
        "meine-woche/erfassen/<int:series>/<str:day>/",
        my_week.MyWeekLogView.as_view(),
        name="my_week_log",
    ),
    path("meine-aktivitaeten/", personal.MyActivitiesView.as_view(), name="my_activities"),
    path(
        "mein-kalender-abo/",
        personal_feed.CalendarSubscriptionView.as_view(),
        name="calendar_subscription",
    ),
    path(
        "kalender/<int:user>/<str:secret>.ics",
        personal_feed.PersonalFeedView.as_view(),
        name="personal_feed",
    ),
    path("aktivitaeten/", activities.ActivityListView.as_view(), name="activity_list"),
    path(
        "aktivitaeten/export.csv", exports.ActivityCsvExportView.as_view(), name="activity_export"
    ),
    path(
        "aktivitaeten/export.xlsx",
        exports.ActivityXlsxExportView.as_view(),
        name="activity_export_xlsx",
    ),
    path("aktivitaeten/neu/", activities.ActivityCreateView.as_view(), name="activity_create"),
    path(
        "aktivitaeten/auswahl/partner/",
        choosers.PartnerChooserView.as_view(),
        name="chooser_partners",
    ),
    path(
        "aktivitaeten/auswahl/projekte/",
        choosers.ProjectChooserView.as_view(),
        name="chooser_projects",
    ),
    path(
        "aktivitaeten/auswahl/gremien/",
        choosers.BodyChooserView.as_view(),
        name="chooser_bodies",
    ),
    path("aktivitaeten/<int:pk>/", activities.ActivityDetailView.as_view(), name="activity_detail"),
    path(
        "aktivitaeten/<int:pk>/bearbeiten/",
        activities.ActivityUpdateView.as_view(),
        name="activity_update",
    ),
    path(
        "aktivitaeten/<int:pk>/loeschen/",
        activities.ActivityDeleteView.as_view(),
        name="activity_delete",
    ),
    path(
        "sprechstunden-serien/",
        series.ConsultationHourListView.as_view(),
        name="consultationhour_list",
    ),
    path(
        "sprechstunden-serien/neu/",
        series.ConsultationHourCreateView.as_view(),
        name="consultationhour_create",
    ),
    path(
        "sprechstunden-serien/<int:pk>/",
        series.ConsultationHourDetailView.as_view(),
        name="consultationhour_detail",
    ),
    path(
        "sprechstunden-serien/<int:pk>/bearbeiten/",
        series.ConsultationHourUpdateView.as_view(),
        name="consultationhour_update",
    ),
    path(
        "sprechstunden-serien/vorschau/",
        series.ConsultationHourPreviewView.as_view(),
        name="consultationhour_preview",
    ),
    path(
        "sprechstunden-serien/<int:pk>/vorschau/",
        series.ConsultationHourPreviewView.as_view(),
        name="consultationhour_preview_update",
    ),
    path(
        "sprechstunden-serien/orte/",
        choosers.SeriesVenuesView.as_view(),
        name="series_venues",
    ),
    path(
        "aktivitaeten/kontext/",
        choosers.ActivityContextView.as_view(),
        name="activity_context",
    ),
    path("projekte/", projects.ProjectListView.as_view(), name="project_list"),
    path("projekte/neu/", projects.ProjectCreateView.as_view(), name="project_create"),
    path("projekte/<int:pk>/", projects.ProjectDetailView.as_view(), name="project_detail"),
    path(
        "projekte/<int:pk>/bearbeiten/", projects.ProjectUpdateView.as_view(), name="project_update"
    ),
    path("pruefung/", reviews.ReviewListView.as_view(), name="review_list"),
    path("pruefung/abzeichnen/", reviews.ReviewBulkSignOffView.as_view(), name="review_bulk"),
    path(
        "pruefung/<int:team>/<int:year>/<int:month>/",
        reviews.ReviewDetailView.as_view(),
        name="review_detail",
    ),
    path(
        "pruefung/<int:team>/<int:year>/<int:month>/abzeichnen/",
        reviews.ReviewSignOffView.as_view(),
        name="review_sign_off",
    ),
    path(
        "pruefung/<int:team>/<int:year>/<int:month>/wieder-oeffnen/",
        reviews.ReviewReopenView.as_view(),
        name="review_reopen",
    ),
    path("sprechstunden/", public.PublicFinderView.as_view(), name="public_finder"),
    path(
        "sprechstunden/gemeinde/<int:pk>.ics",
        public.MunicipalityCalendarView.as_view(),
        name="municipality_calendar",
    ),
    path(
        "sprechstunden/team/<int:pk>.ics", public.TeamCalendarView.as_view(), name="team_calendar"
    ),
]
