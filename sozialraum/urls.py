from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from sozialraum.accounts import notifications, oidc, password_reset
from sozialraum.accounts.login import LoginForm, admin_login
from sozialraum.jobs import views as jobs
from sozialraum.views import assignments, audit, directory, session, structure, users
from sozialraum.views import two_factor as two_factor_views

sozialraum_patterns = [
    path("", structure.HomeView.as_view(), name="home"),
    path("sozialraeume/", structure.StructureView.as_view(), name="structure"),
    *assignments.urlpatterns,
    *users.urlpatterns,
    *directory.urlpatterns,
    *audit.urlpatterns,
    *jobs.urlpatterns,
    *session.urlpatterns,
    *notifications.urlpatterns,
]

# A database timeout outside a view (e.g. loading the session) gets the 503 page, not a 500.
handler500 = "sozialraum.middleware.server_error"

urlpatterns = [
    path("", include((sozialraum_patterns, "sozialraum"))),
    path("", include("kooperation.urls")),
    path("", include("teams.urls")),
    path(
        "konto/anmelden/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("konto/abmelden/", oidc.LogoutView.as_view(), name="logout"),
    *oidc.urlpatterns,
    path("konto/passwort/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "konto/passwort/geaendert/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    *password_reset.urlpatterns,
    *two_factor_views.urlpatterns,
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Before the admin's own URLs: its login is the application's (sozialraum.accounts.login).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

# Measuring pages for `make bench` only (teams/bench.py); never switched on in production.
if settings.BENCH:
    from teams.bench import urlpatterns as bench_patterns

    urlpatterns += bench_patterns

if settings.DEBUG:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.views.defaults import page_not_found, permission_denied, server_error

    # Preview the error pages while developing.
    urlpatterns += [
        path("_fehler/403/", permission_denied, {"exception": PermissionDenied()}),
        path("_fehler/404/", page_not_found, {"exception": Http404()}),
        path("_fehler/500/", server_error),
    ]
