from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("companies", views.CompanyViewSet)
router.register("stores", views.RetailStoreViewSet)
router.register("cards", views.IntegrationCardViewSet)
router.register("sync-runs", views.SyncRunViewSet)

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    # Domain apps' endpoints, by dotted path: integrations never imports them (stores/{id}/menu).
    path("", include("catalog.api.urls")),
    path("", include(router.urls)),
]
