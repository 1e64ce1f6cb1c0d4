"""Included by integrations/api/urls.py by dotted path (integrations never imports catalog)."""
from django.urls import path

from .views import StoreMenuSlashView, StoreMenuView

urlpatterns = [
    path("stores/<int:store_id>/menu", StoreMenuView.as_view(), name="store-menu"),
    # Storefronts call it with or without the trailing slash the rest of the API uses.
    path("stores/<int:store_id>/menu/", StoreMenuSlashView.as_view()),
]
