"""Plain views outside the admin and the API."""
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found


@require_GET
def health(request):
    """X5: a monitoring system polls this; 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        database = "unavailable"
    ok = database == "ok"
    return JsonResponse({"status": "ok" if ok else "unhealthy", "database": database}, status=200 if ok else 503)


def not_found(request, exception=None):
    """404s: the API answers in JSON like the rest of the API, pages in Django's usual way."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Nothing at this address: check the path and the id in it."}, status=404)
    return page_not_found(request, exception)
