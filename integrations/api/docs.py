"""The API's schema and interactive docs: open in development, for signed-in users in production
(settings.API_DOCS_PUBLIC). Read per request, so a test or an operator's override takes effect at once."""
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class DocsReader(BasePermission):
    message = "Sign in to read the API schema."

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


def signed_in_unless_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for people: send an anonymous browser to the sign-in page, then back."""

    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return gated


schema_view = SpectacularAPIView.as_view(permission_classes=[DocsReader])
# The split Swagger view serves its start-up script as a file, so the page needs no inline script (CSP).
docs_view = signed_in_unless_public(SpectacularSwaggerSplitView.as_view(url_name="schema"))
