"""users pages (in progress)."""

urlpatterns = []
