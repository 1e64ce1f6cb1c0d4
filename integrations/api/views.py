from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import cards
from ..models import Company, IntegrationCard, RetailStore
from .cards import IntegrationCardSerializer
from .mixins import CompanyScopedViewMixin
from .serializers import CompanySerializer, RetailStoreSerializer


class TokenView(ObtainAuthToken):
    """POST username and password, get `{"token": ...}`; send it back as `Authorization: Token ...`."""

    permission_classes = []


class CompanyViewSet(CompanyScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    company_path = ""
    queryset = Company.objects.all()
    serializer_class = CompanySerializer


class RetailStoreViewSet(CompanyScopedViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RetailStore.objects.select_related("company")
    serializer_class = RetailStoreSerializer


class IntegrationCardViewSet(CompanyScopedViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             viewsets.ReadOnlyModelViewSet):
    queryset = IntegrationCard.objects.select_related("store", "company").prefetch_related("credentials__stores")
    serializer_class = IntegrationCardSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=None, responses=inline_serializer("ConnectionResult", {
        "ok": serializers.BooleanField(), "message": serializers.CharField(), "details": serializers.DictField()}))
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None):
        """Call the POS with the stored credentials and answer in words (R2)."""
        card = self.get_object()
        result = cards.test_connection(card)
        return Response({"ok": result.ok, "message": result.message, "details": result.details})
