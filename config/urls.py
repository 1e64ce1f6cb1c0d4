from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

from integrations.views import health

# The split Swagger view serves its start-up script as a file, so the page needs no inline script (CSP).
schema_view = SpectacularAPIView.as_view(permission_classes=[AllowAny if settings.API_DOCS_PUBLIC else IsAuthenticated])
docs_view = SpectacularSwaggerSplitView.as_view(url_name="schema")
if not settings.API_DOCS_PUBLIC:
    # In production the API's map is for signed-in users: the browser is sent to the sign-in page.
    docs_view = login_required(docs_view)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("integrations.api.urls")),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", docs_view, name="api-docs"),
    path("health/", health, name="health"),
]
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("integrations.sandbox.urls")))
