"""audit pages (in progress)."""

urlpatterns = []
