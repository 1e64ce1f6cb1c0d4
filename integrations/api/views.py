from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import cards, sync
from ..jsonlimits import DepthLimitedJSONParser
from ..models import Company, IntegrationCard, RetailStore, SyncRun
from ..streams import streams_for
from .cards import IntegrationCardSerializer
from .mixins import CompanyScopedViewMixin
from .runs import SyncRequestSerializer, SyncRunSerializer
from .serializers import CompanySerializer, RetailStoreSerializer


class TokenView(ObtainAuthToken):
    """POST username and password, get `{"token": ...}`; send it back as `Authorization: Token ...`.

    Repeated wrong passwords lock the username out from that address (django-axes, see settings)."""

    permission_classes = []
    # DRF's token view names its own parsers; these are the API's defaults (JSON with a nesting limit).
    parser_classes = [DepthLimitedJSONParser, FormParser, MultiPartParser]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        finally:
            # django-axes marks the request it authenticated (DRF's wrapper); its middleware, which
            # answers with the lockout message, reads Django's own request.
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True


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

    @extend_schema(request=SyncRequestSerializer, responses=SyncRunSerializer)
    @action(detail=True, methods=["post"], url_path="sync", permission_classes=[IsAuthenticated])
    def sync(self, request, pk=None):
        """Queue a sync of one stream at once and return the run (a running one is joined, not repeated)."""
        card = self.get_object()
        if not request.user.has_perm("integrations.sync_integrationcard"):
            raise PermissionDenied("Only managers and onboarding specialists can start a sync.")
        body = SyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stream = body.validated_data["stream"]
        if stream not in streams_for(card.kind):
            known = ", ".join(streams_for(card.kind)) or "none"
            raise ValidationError({"stream": [f"This card has no stream called {stream!r}; it has: {known}."]})
        run, joined = sync.enqueue_sync(card, stream, SyncRun.Trigger.API, request.user,
                                        dry_run=body.validated_data["dry_run"])
        return Response(SyncRunSerializer(run).data, status=200 if joined else 202)


class SyncRunViewSet(CompanyScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    company_path = "card__company"
    queryset = SyncRun.objects.select_related("card")
    serializer_class = SyncRunSerializer
