"""The menu product as ecommerce sites read it. An explicit field list: unit_cost, the raw POS record,
mapping decisions and flags are never part of it."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Product


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A number as mapping stored it (mapping only writes numbers; nothing is coerced on the way out)."""

    def to_representation(self, value):
        return value


class MeasureSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = NumberField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)


class WeightSerializer(serializers.Serializer):
    value = NumberField(allow_null=True)
    unit = serializers.CharField(help_text="g, or mg for infused categories (D6).")


def price(**kwargs):
    # Numbers, not strings: a storefront adds prices up.
    return serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, read_only=True,
                                    **kwargs)


class MenuProductSerializer(serializers.ModelSerializer):
    images = serializers.ListField(child=serializers.CharField(), help_text="Image URLs in the POS's order (C7).")
    lab_results = MeasureSerializer(many=True, help_text="Unit mg, % or mg/g (D3).")
    terpenes = MeasureSerializer(many=True, help_text="The 16 supported terpene names (C9).")
    weight = WeightSerializer(allow_null=True)
    unit_price = price(allow_null=True, help_text="The menu price; a medical store's is already the medical price.")
    medical_unit_price = price(allow_null=True, required=False,
                               help_text="Present only when the POS gave a medical price.")
    price_tiers = serializers.ListField(child=serializers.DictField(), help_text=(
        "Quantity tiers (D5, A4): [{min_quantity, max_quantity, price}]."))
    weight_tiers = serializers.ListField(child=serializers.DictField(), help_text=(
        "Weight tiers (D5): [{min_weight, max_weight, unit, price}]."))
    quantity_available = serializers.FloatField(read_only=True, help_text=(
        "What can be ordered now: the POS quantity less the quantity held by open orders (C6), never below 0."))

    class Meta:
        model = Product
        fields = ["id", "pos_product_id", "sku", "product_name", "brand", "category", "subcategory",
                  "strain_type", "description", "images", "thc_percentage", "cbd_percentage", "lab_results",
                  "terpenes", "weight", "unit_price", "medical_unit_price", "price_tiers", "weight_tiers",
                  "flower_equivalent", "quantity_available", "room_type", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("medical_unit_price") is None:
            data.pop("medical_unit_price", None)
        return data


# Columns the menu reads: the wide ones (raw, decisions) stay in the database.
MENU_COLUMNS = [f for f in MenuProductSerializer.Meta.fields if f != "quantity_available"] + [
    "quantity", "held_quantity"]
