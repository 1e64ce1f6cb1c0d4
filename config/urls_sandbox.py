"""Only the sandbox POS: what `manage.py run_sandbox_pos` serves on its own port."""
from django.urls import include, path

urlpatterns = [path("sandbox/", include("integrations.sandbox.urls"))]
