"""`GET /api/v1/stores/{id}/menu`: a store's products as synced and mapped, for its ecommerce site.

Readers: the store's storefront key (that store only), or a user with catalog.view_product on the
store's company (token or session). Another store or company answers 404, like any id one may not see.

Polling is cheap: the weak ETag is a hash of the store's product count, newest updated_at and highest
id plus the query, read from the (store, updated_at) index, so an unchanged menu answers 304 without
reading a single product. Every writer of Product must therefore bump updated_at (auto_now does on
save(); bulk_update and update() must set it).
"""
import datetime
import hashlib

from django.db.models import Count, F, Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from integrations.models import RetailStore
from integrations.tenancy import scope_to_company

from ..mapping.categories import UNCATEGORISED
from ..models import Product, StorefrontKey
from .auth import StorefrontKeyAuthentication
from .serializers import MENU_COLUMNS, MenuProductSerializer

# Bump when the menu's JSON shape changes, so cached copies are refetched.
MENU_FORMAT = "1"
ORDERINGS = {"product_name": ["product_name", "id"], "-product_name": ["-product_name", "-id"],
             "updated_at": ["updated_at", "id"], "-updated_at": ["-updated_at", "-id"], "id": ["id"]}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class MenuPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class CanReadMenu(BasePermission):
    """A storefront key (its store is checked by the view) or a user with catalog.view_product."""

    message = "Reading a menu needs a storefront key or a user with permission to view products."

    def has_permission(self, request, view):
        if isinstance(request.auth, StorefrontKey):
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("catalog.view_product"))


def parse_menu_params(params) -> dict:
    """The query, validated and normalised (the ETag hashes this form, so `Flower` and `flower` agree)."""
    query = {}
    for name in ("category", "subcategory", "search"):
        value = params.get(name, "").strip()
        if value:
            query[name] = value.lower() if name != "search" else value
    if query.get("category") == "uncategorized":  # the US spelling of the menu's "Uncategorised"
        query["category"] = UNCATEGORISED.lower()
    in_stock = params.get("in_stock", "").strip().lower()
    if in_stock:
        if in_stock not in TRUE | FALSE:
            raise ValidationError({"in_stock": "Use true or false."})
        query["in_stock"] = in_stock in TRUE
    since = params.get("updated_since", "").strip()
    if since:
        # "+" of an offset often arrives as a space when the caller did not URL-encode it.
        try:
            parsed = parse_datetime(since.replace(" ", "+"))
            if parsed is None and (day := parse_date(since)):
                parsed = datetime.datetime.combine(day, datetime.time.min)
        except ValueError:
            # Well formed but no such day or time (2025-02-30, 25:00).
            raise ValidationError({"updated_since": f"{since[:40]} is not a real date or time."}) from None
        if parsed is None:
            raise ValidationError({"updated_since": "Use an ISO 8601 date or time, e.g. 2025-01-31T08:00:00Z."})
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        try:
            parsed = parsed.astimezone(datetime.UTC)  # as the database compares it
        except OverflowError:
            raise ValidationError({"updated_since": "Use a time between the years 1 and 9999."}) from None
        query["updated_since"] = parsed
    ordering = params.get("ordering", "").strip()
    if ordering:
        if ordering not in ORDERINGS:
            raise ValidationError({"ordering": f"One of: {', '.join(ORDERINGS)}."})
        query["ordering"] = ordering
    return query


def filter_menu(queryset, query: dict):
    if "category" in query:
        queryset = queryset.filter(category__iexact=query["category"])
    if "subcategory" in query:
        queryset = queryset.filter(subcategory__iexact=query["subcategory"])
    if "in_stock" in query:
        in_stock = Q(quantity__gt=F("held_quantity"))
        queryset = queryset.filter(in_stock) if query["in_stock"] else queryset.exclude(in_stock)
    if "search" in query:
        term = query["search"]
        queryset = queryset.filter(Q(product_name__icontains=term) | Q(brand__icontains=term)
                                   | Q(sku__icontains=term))
    if "updated_since" in query:
        queryset = queryset.filter(updated_at__gte=query["updated_since"])
    return queryset.order_by(*ORDERINGS[query.get("ordering", "product_name")])


