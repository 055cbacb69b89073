"""Pages that exist only for ``make bench`` (``DJANGO_BENCH=true``), never in production.

- ``/bench/floor/``: an authenticated view that runs one query — the floor every page pays
  (session, user, middleware) before it does anything of its own.
- ``/bench/admin/``: the stock Django admin changelist of activities (a plain ``ModelAdmin``
  with ``list_display``, ``list_filter`` on kind and team and a ``date_hierarchy``), the yardstick
  the activity list is compared with.
"""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path

from sozialraum.models import Team
from teams.models import Activity


def floor(request):
    return HttpResponse(str(Team.objects.count()), content_type="text/plain")


class BenchAdminSite(admin.AdminSite):
    site_header = "Bench"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_staff


class StockActivityAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "status", "team", "municipality", "children", "young_people"]
    list_filter = ["kind", "team"]
    date_hierarchy = "date"

    def has_view_permission(self, request, obj=None):
        return True

    def has_module_permission(self, request):
        return True


bench_site = BenchAdminSite(name="bench_admin")
bench_site.register(Activity, StockActivityAdmin)

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/admin/", bench_site.urls),
]
