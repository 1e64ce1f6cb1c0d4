"""Storefront keys in DRF: `X-Storefront-Key: <key>` or `Authorization: Storefront <key>`.

A key authenticates no user: `request.user` stays anonymous and `request.auth` is the StorefrontKey,
so every view that requires a user (all but the menu) refuses it. The menu view checks the key's store.
"""
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..services import StorefrontKeyRevoked, find_storefront_key

KEYWORD = "Storefront"


class StorefrontKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        plain = request.META.get("HTTP_X_STOREFRONT_KEY", "").strip()
        if not plain:
            parts = authentication.get_authorization_header(request).split()
            if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
                return None  # not ours: token or session authentication may take it
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed("Send the key as `Authorization: Storefront <key>`.")
            plain = parts[1].decode(errors="replace")
        try:
            key = find_storefront_key(plain)
        except StorefrontKeyRevoked as revoked:
            raise exceptions.AuthenticationFailed(f"{revoked} Ask the store for its new key.") from revoked
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown storefront key.")
        return AnonymousUser(), key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a missing or wrong key.
        return f'{KEYWORD} realm="api"'


class StorefrontKeyScheme(OpenApiAuthenticationExtension):
    target_class = "catalog.api.auth.StorefrontKeyAuthentication"
    name = "storefrontKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Storefront-Key",
                "description": "A store's storefront key (Menu > Storefront keys); reads that store's menu only. "
                               "`Authorization: Storefront <key>` works too."}