def menu_etag(store: RetailStore, query: dict, page: str, page_size: str) -> str:
    """A weak ETag: any product of the store created, changed or deleted changes it."""
    state = Product.objects.filter(store=store).aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    last = state["last"].isoformat() if state["last"] else ""
    asked = "&".join(f"{k}={v.isoformat() if hasattr(v, 'isoformat') else v}" for k, v in sorted(query.items()))
    basis = "|".join(str(part) for part in (MENU_FORMAT, store.pk, store.location_type, state["n"], last,
                                            state["top"], asked, page, page_size))
    return 'W/"' + hashlib.sha256(basis.encode()).hexdigest()[:32] + '"'


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in header.split(","))


QUERY_PARAMETERS = [
    OpenApiParameter("category", str, description=(
        "Exact category, case-insensitive (e.g. flower). uncategorised: the products whose POS category no "
        "mapping recognises yet.")),
    OpenApiParameter("subcategory", str, description="Exact subcategory, case-insensitive."),
    OpenApiParameter("in_stock", bool, description="true: only products with quantity_available > 0; "
                                                   "false: only those without."),
    OpenApiParameter("search", str, description="Part of the product name, brand or SKU."),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME,
                     description="Only products changed at or after this time (ISO 8601)."),
    OpenApiParameter("ordering", str, enum=list(ORDERINGS),
                     description="Default product_name; ties are broken by id, so pages are stable."),
    OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER,
                     description="The ETag of your last copy: 304 with no body when nothing changed."),
]


class StoreMenuView(mixins.ListModelMixin, generics.GenericAPIView):
    authentication_classes = [StorefrontKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [CanReadMenu]
    serializer_class = MenuProductSerializer
    pagination_class = MenuPagination
    queryset = Product.objects.none()  # the store's products, see get_queryset

    def get_store(self) -> RetailStore:
        store_id = self.kwargs["store_id"]
        if isinstance(self.request.auth, StorefrontKey):
            key = self.request.auth
            # A key reads its own store only; any other id looks like one that does not exist.
            return get_object_or_404(RetailStore.objects.filter(pk=key.store_id), pk=store_id)
        visible = scope_to_company(RetailStore.objects.all(), self.request.user, "company")
        return get_object_or_404(visible, pk=store_id)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        products = Product.objects.filter(store=self.store).only(*MENU_COLUMNS)
        return filter_menu(products, self.query)

    @extend_schema(
        operation_id="store_menu",
        summary="A store's menu",
        description="The store's products as synced from its POS and mapped. Poll with If-None-Match: an "
                    "unchanged menu answers 304 with no body. Never contains unit cost.",
        parameters=QUERY_PARAMETERS,
        responses={
            200: MenuProductSerializer(many=True),
            304: OpenApiResponse(description="Not modified: the If-None-Match ETag is current."),
            400: OpenApiResponse(description="A filter was not understood."),
            401: OpenApiResponse(description="No credentials, an unknown key or a revoked key."),
            404: OpenApiResponse(description="No such store, or one this key or user may not read."),
        },
        examples=[OpenApiExample("Menu page", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [{
                "id": 42, "pos_product_id": "1001", "sku": "BD-3.5", "product_name": "Blue Dream 3.5g",
                "brand": "Canopy Farms", "category": "flower", "subcategory": "Flower", "strain_type": "Hybrid",
                "description": "", "images": ["https://img.example/1.jpg"], "thc_percentage": 22.5,
                "cbd_percentage": 0.1, "lab_results": [{"name": "THC", "value": 22.5, "unit": "%"}],
                "terpenes": [{"name": "Limonene", "value": 1.2, "unit": "%"}],
                "weight": {"value": 3.5, "unit": "g"}, "unit_price": 35.0, "price_tiers": [], "weight_tiers": [],
                "flower_equivalent": 3.5, "quantity_available": 12.0, "room_type": "Sales Floor",
                "updated_at": "2025-01-31T08:00:00Z"}]}),
        ],
    )
    def get(self, request, *args, **kwargs):
        self.query = parse_menu_params(request.query_params)
        self.store = self.get_store()
        etag = menu_etag(self.store, self.query, request.query_params.get("page", ""),
                         request.query_params.get("page_size", ""))
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = Response(status=304)
        else:
            response = self.list(request, *args, **kwargs)
        response["ETag"] = etag
        # Revalidate every time (cheap: 304); shared caches must not mix keys or users.
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Authorization, X-Storefront-Key, Cookie"
        return response


@extend_schema_view(get=extend_schema(exclude=True))
class StoreMenuSlashView(StoreMenuView):
    """The same menu at `.../menu/`, the trailing-slash style of the rest of the API (not in the schema twice)."""
