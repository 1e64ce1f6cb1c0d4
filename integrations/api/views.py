from rest_framework import mixins, viewsets
from rest_framework.authtoken.views import ObtainAuthToken

from ..models import Company, RetailStore
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
