"""assignments pages (in progress)."""

urlpatterns = []
