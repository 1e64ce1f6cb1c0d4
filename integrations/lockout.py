"""Sign-in throttling (django-axes): who the caller is, and what a locked-out caller reads.

settings.py turns it on for every sign-in (the admin's login page and the API's token view): after
AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused until the
cool-off passes or `manage.py axes_reset` clears it.
"""
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_message() -> str:
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return (f"Too many failed sign-ins for this username from your address. Try again in {minutes} minutes, "
            "or ask an administrator to unlock the account.")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with the message: JSON for the API, a page for the admin."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    from django.contrib import admin

    context = {**admin.site.each_context(request), "title": "Signing in is paused", "message": message}
    # Rendered now: the middleware that returns it runs after the template-response phase.
    return render(request, "admin/locked_out.html", context, status=429)


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For,
    it is that many entries from the right; anything further left was written by the client itself,
    so it is never trusted (or an attacker would get a fresh address, and fresh attempts, per request)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
